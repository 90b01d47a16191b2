"""Reads of the pairing app: scoped pairs, the board (coverage, loads, suggestions) and activity."""

import datetime
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.periods import Period
from pairing.models import (
    SCHOOL_CHECKERS,
    ClassPairCount,
    HelpPlan,
    Pair,
    PairCheck,
    PairingSettings,
    Volunteer,
)
from registry.models import (
    ENROLLED_PUPILS,
    GRADE_NAMES,
    ClassRef,
    ClassTally,
    Pupil,
    Role,
    School,
    SchoolClass,
    TeachingAssignment,
    User,
    class_name,
    holding_role,
)
from registry.selectors import (
    ContactCard,
    card_pupil_for_user,
    class_pupils_for_cards,
    contact_card,
    pupils_visible_to,
    refuse_out_of_scope,
)


def can_manage_pairs(user: User) -> bool:
    """Who may pair children and end pairs: those who run the school's care work."""
    return user.leads_care


def paired_with(user: User) -> Q:
    """The scope grant of pairing: a pair teacher reads the children of their active pairs."""
    return Q(pk__in=Pair.objects.active_teacher().filter(teacher=user).values("pupil_id"))


def has_teacher_pair(on: datetime.date | None = None) -> Exists:
    """The pupil (OuterRef "pk") has a live teacher pair (with `on`, one running that day): the
    one spelling behind coverage here and across schools (county)."""
    pairs = Pair.objects.active_teacher() if on is None else Pair.objects.teacher_on_day(on)
    return Exists(pairs.filter(pupil=OuterRef("pk")))


def paired_on_day(day: datetime.date) -> Q:
    """The pupil (a row of Pupil) had a teacher pair running on the day (has_teacher_pair):
    today from the kept Pupil.teacher_paired, which every write of a pair or a pair teacher's
    account sets by that rule, so a walk of the children tests a column, not their pairs."""
    if day >= timezone.localdate():
        return Q(teacher_paired=True)
    return Q(has_teacher_pair(day))


def _has_buddy() -> Exists:
    return Exists(Pair.objects.active().filter(pupil=OuterRef("pk"), kind=Pair.Kind.BUDDY))


# --- scope -----------------------------------------------------------------------------------


def pairs_visible_to(*, user: User, pupils: Q | None = None) -> QuerySet[Pair]:
    """Pairs of children the user may read (and who match `pupils`, e.g. a class: the database
    then starts from those children), with child, class and partner."""
    if pupils is None and user.is_authenticated and user.reads_whole_school:
        # The whole school's pairs: each pair's child tested where the pair joins it (pending
        # imports aside, as Pupil.objects leaves them out). As a list of the school's pupils,
        # SQLite walked all 20,000 to count 5,700 pairs and PostgreSQL scanned them twice.
        scope = Q(pupil__school_id=user.school_id, pupil__pending_import=None)
    else:
        children = pupils_visible_to(user=user)
        scope = Q(pupil__in=(children if pupils is None else children.filter(pupils)).values("pk"))
    return (
        Pair.objects.filter(scope, school_id=user.school_id)
        .select_related("pupil", "pupil__school_class", "teacher", "buddy", "volunteer")
        .order_by(
            "pupil__school_class__grade",
            "pupil__school_class__number",
            "pupil__name_pinyin",
            "-started_on",
            "pk",
        )
    )


def get_pair_for_user(user: User, pk: int, *, for_edit: bool = False) -> Pair:
    """The pair if its child is in the user's scope (else 404); 403 for a reader asking to write.

    Those who run pairing and the pair's own teacher write its plan and checks.
    """
    try:
        pair = pairs_visible_to(user=user).get(pk=pk)
    except Pair.DoesNotExist:
        pupils = Pair.objects.filter(pk=pk, school_id=user.school_id).values_list("pupil_id")
        refuse_out_of_scope(user, [pupil for (pupil,) in pupils])
    if for_edit and not (can_manage_pairs(user) or pair.teacher_id == user.pk):
        raise PermissionDenied
    return pair


def pairs_of_pupil(pupil: Pupil) -> list[Pair]:
    """The child's pairs, active first then the history (one query)."""
    pairs = Pair.objects.filter(pupil=pupil).select_related("teacher", "buddy", "volunteer")
    return sorted(
        pairs, key=lambda pair: (pair.ended_on is not None, -pair.started_on.toordinal(), -pair.pk)
    )


