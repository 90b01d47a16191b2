"""What is due: worked out from the records and the school's quotas each time it is asked,
never stored as reminders (which drift from what was actually done).

Monthly quotas count calendar months; term quotas count the school's term (none in holidays).
A quota not yet met in the current period is due by its end; an open 五必访 is overdue after
its date. A period that has ended is history, shown by the overviews, never a to-do.
"""

import datetime
import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caresys.lib.periods import Period, month_of
from pairing.models import Pair
from registry.models import (
    GRADE_NAMES,
    ClassRef,
    Pupil,
    Role,
    SchoolClass,
    Term,
    User,
    class_name,
    holding_role,
    in_care,
)
from visits.models import CareRecord, CareSettings, PupilTermTally, WatchEvent, live_records
from visits.tallies import CONTACT_DATES, reached_by_kept_dates, reached_since


def term_of(school_id: int, day: datetime.date) -> Period | None:
    """The school's term on that day (None in the holidays). One query."""
    term = Term.objects.containing(school_id, day)
    return term.period if term else None


@dataclass(frozen=True)
class Quota:
    key: str
    kind: str
    label: str
    monthly: bool  # else per term

    def count(self, settings: CareSettings) -> int:
        return getattr(settings, self.key)


QUOTAS = (
    Quota("talks_per_month", CareRecord.Kind.TALK, _("谈心"), monthly=True),
    Quota("family_calls_per_month", CareRecord.Kind.FAMILY_CALL, _("亲情电话"), monthly=True),
    Quota("guardian_calls_per_month", CareRecord.Kind.PHONE_VISIT, _("电话家访"), monthly=True),
    Quota("home_visits_per_term", CareRecord.Kind.HOME_VISIT, _("家访"), monthly=False),
)


@dataclass
class DueItem:
    pupil: Pupil | None  # None: the teacher's or the class's own quota
    kind: str
    label: str
    due_on: datetime.date
    done: int = 0
    wanted: int = 1
    overdue: bool = False
    watch: bool = False  # a 五必访 (its label names what was noticed about the child)
    url: str = ""  # where the work is recorded, when not the care-record form
    action: str = ""  # the button's words with ``url`` (记录 otherwise)


@dataclass(frozen=True)
class DoneItem:
    """Work done this week that is not a care record (an event held …), from a higher app."""

    day: datetime.date
    label: str
    detail: str
    url: str


@dataclass
class WorkList:
    overdue: list[DueItem] = field(default_factory=list)
    due: list[DueItem] = field(default_factory=list)
    done: list[CareRecord] = field(default_factory=list)
    done_elsewhere: list[DoneItem] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return len(self.done) + len(self.done_elsewhere)


def _records_of(**conditions) -> QuerySet:
    """The child's links to its live records meeting the conditions (for a subquery): by the
    links' pupil index and each record's key, whatever the school's size."""
    return CareRecord.pupils.through.objects.filter(
        live_records("carerecord__"), pupil=OuterRef("pk"), **conditions
    ).order_by()


def _count_of(links: QuerySet) -> Coalesce:
    """How many links (a child's link to a record is unique: its records) in a subquery."""
    return Coalesce(Subquery(links.values("pupil").annotate(n=Count("pk")).values("n")), 0)


def _with_counts(pupils: QuerySet[Pupil], periods: dict[str, Period | None]) -> QuerySet[Pupil]:
    """Each quota's records in its current period, counted in a subquery a quota: joined to
    every record of the children and grouped by all of the pupil's columns, the count took
    ~8 ms of a teacher's 我的待办 at 20,000 pupils."""
    annotations = {
        f"{quota.key}_now": _count_of(
            _records_of(
                carerecord__kind=quota.kind,
                carerecord__occurred_on__gte=periods[quota.key].start,
                carerecord__occurred_on__lte=periods[quota.key].end,
            )
        )
        for quota in QUOTAS
        if periods[quota.key] is not None
    }
    return pupils.annotate(**annotations)


