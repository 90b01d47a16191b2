"""Reads of the work plan and the calendar. Every staff member of the school reads them; the
principal, the 德育主任 and the registrar edit. Whether an item was held is worked out here,
from the school's events (an event of its kind in its month) and the census rounds, or from
its being marked done: events know nothing of plans."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.periods import Period, month_of
from events.models import Event
from events.selectors import events_in
from plans import pattern
from plans.models import EVENT_KINDS, KIND_LABELS, PlanItem, Task, WorkPlan, months_of
from registry.models import CensusRound, Role, Term, User
from rooms.models import Opening
from visits.due import DueItem


class Status:
    HELD = "held"
    DUE = "due"
    PLANNED = "planned"
    MISSED = "missed"
    VOIDED = "voided"


STATUS_LABELS = {
    Status.HELD: gettext_lazy("已落实"),
    Status.DUE: gettext_lazy("本月进行"),
    Status.PLANNED: gettext_lazy("未到时间"),
    Status.MISSED: gettext_lazy("未落实"),
    Status.VOIDED: gettext_lazy("已作废"),
}


def reads_plans(user: User) -> bool:
    return user.is_authenticated and user.school_id is not None


def can_edit_plans(user: User) -> bool:
    """The principal, the 德育主任 and the registrar draft and edit the plan."""
    return user.is_authenticated and user.school_id is not None and user.organises_events


def can_mark_done(user: User, item: PlanItem) -> bool:
    return can_edit_plans(user) or item.responsible_id == user.pk


def get_term_for_user(user: User, pk: int) -> Term:
    """A term of the person's school, or 404."""
    if not reads_plans(user):
        raise Http404
    try:
        return Term.objects.of_school(user.school_id).get(pk=pk)
    except Term.DoesNotExist:
        raise Http404 from None


def get_plan_for_user(user: User, pk: int) -> WorkPlan:
    """A plan of the person's school (with its term), or 404."""
    if not reads_plans(user):
        raise Http404
    try:
        return WorkPlan.objects.select_related("term__school_year", "school").get(
            pk=pk, school_id=user.school_id
        )
    except WorkPlan.DoesNotExist:
        raise Http404 from None


def get_item_for_user(user: User, pk: int) -> PlanItem:
    if not reads_plans(user):
        raise Http404
    try:
        return PlanItem.objects.select_related("plan__term__school_year", "responsible").get(
            pk=pk, plan__school_id=user.school_id
        )
    except PlanItem.DoesNotExist:
        raise Http404 from None


def terms_with_plans(*, school_id: int) -> list[tuple[Term, WorkPlan | None]]:
    """The school's terms, newest first, each with its plan if drafted. Two queries."""
    terms = list(Term.objects.of_school(school_id))
    plans = {plan.term_id: plan for plan in WorkPlan.objects.filter(school_id=school_id)}
    return [(term, plans.get(term.pk)) for term in terms]


def staff_of(school_id: int) -> QuerySet[User]:
    """Who may answer for an item: the school's active staff."""
    return User.objects.filter(school_id=school_id, is_active=True).order_by("full_name", "pk")


# Whether items were held -------------------------------------------------------------------


@dataclass
class ItemRow:
    item: PlanItem
    status: str
    event: Event | None = None  # the event that held it
    census: bool = False  # held by a census round opened in its month

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def hold_url(self) -> str:
        return self.item.hold_url(timezone.localdate())

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.item.kind, self.item.kind))


def _events_for(school_id: int, span: Period) -> list[Event]:
    return list(
        events_in(school_id=school_id, period=span)
        .only("pk", "kind", "name", "occurred_on")
        .order_by("occurred_on", "pk")
    )


def _census_days(school_id: int, span: Period) -> list[datetime.date]:
    opened = CensusRound.objects.filter(school_id=school_id).values_list("opened_at", flat=True)
    days = [timezone.localdate(moment) for moment in opened]
    return [day for day in days if day in span]


def item_rows(
    items: list[PlanItem],
    *,
    school_id: int,
    today: datetime.date,
    events: list[Event] | None = None,
) -> list[ItemRow]:
    """Each item with whether it was held. An event-kind item takes the first event of its kind
    in its days not already taken by an earlier item; a census also counts a round opened in
    its month. Two queries at most: the events (none when given), the census rounds (only
    with a census item)."""
    if not items:
        return []
    span = Period(min(item.month for item in items), max(item.period.end for item in items))
    if events is None:
        events = _events_for(school_id, span)
    census_days = _census_days(school_id, span) if any(i.kind == Task.CENSUS for i in items) else []
    taken: set[int] = set()
    rows = []
    for item in sorted(items, key=lambda i: (i.period.start, i.pk or 0)):
        row = ItemRow(item=item, status=Status.PLANNED)
        if item.voided_at is not None:
            row.status = Status.VOIDED
            rows.append(row)
            continue
        if item.kind in EVENT_KINDS:
            row.event = next(
                (
                    event
                    for event in events
                    if event.kind == item.kind
                    and event.pk not in taken
                    and event.occurred_on in item.period
                ),
                None,
            )
            if row.event is not None:
                taken.add(row.event.pk)
        elif item.kind == Task.CENSUS:
            row.census = any(day in item.period for day in census_days)
        if row.event is not None or row.census or item.done_on is not None:
            row.status = Status.HELD
        elif item.period.end < today:
            row.status = Status.MISSED
        elif item.period.start <= today:
            row.status = Status.DUE
        rows.append(row)
    return rows


