"""The 德育主任 records a grade's 六一 activity on a phone: lists the grade, unticks a child
who stayed home, and saves."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from events.models import Event
from tests.factories import make_pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BRIEF_SHOTS = Path("/work/briefs/shots")


def test_the_moral_lead_records_a_grades_june_first_activity_on_a_phone(
    new_phone, sign_in, screenshot, moral_lead, admin_user, school_class, pupil, other_pupil
):
    absent = make_pupil(actor=admin_user, school_class=school_class, name="李芳", gender="F")
    page = new_phone()
    sign_in(page, moral_lead.username)

    page.goto("/events/new/")
    page.get_by_label("活动类型").select_option("care_activity")
    page.get_by_label("年级", exact=True).select_option("3")
    with page.expect_navigation():
        page.get_by_role("button", name="列出儿童").click()
    expect(page.get_by_role("checkbox", name="王小明（三年级(1)班）")).to_be_checked()
    expect(page.get_by_role("checkbox", name="李小红（四年级(2)班）")).to_have_count(0)
    page.get_by_role("checkbox", name="李芳（三年级(1)班）").uncheck()
    page.get_by_label("地点").fill("学校操场")
    page.get_by_label("活动内容").fill("“快乐六一”游园活动，给孩子们发了文具。")
    page.get_by_label("到会家长/监护人人数").fill("5")
    shot = screenshot(page, "events-form-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    expect(page.locator(".alert-success").first).to_contain_text("参加的儿童1人")
    expect(page.locator("[data-attendance]")).to_contain_text("王小明")
    expect(page.locator("[data-attendance]")).not_to_contain_text("李芳")
    event = Event.objects.get()
    assert (event.grade, event.kind) == (3, "care_activity")
    assert list(event.pupils.all()) == [pupil]
    assert absent not in event.pupils.all()
    if BRIEF_SHOTS.is_dir():
        shutil.copy(shot, BRIEF_SHOTS / "events-form-phone.png")
        shutil.copy(
            screenshot(page, "events-detail-phone"), BRIEF_SHOTS / "events-detail-phone.png"
        )
