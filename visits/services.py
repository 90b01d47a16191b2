"""Writes of care records: recording, correcting (with history), voiding, and 五必访 events.

Every write logs the children it concerns in the access log, in the same transaction.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AccessLog, Pupil, User
from registry.services import display_value, log_access
from visits.models import (
    CareRecord,
    CareRecordRevision,
    CareSettings,
    WatchEvent,
    care_settings_for,
)
from visits.selectors import can_write_record

# The kinds of record that answer a 五必访 event: someone went to see the child, or talked.
ANSWERING_KINDS = (CareRecord.Kind.HOME_VISIT, CareRecord.Kind.TALK)
RECORD_FIELDS = CareRecord.FILLED_IN


def _log(actor: User, pupils: Iterable[Pupil], detail: str, request: HttpRequest | None) -> None:
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        pupils=pupils,
        detail=detail,
        request=request,
    )


@transaction.atomic
def record_create(
    *,
    actor: User,
    pupils: list[Pupil],
    request: HttpRequest | None = None,
    **fields: Any,
) -> CareRecord:
    """Record care given to one or more children; a home visit or talk answers their open
    五必访 events noticed on or before its date."""
    if not pupils:
        raise ValidationError({"pupils": _("请至少选择一名儿童。")})
    record = CareRecord(school_id=actor.school_id, author=actor)
    for name, value in fields.items():
        if name not in RECORD_FIELDS:
            raise TypeError(f"record_create() got an unexpected field {name!r}")
        setattr(record, name, value)
    refused = [pupil.name for pupil in pupils if not can_write_record(actor, record.kind, pupil)]
    if refused:
        raise ValidationError(
            {"pupils": _("您不能为%(names)s记录这一类关爱。") % {"names": "、".join(refused)}}
        )
    record.full_clean()
    record.save()
    record.pupils.set(pupils)
    if record.kind in ANSWERING_KINDS:
        WatchEvent.objects.filter(
            pupil__in=pupils, answered_by=None, noticed_on__lte=record.occurred_on
        ).update(answered_by=record)
    _log(actor, pupils, _("新建%(kind)s记录") % {"kind": record.get_kind_display()}, request)
    return record


@transaction.atomic
def record_correct(
    *,
    actor: User,
    record: CareRecord,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> CareRecordRevision | None:
    """Correct a record: the old values stay in its history. None when nothing changed."""
    record = CareRecord.objects.select_for_update().get(pk=record.pk)
    if record.voided_at is not None:
        raise ValidationError(_("已作废的记录不能修改。"))
    editable = [name for name in changes if name in RECORD_FIELDS and name != "kind"]
    before = {name: display_value(record, name) for name in editable}
    for name in editable:
        setattr(record, name, changes[name])
    record.full_clean()
    diff = [
        {
            "key": name,
            "field": str(record._meta.get_field(name).verbose_name),
            "old": before[name],
            "new": display_value(record, name),
        }
        for name in editable
        if display_value(record, name) != before[name]
    ]
    if not diff:
        return None
    record.updated_at = timezone.now()
    record.save()
    revision = CareRecordRevision.objects.create(
        record=record, actor=actor, summary=_("修改记录"), changes=diff
    )
    _log(
        actor,
        record.pupils.all(),
        _("修改%(kind)s记录") % {"kind": record.get_kind_display()},
        request,
    )
    return revision


@transaction.atomic
def record_void(
    *, actor: User, record: CareRecord, reason: str, request: HttpRequest | None = None
) -> CareRecord:
    """Void a record entered by mistake; it stays, marked, with the reason. The 五必访 events it
    answered are open again."""
    if not reason.strip():
        raise ValidationError({"void_reason": _("请填写作废原因。")})
    record = CareRecord.objects.select_for_update().get(pk=record.pk)
    if record.voided_at is not None:
        raise ValidationError(_("这条记录已经作废。"))
    record.voided_at = timezone.now()
    record.void_reason = reason.strip()
    record.save(update_fields=["voided_at", "void_reason"])
    WatchEvent.objects.filter(answered_by=record).update(answered_by=None)
    CareRecordRevision.objects.create(
        record=record,
        actor=actor,
        summary=_("作废记录"),
        changes=[{"key": "void_reason", "field": _("作废原因"), "old": "", "new": reason}],
    )
    _log(actor, record.pupils.all(), _("作废记录：%(reason)s") % {"reason": reason}, request)
    return record


@transaction.atomic
def watch_event_create(
    *,
    actor: User,
    pupil: Pupil,
    kind: str,
    noticed_on: datetime.date | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> WatchEvent:
    """五必访: note what was seen; a home visit or talk is due within the school's days."""
    noticed_on = noticed_on or timezone.localdate()
    days = care_settings_for(pupil.school).watch_due_days
    event = WatchEvent(
        school_id=pupil.school_id,
        pupil=pupil,
        kind=kind,
        noticed_on=noticed_on,
        note=note,
        due_on=noticed_on + datetime.timedelta(days=days),
        recorded_by=actor,
    )
    event.full_clean()
    if noticed_on > timezone.localdate():
        raise ValidationError({"noticed_on": _("发现日期不能晚于今天。")})
    event.save()
    _log(actor, [pupil], _("五必访：%(kind)s") % {"kind": event.get_kind_display()}, request)
    return event


@transaction.atomic
def care_settings_update(*, actor: User, **values: Any) -> CareSettings:
    """Change the school's quotas; what is due follows at once (nothing is stored)."""
    settings, _created = CareSettings.objects.get_or_create(school_id=actor.school_id)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    log_access(actor=actor, action=AccessLog.Action.RECORD, detail=_("修改关爱工作设置"))
    return settings
