"""A county of demo schools (seed_demo --schools N): townships, each with its 中心学校, 完全小学,
村小 and 教学点 of realistic sizes, every school filled as the demo school is, and the county's
readers (教育局, one 中心学校 reader per township). Reproducible from the seed."""

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Left, Length

from demo.school import (
    DEMO_CARE_CATEGORIES,
    DEMO_PASSWORD,
    VILLAGES,
    DemoRefused,
    _mobile,
    _wipe_demo,
    check_database_is_demo_only,
    seed_school,
)
from pairing.services import pupil_flags_recount
from registry.models import Role, School, Township, User

BUREAU_USERNAME = "bureau"
# 隆回县-like township names; beyond them, numbered ones.
TOWNSHIPS = (
    "青山镇", "石门乡", "白水镇", "枫树乡", "龙潭镇", "桃花乡", "新田镇", "杨柳乡", "高坪镇",
    "大塘乡", "长冲镇", "荷叶乡", "金石桥镇", "六都寨镇", "荷田乡", "岩口镇", "北山镇", "三阁司镇",
    "周旺镇", "鸭田镇", "滩头镇", "小沙江镇", "麻塘山乡", "虎形山乡",
)  # fmt: skip
# A township's schools besides its 中心学校, in the order they are added: a few 完全小学, more 村小,
# some small 教学点.
OTHERS = (
    School.Kind.PRIMARY, School.Kind.VILLAGE, School.Kind.TEACHING_POINT, School.Kind.VILLAGE,
    School.Kind.PRIMARY, School.Kind.VILLAGE, School.Kind.TEACHING_POINT,
)  # fmt: skip
# The pupils a school of each kind has (before the county is scaled to --pupils).
SIZES = {
    School.Kind.CENTRAL: (2000, 3000),
    School.Kind.PRIMARY: (1000, 1800),
    School.Kind.VILLAGE: (300, 800),
    School.Kind.TEACHING_POINT: (30, 120),
}
SCHOOLS_PER_TOWNSHIP = 8
MIN_PUPILS = 6  # a pupil in each grade


@dataclass
class SchoolPlan:
    township: str
    name: str
    kind: str
    pupils: int


@dataclass
class CountyResult:
    townships: list[str]
    schools: list[School]
    pupils: int
    left_behind: int
    staff: int


def township_name(index: int) -> str:
    return TOWNSHIPS[index] if index < len(TOWNSHIPS) else f"第{index + 1}学区"


