"""Pairs for the demo school: most left-behind children paired as suggested, some not yet,
buddies and volunteers, plans, checks, and a few pairs gone quiet (so the board has work)."""

import datetime
import math
import random

from django.utils import timezone

from demo.bulk import insert
from pairing.models import HelpPlan, Pair, PairCheck, PairingSettings, Volunteer
from pairing.selectors import suggest_pairs, teacher_loads, unpaired_children
from registry.models import LeftBehind, Pupil, Role, School, SchoolClass, TeachingAssignment, User

# Share of the left-behind children paired in the demo: the rest wait on the board.
PAIRED_SHARE = 0.92
BUDDY_SHARE = 0.6
GOALS = (
    "按时完成作业，数学成绩提高到班级中等",
    "性格开朗一些，愿意和同学交流",
    "养成良好的生活习惯，按时作息",
    "每月与父母通一次亲情电话",
    "阅读习惯：每周读完一本课外书",
)
CONTENTS = (
    "每周谈心一次，辅导数学作业，每月家访一次",
    "课间多陪伴，鼓励参加兴趣小组，节假日电话联系监护人",
    "检查作业，指导学习方法，协助与父母视频通话",
)
SCHEDULES = ("每周三课后；每月第一周家访", "每周五下午；每月月底电话联系家长")
PROGRESS = (
    "作业完成情况明显好转，上课能主动举手发言。",
    "与同学相处融洽，情绪稳定。",
    "本月与父母通话两次，心情较好。",
    "数学单元测验比上次提高了十分。",
)
VOLUNTEERS = (
    ("刘桂兰", Volunteer.Kind.CARING_MOTHER, "青山镇妇联"),
    ("陈国强", Volunteer.Kind.RETIRED_TEACHER, "青山镇中心小学（退休）"),
    ("王春生", Volunteer.Kind.VILLAGE, "青山村村民委员会"),
)


def seed_pairs(*, school: School, admin: User, names, rng: random.Random, password: str) -> int:
    """Pair the demo school's 关爱对象; returns the number of pairs made."""
    today = timezone.localdate()
    _enough_teachers(school, names, rng, password)
    settings = PairingSettings.for_school(school)
    children = list(unpaired_children(school, settings).select_related("school_class"))
    # Priority children are paired first; the others waiting are spread over the school.
    ordinary = [child for child in children if not (child.is_priority or child.is_orphan)]
    unpaired = len(children) - math.floor(len(children) * PAIRED_SHARE)
    waiting = set(rng.sample(ordinary, min(unpaired, len(ordinary))))
    wanted = [child for child in children if child not in waiting]
    suggestions = suggest_pairs(wanted, teacher_loads(school.pk, settings), school.pk)
    pairs = [
        Pair(
            school=school,
            pupil=suggestion.pupil,
            kind=Pair.Kind.TEACHER,
            teacher_id=suggestion.teacher.pk,
            started_on=today - datetime.timedelta(days=rng.randint(20, 300)),
            created_by=admin,
        )
        for suggestion in suggestions
    ]
    pairs += _buddies(school, wanted, admin, rng, today)
    pairs += _volunteers(school, wanted, admin, rng, today)
    for pair in pairs:
        # No pair before the child's archive: a first-year child is paired this September.
        pair.started_on = max(pair.started_on, timezone.localdate(pair.pupil.created_at))
    insert(Pair, pairs)
    teacher_pairs = [pair for pair in pairs if pair.kind == Pair.Kind.TEACHER]
    insert(
        HelpPlan,
        [
            HelpPlan(
                pair=pair,
                goals=rng.choice(GOALS),
                content=rng.choice(CONTENTS),
                schedule=rng.choice(SCHEDULES),
                updated_by_id=pair.teacher_id,
            )
            for pair in teacher_pairs
            if rng.random() < 0.9
        ],
    )
    insert(PairCheck, _checks(teacher_pairs, rng, today))
    insert(PairCheck, _leadership_checks(school, teacher_pairs, today))
    return len(pairs)


