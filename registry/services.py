"""Writes to the registry: each validates, saves and writes its audit rows in one transaction."""

import copy
import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caresys.lib.pinyin import name_pinyin
from registry.models import (
    AccessLog,
    ArchiveRevision,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    School,
    User,
)

# The parts of an archive, the fields a person edits in each, and the prefix of their labels
# in the change history. Forms and the import read these lists, so the three cannot drift.
PUPIL_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "student_number",
    "school_class",
    "village",
    "address",
    "is_boarding",
    "health",
    "character",
    "interests",
    "academic_level",
    "guardianship_type",
    "left_behind",
    "is_dropout",
    "is_hardship",
    "lacks_guardian",
    "is_unsupported",
    "is_disabled",
    "is_orphan",
    "is_priority",
)
PARENT_FIELDS = (
    "name",
    "phone",
    "work_place",
    "work_unit",
    "work_unit_address",
    "work_unit_phone",
    "away_since",
    "contact_frequency",
)
GUARDIAN_FIELDS = (
    "name",
    "relation",
    "occupation",
    "address",
    "phone",
    "health",
    "birth_year",
    "education",
    "letter_signed_on",
)
# History keys whose values are masked like the live ones.
SENSITIVE_KEYS = frozenset(
    {"pupil.id_number", "pupil.student_number"}
    | {f"{part}.{field}" for part in ("father", "mother") for field in ("phone", "work_unit_phone")}
    | {"guardian.phone"}
)