def pair_teachers_of(pupils: list[Pupil]) -> dict[int, list[User]]:
    """Each pupil's active pair teachers (one query), for contact cards."""
    teachers: dict[int, list[User]] = defaultdict(list)
    pairs = Pair.objects.active_teacher().filter(pupil__in=[pupil.pk for pupil in pupils])
    for pair in pairs.select_related("teacher").order_by("started_on", "pk"):
        teachers[pair.pupil_id].append(pair.teacher)
    return teachers


# --- contact cards: the registry's card with the pair teachers' phones ----------------------


def contact_card_for(user: User, pk: int) -> ContactCard:
    """One pupil's contact card, in scope (else 404), in three queries."""
    return _with_pair_teachers([contact_card(card_pupil_for_user(user, pk))])[0]


def class_contact_cards(
    *, user: User, school_class: SchoolClass, everyone: bool = False
) -> list[ContactCard]:
    pupils = class_pupils_for_cards(user=user, school_class=school_class, everyone=everyone)
    return _with_pair_teachers([contact_card(pupil) for pupil in pupils])


def _with_pair_teachers(cards: list[ContactCard]) -> list[ContactCard]:
    """Fill in each card's pair teachers: one query for any number of cards."""
    teachers = pair_teachers_of([card.pupil for card in cards])
    for card in cards:
        card.pair_teachers = teachers.get(card.pupil.pk, [])
    return cards


# --- the board -------------------------------------------------------------------------------


@dataclass
class Coverage:
    label: str
    children: int
    paired: int
    class_id: int | None = None  # None: the school's, a grade's, or the children in no class
    grade: int | None = None  # the class's (or the grade row's) grade; None: in no class

    @property
    def unpaired(self) -> int:
        return self.children - self.paired

    def meets(self, target: int) -> bool:
        return self.children == 0 or 100 * self.paired >= target * self.children

    @property
    def share(self) -> float | None:
        """Percent, one decimal; None when there is no left-behind child."""
        return round(100 * self.paired / self.children, 1) if self.children else None


class TeacherName(NamedTuple):
    """A teacher as the board's lists name one (key and name): not a User built for each of a
    large school's thousand teachers. Named as User.__str__ names them."""

    pk: int
    full_name: str
    username: str

    def __str__(self) -> str:
        return self.full_name or self.username


@dataclass
class TeacherLoad:
    teacher: TeacherName
    load: int
    limit: int
    idle: int = 0

    @property
    def free(self) -> int:
        return max(self.limit - self.load, 0)


@dataclass
class UnpairedChild:
    """An unpaired child as the board lists one (read as a row, not a Pupil: a large school
    has hundreds), with its suggestion once suggest_pairs has made one."""

    pk: int
    name: str
    school_class: ClassRef | None
    teacher_paired: bool
    is_priority: bool
    is_orphan: bool
    has_buddy: bool = False
    suggestion: "Suggestion | None" = None

    @property
    def school_class_id(self) -> int | None:
        return self.school_class.pk if self.school_class else None


@dataclass
class Suggestion:
    pupil: Pupil | UnpairedChild
    teacher: TeacherName
    reason: str


@dataclass
class Board:
    settings: PairingSettings
    school: Coverage
    classes: list[Coverage]
    unpaired: list[UnpairedChild]
    loads: list[TeacherLoad]
    suggestions: list[Suggestion]
    idle_pairs: list[Pair]
    orphaned_pairs: list[Pair] = field(default_factory=list)  # teacher no longer at work


