"""Reads of the registry, scoped to the person asking. Every view reads pupils through here."""

import datetime
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from caresys.lib.hooks import Hooks
from caresys.lib.identity import mask_id_number, mask_phone
from caresys.lib.periods import Period
from caresys.lib.pinyin import is_pinyin_query
from registry import signin
from registry.models import (
    CATEGORY_FIELDS,
    CENSUS_CHANGES,
    COUNTY_READERS,
    ENROLLED_PUPILS,
    LEFT_BEHIND,
    ONE_PARENT_AWAY,
    AccessLog,
    ArchiveRevision,
    CensusClassReturn,
    CensusEntry,
    CensusRound,
    ClassTally,
    Consent,
    Guardian,
    LeftBehind,
    Parent,
    Pupil,
    Role,
    RosterUpload,
    School,
    SchoolClass,
    SchoolYear,
    User,
    census_change,
    census_status_now,
    civil_affairs_cutoff,
    civil_affairs_situation,
    class_name,
    in_care,
    status_read_from,
)

# --- scope -----------------------------------------------------------------------------------

# A grant widens a person's scope beyond the class they head: given the person, a filter on
# Pupil. Apps built on the registry register theirs from AppConfig.ready() (pairing: a pair
# teacher reads the children of their active pairs), so the one scope rule below knows of them
# without the registry importing them.
ScopeGrant = Callable[[User], Q]
_scope_grants: Hooks[ScopeGrant] = Hooks()
register_scope_grant = _scope_grants.register


def _own_q(user: User) -> Q:
    """The children a teacher answers for: the class they head and what the grants add, as one
    list of the school's pupil ids. Built once per user object (a page asks up to four
    times): the filter is lazy SQL, read afresh by every query it is part of."""
    kept = user.__dict__.get("_own_q")
    if kept is not None and kept[0] == user.school_id:
        return kept[1]
    own = _own_q_built(user)
    user.__dict__["_own_q"] = (user.school_id, own)
    return own


def _own_q_built(user: User) -> Q:
    # One list of ids the database looks up by key (the classes' pupils, the pairs' children),
    # with the school inside it. Not an OR of the parts, and no school_id test beside it: SQLite
    # then chose the (school, status) index and walked every enrolled pupil of the school to
    # test each one, with or without statistics.
    # The school is tested on the classes (a pupil's class is of the pupil's school, see
    # Pupil.clean): on the pupils, SQLite walked the school's index instead of the classes'.
    heads = SchoolClass.objects.filter(school_id=user.school_id, head_teacher=user).values("pk")
    ids = Pupil.objects.filter(school_class__in=heads).order_by().values("pk")
    mine = Pupil.objects.filter(school_id=user.school_id).order_by()
    granted = [mine.filter(grant(user)).values("pk") for grant in _scope_grants]
    return Q(pk__in=ids.union(*granted) if granted else ids)


def _scope_q(user: User) -> Q | None:
    """The pupils a person may read, as a filter; None means the whole school."""
    return None if user.reads_whole_school else _own_q(user)


def own_children(*, user: User) -> QuerySet[Pupil]:
    """The enrolled children a teacher answers for (their class and paired children), whatever
    else their roles let them read."""
    return Pupil.objects.filter(_own_q(user)).enrolled()


def pupils_visible_to(*, user: User) -> QuerySet[Pupil]:
    """Pupils of the user's school that the user may read, with their class and head teacher."""
    if not user.is_authenticated or user.school_id is None:
        return Pupil.objects.none()
    scope = _scope_q(user)
    # The scope of a teacher holds the school already (see _own_q).
    return Pupil.objects.filter(
        Q(school_id=user.school_id) if scope is None else scope
    ).select_related("school_class", "school_class__head_teacher")


def can_edit_pupil(user: User, pupil: Pupil) -> bool:
    if user.school_id != pupil.school_id:
        return False
    if user.is_school_admin:
        return True
    return pupil.school_class is not None and pupil.school_class.head_teacher_id == user.pk


def classes_editable_by(*, user: User) -> QuerySet[SchoolClass]:
    """The classes a person may put a pupil into."""
    classes = SchoolClass.objects.filter(school_id=user.school_id, is_active=True)
    if user.is_school_admin:
        return classes
    return classes.filter(head_teacher=user)


def can_create_pupil(user: User) -> bool:
    return user.is_school_admin or (
        user.has_role(Role.CLASS_TEACHER) and classes_editable_by(user=user).exists()
    )


class OutOfScope(Http404):
    """A request for a child of the school whom the person may not read: answered as any 404
    (the child's existence is not revealed), and logged (caresys.lib.middleware)."""

    def __init__(self, pupil_id: int) -> None:
        super().__init__()
        self.pupil_id = pupil_id


def refuse_out_of_scope(user: User, pupil_ids) -> None:
    """Raise OutOfScope if one of these ids is a child of the user's school (else a plain 404)."""
    ids = [pk for pk in pupil_ids if isinstance(pk, int) and 0 < pk < 2**63]
    found = Pupil.objects.filter(school_id=user.school_id, pk__in=ids).values_list("pk", flat=True)
    first = next(iter(found[:1]), None)
    if first is not None:
        raise OutOfScope(first)
    raise Http404


def get_pupil_for_user(user: User, pk: int, *, for_edit: bool = False) -> Pupil:
    """The pupil, if in the user's scope (else 404); 403 if an edit is asked by a reader."""
    try:
        pupil = pupils_visible_to(user=user).get(pk=pk)
    except Pupil.DoesNotExist:
        refuse_out_of_scope(user, [pk])
    if for_edit and not can_edit_pupil(user, pupil):
        raise PermissionDenied
    return pupil


def sees_full_phones(user: User, pupil: Pupil) -> bool:
    """Those who call the family (registrar, head teacher) see phones; others reveal on request."""
    return can_edit_pupil(user, pupil)


def sees_full_id_number(user: User) -> bool:
    return user.is_school_admin


# 学籍号 is usually "G" + the ID number, so it is masked like one.
ID_KEYS = frozenset(
    {"pupil.id_number", "pupil.student_number"}
    | {f"{part}.id_number" for part in ("father", "mother", "guardian")}
)


def shown_value(user: User, pupil: Pupil, key: str, value: str) -> tuple[str, bool]:
    """(what this person sees of a sensitive value, whether it is masked)."""
    if not value:
        return "", False
    if key in ID_KEYS:
        return (value, False) if sees_full_id_number(user) else (mask_id_number(value), True)
    return (value, False) if sees_full_phones(user, pupil) else (mask_phone(value), True)


# --- the archive -----------------------------------------------------------------------------


def archive_for_user(user: User, pk: int) -> tuple[Pupil, dict[str, Parent], Guardian | None]:
    """A pupil's whole archive in three queries: pupil with class, parents, guardian."""
    pupil = get_pupil_for_user(user, pk)
    parents = {parent.relation: parent for parent in Parent.objects.filter(pupil=pupil)}
    guardian = Guardian.objects.filter(pupil=pupil).first()
    return pupil, parents, guardian


def revisions_of(pupil: Pupil) -> QuerySet[ArchiveRevision]:
    return ArchiveRevision.objects.filter(pupil=pupil).select_related("actor")


def periods_of(pupil: Pupil):
    return pupil.left_behind_periods.select_related("recorded_by").order_by("-started_on", "-pk")


