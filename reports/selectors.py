"""Reads of the reports: the numbers of the dashboard and the term summary, all counted from
the recorded data; the summary, its versions and their comparison; the teachers' work table.

term_numbers() returns TermNumbers, which a generated version keeps as JSON, so it can be laid
out again exactly as printed and compared with a later one.
"""

import datetime
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.periods import Period, month_of
from events.models import Event
from events.quotas import QuotaLine, quota_status, school_overview
from events.selectors import KindReach, attendees_of, events_in, reach_by_kind
from pairing.models import Pair, PairingSettings
from pairing.selectors import check_counts, paired_on_day
from plans.selectors import next_term_plan_text
from registry.models import (
    GRADE_NAMES,
    LEFT_BEHIND,
    LEFT_BEHIND_ON_DAY,
    LeftBehind,
    Pupil,
    Role,
    School,
    SchoolClass,
    Term,
    User,
    needy_not_left_behind,
    status_read_from,
)
from registry.selectors import (
    COUNTED_COLUMNS,
    LedgerStatistics,
    archived_by,
    census_outcome,
    kept_class_counts,
    kept_statistics,
    last_closed_census,
    ledger_statistics,
    promotions_since,
)
from reports import compare, drafts
from reports.document import document_html
from reports.models import TermReport, TermReportVersion
from reports.numbers import (
    Archives,
    Basic,
    Care,
    Census,
    ClassBelowQuota,
    Counted,
    Grade,
    GuideCount,
    Headline,
    Inspection,
    KindCount,
    Needy,
    Pairing,
    Programme,
    Safety,
    SafetyEducation,
    TermNumbers,
    TypicalCase,
)
from rooms.selectors import RoomsTerm, rooms_in
from visits.due import answering_teachers
from visits.models import (
    CareRecord,
    CareSettings,
    DropoutCase,
    Emergency,
    PupilTermTally,
    WatchEvent,
    out_of_school,
)
from visits.selectors import idle_pairs, marked_dropout_unwatched, records_visible_to
from visits.tallies import day_counts, reached_by_kept_dates, tallied_children, term_with_period

# NOT_PENDING: the children a care record or an event names are chosen among the pupils a
# person sees, never among those a roster import is still writing (Pupil.objects leaves them
# out, and a published pupil is never pending again): counts of a record's or an event's
# children need not join the pupils to leave those out.

GUIDES = tuple(
    (name, CareRecord._meta.get_field(name).verbose_name) for name in CareRecord.GUIDE_FIELDS
)


def _children(school_id: int, day: datetime.date) -> QuerySet[Pupil]:
    """The left-behind children the summary's figures count, at school on the day (the care
    work is for in_care)."""
    return Pupil.objects.filter(school_id=school_id).left_behind_on_day(day)


def pct(part: int, whole: int) -> float | None:
    """A percentage to one decimal, as the education office reads it (None of nothing)."""
    return round(100 * part / whole, 1) if whole else None


def get_term_for_user(user: User, pk: int) -> Term:
    """A term of the user's school with its school year (else 404); 403 for anyone who does
    not lead the school's care work."""
    if not user.leads_care:
        raise PermissionDenied
    try:
        return Term.objects.of_school(user.school_id).get(pk=pk)
    except Term.DoesNotExist as exc:
        raise Http404 from exc


def get_version_for_user(user: User, pk: int) -> TermReportVersion:
    """A generated version of the user's school's summary (else 404), with its report and
    term; 403 for anyone who does not lead the school's care work."""
    if not user.leads_care:
        raise PermissionDenied
    versions = TermReportVersion.objects.select_related(
        "report__school", "report__term__school_year"
    )
    try:
        return versions.get(pk=pk, report__school_id=user.school_id)
    except TermReportVersion.DoesNotExist as exc:
        raise Http404 from exc


def _counted(totals: dict[str, int], group: str) -> list[Counted]:
    return [
        Counted(key=column.key, label=str(column.label), n=totals[column.key])
        for column in COUNTED_COLUMNS
        if column.group == group
    ]


def _grades(statistics: LedgerStatistics) -> dict[int, dict[str, int]]:
    """The statistics' classes summed a grade: their number, pupils and left-behind."""
    grades: dict[int, Counter[str]] = {}
    for row in statistics.rows:
        if row.grade is not None:
            grade = grades.setdefault(row.grade, Counter())
            grade["classes"] += 1
            for key in GRADE_KEYS:
                grade[key] += row.counts[key]
    return grades


GRADE_KEYS = ("pupils", "away", "both", "single")


def _basic(
    totals: dict[str, int], grades: dict[int, dict[str, int]], dropped_out: int, boarding: int
) -> Basic:
    """一、基本情况 on the day: the registry's statistics (the same columns as 统计表, counted
    by _visits_by_class: `totals`), per grade (`grades`: _grades, or today the kept sums; a past
    school year's classes a grade lower for each promotion since); classes are those with
    pupils that day. 义务教育阶段辍学 is the left-behind children out of school that day by the
    dropout watch (`dropped_out`), its one source, not the archive's flag. `boarding`: the
    left-behind boarders (_visits_by_class)."""
    totals = totals | {"is_dropout": dropped_out}
    grade_names = dict(SchoolClass._meta.get_field("grade").choices)
    return Basic(
        pupils=totals["pupils"],
        classes=sum(grade["classes"] for grade in grades.values()),
        away=totals["away"],
        share=pct(totals["away"], totals["pupils"]),
        boys=totals["boys"],
        girls=totals["girls"],
        both=totals["both"],
        single=totals["single"],
        boarding=boarding,
        categories=_counted(totals, _("类别")),
        guardianship=_counted(totals, _("监护类型")),
        grades=[
            Grade(
                grade=key,
                name=str(grade_names[key]),
                classes=counts["classes"],
                **{name: counts[name] for name in GRADE_KEYS},
                share=pct(counts["away"], counts["pupils"]),
            )
            for key, counts in sorted(grades.items())
        ],
    )


def _records(school_id: int, period: Period) -> QuerySet[CareRecord]:
    return CareRecord.objects.live().filter(
        school_id=school_id,
        occurred_on__gte=period.start,
        occurred_on__lte=period.end,
    )


def children_of(records: QuerySet[CareRecord]) -> QuerySet:
    """The ids of the children the records are about, as one uncorrelated subquery: for
    "pupils with / without such a record", a correlated EXISTS per child is slow at scale."""
    return CareRecord.pupils.through.objects.filter(carerecord__in=records).values("pupil_id")


def _reached(school_id: int, period: Period, term_id: int | None, kind: str) -> QuerySet:
    """The ids of the children a live record of the kind reached in the period, as a subquery:
    from the term's tallies (PupilTermTally) when the period is a term's (`term_id`, see
    term_with_period), else from the period's records and their children."""
    if term_id is not None:
        return tallied_children(school_id, term_id, kind)
    return children_of(_records(school_id, period).filter(kind=kind))


