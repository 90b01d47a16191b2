"""The pair teacher on the contact card, "my children", and 结对帮扶登记表 (page and .xlsx)."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing import services
from pairing.models import Pair
from registry.models import AccessLog
from tests.factories import SchoolClassFactory, UserFactory, make_pupil
from tests.registry.test_pdf import pdf_of, text_of

TODAY = timezone.localdate


def teacher_pair(actor, pupil, teacher, **kwargs) -> Pair:
    return services.pair_create(actor=actor, pupil=pupil, kind="teacher", teacher=teacher, **kwargs)


@pytest.fixture
def pair_teacher_named(pair_teacher):
    pair_teacher.full_name = "周老师"
    pair_teacher.phone = "13912345678"
    pair_teacher.save()
    return pair_teacher


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- the contact card ------------------------------------------------------------------------


def test_the_contact_card_shows_the_pair_teacher_and_phone(
    client, admin_user, class_teacher, pupil, pair_teacher_named
):
    teacher_pair(admin_user, pupil, pair_teacher_named)
    client.force_login(class_teacher)

    page = client.get(reverse("registry:contact_card", args=[pupil.pk])).content.decode()
    pdf = text_of(pdf_of(client.get(reverse("registry:contact_card_pdf", args=[pupil.pk]))))

    for text in (page, pdf):
        assert "帮扶教师" in text and "周老师" in text and "13912345678" in text


def test_an_ended_pairs_teacher_is_not_on_the_card(
    client, admin_user, class_teacher, pupil, school_class, pair_teacher_named
):
    pair = teacher_pair(admin_user, pupil, pair_teacher_named)
    services.pair_end(actor=admin_user, pair=pair, reason="reassigned")
    client.force_login(class_teacher)

    page = client.get(reverse("registry:contact_card", args=[pupil.pk])).content.decode()
    cards = text_of(pdf_of(client.get(reverse("registry:class_cards_pdf", args=[school_class.pk]))))

    assert "周老师" not in page and "周老师" not in cards


# --- my children -----------------------------------------------------------------------------


def test_my_children_lists_only_my_active_pairs_and_flags_the_idle_one(
    client, admin_user, pair_teacher, other_teacher, pupil, other_pupil, school_class
):
    quiet = teacher_pair(
        admin_user, pupil, pair_teacher, started_on=TODAY() - datetime.timedelta(days=90)
    )
    busy = teacher_pair(admin_user, other_pupil, pair_teacher)
    ended_child = make_pupil(actor=admin_user, school_class=school_class, name="刘小军")
    services.pair_end(
        actor=admin_user, pair=teacher_pair(admin_user, ended_child, pair_teacher), reason="other"
    )
    teacher_pair(admin_user, make_pupil(actor=admin_user, school_class=school_class), other_teacher)
    client.force_login(pair_teacher)

    response = client.get(reverse("pairing:my_children"))

    pairs = response.context["pairs"]
    assert [pair.pk for pair in pairs] == [quiet.pk, busy.pk]  # class order
    assert [pair.idle for pair in pairs] == [True, False]
    assert "无活动" in response.content.decode()


def test_my_children_is_empty_for_a_teacher_without_pairs(client, counsellor):
    client.force_login(counsellor)

    response = client.get(reverse("pairing:my_children"))

    assert "您目前没有结对的儿童" in response.content.decode()


def test_my_children_costs_the_same_queries_for_many_pairs(
    client, admin_user, pair_teacher, school_class
):
    client.force_login(pair_teacher)
    teacher_pair(admin_user, make_pupil(actor=admin_user, school_class=school_class), pair_teacher)
    one = queries(client, reverse("pairing:my_children"))
    for name in ("王小甲", "王小乙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        teacher_pair(admin_user, child, pair_teacher)

    assert queries(client, reverse("pairing:my_children")) == one


# --- the register ----------------------------------------------------------------------------


def register_rows(response) -> list[dict]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "青山镇中心小学结对帮扶登记表"
    header = rows[2]
    return [dict(zip(header, row, strict=True)) for row in rows[3:]]


@pytest.fixture
def register(admin_user, pupil, other_pupil, pair_teacher_named, other_teacher):
    """Three pairs of 王小明 (teacher, buddy, volunteer), one of 李小红, and an ended one."""
    teacher_pair(admin_user, pupil, pair_teacher_named)
    services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=other_pupil)
    volunteer = services.volunteer_create(
        actor=admin_user,
        name="刘阿姨",
        kind="caring_mother",
        phone="13512345678",
        organisation="青山镇妇联",
    )
    services.pair_create(actor=admin_user, pupil=pupil, kind="volunteer", volunteer=volunteer)
    pair = teacher_pair(admin_user, other_pupil, other_teacher)
    services.help_plan_update(
        actor=admin_user, pair=pair, goals='=HYPERLINK("x")', content="", schedule=""
    )
    ended = teacher_pair(
        admin_user, other_pupil, UserFactory(school=pupil.school, full_name="吴老师")
    )
    services.pair_end(actor=admin_user, pair=ended, reason="teacher_left")


def test_the_register_spreadsheet_has_a_row_per_active_pair_in_class_order(
    client, admin_user, register
):
    client.force_login(admin_user)

    rows = register_rows(client.get(reverse("pairing:register_xlsx")))

    assert [
        (r["序号"], r["儿童姓名"], r["结对类型"], r["帮扶人"], r["帮扶人电话"]) for r in rows
    ] == [
        (1, "王小明", "帮扶教师（代理家长）", "周老师", "13912345678"),
        (2, "王小明", "手拉手好朋友", "李小红（四年级(2)班）", None),
        (3, "王小明", "志愿者", "刘阿姨（青山镇妇联）", "13512345678"),
        (4, "李小红", "帮扶教师（代理家长）", "李老师", "13900001111"),
    ]
    assert rows[0]["结对日期"].date() == TODAY()
    assert rows[0]["班级"] == "三年级(1)班" and rows[0]["留守情况"] == "双亲外出"
    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, detail="导出结对帮扶登记表")
    assert logged.count() == 2  # one row per child


def test_a_plan_goal_that_looks_like_a_formula_stays_text(client, admin_user, register):
    client.force_login(admin_user)
    response = client.get(reverse("pairing:register_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    goal = next(row[9] for row in sheet.iter_rows(min_row=4) if row[2].value == "李小红")

    assert (goal.value, goal.data_type, goal.quotePrefix) == ('=HYPERLINK("x")', "s", True)


def test_ended_pairs_are_added_with_their_end_on_request(client, admin_user, register):
    client.force_login(admin_user)

    rows = register_rows(client.get(reverse("pairing:register_xlsx") + "?ended=1"))

    ended = [row for row in rows if row["结束日期"] is not None]
    assert [(row["帮扶人"], row["结束原因"]) for row in ended] == [("吴老师", "教师调离或离职")]


def test_a_class_teachers_register_holds_only_their_class(client, class_teacher, register):
    client.force_login(class_teacher)

    rows = register_rows(client.get(reverse("pairing:register_xlsx")))
    page = client.get(reverse("pairing:register")).content.decode()

    assert {row["儿童姓名"] for row in rows} == {"王小明"}
    assert "王小明" in page and "李小红（四年级(2)班）" in page and "李老师" not in page


def page_children(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(row[2], row[6]) for row in response.context["rows"]]


def test_the_register_page_prints_the_first_class_and_links_to_the_others(
    client, principal, register, other_class
):
    client.force_login(principal)

    response = client.get(reverse("pairing:register"))

    assert page_children(response) == [
        ("王小明", "周老师"),
        ("王小明", "李小红（四年级(2)班）"),
        ("王小明", "刘阿姨（青山镇妇联）"),
    ]
    page = response.content.decode()
    assert "结对帮扶登记表" in page and "data-print" in page  # the print button (caresys.js)
    # Each grade opens at its first class; the grade shown offers its classes and itself whole.
    assert f'href="?class={other_class.pk}"' in page and 'href="?grade=3"' in page
    assert 'href="?grade=4"' not in page


def test_the_register_page_shows_the_class_or_grade_asked_for(
    client, principal, register, other_class
):
    client.force_login(principal)
    url = reverse("pairing:register")

    by_class = client.get(url, {"class": other_class.pk})
    by_grade = client.get(url, {"grade": 4})

    assert page_children(by_class) == page_children(by_grade) == [("李小红", "李老师")]
    assert "四年级(2)班 · 填报日期" in by_class.content.decode()


def test_a_class_asked_for_that_holds_none_of_my_pairs_shows_my_own_class(
    client, class_teacher, register, other_class
):
    client.force_login(class_teacher)

    response = client.get(reverse("pairing:register"), {"class": other_class.pk, "grade": "x"})

    assert {name for name, _ in page_children(response)} == {"王小明"}
    assert "三年级(1)班 · 填报日期" in response.content.decode()


def test_a_teacher_first_sees_their_own_class(client, admin_user, other_teacher, pupil, register):
    teacher_pair(admin_user, pupil, other_teacher)  # 李老师 reads 王小明 of 三年级(1)班 too
    client.force_login(other_teacher)

    response = client.get(reverse("pairing:register"))

    assert page_children(response) == [("李小红", "李老师")]
    assert f'href="?class={pupil.school_class.pk}"' in response.content.decode()


def test_the_ended_pairs_switch_keeps_the_class_shown(client, principal, register, other_class):
    client.force_login(principal)

    response = client.get(reverse("pairing:register"), {"class": other_class.pk, "ended": "1"})

    assert page_children(response) == [("李小红", "李老师"), ("李小红", "吴老师")]
    page = response.content.decode()
    assert f'href="?class={other_class.pk}">' in page  # back to the active pairs, same class
    assert "教师调离或离职" in page and str(TODAY()) in page  # ended today, as 2026-03-01


def test_the_register_page_shows_the_later_of_the_last_check_and_the_teachers_last_record(
    client, admin_user, pupil, pair_teacher_named
):
    from visits import services as visits_services

    def last_activity() -> list[str]:
        return client.get(reverse("pairing:register")).context["rows"][0][8:11]

    def days_ago(days: int) -> datetime.date:
        return TODAY() - datetime.timedelta(days=days)

    pair = teacher_pair(admin_user, pupil, pair_teacher_named, started_on=days_ago(30))
    client.force_login(admin_user)
    assert last_activity() == [str(days_ago(30)), "", ""]  # never: blank, not None
    visits_services.record_create(
        actor=pair_teacher_named,
        pupils=[pupil],
        kind="talk",
        content="谈心",
        occurred_on=days_ago(9),
    )
    assert last_activity()[2] == str(days_ago(9))
    services.pair_check_create(actor=admin_user, pair=pair, checked_on=days_ago(3), progress="好")
    assert last_activity()[2] == str(days_ago(3))
    visits_services.record_create(
        actor=pair_teacher_named, pupils=[pupil], kind="home_visit", content="家访"
    )
    assert last_activity()[2] == str(TODAY())


@pytest.mark.parametrize("url", ["pairing:register", "pairing:register_xlsx"])
def test_the_register_costs_the_same_queries_for_many_pairs(
    client, admin_user, pair_teacher, school_class, url
):
    client.force_login(admin_user)
    teacher_pair(admin_user, make_pupil(actor=admin_user, school_class=school_class), pair_teacher)
    one = queries(client, reverse(url))
    for name in ("王小甲", "王小乙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        teacher_pair(admin_user, child, pair_teacher)

    assert queries(client, reverse(url)) == one


def test_the_register_page_costs_a_fixed_number_of_queries_whatever_the_classes(
    client, admin_user, pair_teacher, django_assert_num_queries
):
    client.force_login(admin_user)
    for number in range(1, 4):
        school_class = SchoolClassFactory(school=admin_user.school, grade=number, number=number)
        child = make_pupil(actor=admin_user, school_class=school_class, name=f"王小{number}")
        teacher_pair(admin_user, child, pair_teacher)

    # session, user, the parts counted, the rows of the part shown, the unread notifications
    with django_assert_num_queries(5):
        response = client.get(reverse("pairing:register"), {"grade": 2})

    assert [name for name, _ in page_children(response)] == ["王小2"]
