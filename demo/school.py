"""A realistic demo school: pupils, families, staff. Reproducible from a seed; fast for 20,000."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from caresys.lib.identity import id_check_digit
from caresys.lib.pinyin import name_pinyin
from demo.bulk import insert
from demo.events import DEYU, seed_events
from demo.national import seed_national_fields
from demo.pairs import seed_pairs
from demo.plans import seed_plans
from demo.records import seed_records
from demo.rooms import seed_rooms
from events.models import Event, EventPhoto, EventQuota
from pairing.models import HelpPlan, Pair, PairCheck, PairingSettings, Volunteer
from pairing.services import pupil_flags_recount
from plans.models import PlanItem, WorkPlan
from registry.models import (
    CATEGORY_FIELDS,
    AccessLog,
    ArchiveRevision,
    CensusClassReturn,
    CensusEntry,
    CensusRound,
    Consent,
    Guardian,
    LeftBehind,
    LeftBehindPeriod,
    Parent,
    Pupil,
    Role,
    RosterUpload,
    School,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
    Term,
    Township,
    User,
)
from registry.services import in_care_refresh
from rooms.models import Opening, Room, Slot, Use
from visits.models import (
    CareRecord,
    CareRecordRevision,
    CareSettings,
    DropoutAction,
    DropoutCase,
    Emergency,
    EmergencyStep,
    RecordAttachment,
    RiskAcknowledgement,
    WatchEvent,
)
from visits.tallies import recount_pair_activity, recount_school

DEMO_PASSWORD = "caresys-demo-2026"
DEMO_ACCOUNTS = (
    ("admin", "管理员（学籍管理员）"),
    ("principal", "校长"),
    ("teacher", "班主任（三年级(1)班）"),
    ("counsellor", "心理老师"),
    DEYU,
)

# The tables the recounts after the bulk writes read (seed_school's `statistics`).
ANALYZED = (
    Pupil._meta.db_table,
    Pair._meta.db_table,
    PairCheck._meta.db_table,
    CareRecord._meta.db_table,
    CareRecord.pupils.through._meta.db_table,
)
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭肖"
    "蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江"
)
BOY_CHARS = "浩宇轩子豪俊杰博文涛明辉鑫磊鹏志强伟嘉诚睿泽霖晨阳天佑航皓铭瑞成新龙亮锦"
GIRL_CHARS = "欣怡雨涵梓萱诗琪思佳婷梦瑶雅静妍晓丽慧芳颖悦琳可心彤蕾晴雪月菲冰玉"
ADULT_MALE = "国建军华平明志强勇文伟春林海生德福荣祥光永贵"
ADULT_FEMALE = "秀英兰芳桂珍玉梅凤霞丽红燕琴云萍素娟翠花"
VILLAGES = (
    "青山村",
    "石门村",
    "枫树村",
    "龙潭村",
    "桃花村",
    "白水村",
    "新田村",
    "杨柳村",
    "高坪村",
    "大塘村",
    "长冲村",
    "荷叶村",
)
WORK_PLACES = (
    ("广东省东莞市", "东莞市长安镇电子厂", "东莞市长安镇工业大道88号"),
    ("广东省深圳市", "深圳市宝安区服装厂", "深圳市宝安区西乡街道"),
    ("浙江省义乌市", "义乌市小商品加工厂", "义乌市稠城街道"),
    ("福建省晋江市", "晋江市鞋业有限公司", "晋江市陈埭镇"),
    ("江苏省苏州市", "苏州工业园区电子公司", "苏州市工业园区星湖街"),
    ("上海市", "上海市某建筑工地", "上海市浦东新区"),
    ("广东省广州市", "广州市白云区物流公司", "广州市白云区太和镇"),
    ("湖南省长沙市", "长沙市雨花区餐馆", "长沙市雨花区"),
)
AREA_CODES = ("430524", "430525", "430523")  # 湖南省邵阳市隆回县、洞口县、邵阳县
HEALTH = ("健康",) * 12 + ("体质较弱", "有哮喘", "视力较差", "过敏体质")
CHARACTERS = ("活泼开朗", "内向少言", "乖巧懂事", "好动", "自尊心强", "胆小", "热心助人")
INTERESTS = ("画画", "唱歌", "跳绳", "篮球", "看书", "下棋", "乒乓球", "手工", "跑步")
SUBJECTS = ("语文", "数学", "英语", "科学", "体育", "音乐", "美术")
GUARDIAN_OCCUPATIONS = ("务农", "务农", "务农", "个体", "退休", "打零工")


@dataclass
class DemoResult:
    school: School
    pupils: int
    left_behind: int
    classes: int
    staff: int


class DemoRefused(Exception):
    """The database holds data that is not demo data."""


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def child(self, surname: str, gender: str) -> str:
        pool = BOY_CHARS if gender == "M" else GIRL_CHARS
        given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.75 else "")
        return surname + given

    def adult(self, surname: str, male: bool) -> str:
        pool = ADULT_MALE if male else ADULT_FEMALE
        return (
            surname
            + self.rng.choice(pool)
            + (self.rng.choice(pool) if self.rng.random() < 0.6 else "")
        )


def check_database_is_demo_only() -> None:
    if (
        School.objects.filter(is_demo=False).exists()
        or Pupil.objects.exclude(school__is_demo=True).exists()
    ):
        raise DemoRefused("数据库中已有非演示数据，seed_demo 不会改动它。")


def _wipe_demo() -> None:
    """Remove an earlier demo school; only ever called on demo-only databases."""
    demo = School.objects.filter(is_demo=True)
    for upload in RosterUpload.objects.filter(school__in=demo).exclude(file=""):
        upload.file.delete(save=False)
    RosterUpload.objects.filter(school__in=demo).delete()
    CensusEntry.objects.filter(round__school__in=demo).delete()
    CensusClassReturn.objects.filter(round__school__in=demo).delete()
    CensusRound.objects.filter(school__in=demo).delete()
    AccessLog.objects.filter(school__in=demo).delete()
    Use.objects.filter(pupil__school__in=demo).delete()
    Opening.objects.filter(slot__room__school__in=demo).delete()
    Slot.objects.filter(room__school__in=demo).delete()
    Room.objects.filter(school__in=demo).delete()
    EmergencyStep.objects.filter(emergency__school__in=demo).delete()
    Emergency.pupils.through.objects.filter(emergency__school__in=demo).delete()
    Emergency.objects.filter(school__in=demo).delete()
    DropoutAction.objects.filter(case__school__in=demo).delete()
    DropoutCase.objects.filter(school__in=demo).delete()
    RiskAcknowledgement.objects.filter(record__school__in=demo).delete()
    for attachment in RecordAttachment.objects.filter(record__school__in=demo):
        attachment.file.delete(save=False)
        attachment.delete()
    WatchEvent.objects.filter(school__in=demo).delete()
    CareRecordRevision.objects.filter(record__school__in=demo).delete()
    CareRecord.pupils.through.objects.filter(carerecord__school__in=demo).delete()
    CareRecord.objects.filter(school__in=demo).delete()
    PlanItem.objects.filter(plan__school__in=demo).delete()
    WorkPlan.objects.filter(school__in=demo).delete()
    for photo in EventPhoto.objects.filter(event__school__in=demo):
        photo.file.delete(save=False)
        photo.thumbnail.delete(save=False)
        photo.delete()
    EventQuota.objects.filter(school__in=demo).delete()
    Event.pupils.through.objects.filter(event__school__in=demo).delete()
    Event.objects.filter(school__in=demo).delete()
    CareSettings.objects.filter(school__in=demo).delete()

    PairCheck.objects.filter(pair__school__in=demo).delete()
    HelpPlan.objects.filter(pair__school__in=demo).delete()
    Pair.objects.filter(school__in=demo).delete()
    Volunteer.objects.filter(school__in=demo).delete()
    PairingSettings.objects.filter(school__in=demo).delete()
    ArchiveRevision.objects.filter(pupil__school__in=demo).delete()
    Consent.objects.filter(pupil__school__in=demo).delete()
    LeftBehindPeriod.objects.filter(pupil__school__in=demo).delete()
    Parent.objects.filter(pupil__school__in=demo).delete()
    Guardian.objects.filter(pupil__school__in=demo).delete()
    Pupil.objects.filter(school__in=demo).delete()
    TeachingAssignment.objects.filter(school_class__school__in=demo).delete()
    SchoolClass.objects.filter(school__in=demo).delete()
    Term.objects.filter(school_year__school__in=demo).delete()
    SchoolYear.objects.filter(school__in=demo).delete()
    User.objects.filter(school__in=demo).delete()
    # A demo county's readers (seed_demo --schools) belong to no school: the 教育局 account and
    # the readers of the demo schools' townships.
    townships = list(
        Township.objects.filter(schools__in=demo).distinct().values_list("pk", flat=True)
    )
    county_readers = User.objects.filter(school=None).filter(
        Q(township__in=townships) | Q(username="bureau", roles=[Role.BUREAU])
    )
    AccessLog.objects.filter(actor__in=county_readers).delete()
    county_readers.delete()
    demo.delete()
    Township.objects.filter(pk__in=townships, schools=None).delete()


@transaction.atomic
def remove_demo() -> int:
    """Remove the demo school and everything in it; how many demo schools there were."""
    count = School.objects.filter(is_demo=True).count()
    if count:
        _wipe_demo()
    return count


@transaction.atomic
def seed_demo(*, pupils: int = 1000, seed: int = 2026, replace: bool = False) -> DemoResult:
    check_database_is_demo_only()
    if School.objects.exists():
        if not replace:
            raise DemoRefused("数据库中已有演示学校；如需重建请加 --replace。")
        _wipe_demo()
    school = School.objects.create(
        name="青山镇中心小学",
        address="湖南省邵阳市隆回县青山镇学府路1号",
        phone="0739-8123456",
        is_demo=True,
        care_categories=list(DEMO_CARE_CATEGORIES),
    )
    return seed_school(
        school=school,
        pupils=pupils,
        seed=seed,
        password=make_password(DEMO_PASSWORD),
        statistics=True,
    )


def seed_school(
    *,
    school: School,
    pupils: int,
    seed: int,
    password: str,
    every_category: bool = True,
    flags: bool = True,
    statistics: bool = False,
) -> DemoResult:
    """Fill a new demo school: its terms, staff, classes, pupils, pairs, records and events.
    The staff get the demo school's usernames (admin, principal, teacher …). With
    every_category, a few children of each category even if the draw gave none (the one demo
    school shows every report's rows; a county's village schools keep their draw). Without
    `flags` the pupils' kept flags are left to the caller (a county sets all its schools' at
    once). With `statistics`, PostgreSQL's planner is given the new rows' statistics before the
    rows are counted (a county refreshes them as it doubles instead)."""
    rng = random.Random(seed)
    names = _Names(rng)
    today = timezone.localdate()
    year_start = today.year if today.month >= 9 else today.year - 1
    _school_years(school, year_start)
    staff = _staff(school, names, rng, password)
    classes = _classes(school, pupils, staff, names, rng, password)
    left_behind = _pupils(
        school,
        classes,
        pupils,
        names,
        rng,
        year_start,
        staff["admin"],
        random.Random(seed + 4),
        at_least=2 if every_category else 0,
    )
    # The pupils were written in bulk, past the services: the kept in_care, which the pairs,
    # records and rooms below choose their children by; the classes' counts are recounted with
    # the other kept flags (pupil_flags_recount, here or the county's).
    in_care_refresh(school=school, tallies=False)
    seed_pairs(
        school=school,
        admin=staff["admin"],
        names=_Names(random.Random(seed + 1)),
        rng=random.Random(seed + 2),
        password=password,
    )
    seed_records(school=school, rng=random.Random(seed + 3))
    seed_rooms(school=school, rng=random.Random(seed + 5))
    if statistics and connection.vendor == "postgresql":
        # The planner takes the tables of this transaction for empty (autovacuum cannot see
        # its rows): the pairs' last activity took 13-20 s at 20,000 pupils.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(ANALYZED)}")
    # Both wrote records in bulk, past the services: their tallies are counted once, here;
    # and the pupils and pairs were too: their kept flags.
    recount_school(school.pk)
    recount_pair_activity(school.pk)
    if flags:
        pupil_flags_recount(school_id=school.pk)
    events_rng = random.Random(seed + 17)
    seed_events(school=school, rng=events_rng, password=password, phone=_mobile(events_rng))
    seed_plans(school=school, rng=random.Random(seed + 19))
    return DemoResult(
        school=school,
        pupils=pupils,
        left_behind=left_behind,
        classes=len(classes),
        staff=User.objects.filter(school=school).count(),
    )


def _school_years(school: School, year_start: int) -> None:
    for start in (year_start - 1, year_start):
        school_year = SchoolYear.objects.create(
            school=school,
            name=f"{start}—{start + 1}学年",
            start_date=datetime.date(start, 9, 1),
            end_date=datetime.date(start + 1, 8, 31),
        )
        Term.objects.create(
            school_year=school_year,
            number=1,
            start_date=datetime.date(start, 9, 1),
            end_date=datetime.date(start + 1, 1, 20),
        )
        Term.objects.create(
            school_year=school_year,
            number=2,
            start_date=datetime.date(start + 1, 2, 20),
            end_date=datetime.date(start + 1, 7, 10),
        )


def _user(school, username, full_name, roles, password, rng, **extra) -> User:
    return User(
        school=school,
        username=username,
        full_name=full_name,
        roles=roles,
        password=password,
        phone=_mobile(rng),
        **extra,
    )


def _staff(school: School, names: _Names, rng: random.Random, password: str) -> dict[str, User]:
    people = {
        "admin": _user(
            school,
            "admin",
            names.adult(names.surname(), False),
            [Role.ADMIN],
            password,
            rng,
        ),
        "principal": _user(
            school, "principal", names.adult(names.surname(), True), [Role.PRINCIPAL], password, rng
        ),
        "counsellor": _user(
            school,
            "counsellor",
            names.adult(names.surname(), False),
            [Role.COUNSELLOR],
            password,
            rng,
        ),
    }
    User.objects.bulk_create(people.values())
    return people


def _classes(school, pupils, staff, names, rng, password) -> list[SchoolClass]:
    per_grade = max(1, pupils // 6)
    per_class = 45
    classes_per_grade = max(1, round(per_grade / per_class))
    teachers = []
    classes = []
    for grade in range(1, 7):
        for number in range(1, classes_per_grade + 1):
            username = "teacher" if (grade, number) == (3, 1) else f"t{grade}{number:02d}"
            male = rng.random() < 0.35
            teacher = _user(
                school,
                username,
                names.adult(names.surname(), male),
                [Role.CLASS_TEACHER, Role.PAIR_TEACHER],
                password,
                rng,
            )
            teachers.append(teacher)
            classes.append(SchoolClass(school=school, grade=grade, number=number))
    subject_teachers = [
        _user(
            school,
            f"s{index:02d}",
            names.adult(names.surname(), rng.random() < 0.4),
            [Role.PAIR_TEACHER],
            password,
            rng,
        )
        for index in range(1, max(3, len(classes) // 3) + 1)
    ]
    User.objects.bulk_create(teachers + subject_teachers)
    for school_class, teacher in zip(classes, teachers, strict=True):
        school_class.head_teacher = teacher
    SchoolClass.objects.bulk_create(classes)
    TeachingAssignment.objects.bulk_create(
        TeachingAssignment(
            school_class=school_class,
            teacher=rng.choice(subject_teachers),
            subject=rng.choice(SUBJECTS[2:]),
        )
        for school_class in classes
    )
    return classes


def _pupils(school, classes, count, names, rng, year_start, admin, needy_rng, at_least) -> int:
    used_ids: set[str] = set()
    rows = []
    by_grade: dict[int, list[SchoolClass]] = {}
    for school_class in classes:
        by_grade.setdefault(school_class.grade, []).append(school_class)
    for index in range(count):
        grade = index % 6 + 1
        school_class = by_grade[grade][(index // 6) % len(by_grade[grade])]
        rows.append(_pupil_row(school, school_class, grade, names, rng, year_start, used_ids))
    _every_category_present(rows, rng, at_least)
    _needy_not_left_behind(rows, needy_rng)
    seed_national_fields(rows, seed=str(year_start))
    insert(Pupil, [row[0] for row in rows])
    parents, guardians, periods, revisions = [], [], [], []
    now = timezone.now()
    for pupil, family in rows:
        parents += [family["father"], family["mother"]]
        guardians.append(family["guardian"])
        periods += family["periods"]
        for item in [family["father"], family["mother"], family["guardian"], *family["periods"]]:
            item.pupil = pupil
        revisions.append(
            ArchiveRevision(pupil=pupil, actor=admin, at=now, summary="导入演示数据", changes=[])
        )
    insert(Parent, parents)
    insert(Guardian, guardians)
    insert(LeftBehindPeriod, periods)
    insert(ArchiveRevision, revisions)
    insert(Consent, _consents(rows, admin, year_start))
    return sum(1 for pupil, _family in rows if pupil.left_behind != LeftBehind.NONE)


# The share of guardians who signed each consent at the start of the year: every archive, nearly
# every photo, fewer for sharing with volunteers and fewer still with the village committee.
CONSENT_SHARES = {
    Consent.Purpose.ARCHIVE: 1.0,
    Consent.Purpose.PHOTOS: 0.95,
    Consent.Purpose.VOLUNTEERS: 0.7,
    Consent.Purpose.VILLAGE: 0.5,
}


def _consents(rows: list, admin: User, year_start: int) -> list[Consent]:
    """The guardians' consents, signed in September. A random stream of their own, so that the
    rest of the demo is what the same seed always gave."""
    rng = random.Random(f"consents-{year_start}-{len(rows)}-{rows[0][0].name if rows else ''}")
    consents = []
    for pupil, family in rows:
        guardian, father, mother = family["guardian"], family["father"], family["mother"]
        giver, relation = guardian.name, guardian.relation
        if not giver:  # nobody looks after the child: a parent away signs
            signer = father if father.name else mother
            giver, relation = signer.name or "—", signer.get_relation_display()
        signed_on = min(datetime.date(year_start, 9, rng.randint(1, 15)), timezone.localdate())
        consents += [
            Consent(pupil=pupil, purpose=purpose, given_by=giver, given_by_relation=relation,
                    given_on=signed_on, recorded_by=admin)
            for purpose, share in CONSENT_SHARES.items()
            if rng.random() < share
        ]  # fmt: skip
    return consents


def _every_category_present(rows: list, rng: random.Random, at_least: int) -> None:
    """Even a small demo school has a few children in each category the reports count."""
    away = [(pupil, family) for pupil, family in rows if pupil.left_behind != LeftBehind.NONE]
    for field in CATEGORY_FIELDS:
        missing = at_least - sum(1 for pupil, _family in rows if getattr(pupil, field))
        for pupil, family in rng.sample(away, k=max(0, min(missing, len(away)))):
            setattr(pupil, field, True)
            if field == "is_orphan":
                pupil.is_priority = True
                family["father"].phone = family["mother"].phone = ""


# The difficulty categories the demo school cares for beside the left-behind (关爱对象).
DEMO_CARE_CATEGORIES = ("is_unsupported", "is_disabled", "is_orphan")


def _needy_not_left_behind(rows: list, rng: random.Random) -> None:
    """A few children who are not left-behind but 事实上无人抚养 or orphans, so the demo school's
    困境儿童（非留守） group is more than its disabled children. Their own random stream: the
    rest of the school is drawn as before."""
    staying = [(pupil, family) for pupil, family in rows if pupil.left_behind == LeftBehind.NONE]
    wanted = max(2, len(rows) // 250)
    for index, (pupil, family) in enumerate(rng.sample(staying, k=min(wanted, len(staying)))):
        pupil.guardianship_type = Pupil.Guardianship.GRANDPARENTS
        if index % 3 == 0:
            pupil.is_orphan = pupil.is_priority = True
            family["father"].phone = family["mother"].phone = ""
        else:
            pupil.is_unsupported = True


def _birth_date(rng: random.Random, grade: int, year_start: int) -> datetime.date:
    # Grade 1 in September of year Y was born between Sept Y-7 and Aug Y-6.
    first = datetime.date(year_start - 6 - grade, 9, 1)
    return first + datetime.timedelta(days=rng.randrange(365))


def _id_number(rng, birth: datetime.date, gender: str, used: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
        first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + id_check_digit(first17)
        if number not in used:
            used.add(number)
            return number


def _left_behind_status(rng: random.Random) -> str:
    roll = rng.random()
    if roll >= 0.18:
        return LeftBehind.NONE
    roll = rng.random()
    return (
        LeftBehind.BOTH if roll < 0.58 else LeftBehind.FATHER if roll < 0.9 else LeftBehind.MOTHER
    )


def _guardianship(rng: random.Random, status: str) -> str:
    roll = rng.random()
    if status == LeftBehind.NONE:
        return Pupil.Guardianship.PARENTS
    if status == LeftBehind.BOTH:
        if roll < 0.82:
            return Pupil.Guardianship.GRANDPARENTS
        if roll < 0.93:
            return Pupil.Guardianship.RELATIVES
        return Pupil.Guardianship.ENTRUSTED if roll < 0.985 else Pupil.Guardianship.NONE
    return Pupil.Guardianship.SINGLE_PARENT if roll < 0.7 else Pupil.Guardianship.GRANDPARENTS


def _pupil_row(school, school_class, grade, names, rng, year_start, used_ids):
    gender = "M" if rng.random() < 0.52 else "F"
    surname = names.surname()
    name = names.child(surname, gender)
    birth = _birth_date(rng, grade, year_start)
    id_number = _id_number(rng, birth, gender, used_ids)
    status = _left_behind_status(rng)
    away = status != LeftBehind.NONE
    village = rng.choice(VILLAGES)
    pinyin, initials = name_pinyin(name)
    pupil = Pupil(
        school=school,
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        gender=gender,
        birth_date=birth,
        id_number=id_number,
        student_number=f"G{id_number}",
        school_class=school_class,
        village=village,
        address=f"隆回县青山镇{village}{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
        is_boarding=grade >= 5 and rng.random() < 0.35,
        health=rng.choice(HEALTH),
        character=rng.choice(CHARACTERS),
        interests="、".join(rng.sample(INTERESTS, 2)),
        academic_level=rng.choice(Pupil.AcademicLevel.values),
        guardianship_type=_guardianship(rng, status),
        left_behind=status,
        is_hardship=rng.random() < (0.2 if away else 0.06),
        is_priority=away and rng.random() < 0.15,
        is_orphan=away and rng.random() < 0.01,
        is_disabled=rng.random() < 0.01,
        lacks_guardian=away and rng.random() < 0.015,
        is_unsupported=away and rng.random() < 0.008,
        is_dropout=away and rng.random() < 0.004,
        # The archive dates from the child's first September at the school: a past term's
        # summary counts the children at school then (Pupil.objects.on_day).
        created_at=timezone.make_aware(datetime.datetime(year_start - grade + 1, 9, 1, 8)),
    )
    if pupil.is_orphan:
        pupil.left_behind = status = LeftBehind.BOTH
        pupil.is_priority = True
        pupil.guardianship_type = Pupil.Guardianship.GRANDPARENTS
    family = _family(rng, names, pupil, surname, status, year_start)
    return pupil, family


def _parent(rng, names, relation, surname, is_away, year_start, orphan=False) -> Parent:
    male = relation == Parent.Relation.FATHER
    parent = Parent(
        relation=relation,
        name=names.adult(surname if male else names.surname(), male),
        phone="" if orphan else _mobile(rng),
    )
    if is_away and not orphan:
        place, unit, unit_address = rng.choice(WORK_PLACES)
        parent.work_place, parent.work_unit, parent.work_unit_address = place, unit, unit_address
        parent.away_since = datetime.date(
            year_start - rng.randint(1, 6), rng.choice((2, 3, 9)), rng.randint(1, 28)
        )
        parent.contact_frequency = rng.choice(Parent.ContactFrequency.values[:4])
    return parent


def _family(rng, names, pupil, surname, status, year_start) -> dict:
    father_away = status in (LeftBehind.BOTH, LeftBehind.FATHER)
    mother_away = status in (LeftBehind.BOTH, LeftBehind.MOTHER)
    father = _parent(rng, names, "father", surname, father_away, year_start, pupil.is_orphan)
    mother = _parent(rng, names, "mother", surname, mother_away, year_start, pupil.is_orphan)
    kind = pupil.guardianship_type
    if kind == Pupil.Guardianship.GRANDPARENTS:
        grandmother = rng.random() < 0.6
        guardian_name = names.adult(
            surname if not grandmother else names.surname(), not grandmother
        )
        relation = rng.choice(("祖母", "外祖母")) if grandmother else rng.choice(("祖父", "外祖父"))
        birth_year = year_start - rng.randint(55, 75)
    elif kind == Pupil.Guardianship.SINGLE_PARENT:
        at_home = mother if status == LeftBehind.FATHER else father
        guardian_name, relation = at_home.name, at_home.get_relation_display()
        birth_year = year_start - rng.randint(28, 45)
    elif kind == Pupil.Guardianship.PARENTS:
        guardian_name, relation = mother.name, "母亲"
        birth_year = year_start - rng.randint(28, 45)
    elif kind == Pupil.Guardianship.NONE:
        guardian_name, relation, birth_year = "", "", None
    else:
        guardian_name = names.adult(names.surname(), rng.random() < 0.5)
        relation = rng.choice(("姑姑", "舅舅", "伯父", "姨妈")) if kind == "relatives" else "委托人"
        birth_year = year_start - rng.randint(30, 60)
    guardian = Guardian(
        name=guardian_name,
        relation=relation,
        birth_year=birth_year,
        phone=_mobile(rng) if guardian_name else "",
        address=pupil.address if guardian_name else "",
        occupation=rng.choice(GUARDIAN_OCCUPATIONS) if guardian_name else "",
        health=rng.choice(("良好", "良好", "一般", "较差")) if guardian_name else "",
        education=rng.choice(("primary", "primary", "junior", "none")) if guardian_name else "",
        letter_signed_on=(
            min(datetime.date(year_start, 9, rng.randint(5, 25)), timezone.localdate())
            if status != LeftBehind.NONE and guardian_name and rng.random() < 0.85
            else None
        ),
    )
    # A few archives are incomplete, as in any real school: a phone not yet collected.
    if status != LeftBehind.NONE and rng.random() < 0.07:
        rng.choice((father, mother, guardian)).phone = ""
    periods = _periods(rng, status, year_start, father, mother)
    return {"father": father, "mother": mother, "guardian": guardian, "periods": periods}


def _periods(rng, status, year_start, father, mother) -> list[LeftBehindPeriod]:
    away_dates = [p.away_since for p in (father, mother) if p.away_since]
    started = min(away_dates) if away_dates else datetime.date(year_start - 1, 9, 1)
    if status != LeftBehind.NONE and rng.random() < 0.06:
        # A parent came home or left again during last year: the history has two periods.
        change = datetime.date(year_start, 3, rng.randint(1, 28))
        earlier = LeftBehind.BOTH if status != LeftBehind.BOTH else LeftBehind.FATHER
        started = min(started, change - datetime.timedelta(days=200))
        return [
            LeftBehindPeriod(
                status=earlier,
                started_on=started,
                ended_on=change - datetime.timedelta(days=1),
                note="演示数据",
            ),
            LeftBehindPeriod(status=status, started_on=change, note="演示数据"),
        ]
    return [LeftBehindPeriod(status=status, started_on=started, note="演示数据")]
