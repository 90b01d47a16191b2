"""The roll-up of a township's or the county's term: each school's figures as its own term
summary counts them (reports.selectors.term_numbers, as of the term's end), kept one row a
school (county.models.SchoolTermFigures, counted nightly and on 重新统计), and their sums.

Only counts are added up: a child, a teacher, a pair or a record belongs to one school, so the
schools' counts add without counting anyone twice. Rates are never averaged; each is computed
again from the summed counts (a small 教学点 at 100% does not weigh as much as a 中心学校)."""

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from county.models import RollupReport, RollupVersion, SchoolTermFigures
from registry.models import Role, School, Term, Township, User
from registry.selectors import schools_visible_to
from reports.drafts import numbered
from reports.numbers import Counted, TermNumbers
from reports.selectors import pct


@dataclass(frozen=True)
class Figures:
    """What the roll-up prints of one school, or of many summed: counts only (rates are
    properties, computed from them)."""

    pupils: int
    classes: int
    away: int  # left-behind children
    both: int
    single: int
    boys: int
    girls: int
    boarding: int
    archived: int  # left-behind children with an archive
    complete: int  # of those archives, the complete ones
    teacher_pairs: int
    teachers: int  # teachers in a pair
    covered: int  # left-behind children with a teacher pair
    buddies: int
    volunteers: int
    checks: int
    idle: int
    home_visits: int
    visited: int  # children visited at home
    talks: int
    talked: int
    family_calls: int
    called: int
    records: int  # care records of every kind
    assistance_people: int
    assistance_amount: Decimal  # 元
    not_visited: int
    watch_events: int
    watch_answered: int
    emergencies: int
    emergencies_open: int
    dropout_cases: int
    dropout_returned: int
    dropped_out: int
    needy: int  # 困境儿童（非留守）
    categories: tuple[Counted, ...] = ()
    guardianship: tuple[Counted, ...] = ()

    @property
    def share(self) -> float | None:
        """Left-behind children among the pupils, in %."""
        return pct(self.away, self.pupils)

    @property
    def filing_rate(self) -> float | None:
        """建档率, in %."""
        return pct(self.archived, self.away)

    @property
    def complete_rate(self) -> float | None:
        """完整率 of the archives, in %."""
        return pct(self.complete, self.archived)

    @property
    def coverage(self) -> float | None:
        """Left-behind children with a teacher pair, in %."""
        return pct(self.covered, self.away)

    @property
    def visited_share(self) -> float | None:
        return pct(self.visited, self.away)

    @property
    def visits_per_child(self) -> float | None:
        return round(self.home_visits / self.away, 2) if self.away else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["assistance_amount"] = str(self.assistance_amount)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Figures":
        return cls(
            **data
            | {
                "assistance_amount": Decimal(data["assistance_amount"]),
                "categories": tuple(Counted(**row) for row in data["categories"]),
                "guardianship": tuple(Counted(**row) for row in data["guardianship"]),
            }
        )


# The fields added up as they stand (every one but the labelled lists).
COUNTS = tuple(
    field.name
    for field in dataclasses.fields(Figures)
    if field.name not in ("categories", "guardianship")
)


def figures_of(numbers: TermNumbers) -> Figures:
    """The counts the roll-up takes from a school's term summary numbers."""
    basic, pairing, care, safety = numbers.basic, numbers.pairing, numbers.care, numbers.safety
    kinds = care.by_kind
    return Figures(
        pupils=basic.pupils,
        classes=basic.classes,
        away=basic.away,
        both=basic.both,
        single=basic.single,
        boys=basic.boys,
        girls=basic.girls,
        boarding=basic.boarding,
        archived=numbers.archives.filed,
        complete=numbers.archives.complete,
        teacher_pairs=pairing.teacher_pairs,
        teachers=pairing.teachers,
        covered=pairing.covered,
        buddies=pairing.buddies,
        volunteers=pairing.volunteers,
        checks=pairing.checks,
        idle=pairing.idle,
        home_visits=kinds["home_visit"].records,
        visited=kinds["home_visit"].children,
        talks=kinds["talk"].records,
        talked=kinds["talk"].children,
        family_calls=kinds["family_call"].records,
        called=kinds["family_call"].children,
        records=care.records,
        assistance_people=care.assistance_people,
        assistance_amount=care.assistance_amount,
        not_visited=care.not_visited,
        watch_events=care.watch_events,
        watch_answered=care.watch_answered,
        emergencies=safety.emergencies,
        emergencies_open=safety.emergencies_open,
        dropout_cases=safety.dropout_cases,
        dropout_returned=safety.dropout_returned,
        dropped_out=safety.dropped_out or 0,
        needy=numbers.needy.children if numbers.needy else 0,
        categories=tuple(basic.categories),
        guardianship=tuple(basic.guardianship),
    )


