"""The demo school's events of the term: two 家长会, a 座谈会, a 六一-style 关爱活动 for a grade, a
安全教育 lesson and a 生日会 each month, with attendance, and the 德育主任 who runs them. A random
stream of their own, so adding them changes none of the other demo data."""

import datetime
import io
import random

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from demo.bulk import insert
from demo.records import _day, _months, _term_start
from events.models import Event, EventPhoto, EventQuota
from events.selectors import without_photo_consent
from events.services import thumbnail_of
from registry.models import Pupil, Role, School, User

DEYU = ("deyu", "德育主任")


def seed_events(*, school: School, rng: random.Random, password: str, phone: str) -> int:
    """Write the term's events up to today; returns how many."""
    today = timezone.localdate()
    lead = User.objects.create(
        school=school, username=DEYU[0], full_name="周文华", roles=[Role.MORAL_LEAD],
        password=password, phone=phone,
    )  # fmt: skip
    staff = User.objects.filter(school=school).order_by("pk")
    principal = next((user for user in staff if user.has_role(Role.PRINCIPAL)), None)
    children = list(Pupil.objects.in_care_enrolled(school).select_related("school_class"))
    start = _term_start(today)
    events: list[tuple[Event, list[int]]] = []

    def add(kind, day, place, content, attending, led_by=lead, grade=None, guardians=0, letters=0):
        came = [child.pk for child in attending if rng.random() < 0.93]
        event = Event(
            school=school, kind=kind, occurred_on=day, place=place, content=content,
            led_by=led_by, author=lead, grade=grade, guardians=guardians,
            letters_signed=letters, created_at=timezone.now(),
        )  # fmt: skip
        events.append((event, came))

    span = (today - start).days
    at = lambda share: start + datetime.timedelta(days=int(span * share))  # noqa: E731
    add(Event.Kind.PARENT_MEETING, at(0.15), "学校礼堂",
        "开学家长会：通报留守儿童关爱制度，发放联系卡，签订监护责任书。", children,
        led_by=principal or lead, guardians=int(len(children) * 0.7),
        # Most guardians who came signed; a few took the letter home (no random draw: the
        # demo's stream stays as it was).
        letters=int(len(children) * 0.66))  # fmt: skip
    add(Event.Kind.SYMPOSIUM, at(0.4), "会议室",
        "帮扶教师、留守儿童和监护人座谈会：交流孩子在校在家的情况，听取监护人意见。",
        rng.sample(children, min(len(children), 30)), guardians=18)  # fmt: skip
    add(Event.Kind.SAFETY, at(0.5), "操场", "防溺水、交通安全和防拐骗安全教育。", children)
    grade = rng.choice(sorted({child.school_class.grade for child in children} or {1}))
    # The term's festival: 六一 in spring, 中秋 in autumn.
    festival = (
        "“快乐六一”游园活动：为留守儿童准备文具和礼物，老师陪孩子做游戏。"
        if start.month < 8
        else "“情满中秋”关爱活动：和留守儿童一起做月饼，给远方的父母打视频电话。"
    )
    add(Event.Kind.CARE_ACTIVITY, at(0.6), "学校操场", festival,
        [child for child in children if child.school_class.grade == grade],
        grade=grade)  # fmt: skip
    add(Event.Kind.PARENT_MEETING, at(0.85), "学校礼堂",
        "期中家长会：反馈学习情况，指导监护人做好假期安全和亲情沟通。", children,
        led_by=principal or lead, guardians=int(len(children) * 0.6))  # fmt: skip
    # The counsellor's 心理健康教育课, class by class from the third grade up; a few classes still
    # to have theirs.
    counsellor = next((user for user in staff if user.has_role(Role.COUNSELLOR)), lead)
    classes = sorted(
        {child.school_class for child in children if child.school_class.grade >= 3},
        key=lambda school_class: (school_class.grade, school_class.number),
    )
    for school_class in classes:
        if rng.random() < 0.8:
            lesson = Event(
                school=school,
                kind=Event.Kind.MENTAL_HEALTH,
                occurred_on=_day(rng, at(0.7), today),
                place=f"{school_class}教室",
                content="心理健康教育课：认识情绪，学会向老师和同学倾诉。",
                led_by=counsellor,
                author=counsellor,
                school_class=school_class,
                created_at=timezone.now(),
            )
            came = [child.pk for child in children if child.school_class == school_class]
            events.append((lesson, came))
    for period in _months(start, today):
        born = [child for child in children
                if child.birth_date and child.birth_date.month == period.start.month]  # fmt: skip
        if born:
            add(Event.Kind.BIRTHDAY, _day(rng, period.start, min(period.end, today)),
                "留守儿童之家", "集体生日会：为本月过生日的留守儿童送上蛋糕和祝福。",
                born)  # fmt: skip
    insert(Event, [event for event, _ids in events])
    Through = Event.pupils.through
    insert(
        Through, [Through(event_id=event.pk, pupil_id=pk) for event, ids in events for pk in ids]
    )
    _quotas(school)
    photographed = [event for event, _ids in events if event.kind in PHOTOGRAPHED][:3]
    for event in photographed:
        for n in range(rng.randint(1, 2)):
            _photo(event, lead, rng, n)
    return len(events)