def _reached_pupils(
    school_id: int, period: Period, term_id: int | None, kind: str, today: datetime.date
) -> Q:
    """The pupils a live record of the kind reached in the period, as a filter: while the
    period runs to today, by their kept dates (reached_by_kept_dates: a walk of the children
    in care reads them from its index alone), else those _reached names."""
    if period.end >= today:
        return reached_by_kept_dates(period.start, kind)
    return Q(pk__in=_reached(school_id, period, term_id, kind))


# The school's events the summary counts with the care records of a kind: 座谈会, 家长会, and
# 关爱活动 (a 生日会 is one). Records written the old way still count, so stored figures stand.
EVENTS_COUNTED_AS = {
    CareRecord.Kind.SYMPOSIUM: (Event.Kind.SYMPOSIUM,),
    CareRecord.Kind.PARENT_MEETING: (Event.Kind.PARENT_MEETING,),
    CareRecord.Kind.ACTIVITY: (Event.Kind.CARE_ACTIVITY, Event.Kind.BIRTHDAY),
}


def _with_events(by_kind: dict, school_id: int, period: Period, term_id: int | None) -> None:
    """Add the term's events to the kinds they count as: each event once, and each child once
    whether a record, an event or both reached them."""
    events = events_in(school_id=school_id, period=period)
    held = dict(events.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    for kind, event_kinds in EVENTS_COUNTED_AS.items():
        if not any(held.get(event_kind) for event_kind in event_kinds):
            continue
        # The union of the two sets of ids, counted: not a walk of the school's pupils testing
        # each against both (PostgreSQL read every pupil for it, 20 ms at 20,000 pupils). A
        # record's or an event's children are never an import's pending ones (NOT_PENDING).
        reached = (
            _reached(school_id, period, term_id, kind)
            .order_by()
            .union(attendees_of(events.filter(kind__in=event_kinds)).order_by())
            .count()
        )
        row = by_kind.setdefault(kind, {"records": 0, "children": 0})
        row["records"] += sum(held.get(event_kind, 0) for event_kind in event_kinds)
        row["children"] = reached


def _programmes(records: QuerySet[CareRecord]) -> list[Programme]:
    """资助 by programme: each child once in a programme, the amounts as the records wrote
    them (a record's amount once, whatever number of children it names). Two queries."""
    assistance = records.filter(kind=CareRecord.Kind.ASSISTANCE)
    totals = {
        row["programme"].strip(): row
        for row in assistance.values("programme")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    }
    children = dict(
        CareRecord.pupils.through.objects.filter(carerecord__in=assistance)
        .values_list("carerecord__programme")
        .annotate(n=Count("pupil", distinct=True))
        .order_by()
    )
    rows = [
        Programme(
            label=programme or _("其他资助"),
            children=children.get(programme, 0),
            records=row["n"],
            amount=(row["amount"] or Decimal(0)).quantize(Decimal("0.01")),
        )
        for programme, row in totals.items()
    ]
    return sorted(rows, key=lambda row: (not row.label, -row.amount, row.label))


def _by_kind(
    records: QuerySet[CareRecord], school_id: int, period: Period, term_id: int | None
) -> dict:
    """{kind: {"records": n, "children": n}} of the period's live records: each child once per
    kind. With a term, the records from the school's day counts and the children from the
    term's tallies (two queries, neither walks the term's records); else one query over both."""
    if term_id is None:
        return {
            row["kind"]: row
            for row in records.values("kind")
            .annotate(records=Count("pk", distinct=True), children=Count("pupils", distinct=True))
            .order_by()
        }
    children = dict(
        PupilTermTally.objects.filter(school_id=school_id, term_id=term_id)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        kind: {"kind": kind, "records": n, "children": children.get(kind, 0)}
        for kind, n in day_counts(school_id, period.start, period.end)
        .values_list("kind")
        .annotate(n=Sum("records"))
        .order_by()
    }


def _care(
    school_id: int,
    period: Period,
    day: datetime.date,
    visits_by_class: list[dict],
    term_id: int | None = None,
    summary: bool = True,
) -> Care:
    """二、主要工作措施: what was done in the term, by kind, 四导, assistance, activities; the
    children not visited are those left-behind on the day (counted by _visits_by_class).
    The children each kind reached are the term's tallies when the period is `term_id`'s.
    Without `summary`, not the names not visited, 五必访 or the programmes (None)."""
    records = _records(school_id, period)
    by_kind = _by_kind(records, school_id, period, term_id)
    _with_events(by_kind, school_id, period, term_id)
    kinds = [
        KindCount(
            kind=value,
            label=str(label),
            records=by_kind.get(value, {}).get("records", 0),
            children=by_kind.get(value, {}).get("children", 0),
        )
        for value, label in CareRecord.Kind.choices
    ]
    guides = day_counts(school_id, period.start, period.end).aggregate(
        **{name: Sum(name, default=0) for name, _label in GUIDES}
    )
    assistance = records.filter(kind=CareRecord.Kind.ASSISTANCE).aggregate(amount=Sum("amount"))
    care = Care(
        kinds=kinds,
        records=sum(row.records for row in kinds),
        guides=[
            GuideCount(key=name, label=str(label), records=guides[name]) for name, label in GUIDES
        ],
        assistance_people=by_kind.get(CareRecord.Kind.ASSISTANCE, {}).get("children", 0),
        assistance_amount=(assistance["amount"] or Decimal(0)).quantize(Decimal("0.01")),
        not_visited=sum(row["children"] - row["visited"] for row in visits_by_class),
        not_visited_names=None,
        watch_events=None,
        watch_answered=None,
    )
    if not summary:
        return care
    # A child counts as visited this term when a home visit (not a call) reached them.
    visited = _reached(school_id, period, term_id, CareRecord.Kind.HOME_VISIT)
    not_visited = _children(school_id, day).exclude(pk__in=visited)
    watch = WatchEvent.objects.filter(
        school_id=school_id, noticed_on__gte=period.start, noticed_on__lte=period.end
    ).aggregate(noticed=Count("pk"), answered=Count("pk", filter=Q(answered_by__isnull=False)))
    return replace(
        care,
        not_visited_names=list(
            not_visited.order_by(
                "school_class__grade", "school_class__number", "name_pinyin"
            ).values_list("name", flat=True)[:30]
        ),
        watch_events=watch["noticed"],
        watch_answered=watch["answered"],
        programmes=_programmes(records),
    )


def _pairing(
    school: School,
    period: Period,
    day: datetime.date,
    visits_by_class: list[dict],
    summary: bool = True,
) -> Pairing:
    """Pairs and coverage on the day as the pairing board counts them (today: a teacher still
    at work; a past day: the pairs running then, Pair.objects.on_day), idle ones as they were
    that day; the left-behind children paired counted by _visits_by_class. The school's
    checks (by its leadership) apart from the pair teachers' own. Without `summary`, the
    coverage alone (no query)."""
    children = sum(row["children"] for row in visits_by_class)
    paired = sum(row["paired"] for row in visits_by_class)
    if not summary:
        return Pairing(
            **dict.fromkeys(
                ("teacher_pairs", "teachers", "buddies", "volunteers", "formed_in_term"), None
            ),
            checks=None,
            idle=None,
            covered=paired,
            coverage=pct(paired, children),
        )
    # Each teacher pair's child looked up by its key, in the WHERE clause: an IN list would
    # first gather every pupil of the school (20,000 at the largest), and the same test in
    # each count's FILTER ran once a pair and a count (PostgreSQL: a subplan each time).
    teacher_pairs = (
        Pair.objects.teacher_on_day(day)
        .filter(
            Exists(Pupil.objects.filter(school=school).on_day(day).filter(pk=OuterRef("pupil"))),
            school=school,
        )
        .aggregate(teacher_pairs=Count("pk"), teachers=Count("teacher", distinct=True))
    )
    counts = teacher_pairs | (
        Pair.objects.on_day(day)
        .filter(school=school, kind__in=(Pair.Kind.BUDDY, Pair.Kind.VOLUNTEER))
        .aggregate(
            buddies=Count("pk", filter=Q(kind=Pair.Kind.BUDDY)),
            volunteers=Count("pk", filter=Q(kind=Pair.Kind.VOLUNTEER)),
        )
    )
    checks = check_counts(school=school, period=period)
    return Pairing(
        **counts,
        covered=paired,
        coverage=pct(paired, children),
        # Teacher pairs, as the sentence it sits in counts them (buddies and volunteers apart).
        formed_in_term=Pair.objects.teachers()
        .filter(school=school, started_on__gte=period.start, started_on__lte=period.end)
        .count(),
        checks=checks.by_school + checks.by_teachers,
        school_checks=checks.by_school,
        own_checks=checks.by_teachers,
        idle=idle_pairs(
            Pair.objects.filter(school=school),
            PairingSettings.for_school(school),
            on=day if day < timezone.localdate() else None,
        ).count(),
    )


def _needy_aggregates(
    school: School, period: Period, day: datetime.date, term_id: int | None, among: Q
) -> dict[str, Aggregate]:
    """What _needy counts of the 困境儿童（非留守） at school on the day, among the pupils a walk
    reads (`among`: the condition that picks them, Q() where the walk's WHERE already does)."""
    today = timezone.localdate()
    visited = _reached_pupils(school.pk, period, term_id, CareRecord.Kind.HOME_VISIT, today)
    talked = _reached_pupils(school.pk, period, term_id, CareRecord.Kind.TALK, today)
    return {
        "children": Count("pk", filter=among),
        "visited": Count("pk", filter=among & visited),
        "talked": Count("pk", filter=among & talked),
        "paired": Count("pk", filter=among & paired_on_day(day)),
        **{
            field: Count("pk", filter=among & Q(**{field: True}))
            for field in school.chosen_category_fields
        },
    }


def _needy(
    school: School,
    period: Period,
    day: datetime.date,
    term_id: int | None = None,
    counts: dict[str, int] | None = None,
) -> Needy | None:
    """困境儿童（非留守）, their own group at school on the day: how many, by chosen category,
    paired, visited at home and talked with in the term. None, and no query, while the school
    chose no category. `counts`: _needy_aggregates where the caller counted them (the
    dashboard, in its walk of the children in care)."""
    if not school.care_categories:
        return None
    if counts is None:
        counts = (
            Pupil.objects.filter(school=school)
            .on_day(day)
            .filter(status_read_from(needy_not_left_behind(school), "left_behind_on"))
            .aggregate(**_needy_aggregates(school, period, day, term_id, Q()))
        )
    return Needy(
        children=counts["children"],
        categories=[
            Counted(
                key=field, label=str(Pupil._meta.get_field(field).verbose_name), n=counts[field]
            )
            for field in school.chosen_category_fields
        ],
        paired=counts["paired"],
        visited=counts["visited"],
        talked=counts["talked"],
    )


def _safety(
    school_id: int, period: Period, day: datetime.date, summary: bool = True
) -> tuple[Safety, int]:
    """安全和应急, and the dropout watch (控辍保学), the one source of the summary's dropouts:
    the term's emergencies and cases, those still open on the day, and the children out of
    school that day (a case of 已辍学 still open, or 已劝返复学 after the day). A case's status
    has no dated history of its own; a case closed after the day was open on it. Pupils
    marked 辍学 in their archive with no case are counted while the term runs. Three
    queries; with the Safety, the number of left-behind children among those out of school.
    Without `summary`, not the archives marked 辍学 with no case (None, two queries)."""
    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end, datetime.time.max))
    day_end = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    in_term = Q(occurred_at__gte=start, occurred_at__lte=end)
    emergencies = Emergency.objects.filter(school_id=school_id).aggregate(
        emergencies=Count("pk", filter=in_term),
        emergencies_closed=Count("pk", filter=in_term & Q(closed_at__lte=day_end)),
        emergencies_open=Count(
            "pk",
            filter=Q(occurred_at__lte=day_end) & (Q(closed_at=None) | Q(closed_at__gt=day_end)),
        ),
    )
    out = out_of_school(day)
    cases = (
        DropoutCase.objects.filter(school_id=school_id, opened_on__lte=period.end)
        .filter(Q(closed_on=None) | Q(closed_on__gte=period.start))
        .aggregate(
            dropout_cases=Count("pupil", distinct=True),
            dropout_returned=Count(
                "pupil",
                distinct=True,
                filter=Q(status=DropoutCase.Status.RETURNED, closed_on__lte=day),
            ),
            dropout_open=Count(
                "pupil",
                distinct=True,
                filter=Q(status__in=DropoutCase.OPEN) | Q(closed_on__gt=day),
            ),
            dropped_out=Count("pupil", distinct=True, filter=out),
            # Each case's child looked up by its key: an IN list would first gather every
            # left-behind child of the school, for a handful of cases.
            left_behind_out=Count(
                "pupil",
                distinct=True,
                filter=out & Q(Exists(_children(school_id, day).filter(pk=OuterRef("pupil")))),
            ),
        )
    )
    # The archive's flag has no dated history: whether it lacks a case is a check of today.
    flagged_unwatched = (
        marked_dropout_unwatched(Pupil.objects.filter(school_id=school_id)).count()
        if summary and day >= timezone.localdate()
        else None
    )
    left_behind_out = cases.pop("left_behind_out")
    return Safety(**emergencies, **cases, flagged_unwatched=flagged_unwatched), left_behind_out


