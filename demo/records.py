"""Care records for the demo school, every month of the term so far: most teachers on track,
a few behind (their children's talks, calls and visits often missing), 五必访 answered and a
few open, so that 我的待办, 关爱落实 and the teachers' work table look like a school in the
middle of a term."""

import datetime
import random

from django.utils import timezone

from caresys.lib.periods import month_of
from demo.bulk import insert
from pairing.models import Pair
from registry.models import Pupil, Role, School, User
from visits.models import CareRecord, DropoutAction, DropoutCase, WatchEvent

TALKS = (
    "谈学习和在校生活，孩子说想念在外打工的妈妈，鼓励他每周给妈妈打电话。",
    "聊了最近的作业和同学关系，孩子情绪稳定。",
    "谈心中了解到孩子晚上看手机较晚，与奶奶商量按时睡觉。",
)
VISITS = (
    "到家中看望，与爷爷奶奶交流孩子在家的学习和生活情况，叮嘱注意用电和防溺水安全。",
    "家访，了解到家中农忙，孩子放学后帮忙干活，与监护人商量保证作业时间。",
)
# What counselling found (主诉和表现) and its risk level: one session in twelve is high-risk, so
# the principal's home page shows an alert.
COUNSELLING = (
    ("上课走神，说晚上睡不好。", CareRecord.RiskLevel.LOW),
    ("想念在外打工的父母，常独自哭泣。", CareRecord.RiskLevel.MEDIUM),
    ("与同学争吵后不愿上学。", CareRecord.RiskLevel.LOW),
    ("情绪低落，自述“活着没意思”。", CareRecord.RiskLevel.HIGH),
) + (("学习压力大，考试前紧张。", CareRecord.RiskLevel.LOW),) * 8
CALLS = ("与在外务工的父母通话，介绍孩子在校表现。", "电话联系监护人，提醒天冷添衣。")
# The share of the left-behind children whose quota is met in each month, by kind, for a
# teacher on track; a teacher behind does a good deal less (BEHIND), and there are a few.
DONE = {
    CareRecord.Kind.TALK: 0.95,
    CareRecord.Kind.FAMILY_CALL: 0.9,
    CareRecord.Kind.PHONE_VISIT: 0.85,
}
# Records teachers write for some children some months, as the schools' 成长日记 and 辅导.
SOMETIMES = (
    (CareRecord.Kind.DIARY, 0.08, ("记录孩子本月的变化：上课更专心了，愿意和同学一起玩。",
                                   "孩子说想妈妈，周末给妈妈打了电话，情绪好多了。")),
    (CareRecord.Kind.TUTORING, 0.12, ("课后辅导数学作业，讲解分数的加减。",
                                      "辅导语文阅读，陪孩子读完一篇课文。")),
)  # fmt: skip
HOME_VISITED = 0.92
BEHIND = 0.4
TEACHERS_BEHIND = 0.15


def seed_records(*, school: School, rng: random.Random) -> int:
    """Write the demo school's care records; returns how many."""
    today = timezone.localdate()
    children = list(Pupil.objects.in_care_enrolled(school).select_related("school_class"))
    pair_teacher = dict(
        Pair.objects.active_teacher().filter(school=school).values_list("pupil_id", "teacher_id")
    )
    staff = User.objects.filter(school=school).order_by("pk")
    counsellor = next((user for user in staff if user.has_role(Role.COUNSELLOR)), None)
    records: list[tuple[CareRecord, list[int]]] = []

    def add(kind, author_id, pupils, day, content, **fields) -> None:
        record = CareRecord(
            school=school, kind=kind, author_id=author_id, occurred_on=day, content=content,
            created_at=timezone.now(), updated_at=timezone.now(), **fields,
        )  # fmt: skip
        records.append((record, [pupil.pk for pupil in pupils]))

    authors = sorted({pair_teacher.get(child.pk) or child.school_class.head_teacher_id
                      for child in children} - {None})  # fmt: skip
    pace = {author: BEHIND if rng.random() < TEACHERS_BEHIND else 1.0 for author in authors}
    term_start = _term_start(today)
    for period in _months(term_start, today):
        last = min(period.end, today)
        for child in children:
            author = pair_teacher.get(child.pk) or child.school_class.head_teacher_id
            for kind, share in DONE.items():
                if rng.random() < share * pace.get(author, 1.0):
                    day = _day(rng, period.start, last)
                    text = rng.choice(TALKS if kind == CareRecord.Kind.TALK else CALLS)
                    guides = _guides(rng) if kind == CareRecord.Kind.TALK else {}
                    add(kind, author, [child], day, text, **guides)
            # Now and then a 成长日记 or a lesson helped after school (学习辅导).
            for kind, share, texts in SOMETIMES:
                if rng.random() < share * pace.get(author, 1.0):
                    add(kind, author, [child], _day(rng, period.start, last), rng.choice(texts),
                        guides_study=kind == CareRecord.Kind.TUTORING)  # fmt: skip
    for child in children:
        # A paired child's 代理家长 visits the family; otherwise the class teacher does.
        author = pair_teacher.get(child.pk) or child.school_class.head_teacher_id
        if rng.random() < HOME_VISITED * pace.get(author, 1.0):
            add(
                CareRecord.Kind.HOME_VISIT,
                author,
                [child],
                _day(rng, term_start, today),
                rng.choice(VISITS),
                met_with=CareRecord.MetWith.GUARDIAN,
                guides_life=True,
                guides_behaviour=rng.random() < 0.3,
            )
        if child.is_hardship and rng.random() < 0.6:
            add(CareRecord.Kind.ASSISTANCE, child.school_class.head_teacher_id, [child],
                _day(rng, term_start, today), "发放生活补助", programme="两免一补",
                amount=625)  # fmt: skip
    if counsellor is not None:
        for index, child in enumerate(rng.sample(children, min(len(children), 12))):
            day = _day(rng, term_start, today)
            presented, risk = COUNSELLING[index % len(COUNSELLING)]
            # A follow-up a week after each session: some still ahead, some overdue.
            add(CareRecord.Kind.COUNSELLING, counsellor.pk, [child], day, "个别心理辅导。",
                presented=presented, risk_level=risk, plan="每周一次个别辅导，与班主任沟通。",
                next_session_on=day + datetime.timedelta(days=7))  # fmt: skip
    insert(CareRecord, [record for record, _ids in records])
    Through = CareRecord.pupils.through
    insert(
        Through,
        [Through(carerecord_id=record.pk, pupil_id=pk) for record, ids in records for pk in ids],
    )
    _watch_events(school, children, rng, today)
    _answered_watch_events(school, records, rng, term_start, today)
    _dropout_cases(school, term_start, today)
    return len(records)


