"""Reads across schools: the county dashboard (各校关爱工作一览) and the 评比 table.

Every figure is counted for all the schools in the reader's reach at once, one grouped query
per measure (`values("school_id").annotate(...)`), never school by school: the page costs the
same queries for 2 schools as for 100. The rules are the schools' own (registry's LEFT_BEHIND
and in_care, pairing's has_teacher_pair, visits' watch_overdue and out_of_school; today's
pairing and archive completeness from the flags every write keeps, Pupil.teacher_paired and
archive_complete), so a school's row here shows what its own 工作概况 shows.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from caresys.lib.periods import Period
from county.models import AppraisalMeasure
from pairing.selectors import has_teacher_pair
from registry.models import (
    LEFT_BEHIND_ON_DAY,
    Pupil,
    Role,
    School,
    Term,
    Township,
    User,
    holding_role,
    needy_not_left_behind,
    status_read_from,
)
from registry.selectors import schools_visible_to
from reports.models import TermReport
from reports.selectors import pct
from visits.models import (
    CareRecord,
    DropoutCase,
    Emergency,
    WatchEvent,
    live_records,
    out_of_school,
    watch_late,
    watch_overdue,
)

# Without a term (none recorded yet) a school's "this term" is the last 120 days, as on its
# own dashboard.
NO_TERM_DAYS = 120


@dataclass
class Figures:
    """One school's (or a subtotal's) counts; the rates are computed from the counts, so a
    subtotal's rate is the township's, not an average of its schools' rates."""

    pupils: int = 0  # 在校学生
    left_behind: int = 0  # 留守儿童
    needy: int = 0  # 困境儿童（非留守）: in care for a category the school chose
    paired: int = 0  # left-behind children with a live teacher pair (the summary's covered)
    archives: int = 0  # left-behind children's archives
    complete: int = 0  # of which complete
    contacts: int = 0  # this term's care records × the children in care each reached
    home_visits: int = 0  # of which home visits
    watch_events: int = 0  # this term's 五必访
    watch_late: int = 0  # of which overdue or answered after the due date
    overdue: int = 0  # 五必访 overdue today (any term)
    open_emergencies: int = 0
    dropouts: int = 0  # children out of school today (控辍保学: 已辍学)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def in_care(self) -> int:
        return self.left_behind + self.needy

    @property
    def share(self) -> float | None:
        return pct(self.left_behind, self.pupils)

    @property
    def coverage(self) -> float | None:
        """结对覆盖率 over the left-behind children, as the school's own summary and 工作概况 count
        it (reports.selectors._pairing) and the roll-up adds it up; the per-child measures are
        over all children in care."""
        return pct(self.paired, self.left_behind)

    @property
    def archive_rate(self) -> float | None:
        return pct(self.complete, self.archives)

    @property
    def contacts_per_child(self) -> float | None:
        return round(self.contacts / self.in_care, 1) if self.in_care else None

    @property
    def visits_per_child(self) -> float | None:
        return round(self.home_visits / self.in_care, 2) if self.in_care else None

    @property
    def on_time(self) -> float | None:
        """五必访按时率: 1 − the share of the term's 五必访 overdue or answered late."""
        return pct(self.watch_events - self.watch_late, self.watch_events)

    @property
    def dropout_rate(self) -> float | None:
        """Children out of school per thousand pupils."""
        return round(1000 * self.dropouts / self.pupils, 2) if self.pupils else None


@dataclass
class SchoolRow:
    school: School
    term: Term | None
    period: Period
    figures: Figures = field(default_factory=Figures)


@dataclass
class TownshipGroup:
    township: Township | None
    rows: list[SchoolRow]

    @property
    def subtotal(self) -> Figures:
        return sum((row.figures for row in self.rows), Figures())


@dataclass
class MissingSummary:
    school: School
    term: Term | None
    principals: list[User]