def _quota_counts(keys: list[int], periods: dict[str, Period | None]) -> dict[tuple[int, str], int]:
    """(child's key, kind): each quota's live records of those children in its current
    period, by the links' pupil index. One query (none without children)."""
    if not keys:
        return {}
    # The monthly quotas always have a period, so the alternatives are never none.
    in_period = [
        Q(
            carerecord__kind=quota.kind,
            carerecord__occurred_on__gte=periods[quota.key].start,
            carerecord__occurred_on__lte=periods[quota.key].end,
        )
        for quota in QUOTAS
        if periods[quota.key] is not None
    ]
    links = (
        CareRecord.pupils.through.objects.filter(
            live_records("carerecord__"), reduce(operator.or_, in_period)
        )
        .filter(pupil__in=keys)
        .order_by()
        .values_list("pupil", "carerecord__kind")
        .annotate(n=Count("pk"))
    )
    return {(pupil, kind): n for pupil, kind, n in links}


def quota_periods(month: Period, term: Period | None) -> dict[str, Period | None]:
    """Each quota's current period: the month, or the term (None in the holidays)."""
    return {quota.key: month if quota.monthly else term for quota in QUOTAS}


def work_list(
    *,
    user: User,
    pupils: QuerySet[Pupil],
    settings: CareSettings,
    today: datetime.date,
    with_done: bool = True,
) -> WorkList:
    """The user's list: what the 关爱对象 among the children given still need in the current month
    and term, open 五必访, and what the user recorded this week. Every item clears by
    recording the work it asks for, from today: a period that has ended is history (the class
    overview, the teachers' work table and the summary show its shortfall), not a to-do. A
    fixed number of queries; without ``with_done``, not this week's records."""
    month, term = month_of(today), term_of(user.school_id, today)
    periods = quota_periods(month, term)
    # The children first, then their records in the quotas' periods counted by their keys:
    # counted from a scope filter, PostgreSQL guessed thousands of children for a teacher's
    # fifty and joined every record of the school. One grouped query over the links, not a
    # subquery a quota: building and compiling those took more CPU than running them.
    children = list(
        pupils.filter(in_care(user.school))
        .select_related("school_class")
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )
    counts = _quota_counts([child.pk for child in children], periods)
    result = WorkList()
    for child in children:
        for quota in QUOTAS:
            wanted = quota.count(settings)
            now = None if periods[quota.key] is None else counts.get((child.pk, quota.kind), 0)
            if wanted and now is not None and now < wanted:
                result.due.append(
                    DueItem(
                        child, quota.kind, str(quota.label), periods[quota.key].end, now, wanted
                    )
                )
    # Children still waiting for this term's home visit (before the 五必访 join the list).
    not_visited = sum(1 for item in result.due if item.kind == CareRecord.Kind.HOME_VISIT)
    events = WatchEvent.objects.filter(
        answered_by=None, pupil__in=pupils.values("pk")
    ).select_related("pupil", "pupil__school_class")
    for event in events.order_by("due_on", "pk"):
        item = DueItem(
            event.pupil,
            CareRecord.Kind.HOME_VISIT,
            str(_("五必访：%(kind)s") % {"kind": event.get_kind_display()}),
            event.due_on,
            overdue=event.due_on < today,
            watch=True,
        )
        (result.overdue if item.overdue else result.due).append(item)
    result.due.extend(_teacher_quotas(user, settings, month, not_visited))
    if with_done:
        week_start = today - datetime.timedelta(days=today.weekday())
        # The children as a list (to_attr): a prefetch into each record's manager built a
        # filtered queryset per record, a third of a busy teacher's 我的待办.
        result.done = list(
            CareRecord.objects.live()
            .filter(author=user, occurred_on__gte=week_start, occurred_on__lte=today)
            .prefetch_related(Prefetch("pupils", to_attr="children"))
            .order_by("-occurred_on", "-pk")
        )
    for items in (result.overdue, result.due):
        items.sort(
            key=lambda item: (item.due_on, item.pupil.name_pinyin if item.pupil else "", item.label)
        )
    return result


