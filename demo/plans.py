"""The demo school's work plans: this term's, drafted from the schools' pattern, its past tasks
marked done and its past events held (an event written where the demo's own did not fall), but
one event and one task left 未落实; and a draft of the next term's, so the summary's 五 is
drafted from it. A random stream of its own, so the rest of the demo data does not change."""

import random

from django.utils import timezone

from demo.bulk import insert
from demo.records import _day
from events.models import Event
from plans import selectors, services
from plans.models import PlanItem
from registry.models import Pupil, Role, School, Term, User

CONTENT = {
    Event.Kind.MENTAL_HEALTH: "心理健康教育课：认识情绪，学会向老师和同学倾诉。",
    Event.Kind.PARENT_SCHOOL: "家长学校：指导祖辈监护人做好孩子的学习督促和安全监护。",
    Event.Kind.SAFETY: "安全教育：防溺水、防火、交通安全和防拐骗。",
    Event.Kind.CARE_ACTIVITY: "关爱活动：为留守儿童准备文具和礼物，老师陪孩子做游戏。",
    Event.Kind.SYMPOSIUM: "座谈会：帮扶教师、留守儿童和监护人交流孩子在校在家的情况。",
    Event.Kind.PARENT_MEETING: "家长会：通报关爱工作，指导监护人与在外父母保持联系。",
}


def seed_plans(*, school: School, rng: random.Random) -> int:
    """Write the plans; returns how many items they hold."""
    today = timezone.localdate()
    staff = list(User.objects.filter(school=school, is_active=True).order_by("pk"))
    principal = next(user for user in staff if user.has_role(Role.PRINCIPAL))
    lead = next((u for u in staff if u.has_role(Role.MORAL_LEAD)), principal)
    teacher = next((u for u in staff if u.username == "teacher"), None)
    term = Term.objects.current(school.pk, today)
    if term is None:
        return 0
    plan = services.plan_draft(actor=principal, term=term)
    if teacher is not None and today <= term.end_date:
        services.item_save(
            actor=principal, plan=plan, month=today.replace(day=1), kind=Event.Kind.SAFETY,
            title="三年级(1)班安全主题班会", responsible=teacher, produces="班会记录、照片",
        )  # fmt: skip
    _hold_the_past(plan, today, lead, rng, school)
    following = (
        Term.objects.filter(school_year__school=school, start_date__gt=term.end_date)
        .order_by("start_date")
        .first()
    )
    if following is not None:
        services.plan_draft(actor=principal, term=following)
    return PlanItem.objects.filter(plan__school=school).count()


def _hold_the_past(plan, today, lead, rng, school) -> None:
    """Past items done or held, but the last event and the last task whose month is over."""
    rows = selectors.plan_view(plan=plan, today=today).months
    missed = [row for month in rows for row in month.rows if row.status == "missed"]
    left_event = next((r for r in reversed(missed) if r.item.is_event), None)
    left_task = next((r for r in reversed(missed) if not r.item.is_event), None)
    children = list(Pupil.objects.in_care_enrolled(school).select_related("school_class"))
    grades = sorted({child.school_class.grade for child in children}) or [1]
    events = []
    for row in missed:
        item = row.item
        if row in (left_event, left_task):
            continue
        day = _day(rng, item.period.start, min(item.period.end, today))
        if not item.is_event:
            services.item_mark_done(
                actor=item.responsible, item=item, done_on=day,
                note=f"已完成：{item.produces}", request=None,
            )  # fmt: skip
            continue
        grade = rng.choice(grades)
        event = Event(
            school=school, kind=item.kind, occurred_on=day, place="多功能教室",
            content=CONTENT.get(item.kind, item.title), led_by=lead, author=lead, grade=grade,
            name=item.title if item.kind == Event.Kind.OTHER else "",
            created_at=timezone.now(),
        )  # fmt: skip
        came = [c.pk for c in children if c.school_class.grade == grade and rng.random() < 0.93]
        events.append((event, came))
    insert(Event, [event for event, _ids in events])
    Through = Event.pupils.through
    insert(
        Through, [Through(event_id=event.pk, pupil_id=pk) for event, ids in events for pk in ids]
    )
