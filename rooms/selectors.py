"""Reads of rooms: the schedule, today's openings of a teacher on duty, the openings missed,
a room's log by month."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from caresys.lib.periods import Period
from registry.models import Pupil, User
from rooms.models import DUTY_MINIMUM, Opening, Room, Slot, Use
from visits.selectors import pupils_writable_by

# How far back the principal's list of openings missed looks.
MISSED_WEEKS = 4


def can_open(user: User, slot: Slot) -> bool:
    """A teacher on duty in the slot, or the registrar or principal. May cause a query."""
    if user.school_id != slot.room.school_id:
        return False
    return user.leads_care or slot.on_duty.filter(pk=user.pk).exists()


def rooms_of(*, user: User) -> QuerySet[Room]:
    """The school's rooms with their slots and teachers on duty. Three queries."""
    slots = Slot.objects.annotate(duty_count=Count("on_duty")).prefetch_related("on_duty")
    return Room.objects.filter(school_id=user.school_id).prefetch_related(
        Prefetch("slots", queryset=slots)
    )


def understaffed(slot: Slot) -> bool:
    """Fewer than the two teachers the schools require are on duty (needs duty_count)."""
    return slot.duty_count < DUTY_MINIMUM


def get_room_for_user(user: User, pk: int) -> Room:
    return get_object_or_404(Room, pk=pk, school_id=user.school_id)


def get_slot_to_manage(user: User, pk: int) -> Slot:
    """A slot of the user's school, to change or stop (the view checks the role)."""
    return get_object_or_404(
        Slot.objects.select_related("room"), pk=pk, room__school_id=user.school_id
    )


def get_slot_for_user(user: User, pk: int) -> Slot:
    """A slot the user may open (others: 404)."""
    slot = get_object_or_404(Slot.objects.select_related("room"), pk=pk)
    if not can_open(user, slot):
        raise Http404
    return slot


def get_opening_for_user(user: User, pk: int) -> Opening:
    opening = get_object_or_404(Opening.objects.select_related("slot__room"), pk=pk)
    if not can_open(user, opening.slot):
        raise Http404
    return opening


def get_use_for_user(user: User, pk: int) -> Use:
    use = get_object_or_404(
        Use.objects.select_related("opening__slot__room", "record", "pupil"), pk=pk
    )
    if not can_open(user, use.opening.slot):
        raise Http404
    return use


@dataclass
class TodaySlot:
    slot: Slot
    opening: Opening | None


def today_of(*, user: User, today: datetime.date | None = None) -> list[TodaySlot]:
    """Today's slots of the rooms the user is on duty in (every room's for the registrar and
    principal), each with its opening if recorded. Two queries."""
    today = today or timezone.localdate()
    slots = Slot.objects.filter(room__school_id=user.school_id, weekday=today.weekday()).exclude(
        stopped_from__lte=today
    )
    if not user.leads_care:
        slots = slots.filter(on_duty=user)
    slots = slots.select_related("room").order_by("starts_at", "pk")
    openings = {
        opening.slot_id: opening
        for opening in Opening.objects.filter(slot__in=slots, opened_on=today)
    }
    return [TodaySlot(slot, openings.get(slot.pk)) for slot in slots]


def pupil_for_use(user: User, pk: int) -> Pupil:
    """A child the user may record care for; any other: 404."""
    return get_object_or_404(pupils_writable_by(user=user), pk=pk)


def uses_of(opening: Opening) -> QuerySet[Use]:
    return opening.uses.select_related("pupil", "pupil__school_class", "record", "author")


@dataclass
class Missed:
    slot: Slot
    day: datetime.date
    can_record: bool = False  # the person may record it late (补登)


def missed_openings(*, user: User, today: datetime.date | None = None) -> list[Missed]:
    """未按计划开放: planned slots of the last MISSED_WEEKS weeks, before today, on or after the
    room and the slot were set up, with no opening recorded; newest first. Three queries."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(weeks=MISSED_WEEKS)
    last = today - datetime.timedelta(days=1)
    slots = list(
        Slot.objects.filter(room__school_id=user.school_id)
        .select_related("room")
        .prefetch_related("on_duty")
    )
    opened = set(
        Opening.objects.filter(
            slot__room__school_id=user.school_id, opened_on__range=(first, last)
        ).values_list("slot_id", "opened_on")
    )
    missed = [
        Missed(slot, day, user.leads_care or user in slot.on_duty.all())
        for slot in slots
        for day in slot.planned_days(first, last)
        if (slot.pk, day) not in opened
    ]
    return sorted(missed, key=lambda row: (row.day, row.slot.starts_at), reverse=True)


def room_log(room: Room, month: Period) -> QuerySet[Opening]:
    """A room's openings in a month with their uses, newest first. Two queries."""
    uses = Use.objects.select_related("pupil", "pupil__school_class", "record", "author")
    return (
        Opening.objects.filter(slot__room=room, opened_on__range=(month.start, month.end))
        .select_related("slot", "opened_by")
        .prefetch_related(Prefetch("uses", queryset=uses))
        .order_by("-opened_on", "-pk")
    )


@dataclass
class RoomsTerm:
    """The rooms in a period: openings held against planned, missed, and the calls made."""

    rooms: int
    planned: int  # planned openings up to today (today's included)
    planned_term: int  # planned in the whole period
    held: int
    missed: int  # planned days before today with no opening
    calls: int
    videos: int
    minutes: int
    children: int


def rooms_in(*, school_id: int, period: Period, today: datetime.date) -> RoomsTerm:
    """The school's rooms in the period (the dashboard). Three queries."""
    slots = list(Slot.objects.filter(room__school_id=school_id).select_related("room"))
    opened = set(
        Opening.objects.filter(
            slot__room__school_id=school_id, opened_on__range=(period.start, period.end)
        ).values_list("slot_id", "opened_on")
    )
    so_far = min(today, period.end)
    planned = [(slot.pk, day) for slot in slots for day in slot.planned_days(period.start, so_far)]
    uses = (
        Use.objects.filter(
            opening__slot__room__school_id=school_id,
            opening__opened_on__range=(period.start, period.end),
            record__voided_at=None,
        )
        .order_by()
        .aggregate(
            calls=Count("pk", filter=Q(mode=Use.Mode.CALL)),
            videos=Count("pk", filter=Q(mode=Use.Mode.VIDEO)),
            minutes=Sum("minutes"),
            children=Count("pupil", distinct=True),
        )
    )
    return RoomsTerm(
        rooms=len({slot.room_id for slot in slots}),
        planned=len(planned),
        planned_term=sum(len(slot.planned_days(period.start, period.end)) for slot in slots),
        held=len(opened),
        missed=sum(1 for slot_pk, day in planned if day < today and (slot_pk, day) not in opened),
        calls=uses["calls"],
        videos=uses["videos"],
        minutes=uses["minutes"] or 0,
        children=uses["children"],
    )
