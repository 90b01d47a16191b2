"""Per-child, per-term tallies of care records (PupilTermTally), kept current in the transaction
of each write that changes which live records name which child on which date; and per-school,
per-day counts of the live records by kind (RecordDayCount), kept by count_day. A record's
write calls record_written once, which keeps them all, its children's kept dates of their
newest records (Pupil.last_contact_on etc., contact_dates_refresh) and its pairs' last
activity too.

A record counts in the term of its school that contains its date (Term.objects.containing);
records dated outside every term are not tallied. `tally_rows` counts from the records;
`retally` rewrites the rows of some children in some terms from it, `recount_school` every row
of a school (for bulk writes, term date edits and `manage.py recount_tallies`).

Also kept here from the records: each pair's last activity (Pair.last_active_on), set by
`pair_activity_refresh` in the transaction of each write of a record, a check or a pair.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from caresys.lib.periods import Period
from pairing.models import Pair, PairCheck
from registry.models import Pupil, Term
from visits.models import CareRecord, PupilTermTally, RecordDayCount, live_records

# A term: (pk, school id, start, end).
TermSpan = tuple[int, int, datetime.date, datetime.date]
# A tally as stored: (school id, term id, pupil id, kind, records, last_on).
TallyRow = tuple[int, int, int, str, int, datetime.date]

TALLIES_PER_BATCH = 10_000


def _terms(school_ids: Iterable[int]) -> list[TermSpan]:
    """The schools' terms, newest first as Term.objects.containing picks them. One query."""
    return list(
        Term.objects.filter(school_year__school_id__in=list(school_ids))
        .order_by("-start_date", "pk")
        .values_list("pk", "school_year__school_id", "start_date", "end_date")
    )


def term_of(school_id: int, day: datetime.date) -> Term | None:
    """The school's term containing the day, which tallies a record of that date (None in the
    holidays: not tallied). One query."""
    return Term.objects.containing(school_id, day)


def term_with_period(school_id: int, period: Period) -> int | None:
    """The pk of the school's term whose dates are exactly the period's, whose tallies then
    hold every live record of the period (None: count from the records). One query."""
    return (
        Term.objects.filter(
            school_year__school_id=school_id, start_date=period.start, end_date=period.end
        )
        .values_list("pk", flat=True)
        .first()
    )


def tallied_children(school_id: int, term_id: int, kind: str) -> QuerySet:
    """The ids of the children a live record of the kind named in the term, as a subquery
    read from the tallies' index alone."""
    return PupilTermTally.objects.filter(school_id=school_id, term_id=term_id, kind=kind).values(
        "pupil_id"
    )


def reached_since(
    school_id: int,
    since: datetime.date,
    *,
    term: Term | None,
    today: datetime.date,
    kind: str | None = None,
) -> Q:
    """Pupils (OuterRef "pk") named by a live record of the school (of the kind) dated `since`
    or later. `term` is the school's Term.objects.current on `today`: when it runs from
    `since` to today, every such record is tallied in it (no record is dated after today:
    CareRecord.clean, and no term begun later can hold one), so each child is one lookup of
    the tallies (index tally_pupil_recent), or with a kind, those of the kind since then in a
    list (tally_kind_recent: a seek a child by tally_once read the rows, 3 ms a kind at 20,000
    pupils); else, the children of every record since then, gathered in a list first (30,000
    links for a month of a 20,000-pupil school)."""
    if term is not None and term.start_date <= since and today <= term.end_date:
        if kind:
            tallies = PupilTermTally.objects.filter(
                school_id=school_id, term=term, kind=kind, last_on__gte=since
            )
            return Q(pk__in=tallies.values("pupil_id"))
        tallies = PupilTermTally.objects.filter(term=term, pupil=OuterRef("pk"), last_on__gte=since)
        return Q(Exists(tallies))
    links = CareRecord.pupils.through.objects.filter(
        live_records("carerecord__"),
        carerecord__school_id=school_id,
        carerecord__occurred_on__gte=since,
    )
    if kind:
        links = links.filter(carerecord__kind=kind)
    return Q(pk__in=links.values("pupil_id"))