@dataclass
class CountyBoard:
    today: datetime.date
    groups: list[TownshipGroup]
    missing_summaries: list[MissingSummary]

    @property
    def rows(self) -> list[SchoolRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def total(self) -> Figures:
        return sum((group.subtotal for group in self.groups), Figures())

    @property
    def terms(self) -> list[str]:
        """The terms shown (schools keep their own terms; usually one name for all)."""
        return list(dict.fromkeys(_term_name(row.term) for row in self.rows))


def _term_name(term: Term | None) -> str:
    if term is None:
        return _("最近%(days)s天") % {"days": NO_TERM_DAYS}
    return f"{term.school_year.name}{term.get_number_display()}"


def _schools_with_terms(user: User, today: datetime.date) -> list[SchoolRow]:
    """The schools in reach in township order, each with its current term (Term.objects.current:
    the term on the day, else the last that began before it). Two queries."""
    current = (
        Term.objects.filter(school_year__school=OuterRef("pk"), start_date__lte=today)
        .order_by("-start_date", "pk")
        .values("pk")[:1]
    )
    schools = list(
        schools_visible_to(user=user)
        .annotate(term_id=Subquery(current))
        .order_by("township__name", "township", "name", "pk")
    )
    terms = Term.objects.select_related("school_year").in_bulk(
        [school.term_id for school in schools if school.term_id]
    )
    rows = []
    for school in schools:
        term = terms.get(school.term_id)
        period = (
            term.period
            if term is not None
            else Period(today - datetime.timedelta(days=NO_TERM_DAYS), today, "")
        )
        rows.append(SchoolRow(school=school, term=term, period=period))
    return rows


def _per_setting(schools: Iterable[School], rule: Callable[[School], Q]) -> Q:
    """`rule` (a school's own filter of its pupils that depends on its care_categories) for
    every school's pupils: one Q per distinct setting, not per school (a county has a handful
    of settings). A school that chose no category matches no one (in_difficulty)."""
    by_setting: dict[tuple[str, ...], list[School]] = defaultdict(list)
    for school in schools:
        by_setting[tuple(sorted(school.care_categories or []))].append(school)
    condition = Q(pk__in=[])
    for setting, members in by_setting.items():
        if setting:
            condition |= Q(school_id__in=[s.pk for s in members]) & rule(members[0])
    return condition


def _needy_on_day(school: School) -> Q:
    return status_read_from(needy_not_left_behind(school), "left_behind_on")


def _in_term(rows: list[SchoolRow], date_field: str, prefix: str = "") -> Q:
    """Each school's own term, as one filter: a Q per distinct period (schools of a county
    share their term dates, so few)."""
    by_period: dict[tuple[datetime.date, datetime.date], list[int]] = defaultdict(list)
    for row in rows:
        by_period[(row.period.start, row.period.end)].append(row.school.pk)
    condition = Q(pk__in=[])
    for (start, end), ids in by_period.items():
        condition |= Q(
            **{
                f"{prefix}school_id__in": ids,
                f"{prefix}{date_field}__gte": start,
                f"{prefix}{date_field}__lte": end,
            }
        )
    return condition


def _grouped(queryset, key: str = "school_id", **counts) -> dict[int, dict]:
    """{school id: {name: count}}, one GROUP BY query. The annotations are prefixed: one named
    like a field (left_behind) would stand for the field in the next count's filter."""
    rows = queryset.values(key).annotate(**{f"n_{name}": count for name, count in counts.items()})
    return {row[key]: {name: row[f"n_{name}"] for name in counts} for row in rows.order_by()}


def _care_reached(rows: list[SchoolRow], in_care: QuerySet[Pupil]) -> dict[int, dict]:
    """This term's care: each live record once per child in care it reached, and the home
    visits among them. A school's term from its tallies (PupilTermTally: Σ records over the
    children's rows of the term); a school with no term yet from its records of the last 120
    days. One query (a UNION when schools of both sorts are in reach)."""
    term_ids = [row.term.pk for row in rows if row.term is not None]
    untermed = [row for row in rows if row.term is None]
    counted = []
    if term_ids:
        tallied = in_care.filter(tallies__term_id__in=term_ids)
        counted.append(
            tallied.values("school_id").annotate(
                n_contacts=Sum("tallies__records"),
                n_home_visits=Coalesce(
                    Sum(
                        "tallies__records",
                        filter=Q(tallies__kind=CareRecord.Kind.HOME_VISIT),
                    ),
                    0,
                ),
            )
        )
    if untermed:
        # From the children to their records: filtering the records' links by "child IN (the
        # children)" made SQLite probe the link index once per record and child.
        reached = in_care.filter(
            live_records("care_records__"),
            _in_term(untermed, "occurred_on", prefix="care_records__"),
        )
        counted.append(
            reached.values("school_id").annotate(
                n_contacts=Count("care_records"),
                n_home_visits=Count(
                    "care_records", filter=Q(care_records__kind=CareRecord.Kind.HOME_VISIT)
                ),
            )
        )
    if not counted:
        return {}
    query = counted[0].order_by()
    if len(counted) > 1:
        query = query.union(counted[1].order_by(), all=True)
    return {
        row["school_id"]: {"contacts": row["n_contacts"], "home_visits": row["n_home_visits"]}
        for row in query
    }


def county_board(*, user: User, today: datetime.date | None = None) -> CountyBoard:
    """The schools in the user's reach side by side, by township, with subtotals and a total,
    and the schools whose term summary has not been generated. Nine queries, whatever the
    number of schools or children."""
    today = today or timezone.localdate()
    rows = _schools_with_terms(user, today)
    schools = [row.school for row in rows]
    ids = [school.pk for school in schools]
    figures: dict[int, Figures] = {pk: Figures() for pk in ids}

    def put(counted: dict[int, dict]) -> None:
        for pk, values in counted.items():
            for name, value in values.items():
                setattr(figures[pk], name, value)

    # The children as their own dashboard counts them today (Pupil.objects.on_day).
    needy = _per_setting(schools, _needy_on_day)
    in_care = LEFT_BEHIND_ON_DAY | needy
    next_day = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    archived = LEFT_BEHIND_ON_DAY & Q(created_at__lt=next_day)
    children = Pupil.objects.filter(school_id__in=ids).on_day(today)
    # From the flags every write keeps (Pupil.teacher_paired, archive_complete), not by testing
    # each child's pairs and archive: a county's 100,000 children made this query most of the
    # page. The pairing flag is today's; a past day counts the pairs running then. An
    # archive's completeness has no dated history (archive_counts): the flag, whatever the day.
    counted, paired = children, Q(teacher_paired=True)
    if today < timezone.localdate():
        counted = children.annotate(has_teacher=has_teacher_pair(today))
        paired = Q(has_teacher=True)
    put(
        _grouped(
            counted,
            pupils=Count("pk"),
            left_behind=Count("pk", filter=LEFT_BEHIND_ON_DAY),
            needy=Count("pk", filter=needy),
            paired=Count("pk", filter=LEFT_BEHIND_ON_DAY & paired),
            archives=Count("pk", filter=archived),
            complete=Count("pk", filter=archived & Q(archive_complete=True)),
        )
    )
    put(_care_reached(rows, children.filter(in_care)))
    put(
        _grouped(
            WatchEvent.objects.filter(school_id__in=ids),
            overdue=Count("pk", filter=watch_overdue(today)),
            watch_events=Count("pk", filter=_in_term(rows, "noticed_on")),
            watch_late=Count("pk", filter=_in_term(rows, "noticed_on") & watch_late(today)),
        )
    )
    put(
        _grouped(
            Emergency.objects.filter(school_id__in=ids, closed_at=None),
            open_emergencies=Count("pk"),
        )
    )
    put(
        _grouped(
            DropoutCase.objects.filter(out_of_school(today), school_id__in=ids),
            dropouts=Count("pupil", distinct=True),
        )
    )
    for row in rows:
        row.figures = figures[row.school.pk]
    groups: dict[int | None, TownshipGroup] = {}
    for row in rows:
        key = row.school.township_id
        if key not in groups:
            groups[key] = TownshipGroup(township=row.school.township, rows=[])
        groups[key].rows.append(row)
    # Schools under no township last.
    ordered = sorted(groups.values(), key=lambda group: group.township is None)
    return CountyBoard(today=today, groups=ordered, missing_summaries=_missing_summaries(rows))


def _missing_summaries(rows: list[SchoolRow]) -> list[MissingSummary]:
    """The schools whose current term's summary has no generated version (TermReportVersion),
    with their principals to call. Two queries."""
    generated = set(
        TermReport.objects.filter(
            term_id__in=[row.term.pk for row in rows if row.term], versions__isnull=False
        )
        .values_list("term_id", flat=True)
        .distinct()
    )
    missing = [row for row in rows if row.term is None or row.term.pk not in generated]
    # The principals only, found by the database: loading every staff member of the missing
    # schools to test has_role was a county's 6,900 rows.
    staff = User.objects.filter(
        holding_role(Role.PRINCIPAL),
        school_id__in=[row.school.pk for row in missing],
        is_active=True,
    ).only("school_id", "full_name", "username", "phone", "roles")
    principals: dict[int, list[User]] = defaultdict(list)
    for person in staff.order_by("pk"):
        if person.has_role(Role.PRINCIPAL):
            principals[person.school_id].append(person)
    return [
        MissingSummary(school=row.school, term=row.term, principals=principals[row.school.pk])
        for row in missing
    ]


# --- 评比 ------------------------------------------------------------------------------------


@dataclass
class Scored:
    """A measure's value for a school and its score out of 100 (None: nothing to measure)."""

    value: float | None
    score: float | None


@dataclass
class AppraisalRow:
    rank: int | None  # None: 不参评
    row: SchoolRow
    scores: dict[str, Scored]
    total: float | None
    excluded: str | None = None  # why the school is not appraised (不参评)


def appraisal_weights() -> dict[str, int]:
    """The bureau's weights, each measure's default where it set none. One query."""
    stored = dict(AppraisalMeasure.objects.values_list("key", "weight"))
    return {
        key: stored.get(key, default) for key, default in AppraisalMeasure.DEFAULT_WEIGHTS.items()
    }


def _value(figures: Figures, key: str) -> float | None:
    return {
        AppraisalMeasure.Key.ARCHIVES: figures.archive_rate,
        AppraisalMeasure.Key.COVERAGE: figures.coverage,
        AppraisalMeasure.Key.CONTACTS: figures.contacts_per_child,
        AppraisalMeasure.Key.VISITS: figures.visits_per_child,
        AppraisalMeasure.Key.ON_TIME: figures.on_time,
        AppraisalMeasure.Key.DROPOUTS: figures.dropout_rate,
    }[key]


def _normalised(key: str, value: float | None, values: list[float]) -> float | None:
    """A measure as a score 0–100: a rate is its percentage; a count per child is scaled to
    the best school's (= 100); 辍学 (per thousand pupils, lower is better) scores 100 with
    none and 0 at the worst school's rate, in a straight line between."""
    if value is None:
        return None
    if key in AppraisalMeasure.RATES:
        return value
    worst_or_best = max(values, default=0)
    if key == AppraisalMeasure.Key.DROPOUTS:
        return 100.0 if not worst_or_best else round(100 * (1 - value / worst_or_best), 1)
    return round(100 * value / worst_or_best, 1) if worst_or_best else 0.0


def _not_appraised(figures: Figures) -> str | None:
    """Why a school takes no part in the 评比, or None. The 评比 weighs the care of children in
    care: a school with none has no care to weigh, and its 辍学 alone would rank it first (no
    dropouts: 100) or set the scale the others are scored on."""
    if not figures.pupils:
        return _("没有在校学生")
    if not figures.in_care:
        return _("没有关爱对象（留守儿童、困境儿童）")
    return None


def appraisal(*, board: CountyBoard, weights: dict[str, int] | None = None) -> list[AppraisalRow]:
    """The schools ranked by Σ weight × score ÷ Σ weight over the measures that apply to them
    (a school with no 五必访 this term is not scored on 按时率), highest first; ties share a
    rank. A school with nothing to appraise is listed last, unranked, with the reason (不参评),
    and its values set no measure's scale. No query but the weights' (one) when not given."""
    weights = weights if weights is not None else appraisal_weights()
    chosen = [key for key, weight in weights.items() if weight]
    excluded = {row.school.pk: _not_appraised(row.figures) for row in board.rows}
    taking_part = [row for row in board.rows if excluded[row.school.pk] is None]
    values = {
        key: [v for row in taking_part if (v := _value(row.figures, key)) is not None]
        for key in chosen
    }
    scored = []
    for row in board.rows:
        reason = excluded[row.school.pk]
        scores = {}
        for key in chosen:
            value = _value(row.figures, key)
            score = None if reason else _normalised(key, value, values[key])
            scores[key] = Scored(value, score)
        counted = [key for key in chosen if scores[key].score is not None]
        weight = sum(weights[key] for key in counted)
        total = (
            round(sum(weights[key] * scores[key].score for key in counted) / weight, 1)
            if weight
            else None
        )
        if total is None and reason is None:
            reason = _("所选指标均无数据")
        scored.append((row, scores, total, reason))
    scored.sort(key=lambda item: (item[3] is not None, -(item[2] or 0), item[0].school.name))
    ranked, previous, rank = [], None, 0
    for index, (row, scores, total, reason) in enumerate(scored, 1):
        if reason is not None:
            ranked.append(AppraisalRow(None, row, scores, None, excluded=reason))
            continue
        if total != previous:
            rank, previous = index, total
        ranked.append(AppraisalRow(rank=rank, row=row, scores=scores, total=total))
    return ranked


def pupils_in_reach(*, user: User):
    """The enrolled pupils of every school in the reader's reach, with what the national
    layouts print, school by school in class order (the county's 学籍 and 民政 exports)."""
    return (
        Pupil.objects.filter(
            school__in=schools_visible_to(user=user), status=Pupil.Status.ENROLLED
        )
        .select_related("school", "school_class", "guardian")
        .prefetch_related(Prefetch("parents", to_attr="prefetched_parents"))
        .order_by(
            "school__name", "school_id", "school_class__grade", "school_class__number",
            "name_pinyin", "pk",
        )
    )  # fmt: skip
