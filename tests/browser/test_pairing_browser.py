"""Pairing in a real browser: the principal pairs an unpaired child and coverage goes up."""

import pytest
from playwright.sync_api import expect

from pairing.models import Pair
from tests.factories import make_pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_principal_pairs_an_unpaired_child_with_the_suggested_teacher(
    new_phone, sign_in, screenshot, admin_user, principal, class_teacher, school_class, pupil
):
    orphan = make_pupil(
        actor=admin_user, school_class=school_class, name="赵小燕", gender="F", is_orphan=True
    )
    page = new_phone()
    sign_in(page, principal.username)

    page.get_by_role("button", name="菜单").click()
    page.get_by_role("button", name="关爱工作").click()
    link = page.get_by_role("link", name="结对帮扶")
    expect(link).to_be_visible()  # the menu has finished opening
    with page.expect_navigation():
        link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("结对帮扶")
    expect(page.locator("[data-test=coverage]")).to_have_text("0.0%")
    expect(page.locator("[data-test=unpaired-count]")).to_have_text("2")
    # The orphan comes first, with the class teacher suggested.
    first = page.locator("tr[data-pupil]").first
    expect(first).to_contain_text("赵小燕")
    expect(first).to_contain_text("张老师")
    screenshot(page, "pairing_board_phone")

    with page.expect_navigation():
        first.get_by_role("button", name="确认").click()

    expect(page.locator(".alert-success")).to_contain_text("已新建1个结对")
    expect(page.locator("[data-test=coverage]")).to_have_text("50.0%")
    expect(page.locator("[data-test=unpaired-count]")).to_have_text("1")
    expect(page.locator("tr[data-pupil]")).to_have_count(1)
    pair = Pair.objects.get(pupil=orphan)
    assert (pair.teacher, pair.ended_on) == (class_teacher, None)
    screenshot(page, "pairing_board_after_phone")