def _visits_by_class(
    school_id: int,
    period: Period,
    day: datetime.date,
    term_id: int | None,
    grades_back: int,
) -> tuple[LedgerStatistics, list[dict]]:
    """The pupils at school on the day, by class (today the kept ClassTally rows, a past day
    one walk of the pupils: _visits_by_class_walked): the registry's statistics
    (ledger_statistics, classes a grade lower for each promotion since) and, per class (and
    those in none, grade None), the left-behind children, how many of them had a home visit
    in the term, board, had a teacher pair that day (paired_on_day), had an archive by then
    and a complete one (archived_by): for 基本情况, 未家访, the classes below quota, the
    boarders, 结对覆盖率 and 档案完整率."""
    visited = _reached(school_id, period, term_id, CareRecord.Kind.HOME_VISIT)
    if day >= timezone.localdate():
        return _visits_by_class_kept(school_id, children_by_class(school_id, visited))
    return _visits_by_class_walked(school_id, visited, day, grades_back)


def _visits_by_class_walked(
    school_id: int, visited: QuerySet, day: datetime.date, grades_back: int
) -> tuple[LedgerStatistics, list[dict]]:
    """_visits_by_class of any day, in one walk of the pupils at school that day."""
    archived = LEFT_BEHIND_ON_DAY & archived_by(day)
    statistics = ledger_statistics(
        pupils=Pupil.objects.filter(school_id=school_id),
        on=day,
        grades_back=grades_back,
        also={
            "children": Count("pk", filter=LEFT_BEHIND_ON_DAY),
            "visited": Count("pk", filter=LEFT_BEHIND_ON_DAY & Q(pk__in=visited)),
            "boarding": Count("pk", filter=LEFT_BEHIND_ON_DAY & Q(is_boarding=True)),
            "paired": Count("pk", filter=LEFT_BEHIND_ON_DAY & paired_on_day(day)),
            "archived": Count("pk", filter=archived),
            "complete": Count("pk", filter=archived & Q(archive_complete=True)),
        },
    )
    return statistics, [
        row.also | {"label": row.label, "grade": row.grade} for row in statistics.rows
    ]