def _items(plan_filter: dict) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(**plan_filter).select_related("responsible", "done_by")


@dataclass
class MonthRows:
    month: datetime.date
    rows: list[ItemRow]


@dataclass
class PlanView:
    plan: WorkPlan
    months: list[MonthRows]
    voided: list[ItemRow]
    missed: int
    held: int
    total: int


def plan_view(*, plan: WorkPlan, today: datetime.date) -> PlanView:
    """The plan month by month with each item's status; voided items apart. Three queries at
    most."""
    rows = item_rows(list(_items({"plan": plan})), school_id=plan.school_id, today=today)
    live = [row for row in rows if row.status != Status.VOIDED]
    months = [
        MonthRows(month, [row for row in live if row.item.month == month])
        for month in sorted({*months_of(plan.term), *(row.item.month for row in live)})
    ]
    return PlanView(
        plan=plan,
        months=months,
        voided=[row for row in rows if row.status == Status.VOIDED],
        missed=sum(row.status == Status.MISSED for row in live),
        held=sum(row.status == Status.HELD for row in live),
        total=len(live),
    )


def missed_of_term(*, school_id: int, today: datetime.date) -> tuple[WorkPlan | None, list]:
    """The current term's plan and its items 未落实 (their month over, not held), for the
    principal's dashboard. Four queries with a plan."""
    plan = (
        WorkPlan.objects.filter(
            school_id=school_id, term__start_date__lte=today, term__end_date__gte=today
        )
        .select_related("term")
        .first()
    )
    if plan is None:
        return None, []
    items = list(_items({"plan": plan}).live().filter(month__lt=today.replace(day=1)))
    rows = item_rows(items, school_id=school_id, today=today)
    return plan, [row for row in rows if row.status == Status.MISSED]


# The calendar ------------------------------------------------------------------------------


@dataclass
class Day:
    day: datetime.date
    in_month: bool
    rows: list[ItemRow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)  # the rooms open that day


@dataclass
class CalendarMonth:
    month: Period
    weeks: list[list[Day]]
    undated: list[ItemRow]  # items of the month without a day
    days: list[Day]  # the month's days that hold anything, for the phone's list
    previous: datetime.date
    following: datetime.date
    term: Term | None


def parse_month(value: str | None, today: datetime.date) -> datetime.date:
    """The first day of the month ``YYYY-MM`` names, else today's month."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)


def calendar_month(*, user: User, month: datetime.date, today: datetime.date) -> CalendarMonth:
    """The school's month: planned items (held, due, 未落实), the events held and the rooms'
    openings. Six queries at most, however many items, events and openings."""
    period = month_of(month)
    school_id = user.school_id
    events = _events_for(school_id, period)
    items = list(_items({"plan__school_id": school_id, "month": period.start}).live())
    rows = item_rows(items, school_id=school_id, today=today, events=events)
    held_by = {row.event.pk for row in rows if row.event is not None}
    days = {
        day: Day(day, day.month == period.start.month)
        for week in calendar.Calendar().monthdatescalendar(period.start.year, period.start.month)
        for day in week
    }
    undated = []
    for row in rows:
        if row.item.on_date:
            days[row.item.on_date].rows.append(row)
        elif row.event is not None:
            days[row.event.occurred_on].rows.append(row)
        else:
            undated.append(row)
    for event in events:
        if event.pk not in held_by:
            days[event.occurred_on].events.append(event)
    openings = (
        Opening.objects.filter(
            slot__room__school_id=school_id, opened_on__range=(period.start, period.end)
        )
        .values_list("opened_on", "slot__room__name")
        .distinct()
        .order_by("opened_on", "slot__room__name")
    )
    for day, room in openings:
        days[day].rooms.append(room)
    ordered = [days[day] for day in sorted(days)]
    return CalendarMonth(
        month=period,
        weeks=[ordered[start : start + 7] for start in range(0, len(ordered), 7)],
        undated=undated,
        days=[day for day in ordered if day.in_month and (day.rows or day.events or day.rooms)],
        previous=(period.start - datetime.timedelta(days=1)).replace(day=1),
        following=period.end + datetime.timedelta(days=1),
        term=Term.objects.containing(school_id, period.start)
        or Term.objects.containing(school_id, period.end),
    )


# 我的待办 -----------------------------------------------------------------------------------


def due_plan_items(user: User, today: datetime.date) -> list[DueItem]:
    """The person's planned items of this month not yet held, for 我的待办: an event to record
    (the events form, filled in) or a task to mark done. One query, at most three with
    items, however many."""
    if not reads_plans(user):
        return []
    month = today.replace(day=1)
    items = list(
        PlanItem.objects.live().filter(
            plan__school_id=user.school_id, responsible=user, month=month, done_on=None
        )
    )
    rows = item_rows(items, school_id=user.school_id, today=today)
    found = []
    for row in rows:
        if row.status not in (Status.DUE, Status.PLANNED):
            continue
        item = row.item
        url = item.hold_url(today)
        action = _("登记活动") if item.is_event else _("落实")
        found.append(
            DueItem(
                pupil=None,
                kind=f"plan_{item.kind}",
                label=_("工作计划：%(title)s") % {"title": item.title},
                due_on=item.period.end,
                url=url,
                action=action,
            )
        )
    return found


# Drafting ----------------------------------------------------------------------------------


def _fit(month: int, months: list[datetime.date]) -> datetime.date | None:
    """The term's month with that calendar month; None when the term does not span it."""
    return next((day for day in months if day.month == month), None)