class ConsentRow(NamedTuple):
    """One purpose on the consent panel: its latest consent (None: never recorded)."""

    purpose: str
    label: str
    consent: Consent | None

    @property
    def in_force(self) -> bool:
        return self.consent is not None and self.consent.withdrawn_on is None


def consents_of(pupil: Pupil) -> list[ConsentRow]:
    """Every purpose with its latest consent, in Purpose order. One query."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(pupil=pupil).order_by("given_on", "pk"):
        if consent.purpose not in latest or latest[consent.purpose].withdrawn_on is not None:
            latest[consent.purpose] = consent
    return [
        ConsentRow(purpose, label, latest.get(purpose))
        for purpose, label in Consent.Purpose.choices
    ]


# --- retention of leavers ---------------------------------------------------------------------


def leavers_past_retention(*, school_id: int, years: int, today: datetime.date) -> QuerySet[Pupil]:
    """Leavers of the school whose leaving day is more than `years` before today and who are
    not yet scrubbed, those who left first first."""
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    return (
        Pupil.objects.filter(school_id=school_id)
        .leavers_past(cutoff)
        .select_related("school_class")
        .order_by("left_on", "pk")
    )


# --- completeness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveItem:
    key: str
    label: str
    missing: Q


def _related_missing(model, field: str, **match) -> Q:
    """True when the pupil has no related row with a non-empty `field`."""
    present = model.objects.filter(pupil=OuterRef("pk"), **match).exclude(**{field: ""})
    return ~Q(Exists(present))


def _guardian_missing(field: str) -> Q:
    """Asked unless the archive records that nobody looks after the child (无人监护)."""
    return ~Q(guardianship_type=Pupil.Guardianship.NONE) & _related_missing(Guardian, field)


def _parent_missing(relation: str, statuses: list[str], field: str) -> Q:
    """Asked only of a parent who is away, and not of an orphan's parents."""
    return Q(left_behind__in=statuses, is_orphan=False) & _related_missing(
        Parent, field, relation=relation
    )


_FATHER_AWAY = [LeftBehind.BOTH, LeftBehind.FATHER]
_MOTHER_AWAY = [LeftBehind.BOTH, LeftBehind.MOTHER]

# What a complete archive holds (../shared/DOMAIN.md, "The archive"): the child's particulars,
# every parent who is away with a way to reach them, and the guardian who looks after the child.
ARCHIVE_ITEMS = (
    ArchiveItem("id_number", _("身份证号"), Q(id_number="")),
    ArchiveItem("student_number", _("学籍号"), Q(student_number="")),
    ArchiveItem("birth_date", _("出生日期"), Q(birth_date=None)),
    ArchiveItem("school_class", _("班级"), Q(school_class=None)),
    ArchiveItem("address", _("家庭住址"), Q(address="")),
    ArchiveItem("guardianship_type", _("监护类型"), Q(guardianship_type="")),
    # A roster said 单亲留守 without saying which parent: the class teacher says which.
    ArchiveItem("away_parent", _("外出的是父亲还是母亲"), Q(left_behind=LeftBehind.ONE)),
    ArchiveItem("father_name", _("父亲姓名"), _parent_missing("father", _FATHER_AWAY, "name")),
    ArchiveItem("father_phone", _("父亲电话"), _parent_missing("father", _FATHER_AWAY, "phone")),
    ArchiveItem(
        "father_work_place", _("父亲务工地"), _parent_missing("father", _FATHER_AWAY, "work_place")
    ),
    ArchiveItem("mother_name", _("母亲姓名"), _parent_missing("mother", _MOTHER_AWAY, "name")),
    ArchiveItem("mother_phone", _("母亲电话"), _parent_missing("mother", _MOTHER_AWAY, "phone")),
    ArchiveItem(
        "mother_work_place", _("母亲务工地"), _parent_missing("mother", _MOTHER_AWAY, "work_place")
    ),
    ArchiveItem("guardian_name", _("监护人姓名"), _guardian_missing("name")),
    ArchiveItem("guardian_relation", _("监护人关系"), _guardian_missing("relation")),
    ArchiveItem("guardian_phone", _("监护人电话"), _guardian_missing("phone")),
    ArchiveItem("guardian_address", _("监护人住址"), _guardian_missing("address")),
)