def _answered_watch_events(
    school: School,
    records: list[tuple[CareRecord, list[int]]],
    rng: random.Random,
    term_start: datetime.date,
    today: datetime.date,
) -> None:
    """五必访 of the term so far, each answered by a home visit a few days after it was noticed:
    most within the three days allowed, one in five a day late, as the summary's 已访 and the
    bureau's 五必访按时率 expect of a school at work."""
    visits = [
        (record, ids)
        for record, ids in records
        if record.kind == CareRecord.Kind.HOME_VISIT
        and record.occurred_on <= today - datetime.timedelta(days=7)
    ]
    kinds = [kind for kind, _label in WatchEvent.Kind.choices]
    events = []
    for record, ids in rng.sample(visits, min(len(visits), max(2, len(visits) // 20))):
        noticed = max(term_start, record.occurred_on - datetime.timedelta(days=rng.randint(0, 4)))
        events.append(
            WatchEvent(
                school=school, pupil_id=ids[0], kind=rng.choice(kinds), noticed_on=noticed,
                due_on=noticed + datetime.timedelta(days=3), recorded_by_id=record.author_id,
                answered_by=record,
            )
        )  # fmt: skip
    insert(WatchEvent, events)


def _dropout_cases(school: School, term_start: datetime.date, today: datetime.date) -> None:
    """The children the archive marks 辍学 are followed by the dropout watch (控辍保学), as the
    summary counts them: a case each, opened in the term's first week and reported."""
    opened = min(term_start + datetime.timedelta(days=7), today)
    for child in (
        Pupil.objects.enrolled()
        .filter(school=school, is_dropout=True)
        .select_related("school_class")
    ):
        teacher_id = child.school_class.head_teacher_id
        case = DropoutCase.objects.create(
            school=school,
            pupil=child,
            status=DropoutCase.Status.DROPPED_OUT,
            opened_on=opened,
            reason="开学后一周未到校，家访核实已随父母外出。",
            opened_by_id=teacher_id,
        )
        DropoutAction.objects.create(
            case=case,
            kind=DropoutAction.Kind.REPORT,
            done_on=opened,
            note="已报告中心学校和村委会，联系在外父母劝返。",
            status_after=DropoutCase.Status.DROPPED_OUT,
            actor_id=teacher_id,
        )


def _guides(rng: random.Random) -> dict[str, bool]:
    """A talk's 四导: always the mind, often study, sometimes behaviour."""
    return {
        "guides_mind": True,
        "guides_study": rng.random() < 0.35,
        "guides_behaviour": rng.random() < 0.2,
    }


def _term_start(today: datetime.date) -> datetime.date:
    """The demo school's terms begin on 1 September and 20 February (registry.demo)."""
    if today.month >= 9:
        return datetime.date(today.year, 9, 1)
    if today >= datetime.date(today.year, 2, 20):
        return datetime.date(today.year, 2, 20)
    return datetime.date(today.year - 1, 9, 1)


def _months(start: datetime.date, today: datetime.date) -> list:
    """The calendar months from the one holding start to the one holding today."""
    months = [month_of(start)]
    while months[-1].end < today:
        months.append(month_of(months[-1].end + datetime.timedelta(days=1)))
    return months


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _watch_events(school, children, rng, today) -> None:
    """A few 五必访 noted lately and not yet answered: some due, some overdue."""
    kinds = [kind for kind, _label in WatchEvent.Kind.choices]
    events = []
    for child in rng.sample(children, min(len(children), max(3, len(children) // 25))):
        noticed = today - datetime.timedelta(days=rng.randint(0, 6))
        events.append(
            WatchEvent(
                school=school, pupil=child, kind=rng.choice(kinds), noticed_on=noticed,
                due_on=noticed + datetime.timedelta(days=3),
                recorded_by_id=child.school_class.head_teacher_id,
            )
        )  # fmt: skip
    insert(WatchEvent, events)