# --- the principal's view ----------------------------------------------------------------------


@dataclass
class ClassCompliance:
    label: str
    children: int
    quotas: dict[str, int | None]  # quota key: children who met it in the current period
    overdue_events: int
    no_contact: int
    grade: int | None = None  # the class's (or the grade row's) grade; None: in no class

    def share(self, key: str) -> float | None:
        return round(100 * self.quotas[key] / self.children, 1) if self.children else None

    @property
    def cells(self) -> list[tuple[int | None, bool]]:
        """(met, short of the class) per quota in QUOTAS order: the table's cells, worked out
        here rather than by a lookup filter per cell (a large school has 400 classes)."""
        met = [self.quotas[quota.key] for quota in QUOTAS]
        return [(n, n is not None and n < self.children) for n in met]


@dataclass
class TeacherCompliance:
    teacher: User
    records: dict[str, int]  # kind: records this month
    visited_children: int  # children visited at home this month
    wanted_visits: int

    @property
    def cells(self) -> list[tuple[int, bool]]:
        """This month's records a quota kind, as ClassCompliance.cells (never short): the
        table's cells in one call a row, not a lookup filter per cell (fifty teachers a page)."""
        return [(self.records.get(quota.kind, 0), False) for quota in QUOTAS]


@dataclass
class Compliance:
    classes: list[ClassCompliance]
    teachers: list[TeacherCompliance]
    no_contact: list[Pupil]  # the first NO_CONTACT_LISTED, in class order
    month: Period
    term: Period | None
    quotas: tuple[Quota, ...] = QUOTAS
    no_contact_count: int = 0  # all of them

    @property
    def grades(self) -> list[ClassCompliance]:
        """A row a grade (the children in no class last), summed from its classes: the page
        shows these for the whole school and the classes of one grade at a time."""
        rows: dict[int | None, ClassCompliance] = {}
        for row in self.classes:
            total = rows.get(row.grade)
            if total is None:
                label = GRADE_NAMES.get(row.grade, row.label) if row.grade else row.label
                rows[row.grade] = ClassCompliance(
                    str(label), 0, dict.fromkeys(row.quotas, 0), 0, 0, row.grade
                )
                total = rows[row.grade]
            total.children += row.children
            total.overdue_events += row.overdue_events
            total.no_contact += row.no_contact
            for key, met in row.quotas.items():
                total.quotas[key] = None if met is None else total.quotas[key] + met
        return list(rows.values())

    def classes_of(self, grade: int | None) -> list[ClassCompliance]:
        return [row for row in self.classes if row.grade == grade]


# The children with no contact the compliance page names; the counts by class cover them all.
NO_CONTACT_LISTED = 200


def _last_contact() -> Subquery:
    """The child's latest record that is not void, in a subquery as the quota counts are."""
    latest = _records_of().order_by("-carerecord__occurred_on")
    return Subquery(latest.values("carerecord__occurred_on")[:1])


def _open_events(**conditions) -> Coalesce:
    """The child's unanswered 五必访 meeting the conditions, counted in a subquery: joined
    beside the records, they would multiply the rows every count runs over."""
    events = (
        WatchEvent.objects.filter(pupil=OuterRef("pk"), answered_by=None, **conditions)
        .order_by()
        .values("pupil")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(events), 0)


# The kinds whose newest record each child keeps the date of (Pupil.last_talk_on …).
KEPT_KINDS = frozenset(kind for _field, kind in CONTACT_DATES if kind)