def children_by_class(
    school_id: int, visited: QuerySet, **also: Aggregate
) -> dict[int | None, dict[str, int]]:
    """Per class, of the left-behind children at school today, how many `visited` names (a
    subquery of ids) and the counts `also` asks for: one walk of those children."""
    return {
        row.pop("school_class"): row
        for row in Pupil.objects.left_behind_enrolled()
        .filter(school_id=school_id)
        .values("school_class")
        .annotate(visited=Count("pk", filter=Q(pk__in=visited)), **also)
        .order_by()
    }


def _children_in_care(
    school: School, period: Period, term_id: int | None, today: datetime.date, **also: Q
) -> tuple[dict[str, int], dict[str, int] | None]:
    """children_by_class of today added up for the school (the dashboard prints no class: one
    row, not one a class to convert and add up), with the left-behind children each of `also`
    picks, and _needy_aggregates (None while the school chose no category), in one walk of the
    school's children in care still at school (index pupil_in_care): every left-behind child
    and every one in a chosen category is in care (the kept Pupil.in_care, by in_care()), a
    few thousand of a school's 20,000 pupils, which two walks read apart (SQLite each of the
    enrolled), from the index alone where `also` and the period test the kept dates
    (_reached_pupils)."""
    visited = _reached_pupils(school.pk, period, term_id, CareRecord.Kind.HOME_VISIT, today)
    needy = (
        _needy_aggregates(school, period, today, term_id, needy_not_left_behind(school))
        if school.care_categories
        else {}
    )
    counts = {
        "visited": Count("pk", filter=LEFT_BEHIND & visited),
        **{key: Count("pk", filter=LEFT_BEHIND & picks) for key, picks in also.items()},
        **{f"needy_{key}": aggregate for key, aggregate in needy.items()},
    }
    # Grouped by the school, one row (none without children in care): aggregate() rewrites
    # and hashes its expressions, as costly as the class rows this saves at 1,000 pupils.
    rows = Pupil.objects.in_care_enrolled(school).values("school").annotate(**counts).order_by()
    children = next(iter(rows), dict.fromkeys(["school", *counts], 0))
    del children["school"]
    needy_counts = {key: children.pop(f"needy_{key}") for key in needy}
    return children, needy_counts if needy else None


def _visits_by_class_kept(
    school_id: int, children: dict[int | None, dict[str, int]]
) -> tuple[LedgerStatistics, list[dict]]:
    """_visits_by_class of today: the classes' counts from the kept ClassTally rows (today
    every pupil at school was archived by the day), and the children visited per class
    (children_by_class). One query."""
    statistics = kept_statistics(
        school_id=school_id, also=["children", "boarding", "paired", "complete"]
    )
    return statistics, [
        row.also
        | {
            "label": row.label,
            "grade": row.grade,
            "archived": row.also["children"],
            "visited": children.get(row.school_class, {}).get("visited", 0),
        }
        for row in statistics.rows
    ]


KEPT_SUMS = ("children", "boarding", "paired", "complete")


KEPT_SUMS = ["children", "boarding", "paired", "complete"]


def _kept_sums(
    school_id: int, children: dict[str, int]
) -> tuple[dict[str, int], dict[int, dict[str, int]], list[dict]]:
    """What the dashboard reads of _visits_by_class today, from the kept class counts
    (kept_class_counts) added up a grade, without naming and sorting a row a class as
    kept_statistics does: the statistics' totals, the grades (as _grades) and the school's
    left-behind children as one row of no grade (so no class is below quota), those
    `children` (today's, _children_in_care) counts visited. One query."""
    keys = [column.key for column in COUNTED_COLUMNS] + KEPT_SUMS
    by_grade: dict[int | None, list[tuple[int, ...]]] = {}
    for _school_class, grade, _number, counts in kept_class_counts(school_id=school_id):
        by_grade.setdefault(grade, []).append(itemgetter(*keys)(counts))
    # Each key summed over the rows by zip and sum, not a dict update a class and a key.
    sums = {
        grade: dict(zip(keys, map(sum, zip(*rows, strict=True)), strict=True))
        for grade, rows in by_grade.items()
    }
    totals = {key: sum(row[key] for row in sums.values()) for key in keys}
    grades = {
        grade: {"classes": len(by_grade[grade]), **row}
        for grade, row in sums.items()
        if grade is not None  # the pupils in no class: in the totals only
    }
    school = {key: totals[key] for key in KEPT_SUMS}
    school |= {
        "label": "",
        "grade": None,
        "archived": school["children"],
        "visited": children["visited"],
    }
    return totals, grades, [school]


def _classes_below_quota(visits_by_class: list[dict]) -> list[ClassBelowQuota]:
    """Classes where fewer than all left-behind children had a home visit this term, in grade
    and class order, named as they were on the day (as in _basic)."""
    return [
        ClassBelowQuota(label=row["label"], children=row["children"], visited=row["visited"])
        for row in visits_by_class
        if row["grade"] is not None and row["visited"] < row["children"]
    ]


def _census(school_id: int, period: Period) -> Census | None:
    """The last census round closed within the term, if any. Three queries (one if none)."""
    census = last_closed_census(school_id=school_id, period=period)
    if census is None:
        return None
    counts = census_outcome(census)
    return Census(
        name=census.name,
        closed_on=timezone.localdate(census.closed_at),
        **{key: counts[key] for key in CENSUS_FIGURES},
    )


CENSUS_FIGURES = (
    "left_behind_at_close",
    "newly_left_behind",
    "no_longer_left_behind",
    "type_changed",
    "joined",
    "left",
)