def _priority_order(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """Priority children first (重点帮扶, orphans, no one looking after them), then by class."""
    return pupils.order_by(
        "-is_priority",
        "-is_orphan",
        "-is_unsupported",
        "-lacks_guardian",
        "school_class__grade",
        "school_class__number",
        "name_pinyin",
        "pk",
    )


def unpaired_children(school: School, settings: PairingSettings | None = None) -> QuerySet[Pupil]:
    """The school's 关爱对象 without an active teacher pair (the kept Pupil.teacher_paired) and,
    when the school requires one, those without a buddy (`has_buddy`), priority children first.

    From the kept flag, not by looking up every child's pairs: a large school has thousands.
    """
    children = Pupil.objects.in_care_enrolled(school)
    if settings is not None and settings.buddy_required:
        children = children.annotate(has_buddy=_has_buddy()).filter(
            Q(teacher_paired=False) | Q(has_buddy=False)
        )
    else:
        children = children.filter(teacher_paired=False)
    return _priority_order(children).select_related("school_class")


def coverage(
    school: School, *, children: QuerySet[Pupil] | None = None, on: datetime.date | None = None
) -> tuple[Coverage, list[Coverage]]:
    """The school's 关爱对象 (or the `children` given, e.g. the left-behind alone) with an
    active teacher pair (with `on`, a teacher pair running that day), for the school and each
    class.

    One query: the counts by class with each class's grade and number, named by class_name
    (not 400 SchoolClass objects, nor a second query for 400 keys). Today's pairs are the kept
    Pupil.teacher_paired (has_teacher_pair() as every pairing write sets it), not a lookup of
    every child's pairs; a past day's are looked up. The school's children today are the
    classes' kept counts (_kept_coverage).
    """
    today = on is None or on >= timezone.localdate()
    if children is None and today:
        rows = _kept_coverage(school.pk)
    else:
        if children is None:
            children = Pupil.objects.in_care_enrolled(school)
        if today:
            paired = Q(teacher_paired=True)
        else:
            children = children.annotate(has_teacher=has_teacher_pair(on))
            paired = Q(has_teacher=True)
        rows = (
            children.values_list("school_class", "school_class__grade", "school_class__number")
            .annotate(children=Count("pk"), paired=Count("pk", filter=paired))
            .order_by()
        )
    counts = {pk: (grade, number, n, p) for pk, grade, number, n, p in rows if n}
    per_class = [
        Coverage(class_name(grade, number), n, p, pk, grade)
        for pk, (grade, number, n, p) in sorted(
            ((pk, row) for pk, row in counts.items() if pk is not None),
            key=lambda item: (item[1][0], item[1][1], item[0]),
        )
    ]
    if None in counts:
        per_class.append(Coverage(str(_("未分班")), counts[None][2], counts[None][3]))
    total = Coverage(
        str(_("全校")), sum(row.children for row in per_class), sum(row.paired for row in per_class)
    )
    return total, per_class


def _kept_coverage(school_id: int) -> QuerySet:
    """(class, grade, number, children in care, paired) a class, from the classes' kept counts
    (ClassTally's "care" and "care_paired", read by the database from each row's
    document): 444 rows at 20,000 pupils, where the walk read 4,000 children in care."""
    return (
        ClassTally.objects.filter(school_id=school_id)
        .exclude(counts={})
        .values_list(
            "school_class",
            "school_class__grade",
            "school_class__number",
            Cast(KT("counts__care"), IntegerField()),
            Cast(KT("counts__care_paired"), IntegerField()),
        )
    )


def coverage_by_grade(per_class: list[Coverage]) -> list[Coverage]:
    """A row a grade (the children in no class last), summed from coverage()'s class rows: the
    board shows these for the whole school and the classes of one grade at a time."""
    rows: dict[int | None, Coverage] = {}
    for row in per_class:
        total = rows.get(row.grade)
        if total is None:  # each grade named once, not once for each of its classes
            label = str(GRADE_NAMES.get(row.grade, row.label)) if row.grade else row.label
            total = rows[row.grade] = Coverage(label, 0, 0, grade=row.grade)
        total.children += row.children
        total.paired += row.paired
    return list(rows.values())


def teacher_loads(school_id: int, settings: PairingSettings) -> list[TeacherLoad]:
    """Every teacher who can be paired, with their active pairs, lightest load first (2
    queries). Each teacher is a TeacherName read as a row: a large school has a thousand."""
    # These teachers are at work, so their open teacher pairs are active_teacher() ones; each
    # teacher's counted at once from pair_active_by_teacher's entries (a pair with a teacher is
    # a teacher pair: pair_partner_matches_kind), not a count of them for each of a thousand
    # teachers (PostgreSQL 23 -> 4 ms at 1,300 teachers), nor the school's pairs joined to the
    # staff and grouped by every column of theirs.
    loads = dict(
        Pair.objects.filter(school_id=school_id, ended_on=None, teacher__isnull=False)
        .values_list("teacher")
        .annotate(n=Count("*"))  # from the index's entries alone on PostgreSQL too
        .order_by()
    )
    teachers = (
        pairable_teachers(school_id)
        .order_by("full_name", "pk")
        .values_list("pk", "full_name", "username")
    )
    limit = settings.max_children_per_teacher
    # By name in the database's collation, then by load: a stable sort keeps the names' order.
    return sorted(
        (
            TeacherLoad(TeacherName(pk, full_name, username), loads.get(pk, 0), limit)
            for pk, full_name, username in teachers
        ),
        key=attrgetter("load"),
    )


def pairable_teachers(school_id: int) -> QuerySet[User]:
    """Staff at work who teach: class teachers, subject teachers and pair teachers."""
    teaches = Exists(TeachingAssignment.objects.filter(teacher=OuterRef("pk"))) | Exists(
        SchoolClass.objects.filter(head_teacher=OuterRef("pk"), is_active=True)
    )
    # The roles tested by the database, not by building every staff member (a large school
    # has a thousand) to send their ids back as a list.
    holds_role = holding_role(Role.CLASS_TEACHER, Role.PAIR_TEACHER)
    return User.objects.filter(teaches | holds_role, school_id=school_id, is_active=True)


def suggest_pairs(
    children: list[Pupil], loads: list[TeacherLoad], school_id: int
) -> list[Suggestion]:
    """A teacher for each unpaired child, balancing load: the child's class teacher first, then
    the class's subject teachers, then whoever carries the least; never past the maximum.

    Children come priority first, so they are served before the limit is reached. One query.
    """
    remaining = {entry.teacher.pk: entry for entry in loads}
    load = {pk: entry.load for pk, entry in remaining.items()}
    subject_teachers: dict[int, set[int]] = defaultdict(set)
    # The subject teachers of these children's classes only, not of the school's 400.
    classes = {child.school_class_id for child in children} - {None}
    for class_id, teacher_id in TeachingAssignment.objects.filter(
        school_class__in=classes, school_class__school_id=school_id
    ).values_list("school_class_id", "teacher_id"):
        subject_teachers[class_id].add(teacher_id)

    def free(pk: int | None) -> bool:
        return pk in remaining and load[pk] < remaining[pk].limit

    # The least loaded teacher, from a heap; an entry whose load has changed since is skipped.
    lightest = [(load[pk], pk) for pk in remaining if free(pk)]
    heapq.heapify(lightest)

    def least_loaded() -> int | None:
        while lightest:
            entry_load, pk = lightest[0]
            if entry_load == load[pk] and free(pk):
                return pk
            heapq.heappop(lightest)
        return None

    # Each reason translated once, not once for each of hundreds of children.
    by_head, by_subject, by_load = (
        str(_("本班班主任")),
        str(_("本班任课教师")),
        str(_("结对最少的教师")),
    )
    suggestions = []
    for child in children:
        school_class = child.school_class
        head = school_class.head_teacher_id if school_class else None
        subjects = subject_teachers.get(school_class.pk, set()) if school_class else set()
        candidates = sorted((load[pk], pk) for pk in subjects if free(pk))
        if free(head):
            chosen, reason = head, by_head
        elif candidates:
            chosen, reason = candidates[0][1], by_subject
        else:
            chosen, reason = least_loaded(), by_load
            if chosen is None:
                continue
        load[chosen] += 1
        if free(chosen):
            heapq.heappush(lightest, (load[chosen], chosen))
        suggestions.append(Suggestion(child, remaining[chosen].teacher, reason))
    return suggestions


def _unpaired_rows(school: School, settings: PairingSettings) -> list[UnpairedChild]:
    """unpaired_children as the board lists them, in their order: rows, not Pupils (each with
    its class, deferred fields and all, cost 40 µs: 12 ms at 20,000 pupils)."""
    buddy = ("has_buddy",) if settings.buddy_required else ()
    rows = unpaired_children(school, settings).values_list(
        "pk", "name", "teacher_paired", "is_priority", "is_orphan", *buddy, "school_class",
        "school_class__grade", "school_class__number", "school_class__head_teacher_id",
    )  # fmt: skip
    classes: dict[int, ClassRef] = {}
    children = []
    for pk, name, paired, priority, orphan, *has_buddy, class_id, grade, number, head in rows:
        if class_id is not None and class_id not in classes:
            classes[class_id] = ClassRef(class_id, grade, number, head)
        children.append(
            UnpairedChild(pk, name, classes.get(class_id), paired, priority, orphan, *has_buddy[:1])
        )
    return children


def board(school: School, *, idle: list[Pair]) -> Board:
    """The pairing board; ``idle`` is the school's idle pairs, which visits decides (a pair's
    activity is in its care records)."""
    settings = PairingSettings.for_school(school)
    total, per_class = coverage(school)
    unpaired = _unpaired_rows(school, settings)
    loads = teacher_loads(school.pk, settings)
    teacher_unpaired = [child for child in unpaired if not child.teacher_paired]
    suggestions = suggest_pairs(teacher_unpaired, loads, school.pk)
    for suggestion in suggestions:
        suggestion.pupil.suggestion = suggestion
    idle_by_teacher: dict[int, int] = defaultdict(int)
    for pair in idle:
        idle_by_teacher[pair.teacher_id] += 1
    for entry in loads:
        entry.idle = idle_by_teacher.get(entry.teacher.pk, 0)
    orphaned = list(
        Pair.objects.teachers()
        .active()
        .filter(school=school, teacher__is_active=False)
        .select_related("pupil", "pupil__school_class", "teacher")
        .order_by("pk")
    )
    return Board(settings, total, per_class, unpaired, loads, suggestions, idle, orphaned)


def volunteers_of(school_id: int) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(school_id=school_id, is_active=True)


def my_pairs(user: User) -> QuerySet[Pair]:
    """The user's children: their active pairs as teacher, in class order."""
    return (
        Pair.objects.active_teacher()
        .filter(teacher=user)
        .select_related("pupil", "pupil__school_class", "pupil__guardian", "plan")
        .order_by(
            "pupil__school_class__grade", "pupil__school_class__number", "pupil__name_pinyin", "pk"
        )
    )


def plan_of(pair: Pair) -> HelpPlan:
    """The pair's plan (an empty one if none was written); one query."""
    return HelpPlan.objects.filter(pair=pair).select_related("updated_by").first() or HelpPlan(
        pair=pair
    )


def volunteers_with_children(school_id: int) -> QuerySet[Volunteer]:
    """The school's volunteers with how many children each looks after now."""
    return volunteers_of(school_id).annotate(
        children=Count("pairs", filter=Q(pairs__ended_on=None))
    )


def checks_of(pair: Pair) -> QuerySet[PairCheck]:
    return pair.checks.select_related("checked_by")


# --- leaving, the year's end, the register ---------------------------------------------------


def get_teacher_for_user(user: User, pk: int) -> User:
    """A member of the user's school (else 404)."""
    try:
        return User.objects.get(pk=pk, school_id=user.school_id)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def teacher_active_pairs(teacher: User) -> list[Pair]:
    """The teacher's active pairs with child and class, in class order (one query)."""
    return list(
        # Not active_teacher(): the leaving flow hands over the pairs of a teacher already gone.
        Pair.objects.teachers()
        .active()
        .filter(teacher=teacher)
        .select_related("pupil", "pupil__school_class", "pupil__school_class__head_teacher")
        .order_by("pupil__school_class__grade", "pupil__school_class__number", "pupil__name_pinyin")
    )


def active_classes_with_pupils(school_id: int) -> list[SchoolClass]:
    """Active classes with their head teacher and enrolled pupils counted (one query)."""
    return list(
        SchoolClass.objects.filter(school_id=school_id, is_active=True)
        .select_related("head_teacher")
        .annotate(enrolled=Count("pupils", filter=ENROLLED_PUPILS))
        .order_by("grade", "number", "pk")
    )


def register_pairs(
    *, user: User, with_ended: bool = False, children: dict[str, Any] | None = None
) -> QuerySet[Pair]:
    """结对帮扶登记表: the pairs the user may read (whose children match the lookups
    `children`, e.g. a class), by class and child, with plan."""
    if children is None:
        pairs = pairs_visible_to(user=user)
    else:
        # Asked of the scope's subquery (SQLite lists those children, not the school's) and of
        # the pair's own joined child: PostgreSQL (join_collapse_limit) left the subquery after
        # the register's eight joins, which it made for every pair of the school first.
        pairs = pairs_visible_to(user=user, pupils=Q(**children)).filter(
            **{f"pupil__{lookup}": value for lookup, value in children.items()}
        )
    pairs = pairs.select_related("buddy__school_class", "plan")
    return pairs if with_ended else pairs.active()


def _register_counts(user: User, pairs: QuerySet[Pair], with_ended: bool) -> Any:
    """(class, grade, number, head teacher, pairs) of each class holding pairs the user reads:
    the whole school's from the kept ClassPairCount rows (counting them walked every pupil of
    the school: 28 ms at 20,000 on SQLite, 35-63 on PostgreSQL), anyone else's few counted."""
    if user.reads_whole_school:
        n = "total" if with_ended else "active"
        return (
            ClassPairCount.objects.filter(school_id=user.school_id, **{f"{n}__gt": 0})
            .values_list(
                "school_class",
                "school_class__grade",
                "school_class__number",
                "school_class__head_teacher",
                n,
            )
            .order_by()
        )
    return (
        pairs.order_by()
        .values_list(
            "pupil__school_class",
            "pupil__school_class__grade",
            "pupil__school_class__number",
            "pupil__school_class__head_teacher",
        )
        .annotate(n=Count("pk"))
    )


@dataclass(frozen=True)
class RegisterPart:
    """A class of the register (or a whole grade, or the children in no class) as the page
    offers it: `key` is its query string."""

    key: str
    label: str
    pairs: int


@dataclass
class RegisterGrade:
    label: str
    whole: RegisterPart | None  # the grade at once; None for the children in no class
    classes: list[RegisterPart] = field(default_factory=list)

    @property
    def parts(self) -> list[RegisterPart]:
        return [self.whole, *self.classes] if self.whole else self.classes


@dataclass
class Register:
    """The register a part at a time: the parts holding pairs the user reads, the part shown
    and its pairs (a queryset, so a caller may annotate it)."""

    grades: list[RegisterGrade]
    shown: RegisterPart | None
    pairs: QuerySet[Pair]
    grade: RegisterGrade | None = None  # the grade of the part shown, whose classes are offered


def register_part(
    *, user: User, with_ended: bool, school_class: int | None, grade: int | None
) -> Register:
    """The register's class asked for (0: in no class) or grade, else the user's own class, else
    the first: the pairs of that part only, and every part with its pairs counted (one query),
    so the page does not walk the whole school; the .xlsx has the whole register."""
    pairs = register_pairs(user=user, with_ended=with_ended)
    counts = _register_counts(user, pairs, with_ended)
    grades: dict[int | None, RegisterGrade] = {}
    parts: dict[str, tuple[RegisterPart, dict[str, Any]]] = {}
    own = None
    for pk, grade_number, number, head_teacher, n in sorted(
        counts, key=lambda row: (row[1] is None, row[1] or 0, row[2] or 0)
    ):
        if pk is None:
            part = RegisterPart("class=0", str(_("未分班")), n)
            parts[part.key] = part, {"school_class": None}
            grades[None] = RegisterGrade(label=part.label, whole=None, classes=[part])
            continue
        if grade_number not in grades:
            label = str(GRADE_NAMES.get(grade_number, grade_number))
            grades[grade_number] = RegisterGrade(label=label, whole=None)
        part = RegisterPart(f"class={pk}", class_name(grade_number, number), n)
        parts[part.key] = part, {"school_class": pk}
        grades[grade_number].classes.append(part)
        if head_teacher == user.pk and own is None:
            own = part.key
    for grade_number, entry in grades.items():
        if grade_number is not None:
            n = sum(part.pairs for part in entry.classes)
            entry.whole = RegisterPart(f"grade={grade_number}", entry.label, n)
            parts[entry.whole.key] = entry.whole, {"school_class__grade": grade_number}
    asked = [f"grade={grade}" if grade is not None else None, f"class={school_class}"]
    key = next((key for key in [*asked, own] if key in parts), next(iter(parts), None))
    if key is None:
        return Register(grades=[], shown=None, pairs=pairs.none())
    shown, children = parts[key]
    pairs = register_pairs(user=user, with_ended=with_ended, children=children)
    grade_shown = next(entry for entry in grades.values() if shown in entry.parts)
    return Register(list(grades.values()), shown, pairs, grade=grade_shown)


class CheckCounts(NamedTuple):
    by_school: int  # by the leadership (SCHOOL_CHECKERS): the school's checks of its pairs
    by_teachers: int  # the pair teachers' own


def check_counts(*, school: School, period: Period) -> CheckCounts:
    """The period's checks of the school's pairs, the school's apart from the pair teachers'
    own. One query."""
    rows = (
        PairCheck.objects.filter(
            pair__school=school, checked_on__gte=period.start, checked_on__lte=period.end
        )
        .values_list(
            "checked_by__roles",
            ExpressionWrapper(Q(checked_by=F("pair__teacher")), output_field=BooleanField()),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_school = by_teachers = 0
    for roles, own, n in rows:
        if not own and not SCHOOL_CHECKERS.isdisjoint(roles or []):
            by_school += n
        else:
            by_teachers += n
    return CheckCounts(by_school, by_teachers)