def tally_rows(
    school_id: int, pupil_ids: Iterable[int] | None = None, *, terms: list[TermSpan] | None = None
) -> Iterator[TallyRow]:
    """The tallies the school's live records make (of these children only, if given), counted
    afresh: one grouped query over the records' links to their children."""
    terms = _terms([school_id]) if terms is None else terms
    terms = [term for term in terms if term[1] == school_id]
    if not terms:
        return
    Link = CareRecord.pupils.through
    in_a_term = Q()
    for _pk, _school, start, end in terms:
        in_a_term |= Q(carerecord__occurred_on__range=(start, end))
    links = Link.objects.filter(live_records("carerecord__"), in_a_term)
    if pupil_ids is None:
        links = links.filter(carerecord__school_id=school_id)
    else:
        # Some children: their links (the links' pupil index) lead to their records. The school
        # is compared as an expression no index serves, or SQLite, with or without statistics,
        # walks all the school's records by their index instead: ~150 ms at 200,000 records,
        # inside every record's write transaction, where it holds SQLite's one write lock.
        links = links.alias(record_school=F("carerecord__school_id") + 0).filter(
            record_school=school_id, pupil_id__in=list(pupil_ids)
        )
    rows = (
        links.annotate(
            term=Case(
                *(
                    When(carerecord__occurred_on__range=(start, end), then=Value(pk))
                    for pk, _school, start, end in terms
                ),
                output_field=IntegerField(),
            )
        )
        .values_list("term", "pupil_id", "carerecord__kind")
        .annotate(records=Count("pk"), last_on=Max("carerecord__occurred_on"))
        .order_by()
    )
    for term_id, pupil_id, kind, records, last_on in rows:
        yield (school_id, term_id, pupil_id, kind, records, last_on)


def _store(rows: Iterable[TallyRow]) -> int:
    tallies = [
        PupilTermTally(
            school_id=school_id, term_id=term_id, pupil_id=pupil_id, kind=kind,
            records=records, last_on=last_on,
        )
        for school_id, term_id, pupil_id, kind, records, last_on in rows
    ]  # fmt: skip
    PupilTermTally.objects.bulk_create(tallies, batch_size=2000)
    return len(tallies)


@transaction.atomic
def retally(pupil_ids: Iterable[int], term_ids: Iterable[int]) -> None:
    """Rewrite the tallies of these children in these terms from the live records. Five
    queries at most."""
    term_ids = set(term_ids)
    school_ids = Term.objects.filter(pk__in=term_ids).values_list("school_year__school_id")
    _rewrite(set(pupil_ids), term_ids, _terms({pk for (pk,) in school_ids}))


