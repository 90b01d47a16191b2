"""The registry in a real browser at phone size: find, edit, history, scope, reveal."""

import re

import pytest
from playwright.sync_api import expect

from registry.models import AccessLog
from tests.factories import make_pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD_PHONE = "13812341234"
NEW_PHONE = "13987654321"


def test_class_teacher_finds_a_pupil_by_initials_edits_the_guardian_phone_and_sees_the_history(
    new_phone,
    sign_in,
    screenshot,
    admin_user,
    class_teacher,
    other_teacher,
    school_class,
    other_class,
    pupil,
):
    classmate = make_pupil(actor=admin_user, school_class=school_class, name="张小华", gender="F")
    page = new_phone()
    sign_in(page, class_teacher.username)

    page.goto("/registry/pupils/")
    rows = page.locator("a.pupil-row-name")
    expect(rows).to_have_text([pupil.name, classmate.name])
    page.fill("input[name=q]", "wxm")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"/registry/pupils/\?.*q=wxm"))
    expect(rows).to_have_text(["王小明"])
    screenshot(page, "pupil_list_phone")

    rows.first.click()
    expect(page).to_have_url(re.compile(rf"/registry/pupils/{pupil.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("王小明")
    # The head teacher calls the family, so the phone is shown in full.
    expect(page.locator("main")).to_contain_text(OLD_PHONE)
    screenshot(page, "pupil_archive_phone")

    page.get_by_role("link", name="编辑档案").click()
    expect(page).to_have_url(re.compile(rf"/registry/pupils/{pupil.pk}/edit/$"))
    phone_field = page.locator("input[name='guardian-phone']")
    expect(phone_field).to_have_value(OLD_PHONE)
    phone_field.fill(NEW_PHONE)
    with page.expect_navigation():
        page.get_by_role("button", name="保存档案").click()

    expect(page).to_have_url(re.compile(rf"/registry/pupils/{pupil.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text("档案已保存")
    guardian_card = page.locator(".card").filter(has=page.get_by_role("heading", name="监护人"))
    expect(guardian_card).to_contain_text(NEW_PHONE)
    expect(guardian_card).not_to_contain_text(OLD_PHONE)

    page.get_by_role("link", name="变更记录").click()
    expect(page).to_have_url(re.compile(rf"/registry/pupils/{pupil.pk}/history/$"))
    latest = page.locator(".revision").first
    expect(latest).to_contain_text("修改档案")
    expect(latest).to_contain_text(class_teacher.full_name)
    change = latest.locator("tbody tr").filter(has_text="监护人·电话")
    expect(change.locator(".history-old")).to_have_text(OLD_PHONE)
    expect(change.locator(".history-new")).to_have_text(NEW_PHONE)

    # A teacher of another class, on another phone, cannot tell the pupil exists.
    other = new_phone()
    sign_in(other, other_teacher.username)
    for path in (
        f"/registry/pupils/{pupil.pk}/",
        f"/registry/pupils/{pupil.pk}/edit/",
        f"/registry/pupils/{pupil.pk}/history/",
    ):
        response = other.goto(path)
        assert response is not None and response.status == 404, path
        expect(other.get_by_role("heading", level=1)).to_have_text("页面不存在")
        expect(other.locator("main")).not_to_contain_text("王小明")
        expect(other.locator("main")).not_to_contain_text(NEW_PHONE)
    other.goto("/registry/pupils/?q=wxm")
    expect(other.locator("a.pupil-row-name")).to_have_count(0)


def test_principal_sees_a_masked_guardian_phone_and_reveals_it_which_is_logged(
    phone, sign_in, screenshot, principal, pupil
):
    sign_in(phone, principal.username)
    phone.goto(f"/registry/pupils/{pupil.pk}/")

    guardian_card = phone.locator(".card").filter(has=phone.get_by_role("heading", name="监护人"))
    shown = guardian_card.locator(".masked-value")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("****")
    expect(shown).to_have_text("138****1234")
    expect(phone.locator("main")).not_to_contain_text(OLD_PHONE)
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()
    screenshot(phone, "pupil_archive_principal_masked_phone")

    guardian_card.get_by_role("button", name="显示").click()

    expect(shown).to_have_text(OLD_PHONE)
    expect(guardian_card.get_by_role("button", name="显示")).to_have_count(0)
    reveals = AccessLog.objects.filter(action=AccessLog.Action.REVEAL)
    assert [(log.actor_id, log.pupil_id, log.detail) for log in reveals] == [
        (principal.pk, pupil.pk, "guardian.phone")
    ]


def test_the_contact_cards_print_button_prints_without_an_inline_handler(
    phone, sign_in, class_teacher, pupil
):
    sign_in(phone, class_teacher.username)
    phone.goto(f"/registry/pupils/{pupil.pk}/card/")
    phone.evaluate("() => { window.print = () => { window.printed = true; }; }")

    phone.get_by_role("button", name="打印").click()

    assert phone.evaluate("window.printed") is True
