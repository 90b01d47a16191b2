"""Event quotas: how many 座谈会, 家长会, 安全教育 … the school wants a term, for the whole school
or each class, and how many were held. Counted each time it is asked, never stored.

A class's count: the term's live events of the kind held for the class, for its grade or for
the whole school, plus the care records of that kind (written before events existed) about
its children. The school's count: all the term's live events of the kind, plus such records.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from caresys.lib.periods import Period
from events.models import DEFAULT_QUOTAS, Event, EventQuota
from registry.models import Role, SchoolClass, User
from visits.due import DueItem, term_of
from visits.models import CareRecord
from visits.tallies import day_counts

# The care-record kind that counted the same work before events were recorded.
RECORD_KINDS = {
    Event.Kind.SYMPOSIUM: CareRecord.Kind.SYMPOSIUM,
    Event.Kind.PARENT_MEETING: CareRecord.Kind.PARENT_MEETING,
    Event.Kind.CARE_ACTIVITY: CareRecord.Kind.ACTIVITY,
}
KIND_ORDER = {value: n for n, value in enumerate(Event.Kind.values)}


@dataclass(frozen=True)
class Rule:
    kind: str
    per_term: int
    per: str

    @property
    def label(self) -> str:
        return str(Event.Kind(self.kind).label)


@dataclass(frozen=True)
class QuotaCount:
    rule: Rule
    done: int

    @property
    def wanted(self) -> int:
        return self.rule.per_term

    @property
    def met(self) -> bool:
        return self.done >= self.wanted


def school_rules(school_id: int) -> list[Rule]:
    """The school's quotas asking for at least one event a term (the defaults if it has set
    none), in the order of the kinds. One query."""
    rows = EventQuota.objects.filter(school_id=school_id).values_list("kind", "per_term", "per")
    found = {kind: (per_term, per) for kind, per_term, per in rows}
    if not found:
        found = {kind: (n, str(per)) for kind, (n, per) in DEFAULT_QUOTAS.items()}
    return sorted(
        (Rule(kind, n, per) for kind, (n, per) in found.items() if n),
        key=lambda rule: KIND_ORDER.get(rule.kind, len(KIND_ORDER)),
    )


@dataclass
class QuotaStatus:
    school: list[QuotaCount]  # the per-school quotas
    classes: dict[int, list[QuotaCount]]  # class pk: its per-class quotas


def quota_status(
    *,
    school_id: int,
    period: Period,
    classes: list[SchoolClass],
    rules: list[Rule] | None = None,
    school_wide: bool = True,
) -> QuotaStatus:
    """The school's quotas and those of each of ``classes`` in the term ``period``, held against
    wanted. At most three queries (four without ``rules``), whatever the number of classes.
    Without ``school_wide``, only the classes' quotas (the school's are left empty), from the
    records about the classes' children rather than the school's."""
    rules = school_rules(school_id) if rules is None else rules
    if not rules:
        return QuotaStatus([], {school_class.pk: [] for school_class in classes})
    held = _held(
        school_id=school_id, period=period, classes=classes, rules=rules, school_wide=school_wide
    )
    return QuotaStatus(
        school=[
            QuotaCount(rule, held.by_school(rule.kind))
            for rule in rules
            if rule.per == EventQuota.Per.SCHOOL and school_wide
        ],
        classes={
            school_class.pk: [
                QuotaCount(rule, held.by_class(rule.kind, school_class.pk, school_class.grade))
                for rule in rules
                if rule.per == EventQuota.Per.CLASS
            ]
            for school_class in classes
        },
    )


@dataclass
class Held:
    """The term's events and records of the quotas' kinds, counted by where they were held."""

    events: list[tuple[str, int | None, int | None]]  # (kind, grade, class pk) an event
    records: dict[str, dict[int | None, set[int]]]  # kind: class pk: the records' pks
    for_class: Counter
    for_grade: Counter
    for_school: Counter

    def by_school(self, kind: str) -> int:
        done = sum(1 for event_kind, _grade, _class in self.events if event_kind == kind)
        return done + len(set().union(*self.records[kind].values()))

    def by_class(self, kind: str, class_pk: int, grade: int) -> int:
        done = self.for_class[kind, class_pk] + self.for_grade[kind, grade] + self.for_school[kind]
        return done + len(self.records[kind].get(class_pk, ()))


def _held(
    *,
    school_id: int,
    period: Period,
    classes: list[SchoolClass],
    rules: list[Rule],
    school_wide: bool,
) -> Held:
    """What quota_status counts the quotas from. Two queries (one without records to count)."""
    kinds = [rule.kind for rule in rules]
    in_term = {"occurred_on__gte": period.start, "occurred_on__lte": period.end}
    events = list(
        Event.objects.live()
        .filter(school_id=school_id, kind__in=kinds, **in_term)
        .values_list("kind", "grade", "school_class_id")
    )
    record_kinds = {RECORD_KINDS[kind]: kind for kind in kinds if kind in RECORD_KINDS}
    records: dict[str, dict[int | None, set[int]]] = {kind: {} for kind in kinds}
    if record_kinds:
        live = CareRecord.objects.live().filter(school_id=school_id, kind__in=list(record_kinds))
        if school_wide:
            # The days of the term that have any, from the kept day counts (none: no query of
            # the records), each (day, kind) then looked up in the live records' index, unordered
            # and not DISTINCT (the sets below keep each record once). Over the term's dates
            # SQLite walked its ~70,000 records for these rare kinds (31 ms at 20,000 pupils),
            # with the statistics PRAGMA optimize samples, and unsorted without them.
            days = set(
                day_counts(school_id, period.start, period.end)
                .filter(kind__in=list(record_kinds))
                .values_list("day", flat=True)
                .order_by()
            )
            rows = (
                live.filter(occurred_on__in=sorted(days))
                .values_list("pk", "kind", "pupils__school_class")
                .order_by()
                if days
                else []
            )
        else:
            rows = _class_records(live.filter(**in_term), classes)
        for pk, kind, class_pk in rows:
            records[record_kinds[kind]].setdefault(class_pk, set()).add(pk)

    # Each event counted once, by where it was held: a walk of the term's events per class
    # is classes × events (444 × 2,000 at 20,000 pupils, a quarter of a second in Python).
    for_class: Counter = Counter()
    for_grade: Counter = Counter()
    for_school: Counter = Counter()
    for event_kind, grade, class_pk in events:
        if class_pk is not None:
            for_class[event_kind, class_pk] += 1
        elif grade is not None:
            for_grade[event_kind, grade] += 1
        else:
            for_school[event_kind] += 1

    return Held(events, records, for_class, for_grade, for_school)


def _class_records(of_term: QuerySet[CareRecord], classes: list[SchoolClass]) -> QuerySet:
    """(record, kind, class) of the records ``of_term`` about the classes' children, found from
    the children's links: the record's conditions sit in EXISTS, so that SQLite cannot start
    from the school's records. With the statistics `PRAGMA optimize` samples (400 rows an
    index, all of one kind) it walked the term's ~100,000 records for the two rare kinds,
    ~10 ms on each teacher's 我的待办, home and class page."""
    links = CareRecord.pupils.through.objects.filter(
        Exists(of_term.filter(pk=OuterRef("carerecord_id"))),
        pupil__school_class__in=[school_class.pk for school_class in classes],
    )
    return links.values_list("carerecord_id", "carerecord__kind", "pupil__school_class")