ArchiveData = Mapping[str, Mapping[str, Any]]


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_access(
    *,
    actor: User,
    action: str,
    pupils: Iterable[Pupil] = (),
    pupil_ids: Iterable[int] = (),
    detail: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Write one access-log row per pupil (one row with no pupil when there are none).

    An export passes the pks it wrote as pupil_ids: 20,000 Pupil objects would cost a second.
    """
    now = timezone.now()
    ip = client_ip(request)
    rows = [
        AccessLog(
            school_id=actor.school_id,
            actor=actor,
            at=now,
            action=action,
            pupil_id=pk,
            detail=detail[:200],
            ip_address=ip,
        )
        for pk in [*(pupil.pk for pupil in pupils), *pupil_ids]
    ] or [
        AccessLog(
            school_id=actor.school_id,
            actor=actor,
            at=now,
            action=action,
            detail=detail[:200],
            ip_address=ip,
        )
    ]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def display_value(instance: models.Model, field_name: str) -> str:
    """The value as a person reads it: choice labels, 是/否, dates, names of related rows."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return ""
    if field.choices or isinstance(field, models.BooleanField):
        return _label(field, value)
    if isinstance(field, models.ForeignKey):
        return str(getattr(instance, field.name))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


_LABELS: dict[tuple[models.Field, Any, str | None], str] = {}


def _label(field: models.Field, value: Any) -> str:
    """A choice's label or 是/否, translated once per language (an import reads 100,000)."""
    key = (field, value, translation.get_language())
    if key not in _LABELS:
        if field.choices:
            _LABELS[key] = str(dict(field.flatchoices).get(value, value))
        else:
            _LABELS[key] = _("是") if value else _("否")
    return _LABELS[key]


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {field: display_value(instance, field) for field in fields}


def _changes(
    part: str, label_prefix: str, instance: models.Model, before: dict[str, str]
) -> list[dict[str, str]]:
    after = _snapshot(instance, before)
    return [
        {
            "key": f"{part}.{field}",
            "field": f"{label_prefix}{instance._meta.get_field(field).verbose_name}",
            "old": before[field],
            "new": after[field],
        }
        for field in before
        if before[field] != after[field]
    ]


def _apply(instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    for field in fields:
        if field in data:
            setattr(instance, field, data[field])


def _archive_parts(pupil: Pupil) -> list[tuple[str, str, models.Model, tuple[str, ...]]]:
    """(part, label prefix, instance, fields) for the pupil, both parents and the guardian."""
    parents = {parent.relation: parent for parent in pupil.parents.all()}
    father = parents.get(Parent.Relation.FATHER) or Parent(
        pupil=pupil, relation=Parent.Relation.FATHER
    )
    mother = parents.get(Parent.Relation.MOTHER) or Parent(
        pupil=pupil, relation=Parent.Relation.MOTHER
    )
    try:
        guardian = pupil.guardian
    except Guardian.DoesNotExist:
        guardian = Guardian(pupil=pupil)
    return [
        ("pupil", "", pupil, PUPIL_FIELDS),
        ("father", _("父亲·"), father, PARENT_FIELDS),
        ("mother", _("母亲·"), mother, PARENT_FIELDS),
        ("guardian", _("监护人·"), guardian, GUARDIAN_FIELDS),
    ]


def _validate_all(parts: list[tuple[str, str, models.Model, tuple[str, ...]]]) -> None:
    """Validate every part before anything is saved; errors are keyed 'part.field'."""
    errors: dict[str, list] = {}
    for part, _prefix, instance, _fields in parts:
        try:
            instance.full_clean(exclude=["pupil"] if part != "pupil" else None)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{part}.{field}"] = messages
    if errors:
        raise ValidationError(errors)


def _set_left_behind(
    *, actor: User, pupil: Pupil, status: str, since: datetime.date, note: str = ""
) -> None:
    """Close the open period the day before `since` and open one with the new status."""
    current = pupil.left_behind_periods.filter(ended_on=None).first()
    if current is not None:
        if current.status == status:
            return
        if since == current.started_on:
            # A correction on the day the period began: no one-day period is invented.
            current.status = status
            current.recorded_by = actor
            current.full_clean()
            current.save(update_fields=["status", "recorded_by"])
            return
        if since < current.started_on:
            raise ValidationError(
                {
                    "pupil.left_behind_since": _(
                        "变更日期应晚于当前留守情况的开始日期（%(date)s）。"
                    )
                    % {"date": current.started_on.isoformat()}
                }
            )
        current.ended_on = since - datetime.timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["ended_on"])
    period = LeftBehindPeriod(
        pupil=pupil, status=status, started_on=since, note=note, recorded_by=actor
    )
    period.full_clean()
    period.save()


@transaction.atomic
def pupil_create(
    *,
    actor: User,
    school: School,
    data: ArchiveData,
    left_behind_since: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Pupil:
    """Create a pupil's archive (pupil, father, mother, guardian) with its first history entry."""
    pupil = Pupil(school=school)
    parts = _archive_parts_for_new(pupil)
    befores = [_snapshot(instance, fields) for _p, _l, instance, fields in parts]
    for part, _prefix, instance, fields in parts:
        _apply(instance, data.get(part, {}), fields)
    pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
    _validate_all(parts)
    pupil.save()
    changes = []
    for (part, prefix, instance, _fields), before in zip(parts, befores, strict=True):
        if part != "pupil":
            instance.pupil = pupil
            instance.save()
        changes += _changes(part, prefix, instance, before)
    _set_left_behind(
        actor=actor,
        pupil=pupil,
        status=pupil.left_behind,
        since=left_behind_since or timezone.localdate(),
    )
    ArchiveRevision.objects.create(pupil=pupil, actor=actor, summary=_("新建档案"), changes=changes)
    log_access(actor=actor, action=AccessLog.Action.CREATE, pupils=[pupil], request=request)
    return pupil


def _archive_parts_for_new(pupil: Pupil) -> list[tuple[str, str, models.Model, tuple[str, ...]]]:
    return [
        ("pupil", "", pupil, PUPIL_FIELDS),
        ("father", _("父亲·"), Parent(relation=Parent.Relation.FATHER), PARENT_FIELDS),
        ("mother", _("母亲·"), Parent(relation=Parent.Relation.MOTHER), PARENT_FIELDS),
        ("guardian", _("监护人·"), Guardian(), GUARDIAN_FIELDS),
    ]


@transaction.atomic
def archive_update(
    *,
    actor: User,
    pupil: Pupil,
    data: ArchiveData,
    left_behind_since: datetime.date | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
) -> ArchiveRevision | None:
    """Apply a change to any part of an archive; the old values stay in the history.

    Returns the revision written, or None when nothing changed.
    """
    pupil = (
        Pupil.objects.select_for_update(of=("self",))
        .select_related("school_class")
        .prefetch_related("parents")
        .get(pk=pupil.pk)
    )
    parts = _archive_parts(pupil)
    befores = [_snapshot(instance, fields) for _p, _l, instance, fields in parts]
    for part, _prefix, instance, fields in parts:
        _apply(instance, data.get(part, {}), fields)
    pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
    _validate_all(parts)
    changes = []
    for (part, prefix, instance, _fields), before in zip(parts, befores, strict=True):
        part_changes = _changes(part, prefix, instance, before)
        if part_changes or instance.pk is None:
            instance.save()
        changes += part_changes
    if not changes:
        return None
    if any(change["key"] == "pupil.left_behind" for change in changes):
        _set_left_behind(
            actor=actor,
            pupil=pupil,
            status=pupil.left_behind,
            since=left_behind_since or timezone.localdate(),
        )
    pupil.updated_at = timezone.now()
    pupil.save(update_fields=["updated_at"])
    revision = ArchiveRevision.objects.create(
        pupil=pupil, actor=actor, summary=summary or _("修改档案"), changes=changes
    )
    log_access(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        pupils=[pupil],
        detail=", ".join(change["field"] for change in changes),
        request=request,
    )
    return revision


# --- drafts ----------------------------------------------------------------------------------

ArchivePart = tuple[str, str, models.Model, tuple[str, ...]]


def archive_draft(
    *, school_id: int, pupil: Pupil | None, data: ArchiveData
) -> tuple[list[ArchivePart], list[dict[str, str]]]:
    """The archive with `data` applied to copies, and the changes saving it would record.

    What pupil_create (pupil None) or archive_update would do, short of validating and saving:
    the roster import's dry run and its bulk creation read it. Writes nothing; causes no query
    when the pupil comes with its class, parents and guardian.
    """
    if pupil is None:
        parts = _archive_parts_for_new(Pupil(school_id=school_id))
    else:
        parts = [
            (part, prefix, copy.copy(instance), fields)
            for part, prefix, instance, fields in _archive_parts(pupil)
        ]
    befores = [_snapshot(instance, fields) for _p, _l, instance, fields in parts]
    changes = []
    for (part, prefix, instance, fields), before in zip(parts, befores, strict=True):
        _apply(instance, data.get(part, {}), fields)
        changes += _changes(part, prefix, instance, before)
    return parts, changes