def _enough_teachers(school: School, names, rng: random.Random, password: str) -> None:
    """A school has about one teacher for every 17 pupils; each class gets a second subject
    teacher from them, so that most children can be paired within the limit of three."""
    classes = list(SchoolClass.objects.filter(school=school, is_active=True))
    in_care = Pupil.objects.in_care(school).count()
    have = User.objects.filter(school=school).count()
    needed = math.ceil(in_care / 3) + 3 - have
    extra = [
        User(
            school=school,
            username=f"p{index:03d}",
            full_name=names.adult(names.surname(), rng.random() < 0.4),
            roles=[Role.PAIR_TEACHER],
            password=password,
            phone=f"139{rng.randrange(10**8):08d}",
        )
        for index in range(1, max(needed, 0) + 1)
    ]
    User.objects.bulk_create(extra)
    TeachingAssignment.objects.bulk_create(
        TeachingAssignment(
            school_class=classes[index % len(classes)], teacher=teacher, subject="科学"
        )
        for index, teacher in enumerate(extra)
    )


def _buddies(school, children, admin, rng, today) -> list[Pair]:
    """A classmate who is not left-behind as 手拉手好朋友, for most paired children."""
    classmates: dict[int, list[Pupil]] = {}
    for pupil in Pupil.objects.filter(school=school, left_behind=LeftBehind.NONE).only(
        "pk", "school_class_id"
    ):
        classmates.setdefault(pupil.school_class_id, []).append(pupil)
    pairs = []
    for child in children:
        pool = classmates.get(child.school_class_id)
        if pool and rng.random() < BUDDY_SHARE:
            buddy = rng.choice(pool)
            if buddy.pk == child.pk:  # a child in care who is not left-behind drew themselves
                continue
            pairs.append(
                Pair(
                    school=school,
                    pupil=child,
                    kind=Pair.Kind.BUDDY,
                    buddy=buddy,
                    started_on=today - datetime.timedelta(days=rng.randint(20, 300)),
                    created_by=admin,
                )
            )
    return pairs


def _volunteers(school, children, admin, rng, today) -> list[Pair]:
    volunteers = Volunteer.objects.bulk_create(
        Volunteer(
            school=school,
            name=name,
            kind=kind,
            organisation=organisation,
            phone=f"135{rng.randrange(10**8):08d}",
        )
        for name, kind, organisation in VOLUNTEERS
    )
    priority = [child for child in children if child.is_priority or child.is_orphan]
    return [
        Pair(
            school=school,
            pupil=child,
            kind=Pair.Kind.VOLUNTEER,
            volunteer=volunteers[index % len(volunteers)],
            started_on=today - datetime.timedelta(days=rng.randint(20, 200)),
            created_by=admin,
        )
        for index, child in enumerate(priority[: 2 * len(volunteers)])
    ]


def _leadership_checks(school: School, pairs: list[Pair], today: datetime.date) -> list[PairCheck]:
    """The principal's and the 德育主任's spot checks: one pair in ten, once each, this month
    (their own random source, so the rest of the demo stays as the seed made it)."""
    leaders = [
        user
        for user in User.objects.filter(school=school).order_by("pk")
        if user.has_role(Role.PRINCIPAL) or user.has_role(Role.MORAL_LEAD)
    ]
    rng = random.Random(len(pairs))
    return [
        PairCheck(
            pair=pair,
            checked_on=max(pair.started_on, today - datetime.timedelta(days=rng.randint(0, 25))),
            progress=rng.choice(PROGRESS),
            checked_by=rng.choice(leaders),
        )
        for pair in pairs
        if leaders and rng.random() < 0.1
    ]


def _checks(pairs: list[Pair], rng: random.Random, today: datetime.date) -> list[PairCheck]:
    """Most pairs checked lately; about one in eight has gone quiet."""
    checks = []
    for pair in pairs:
        if rng.random() < 0.12:
            continue
        span = (today - pair.started_on).days
        for _ in range(rng.randint(1, 3)):
            checks.append(
                PairCheck(
                    pair=pair,
                    checked_on=today - datetime.timedelta(days=rng.randint(0, min(span, 25))),
                    progress=rng.choice(PROGRESS),
                    checked_by_id=pair.teacher_id,
                )
            )
    return checks