# How a school following its documents sets its quotas (座谈会 once a term for the school, 家长会
# twice in each class, …): some met by the demo's events, some not yet, so the work lists and
# the dashboard show both.
QUOTAS = {
    Event.Kind.SYMPOSIUM: (1, EventQuota.Per.SCHOOL),
    Event.Kind.PARENT_MEETING: (2, EventQuota.Per.CLASS),
    Event.Kind.SAFETY: (1, EventQuota.Per.CLASS),
    Event.Kind.MENTAL_HEALTH: (1, EventQuota.Per.CLASS),
    Event.Kind.PARENT_SCHOOL: (1, EventQuota.Per.SCHOOL),
}
PHOTOGRAPHED = (Event.Kind.PARENT_MEETING, Event.Kind.CARE_ACTIVITY, Event.Kind.SAFETY)


def _quotas(school: School) -> None:
    EventQuota.objects.bulk_create(
        [
            EventQuota(school=school, kind=kind, per_term=n, per=per)
            for kind, (n, per) in QUOTAS.items()
        ]
    )


def _picture(rng: random.Random) -> bytes:
    """A small JPEG drawn here (no download): sky, a field, a banner and balloons, no faces."""
    image = Image.new("RGB", (640, 480), (rng.randint(150, 190), 205, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(90, rng.randint(150, 180), 80))
    draw.rectangle((120, 60, 520, 120), fill=(200, 40, 40))
    for _n in range(8):
        x, y = rng.randint(20, 600), rng.randint(140, 280)
        colour = (rng.randint(120, 255), rng.randint(60, 220), rng.randint(60, 220))
        draw.ellipse((x, y, x + 34, y + 44), fill=colour)
        draw.line((x + 17, y + 44, x + 17, y + 110), fill=(80, 80, 80), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _photo(event: Event, lead: User, rng: random.Random, n: int) -> EventPhoto:
    """A photo as the 德育主任 would add it: where children at the event have no photo consent,
    she confirmed they are not in it."""
    content = _picture(rng)
    photo = EventPhoto(
        event=event,
        original_name=f"IMG_{event.occurred_on:%Y%m%d}_{n + 1:02d}.jpg",
        content_type="image/jpeg",
        size=len(content),
        confirmed_absent=without_photo_consent(event.pupils.all()).exists(),
        uploaded_by=lead,
    )
    photo.file.save(photo.original_name, ContentFile(content), save=False)
    photo.thumbnail.save(photo.original_name, thumbnail_of(ContentFile(content)), save=False)
    photo.save()
    return photo