def term_numbers(
    *,
    school: School,
    period: Period,
    with_previous: bool = True,
    summary: bool = True,
    term: Term | None = None,
    children: dict[str, int] | None = None,
    needy: dict[str, int] | None = None,
) -> TermNumbers:
    """Every number the term summary prints for the term (or any period), as of the term's
    end, or today while it runs (数据截至), from the histories the data keeps (see
    Pupil.objects.on_day and Pair.objects.on_day for what has a history and what is read as
    it stands now). With `with_previous`, the last term's headline figures beside them.
    Without `summary`, the dashboard's figures only, counted the same way: those only the
    summary prints (the pairs and their checks, idle pairs, 五必访, the names not visited,
    the programmes, the census, the problems, the classes below quota) are None or empty, not
    counted. `term`: the term whose period it is, where the caller has it (else looked up:
    term_with_period); `children` and `needy`: today's _children_in_care, where the caller
    counted them (the dashboard: then the classes' counts are the kept ones added up,
    _kept_sums)."""
    day = min(period.end, timezone.localdate())
    back = promotions_since(school_id=school.pk, day=day) if day < timezone.localdate() else 0
    safety, left_behind_out = _safety(school.pk, period, day, summary)
    term_id = term.pk if term is not None else term_with_period(school.pk, period)
    if summary or children is None or day < timezone.localdate():
        statistics, visits_by_class = _visits_by_class(school.pk, period, day, term_id, back)
        totals, grades = statistics.totals.counts, _grades(statistics)
    else:
        totals, grades, visits_by_class = _kept_sums(school.pk, children)
    numbers = TermNumbers(
        school=school.name,
        term=str(period),
        term_start=period.start,
        term_end=period.end,
        basic=_basic(
            totals,
            grades,
            dropped_out=left_behind_out,
            boarding=sum(row["boarding"] for row in visits_by_class),
        ),
        archives=_archives(visits_by_class),
        pairing=_pairing(school, period, day, visits_by_class, summary),
        care=_care(school.pk, period, day, visits_by_class, term_id, summary),
        safety=safety,
        classes_below_quota=_classes_below_quota(visits_by_class),
        problems=[],
        census=_census(school.pk, period) if summary else None,
        needy=_needy(school, period, day, term_id, needy),
        as_of=day,
        previous=_previous(school, period) if with_previous else None,
    )
    return replace(numbers, problems=drafts.problem_lines(numbers)) if summary else numbers


def summary_numbers(
    numbers: TermNumbers, *, school: School, period: Period, report: TermReport | None
) -> TermNumbers:
    """The term's numbers with the figures only the summary prints (not the dashboard's):
    检查考核 from the teachers' work table, 安全教育 and the 责任书 signed, and the typical
    case the report chose. A fixed number of queries, whatever the school's size."""
    day = numbers.as_of or min(period.end, timezone.localdate())
    return replace(
        numbers,
        inspection=_inspection(school, period, day),
        safety_education=_safety_education(school.pk, period, day),
        case=typical_case(report, period) if report is not None else None,
    )


def _inspection(school: School, period: Period, day: datetime.date) -> Inspection:
    """检查考核: counted from the same rows as the teachers' work table, as of the day."""
    rows = teacher_table(school=school, period=period, today=day)
    return Inspection(
        teachers=len(rows),
        complete=sum(1 for row in rows if row.visits_met and row.quotas_met),
        visits_short=sum(1 for row in rows if not row.visits_met),
        quotas_short=sum(1 for row in rows if not row.quotas_met),
    )


def _safety_education(school_id: int, period: Period, day: datetime.date) -> SafetyEducation:
    """The term's 安全教育 events, the left-behind children at them, and the 责任书 signed at
    the term's events (to the day). Two queries."""
    events = events_in(school_id=school_id, period=Period(period.start, day, ""))
    counts = events.aggregate(
        lessons=Count("pk", filter=Q(kind=Event.Kind.SAFETY)),
        letters=Sum("letters_signed", filter=Q(kind__in=Event.LETTER_KINDS), default=0),
    )
    children = (
        _children(school_id, day)
        .filter(pk__in=attendees_of(events.filter(kind=Event.Kind.SAFETY)))
        .count()
        if counts["lessons"]
        else 0
    )
    return SafetyEducation(lessons=counts["lessons"], children=children, letters=counts["letters"])


# --- the typical case (典型案例) ------------------------------------------------------------

# The records a case is told from: what a teacher did with a child, at some length.
CASE_KINDS = (
    CareRecord.Kind.HOME_VISIT,
    CareRecord.Kind.TALK,
    CareRecord.Kind.PHONE_VISIT,
    CareRecord.Kind.TUTORING,
    CareRecord.Kind.DIARY,
    CareRecord.Kind.COUNSELLING,  # for those who read counselling only
)
CASE_CHOICES = 30
AWAY = {
    LeftBehind.BOTH: gettext_lazy("父母均在外务工"),
    LeftBehind.FATHER: gettext_lazy("父亲在外务工"),
    LeftBehind.MOTHER: gettext_lazy("母亲在外务工"),
    LeftBehind.ONE: gettext_lazy("父母一方在外务工"),
}
CARED_BY = {
    Pupil.Guardianship.GRANDPARENTS: gettext_lazy("由祖父母照顾"),
    Pupil.Guardianship.RELATIVES: gettext_lazy("寄住在亲戚家"),
    Pupil.Guardianship.SINGLE_PARENT: gettext_lazy("由父亲或母亲一人照顾"),
    Pupil.Guardianship.ENTRUSTED: gettext_lazy("委托他人照顾"),
    Pupil.Guardianship.NONE: gettext_lazy("无人照顾"),
}
# Phone and ID numbers a teacher may have typed into a record: never in the summary.
LONG_NUMBER = re.compile(r"\d[\d\s-]{5,}\d[Xx]?")


def case_candidates(*, user: User, period: Period, query: str = "") -> QuerySet[CareRecord]:
    """The records of the term a typical case may be chosen from: those the user reads
    (visits.selectors: about a child they read; counselling only for its readers), live, of
    the kinds in CASE_KINDS; with `query`, about a child whose name contains it. Those with
    the most written first."""
    kinds = [k for k in CASE_KINDS if k != CareRecord.Kind.COUNSELLING or user.reads_counselling]
    records = (
        records_visible_to(user=user)
        .live()
        .filter(kind__in=kinds, occurred_on__gte=period.start, occurred_on__lte=period.end)
    )
    if query.strip():
        records = records.filter(
            Exists(
                CareRecord.pupils.through.objects.filter(
                    carerecord=OuterRef("pk"), pupil__name__contains=query.strip()
                )
            )
        )
    written = Length("content") + Length("problems") + Length("measures")
    return records.alias(written=written).order_by("-written", "-occurred_on", "-pk")


