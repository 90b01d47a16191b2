"""Care on a phone: a class teacher notes 情绪不好, sees the visit due, records the home visit,
and the due item is gone."""

import re

import pytest
from playwright.sync_api import expect

from visits.models import CareRecord, WatchEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_low_mood_makes_a_visit_due_until_the_home_visit_is_recorded(
    new_phone, sign_in, screenshot, class_teacher, pupil
):
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto(f"/registry/pupils/{pupil.pk}/")

    page.get_by_role("link", name="五必访登记").click()
    page.get_by_label("情绪不好").check()
    page.get_by_label("说明").fill("上课一直低头，不说话")
    with page.expect_navigation():
        page.get_by_role("button", name="登记").click()

    due = page.locator("[data-watch]")
    expect(due).to_contain_text("必访：情绪不好")
    expect(page.locator(".alert-warning").first).to_contain_text("请在")
    screenshot(page, "watch_due_phone")

    page.get_by_role("link", name="记录关爱").click()
    expect(page).to_have_url(re.compile(r"/visits/records/new/\?pupil="))
    page.get_by_label("类型").select_option("home_visit")
    expect(page.get_by_role("checkbox", name=pupil.name)).to_be_checked()
    page.get_by_label("谈话或活动内容").fill("到家中看望，和奶奶一起陪孩子聊了聊，孩子想念妈妈。")
    page.get_by_label("心理上疏导").check()
    screenshot(page, "record_form_phone")
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    expect(page.locator(".alert-success").first).to_contain_text("已记录家访")
    expect(page.locator("main")).to_contain_text("这条记录回应了：情绪不好")
    page.get_by_role("link", name=pupil.name).click()
    expect(page.locator("[data-watch]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("家访")
    screenshot(page, "watch_answered_phone")
    record = CareRecord.objects.get()
    assert WatchEvent.objects.get().answered_by == record
    assert record.guides == ["心理上疏导"]


def test_what_was_typed_survives_a_reload_before_sending(new_phone, sign_in, class_teacher, pupil):
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto(f"/visits/records/new/?pupil={pupil.pk}")
    page.get_by_label("谈话或活动内容").fill("写到一半，网络断了")

    page.reload()

    expect(page.get_by_label("谈话或活动内容")).to_have_value("写到一半，网络断了")
    expect(page.locator("[data-draft-restored]")).to_be_visible()


DRAFT_KEYS = "Object.keys(localStorage).filter((key) => key.startsWith('caresys-draft:'))"


def test_a_draft_is_gone_at_sign_out_and_never_reaches_the_next_teacher(
    new_phone, sign_in, class_teacher, other_teacher, pupil, other_pupil
):
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/")
    page.get_by_label("谈话或活动内容").fill("孩子说想妈妈了")
    assert len(page.evaluate(DRAFT_KEYS)) == 1

    with page.expect_navigation():
        page.locator("form[data-sign-out]").evaluate("(form) => form.requestSubmit()")
    assert page.evaluate(DRAFT_KEYS) == []

    sign_in(page, other_teacher.username)
    page.goto("/visits/records/new/")
    expect(page.get_by_label("谈话或活动内容")).to_have_value("")
    expect(page.locator("[data-draft-restored]")).to_be_hidden()


def test_a_draft_left_by_a_session_that_ended_is_removed_when_someone_else_signs_in(
    new_phone, sign_in, class_teacher, other_teacher, pupil, other_pupil
):
    page = new_phone()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/")
    page.get_by_label("谈话或活动内容").fill("孩子说想妈妈了")
    page.context.clear_cookies()  # the session ends without signing out (a closed browser)

    sign_in(page, other_teacher.username)

    assert page.evaluate(DRAFT_KEYS) == []


def test_counselling_is_never_kept_in_the_browser(new_phone, sign_in, counsellor, pupil):
    page = new_phone()
    sign_in(page, counsellor.username)
    page.goto(f"/visits/records/new/?pupil={pupil.pk}")
    page.get_by_label("类型").select_option("counselling")
    page.get_by_label("谈话或活动内容").fill("心理辅导的内容")

    assert page.evaluate(DRAFT_KEYS) == []
    page.reload()
    expect(page.get_by_label("谈话或活动内容")).to_have_value("")
