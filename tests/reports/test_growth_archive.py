"""A child's growth archive (成长档案) as a PDF: the whole story in order of date, counselling
content only for its readers, masked identity numbers, logged, a fixed number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from events import services as events_services
from pairing import services as pairing_services
from registry.models import AccessLog
from tests.factories import make_pupil
from tests.registry.test_pdf import fonts_of, is_embedded, pdf_of, text_of
from visits import services as visits_services

TODAY = timezone.localdate()
SECRET = "父母离异的心事"


def _ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def classmate(admin_user, school_class):
    return make_pupil(actor=admin_user, school_class=school_class, name="李芳", gender="F",
                      left_behind="father", birth_date=datetime.date(2017, 1, 5))  # fmt: skip


@pytest.fixture
def story(principal, class_teacher, counsellor, pair_teacher, classmate, pupil):
    """王小明: a talk 20 days ago, a counselling session 10 days ago, a home visit 5 days ago
    together with 李芳, a voided record, a pair with a plan and a check, a 五必访 answered."""
    visits_services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="low_mood", noticed_on=_ago(21)
    )
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", occurred_on=_ago(20),
        content="第一次谈心：想念妈妈", guides_mind=True,
    )  # fmt: skip
    visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", occurred_on=_ago(10),
        content=SECRET,
    )  # fmt: skip
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil, classmate], kind="home_visit",
        occurred_on=_ago(5), content="<b>家访</b>：和爷爷商量作业时间",
    )  # fmt: skip
    wrong = visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="记错的孩子"
    )
    visits_services.record_void(actor=class_teacher, record=wrong, reason="记错了")
    pair = pairing_services.pair_create(
        actor=principal, pupil=pupil, kind="teacher", teacher=pair_teacher,
        started_on=_ago(30),
    )  # fmt: skip
    pairing_services.help_plan_update(
        actor=principal, pair=pair, goals="开朗一些", content="每周谈一次", schedule="周三"
    )
    pairing_services.pair_check_create(
        actor=principal, pair=pair, checked_on=_ago(2), progress="愿意和同学交流了"
    )
    return pupil


def growth_pdf(client, user, pupil) -> PdfReader:
    client.force_login(user)
    return pdf_of(client.get(reverse("reports:growth_archive", args=[pupil.pk])))


def test_the_archive_tells_the_childs_story_in_order_of_date(client, principal, story):
    text = text_of(growth_pdf(client, principal, story))

    assert "留守儿童成长档案" in text and "王小明" in text and "三年级(1)班" in text
    assert "共有关爱记录3条" in text and "另有1条记录已作废" in text
    assert "记错的孩子" not in text
    talk, secret, visit = (text.index(s) for s in ("第一次谈心", SECRET, "和爷爷商量作业时间"))
    assert talk < secret < visit
    assert "与其他1名儿童一起" in text  # 李芳 is not named in 王小明's archive
    assert "李芳" not in text
    assert "<b>家访</b>" in text  # what a teacher typed prints as typed
    assert "开朗一些" in text and "愿意和同学交流了" in text
    assert "情绪不好" in text  # the 五必访, answered by the talk
    assert "\ufffd" not in text
    fonts = fonts_of(growth_pdf(client, principal, story))
    assert fonts and all(is_embedded(font) for font in fonts)


def test_counselling_content_prints_only_for_its_readers(
    client, principal, counsellor, class_teacher, admin_user, story
):
    for reader in (principal, counsellor):
        assert SECRET in text_of(growth_pdf(client, reader, story))
    for other in (class_teacher, admin_user):
        text = text_of(growth_pdf(client, other, story))
        assert SECRET not in text
        assert "心理辅导内容保密" in text


def test_the_id_number_is_masked_except_for_the_administrator(client, principal, admin_user, story):
    full = story.id_number
    assert full not in text_of(growth_pdf(client, principal, story))
    assert full[:6] + "*" * 12 in text_of(growth_pdf(client, principal, story))
    assert full in text_of(growth_pdf(client, admin_user, story))


def test_printing_is_logged_and_other_classes_teachers_get_nothing(
    client, class_teacher, other_teacher, story
):
    growth_pdf(client, class_teacher, story)
    assert AccessLog.objects.filter(
        actor=class_teacher, action=AccessLog.Action.PDF, pupil=story, detail="成长档案PDF"
    ).exists()
    client.force_login(other_teacher)
    assert client.get(reverse("reports:growth_archive", args=[story.pk])).status_code == 404


def test_the_archive_page_links_to_the_growth_archive(client, class_teacher, story):
    client.force_login(class_teacher)
    page = client.get(reverse("registry:pupil_detail", args=[story.pk])).content.decode()
    assert reverse("reports:growth_archive", args=[story.pk]) in page


def test_a_longer_story_costs_the_same_queries(
    client, principal, class_teacher, counsellor, story, classmate
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("reports:growth_archive", args=[story.pk]))
            assert response.status_code == 200
        return len(captured)

    client.force_login(principal)
    one = queries()
    for days in range(3, 8):
        events_services.event_create(
            actor=class_teacher, kind="safety", school_class=story.school_class, place="教室",
            led_by=class_teacher, content="安全教育", occurred_on=_ago(days),
        )  # fmt: skip
        visits_services.record_create(
            actor=class_teacher, pupils=[story, classmate], kind="talk", content="谈心",
            occurred_on=_ago(days),
        )  # fmt: skip
        visits_services.watch_event_create(
            actor=counsellor, pupil=story, kind="ill", noticed_on=_ago(days)
        )
    reader = PdfReader(io.BytesIO(client.get(
        reverse("reports:growth_archive", args=[story.pk])).content))  # fmt: skip
    assert "共有关爱记录8条" in text_of(reader) and "参加学校活动5次" in text_of(reader)
    assert queries() == one


def test_the_running_header_shows_a_name_with_quotes_and_backslashes_as_typed(
    client, admin_user, principal, school_class
):
    name = '王"小\\明</style>'
    pupil = make_pupil(actor=admin_user, school_class=school_class, name=name)

    header = growth_pdf(client, principal, pupil).pages[0].extract_text()

    assert f"{name}的成长档案" in header
    assert "u0022" not in header and "&quot;" not in header


def test_the_archive_lists_the_events_the_child_joined_by_date_but_not_voided_ones(
    client, principal, moral_lead, class_teacher, pupil
):
    for day, kind, content in (
        (_ago(3), "safety", "防溺水"),
        (_ago(40), "parent_meeting", "家长会"),
    ):
        events_services.event_create(
            actor=moral_lead, kind=kind, place="礼堂", led_by=class_teacher, content=content,
            occurred_on=day,
        )  # fmt: skip
    wrong = events_services.event_create(
        actor=moral_lead, kind="birthday", place="会议室", led_by=moral_lead, content="生日会",
        pupils=[pupil],
    )  # fmt: skip
    events_services.event_void(actor=moral_lead, event=wrong, reason="记错了")

    text = text_of(growth_pdf(client, principal, pupil))

    assert "参加学校活动2次" in text
    assert text.index("家长会") < text.index("安全教育")
    assert "生日会" not in text