def _met(
    school_id: int,
    kind: str,
    period: Period,
    wanted: int,
    *,
    tallied: Term | None,
    current: Term | None,
    today: datetime.date,
) -> Q:
    """The children with at least `wanted` records of the kind in the period (which holds
    today): from the tallies' index when the period is `tallied`, the running term (see
    compliance); one record wanted, those the kind reached since the period began
    (reached_since: in the current term, from the tallies' index); else one grouped subquery
    from the records of that kind and dates (index record_kind_date). One record of a kind
    whose date each child keeps (a talk, a home visit) in a period running to today: by the
    kept dates, read from the walk's own index (pupil_in_care), not a list of the tallies."""
    if wanted == 1 and today <= period.end and kind in KEPT_KINDS:
        return reached_by_kept_dates(period.start, kind)
    if tallied is not None:
        return Q(
            pk__in=PupilTermTally.objects.filter(
                school_id=school_id, term=tallied, kind=kind, records__gte=wanted
            ).values("pupil_id")
        )
    if wanted == 1:
        return reached_since(school_id, period.start, term=current, today=today, kind=kind)
    links = CareRecord.pupils.through.objects.filter(
        live_records("carerecord__"),
        carerecord__school_id=school_id,
        carerecord__kind=kind,
        carerecord__occurred_on__gte=period.start,
        carerecord__occurred_on__lte=period.end,
    )
    return Q(
        pk__in=links.values("pupil_id")
        .annotate(n=Count("carerecord_id"))
        .filter(n__gte=wanted)
        .values("pupil_id")
    )


def compliance(
    *,
    school_id: int,
    settings: CareSettings,
    today: datetime.date,
    teacher_ids: list[int] | None = None,
) -> Compliance:
    """Compliance with the quotas by class and by teacher, and the 关爱对象 with no contact for
    `no_contact_days` (the first NO_CONTACT_LISTED named). Counted by the database, class by
    class (no child is built but those named): a fixed number of queries, whatever the
    school's size. The teachers are `teacher_ids` (a page of answering_teacher_ids), or all."""
    month, current = month_of(today), Term.objects.current(school_id, today)
    # The current term is the one containing today unless it has ended (the holidays); its
    # tallies then hold every live record of it (reached_since).
    running = current if current and today <= current.end_date else None
    term = running.period if running else term_of(school_id, today)
    periods = {quota.key: month if quota.monthly else term for quota in QUOTAS}
    cutoff = today - datetime.timedelta(days=settings.no_contact_days)
    children = Pupil.objects.in_care_enrolled(settings.school).order_by()
    # By the kept date of each child's newest record (no record is dated after today): read
    # from the walk's index, where the term's tallies were a list of 17,000 at 20,000 pupils.
    contacted = reached_by_kept_dates(cutoff)
    counts = {
        f"met_{quota.key}": Count(
            "pk",
            # A quota of none is met by every child, with records or without.
            filter=_met(
                school_id,
                quota.kind,
                periods[quota.key],
                wanted,
                tallied=None if quota.monthly else running,
                current=current,
                today=today,
            )
            if (wanted := quota.count(settings))
            else None,
        )
        for quota in QUOTAS
        if periods[quota.key] is not None
    }
    rows = (
        children.values("school_class", "school_class__grade", "school_class__number")
        .annotate(n=Count("pk"), no_contact=Count("pk", filter=~contacted), **counts)
        .order_by()
    )
    # From the overdue events (index watch_open_by_due), each child looked up by key: not the
    # list of every child in care, which walked every enrolled pupil of the school again.
    overdue = dict(
        WatchEvent.objects.filter(school_id=school_id)
        .overdue(today)
        .filter(Exists(children.filter(pk=OuterRef("pupil_id"))))
        .values_list("pupil__school_class")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_pk = {row["school_class"]: row for row in rows}
    # (pk, grade, number) rows in class order, named from grade and number, from the counts'
    # own rows: not 444 objects, nor a second query of 444 keys.
    classes = sorted(
        (
            ClassRef(pk, row["school_class__grade"], row["school_class__number"])
            for pk, row in by_pk.items()
            if pk is not None
        ),
        key=lambda c: (c.grade, c.number, c.pk),
    )
    language = get_language()  # once, not for each of 444 classes
    labelled = [(c.pk, class_name(c.grade, c.number, language), c.grade) for c in classes]
    if None in by_pk:
        labelled.append((None, str(_("未分班")), None))
    report_classes = []
    for pk, label, grade in labelled:
        row = by_pk[pk]
        met = {
            quota.key: row[f"met_{quota.key}"] if periods[quota.key] is not None else None
            for quota in QUOTAS
        }
        report_classes.append(
            ClassCompliance(label, row["n"], met, overdue.get(pk, 0), row["no_contact"], grade)
        )
    no_contact = list(
        children.exclude(contacted)
        .filter(_first_classes(report_classes, classes, NO_CONTACT_LISTED))
        .only("pk", "name", "name_pinyin", "left_behind", "school_class")
        .select_related("school_class")
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")[
            :NO_CONTACT_LISTED
        ]
    )
    staff = answering_teachers(school_id, among=teacher_ids)
    this_month = CareRecord.objects.live().filter(
        occurred_on__gte=month.start, occurred_on__lte=month.end
    )
    if teacher_ids is None:
        this_month = this_month.filter(school_id=school_id)
    else:
        # A page of teachers: their records by the author index (record_author_date), the
        # school compared as an expression no index serves; by the school's, SQLite read the
        # month's 10,000 records at 20,000 pupils for fifty teachers' (25 ms).
        this_month = this_month.alias(record_school=F("school_id") + 0).filter(
            record_school=school_id, author__in=teacher_ids
        )
    per_teacher: dict[int, dict[str, int]] = {}
    for author, kind, count in (
        this_month.values_list("author", "kind").annotate(n=Count("pk", distinct=True)).order_by()
    ):
        per_teacher.setdefault(author, {})[kind] = count
    visited = dict(
        this_month.filter(kind=CareRecord.Kind.HOME_VISIT)
        .values_list("author")
        .annotate(n=Count("pupils", distinct=True))
        .order_by()
    )
    teachers = [
        TeacherCompliance(
            teacher, per_teacher.get(teacher.pk, {}), visited.get(teacher.pk, 0),
            settings.teacher_visits_per_month,
        )
        for teacher in staff
    ]  # fmt: skip
    return Compliance(
        report_classes,
        teachers,
        no_contact,
        month,
        term,
        no_contact_count=sum(row.no_contact for row in report_classes),
    )


