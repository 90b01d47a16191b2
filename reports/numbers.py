"""The numbers a term summary prints, typed. A generated version stores them as JSON
(to_json) and lays its document out again from that JSON (from_json), so both keep the shape
that versions have always been stored in."""

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
    """建档率: left-behind children whose archive is complete."""

    total: int
    complete: int
    rate: float | None


@dataclass(frozen=True)
class Pairing:
    teacher_pairs: int
    teachers: int
    buddies: int
    volunteers: int
    covered: int  # left-behind children with a teacher pair
    coverage: float | None
    formed_in_term: int
    checks: int
    idle: int  # pairs with no care for too long


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
class Care:
    """二、主要工作措施: what was done in the term."""

    kinds: list[KindCount]
    records: int
    guides: list[GuideCount]
    assistance_people: int
    assistance_amount: Decimal  # 元
    not_visited: int
    not_visited_names: list[str]
    watch_events: int
    watch_answered: int

    @property
    def by_kind(self) -> dict[str, KindCount]:
        return {row.kind: row for row in self.kinds}


@dataclass(frozen=True)
class Safety:
    emergencies: int
    emergencies_closed: int
    emergencies_open: int  # whenever they happened
    dropout_cases: int
    dropout_returned: int
    dropout_open: int


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["term_start"] = self.term_start.isoformat()
        data["term_end"] = self.term_end.isoformat()
        data["care"]["assistance_amount"] = str(self.care.assistance_amount)
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
        )