def _add_counted(lists: Iterable[Sequence[Counted]]) -> tuple[Counted, ...]:
    """Counted rows summed by key, in the order the first list that has a key gives."""
    totals: dict[str, Counted] = {}
    for rows in lists:
        for row in rows:
            seen = totals.get(row.key)
            totals[row.key] = dataclasses.replace(row, n=row.n + (seen.n if seen else 0))
    return tuple(totals.values())


def add_up(rows: Sequence[Figures]) -> Figures:
    """The sum of the schools' figures (nothing of no school): every count added."""
    return Figures(
        **{name: sum((getattr(row, name) for row in rows), start=0) for name in COUNTS}
        | {"assistance_amount": sum((row.assistance_amount for row in rows), start=Decimal(0))},
        categories=_add_counted(row.categories for row in rows),
        guardianship=_add_counted(row.guardianship for row in rows),
    )


# A school's row: its kept figures, none kept yet, or the school has no such term.
COUNTED, UNCOUNTED, NO_TERM = "counted", "uncounted", "no_term"


@dataclass(frozen=True)
class SchoolRow:
    """One school of the roll-up: its kept figures (county.models.SchoolTermFigures), or None
    when they are not counted yet (未统计) or the school has no such term (未建该学期).
    Dates as ISO strings, so that a version keeps the row as JSON."""

    school: str
    township: str
    kind: str
    figures: Figures | None
    state: str = COUNTED
    as_of: str | None = None  # the day counted as of
    counted_at: str | None = None  # when counted
    term_end: str | None = None
    stale: bool = False  # counted before its term ended, which has ended since

    @property
    def counted_time(self) -> datetime.datetime | None:
        return datetime.datetime.fromisoformat(self.counted_at) if self.counted_at else None

    @property
    def as_of_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.as_of) if self.as_of else None


@dataclass(frozen=True)
class Line:
    """A row of the roll-up's tables: a school's, a township's 小计, or the 合计."""

    label: str
    figures: Figures | None  # None: the school's are not counted or it has no such term
    kind: str  # "school", "subtotal" or "total"
    state: str = COUNTED  # a school's: why it has no figures


@dataclass(frozen=True)
class Rollup:
    """A township's or the county's term: each school's row, and their sum."""

    scope: str  # 白水镇 or the county
    year: str  # 2026—2027学年
    number: int  # 1 or 2
    term: str  # 2026—2027学年第一学期
    rows: list[SchoolRow]
    total: Figures

    @property
    def counted(self) -> list[SchoolRow]:
        return [row for row in self.rows if row.figures is not None]

    @property
    def missing(self) -> list[SchoolRow]:
        """The schools with no such term: listed, not counted."""
        return [row for row in self.rows if row.state == NO_TERM]

    @property
    def uncounted(self) -> list[SchoolRow]:
        """The schools with the term whose figures are not counted yet (未统计): listed, not
        summed."""
        return [row for row in self.rows if row.state == UNCOUNTED]

    @property
    def stale(self) -> list[SchoolRow]:
        """The schools whose figures were counted before the term ended (需重新统计)."""
        return [row for row in self.rows if row.stale]

    @property
    def as_of(self) -> datetime.date | None:
        """数据截至: the last day the schools' figures are counted as of."""
        return max((row.as_of_date for row in self.counted if row.as_of_date), default=None)

    @property
    def at_term_end(self) -> bool:
        """Every school's figures are as of its own term's end."""
        return all(row.as_of is not None and row.as_of == row.term_end for row in self.counted)

    @property
    def lines(self) -> list[Line]:
        """The tables' rows: each school's; after each township's schools its 小计 when the
        roll-up spans townships (the county's); last the 合计."""
        lines, townships = [], list(dict.fromkeys(row.township for row in self.rows))
        for township in townships:
            rows = [row for row in self.rows if row.township == township]
            lines += [Line(row.school, row.figures, "school", row.state) for row in rows]
            if len(townships) > 1:
                label = _("%(t)s小计") % {"t": township} if township else _("其他学校小计")
                counted = [row.figures for row in rows if row.figures is not None]
                lines.append(Line(label, add_up(counted), "subtotal"))
        return [*lines, Line(_("合计"), self.total, "total")]

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "year": self.year,
            "number": self.number,
            "term": self.term,
            "rows": [
                asdict(row) | {"figures": row.figures.to_json() if row.figures else None}
                for row in self.rows
            ],
            "total": self.total.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Rollup":
        return cls(
            **data
            | {
                "rows": [
                    SchoolRow(
                        **{"state": COUNTED if row["figures"] else NO_TERM}
                        | row
                        | {"figures": Figures.from_json(row["figures"]) if row["figures"] else None}
                    )
                    for row in data["rows"]
                ],
                "total": Figures.from_json(data["total"]),
            }
        )