def with_missing_count(queryset: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """Annotate `missing_count`: how many required archive items each pupil lacks."""
    total = Value(0)
    for item in ARCHIVE_ITEMS:
        total = total + Case(When(item.missing, then=Value(1)), default=Value(0))
    return queryset.annotate(missing_count=ExpressionWrapper(total, output_field=IntegerField()))


@functools.cache
def _missing_counts() -> QuerySet[Pupil]:
    """Every pupil's `missing_count`, built once per process and filtered by each page: the
    archive items' expressions took ~2 ms of CPU to build for every page of the pupil list
    (the query itself runs in ~0.2 ms). A queryset is copied by each filter, never changed."""
    return with_missing_count(Pupil.objects.all()).order_by().values_list("pk", "missing_count")


def count_missing(pupils) -> None:
    """Set `missing_count` on a page of pupils (pupil_list's, unless already annotated) in one
    query by their keys: annotated on the list itself, PostgreSQL hashed the school's whole
    parent and guardian tables, ten times, for a fifty-row page. A pupil whose kept
    archive_complete says so lacks nothing (missing_items_as_read): only the others are
    asked about, and no query when there are none (the nineteen items' SQL cost ~3 ms of
    CPU to build for a page of ten pupils)."""
    pupils = [pupil for pupil in pupils if not hasattr(pupil, "missing_count")]
    for pupil in pupils:
        if pupil.archive_complete:
            pupil.missing_count = 0
    pupils = [pupil for pupil in pupils if not pupil.archive_complete]
    if pupils:
        counts = dict(_missing_counts().filter(pk__in=[pupil.pk for pupil in pupils]))
        for pupil in pupils:
            pupil.missing_count = counts.get(pupil.pk, 0)


@functools.cache
def _missing_flags() -> QuerySet[Pupil]:
    """Each archive item missing or not, for every pupil: built once per process (as
    _missing_counts) and filtered by the pupil asked about."""
    return Pupil.objects.annotate(
        **{
            f"missing_{item.key}": ExpressionWrapper(item.missing, output_field=BooleanField())
            for item in ARCHIVE_ITEMS
        }
    ).values(*[f"missing_{item.key}" for item in ARCHIVE_ITEMS])


def missing_items(pupil: Pupil) -> list[str]:
    """The labels of the required items this pupil's archive lacks (one query)."""
    flags = _missing_flags().get(pk=pupil.pk)
    return [str(item.label) for item in ARCHIVE_ITEMS if flags[f"missing_{item.key}"]]


def missing_items_as_read(pupil: Pupil) -> list[str]:
    """missing_items of a pupil read in this request: none, without the query, when its kept
    archive_complete (set by every write by the same rule, archive_incomplete) says so. The
    nineteen items' query cost ~7 ms of CPU to build for each archive opened."""
    return [] if pupil.archive_complete else missing_items(pupil)


def archive_rate(
    *, user: User | None = None, pupils: QuerySet[Pupil] | None = None
) -> dict[str, int | float | None]:
    """建档率: the share of enrolled left-behind children in scope (or among `pupils`) whose
    archive is complete (now: the kept Pupil.archive_complete)."""
    counts = (
        (pupils if pupils is not None else pupils_visible_to(user=user))
        .filter(status=Pupil.Status.ENROLLED)
        .left_behind()
        .aggregate(**_ARCHIVE_COUNTS)
    )
    return _archive_figures(counts["archive_total"], counts["archive_incomplete"])


# 建档率's counts among enrolled pupils: the left-behind, and those of them incomplete.
_ARCHIVE_COUNTS = {
    "archive_total": Count("pk", filter=LEFT_BEHIND),
    "archive_incomplete": Count("pk", filter=LEFT_BEHIND & Q(archive_complete=False)),
}


def _archive_figures(total: int, incomplete: int) -> dict[str, int | float | None]:
    complete = total - incomplete
    return {
        "total": total,
        "complete": complete,
        "rate": round(100 * complete / total, 1) if total else None,
    }


def promotions_since(*, school_id: int, day: datetime.date) -> int:
    """How many year-end promotions the classes still running have had since the day: the
    school years begun after it, up to today (classes move up a grade when a year begins; the
    register keeps no dated history of a class's grade). One query."""
    return SchoolYear.objects.filter(
        school_id=school_id, start_date__gt=day, start_date__lte=timezone.localdate()
    ).count()


def archive_incomplete() -> Q:
    """A pupil whose archive lacks any required item (ARCHIVE_ITEMS), as a filter."""
    incomplete = Q()
    for item in ARCHIVE_ITEMS:
        incomplete |= item.missing
    return incomplete


def archived_by(day: datetime.date) -> Q:
    """The pupil's archive was created by the end of the day (建档: 建档率 is the left-behind
    children archived ÷ those at school that day). Of those, the complete ones are the kept
    Pupil.archive_complete: completeness has no dated history, it is read as it stands now."""
    next_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return Q(created_at__lt=next_day)


# --- the pupil list --------------------------------------------------------------------------

CATEGORY_CHOICES = [(field, Pupil._meta.get_field(field).verbose_name) for field in CATEGORY_FIELDS]
LEFT_BEHIND_FILTERS = [
    ("any", _("全部留守儿童")),
    ("care", _("全部关爱对象（留守及所选困境儿童）")),
    ("single", _("单亲留守")),
    *LeftBehind.choices,
]


def pupil_list(*, user: User, filters: dict) -> QuerySet[Pupil]:
    """The pupil list in class then pinyin order, filtered as the list page's form says."""
    queryset = pupils_visible_to(user=user).filter(
        status=filters.get("status") or Pupil.Status.ENROLLED
    )
    if filters.get("grade"):
        queryset = queryset.filter(school_class__grade=filters["grade"])
    if filters.get("school_class"):
        queryset = queryset.filter(school_class=filters["school_class"])
    status = filters.get("left_behind")
    if status == "any":
        queryset = queryset.left_behind()
    elif status == "care":
        queryset = queryset.filter(in_care(user.school))
    elif status == "single":
        queryset = queryset.filter(ONE_PARENT_AWAY)
    elif status:
        queryset = queryset.filter(left_behind=status)
    if filters.get("category") in CATEGORY_FIELDS:
        queryset = queryset.filter(**{filters["category"]: True})
    if filters.get("guardianship_type"):
        queryset = queryset.filter(guardianship_type=filters["guardianship_type"])
    if filters.get("gender"):
        queryset = queryset.filter(gender=filters["gender"])
    if filters.get("boarding"):
        queryset = queryset.filter(is_boarding=filters["boarding"] == "yes")
    if filters.get("incomplete"):
        queryset = with_missing_count(queryset).filter(missing_count__gt=0)
    if filters.get("no_consent"):  # the registrar chases the guardians who have not signed
        queryset = queryset.without_consent(Consent.Purpose.ARCHIVE)
    query = (filters.get("q") or "").strip()
    if query:
        queryset = queryset.filter(_search_q(query, by_number=sees_full_id_number(user)))
    guardians = Guardian.objects.only("pupil_id", "name", "relation", "phone")
    return queryset.prefetch_related(Prefetch("guardian", queryset=guardians)).order_by(
        "school_class__grade", "school_class__number", "name_pinyin", "pk"
    )


# The pupil list's left-behind filters whose counts the kept class counts hold, and their keys.
_KEPT_LIST_COUNTS = {"": "pupils", "any": "away"}


def pupil_list_count(*, user: User, filters: dict) -> int | None:
    """How many pupils pupil_list lists, added up from the kept ClassTally rows (a row a class,
    not a COUNT of the school's 20,000 pupils) when it lists a whole school's enrolled pupils
    by no more than grade, class and left-behind ("any"); None (count them) otherwise."""
    chosen = {key for key, value in filters.items() if value}
    key = _KEPT_LIST_COUNTS.get(filters.get("left_behind") or "")
    if (
        not user.reads_whole_school
        or key is None
        or (filters.get("status") or Pupil.Status.ENROLLED) != Pupil.Status.ENROLLED
        or chosen - {"status", "grade", "school_class", "left_behind"}
    ):
        return None
    tallies = ClassTally.objects.filter(school_id=user.school_id)
    if filters.get("grade"):
        tallies = tallies.filter(school_class__grade=filters["grade"])
    if filters.get("school_class"):
        tallies = tallies.filter(school_class=filters["school_class"])
    return sum(counts.get(key, 0) for counts in tallies.values_list("counts", flat=True))


def pupil_name_q(query: str) -> Q:
    """Children found by name, full pinyin or initials (never by a number): pickers use it."""
    return _search_q(query.strip(), by_number=False)


def _search_q(query: str, *, by_number: bool) -> Q:
    """By name, full pinyin ("wangxiaoming") or initials ("wxm"); by 学籍号 or the end of an ID
    number only for those who see the numbers in full (for others, a search that answers
    yes or no to a guessed ending would give the masked number back)."""
    if is_pinyin_query(query):
        lowered = query.lower()
        return Q(name_pinyin__contains=lowered) | Q(name_initials__contains=lowered)
    if not by_number:
        return Q(name__contains=query)
    if query.isdigit() or query[:-1].isdigit():
        return Q(student_number__icontains=query) | Q(id_number__endswith=query.upper())
    return Q(name__contains=query) | Q(student_number__icontains=query)


# --- the access log --------------------------------------------------------------------------


def access_log_for(*, user: User, filters: dict) -> QuerySet[AccessLog]:
    if not user.is_school_admin:
        raise PermissionDenied
    logs = AccessLog.objects.filter(school_id=user.school_id).select_related(
        "actor", "pupil", "pupil__school_class"
    )
    if filters.get("actor"):
        logs = logs.filter(actor=filters["actor"])
    if filters.get("action"):
        logs = logs.filter(action=filters["action"])
    if filters.get("pupil"):
        logs = logs.filter(pupil__name__contains=filters["pupil"])
    if filters.get("pupil_id"):
        logs = logs.filter(pupil_id=filters["pupil_id"])
    if filters.get("date_from"):
        logs = logs.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        logs = logs.filter(at__date__lte=filters["date_to"])
    return logs.order_by("-at", "-pk")


def get_staff_for_registrar(user: User, pk: int) -> User:
    """A member of the registrar's school; 404 for anyone else's, 403 for a non-registrar."""
    if not user.is_school_admin:
        raise PermissionDenied
    staff = User.objects.filter(school_id=user.school_id, pk=pk).first()
    if staff is None:
        raise Http404
    return staff


class SigninPause(NamedTuple):
    user: User
    failures: int
    addresses: list[str]
    until: datetime.datetime


def signin_pauses_for(*, user: User) -> list[SigninPause]:
    """The registrar's school's accounts whose sign-in is paused now, the longest first.
    Three queries."""
    if not user.is_school_admin:
        raise PermissionDenied
    staff = {person.username: person for person in User.objects.filter(school_id=user.school_id)}
    attempts = AccessAttempt.objects.filter(username__in=staff).order_by("attempt_time", "pk")
    failures_of_the_day = dict(
        signin.failed_signins_of_the_day()
        .filter(detail__in=staff)
        .values_list("detail")
        .annotate(Count("pk"))
    )
    grouped: dict[str, list[AccessAttempt]] = {}
    for attempt in attempts:
        grouped.setdefault(attempt.username, []).append(attempt)
    now = timezone.now()
    pauses = []
    for username, rows in grouped.items():
        failures = sum(row.failures_since_start for row in rows)
        until = rows[-1].attempt_time + signin.pause_after(failures_of_the_day.get(username, 0))
        if failures >= settings.AXES_FAILURE_LIMIT and until > now:
            addresses = sorted({row.ip_address for row in rows if row.ip_address})
            pauses.append(SigninPause(staff[username], failures, addresses, until))
    return sorted(pauses, key=lambda pause: (-pause.until.timestamp(), pause.user.pk))


def class_pupils_for_cards(
    *, user: User, school_class: SchoolClass, everyone: bool = False
) -> QuerySet[Pupil]:
    """The class's enrolled left-behind pupils (or everyone) in scope, for the contact cards."""
    pupils = pupils_visible_to(user=user).filter(
        school_class=school_class, status=Pupil.Status.ENROLLED
    )
    if not everyone:
        pupils = pupils.left_behind()
    return (
        pupils.select_related("guardian").prefetch_related("parents").order_by("name_pinyin", "pk")
    )


def get_class_for_user(user: User, pk: int) -> SchoolClass:
    """A class the user reads at least one pupil of, or whose head teacher they are (else 404)."""
    classes = SchoolClass.objects.filter(school_id=user.school_id).select_related("head_teacher")
    if not user.reads_whole_school:
        classes = classes.filter(head_teacher=user)
    try:
        return classes.get(pk=pk)
    except SchoolClass.DoesNotExist as exc:
        raise Http404 from exc


def class_choices_for(*, user: User) -> QuerySet[SchoolClass]:
    """The active classes a person may filter the pupil list by (no counts: a select box)."""
    classes = SchoolClass.objects.filter(school_id=user.school_id, is_active=True)
    if not user.reads_whole_school:
        classes = classes.filter(head_teacher=user)
    return classes.order_by("grade", "number", "pk")


def classes_visible_to(*, user: User) -> QuerySet[SchoolClass]:
    """The classes with their head teacher and pupil counts (the class table)."""
    return (
        class_choices_for(user=user)
        .select_related("head_teacher")
        .annotate(
            pupil_count=Count("pupils", filter=ENROLLED_PUPILS),
            left_behind_count=Count(
                "pupils", filter=ENROLLED_PUPILS & ~Q(pupils__left_behind="none")
            ),
        )
    )


# --- headline counts and contact cards -------------------------------------------------------


# The headline counts of a set of pupils.
_HEADLINE_COUNTS = {
    "n_pupils": Count("pk"),
    "n_classes": Count("school_class", distinct=True),
    "n_away": Count("pk", filter=LEFT_BEHIND),
    "n_both": Count("pk", filter=Q(left_behind=LeftBehind.BOTH)),
    "n_single": Count("pk", filter=ONE_PARENT_AWAY),
    "n_priority": Count("pk", filter=LEFT_BEHIND & Q(is_priority=True)),
}


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def headline_counts(pupils: QuerySet[Pupil]) -> dict[str, int | float | None]:
    """Pupils, left-behind children and their split, in one aggregate query."""
    counts = pupils.aggregate(**_HEADLINE_COUNTS)
    counts["share"] = _share(counts["n_away"], counts["n_pupils"])
    return counts


def home_figures(
    pupils: QuerySet[Pupil], *, by_grade: bool
) -> tuple[dict[str, int | float | None], dict[str, int | float | None], list[dict] | None]:
    """The home page's headline_counts, archive_rate and (by_grade) grade_summary of these
    enrolled pupils, from one walk of them grouped by grade instead of three."""
    rows = list(
        pupils.values("school_class__grade")
        .annotate(**_HEADLINE_COUNTS, **_ARCHIVE_COUNTS)
        .order_by("school_class__grade")
    )
    return _home_figures_of(rows, by_grade=by_grade)


def kept_home_figures(
    *, school_id: int, by_grade: bool
) -> tuple[dict[str, int | float | None], dict[str, int | float | None], list[dict] | None]:
    """home_figures of the school's enrolled pupils, added up from the kept class counts
    (kept_grade_sums: one query, a row a grade) instead of walking the pupils: the home of
    those who read the whole school."""
    rows = []
    for sums in kept_grade_sums(
        school_id=school_id, keys=[*_KEPT_HOME_COUNTS.values(), "complete"]
    ):
        row = {key: sums[kept_as] for key, kept_as in _KEPT_HOME_COUNTS.items()}
        row["archive_incomplete"] = sums["children"] - sums["complete"]
        rows.append({"school_class__grade": sums["grade"], "n_classes": sums["classes"], **row})
    return _home_figures_of(rows, by_grade=by_grade)


# home_figures' counts and the class_tally_counts key each is kept under.
_KEPT_HOME_COUNTS = {
    "n_pupils": "pupils",
    "n_away": "away",
    "n_both": "both",
    "n_single": "single",
    "n_priority": "is_priority",
    "archive_total": "children",
}


def _home_figures_of(
    rows: list[dict], *, by_grade: bool
) -> tuple[dict[str, int | float | None], dict[str, int | float | None], list[dict] | None]:
    counts = {key: sum(row[key] for row in rows) for key in _HEADLINE_COUNTS}
    counts["share"] = _share(counts["n_away"], counts["n_pupils"])
    archive = _archive_figures(
        sum(row["archive_total"] for row in rows), sum(row["archive_incomplete"] for row in rows)
    )
    grades = _grade_rows(row for row in rows if row["school_class__grade"] is not None)
    return counts, archive, grades if by_grade else None


def first_steps(*, user: User, counts: dict) -> dict | None:
    """For a registrar of a school with no pupils yet: how far the set-up has come (staff
    accounts, classes). One query; None for everyone else."""
    if not user.is_school_admin or counts["n_pupils"]:
        return None
    school = user.school
    return {
        "school": school,
        **User.objects.filter(school=school, is_active=True).aggregate(
            staff=Count("pk", distinct=True),
            classes=Count(
                "school__classes", filter=Q(school__classes__is_active=True), distinct=True
            ),
        ),
    }


def grade_summary(pupils: QuerySet[Pupil]) -> list[dict]:
    """Per grade: classes, pupils, left-behind children and their share (one query)."""
    return _grade_rows(
        pupils.filter(school_class__isnull=False)
        .values("school_class__grade")
        .annotate(
            n_classes=Count("school_class", distinct=True),
            n_pupils=Count("pk"),
            n_away=Count("pk", filter=LEFT_BEHIND),
        )
        .order_by("school_class__grade")
    )


def _grade_rows(rows) -> list[dict]:
    grade_names = dict(SchoolClass._meta.get_field("grade").choices)
    return [
        {
            "grade": row["school_class__grade"],
            "name": grade_names[row["school_class__grade"]],
            "classes": row["n_classes"],
            "pupils": row["n_pupils"],
            "away": row["n_away"],
            "share": _share(row["n_away"], row["n_pupils"]),
        }
        for row in rows
    ]


@dataclass
class ContactCard:
    pupil: Pupil
    father: Parent | None
    mother: Parent | None
    guardian: Guardian | None
    # The active pair teachers; a staff phone, so shown in full (staff call each other).
    pair_teachers: list[User] = field(default_factory=list)

    @property
    def head_teacher(self) -> User | None:
        return self.pupil.school_class.head_teacher if self.pupil.school_class else None


def away_work_places(pupil: Pupil, father: Parent | None, mother: Parent | None) -> str:
    """Where the parents who are away work: "父：广东省东莞市；母：浙江省义乌市" (either
    parent's written work place while which one is away is still to confirm)."""
    places = []
    unsure = pupil.away_parent_to_confirm
    for parent, away, label in (
        (father, pupil.father_away or unsure, _("父")),
        (mother, pupil.mother_away or unsure, _("母")),
    ):
        if away and parent is not None and parent.work_place:
            places.append(_("%(who)s：%(where)s") % {"who": label, "where": parent.work_place})
    return pgettext("punctuation", "；").join(places)


def contact_card(pupil: Pupil) -> ContactCard:
    """The card of a pupil loaded with its guardian and parents; pairing adds the pair teachers."""
    parents = {parent.relation: parent for parent in pupil.parents.all()}
    try:
        guardian = pupil.guardian
    except Guardian.DoesNotExist:
        guardian = None
    return ContactCard(
        pupil=pupil,
        father=parents.get(Parent.Relation.FATHER),
        mother=parents.get(Parent.Relation.MOTHER),
        guardian=guardian,
    )


def card_pupil_for_user(user: User, pk: int) -> Pupil:
    """A pupil in scope (else 404) with what the contact card shows, in two queries."""
    try:
        return (
            pupils_visible_to(user=user)
            .select_related("guardian")
            .prefetch_related("parents")
            .get(pk=pk)
        )
    except Pupil.DoesNotExist:
        refuse_out_of_scope(user, [pk])


# --- exports and ledgers ---------------------------------------------------------------------


def archive_export_rows(*, user: User, filters: dict) -> QuerySet[Pupil]:
    """The pupil list's pupils (its scope, filters and order) with parents and guardian joined.

    The list's query is a subquery, so its completeness annotation is not computed for each row.
    """
    listed = pupil_list(user=user, filters=filters).values("pk")
    # A list attribute rather than the related manager: no manager and queryset per pupil.
    parents = Prefetch("parents", to_attr="prefetched_parents")
    return (
        Pupil.objects.filter(pk__in=listed)
        .select_related("school_class", "guardian")
        .prefetch_related(parents)
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def register_rows(*, user: User, filters: dict) -> QuerySet[Pupil]:
    """The left-behind children for the register (花名册), scoped and filtered as the list."""
    status = filters.get("left_behind")
    if not status or status == LeftBehind.NONE:
        status = "any"
    return archive_export_rows(user=user, filters={**filters, "left_behind": status})


# What may be shared with those outside the school, and the consent each needs.
SHARING_PURPOSES = (Consent.Purpose.VOLUNTEERS, Consent.Purpose.VILLAGE)


def sharing_rows(*, user: User, filters: dict, purpose: str) -> tuple[QuerySet[Pupil], int]:
    """The register's children whose guardians consented to this sharing, and how many of the
    register's children are left out for lack of it (one count query)."""
    if purpose not in SHARING_PURPOSES:
        raise Http404
    listed = register_rows(user=user, filters=filters)
    shared = listed.with_consent(purpose)
    return shared, listed.without_consent(purpose).count()


@dataclass(frozen=True)
class StatisticsColumn:
    key: str
    label: str
    group: str = ""
    # The pupils this column counts; None for a column computed from the others (the share).
    condition: Q | None = None


# The statistics table (统计表), left to right. Categories and guardianship are counted among the
# left-behind children; 未填写 makes the guardianship columns add up to them.
STATISTICS_COLUMNS = (
    StatisticsColumn("pupils", _("学生数"), condition=Q()),
    StatisticsColumn("away", _("合计"), _("留守儿童"), LEFT_BEHIND),
    StatisticsColumn("share", _("占学生数"), _("留守儿童")),
    StatisticsColumn("boys", _("男"), _("留守儿童"), LEFT_BEHIND & Q(gender=Pupil.Gender.MALE)),
    StatisticsColumn("girls", _("女"), _("留守儿童"), LEFT_BEHIND & Q(gender=Pupil.Gender.FEMALE)),
    StatisticsColumn("both", _("双亲留守"), _("留守儿童"), Q(left_behind=LeftBehind.BOTH)),
    StatisticsColumn(
        "single",
        _("单亲留守"),
        _("留守儿童"),
        ONE_PARENT_AWAY,
    ),
    *(
        StatisticsColumn(field, label, _("类别"), LEFT_BEHIND & Q(**{field: True}))
        for field, label in CATEGORY_CHOICES
    ),
    *(
        StatisticsColumn(
            f"guardianship_{value}", label, _("监护类型"), LEFT_BEHIND & Q(guardianship_type=value)
        )
        for value, label in Pupil.Guardianship.choices
    ),
    StatisticsColumn(
        "guardianship_blank", _("未填写"), _("监护类型"), LEFT_BEHIND & Q(guardianship_type="")
    ),
)
COUNTED_COLUMNS = tuple(column for column in STATISTICS_COLUMNS if column.condition is not None)


@dataclass(frozen=True)
class StatisticsRow:
    label: str
    counts: dict[str, int]
    kind: str = "class"  # "class", "grade" (a grade's subtotal) or "total"
    grade: int | None = None
    also: dict[str, int] = field(default_factory=dict)  # ledger_statistics(also=...)
    school_class: int | None = None  # a class's row: its pk (None: the pupils in no class)

    @property
    def share(self) -> float | None:
        """Left-behind children as a percentage of the pupils, to one decimal."""
        pupils = self.counts["pupils"]
        return round(100 * self.counts["away"] / pupils, 1) if pupils else None

    @property
    def cells(self) -> list[tuple[StatisticsColumn, int | float | None]]:
        """(column, value) in STATISTICS_COLUMNS order."""
        return [
            (column, self.share if column.condition is None else self.counts[column.key])
            for column in STATISTICS_COLUMNS
        ]


def class_tally_counts() -> dict[str, Aggregate]:
    """What ClassTally keeps of a class's enrolled pupils, by the rules as they stand now: the
    统计表's columns, of the left-behind children the boarders, those paired with a teacher
    (the kept Pupil.teacher_paired) and those with a complete archive (archive_complete), and
    the 关爱对象 (the kept Pupil.in_care) with those of them paired."""
    return {column.key: Count("pk", filter=column.condition) for column in COUNTED_COLUMNS} | {
        "children": Count("pk", filter=LEFT_BEHIND),
        "boarding": Count("pk", filter=LEFT_BEHIND & Q(is_boarding=True)),
        "paired": Count("pk", filter=LEFT_BEHIND & Q(teacher_paired=True)),
        "complete": Count("pk", filter=LEFT_BEHIND & Q(archive_complete=True)),
        # The school's 关爱对象 (the kept in_care) and those of them paired: the board's coverage.
        "care": Count("pk", filter=Q(in_care=True)),
        "care_paired": Count("pk", filter=Q(in_care=True, teacher_paired=True)),
    }


def _summed(rows: list[StatisticsRow], *, label: str, kind: str) -> StatisticsRow:
    counts = {column.key: sum(row.counts[column.key] for row in rows) for column in COUNTED_COLUMNS}
    return StatisticsRow(label=label, counts=counts, kind=kind)


@dataclass(frozen=True)
class LedgerStatistics:
    rows: list[StatisticsRow]  # one per class, in grade and class order; pupils without one last
    totals: StatisticsRow

    @property
    def display_rows(self) -> list[StatisticsRow]:
        """The classes, a subtotal after each grade of several classes, and the total."""
        grade_names = dict(SchoolClass._meta.get_field("grade").choices)
        shown: list[StatisticsRow] = []
        grade_rows: list[StatisticsRow] = []
        for row in [*self.rows, None]:
            if grade_rows and (row is None or row.grade != grade_rows[0].grade):
                grade = grade_rows[0].grade
                if grade is not None and len(grade_rows) > 1:
                    label = _("%(grade)s小计") % {"grade": grade_names[grade]}
                    grade_rows.append(_summed(grade_rows, label=label, kind="grade"))
                shown += grade_rows
                grade_rows = []
            if row is not None:
                grade_rows.append(row)
        return [*shown, self.totals]


def ledger_statistics(
    *,
    user: User | None = None,
    pupils: QuerySet[Pupil] | None = None,
    on: datetime.date | None = None,
    grades_back: int = 0,
    also: dict[str, Aggregate] | None = None,
) -> LedgerStatistics:
    """The enrolled pupils in scope (or among `pupils`), counted by class in one aggregate
    query, with totals; with `on`, the pupils at school that day, by their status then
    (Pupil.objects.on_day), and each class still running read `grades_back` grades lower
    (the year-end promotions since: promotions_since). `also`: more aggregates of the same
    walk, each class's in its row's `also` (the classes' rows only)."""
    scoped = pupils if pupils is not None else pupils_visible_to(user=user)
    if on is None:
        scoped, conditions = (
            scoped.filter(status=Pupil.Status.ENROLLED),
            {column.key: column.condition for column in COUNTED_COLUMNS},
        )
    else:
        scoped, conditions = (
            scoped.on_day(on),
            {
                column.key: status_read_from(column.condition, "left_behind_on")
                for column in COUNTED_COLUMNS
            },
        )
    grouped = list(
        scoped.values(
            "school_class", "school_class__grade", "school_class__number", "school_class__is_active"
        )
        .annotate(
            **{f"n_{key}": Count("pk", filter=condition) for key, condition in conditions.items()},
            **{f"also_{key}": aggregate for key, aggregate in (also or {}).items()},
        )
        .order_by()
    )
    keys = [column.key for column in COUNTED_COLUMNS]
    return _statistics(
        (
            row["school_class"],
            max(row["school_class__grade"] - grades_back, 1)
            if grades_back and row["school_class__is_active"]
            else row["school_class__grade"],
            row["school_class__number"],
            {key: row[f"n_{key}"] for key in keys},
            {key: row[f"also_{key}"] for key in also or {}},
        )
        for row in grouped
    )


def kept_statistics(*, school_id: int, also: list[str] = ()) -> LedgerStatistics:
    """ledger_statistics of the school's enrolled pupils today, read from the kept ClassTally
    rows (one query, a row a class) instead of walking the pupils; `also`: more of the kept
    counts (class_tally_counts), each class's in its row's `also`."""
    keys = [column.key for column in COUNTED_COLUMNS]
    return _statistics(
        (
            school_class,
            grade,
            number,
            {key: counts[key] for key in keys},
            {key: counts[key] for key in also},
        )
        for school_class, grade, number, counts in kept_class_counts(school_id=school_id)
    )


def kept_class_counts(
    *, school_id: int
) -> Iterator[tuple[int | None, int | None, int | None, dict[str, int]]]:
    """The school's kept ClassTally rows: (class pk, grade, number, counts) a class (None: the
    pupils in no class), those whose pupils have all gone (an empty row) left out. One query;
    the counts read as text and decoded in one json.loads, not a JSONField's decoding a row
    (444 documents at 20,000 pupils: half the time)."""
    rows = list(
        ClassTally.objects.filter(school_id=school_id).values_list(
            "school_class",
            "school_class__grade",
            "school_class__number",
            Cast("counts", TextField()),
        )
    )
    documents = json.loads(f"[{','.join(row[3] for row in rows)}]")
    return (
        (school_class, grade, number, counts)
        for (school_class, grade, number, _text), counts in zip(rows, documents, strict=True)
        if counts
    )


def kept_grade_sums(*, school_id: int, keys: list[str]) -> list[dict[str, int | None]]:
    """The kept class counts of these keys (class_tally_counts) summed a grade by the database,
    with the grade's classes ("grade", "classes" and the keys; the pupils in no class under
    grade None, last): a row a grade, where kept_statistics reads and names a row a class (444
    JSON documents at 20,000 pupils). Empty rows (classes whose pupils have gone) left out."""
    sums = {
        f"kept_{key}": Sum(Cast(KT(f"counts__{key}"), IntegerField()), default=0) for key in keys
    }
    rows = (
        ClassTally.objects.filter(school_id=school_id)
        .exclude(counts={})
        .values("school_class__grade")
        .annotate(classes=Count("school_class"), **sums)
        .order_by()
    )
    return sorted(
        (
            {
                "grade": row["school_class__grade"],
                "classes": row["classes"],
                **{key: row[f"kept_{key}"] for key in keys},
            }
            for row in rows
        ),
        key=lambda row: (row["grade"] is None, row["grade"] or 0),
    )


def _statistics(grouped: Iterable[tuple]) -> LedgerStatistics:
    """The rows of ledger_statistics from (class, grade, number, counts, also) per class."""
    rows = [
        StatisticsRow(
            label=class_name(grade, number) if school_class else _("未分班"),
            counts=counts,
            grade=grade,
            also=also,
            school_class=school_class,
        )
        for school_class, grade, number, counts, also in sorted(
            grouped, key=lambda row: (row[0] is None, row[1] or 0, row[2] or 0, row[0] or 0)
        )
    ]
    return LedgerStatistics(rows=rows, totals=_summed(rows, label=_("合计"), kind="total"))


# --- roster import ---------------------------------------------------------------------------


def get_roster_upload_for_user(user: User, pk: int) -> RosterUpload:
    """An uploaded roster of the user's school (else 404); only administrators import."""
    if not user.is_school_admin:
        raise PermissionDenied
    try:
        return RosterUpload.objects.get(pk=pk, school_id=user.school_id)
    except RosterUpload.DoesNotExist as exc:
        raise Http404 from exc


# --- census rounds (普查/摸底) ------------------------------------------------------------------


def get_census_round(user: User, pk: int, *, manage: bool = False) -> CensusRound:
    """A round of the user's school: read by those who lead care, run by the registrar (403
    for anyone else); 404 for another school's."""
    if not (user.is_school_admin if manage else user.leads_care):
        raise PermissionDenied
    try:
        return CensusRound.objects.select_related("opened_by", "closed_by").get(
            pk=pk, school_id=user.school_id
        )
    except CensusRound.DoesNotExist as exc:
        raise Http404 from exc


def get_census_class(
    user: User, round_pk: int, class_pk: int, *, confirm: bool = False
) -> tuple[CensusRound, SchoolClass]:
    """A round and one of its classes for its head teacher, the registrar, and (to read) the
    principal; another class's head teacher gets 404, anyone else 403."""
    if not (user.leads_care or user.has_role(Role.CLASS_TEACHER)):
        raise PermissionDenied
    if confirm and not (user.is_school_admin or user.has_role(Role.CLASS_TEACHER)):
        raise PermissionDenied
    census = CensusRound.objects.filter(pk=round_pk, school_id=user.school_id).first()
    classes = census.classes().select_related("head_teacher") if census else None
    if census is None or not (school_class := classes.filter(pk=class_pk).first()):
        raise Http404
    if user.is_school_admin or (user.leads_care and not confirm):
        return census, school_class
    if school_class.head_teacher_id != user.pk:
        raise Http404
    return census, school_class


def open_census_round(*, school_id: int) -> CensusRound | None:
    """The school's open round, if any. One query."""
    return CensusRound.objects.filter(school_id=school_id, closed_at=None).first()


def census_rounds_for(*, user: User) -> QuerySet[CensusRound]:
    if not user.leads_care:
        raise PermissionDenied
    return CensusRound.objects.filter(school_id=user.school_id).select_related(
        "opened_by", "closed_by"
    )


def _revised_in(census: CensusRound) -> Q:
    """Archive changes written while the round was open."""
    during = Q(at__gte=census.opened_at)
    return during & Q(at__lte=census.closed_at) if census.closed_at else during


@dataclass
class CensusClassRow:
    school_class: SchoolClass
    pupil_count: int
    left_behind_count: int
    census_return: CensusClassReturn | None
    # Children whose archive changed during the round, and of those after the confirmation.
    changed: int = 0
    changed_after: int = 0

    @property
    def confirmed_at(self) -> datetime.datetime | None:
        return self.census_return.confirmed_at if self.census_return else None

    @property
    def reminded_at(self) -> datetime.datetime | None:
        return self.census_return.reminded_at if self.census_return else None


@dataclass
class CensusProgress:
    rows: list[CensusClassRow]

    @property
    def confirmed(self) -> int:
        return sum(1 for row in self.rows if row.confirmed_at)

    @property
    def unconfirmed(self) -> list[CensusClassRow]:
        return [row for row in self.rows if not row.confirmed_at]


def census_progress(*, census: CensusRound) -> CensusProgress:
    """Each class of the round: head teacher, children and left-behind now, confirmation and
    the archives changed in the round. Three queries, whatever the classes and pupils."""
    classes = (
        census.classes()
        .select_related("head_teacher")
        .annotate(
            pupil_count=Count("pupils", filter=ENROLLED_PUPILS),
            left_behind_count=Count(
                "pupils", filter=ENROLLED_PUPILS & ~Q(pupils__left_behind="none")
            ),
        )
    )
    returns = {
        row.school_class_id: row
        for row in CensusClassReturn.objects.filter(round=census).select_related("confirmed_by")
    }
    # The last change of each child changed in the round, by the child's class.
    changes = (
        ArchiveRevision.objects.filter(_revised_in(census), pupil__school_id=census.school_id)
        .values("pupil_id", "pupil__school_class_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    rows = {
        school_class.pk: CensusClassRow(
            school_class=school_class,
            pupil_count=school_class.pupil_count,
            left_behind_count=school_class.left_behind_count,
            census_return=returns.get(school_class.pk),
        )
        for school_class in classes
    }
    for change in changes:
        row = rows.get(change["pupil__school_class_id"])
        if row is None:
            continue
        row.changed += 1
        if row.confirmed_at and change["last"] > row.confirmed_at:
            row.changed_after += 1
    return CensusProgress(rows=list(rows.values()))


def census_class_pupils(*, census: CensusRound, school_class: SchoolClass) -> list[Pupil]:
    """The class's children now, with parents and guardian, their status when the round
    opened (`status_at_open` and its label, blank if they joined since) and their last
    change in the round (`changed_at`). Two queries."""
    entries = CensusEntry.objects.filter(round=census, pupil=OuterRef("pk"))
    revisions = ArchiveRevision.objects.filter(_revised_in(census), pupil=OuterRef("pk"))
    pupils = list(
        Pupil.objects.enrolled()
        .filter(school_class=school_class)
        .select_related("guardian")
        .prefetch_related(Prefetch("parents", to_attr="prefetched_parents"))
        .annotate(
            status_at_open=Coalesce(Subquery(entries.values("status_at_open")[:1]), Value("")),
            changed_at=Subquery(revisions.order_by("-at").values("at")[:1]),
        )
        .order_by("name_pinyin", "pk")
    )
    labels = dict(LeftBehind.choices)
    for pupil in pupils:
        pupil.status_at_open_label = labels.get(pupil.status_at_open, "")
    return pupils


@dataclass(frozen=True)
class CensusChangeRow:
    pupil: Pupil
    kind: str
    before: str
    after: str

    @property
    def before_label(self) -> str:
        return str(LeftBehind(self.before).label) if self.before else ""

    @property
    def after_label(self) -> str:
        return str(LeftBehind(self.after).label) if self.after else ""

    @property
    def work_places(self) -> str:
        """Where the parents away now work; the pupil comes with `prefetched_parents`."""
        parents = {parent.relation: parent for parent in self.pupil.prefetched_parents}
        return away_work_places(self.pupil, parents.get("father"), parents.get("mother"))


def census_changes(*, census: CensusRound) -> list[CensusChangeRow]:
    """The children whose status the round changed (an open round: as if it closed now), in
    class and pinyin order, with guardian and parents. Three or five queries."""
    after = "status_at_close" if census.closed_at else "status_now"
    entries = CensusEntry.objects.filter(round=census)
    if census.is_open:
        entries = entries.annotate(status_now=census_status_now())
    found = [
        (entry.pupil, entry.status_at_open, getattr(entry, after))
        for entry in entries.exclude(status_at_open=F(after))
        .select_related("pupil__school_class", "pupil__guardian")
        .prefetch_related(Prefetch("pupil__parents", to_attr="prefetched_parents"))
    ]
    if census.is_open:
        found += [(pupil, "", pupil.left_behind) for pupil in census.joined_pupils()
                  .select_related("school_class", "guardian")
                  .prefetch_related(Prefetch("parents", to_attr="prefetched_parents"))]  # fmt: skip
    rows = [
        CensusChangeRow(pupil=pupil, kind=census_change(before, now), before=before, after=now)
        for pupil, before, now in found
    ]
    return sorted(rows, key=_class_then_pinyin)


def _class_then_pinyin(row: CensusChangeRow) -> tuple:
    school_class = row.pupil.school_class
    return (
        (school_class.grade, school_class.number) if school_class else (99, 0),
        row.pupil.name_pinyin,
        row.pupil.pk,
    )


def census_change_groups(rows: list[CensusChangeRow]) -> list[tuple[str, str, list]]:
    """(kind, label, rows) for each kind of change, in CENSUS_CHANGES order."""
    return [
        (kind, str(label), [row for row in rows if row.kind == kind])
        for kind, label in CENSUS_CHANGES.items()
    ]


def census_outcome(census: CensusRound) -> dict[str, int]:
    """What a closed round found, as counts for the term summary: each kind of change in
    CENSUS_CHANGES, and the left-behind children at school when it opened and closed. Two
    queries."""
    away = LeftBehind.away_statuses()
    counts = CensusEntry.objects.filter(round=census).aggregate(
        left_behind_at_open=Count("pk", filter=Q(status_at_open__in=away)),
        left_behind_at_close=Count("pk", filter=Q(status_at_close__in=away)),
        pupils_at_open=Count("pk", filter=~Q(status_at_open="")),
        pupils_at_close=Count("pk", filter=~Q(status_at_close="")),
    )
    counts |= dict.fromkeys(CENSUS_CHANGES, 0)
    changed = CensusEntry.objects.filter(round=census).exclude(status_at_open=F("status_at_close"))
    for before, after in changed.values_list("status_at_open", "status_at_close"):
        counts[census_change(before, after)] += 1
    return counts


def last_closed_census(*, school_id: int, period: Period) -> CensusRound | None:
    """The school's last round closed within the period (a term), for its summary. One query."""
    return (
        CensusRound.objects.filter(
            school_id=school_id,
            closed_at__date__gte=period.start,
            closed_at__date__lte=period.end,
        )
        .order_by("-closed_at", "-pk")
        .first()
    )


CensusBanner = tuple[CensusRound, SchoolClass, datetime.datetime | None]


def census_banner_for(*, user: User) -> list[CensusBanner]:
    """For a head teacher while a round is open: (round, class, reminded at) for each class
    they head that has not confirmed. Two queries (one when no round is open)."""
    census = open_census_round(school_id=user.school_id)
    if census is None:
        return []
    classes = census.classes().filter(head_teacher=user)
    returns = {
        row.school_class_id: row
        for row in CensusClassReturn.objects.filter(round=census, school_class__in=classes)
    }
    banners = []
    for school_class in classes:
        census_return = returns.get(school_class.pk)
        if census_return is None or census_return.confirmed_at is None:
            reminded_at = census_return.reminded_at if census_return else None
            banners.append((census, school_class, reminded_at))
    return banners


def census_class_return(*, census: CensusRound, school_class: SchoolClass) -> CensusClassReturn:
    """The class's return in the round (unsaved and unconfirmed if it has none yet)."""
    found = (
        CensusClassReturn.objects.filter(round=census, school_class=school_class)
        .select_related("confirmed_by")
        .first()
    )
    return found or CensusClassReturn(round=census, school_class=school_class)


def schools_visible_to(*, user: User) -> QuerySet[School]:
    """The schools a county reader reads: every school for the bureau and the installation's
    registrar, their township's for a 中心学校 reader, none for anyone else (a school's own
    staff read their school through its own pages)."""
    if not user.is_authenticated:
        return School.objects.none()
    if user.has_role(Role.BUREAU) or user.has_role(Role.SYSTEM_ADMIN):
        return School.objects.select_related("township")
    if user.has_role(Role.TOWNSHIP) and user.township_id is not None:
        return School.objects.filter(township_id=user.township_id).select_related("township")
    return School.objects.none()


def get_school_for_county_reader(user: User, pk: int) -> School:
    """A school the county reader may read, else 404 (its existence is not revealed)."""
    return get_object_or_404(schools_visible_to(user=user), pk=pk)


# --- the two definitions (口径) of a left-behind child ----------------------------------------


class DefinitionGap(NamedTuple):
    """Left-behind children the school counts and civil affairs does not, for one reason."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Definitions:
    """The school's count (学籍: one or both parents away) beside the civil-affairs count (民政
    2016: under 16, rural hukou, both away or the other 无监护能力), and the reasons between
    them, each child under the first that applies: school − sum(gaps) = civil_affairs."""

    day: datetime.date
    school: int
    civil_affairs: int
    gaps: list[DefinitionGap]

    @property
    def adds_up(self) -> bool:
        return self.school - sum(gap.count for gap in self.gaps) == self.civil_affairs


# Why a left-behind child of the school is not one civil affairs counts, in the order checked.
DEFINITION_GAPS = (
    ("one_parent", _("单亲外出且另一方有监护能力")),
    ("aged_16", _("年满16周岁")),
    ("no_birth_date", _("出生日期未填")),
    ("not_rural", _("非农业户口（含居民户口）")),
    ("no_hukou_type", _("户籍类型未填")),
)


def left_behind_definitions(
    *, pupils: QuerySet[Pupil], day: datetime.date | None = None
) -> Definitions:
    """Both counts and the gaps for the enrolled pupils among `pupils` (a school's, or several
    schools'), in one aggregate query."""
    day = day or timezone.localdate()
    situation = civil_affairs_situation()
    under_16 = Q(birth_date__gt=civil_affairs_cutoff(day))
    counted = situation & under_16
    conditions = {
        "school": Q(),
        "one_parent": ~situation,
        "aged_16": situation & Q(birth_date__lte=civil_affairs_cutoff(day)),
        "no_birth_date": situation & Q(birth_date=None),
        "not_rural": counted & Q(hukou_type__in=[Pupil.Hukou.NON_RURAL, Pupil.Hukou.RESIDENT]),
        "no_hukou_type": counted & Q(hukou_type=""),
        "civil_affairs": counted & Q(hukou_type=Pupil.Hukou.RURAL),
    }
    counts = (
        pupils.filter(status=Pupil.Status.ENROLLED)
        .filter(LEFT_BEHIND)
        .order_by()
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )
    return Definitions(
        day=day,
        school=counts["school"],
        civil_affairs=counts["civil_affairs"],
        gaps=[DefinitionGap(key, str(label), counts[key]) for key, label in DEFINITION_GAPS],
    )


def national_layout_rows(*, user: User) -> QuerySet[Pupil]:
    """The enrolled pupils of the person's scope with what the national layouts print: class,
    school, guardian and parents, in class order."""
    parents = Prefetch("parents", to_attr="prefetched_parents")
    return (
        pupils_visible_to(user=user)
        .filter(status=Pupil.Status.ENROLLED)
        .select_related("school", "guardian")
        .prefetch_related(parents)
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def county_readers() -> list[User]:
    """The accounts of the bureau and the 中心学校 (学区) readers, for the installation's
    registrar: those with no school or with a township, their roles checked in Python (a
    JSON list's contents are not portably indexed)."""
    candidates = (
        User.objects.filter(Q(school__isnull=True) | Q(township__isnull=False))
        .select_related("township", "school")
        .order_by("username", "pk")
    )
    return [user for user in candidates if user.has_any_role(COUNTY_READERS)]