def case_choices(
    *, user: User, period: Period, query: str = "", chosen: int | None = None
) -> list[tuple[int, str]]:
    """The picker's list: the first CASE_CHOICES candidates (and the chosen record), each as
    "11月3日 家访 王小明（三年级）：its first words". Two queries."""
    records = list(
        case_candidates(user=user, period=period, query=query)
        .prefetch_related(Prefetch("pupils", queryset=Pupil.objects.select_related("school_class")))
        .select_related(None)
        .only("pk", "kind", "occurred_on", "content")[:CASE_CHOICES]
    )
    if chosen and all(record.pk != chosen for record in records):
        records += list(
            case_candidates(user=user, period=period)
            .filter(pk=chosen)
            .prefetch_related(
                Prefetch("pupils", queryset=Pupil.objects.select_related("school_class"))
            )
        )
    choices = []
    for record in records:
        children = "、".join(
            f"{pupil.name}（{pupil.school_class.name}）" if pupil.school_class else pupil.name
            for pupil in record.pupils.all()
        )
        choices.append(
            (
                record.pk,
                _("%(month)d月%(day)d日 %(kind)s %(children)s：%(words)s")
                % {
                    "month": record.occurred_on.month,
                    "day": record.occurred_on.day,
                    "kind": record.get_kind_display(),
                    "children": children,
                    "words": record.content[:24] + ("…" if len(record.content) > 24 else ""),
                },
            )
        )
    return choices


def shown_name(report: TermReport, name: str) -> str:
    """The child's name as the principal chose to show it: 全名, 王某某, or her alias."""
    if report.case_naming == TermReport.Naming.FULL:
        return name
    if report.case_naming == TermReport.Naming.ALIAS and report.case_alias.strip():
        return report.case_alias.strip()
    return name[:1] + _("某某")


def case_child(record: CareRecord) -> Pupil | None:
    """The child a case is about: the record's first (one query)."""
    return record.pupils.select_related("school_class").order_by("pk").first()


def typical_case(report: TermReport, period: Period) -> TypicalCase | None:
    """The chosen record as the summary tells it: the child named as chosen, situation and
    grade, no ID or phone numbers, no address, and the term's care of the child; None when
    none is chosen (or it was voided). Four queries."""
    if report.case_record_id is None:
        return None
    record = CareRecord.objects.filter(pk=report.case_record_id, voided_at=None).first()
    pupil = record and case_child(record)
    if pupil is None:
        return None
    name = shown_name(report, pupil.name)

    def told(text: str) -> str:
        text = LONG_NUMBER.sub(_("（略）"), text.strip())
        if name != pupil.name:
            # The full name first, then a given name of two characters as teachers write it.
            for said in (pupil.name, pupil.name[1:]) if len(pupil.name) > 2 else (pupil.name,):
                text = text.replace(said, name)
        return text

    situation = [str(AWAY[pupil.left_behind])] if pupil.left_behind in AWAY else []
    if pupil.guardianship_type in CARED_BY:
        situation.append(str(CARED_BY[pupil.guardianship_type]))
    kinds = dict(CareRecord.Kind.choices)
    # Counselling stays confidential: not even how often, in a document about one child.
    care = [
        (str(kinds[kind]), n)
        for kind, n in CareRecord.objects.live()
        .filter(pupils=pupil, occurred_on__gte=period.start, occurred_on__lte=period.end)
        .exclude(kind=CareRecord.Kind.COUNSELLING)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    ]
    return TypicalCase(
        record=record.pk,
        name=name,
        gender=str(pupil.get_gender_display()) if pupil.gender else "",
        grade=str(GRADE_NAMES.get(pupil.school_class.grade, "")) if pupil.school_class else "",
        situation="，".join(situation),
        kind=str(record.get_kind_display()),
        occurred_on=record.occurred_on,
        content=told(record.content),
        problems=told(record.problems),
        measures=told(record.measures),
        care=care,
    )


def _archives(visits_by_class: list[dict]) -> Archives:
    """建档率 and 完整率 of the left-behind children, as counted by _visits_by_class."""
    total, archived, complete = (
        sum(row[key] for row in visits_by_class) for key in ("children", "archived", "complete")
    )
    return Archives(total=total, archived=archived, complete=complete, rate=pct(complete, archived))


def _previous(school: School, period: Period) -> Headline | None:
    """The last term's headline figures, counted as of its end; None before the first term."""
    term = Term.objects.previous(school.pk, period.start)
    if term is None:
        return None
    return term_numbers(school=school, period=term.period, with_previous=False).headline


PLANS = gettext_lazy(
    "1、及时更新留守儿童档案和联系卡，做到底数清、情况明。\n"
    "2、落实结对帮扶，做到每名留守儿童都有帮扶教师，帮扶有计划、有记录、有检查。\n"
    "3、坚持每月谈心、亲情电话，每学期至少家访一次，做到“五必访”。\n"
    "4、加强心理健康教育，做到心理上疏导、生活上指导、学习上辅导、行为上引导。\n"
    "5、把关爱留守儿童工作纳入教师考核，常抓不懈。"
)


def default_texts(*, school: School, term: Term, numbers: TermNumbers) -> dict[str, Any]:
    """The paragraphs a new summary starts with, drafted from the data (reports.drafts); 五、下步
    工作打算 from the next term's plan when there is one (one query)."""
    return {
        "title": _("%(school)s%(term)s关爱留守儿童工作总结")
        % {"school": numbers.school, "term": term},
        "preamble": _(
            "为了给留守儿童营造健康成长的良好环境，本学期我校认真落实关爱留守儿童的各项制度，"
            "现将%(term)s关爱留守儿童工作总结如下。"
        )
        % {"term": term},
        "measures_note": "",
        "plans": next_term_plan_text(term=term) or str(PLANS),
        # Written at the term's end: a past term's summary is not dated today.
        "signed_on": min(timezone.localdate(), term.end_date),
        **text_drafts(school=school, term=term, numbers=numbers),
    }


def text_drafts(*, school: School, term: Term, numbers: TermNumbers) -> dict[str, str]:
    """领导小组 from the staff, 三、取得的成绩 (beside the last term's figures the numbers
    carry), 四、存在的问题 and the closing paragraph, drafted from the data. One query."""
    staff = list(
        User.objects.filter(school=school, is_active=True).only("full_name", "username", "roles")
    )

    def named(role: str) -> list[str]:
        return [str(user) for user in staff if role in user.roles]

    return drafts.draft_texts(
        numbers=numbers,
        staff=drafts.Staff(
            principals=named(Role.PRINCIPAL),
            moral_leads=named(Role.MORAL_LEAD),
            counsellors=named(Role.COUNSELLOR),
        ),
    )


def term_report_of(*, school: School, term: Term, numbers: TermNumbers | None = None) -> TermReport:
    """The term's summary; until the principal saves one, an unsaved summary with the default
    paragraphs, drafted from the numbers (counted now unless given). One query if saved."""
    report = TermReport.objects.filter(school=school, term=term).first()
    if report is None:
        numbers = numbers or term_numbers(school=school, period=term.period)
        report = TermReport(
            school=school, term=term, **default_texts(school=school, term=term, numbers=numbers)
        )
    return report


def report_texts(report: TermReport) -> dict[str, str]:
    """The paragraphs as the document reads them and a version keeps them (JSON)."""
    return {
        name: (value.isoformat() if name == "signed_on" else value)
        for name in TermReport.TEXT_FIELDS
        if (value := getattr(report, name)) is not None
    } | {"sections": dict(report.sections or {})}


def document_now(*, school: School, term: Term) -> str:
    """The summary's document from the data and the paragraphs as they stand now."""
    numbers = term_numbers(school=school, period=term.period)
    report = term_report_of(school=school, term=term, numbers=numbers)
    numbers = summary_numbers(numbers, school=school, period=term.period, report=report)
    return document_html(numbers=numbers, texts=report_texts(report))