def draft_items(*, school_id: int, term: Term) -> list[PlanItem]:
    """A new plan's items (unsaved, without plan): the schools' pattern for the term's months,
    then the kinds of events the school held in the same term last year, by month. The
    responsible is the principal, the 德育主任 or the registrar as the pattern says. Three
    queries."""
    months = months_of(term)
    rhythm = pattern.SPRING if term.start_date.month in range(2, 8) else pattern.AUTUMN
    staff = list(staff_of(school_id))
    principal = next((u for u in staff if u.has_role(Role.PRINCIPAL)), None)
    by_role = {
        "principal": principal,
        "moral_lead": next((u for u in staff if u.has_role(Role.MORAL_LEAD)), principal),
        "admin": next((u for u in staff if u.has_role(Role.ADMIN)), principal),
    }
    fallback = principal or by_role["admin"] or by_role["moral_lead"] or (staff or [None])[0]
    items = []
    for planned in rhythm:
        month = _fit(planned.month, months)
        if month is None:
            continue
        items.append(
            PlanItem(
                month=month,
                kind=planned.kind,
                title=str(planned.title),
                responsible=by_role[planned.who] or fallback,
                produces=str(pattern.PRODUCES.get(planned.kind, pattern.EVENT_PRODUCES)),
            )
        )
    planned_kinds = {(item.month, item.kind) for item in items}
    last_year = (
        Term.objects.of_school(school_id)
        .filter(number=term.number, start_date__lt=term.start_date)
        .first()
    )
    if last_year is not None:
        held = (
            events_in(school_id=school_id, period=last_year.period)
            .values_list("kind", "occurred_on")
            .order_by("occurred_on")
        )
        for kind, day in held:
            month = _fit(day.month, months)
            if month is None or (month, kind) in planned_kinds:
                continue
            planned_kinds.add((month, kind))
            items.append(
                PlanItem(
                    month=month,
                    kind=kind,
                    title=str(KIND_LABELS[kind]),
                    responsible=by_role["moral_lead"] or fallback,
                    produces=str(pattern.EVENT_PRODUCES),
                )
            )
    return sorted(items, key=lambda item: item.month)


# The summary's 五、下步工作打算 -------------------------------------------------------------


def next_term_plan_text(*, term: Term) -> str | None:
    """The plan of the term after ``term`` as numbered lines by month (二月：…；…), for the
    summary's 五、下步工作打算; None when that term has no plan. One query."""
    items = list(
        PlanItem.objects.live()
        .filter(
            plan__school_id=term.school_year.school_id,
            plan__term__start_date__gt=term.end_date,
        )
        .select_related("plan")
        .order_by("plan__term__start_date", "month", "pk")
    )
    if not items:
        return None
    plan = items[0].plan
    by_month: dict[datetime.date, list[str]] = {}
    for item in items:
        if item.plan_id == plan.pk:
            by_month.setdefault(item.month, []).append(item.title)
    lines = [_("下学期按《%(title)s》逐月落实以下工作：") % {"title": plan.title}]
    lines += [
        _("%(n)d、%(month)s：%(titles)s。")
        % {"n": n, "month": month_label(month), "titles": "；".join(titles)}
        for n, (month, titles) in enumerate(by_month.items(), 1)
    ]
    return "\n".join(lines)


MONTH_NAMES = (
    gettext_lazy("一月"), gettext_lazy("二月"), gettext_lazy("三月"), gettext_lazy("四月"),
    gettext_lazy("五月"), gettext_lazy("六月"), gettext_lazy("七月"), gettext_lazy("八月"),
    gettext_lazy("九月"), gettext_lazy("十月"), gettext_lazy("十一月"), gettext_lazy("十二月"),
)  # fmt: skip


def month_label(month: datetime.date) -> str:
    return str(MONTH_NAMES[month.month - 1])
