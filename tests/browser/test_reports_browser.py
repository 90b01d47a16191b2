"""The term summary in a real browser: the principal edits 四、存在的问题, generates the PDF and
downloads it; the PDF holds her words."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from reports.models import TermReportVersion
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_principal_edits_the_problems_generates_the_pdf_and_downloads_it(
    browser, live_server, sign_in, screenshot, principal, known_school, media_root, tmp_path
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, principal.username)

    page.get_by_role("button", name="学校管理").click()
    with page.expect_navigation():
        page.get_by_role("link", name="工作总结").click()
    with page.expect_navigation():
        page.get_by_role("link", name=str(known_school)).click()
    problems = page.get_by_label("四、存在的问题")
    # The draft from the data: two of the three left-behind children had no home visit.
    expect(problems).to_have_value(re.compile("^1、家访还不到位。本学期还有2名留守儿童没有家访"))
    problems.fill("1、本学期还有2名留守儿童没有家访。\n2、座谈会次数偏少，下学期每月一次。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存文字").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    preview = page.frame_locator("iframe")
    expect(preview.locator("[data-problems]")).to_contain_text("座谈会次数偏少")
    with page.expect_navigation():
        page.get_by_role("button", name="生成PDF").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成第1版")
    screenshot(page, "term_summary_desktop")
    with page.expect_download() as download:
        page.locator("[data-download]").first.click()
    path = tmp_path / "summary.pdf"
    download.value.save_as(path)
    context.close()

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "座谈会次数偏少，下学期每月一次。" in text.replace("\n", "")
    assert TermReportVersion.objects.get().texts["problems"].endswith("下学期每月一次。")