def _item(count: QuotaCount, term: Period, label: str, **query) -> DueItem:
    url = f"{reverse('events:event_create')}?{urlencode({'kind': count.rule.kind, **query})}"
    return DueItem(
        None, count.rule.kind, label, term.end, count.done, count.wanted,
        url=url, action=_("登记活动"),
    )  # fmt: skip


def work_items(user: User, today: datetime.date) -> list[DueItem]:
    """我的待办's event quotas not yet met this term: the school's to the principal and the
    德育主任, a class's to its head teacher. A fixed number of queries (none for others)."""
    organiser = user.has_any_role({Role.PRINCIPAL, Role.MORAL_LEAD})
    if user.school_id is None or not (organiser or user.has_role(Role.CLASS_TEACHER)):
        return []
    term = term_of(user.school_id, today)
    if term is None:
        return []
    classes = []
    if user.has_role(Role.CLASS_TEACHER):
        classes = list(
            SchoolClass.objects.filter(
                school_id=user.school_id, head_teacher=user, is_active=True
            ).order_by("grade", "number", "pk")
        )
    if not organiser and not classes:
        return []
    status = quota_status(
        school_id=user.school_id, period=term, classes=classes, school_wide=organiser
    )
    items = []
    if organiser:
        for count in status.school:
            if not count.met:
                label = _("全校%(kind)s") % {"kind": count.rule.label}
                items.append(_item(count, term, label))
    for school_class in classes:
        for count in status.classes[school_class.pk]:
            if not count.met:
                label = f"{school_class.name} {count.rule.label}"
                items.append(_item(count, term, label, school_class=school_class.pk))
    return items


def class_items(school_class: SchoolClass, today: datetime.date) -> list[DueItem]:
    """The class's event quotas this term, met or not (its overview). Three queries, plus the
    term's."""
    term = term_of(school_class.school_id, today)
    if term is None:
        return []
    status = quota_status(
        school_id=school_class.school_id, period=term, classes=[school_class], school_wide=False
    )
    return [
        _item(count, term, count.rule.label, school_class=school_class.pk)
        for count in status.classes[school_class.pk]
    ]


@dataclass(frozen=True)
class QuotaLine:
    """A quota across the school: a per-school one held against wanted, a per-class one as the
    classes that met it against all the active classes."""

    kind: str
    label: str
    per: str
    done: int
    wanted: int
    per_term: int

    @property
    def met(self) -> bool:
        return self.done >= self.wanted


def school_overview(*, school_id: int, period: Period) -> list[QuotaLine]:
    """Every quota of the school in the term (the dashboard). At most five queries."""
    # (pk, grade) rows, all quota_status reads of a class: not 444 model objects.
    classes = list(
        SchoolClass.objects.filter(school_id=school_id, is_active=True).values_list(
            "pk", "grade", named=True
        )
    )
    rules = school_rules(school_id)
    if not rules:
        return []
    held = _held(school_id=school_id, period=period, classes=classes, rules=rules, school_wide=True)
    lines = []
    for rule in rules:
        # Counted, not a QuotaCount a class and a rule (444 classes at 20,000 pupils).
        if rule.per == EventQuota.Per.SCHOOL:
            done, wanted = held.by_school(rule.kind), rule.per_term
        else:
            done = sum(
                1
                for school_class in classes
                if held.by_class(rule.kind, school_class.pk, school_class.grade) >= rule.per_term
            )
            wanted = len(classes)
        lines.append(QuotaLine(rule.kind, rule.label, rule.per, done, wanted, rule.per_term))
    return lines
