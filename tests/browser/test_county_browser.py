"""The county's pages in a real browser, at a desk and on a phone: the bureau reads the schools
side by side, opens one school's read-only page from a number, and reads the 评比; the
installation's registrar creates a second school, whose administrator signs in to an empty
school and finds nothing of the first."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.models import Role
from tests.browser.accessibility import axe_findings, blocking, serve_axe
from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.county.test_dashboard import build_school
from tests.factories import TownshipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/work/shots/county-dash")


def test_the_bureau_reads_the_schools_side_by_side_and_the_appraisal(browser, live_server, sign_in):
    baishui, shimen = TownshipFactory(name="白水镇"), TownshipFactory(name="石门乡")
    build_school(baishui, "白水镇中心小学", left_behind=4, others=3)
    build_school(baishui, "白水镇龙潭村小", left_behind=2, needy=1, care_categories=["is_disabled"])
    build_school(baishui, "白水镇杉木教学点", left_behind=0, others=2)
    build_school(shimen, "石门乡中心小学", left_behind=3, others=5)
    UserFactory(username="bureau", school=None, roles=[Role.BUREAU], full_name="县教育局")
    SHOTS.mkdir(parents=True, exist_ok=True)

    for label, viewport in (("desk", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        serve_axe(page)
        sign_in(page, "bureau")

        expect(page.locator("[data-county-board]")).to_contain_text("白水镇小计（3所）")
        expect(page.locator("[data-total]")).to_contain_text("合计（4所）")
        assert blocking(axe_findings(page, "county:dashboard")) == []
        page.screenshot(path=str(SHOTS / f"dashboard-{label}.png"), full_page=True)

        with page.expect_navigation():
            page.locator("[data-school] a").filter(has_text="石门乡中心小学").first.click()
        expect(page.locator("[data-read-only]")).to_contain_text("只读")
        page.screenshot(path=str(SHOTS / f"school-{label}.png"), full_page=True)

        page.goto("/county/appraisal/")
        expect(page.locator("[data-appraisal] tbody tr")).to_have_count(4)
        assert blocking(axe_findings(page, "county:appraisal")) == []
        page.screenshot(path=str(SHOTS / f"appraisal-{label}.png"), full_page=True)
        if label == "desk":
            with page.expect_navigation():
                page.get_by_role("link", name="指标和权重").click()
            page.get_by_label("辍学（每千名学生）").fill("0")
            page.screenshot(path=str(SHOTS / "weights-desk.png"), full_page=True)
            with page.expect_navigation():
                page.get_by_role("button", name="保存权重").click()
            expect(page.locator("[data-appraisal] thead")).not_to_contain_text("辍学")
        context.close()


def test_the_registrar_creates_a_second_school_whose_administrator_sees_only_it(
    new_phone, screenshot, sign_in, admin_user, pupil
):
    TownshipFactory(name="白水镇")
    UserFactory(school=None, username="xitong", full_name="县管理员", roles=[Role.SYSTEM_ADMIN])
    registrar = new_phone()
    sign_in(registrar, "xitong")

    registrar.goto("/county/registrar/")
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
