"""The record form on a phone: a class teacher finds a child by typing a name, its pinyin or
its initials, their own left-behind and paired children first, and saves a talk within one
screen of scrolling; the registrar finds one child among thousands the same way."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.factories import make_pupil
from visits.models import CareRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRIEF_SHOTS = Path("/work/briefs/shots")
# A class of 42, as the issue found it: a few left-behind, the rest not.
CLASSMATES = [
    "赵强", "钱多", "孙丽", "周杰", "吴昊", "郑爽", "冯磊", "陈晨", "褚燕", "卫东",
    "蒋欣", "沈阳", "韩梅", "杨帆", "朱婷", "秦勇", "尤佳", "许诺", "何平", "吕静",
    "施洋", "孔亮", "曹操", "严肃", "华丽", "金鑫", "魏巍", "陶然", "姜宁", "戚薇",
    "谢霆", "邹凯", "喻言", "柏林", "水清", "窦娥", "章程", "云朵", "苏醒",
]  # fmt: skip


@pytest.fixture
def full_class(admin_user, school_class, pupil):
    """王小明 (both parents away) and 39 classmates who are not left-behind, and 李芳 (father
    away): 41 children in 三年级(1)班."""
    others = [
        make_pupil(actor=admin_user, school_class=school_class, name=name, left_behind="none")
        for name in CLASSMATES
    ]
    fang = make_pupil(actor=admin_user, school_class=school_class, name="李芳", gender="F",
                      left_behind="father")  # fmt: skip
    return [pupil, fang, *others]


def shoot(page: Page, name: str) -> None:
    BRIEF_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BRIEF_SHOTS / f"forms-{name}.png"), full_page=True)


def visible_names(page: Page) -> list[str]:
    return page.locator("[data-picker-option]:visible label").all_inner_texts()


def test_a_class_teacher_finds_a_child_by_name_pinyin_or_initials_and_saves_within_a_screen(
    new_phone, sign_in, admin_user, class_teacher, full_class
):
    pupil = full_class[0]
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/")
    search = page.get_by_label("查找儿童：姓名、拼音或首字母")

    # Their own left-behind children first, then the rest of the class.
    assert visible_names(page)[:2] == ["李芳（留守）", "王小明（留守）"]
    search.fill("赵")
    assert visible_names(page) == ["赵强"]
    search.fill("lifang")
    assert visible_names(page) == ["李芳（留守）"]
    search.fill("wxm")
    assert visible_names(page) == ["王小明（留守）"]
    search.press("Enter")  # the only one found is chosen; nothing is sent
    expect(page.get_by_role("button", name="移除 王小明")).to_be_visible()
    search.fill("zhaoq")
    page.get_by_label("赵强").check()
    page.get_by_role("button", name="移除 赵强").click()
    expect(page.get_by_label("赵强")).not_to_be_checked()
    page.get_by_label("谈话或活动内容").fill("课间和他聊了聊，说周末给妈妈打了电话。")

    # A simple talk: the button that saves it is within one screen's scrolling of the top.
    button = page.get_by_role("button", name="保存记录").bounding_box()
    assert button["y"] + button["height"] <= 2 * PHONE["height"], button
    shoot(page, "after-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    expect(page.locator(".alert-success").first).to_contain_text("已记录")
    assert list(CareRecord.objects.get().pupils.all()) == [pupil]


def test_the_registrar_finds_one_child_of_the_school_by_typing(
    new_phone, sign_in, admin_user, pupil, other_pupil
):
    page = new_phone()
    sign_in(page, admin_user.username)
    page.goto("/visits/records/new/?kind=talk")
    expect(page.locator("[data-picker-option]")).to_have_count(0)

    page.get_by_label("查找儿童：姓名、拼音或首字母").fill("lxh")
    page.get_by_label("李小红").check()
    page.get_by_label("谈话或活动内容").fill("谈了学习的事")
    shoot(page, "after-registrar")
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    expect(page.locator(".alert-success").first).to_contain_text("已记录谈心")
    assert list(CareRecord.objects.get().pupils.all()) == [other_pupil]


def test_an_error_is_announced_and_its_summary_takes_the_focus(
    new_phone, sign_in, class_teacher, full_class
):
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/?kind=talk")
    page.get_by_label("谈话或活动内容").fill("谈心")
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("儿童：这个字段是必填项。")
    expect(summary).to_be_focused()  # its link leads to the children's picker
    shoot(page, "after-errors")


def test_without_javascript_find_lists_the_child_and_the_record_is_sent(
    browser, live_server, sign_in, class_teacher, full_class
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False, locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/?kind=talk")
    page.get_by_label("谈话或活动内容").fill("和她聊了聊爸爸打工的地方")

    # 查找 sends the form back listing those found, with what was typed kept.
    page.get_by_label("查找儿童：姓名、拼音或首字母").fill("lf")
    with page.expect_navigation():
        page.get_by_role("button", name="查找").click()
    assert page.locator("[data-picker-option] label").all_inner_texts() == ["李芳（留守）"]
    page.get_by_label("李芳").check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()
    context.close()

    assert list(CareRecord.objects.get().pupils.all()) == [full_class[1]]