def _first_classes(rows: list[ClassCompliance], classes: list, wanted: int) -> Q:
    """The classes ((pk, grade, number) rows in class order, `rows` beside them, the children in
    no class last)
    whose children with no contact hold the first `wanted` of them in class order, with the
    children in no class if any (first in SQLite's order, last in PostgreSQL's): the list reads
    those classes' children by the class index, not every enrolled pupil of the school."""
    chosen, listed, last = [], 0, None
    unclassed = len(rows) > len(classes) and rows[-1].no_contact
    for row, school_class in zip(rows, classes, strict=False):
        key = (school_class.grade, school_class.number)
        if listed >= wanted and key != last:  # classes of the same grade and number interleave
            break
        if row.no_contact:
            chosen.append(school_class.pk)
            listed += row.no_contact
        last = key
    # An OR with the children in no class only when there are some: it turned SQLite away
    # from the class index.
    return (
        Q(school_class__in=chosen) | Q(school_class=None)
        if unclassed
        else Q(school_class__in=chosen)
    )


def answering_teachers(school_id: int, *, among: list[int] | None = None) -> list[User]:
    """Staff who answer for children: head teachers of active classes and pair teachers, by
    name; with `among` (answering_teacher_ids, or a page of them), just those, in that order."""
    if among is not None:
        staff = User.objects.in_bulk(among)
        return [staff[pk] for pk in among if pk in staff]
    return list(_answering(school_id))


def answering_teacher_ids(school_id: int) -> QuerySet:
    """The ids of answering_teachers in their order, as a query: a page of them is counted and
    read, not every staff member of a large school (a thousand, their roles decoded one by
    one) to show fifty."""
    return _answering(school_id).values_list("pk", flat=True)


