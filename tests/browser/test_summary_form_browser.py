"""The term summary's form in a real browser: what the principal typed is printed even when
she presses 生成PDF without 保存文字, and the new PDF is one click away."""

import io
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from reports.models import TermReportVersion
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_summary(browser, live_server, sign_in, principal, term) -> tuple[BrowserContext, Page]:
    """The principal's summary of the term open in a desktop browser."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, principal.username)
    page.goto(f"/reports/terms/{term.pk}/")
    return context, page


def test_an_edit_typed_without_saving_survives_generating_the_pdf(
    browser, live_server, sign_in, screenshot, principal, known_school, media_root
):
    context, page = open_summary(browser, live_server, sign_in, principal, known_school)

    page.get_by_label("三、取得的成绩").fill("本学期全校无一名留守儿童辍学，家校联系更紧密。")
    with page.expect_navigation():
        page.get_by_role("button", name="生成PDF").click()

    notice = page.locator("[data-new-version]")
    expect(notice).to_contain_text("已生成第1版")
    expect(page.get_by_label("三、取得的成绩")).to_have_value(
        "本学期全校无一名留守儿童辍学，家校联系更紧密。"
    )
    screenshot(page, "term_summary_generated")
    pdf = context.request.get(notice.get_by_role("link", name="查看PDF").get_attribute("href"))
    body = pdf.body()
    context.close()

    reader = PdfReader(io.BytesIO(body))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "本学期全校无一名留守儿童辍学，家校联系更紧密。" in text
    assert TermReportVersion.objects.get().texts["achievements"].startswith("本学期全校无一名")


def test_a_changed_number_is_shown_before_generating_and_the_principal_may_still_generate(
    browser, live_server, sign_in, screenshot, principal, known_school, media_root
):
    context, page = open_summary(browser, live_server, sign_in, principal, known_school)
    talks = page.get_by_label("谈心和家访")
    expect(talks).to_have_value(re.compile("^本学期教师与留守儿童谈心1次"))
    expect(page.get_by_label("座谈会和家长会")).to_have_value("")  # nothing to report

    talks.fill(talks.input_value().replace("谈心1次", "谈心6次"))
    with page.expect_navigation():
        page.get_by_role("button", name="生成PDF").click()

    warning = page.locator("[data-changed-numbers]")
    expect(warning).to_contain_text("填写的是6，数据为1")
    assert not TermReportVersion.objects.exists()
    screenshot(page, "term_summary_changed_number")
    with page.expect_navigation():
        page.get_by_role("button", name="仍按所填文字生成PDF").click()
    expect(page.locator("[data-new-version]")).to_contain_text("已生成第1版")
    context.close()

    assert (
        TermReportVersion.objects.get()
        .texts["sections"]["talks"]
        .startswith("本学期教师与留守儿童谈心6次")
    )


def test_redrafting_a_section_brings_back_the_data_and_keeps_the_rest(
    browser, live_server, sign_in, principal, known_school, media_root
):
    context, page = open_summary(browser, live_server, sign_in, principal, known_school)
    talks = page.get_by_label("谈心和家访")
    drafted = talks.input_value()

    talks.fill("随便写的。")
    page.get_by_label("开头语").fill("新的开头语。")
    with page.expect_navigation():
        page.locator("button[name=redraft][value=section_talks]").click()

    expect(page.get_by_label("谈心和家访")).to_have_value(drafted)
    expect(page.get_by_label("开头语")).to_have_value("新的开头语。")
    context.close()