@dataclass
class Comparison:
    older: TermReportVersion
    newer: TermReportVersion | None  # None: the data and paragraphs as they stand now
    rows: list[tuple[str, str]]  # the lines that differ, older beside newer, changes marked


def version_comparison(*, version: TermReportVersion, to: str) -> Comparison:
    """The version beside another version of its summary (`to` its pk, else 404) or beside
    the document as it stands now (`to` "now")."""
    report = version.report
    if to == "now":
        older, newer = version, None
        newer_html = document_now(school=report.school, term=report.term)
    else:
        try:
            other = report.versions.get(pk=int(to))
        except (ValueError, TermReportVersion.DoesNotExist) as exc:
            raise Http404 from exc
        older, newer = sorted((version, other), key=lambda item: item.number)
        newer_html = document_html(numbers=newer.printed_numbers, texts=newer.texts)
    older_html = document_html(numbers=older.printed_numbers, texts=older.texts)
    return Comparison(older, newer, compare.rows(compare.changes(older_html, newer_html)))


def versions_of(report: TermReport) -> QuerySet[TermReportVersion]:
    """The summary's generated versions, newest first (none while it is unsaved)."""
    if report.pk is None:
        return TermReportVersion.objects.none()
    return report.versions.select_related("created_by")


def terms_with_reports(*, school_id: int) -> QuerySet[Term]:
    """The school's terms that have begun, newest first, with their number of versions."""
    return (
        Term.objects.of_school(school_id)
        .filter(start_date__lte=timezone.localdate())
        .annotate(versions=Count("reports__versions"))
    )


@dataclass
class Dashboard:
    numbers: TermNumbers  # the dashboard's figures only (term_numbers without `summary`)
    period: Period  # the term, or the last 120 days before any term
    months: list[tuple[str, int]]
    overdue_events: int
    no_contact: int
    no_contact_days: int
    talks_met: int
    open_emergencies: list[Emergency]
    events: list[KindReach]  # the term's events by kind, and the children each kind reached
    event_children: int  # children who joined any of them
    event_quotas: list[QuotaLine]  # the school's event quotas this term (none outside a term)
    rooms: RoomsTerm  # the 留守儿童之家 and 亲情聊天室 in the period


def dashboard(*, school: School, today: datetime.date) -> Dashboard:
    """The principal's live view: the term's numbers, records by month, what is overdue."""
    term = Term.objects.current(school.pk, today)
    if term is None:
        period = Period(today - datetime.timedelta(days=120), today, _("最近120天"))
    else:
        period = term.period
    settings = CareSettings.for_school(school)
    cutoff = today - datetime.timedelta(days=settings.no_contact_days)
    # One walk of the children in care, from its index alone: of the left-behind,
    # those visited at home this term (the figures' 未家访) and, by their kept dates, those
    # not contacted since the cutoff and those talked with this month; and the 困境儿童 the
    # figures count.
    children, needy = _children_in_care(
        school,
        period,
        None if term is None else term.pk,
        today,
        no_contact=~reached_by_kept_dates(cutoff),
        talks_met=reached_by_kept_dates(month_of(today).start, CareRecord.Kind.TALK),
    )
    numbers = term_numbers(
        school=school,
        period=period,
        with_previous=False,
        summary=False,
        term=term,
        children=children,
        needy=needy,
    )
    spans, day = [], month_of(today - datetime.timedelta(days=150)).start
    while day <= today:
        spans.append(month_of(day))
        day = spans[-1].end + datetime.timedelta(days=1)
    # From the school's day counts: a few rows a day, not five months of records.
    by_month = day_counts(school.pk, spans[0].start, spans[-1].end).aggregate(
        **{
            f"m{index}": Sum("records", filter=Q(day__range=(span.start, span.end)), default=0)
            for index, span in enumerate(spans)
        }
    )
    months = [(f"{span.start:%Y-%m}", by_month[f"m{index}"]) for index, span in enumerate(spans)]
    return Dashboard(
        numbers=numbers,
        period=period,
        months=months,
        overdue_events=WatchEvent.objects.filter(school=school).overdue(today).count(),
        no_contact=children["no_contact"],
        no_contact_days=settings.no_contact_days,
        talks_met=children["talks_met"],
        open_emergencies=list(
            Emergency.objects.filter(school=school, closed_at=None).order_by("-occurred_at")[:10]
        ),
        events=reach_by_kind(school_id=school.pk, period=period),
        # From the events' links to their children, not a walk of the school's pupils
        # (NOT_PENDING).
        event_children=Event.pupils.through.objects.filter(
            event__in=events_in(school_id=school.pk, period=period)
        ).aggregate(n=Count("pupil", distinct=True))["n"],
        event_quotas=[] if term is None else school_overview(school_id=school.pk, period=period),
        rooms=rooms_in(school_id=school.pk, period=period, today=today),
    )


# --- the teachers' work table (考核) ----------------------------------------------------------

TABLE_KINDS = (
    CareRecord.Kind.TALK,
    CareRecord.Kind.HOME_VISIT,
    CareRecord.Kind.PHONE_VISIT,
    CareRecord.Kind.FAMILY_CALL,
    CareRecord.Kind.DIARY,
    CareRecord.Kind.TUTORING,
)
TABLE_KIND_LABELS = [CareRecord.Kind(kind).label for kind in TABLE_KINDS]


@dataclass
class TeacherRow:
    teacher: User
    classes: str
    pairs: int
    records: dict[str, int]  # kind: records this term
    other_records: int
    visited: int  # children visited at home this term
    wanted_visits: int
    overdue: int  # overdue 五必访 of the teacher's class and paired children
    events_led: int = 0  # the term's events the teacher led (主持)
    # The term's events their classes' quotas ask for: held (at most the number wanted, kind by
    # kind, so that a third parents' meeting does not make up for no safety lesson) and wanted.
    quota_events: int = 0
    quota_wanted: int = 0

    @property
    def visits_met(self) -> bool:
        return self.visited >= self.wanted_visits

    @property
    def quotas_met(self) -> bool:
        return self.quota_events >= self.quota_wanted

    @property
    def total(self) -> int:
        return sum(self.records.values()) + self.other_records


def _share_elapsed(period: Period, today: datetime.date) -> float:
    """How much of the period has gone by today: 1 once it has ended."""
    if today >= period.end:
        return 1.0
    if today < period.start:
        return 0.0
    return ((today - period.start).days + 1) / ((period.end - period.start).days + 1)


def _months_so_far(period: Period, today: datetime.date) -> int:
    """Calendar months of the term up to today: the teacher's monthly visits add up."""
    end = min(today, period.end)
    if end < period.start:
        return 0
    return (end.year - period.start.year) * 12 + end.month - period.start.month + 1


