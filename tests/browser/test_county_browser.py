"""The installation's registrar creates a second school in a real browser; its administrator
signs in to an empty school and finds nothing of the first."""

import re

import pytest
from playwright.sync_api import expect

from registry.models import Role
from tests.factories import TownshipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_registrar_creates_a_second_school_whose_administrator_sees_only_it(
    new_phone, screenshot, sign_in, admin_user, pupil
):
    TownshipFactory(name="白水镇")
    UserFactory(school=None, username="xitong", full_name="县管理员", roles=[Role.SYSTEM_ADMIN])
    registrar = new_phone()
    sign_in(registrar, "xitong")

    registrar.goto("/county/schools/")
    registrar.get_by_role("link", name="新建学校").click()
    registrar.fill("#id_name", "白水镇龙潭村小")
    registrar.select_option("#id_township", label="白水镇")
    registrar.select_option("#id_kind", label="村小")
    registrar.fill("#id_code", "2143000123")
    registrar.fill("#id_grades", "1-3")
    registrar.fill("#id_admin_username", "longtan")
    registrar.fill("#id_admin_full_name", "龙老师")
    screenshot(registrar, "county_school_form")
    with registrar.expect_navigation():
        registrar.get_by_role("button", name="建立学校").click()
    expect(registrar.get_by_role("status")).to_contain_text("白水镇龙潭村小")
    password = registrar.locator("[data-slip-password]").inner_text().strip()
    screenshot(registrar, "county_admin_slip")

    admin = new_phone()
    sign_in(admin, "longtan", password)
    expect(admin).to_have_url(re.compile(r"/password/$"))
    admin.fill("#id_old_password", password)
    admin.fill("#id_new_password1", "Longtan-river-7412")
    admin.fill("#id_new_password2", "Longtan-river-7412")
    with admin.expect_navigation():
        admin.get_by_role("button", name="保存新密码").click()
    admin.goto("/")
    expect(admin.locator("main")).to_contain_text("开始使用：白水镇龙潭村小")
    screenshot(admin, "county_new_school_home")
    admin.goto("/registry/pupils/")
    expect(admin.locator("main")).not_to_contain_text(pupil.name)
    answer = admin.goto(f"/registry/pupils/{pupil.pk}/")
    assert answer is not None and answer.status == 404

    registrar.get_by_role("link", name="返回学校与账号").click()
    expect(registrar.locator("main")).to_contain_text("白水镇龙潭村小")
    screenshot(registrar, "county_schools")
