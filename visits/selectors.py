"""Reads of care records: who may write what, who reads counselling, what is open."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.hooks import Hooks
from caresys.lib.http import row_ids
from pairing.models import Pair, PairCheck, PairingSettings
from registry.models import Pupil, Role, School, SchoolClass, User, in_care
from registry.selectors import (
    own_children,
    pupil_name_q,
    pupils_visible_to,
    refuse_out_of_scope,
)
from visits import due
from visits.models import (
    CareRecord,
    CareSettings,
    DropoutCase,
    Emergency,
    RecordAttachment,
    RecordDayCount,
    RiskAcknowledgement,
    WatchEvent,
    live_records,
)
from visits.tallies import latest_activity


def can_write_record(user: User, kind: str, pupil: Pupil) -> bool:
    """The administrator for anyone; a counsellor writes counselling; a class teacher for their
    class and a pair teacher for their paired children write every other kind.

    Causes a query for a pair teacher who is not the child's class teacher.
    """
    if user.school_id != pupil.school_id or pupil.status != Pupil.Status.ENROLLED:
        return False
    if user.is_school_admin:
        return True
    if kind == CareRecord.Kind.COUNSELLING:
        return user.has_role(Role.COUNSELLOR)
    if pupil.school_class is not None and pupil.school_class.head_teacher_id == user.pk:
        return True
    if not user.has_role(Role.PAIR_TEACHER):  # pairing gives every paired teacher the role
        return False
    return own_children(user=user).filter(pk=pupil.pk).exists()


def shows_content(user: User, record: CareRecord) -> bool:
    """Counselling content is confidential: counsellors and the principal read it."""
    return not record.is_confidential or user.reads_counselling


def records_visible_to(*, user: User) -> QuerySet[CareRecord]:
    """Records about at least one child the user reads (counselling content is hidden
    separately, with shows_content), newest first.

    Scoped with EXISTS on the record's children rather than a join, so no DISTINCT is needed
    and the newest records come straight from the (school, date) index.
    """
    records = _about_children_seen_by(
        user, CareRecord.objects.filter(school_id=user.school_id), CareRecord.pupils
    )
    return records.select_related("author").order_by("-occurred_on", "-pk")


def _about_children_seen_by(user: User, queryset: QuerySet, children) -> QuerySet:
    """The rows (records, emergencies) about at least one child the user reads: EXISTS on
    their links to children (``children``: the model's many-to-many to Pupil), so no join
    multiplies the rows and no DISTINCT is needed; no condition for the whole school."""
    if user.reads_whole_school:
        return queryset
    links = children.through.objects.filter(
        **{children.field.m2m_field_name(): OuterRef("pk")},
        pupil__in=pupils_visible_to(user=user).values("pk"),
    )
    return queryset.filter(Exists(links))


def _links(**conditions) -> QuerySet:
    """The record's links to its children that meet the conditions (for EXISTS)."""
    return CareRecord.pupils.through.objects.filter(carerecord=OuterRef("pk"), **conditions)


def open_watch_events(*, user: User) -> QuerySet[WatchEvent]:
    """五必访 events not yet answered by a visit or talk, for children the user reads."""
    return (
        WatchEvent.objects.filter(
            school_id=user.school_id,
            answered_by=None,
            pupil__in=pupils_visible_to(user=user).values("pk"),
        )
        .select_related("pupil", "pupil__school_class")
        .order_by("due_on", "pk")
    )


# Higher apps (events, plans …) add their own due items to 我的待办 without visits importing
# them: each registers, in its AppConfig.ready(), a function (user, today) -> [DueItem] that
# runs a fixed number of queries.
WorkProvider = Callable[[User, datetime.date], list[due.DueItem]]
WORK_PROVIDERS: Hooks[WorkProvider] = Hooks()
register_work_provider = WORK_PROVIDERS.register


# And what the user did this week that is not a care record (the events they recorded): a
# function (user, week_start, today) -> [DoneItem], one query.
DoneProvider = Callable[[User, datetime.date, datetime.date], list[due.DoneItem]]
DONE_PROVIDERS: Hooks[DoneProvider] = Hooks()
register_done_provider = DONE_PROVIDERS.register


# The same for a class's own term quotas on its overview (the events app counts the class's
# symposia and parents' meetings): a function (school_class, today) -> [DueItem], done or not.
ClassQuotaProvider = Callable[[SchoolClass, datetime.date], list[due.DueItem]]
CLASS_QUOTA_PROVIDERS: Hooks[ClassQuotaProvider] = Hooks()
register_class_quota_provider = CLASS_QUOTA_PROVIDERS.register


def class_quotas(*, school_class: SchoolClass, today: datetime.date) -> list[due.DueItem]:
    """The class's term quotas that higher apps count, met or not, for its overview."""
    return [item for provider in CLASS_QUOTA_PROVIDERS for item in provider(school_class, today)]


def work_of(
    *, user: User, today: datetime.date | None = None, with_done: bool = True
) -> due.WorkList:
    """我的待办 of a teacher: their own children's care still due, open 五必访, this week's
    records; a counsellor's follow-ups of their counselling. A fixed number of queries.
    Without ``with_done``, what is to do only (the home page's summary shows nothing done)."""
    today = today or timezone.localdate()
    work = due.work_list(
        user=user,
        pupils=own_children(user=user),
        settings=CareSettings.for_school(user.school),
        today=today,
        with_done=with_done,
    )
    extra = counselling_follow_ups(user=user, today=today)
    for provider in WORK_PROVIDERS:
        extra.extend(provider(user, today))
    for item in extra:
        (work.overdue if item.overdue else work.due).append(item)
    for items in (work.overdue, work.due):
        items.sort(key=lambda item: item.due_on)
    if not with_done:
        return work
    week_start = today - datetime.timedelta(days=today.weekday())
    for done_provider in DONE_PROVIDERS:
        work.done_elsewhere.extend(done_provider(user, week_start, today))
    work.done_elsewhere.sort(key=lambda item: item.day, reverse=True)
    return work


def counselling_follow_ups(*, user: User, today: datetime.date) -> list[due.DueItem]:
    """The follow-ups (随访) the user's counselling records ask for, one a child: open until a
    later counselling record about the child is written (by anyone), overdue after its date.
    Only enrolled children. One query."""
    Link = CareRecord.pupils.through
    counselling = Q(carerecord__kind=CareRecord.Kind.COUNSELLING) & live_records("carerecord__")
    later = Link.objects.filter(
        counselling,
        pupil=OuterRef("pupil"),
        carerecord__pk__gt=OuterRef("carerecord"),
        carerecord__occurred_on__gte=OuterRef("carerecord__occurred_on"),
    )
    links = (
        Link.objects.filter(
            counselling,
            carerecord__author=user,
            carerecord__school_id=user.school_id,
            carerecord__next_session_on__isnull=False,
            pupil__status=Pupil.Status.ENROLLED,
        )
        .exclude(Exists(later))
        .select_related("carerecord", "pupil", "pupil__school_class")
        .order_by("carerecord__next_session_on", "pk")
    )
    return [
        due.DueItem(
            link.pupil,
            CareRecord.Kind.COUNSELLING,
            str(_("心理辅导随访")),
            link.carerecord.next_session_on,
            overdue=link.carerecord.next_session_on < today,
        )
        for link in links
    ]


def high_risk_alerts(user: User) -> QuerySet[CareRecord]:
    """High-risk counselling records the principal has not yet marked seen, oldest first: what
    tells them at once, without content (a page or a message shows only that one is there and
    links to it). Empty for everyone else. One query."""
    if not user.has_role(Role.PRINCIPAL):
        return CareRecord.objects.none()
    seen = RiskAcknowledgement.objects.filter(record=OuterRef("pk"), user=user)
    return (
        CareRecord.objects.live()
        .filter(
            school_id=user.school_id,
            kind=CareRecord.Kind.COUNSELLING,
            risk_level=CareRecord.RiskLevel.HIGH,
        )
        .exclude(Exists(seen))
        .select_related("author")
        .order_by("created_at", "pk")
    )


def records_for_whole_school(user: User) -> bool:
    """The administrator (any record) and counsellors (counselling) write about any child."""
    return user.is_school_admin or user.has_role(Role.COUNSELLOR)


def pupils_writable_by(*, user: User) -> QuerySet[Pupil]:
    """Enrolled children the user may record care for: the whole school for the administrator
    and counsellors (counselling), their class and paired children for teachers."""
    if records_for_whole_school(user):
        pupils = Pupil.objects.filter(school_id=user.school_id).enrolled()
    else:
        pupils = own_children(user=user)
    return pupils.select_related("school_class")


# Those who write for the whole school find a child by typing: at most this many at a time.
PICKER_MATCHES = 20


def _pickable(user: User) -> QuerySet[Pupil]:
    """The children the user may write for, each marked `paired` (with the user, as their
    pair teacher) and `mine` (paired, or in the school's care in a class the user heads),
    those first."""
    paired = Exists(Pair.objects.active_teacher().filter(pupil=OuterRef("pk"), teacher=user))
    mine = Q(paired=True) | (Q(school_class__head_teacher=user) & in_care(user.school))
    return (
        pupils_writable_by(user=user)
        .annotate(
            paired=paired,
            mine=Case(
                When(mine, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .order_by("-mine", "school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def pupils_matching(*, user: User, query: str) -> QuerySet[Pupil]:
    """At most PICKER_MATCHES children the user may write for whose name, pinyin or initials
    hold the query, their own first. One query."""
    # A NUL byte cannot be sent to PostgreSQL at all: it matches no name anyway.
    return _pickable(user).filter(pupil_name_q(query.replace("\x00", "")))[:PICKER_MATCHES]


def pupils_to_pick(*, user: User, chosen: list[str], query: str = "") -> QuerySet[Pupil]:
    """What the record form lists as checkboxes: for a teacher, every child they may write
    for (those the query finds, when there is one); for those who write for the whole school
    (thousands), only the chosen, their own and at most PICKER_MATCHES the query finds.
    One query."""
    pupils = _pickable(user)
    shown = Q(pk__in=row_ids(chosen))
    if query.strip():
        shown |= Q(pk__in=pupils_matching(user=user, query=query).values("pk"))
    elif records_for_whole_school(user):
        shown |= Q(mine=True)
    else:
        return pupils
    return pupils.filter(shown)


def last_kind_of(user: User) -> str | None:
    """The kind of the person's latest record, offered again on the form. One query."""
    latest = CareRecord.objects.live().filter(author=user).order_by("-created_at", "-pk")
    return latest.values_list("kind", flat=True).first()


def kinds_writable_by(user: User) -> list[tuple[str, str]]:
    """The kinds of record the user may write, as form choices."""
    if user.is_school_admin:
        return list(CareRecord.Kind.choices)
    kinds = [] if not user.has_role(Role.COUNSELLOR) else [CareRecord.Kind.COUNSELLING]
    teaches = (
        user.headed_classes.exists() or Pair.objects.active_teacher().filter(teacher=user).exists()
    )
    if teaches:
        kinds += [kind for kind in CareRecord.Kind if kind != CareRecord.Kind.COUNSELLING]
    return [(kind.value, kind.label) for kind in kinds]


def _in_scope(user: User, queryset: QuerySet, pk: int, children) -> Any:
    """The row if the user reads one of its children; else 404, logged as refused when it is
    about a child of the user's school (``children``: the model's many-to-many to Pupil)."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        links = children.through.objects.filter(**{children.field.m2m_field_name(): pk})
        refuse_out_of_scope(user, list(links.values_list("pupil_id", flat=True)[:1]))


def get_record_for_user(user: User, pk: int) -> CareRecord:
    """A record about a child in the user's scope (else 404)."""
    return _in_scope(user, records_visible_to(user=user), pk, CareRecord.pupils)


def answers_for_record(user: User, record: CareRecord) -> bool:
    """Its author or the administrator corrects or voids a record; a counselling record only
    someone who reads its content (the correction form shows it)."""
    return (user.is_school_admin or record.author_id == user.pk) and shows_content(user, record)


def can_change_record(user: User, record: CareRecord) -> bool:
    return record.voided_at is None and answers_for_record(user, record)


def children_named_to(user: User, children) -> QuerySet[Pupil]:
    """The children of a record or an emergency (``children``: its related manager) whom the
    user may read: the others are not named, not even that they are there."""
    return (
        pupils_visible_to(user=user)
        .filter(pk__in=children.values("pk"))
        .order_by("name_pinyin", "pk")
    )


def records_of_pupil(pupil: Pupil) -> QuerySet[CareRecord]:
    return pupil.care_records.select_related("author").order_by("-occurred_on", "-pk")


# Dropout cases: the open ones first, then the newest.
OPEN_CASES_FIRST = (Case(When(status__in=DropoutCase.OPEN, then=0), default=1), "-opened_on", "-pk")


@dataclass
class PupilCare:
    """What the archive page shows of a child's care: recent records, open 五必访, rights."""

    records: list[CareRecord]
    open_events: list[WatchEvent]
    can_record: bool
    reads_counselling: bool
    open_emergencies: list[Emergency]
    dropout: DropoutCase | None  # the open case, else the latest closed one
    can_manage_dropout: bool


def care_of_pupil(user: User, pupil: Pupil, limit: int = 20) -> PupilCare:
    """Five queries (one more for a pair teacher who is not the class teacher)."""
    records = list(records_of_pupil(pupil)[:limit])
    events = list(pupil.watch_events.filter(answered_by=None).order_by("due_on", "pk"))
    can_record = any(can_write_record(user, kind, pupil) for kind in ("talk", "counselling"))
    manages = user.leads_care or can_record
    return PupilCare(
        records=records,
        open_events=events,
        can_record=can_record,
        reads_counselling=user.reads_counselling,
        open_emergencies=list(pupil.emergencies.filter(closed_at=None).order_by("-occurred_at")),
        dropout=pupil.dropout_cases.order_by(*OPEN_CASES_FIRST).first(),
        can_manage_dropout=manages and can_manage_dropout(user, pupil),
    )


def attachment_for_user(user: User, record_pk: int, pk: int) -> RecordAttachment:
    """An attachment of a record the user reads; a counselling record's attachments only for
    those who read its content (404 for the rest, like the content itself)."""
    record = get_record_for_user(user, record_pk)
    if not shows_content(user, record):
        raise Http404
    return get_object_or_404(record.attachments.filter(scrubbed_at=None), pk=pk)


# --- pairs' activity: their checks and their teacher's care records ------------------------


def with_last_activity(pairs: QuerySet[Pair]) -> QuerySet[Pair]:
    """Annotate what `Pair.last_activity_on` is the later of: the latest check of the pair's
    plan and the latest care record (visit, talk, call…) its teacher wrote about the child.

    Each is one correlated subquery, computed once a pair: the later of two possibly missing
    days in SQL spelled each twice (GREATEST is NULL in SQLite when either side is), and
    a join on the checks grouped the whole row.
    """
    last_check, last_record = latest_activity()
    return pairs.annotate(last_checked_on=last_check, last_recorded_on=last_record)


def is_idle(pair: Pair, settings: PairingSettings, today: datetime.date | None = None) -> bool:
    """A teacher pair with no activity for `idle_days`, counted from the last activity or, if
    there was none, from the pair's start."""
    today = today or timezone.localdate()
    since = getattr(pair, "last_activity_on", None) or pair.started_on
    # 代理家长制流于形式 is about teachers: a buddy's play is not logged, so it is never idle.
    return (
        pair.kind == Pair.Kind.TEACHER
        and pair.ended_on is None
        and (today - since).days > settings.idle_days
    )


def idle_pairs(
    pairs: QuerySet[Pair], settings: PairingSettings, on: datetime.date | None = None
) -> QuerySet[Pair]:
    """The pairs is_idle flags, chosen by the database (a school has thousands of pairs); with
    `on`, those that were idle on that day (running then, nothing in the idle days before it).

    Decided from the checks and records since the cutoff, not from each pair's whole history:
    a pair is idle when it has none of those and either had activity before or is older than
    the cutoff, which is what is_idle decides. Each pair looks up its teacher's records since
    the cutoff (index record_author_date, a handful a teacher) and its checks since then
    (paircheck_by_pair): the same plan with or without SQLite's statistics, where a join from
    the school's recent records flipped to walking every pair's history once ANALYZE ran.
    """
    day = on or timezone.localdate()
    cutoff = day - datetime.timedelta(days=settings.idle_days)
    if on is None:
        # Today: from the kept last activity (Pair.last_active_on), without looking up every
        # pair's records and checks (a large school has thousands of pairs).
        return (
            pairs.teachers()
            .active()
            .filter(Q(last_active_on__lt=cutoff) | Q(last_active_on=None, started_on__lt=cutoff))
        )
    checks = PairCheck.objects.all() if on is None else PairCheck.objects.filter(checked_on__lte=on)
    records = CareRecord.objects.live()
    if on is not None:
        records = records.filter(occurred_on__lte=on)
    recorded_since = records.filter(
        author=OuterRef("teacher"), occurred_on__gte=cutoff, pupils=OuterRef("pupil")
    )
    checked_since = checks.filter(pair=OuterRef("pk"), checked_on__gte=cutoff)
    ever = Exists(checks.filter(pair=OuterRef("pk"))) | Exists(
        records.filter(pupils=OuterRef("pupil"), author=OuterRef("teacher"))
    )
    return (
        (pairs.teachers().active() if on is None else pairs.teachers().on_day(on))
        .filter(~Exists(recorded_since), ~Exists(checked_since))
        .filter(Q(started_on__lt=cutoff) | ever)
    )


def idle_pairs_of(school: School) -> list[Pair]:
    """The school's idle teacher pairs, oldest first, for the pairing board. Two queries: their
    keys from the pairs alone, then those pairs with child, class and teacher; joined at once,
    PostgreSQL (guessing thousands of idle pairs where there are a few) hashed every pupil."""
    pairs = Pair.objects.teachers().active().filter(school=school)
    keys = list(idle_pairs(pairs, PairingSettings.for_school(school)).values_list("pk", flat=True))
    return list(
        Pair.objects.filter(pk__in=keys)
        .select_related("pupil", "pupil__school_class", "teacher")
        .order_by("started_on", "pk")
    )


# --- emergencies and dropout watch ---------------------------------------------------------------


def emergencies_visible_to(*, user: User) -> QuerySet[Emergency]:
    """Emergencies about a child the user reads, open ones first."""
    emergencies = _about_children_seen_by(
        user, Emergency.objects.filter(school_id=user.school_id), Emergency.pupils
    )
    return emergencies.select_related("reported_by", "closed_by").order_by(
        F("closed_at").desc(nulls_first=True), "-occurred_at", "-pk"
    )


def get_emergency_for_user(user: User, pk: int) -> Emergency:
    return _in_scope(user, emergencies_visible_to(user=user), pk, Emergency.pupils)


def can_handle_emergency(user: User, emergency: Emergency) -> bool:
    """Steps are recorded by whoever reported it, the principal, the administrator and the
    class teachers of the children. Causes a query for a class teacher."""
    if user.leads_care or emergency.reported_by_id == user.pk:
        return True
    return emergency.pupils.filter(school_class__head_teacher=user).exists()


def can_close_emergency(user: User) -> bool:
    return user.leads_care


def dropout_cases_visible_to(*, user: User) -> QuerySet[DropoutCase]:
    """Dropout cases of children the user reads, open ones first."""
    return (
        DropoutCase.objects.filter(
            school_id=user.school_id, pupil__in=pupils_visible_to(user=user).values("pk")
        )
        .select_related("pupil", "pupil__school_class", "opened_by")
        .order_by(*OPEN_CASES_FIRST)
    )


def marked_dropout_unwatched(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """Pupils at school whose archive marks them 辍学 with no case in the dropout watch: a
    dropout needs a case, and the summary counts dropouts from the watch alone."""
    return (
        pupils.enrolled()
        .filter(is_dropout=True)
        .exclude(Exists(DropoutCase.objects.filter(pupil=OuterRef("pk"))))
    )


def get_dropout_case_for_user(user: User, pk: int) -> DropoutCase:
    try:
        return dropout_cases_visible_to(user=user).get(pk=pk)
    except DropoutCase.DoesNotExist:
        pupils = DropoutCase.objects.filter(pk=pk).values_list("pupil_id", flat=True)
        refuse_out_of_scope(user, list(pupils))


def can_manage_dropout(user: User, pupil: Pupil) -> bool:
    """The administrator, the principal, the child's class teacher and pair teacher watch,
    report and persuade. Causes a query for a pair teacher who is not the class teacher."""
    if user.school_id != pupil.school_id:
        return False
    if user.leads_care:
        return True
    return can_write_record(user, CareRecord.Kind.TALK, pupil) or (
        pupil.status != Pupil.Status.ENROLLED
        and pupil.school_class is not None
        and pupil.school_class.head_teacher_id == user.pk
    )


def record_list(*, user: User, filters: dict) -> QuerySet[CareRecord]:
    """The records page: records in scope, each with the children the user reads (a record
    about several children names only those) and whether it has attachments."""
    records = records_visible_to(user=user).filter(_kind_and_dates(filters, "occurred_on"))
    if filters.get("author"):
        records = records.filter(author=filters["author"])
    if filters.get("school_class"):
        records = records.filter(Exists(_links(pupil__school_class=filters["school_class"])))
    if not filters.get("voided"):
        records = records.live()
    attachments = RecordAttachment.objects.filter(record=OuterRef("pk"))
    return records.annotate(has_attachments=Exists(attachments))


def record_list_count(*, user: User, filters: dict) -> int | None:
    """How many records record_list holds, summed from the school's day counts when they tell
    (the whole school's live records, by kind and dates: a few rows a day, however many
    pupils); None when the list must be counted."""
    if not user.reads_whole_school or any(
        filters.get(name) for name in ("author", "school_class", "voided")
    ):
        return None
    days = RecordDayCount.objects.filter(_kind_and_dates(filters, "day"), school_id=user.school_id)
    return days.aggregate(n=Coalesce(Sum("records"), 0))["n"]


def _kind_and_dates(filters: dict, day: str) -> Q:
    """The records page's kind and date filters, on a record (`day` "occurred_on") or on its
    school's day counts ("day"): one spelling, so the count and the list agree."""
    condition = Q(kind=filters["kind"]) if filters.get("kind") else Q()
    if filters.get("start"):
        condition &= Q(**{f"{day}__gte": filters["start"]})
    if filters.get("end"):
        condition &= Q(**{f"{day}__lte": filters["end"]})
    return condition


def name_visible_pupils(records, *, user: User) -> None:
    """Set each record's visible_pupils (the children of record_list's page the user reads,
    by name) in two queries: the page's links, then those children by primary key. One query
    joining both let SQLite, without statistics, start from every pupil of the school."""
    records = list(records)
    links = CareRecord.pupils.through.objects.filter(carerecord__in=[r.pk for r in records])
    links = list(links.values_list("carerecord_id", "pupil_id"))
    children = pupils_visible_to(user=user).select_related(None).only("name", "name_pinyin")
    by_pk = children.filter(pk__in={pupil for _record, pupil in links}).in_bulk()
    for record in records:
        record.visible_pupils = []
    pages = {record.pk: record for record in records}
    for record, pupil in links:
        if pupil in by_pk:
            pages[record].visible_pupils.append(by_pk[pupil])
    for record in records:
        record.visible_pupils.sort(key=lambda pupil: (pupil.name_pinyin, pupil.pk))


def pupils_for_emergency(*, user: User) -> QuerySet[Pupil]:
    """The enrolled children a person may report an emergency about: those they read."""
    return (
        pupils_visible_to(user=user)
        .filter(status=Pupil.Status.ENROLLED)
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def get_class_for_overview(user: User, pk: int) -> SchoolClass:
    """A class's care overview: its head teacher and those who read the whole school; other
    teachers get 404."""
    classes = SchoolClass.objects.filter(school_id=user.school_id, is_active=True)
    if not user.reads_whole_school:
        classes = classes.filter(head_teacher=user)
    return get_object_or_404(classes.select_related("head_teacher"), pk=pk)