def rollup_of(*, scope: str, year: str, number: int, term: str, rows: list[SchoolRow]) -> Rollup:
    """The roll-up of the rows given: the total is the sum of the schools counted."""
    counted = [row.figures for row in rows if row.figures is not None]
    return Rollup(
        scope=scope, year=year, number=number, term=term, rows=rows, total=add_up(counted)
    )


# --- reads -----------------------------------------------------------------------------------
# The roll-up's scope is the reader's: the bureau's is the county, a 中心学校 reader's their
# township. A report is reached when every school it sums is in the reader's reach.


def scope_of(user: User) -> Township | None:
    """The township whose roll-up the reader writes, None for the county; 403 for anyone
    else. A query for a township reader (their township)."""
    if user.has_role(Role.BUREAU):
        return None
    if user.has_role(Role.TOWNSHIP) and user.township_id is not None:
        return user.township
    raise PermissionDenied


def scope_name(township: Township | None) -> str:
    return township.name if township is not None else _("全县")


def schools_in(*, user: User, township: Township | None) -> QuerySet[School]:
    """The schools a roll-up of the scope sums, among those the reader reads, in print order."""
    schools = schools_visible_to(user=user)
    if township is not None:
        schools = schools.filter(township=township)
    return schools.select_related("township").order_by("township__name", "name", "pk")


def get_rollup_for_user(user: User, pk: int) -> RollupReport:
    """A roll-up the reader reaches (else 404): the bureau every one, a 中心学校 reader their
    township's; 403 for anyone who writes none."""
    township = scope_of(user)
    reports = RollupReport.objects.select_related("township")
    if township is not None:
        reports = reports.filter(township=township)
    try:
        return reports.get(pk=pk)
    except RollupReport.DoesNotExist as exc:
        raise Http404 from exc


def get_rollup_version_for_user(user: User, pk: int) -> RollupVersion:
    """A generated version of a roll-up the reader reaches (else 404)."""
    township = scope_of(user)
    versions = RollupVersion.objects.select_related("report__township")
    if township is not None:
        versions = versions.filter(report__township=township)
    try:
        return versions.get(pk=pk)
    except RollupVersion.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class TermAcross:
    """A term as the schools in scope have it (school year and number), and its roll-up."""

    year: str
    number: int
    label: str
    schools: int  # schools in scope with such a term
    start: datetime.date
    end: datetime.date
    report: RollupReport | None


def terms_across(
    *, user: User, township: Township | None, today: datetime.date
) -> list[TermAcross]:
    """The terms the scope's schools have begun by `today`, newest first, each with its
    roll-up if written. Two queries."""
    terms = (
        Term.objects.filter(
            school_year__school__in=schools_in(user=user, township=township),
            start_date__lte=today,
        )
        .values("school_year__name", "number")
        .annotate(
            schools=Count("school_year__school", distinct=True),
            start=Min("start_date"),
            end=Max("end_date"),
        )
        .order_by("-start", "-number")
    )
    reports = {
        (report.year, report.number): report
        for report in RollupReport.objects.filter(township=township).annotate(
            version_count=Count("versions")
        )
    }
    return [
        TermAcross(
            year=row["school_year__name"],
            number=row["number"],
            label=row["school_year__name"] + str(Term.Number(row["number"]).label),
            schools=row["schools"],
            start=row["start"],
            end=row["end"],
            report=reports.get((row["school_year__name"], row["number"])),
        )
        for row in terms
    ]


