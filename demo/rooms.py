"""The demo school's 留守儿童之家 with its 亲情聊天室: open Tuesday and Thursday afternoons with
two teachers on duty, most openings of the term held and a few missed, and the children's calls
(each also the child's 亲情电话 record, as rooms.services writes them)."""

import datetime
import random

from django.utils import timezone

from demo.bulk import insert
from demo.records import _term_start
from registry.models import Pupil, Role, School, User
from rooms.models import Opening, Room, Slot, Use
from visits.models import CareRecord

HELD = 0.85
WHOM = (Use.WithWhom.MOTHER, Use.WithWhom.FATHER, Use.WithWhom.MOTHER, Use.WithWhom.OTHER)
MET_WITH = {Use.WithWhom.OTHER: CareRecord.MetWith.OTHER}


def seed_rooms(*, school: School, rng: random.Random) -> int:
    """Write the rooms, their slots, openings and uses; returns how many uses."""
    today = timezone.localdate()
    start = _term_start(today)
    place = "教学楼一楼东侧"
    Room.objects.create(
        school=school, name="留守儿童之家", kind=Room.Kind.HOME, place=place, created_on=start
    )
    chat = Room.objects.create(
        school=school, name="亲情聊天室", kind=Room.Kind.CHAT, place=place, created_on=start
    )
    teachers = [
        user for user in User.objects.filter(school=school) if user.has_role(Role.CLASS_TEACHER)
    ]
    children = list(Pupil.objects.in_care_enrolled(school))
    openings: list[Opening] = []
    uses: list[Use] = []
    for weekday in (1, 3):  # 周二、周四
        slot = Slot.objects.create(
            room=chat,
            weekday=weekday,
            starts_at=datetime.time(15, 40),
            ends_at=datetime.time(16, 40),
            starts_on=start,
        )
        on_duty = rng.sample(teachers, min(2, len(teachers)))
        if weekday == 1:  # the demo account `teacher` is on duty on Tuesdays, to try it
            demo = [t for t in teachers if t.username == "teacher"][:1]
            on_duty = demo + [t for t in on_duty if t not in demo][: 2 - len(demo)]
        slot.on_duty.set(on_duty)
        for day in slot.dates_between(start, today - datetime.timedelta(days=1)):
            if rng.random() > HELD:
                continue
            opening = Opening(slot=slot, opened_on=day, opened_by=on_duty[0])
            openings.append(opening)
            for child in rng.sample(children, min(len(children), rng.randint(3, 7))):
                uses.append(_use(opening, child, rng.choice(on_duty), rng))
    # Written together, in the order drawn: each use's record before the use, as
    # rooms.services writes them one by one.
    insert(Opening, openings)
    insert(CareRecord, [use.record for use in uses])
    Through = CareRecord.pupils.through
    insert(Through, [Through(carerecord_id=use.record.pk, pupil_id=use.pupil_id) for use in uses])
    insert(Use, uses)
    return len(uses)


def _use(opening: Opening, child: Pupil, author: User, rng: random.Random) -> Use:
    whom = rng.choice(WHOM)
    use = Use(
        opening=opening,
        pupil=child,
        mode=Use.Mode.VIDEO if rng.random() < 0.7 else Use.Mode.CALL,
        with_whom=whom,
        minutes=rng.randint(5, 15),
        author=author,
    )
    use.record = CareRecord(
        school_id=child.school_id,
        kind=CareRecord.Kind.FAMILY_CALL,
        author=author,
        occurred_on=opening.opened_on,
        met_with=MET_WITH.get(whom, CareRecord.MetWith.PARENTS),
        place="亲情聊天室",
        content=f"在亲情聊天室与{use.get_with_whom_display()}{use.get_mode_display()}{use.minutes}分钟。",
    )
    return use