def _rewrite(pupil_ids: set[int], term_ids: set[int], terms: list[TermSpan]) -> None:
    if not pupil_ids:
        return
    # Two writes about one child at once (two teachers, one child) would each delete and
    # insert its rows, and on PostgreSQL the second insert would meet the first's rows. The
    # children's rows are locked first, in one order, so the second write waits and then
    # counts the first's record too, here and in their kept dates (contact_dates_refresh,
    # after this even with no term to rewrite). (SQLite's IMMEDIATE transactions already
    # serialise writers; there the lock is a plain read.)
    list(
        Pupil._base_manager.select_for_update()
        .filter(pk__in=pupil_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not term_ids:
        return
    PupilTermTally.objects.filter(pupil_id__in=pupil_ids, term_id__in=term_ids).delete()
    _store(
        row
        for school_id in {term[1] for term in terms if term[0] in term_ids}
        for row in tally_rows(school_id, pupil_ids, terms=terms)
        if row[1] in term_ids
    )


def retally_record(
    record: CareRecord, *days: datetime.date, pupil_ids: Iterable[int] | None = None
) -> None:
    """After a write of the record: lock its children and rewrite their tallies in the term of
    its date and of any date it had before (a correction may move it across terms). Four or
    five queries (two or three in the holidays)."""
    terms = _terms([record.school_id])
    term_ids = set()
    for day in {record.occurred_on, *days}:
        # The first (newest) term containing the day, as Term.objects.containing picks it.
        term_ids |= {next((pk for pk, _s, start, end in terms if start <= day <= end), None)}
    term_ids.discard(None)
    if pupil_ids is None:
        pupil_ids = record.pupils.values_list("pk", flat=True)
    _rewrite(set(pupil_ids), term_ids, terms)


# The kept dates of a child's newest live record (Pupil.last_…_on): the field, and the kind
# (None: any kind).
CONTACT_DATES = (
    ("last_contact_on", None),
    ("last_talk_on", CareRecord.Kind.TALK),
    ("last_home_visit_on", CareRecord.Kind.HOME_VISIT),
)


def _newest_record_on(kind: str | None) -> Subquery:
    """The date of the newest live record of the pupil's (OuterRef "pk") school naming the
    pupil (of the kind), by the links' pupil index: a child's few dozen records."""
    # The school compared as an expression no index serves, as in tally_rows: else SQLite
    # without statistics walks the school's records newest first by record_live_figures,
    # testing each for a link to the child.
    links = (
        CareRecord.pupils.through.objects.filter(
            live_records("carerecord__"), pupil_id=OuterRef("pk")
        )
        .alias(record_school=F("carerecord__school_id") + 0)
        .filter(record_school=OuterRef("school_id"))
    )
    if kind:
        links = links.filter(carerecord__kind=kind)
    newest = links.order_by("-carerecord__occurred_on").values("carerecord__occurred_on")[:1]
    return Subquery(newest, output_field=DateField())


def reached_by_kept_dates(since: datetime.date, kind: str | None = None) -> Q:
    """Pupils named by a live record of their school (of the kind: any, a talk or a home
    visit) dated `since` or later, by their kept dates: no record is dated after today
    (CareRecord.clean), so these are the records from `since` to today."""
    field = next(field for field, of_kind in CONTACT_DATES if of_kind == kind)
    return Q(**{f"{field}__gte": since})


def contact_dates_refresh(pupils: QuerySet[Pupil]) -> None:
    """Set the kept Pupil.last_contact_on, last_talk_on and last_home_visit_on of these pupils
    from their live records: one UPDATE."""
    pupils.update(**{field: _newest_record_on(kind) for field, kind in CONTACT_DATES})


# What a live record adds to its school's RecordDayCount: (day, kind, each of 四导).
DayKey = tuple[datetime.date, str, bool, bool, bool, bool]


def day_key(record: CareRecord) -> DayKey:
    """Where the record counts in its school's day counts while it is live."""
    return (
        record.occurred_on,
        record.kind,
        *(bool(getattr(record, name)) for name in CareRecord.GUIDE_FIELDS),
    )  # type: ignore[return-value]


def count_day(school_id: int, key: DayKey, change: int) -> None:
    """Add a live record (change 1) to its school's count of the day and kind, or take one
    away (-1: voided, or moved by a correction), in the transaction of the write. One or two
    queries (three for the day's first record of the kind)."""
    day, kind, *guides = key
    where = {"school_id": school_id, "day": day, "kind": kind}
    served = dict(zip(CareRecord.GUIDE_FIELDS, guides, strict=True))
    added = {name: F(name) + change for name, yes in served.items() if yes}
    rows = RecordDayCount.objects.filter(**where)
    if change < 0 and rows.filter(records=-change).delete()[0]:
        return  # the day's last record of the kind
    if rows.update(records=F("records") + change, **added) or change < 0:
        return
    first = {name: int(yes) for name, yes in served.items()}
    try:
        # Two first records of a day at once (PostgreSQL): the second insert waits for the
        # first, fails on record_day_once, and then adds to its row.
        with transaction.atomic():
            RecordDayCount.objects.create(**where, records=change, **first)
    except IntegrityError:
        RecordDayCount.objects.filter(**where).update(records=F("records") + change, **added)


def day_counts(school_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """The school's day counts from `start` to `end`: a period's live records by kind, by
    month, and 四导, summed from a few rows a day (the index of record_day_once)."""
    return RecordDayCount.objects.filter(school_id=school_id, day__range=(start, end))


def day_count_rows(school_id: int) -> list[RecordDayCount]:
    """The school's day counts as its live records make them, counted afresh (one query)."""
    return [
        RecordDayCount(school_id=school_id, **row)
        for row in CareRecord.objects.live()
        .filter(school_id=school_id)
        .values("kind", day=F("occurred_on"))
        .annotate(
            records=Count("pk"),
            **{name: Count("pk", filter=Q(**{name: True})) for name in CareRecord.GUIDE_FIELDS},
        )
        .order_by()
    ]


@transaction.atomic
def recount_school(school_id: int) -> int:
    """Rebuild every tally and day count of the school from its live records: one grouped
    query over the school's records (a row per child, term and kind it names), stored
    TALLIES_PER_BATCH at a time; returns how many tallies it keeps. (Asked a batch of children
    at a time, SQLite took 30 s a batch of 2,000 at 200,000 records: the children's query
    compares the school as an expression, tally_rows says why; the whole school's takes 0.6 s.)"""
    RecordDayCount.objects.filter(school_id=school_id).delete()
    RecordDayCount.objects.bulk_create(day_count_rows(school_id), batch_size=2000)
    contact_dates_refresh(Pupil._base_manager.filter(school_id=school_id))
    PupilTermTally.objects.filter(school_id=school_id).delete()
    rows = list(tally_rows(school_id))
    for start in range(0, len(rows), TALLIES_PER_BATCH):
        _store(rows[start : start + TALLIES_PER_BATCH])
    return len(rows)


# --- pairs' last activity ------------------------------------------------------------------


def latest_activity() -> tuple[Subquery, Subquery]:
    """The pair's (OuterRef "pk", "pupil_id", "teacher_id") latest check and its teacher's
    latest live record about the child, each a correlated subquery: the two days
    Pair.last_active_on is the later of (with_last_activity reads them, pair_activity_refresh
    keeps it)."""
    checks = PairCheck.objects.filter(pair=OuterRef("pk")).order_by("-checked_on")
    records = (
        CareRecord.objects.live()
        .filter(pupils=OuterRef("pupil_id"), author=OuterRef("teacher_id"))
        .order_by("-occurred_on")
    )
    return (
        Subquery(checks.values("checked_on")[:1], output_field=DateField()),
        Subquery(records.values("occurred_on")[:1], output_field=DateField()),
    )


def pair_activity_refresh(pairs: QuerySet[Pair]) -> None:
    """Set the kept Pair.last_active_on of these pairs by the rule (the later of the two days
    of latest_activity): one UPDATE."""
    # GREATEST is NULL in SQLite when either side is: each side falls back on the other.
    (check, record), (check_again, record_again) = latest_activity(), latest_activity()
    pairs.update(
        last_active_on=Greatest(Coalesce(check, record), Coalesce(record_again, check_again))
    )


def record_pairs_refresh(record: CareRecord, pupil_ids: Iterable[int] | None = None) -> None:
    """After a write of the record: the last activity of its author's pairs with its children."""
    if pupil_ids is None:
        pupil_ids = record.pupils.values("pk")
    pair_activity_refresh(Pair.objects.filter(teacher_id=record.author_id, pupil_id__in=pupil_ids))


def pair_begun(pair_id: int) -> None:
    """A pair was made (pairing's pair listener): its activity so far counts."""
    pair_activity_refresh(Pair.objects.filter(pk=pair_id))


def record_written(
    record: CareRecord, *, was: DayKey | None, pupil_ids: Iterable[int] | None = None
) -> None:
    """After a write of the record (made, corrected or voided), in its transaction: its
    children's tallies, its school's day counts and its author's pairs' last activity.
    `was`: its day_key before the write (None: a new record); `pupil_ids`: its children, when
    the caller has them (saves a query each)."""
    now = day_key(record) if record.voided_at is None else None
    if was != now:  # made, voided, or moved to another day or another of 四导
        if was is not None:
            count_day(record.school_id, was, -1)
        if now is not None:
            count_day(record.school_id, now, 1)
    if was is None or now is None or was[0] != now[0]:
        # Which children it counts for, or in which term, changed.
        pupil_ids = list(
            record.pupils.values_list("pk", flat=True) if pupil_ids is None else pupil_ids
        )
        retally_record(record, *([was[0]] if was else []), pupil_ids=pupil_ids)
        record_pairs_refresh(record, pupil_ids=pupil_ids)
        # Not in retally_record: a record of the holidays is in no term's tallies, but it is
        # its children's newest contact all the same.
        contact_dates_refresh(Pupil._base_manager.filter(pk__in=pupil_ids))


@transaction.atomic
def recount_pair_activity(school_id: int) -> int:
    """Rebuild the kept last activity of every pair of the school; returns how many pairs."""
    pairs = Pair.objects.filter(school_id=school_id)
    pair_activity_refresh(pairs)
    return pairs.count()