def _answering(school_id: int) -> QuerySet[User]:
    """Staff at work heading an active class or holding the pair teacher's role, by name."""
    # Each teacher's classes by the head-teacher index alone (the staff are the school's): with
    # the school in it too and no statistics, SQLite walked the school's classes for each of a
    # thousand staff (60 ms, twice a page of 关爱落实).
    heads = SchoolClass.objects.filter(is_active=True, head_teacher=OuterRef("pk"))
    return (
        User.objects.filter(school_id=school_id, is_active=True)
        .filter(Q(Exists(heads)) | holding_role(Role.PAIR_TEACHER))
        .order_by("full_name", "pk")
    )


# --- a class teacher's overview ------------------------------------------------------------------


@dataclass
class ChildCare:
    pupil: Pupil
    counts: dict[str, int | None]  # quota key: records in the current period (None: no period)
    missing: list[str]  # the quotas not yet met
    last_contact: datetime.date | None
    open_events: int
    pair_teachers: list[str]


@dataclass
class ClassOverview:
    children: list[ChildCare]
    meetings: list[DueItem]  # the class's event quotas this term (symposia, parents' meetings …)
    met: dict[str, int]  # quota key: children who met it in the current period
    month: Period
    term: Period | None
    quotas: tuple[Quota, ...] = QUOTAS


def class_overview(
    *, school_class, settings: CareSettings, today: datetime.date, meetings: list[DueItem] = ()
) -> ClassOverview:
    """Each child of the class in care (关爱对象) with this month's and term's care, last contact,
    open 五必访 and pair teachers; with ``meetings``, the class's events this term as a higher
    app counts them (selectors.class_quotas). Four queries."""
    school_id = school_class.school_id
    month, term = month_of(today), term_of(school_id, today)
    periods = quota_periods(month, term)
    children = (
        _with_counts(school_class.pupils.in_care_enrolled(settings.school), periods)
        .annotate(last_contact=_last_contact(), open_events=_open_events())
        .prefetch_related(
            Prefetch(
                "pairs",
                queryset=Pair.objects.active_teacher().select_related("teacher").order_by("pk"),
                to_attr="teacher_pairs",
            )
        )
        .order_by("name_pinyin", "pk")
    )
    rows, met = [], dict.fromkeys((quota.key for quota in QUOTAS), 0)
    for child in children:
        counts = {quota.key: getattr(child, f"{quota.key}_now", None) for quota in QUOTAS}
        missing = []
        for quota in QUOTAS:
            if counts[quota.key] is None:  # no period for this quota now (the holidays)
                continue
            if counts[quota.key] >= quota.count(settings):
                met[quota.key] += 1
            else:
                missing.append(str(quota.label))
        rows.append(
            ChildCare(
                pupil=child,
                counts=counts,
                missing=missing,
                last_contact=child.last_contact,
                open_events=child.open_events,
                pair_teachers=[str(pair.teacher) for pair in child.teacher_pairs],
            )
        )
    return ClassOverview(rows, list(meetings), met, month, term)


def _teacher_quotas(
    user: User, settings: CareSettings, month: Period, not_visited: int
) -> list[DueItem]:
    """The teacher's own quota not yet met: children visited at home this month (never more
    than the children of their class and pairs who still need this term's visit). The class's
    events (symposia, parents' meetings) come from the events app's work provider. Two
    queries at most."""
    items = []
    if settings.teacher_visits_per_month and (
        user.has_role(Role.PAIR_TEACHER) or user.headed_classes.filter(is_active=True).exists()
    ):
        visited = (
            Pupil.objects.filter(
                live_records("care_records__"),
                care_records__author=user,
                care_records__kind=CareRecord.Kind.HOME_VISIT,
                care_records__occurred_on__gte=month.start,
                care_records__occurred_on__lte=month.end,
            )
            .distinct()
            .count()
        )
        wanted = min(settings.teacher_visits_per_month, visited + not_visited)
        if visited < wanted:
            items.append(
                DueItem(None, CareRecord.Kind.HOME_VISIT, str(_("本月家访学生数")), month.end,
                        visited, wanted)
            )  # fmt: skip
    return items