def rollup_numbers(
    *, schools: list[School], report: RollupReport, today: datetime.date | None = None
) -> Rollup:
    """Each school's kept figures for the report's term (`schools`: schools_in its scope, with
    their township) and their sums. One query, whatever the number of schools: the figures are
    counted beforehand (county.services.count_school_term)."""
    today = today or timezone.localdate()
    terms = {
        term.school_year.school_id: term
        for term in Term.objects.filter(
            school_year__school__in=[school.pk for school in schools],
            school_year__name=report.year,
            number=report.number,
        ).select_related("school_year", "figures")
    }
    rows = []
    for school in schools:
        term = terms.get(school.pk)
        kept: SchoolTermFigures | None = getattr(term, "figures", None) if term else None
        place = {
            "school": school.name,
            "township": school.township.name if school.township else "",
            "kind": school.get_kind_display(),
        }
        if term is None:
            rows.append(SchoolRow(**place, figures=None, state=NO_TERM))
        elif kept is None:
            rows.append(
                SchoolRow(
                    **place, figures=None, state=UNCOUNTED, term_end=term.end_date.isoformat()
                )
            )
        else:
            rows.append(
                SchoolRow(
                    **place,
                    figures=Figures.from_json(kept.figures),
                    as_of=kept.as_of.isoformat(),
                    counted_at=timezone.localtime(kept.counted_at).isoformat(),
                    term_end=term.end_date.isoformat(),
                    stale=kept.as_of < term.end_date < today,
                )
            )
    return rollup_of(
        scope=scope_name(report.township),
        year=report.year,
        number=report.number,
        term=report.year + str(report.get_number_display()),
        rows=rows,
    )


def terms_to_count(
    *,
    today: datetime.date,
    year: str | None = None,
    number: int | None = None,
    school: School | None = None,
) -> QuerySet[Term]:
    """The terms whose figures `count_term_figures` counts: with year and number, that term at
    every school (or `school`); else those running today, and those ended whose figures are
    missing or were counted before the end. With their school."""
    terms = Term.objects.select_related("school_year__school", "figures")
    if school is not None:
        terms = terms.filter(school_year__school=school)
    if year is not None or number is not None:
        terms = terms.filter(school_year__name=year, number=number)
    else:
        terms = terms.filter(start_date__lte=today).filter(
            Q(end_date__gte=today) | Q(figures__isnull=True) | Q(figures__as_of__lt=F("end_date"))
        )
    return terms.order_by("school_year__school__name", "start_date", "pk")


def default_texts(*, township: Township | None, year: str, number: int) -> dict[str, str]:
    """A new roll-up's title and issuer; the paragraphs are the writer's own."""
    return {
        "title": _("%(scope)s%(year)s%(term)s关爱留守儿童工作总结")
        % {"scope": scope_name(township), "year": year, "term": Term.Number(number).label},
        "issuer": (
            _("%(township)s中心学校") % {"township": township.name}
            if township is not None
            else _("县教育局")
        ),
    }


def report_texts(report: RollupReport) -> dict[str, str]:
    """The texts as a version keeps them (JSON: the date as ISO)."""
    texts = {name: getattr(report, name) for name in RollupReport.TEXT_FIELDS}
    texts["signed_on"] = report.signed_on.isoformat()
    return texts


# The document's parts in print order. 一 and 二 always print (the figures and tables); 三 prints
# when the writers wrote of problems or a school is left out of the sums; 四 when they wrote plans.
PARTS = (
    ("overview", gettext_lazy("总体情况")),
    ("measures", gettext_lazy("主要做法")),
    ("problems", gettext_lazy("存在问题")),
    ("plans", gettext_lazy("下步打算")),
)


def headings(*, rollup: Rollup, texts: dict[str, Any]) -> dict[str, str]:
    """{part: its numbered heading} for the parts printed: a part with nothing to print is left
    out with its heading, and the rest numbered over those kept, as the school's summary numbers
    its measures (reports.document.measures), so the 公文 reads 一、二、三 without a gap."""
    printed = {
        "overview": True,
        "measures": True,
        "problems": bool(texts.get("problems", "").strip() or rollup.uncounted or rollup.missing),
        "plans": bool(texts.get("plans", "").strip()),
    }
    chinese = (get_language() or "zh").startswith("zh")
    kept = [(key, heading) for key, heading in PARTS if printed[key]]
    return {
        key: (f"{numbered(index)}、" if chinese else f"{index}. ") + str(heading)
        for index, (key, heading) in enumerate(kept, 1)
    }


def document_html(*, rollup: Rollup, texts: dict[str, Any]) -> str:
    """The roll-up as one HTML document, in the term summary's 公文 layout."""
    return render_to_string(
        "county/rollup_document.html",
        {"r": rollup, "t": texts, "h": headings(rollup=rollup, texts=texts)},
    )
