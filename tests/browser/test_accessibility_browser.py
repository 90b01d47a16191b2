"""Accessible on any phone, to everyone: axe-core (tests/browser/vendor) finds no serious or
critical violation on any page a class teacher, the principal or the registrar reaches, each
form sent empty included; errors are announced; focus is visible."""

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from demo.school import DEMO_PASSWORD, seed_demo
from registry import services as registry_services
from registry.models import User
from tests.browser.accessibility import blocking, crawl
from tests.browser.conftest import PHONE, TIMEOUT_MS, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
# The pages each person must at least have reached, so a crawl that went nowhere fails.
MUST_REACH = {
    "teacher": {
        "home", "visits:work_list", "visits:record_create", "visits:record_detail",
        "registry:pupil_detail", "registry:pupil_edit", "registry:census_class",
        "visits:emergency_create", "password_change",
    },
    "principal": {
        "reports:dashboard", "reports:term_report_edit", "reports:teacher_table",
        "visits:compliance", "pairing:board", "registry:census_progress", "registry:statistics",
    },
    "admin": {
        "admin:index", "admin:registry_schoolclass_change", "admin:registry_schoolyear_add",
        "admin:registry_user_changelist", "registry:access_log", "registry:roster_import",
        "visits:settings", "pairing:settings",
    },
}  # fmt: skip


@pytest.fixture
def demo_school(live_server):
    """The demo school (as `make run` shows it), with a census round open."""
    seed_demo(pupils=60)
    registry_services.census_round_open(
        actor=User.objects.get(username="admin"), name="春季摸底", closes_on=timezone.localdate()
    )


@pytest.mark.parametrize(
    ("username", "viewport"),
    [("teacher", PHONE), ("principal", DESKTOP), ("admin", DESKTOP)],
    ids=["class_teacher_on_a_phone", "principal", "registrar"],
)
def test_no_page_a_person_reaches_has_a_serious_accessibility_violation(
    browser: Browser, live_server, demo_school, username, viewport
):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    _sign_in(page, username, DEMO_PASSWORD)

    findings, reached = crawl(page)
    context.close()

    assert MUST_REACH[username] - set(reached) == set()
    assert [str(finding) for finding in blocking(findings)] == []


def test_a_form_sent_back_with_errors_announces_them_and_takes_the_focus(
    phone, sign_in, class_teacher, pupil
):
    sign_in(phone, class_teacher.username)
    phone.goto("/visits/emergencies/new/")
    with phone.expect_navigation():
        phone.evaluate("() => { const f = document.querySelector('main form');"
                       " f.noValidate = true; f.requestSubmit(); }")  # fmt: skip

    summary = phone.locator("main [data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()


def test_a_form_without_a_summary_sends_the_focus_to_the_first_field_in_error(
    phone, sign_in, class_teacher, pupil
):
    sign_in(phone, class_teacher.username)
    phone.goto(f"/visits/pupils/{pupil.pk}/watch/")
    with phone.expect_navigation():
        phone.evaluate("() => { const f = document.querySelector('main form');"
                       " f.noValidate = true; f.requestSubmit(); }")  # fmt: skip

    first_invalid = phone.locator("main [aria-invalid=true]").first
    expect(first_invalid).to_be_focused()


def _luminance(rgb: list[float]) -> float:
    channels = [c / 255 for c in rgb[:3]]
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(one: list[float], other: list[float]) -> float:
    light, dark = sorted([_luminance(one), _luminance(other)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


FOCUS_RING = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
    let behind = el.parentElement;
    while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0)
        behind = behind.parentElement;
    return {width: parseFloat(style.outlineWidth), style: style.outlineStyle,
            ring: rgb(style.outlineColor), behind: rgb(getComputedStyle(behind).backgroundColor)};
}"""


@pytest.mark.parametrize("stops", [1, 4, 12], ids=["on_the_blue_bar", "in_the_menu", "in_a_form"])
def test_the_keyboard_focus_is_a_ring_of_at_least_3_to_1(
    browser: Browser, live_server, sign_in, class_teacher, pupil, stops
):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, class_teacher.username)
    page.goto("/visits/records/new/")
    for _ in range(stops):
        page.keyboard.press("Tab")

    ring = page.evaluate(FOCUS_RING)
    context.close()

    assert ring["style"] == "solid"
    assert ring["width"] >= 2
    assert _contrast(ring["ring"], ring["behind"]) >= 3