def plan_county(*, schools: int, pupils: int, rng: random.Random) -> list[SchoolPlan]:
    """Which schools the county has, in which townships, with how many pupils (summing to
    `pupils`): one 中心学校 a township, then 完全小学, 村小 and 教学点 in turn."""
    townships = max(1, round(schools / SCHOOLS_PER_TOWNSHIP))
    kinds: list[tuple[int, str]] = [(t, School.Kind.CENTRAL) for t in range(townships)]
    for index in range(schools - townships):
        kinds.append((index % townships, OTHERS[(index // townships) % len(OTHERS)]))
    kinds = kinds[:schools]
    raw = [rng.randint(*SIZES[kind]) for _t, kind in kinds]
    scale = pupils / sum(raw)
    sizes = [max(MIN_PUPILS, round(size * scale)) for size in raw]
    sizes[0] += pupils - sum(sizes)  # the first 中心学校 takes the rounding
    if sizes[0] < MIN_PUPILS:
        raise DemoRefused(f"--pupils 至少为 {MIN_PUPILS * schools}（每所学校至少 6 名学生）。")
    plans, counts = [], {}
    for (township, kind), size in zip(kinds, sizes, strict=True):
        town = township_name(township)
        counts[township] = counts.get(township, 0) + 1
        village = VILLAGES[(counts[township] - 1) % len(VILLAGES)].removesuffix("村")
        name = {
            School.Kind.CENTRAL: f"{town}中心小学",
            School.Kind.PRIMARY: f"{town}{village}完全小学",
            School.Kind.VILLAGE: f"{town}{village}村小",
            School.Kind.TEACHING_POINT: f"{town}{village}教学点",
        }[kind]
        plans.append(SchoolPlan(township=town, name=name, kind=kind, pupils=size))
    return plans


@transaction.atomic
def seed_county(
    *, schools: int, pupils: int, seed: int = 2026, replace: bool = False, progress=None
) -> CountyResult:
    check_database_is_demo_only()
    if School.objects.exists():
        if not replace:
            raise DemoRefused("数据库中已有演示学校；如需重建请加 --replace。")
        _wipe_demo()
    rng = random.Random(seed)
    plans = plan_county(schools=schools, pupils=pupils, rng=rng)
    password = make_password(DEMO_PASSWORD)  # once: hashing is slow on purpose
    townships = {}
    for plan in plans:
        if plan.township not in townships:
            townships[plan.township] = Township.objects.create(name=plan.township)
    width = max(3, len(str(schools)))
    made, left_behind = [], 0
    for number, plan in enumerate(plans, start=1):
        school = School.objects.create(
            name=plan.name,
            township=townships[plan.township],
            kind=plan.kind,
            code=f"2143{number:06d}",
            address=f"湖南省邵阳市隆回县{plan.name.removesuffix('小学')}",
            phone=f"0739-8{rng.randrange(10**6):06d}",
            is_demo=True,
            care_categories=list(DEMO_CARE_CATEGORIES),
        )
        # Only the 中心学校 is topped up to every category: two 辍学 and two orphans forced
        # into a 35-pupil 教学点 made it the county's worst school on 评比.
        result = seed_school(
            school=school,
            pupils=plan.pupils,
            seed=seed * 1000 + number,
            password=password,
            every_category=plan.kind == School.Kind.CENTRAL,
            flags=False,
        )
        # The school's staff got the demo usernames (admin, principal, teacher …): the school's
        # number is appended before the next school takes the same names (principal002); the
        # first school gets the plain names back at the end.
        User.objects.filter(school=school).update(
            username=Concat("username", Value(f"{number:0{width}d}"))
        )
        made.append(school)
        left_behind += result.left_behind
        if connection.vendor == "postgresql" and number & (number - 1) == 0:
            # Fresh planner statistics as the county doubles (autovacuum cannot see the rows of
            # this transaction): with the rows counted as none, the pairing selectors' anti-join
            # over all the county's pairs took 20 seconds a school by the 100th.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if progress:
            progress(f"{number}/{len(plans)} {plan.name}：{plan.pupils} 名学生")
    # The pupils' kept flags, every school's at once (pupil_flags_recount says why).
    pupil_flags_recount()
    first = User.objects.filter(school=made[0])
    first.update(username=Left("username", Length("username") - width))
    User.objects.bulk_create(_county_readers(townships, password, rng))
    return CountyResult(
        townships=list(townships),
        schools=made,
        pupils=sum(plan.pupils for plan in plans),
        left_behind=left_behind,
        staff=User.objects.filter(school__in=made).count(),
    )


def township_username(index: int) -> str:
    return f"zx{index:02d}"


def _county_readers(townships: dict, password: str, rng: random.Random) -> list[User]:
    """教育局 (every school) and one 中心学校 reader a township; none belongs to a school."""
    readers = [
        User(
            username=BUREAU_USERNAME,
            full_name="县教育局基础教育股",
            roles=[Role.BUREAU],
            password=password,
            phone=_mobile(rng),
        )
    ]
    for index, township in enumerate(townships.values(), start=1):
        readers.append(
            User(
                username=township_username(index),
                full_name=f"{township.name}中心学校",
                roles=[Role.TOWNSHIP],
                township=township,
                password=password,
                phone=_mobile(rng),
            )
        )
    return readers
