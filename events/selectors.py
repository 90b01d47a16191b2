"""Reads of events, scoped to the person asking. The principal, the 德育主任 and the registrar
read every event of the school; a class teacher reads their class's events and those their
class's children joined. Children appear by name and class only."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from caresys.lib.periods import Period
from events.models import Event, EventPhoto
from registry.models import Consent, Pupil, Role, SchoolClass, User
from visits.due import DoneItem


def can_record_events(user: User) -> bool:
    return user.organises_events or (
        user.has_role(Role.CLASS_TEACHER) and classes_for_events(user=user).exists()
    )


def classes_for_events(*, user: User) -> QuerySet[SchoolClass]:
    """The classes a person may hold an event for (their own, or all for an organiser)."""
    classes = SchoolClass.objects.filter(school_id=user.school_id, is_active=True)
    return classes if user.organises_events else classes.filter(head_teacher=user)


def children_for_events(*, user: User) -> QuerySet[Pupil]:
    """The children in care a person may put on an event's attendance, with their class."""
    if user.school_id is None:
        return Pupil.objects.none()
    children = Pupil.objects.in_care_enrolled(user.school).filter(school_id=user.school_id)
    if not user.organises_events:
        children = children.filter(school_class__head_teacher=user)
    return children.select_related("school_class").order_by(
        "school_class__grade", "school_class__number", "name_pinyin", "pk"
    )


def children_of_scope(
    *, user: User, school_class: SchoolClass | None = None, grade: int | None = None
) -> QuerySet[Pupil]:
    """All the children in care of a class, a grade or (neither) the school, that the person
    may put on an attendance: what an event starts with before anyone is unticked."""
    children = children_for_events(user=user)
    if school_class is not None:
        return children.filter(school_class=school_class)
    if grade is not None:
        return children.filter(school_class__grade=grade)
    return children


def events_visible_to(*, user: User) -> QuerySet[Event]:
    if not user.is_authenticated or user.school_id is None:
        return Event.objects.none()
    events = Event.objects.filter(school_id=user.school_id).select_related("school_class", "led_by")
    if user.organises_events:
        return events
    if not user.has_role(Role.CLASS_TEACHER):
        return events.none()
    own = Q(school_class__head_teacher=user) | Q(pupils__school_class__head_teacher=user)
    return events.filter(pk__in=Event.objects.filter(own).values("pk"))


def get_event_for_user(user: User, pk: int) -> Event:
    """The event, or 404 for one the person does not read."""
    try:
        return events_visible_to(user=user).get(pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None


def can_change_event(user: User, event: Event) -> bool:
    """Who may void an event or add and void its photos: an organiser, or its author."""
    return user.organises_events or event.author_id == user.pk


def photo_for_user(user: User, event_pk: int, pk: int) -> EventPhoto:
    """A photo (not voided) of an event the person reads, or 404."""
    event = get_event_for_user(user, event_pk)
    try:
        return event.photos.live().select_related("event").get(pk=pk)
    except EventPhoto.DoesNotExist:
        raise Http404 from None


def without_photo_consent(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """The children among those whose guardians have not consented to photos (or withdrew)."""
    return pupils.without_consent(Consent.Purpose.PHOTOS).select_related("school_class")


def attendance_of(*, user: User, event: Event) -> QuerySet[Pupil]:
    """The children of an event the person may see: an organiser all, a class teacher theirs."""
    pupils = event.pupils.select_related("school_class").order_by(
        "school_class__grade", "school_class__number", "name_pinyin", "pk"
    )
    return pupils if user.organises_events else pupils.filter(school_class__head_teacher=user)


def events_of_pupil(pupil: Pupil) -> QuerySet[Event]:
    """The events a child joined (the archive's list, for those who read the archive)."""
    return pupil.events.live().order_by("-occurred_on", "-pk")


@dataclass(frozen=True)
class KindReach:
    kind: str
    label: str
    events: int
    children: int


def events_in(*, school_id: int, period: Period) -> QuerySet[Event]:
    return Event.objects.live().filter(
        school_id=school_id, occurred_on__gte=period.start, occurred_on__lte=period.end
    )


def attendees_of(events: QuerySet[Event]) -> QuerySet:
    """The ids of the children at the events, as one uncorrelated subquery."""
    return Event.pupils.through.objects.filter(event__in=events).values("pupil_id")


def reach_by_kind(*, school_id: int, period: Period) -> list[KindReach]:
    """Events in the period by kind, and the children each kind reached (once per child)."""
    rows = {
        row["kind"]: row
        for row in events_in(school_id=school_id, period=period)
        .values("kind")
        .annotate(events=Count("pk", distinct=True), children=Count("pupils", distinct=True))
        .order_by()
    }
    return [
        KindReach(
            kind=value,
            label=str(label),
            events=rows.get(value, {}).get("events", 0),
            children=rows.get(value, {}).get("children", 0),
        )
        for value, label in Event.Kind.choices
    ]


@dataclass(frozen=True)
class Birthday:
    pupil: Pupil
    day: datetime.date  # this year's (or next year's) birthday
    age: int


def birthdays(*, user: User, month: datetime.date) -> list[Birthday]:
    """The birthdays in the month of ``month`` of the children in care the person answers for
    (a class teacher: their class; an organiser: the school), by day."""
    found = []
    children = (
        children_for_events(user=user)
        .filter(birth_date__month=month.month)
        .exclude(birth_date=None)
    )
    for pupil in children:
        born = pupil.birth_date
        try:
            day = month.replace(day=born.day)
        except ValueError:  # 29 February in a common year
            day = month.replace(day=28)
        found.append(Birthday(pupil=pupil, day=day, age=month.year - born.year))
    return sorted(found, key=lambda b: (b.day, b.pupil.school_class.grade, b.pupil.name_pinyin))


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def done_this_week(user: User, week_start: datetime.date, today: datetime.date) -> list[DoneItem]:
    """The events the user recorded this week, for 本周已完成 in 我的待办. One query."""
    events = (
        Event.objects.live()
        .filter(author=user, occurred_on__gte=week_start, occurred_on__lte=today)
        .select_related("school_class")
        .with_attendance()
        .order_by("-occurred_on", "-pk")
    )
    return [
        DoneItem(
            event.occurred_on,
            event.title,
            _("%(scope)s · 参加儿童%(n)d人") % {"scope": event.scope_label, "n": event.children},
            reverse("events:event_detail", args=[event.pk]),
        )
        for event in events
    ]