def _among(field: str, ids: list[int] | QuerySet | None) -> Q:
    """`field` is one of `ids`; anything when None (the whole school, not a long IN list)."""
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def _children_waiting_for_a_visit(
    school: School,
    period: Period,
    today: datetime.date,
    teachers: list[int] | None,
    classes: dict[int, int],
) -> Counter:
    """Per teacher of `teachers` (None: all), the enrolled left-behind children of the classes
    they head (`classes`: each class's head, those of `teachers`) and those paired with them
    in other classes whom nobody has visited at home in the period. Two queries, each starting
    from the teachers' classes or pairs; while the period runs to today, each child's visit is
    its kept date (reached_by_kept_dates), not a look-up of its records (its few dozen links,
    for each child of the page's classes and pairs: 28 ms at 20,000 pupils on PostgreSQL)."""
    if period.end >= today:
        visited = reached_by_kept_dates(period.start, CareRecord.Kind.HOME_VISIT)
    else:
        visited = Q(
            Exists(
                CareRecord.objects.live().filter(
                    kind=CareRecord.Kind.HOME_VISIT,
                    occurred_on__gte=period.start,
                    occurred_on__lte=period.end,
                    pupils=OuterRef("pk"),
                )
            )
        )
    unvisited = Pupil.objects.left_behind_enrolled().exclude(visited)
    children = unvisited.filter(school=school)
    if teachers is None:
        headed = children.filter(school_class__head_teacher__isnull=False)
        counts: Counter = Counter(
            dict(
                headed.values_list("school_class__head_teacher").annotate(n=Count("pk")).order_by()
            )
        )
    else:
        # The page's classes as a list of keys, counted by class: with a subquery or a join to
        # the classes, SQLite walked the school's enrolled pupils (or every headed class's).
        # Not by school too (the classes are the school's): beside it, SQLite without
        # statistics walked the school's enrolled pupils by the list's filter index instead.
        counts = Counter()
        for school_class, n in (
            unvisited.filter(school_class__in=list(classes))
            .values_list("school_class")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[classes[school_class]] += n
    counts.update(
        dict(
            Pair.objects.active_teacher()
            .filter(
                _among("teacher", teachers),
                Exists(children.filter(pk=OuterRef("pupil"))),
                school=school,
            )
            .exclude(teacher=F("pupil__school_class__head_teacher"))
            .values_list("teacher")
            .annotate(n=Count("pupil", distinct=True))
            .order_by()
        )
    )
    return counts


def teacher_table(
    *,
    school: School,
    period: Period,
    today: datetime.date,
    teachers: list[User] | None = None,
) -> list[TeacherRow]:
    """Per teacher who answers for children (or of `teachers`, a page of them): pairs, the
    term's records by kind, children visited at home against the school's monthly number,
    overdue 五必访, the events they led and their classes' event quotas held against wanted.
    A fixed number of queries, whatever the school's size; with `teachers`, the database
    counts for those teachers only."""
    ids = None if teachers is None else [teacher.pk for teacher in teachers]
    if ids is None:
        records = _records(school.pk, period)
    else:
        # A page's teachers are the school's staff: the author index finds their records, where
        # the school's date index would read the whole term's (24 ms against 1 at 20,000 pupils).
        records = CareRecord.objects.live().filter(
            author__in=ids, occurred_on__gte=period.start, occurred_on__lte=period.end
        )
    by_kind: dict[int, dict[str, int]] = {}
    for author, kind, n in records.values_list("author", "kind").annotate(n=Count("pk")).order_by():
        by_kind.setdefault(author, {})[kind] = n
    visited = dict(
        records.filter(kind=CareRecord.Kind.HOME_VISIT)
        .values_list("author")
        .annotate(n=Count("pupils", distinct=True))
        .order_by()
    )
    pairs = dict(
        Pair.objects.active_teacher()
        .filter(_among("teacher", ids), school=school)
        .values_list("teacher")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overdue_events = WatchEvent.objects.filter(
        _among("pupil__school_class__head_teacher", ids),
        school=school,
        answered_by=None,
        due_on__lt=today,
    )
    overdue: dict[int, int] = {}
    for teacher, n in (
        overdue_events.values_list("pupil__school_class__head_teacher")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        overdue[teacher] = overdue.get(teacher, 0) + n
    # A pair teacher answers for a paired child's overdue visits too, unless already counted
    # as the child's head teacher.
    for teacher, n in (
        Pair.objects.active_teacher()
        .filter(
            _among("teacher", ids),
            school=school,
            pupil__watch_events__answered_by=None,
            pupil__watch_events__due_on__lt=today,
        )
        .exclude(teacher=F("pupil__school_class__head_teacher"))
        .values_list("teacher")
        .annotate(n=Count("pupil__watch_events"))
        .order_by()
    ):
        overdue[teacher] = overdue.get(teacher, 0) + n
    classes: dict[int, list[SchoolClass]] = {}
    heads: dict[int, int] = {}  # every class of theirs, closed ones too: their pupils wait
    for pk, head, grade, number, active in SchoolClass.objects.filter(
        _among("head_teacher", ids), school=school, head_teacher__isnull=False
    ).values_list("pk", "head_teacher", "grade", "number", "is_active"):
        heads[pk] = head
        if active:
            classes.setdefault(head, []).append(SchoolClass(pk=pk, grade=grade, number=number))
    led = dict(
        events_in(school_id=school.pk, period=period)
        .filter(_among("led_by", ids))
        .values_list("led_by")
        .annotate(n=Count("pk"))
        .order_by()
    )
    quotas = quota_status(
        school_id=school.pk,
        period=period,
        classes=[school_class for headed in classes.values() for school_class in headed],
    ).classes
    settings = CareSettings.for_school(school)
    wanted = settings.teacher_visits_per_month * _months_so_far(period, today)
    # Never more than the teacher's class and pairs need: the children they visited and those
    # nobody has visited yet, each once a term, as far as the term has gone.
    waiting = (
        _children_waiting_for_a_visit(school, period, today, ids, heads)
        if settings.home_visits_per_term
        else None
    )
    elapsed = _share_elapsed(period, today)
    rows = []
    for teacher in answering_teachers(school.pk) if teachers is None else teachers:
        kinds = by_kind.get(teacher.pk, {})
        counts = [
            count
            for school_class in classes.get(teacher.pk, [])
            for count in quotas[school_class.pk]
        ]
        rows.append(
            TeacherRow(
                teacher=teacher,
                classes="、".join(
                    school_class.name for school_class in classes.get(teacher.pk, [])
                ),
                pairs=pairs.get(teacher.pk, 0),
                records={kind: kinds.get(kind, 0) for kind in TABLE_KINDS},
                other_records=sum(n for kind, n in kinds.items() if kind not in TABLE_KINDS),
                visited=visited.get(teacher.pk, 0),
                wanted_visits=(
                    wanted
                    if waiting is None
                    else min(
                        wanted,
                        math.ceil((visited.get(teacher.pk, 0) + waiting[teacher.pk]) * elapsed),
                    )
                ),
                overdue=overdue.get(teacher.pk, 0),
                events_led=led.get(teacher.pk, 0),
                quota_events=sum(min(count.done, count.wanted) for count in counts),
                quota_wanted=sum(count.wanted for count in counts),
            )
        )
    return rows
