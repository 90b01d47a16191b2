"""Writes of rooms, their slots, openings and uses. Each use writes its 亲情电话 care record
through visits.services in the same transaction, so the counts and work lists see it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AccessLog, Pupil, User
from registry.services import log_access
from rooms.models import Opening, Room, Slot, Use
from rooms.selectors import can_open
from visits import services as visits_services
from visits.models import CareRecord

MET_WITH = {
    Use.WithWhom.FATHER: CareRecord.MetWith.PARENTS,
    Use.WithWhom.MOTHER: CareRecord.MetWith.PARENTS,
    Use.WithWhom.OTHER: CareRecord.MetWith.OTHER,
}


def _log_change(actor: User, detail: str, request: HttpRequest | None) -> None:
    log_access(actor=actor, action=AccessLog.Action.RECORD, detail=detail, request=request)


@transaction.atomic
def room_save(
    *, actor: User, room: Room | None = None, request: HttpRequest | None = None, **fields
) -> Room:
    """Create a room or change its name, kind and place (the registrar or principal)."""
    if not actor.leads_care:
        raise PermissionDenied
    room = room or Room(school_id=actor.school_id)
    for name in ("name", "kind", "place"):
        if name in fields:
            setattr(room, name, fields[name])
    room.full_clean()
    room.save()
    _log_change(actor, _("保存活动室：%(name)s") % {"name": room.name}, request)
    return room


@transaction.atomic
def slot_create(
    *,
    actor: User,
    room: Room,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    on_duty: list[User],
    request: HttpRequest | None = None,
) -> Slot:
    """Add a weekly opening time with its teachers on duty (of the room's school)."""
    if not actor.leads_care or room.school_id != actor.school_id:
        raise PermissionDenied
    _check_duty(room, on_duty)
    slot = Slot(room=room, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    slot.full_clean()
    slot.save()
    slot.on_duty.set(on_duty)
    _log_change(actor, _("新增开放时间：%(slot)s") % {"slot": slot}, request)
    return slot


def _check_duty(room: Room, on_duty: list[User]) -> None:
    if any(teacher.school_id != room.school_id for teacher in on_duty):
        raise ValidationError({"on_duty": _("值班教师须是本校教职工。")})


@transaction.atomic
def slot_update(
    *,
    actor: User,
    slot: Slot,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    on_duty: list[User],
    request: HttpRequest | None = None,
) -> Slot:
    """Change a slot's times and teachers on duty. A new weekday for a slot already planned
    on past days stops it from today and starts a new slot today, so the days it was planned
    (and its openings) stay as they were; the new slot is returned."""
    if not actor.leads_care or slot.room.school_id != actor.school_id:
        raise PermissionDenied
    # As saved (a bound form has already set the new values on the object it was given).
    slot = Slot.objects.select_for_update().select_related("room").get(pk=slot.pk)
    if slot.stopped_from is not None:
        raise ValidationError(_("这个开放时间已停用，不能再修改。"))
    _check_duty(slot.room, on_duty)
    today = timezone.localdate()
    if weekday != slot.weekday and slot.starts_on < today:
        slot.stopped_from = today
        slot.save(update_fields=["stopped_from"])
        slot = Slot(room=slot.room, weekday=weekday, starts_on=today)
    slot.weekday, slot.starts_at, slot.ends_at = weekday, starts_at, ends_at
    slot.full_clean()
    slot.save()
    slot.on_duty.set(on_duty)
    _log_change(actor, _("修改开放时间：%(slot)s") % {"slot": slot}, request)
    return slot


@transaction.atomic
def slot_stop(
    *, actor: User, slot: Slot, stopped_from: datetime.date, request: HttpRequest | None = None
) -> Slot:
    """Stop a slot from a day: it is planned no more from then; its openings stay."""
    if not actor.leads_care or slot.room.school_id != actor.school_id:
        raise PermissionDenied
    slot = Slot.objects.select_for_update().select_related("room").get(pk=slot.pk)
    if stopped_from <= slot.starts_on:
        raise ValidationError(
            {"stopped_from": _("停用日期要晚于开始日期（%(day)s）。") % {"day": slot.starts_on}}
        )
    slot.stopped_from = stopped_from
    slot.full_clean()
    slot.save(update_fields=["stopped_from"])
    _log_change(
        actor,
        _("停用开放时间：%(slot)s，自%(day)s起") % {"slot": slot, "day": stopped_from},
        request,
    )
    return slot


@transaction.atomic
def opening_record(
    *, actor: User, slot: Slot, day: datetime.date, request: HttpRequest | None = None
) -> Opening:
    """Record that the room opened in that slot on that day (once); a teacher on duty or the
    registrar or principal."""
    if not can_open(actor, slot):
        raise PermissionDenied
    if day > timezone.localdate() or day.weekday() != slot.weekday:
        raise ValidationError({"opened_on": _("这一天不是这个开放时间。")})
    if slot.is_stopped_on(day):
        raise ValidationError({"opened_on": _("这个开放时间已停用。")})
    existing = Opening.objects.filter(slot=slot, opened_on=day).first()
    if existing is not None:
        return existing
    opening = Opening(slot=slot, opened_on=day, opened_by=actor)
    opening.full_clean()
    opening.save()
    _log_change(actor, _("登记开放：%(opening)s") % {"opening": opening}, request)
    return opening


@transaction.atomic
def use_record(
    *,
    actor: User,
    opening: Opening,
    pupil: Pupil,
    mode: str,
    with_whom: str,
    minutes: int,
    request: HttpRequest | None = None,
) -> Use:
    """Log a child's call or video in the room, and its 亲情电话 record for the child."""
    if not can_open(actor, opening.slot):
        raise PermissionDenied
    use = Use(
        opening=opening,
        pupil=pupil,
        mode=mode,
        with_whom=with_whom,
        minutes=minutes,
        author=actor,
    )
    use.full_clean(exclude=["record"])
    room = opening.slot.room
    content = _("在%(room)s与%(whom)s%(mode)s%(minutes)s分钟。") % {
        "room": room.name,
        "whom": use.get_with_whom_display(),
        "mode": _("视频通话") if mode == Use.Mode.VIDEO else _("通电话"),
        "minutes": minutes,
    }
    use.record = visits_services.record_create(
        actor=actor,
        pupils=[pupil],
        request=request,
        kind=CareRecord.Kind.FAMILY_CALL,
        occurred_on=opening.opened_on,
        met_with=MET_WITH[with_whom],
        place=room.name[:100],
        content=content,
    )
    use.save()
    return use


@transaction.atomic
def use_void(*, actor: User, use: Use, reason: str, request: HttpRequest | None = None) -> Use:
    """Void a use logged by mistake: its 亲情电话 record is voided with it (and stays)."""
    visits_services.record_void(actor=actor, record=use.record, reason=reason, request=request)
    use.record.refresh_from_db()
    return use
