"""A teacher from the staff list signs in for the first time, in a real browser."""

import io
import re

import pytest
from playwright.sync_api import expect

from registry.resources import StaffResource, staff_dataset
from tests.registry.test_staff_import import _csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_signs_in_with_the_initial_password_must_change_it_and_sees_their_class(
    new_phone, screenshot, admin_user, school_class, pupil
):
    rows = [["周敏", "13800000031", "班主任、帮扶教师", "三年级1班"]]
    result = StaffResource(actor=admin_user).import_data(
        staff_dataset(io.BytesIO(_csv(rows)), "教职工名册.csv"), dry_run=False
    )
    (slip,) = result.slips
    assert slip.username == "zhoumin"
    page = new_phone()

    page.goto("/login/")
    page.fill("#id_username", slip.username)
    page.fill("#id_password", slip.password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/password/$"))
    expect(page.get_by_role("alert")).to_contain_text("你正在使用学校发的初始密码")
    screenshot(page, "staff_first_sign_in")
    page.goto("/registry/pupils/")  # any other page sends them back
    expect(page).to_have_url(re.compile(r"/password/$"))
    page.fill("#id_old_password", slip.password)
    page.fill("#id_new_password1", "Qingshan-river-7412")
    page.fill("#id_new_password2", "Qingshan-river-7412")
    with page.expect_navigation():
        page.get_by_role("button", name="保存新密码").click()

    page.goto("/registry/classes/")
    expect(page.locator("main")).to_contain_text("三年级(1)班")
    page.goto("/registry/pupils/")
    expect(page.locator("a.pupil-row-name")).to_have_text([pupil.name])
    screenshot(page, "staff_own_class")
