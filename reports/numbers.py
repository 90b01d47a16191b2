"""The numbers a term summary prints, typed. A generated version stores them as JSON
(to_json) and lays its document out again from that JSON (from_json), so both keep the shape
that versions have always been stored in."""

import dataclasses
import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Counted:
    """Left-behind children in a category or of a guardianship type (统计表's column)."""

    key: str
    label: str
    n: int


@dataclass(frozen=True)
class Grade:
    grade: int
    name: str
    classes: int
    pupils: int
    away: int  # left-behind
    both: int
    single: int
    share: float | None  # left-behind among the grade's pupils, in %


@dataclass(frozen=True)
class Basic:
    """一、基本情况: enrolled pupils, and the left-behind among them."""

    pupils: int
    classes: int
    away: int
    share: float | None
    boys: int
    girls: int
    both: int
    single: int
    boarding: int
    categories: list[Counted]
    guardianship: list[Counted]
    grades: list[Grade]


@dataclass(frozen=True)
class Archives:
    """建档率 (left-behind children with an archive ÷ left-behind children) and 完整率
    (complete archives ÷ archives), as the schools define them."""

    total: int  # left-behind children
    complete: int  # of their archives, the complete ones
    rate: float | None  # 完整率, in % (versions stored before printed it as 建档率)
    archived: int | None = None  # with an archive; None in versions stored before: all of them

    @property
    def filed(self) -> int:
        return self.total if self.archived is None else self.archived

    @property
    def filing_rate(self) -> float | None:
        """建档率, in %."""
        return round(100 * self.filed / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Pairing:
    # The pairs, their checks and the idle ones are the summary's: None where only the
    # dashboard's figures were counted (term_numbers without `summary`).
    teacher_pairs: int | None
    teachers: int | None
    buddies: int | None
    volunteers: int | None
    covered: int  # left-behind children with a teacher pair
    coverage: float | None
    formed_in_term: int | None
    checks: int | None  # every check of a pair in the term
    idle: int | None  # pairs with no care for too long
    school_checks: int | None = None  # by the leadership (None in versions stored before)
    own_checks: int | None = None  # by the pair teachers themselves


@dataclass(frozen=True)
class KindCount:
    """A kind of care record in the term: the records, and the children they reached."""

    kind: str
    label: str
    records: int
    children: int


@dataclass(frozen=True)
class GuideCount:
    """One of 四导, and the term's records that gave it."""

    key: str
    label: str
    records: int


@dataclass(frozen=True)
class Programme:
    """资助 of one programme (两免一补, 生活补助, 社会捐助 …) in the term: each child once."""

    label: str
    children: int
    records: int
    amount: Decimal  # 元, as the records wrote it


@dataclass(frozen=True)
class Care:
    """二、主要工作措施: what was done in the term."""

    kinds: list[KindCount]
    records: int
    guides: list[GuideCount]
    assistance_people: int
    assistance_amount: Decimal  # 元
    not_visited: int
    # The summary's (None where only the dashboard's figures were counted).
    not_visited_names: list[str] | None
    watch_events: int | None
    watch_answered: int | None
    programmes: list[Programme] | None = None  # None in versions stored before

    @property
    def by_kind(self) -> dict[str, KindCount]:
        return {row.kind: row for row in self.kinds}


@dataclass(frozen=True)
class Safety:
    emergencies: int
    emergencies_closed: int
    emergencies_open: int  # whenever they happened
    dropout_cases: int  # children watched (控辍保学) in the term
    dropout_returned: int
    dropout_open: int
    # Out of school on the day the figures are counted, by the dropout watch: the one source of
    # 义务教育阶段辍学 (None in versions stored before).
    dropped_out: int | None = None
    # Pupils at school whose archive is marked 辍学 with no case in the watch, to be checked.
    flagged_unwatched: int | None = None


@dataclass(frozen=True)
class ClassBelowQuota:
    """A class where not every left-behind child had a home visit in the term."""

    label: str
    children: int
    visited: int


@dataclass(frozen=True)
class Census:
    """The term's last closed census round (摸底普查): what it found."""

    name: str
    closed_on: datetime.date
    left_behind_at_close: int
    newly_left_behind: int
    no_longer_left_behind: int
    type_changed: int
    joined: int
    left: int


@dataclass(frozen=True)
class Needy:
    """困境儿童（非留守）: enrolled children in care for a difficulty category the school chose,
    not left-behind; their own group, beside the left-behind figures and never in them."""

    children: int
    categories: list[Counted]  # each chosen category: its children in the group
    paired: int  # with a teacher pair, as the pairing board counts them
    visited: int  # with a home visit in the term
    talked: int  # with a talk in the term


@dataclass(frozen=True)
class Headline:
    """The figures a term is compared with the last by (三、取得的成绩)."""

    term: str
    away: int
    coverage: float | None  # left-behind children with a teacher pair, in %
    visited: int  # left-behind children visited at home in the term
    visited_share: float | None  # of the left-behind children, in %
    visits_per_child: float | None  # home visits per left-behind child
    family_calls: int
    called: int  # children who talked with their parents away (亲情电话)
    emergencies: int
    dropped_out: int | None


@dataclass(frozen=True)
class Inspection:
    """检查考核: the teachers of the work table (reports.selectors.teacher_table), as of the
    term's end, and those who did all that was wanted of them (home visits, event quotas)."""

    teachers: int
    complete: int
    visits_short: int  # visited fewer children at home than wanted
    quotas_short: int  # their classes held fewer of the events the quotas ask for

    @property
    def short(self) -> int:
        return self.teachers - self.complete


@dataclass(frozen=True)
class SafetyEducation:
    """安全教育 events of the term, the left-behind children they reached, and the 安全/监护
    责任书 signed with guardians at the term's events (Event.letters_signed)."""

    lessons: int
    children: int
    letters: int


@dataclass(frozen=True)
class TypicalCase:
    """典型案例: the care record the principal chose, as the summary may tell it: the child
    by the name she chose to show, no ID numbers, phones or addresses."""

    record: int  # the CareRecord's pk (the case text is redrafted from it)
    name: str  # as shown: 全名, 王某某 or an alias
    gender: str
    grade: str
    situation: str  # 父母均在外务工，由祖父母监护
    kind: str
    occurred_on: datetime.date
    content: str
    problems: str
    measures: str
    # The term's care of the child, kind by kind: ("家访", 2), ("谈心", 5) …
    care: list[tuple[str, int]] = dataclasses.field(default_factory=list)


# The figures added after versions were first stored: (section, key), None for the top level.
ADDED_FIGURES = (
    ("archives", "archived"),
    ("pairing", "school_checks"),
    ("pairing", "own_checks"),
    ("care", "programmes"),
    ("safety", "dropped_out"),
    ("safety", "flagged_unwatched"),
    (None, "as_of"),
    (None, "previous"),
    (None, "inspection"),
    (None, "safety_education"),
    (None, "case"),
)


@dataclass(frozen=True)
class TermNumbers:
    school: str
    term: str
    term_start: datetime.date
    term_end: datetime.date
    basic: Basic
    archives: Archives
    pairing: Pairing
    care: Care
    safety: Safety
    classes_below_quota: list[ClassBelowQuota]
    problems: list[str]  # 四、存在的问题, drafted from the numbers
    census: Census | None = None  # versions stored before census rounds have none
    needy: Needy | None = None  # None: the school cares for the left-behind only
    as_of: datetime.date | None = None  # 数据截至: the term's end, or the day it was counted
    previous: Headline | None = None  # the last term's figures, where there is one
    # The summary's own (selectors.summary_numbers), not the dashboard's: None elsewhere.
    inspection: Inspection | None = None
    safety_education: SafetyEducation | None = None
    case: TypicalCase | None = None

    @property
    def headline(self) -> Headline:
        basic, kinds = self.basic, self.care.by_kind
        visits, calls = kinds["home_visit"], kinds["family_call"]
        return Headline(
            term=self.term,
            away=basic.away,
            coverage=self.pairing.coverage,
            visited=visits.children,
            visited_share=round(100 * visits.children / basic.away, 1) if basic.away else None,
            visits_per_child=round(visits.records / basic.away, 2) if basic.away else None,
            family_calls=calls.records,
            called=calls.children,
            emergencies=self.safety.emergencies,
            dropped_out=self.safety.dropped_out,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["term_start"] = self.term_start.isoformat()
        data["term_end"] = self.term_end.isoformat()
        data["care"]["assistance_amount"] = str(self.care.assistance_amount)
        for row in data["care"]["programmes"] or []:
            row["amount"] = str(row["amount"])
        if self.as_of is not None:
            data["as_of"] = self.as_of.isoformat()
        if self.case is not None:
            data["case"]["occurred_on"] = self.case.occurred_on.isoformat()
        # A figure versions stored before did not have stays out while it is None, so those
        # versions keep their shape.
        for section, key in ADDED_FIGURES:
            part = data if section is None else data[section]
            if part[key] is None:
                del part[key]
        if self.census is None:
            del data["census"]  # the shape of every version stored before census rounds
        else:
            data["census"]["closed_on"] = self.census.closed_on.isoformat()
        if self.needy is None:
            del data["needy"]  # and of every school that cares for the left-behind only
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TermNumbers":
        basic, care = data["basic"], data["care"]
        return cls(
            school=data["school"],
            term=data["term"],
            term_start=datetime.date.fromisoformat(data["term_start"]),
            term_end=datetime.date.fromisoformat(data["term_end"]),
            basic=Basic(
                **basic
                | {
                    "categories": [Counted(**row) for row in basic["categories"]],
                    "guardianship": [Counted(**row) for row in basic["guardianship"]],
                    "grades": [Grade(**row) for row in basic["grades"]],
                }
            ),
            archives=Archives(**data["archives"]),
            pairing=Pairing(**data["pairing"]),
            care=Care(
                **care
                | {
                    "kinds": [KindCount(**row) for row in care["kinds"]],
                    "guides": [GuideCount(**row) for row in care["guides"]],
                    "assistance_amount": Decimal(care["assistance_amount"]),
                    "programmes": (
                        None
                        if care.get("programmes") is None
                        else [
                            Programme(**row | {"amount": Decimal(row["amount"])})
                            for row in care["programmes"]
                        ]
                    ),
                }
            ),
            safety=Safety(**data["safety"]),
            classes_below_quota=[ClassBelowQuota(**row) for row in data["classes_below_quota"]],
            problems=list(data["problems"]),
            census=(
                Census(
                    **data["census"]
                    | {"closed_on": datetime.date.fromisoformat(data["census"]["closed_on"])}
                )
                if data.get("census")
                else None
            ),
            needy=(
                Needy(
                    **data["needy"]
                    | {"categories": [Counted(**row) for row in data["needy"]["categories"]]}
                )
                if data.get("needy")
                else None
            ),
            as_of=datetime.date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
            previous=Headline(**data["previous"]) if data.get("previous") else None,
            inspection=Inspection(**data["inspection"]) if data.get("inspection") else None,
            safety_education=(
                SafetyEducation(**data["safety_education"])
                if data.get("safety_education")
                else None
            ),
            case=(
                TypicalCase(
                    **data["case"]
                    | {
                        "occurred_on": datetime.date.fromisoformat(data["case"]["occurred_on"]),
                        "care": [tuple(row) for row in data["case"].get("care", [])],
                    }
                )
                if data.get("case")
                else None
            ),
        )
