"""Debian's headless Chromium driven by Playwright, against pytest-django's live server."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

# Playwright's sync API keeps an event loop running in the test thread, which makes Django's
# async-safety check refuse every ORM call made by the test itself (fixtures, assertions).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Class teachers read the register on their phones.
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/caresys-shots")
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_phone(browser: Browser, live_server) -> Iterator[Callable[[], Page]]:
    """Open a fresh phone-sized browser (own cookies) on the live server; closed after the test.

    Anything the Content-Security-Policy refused (a script, a style, a frame) fails the test.
    """
    contexts: list[BrowserContext] = []
    messages: list[str] = []

    def open_phone() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", lambda message: messages.append(message.text))
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()
    refused = [text for text in messages if "Content Security Policy" in text]
    assert refused == [], "the Content-Security-Policy refused something the page needs"


@pytest.fixture
def phone(new_phone: Callable[[], Page]) -> Page:
    return new_phone()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot for reviewers to look at; nothing is asserted on pixels."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _sign_in(page: Page, username: str, password: str = "test-pass-123") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/login/" not in page.url, f"signing in as {username} failed"


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Sign in through the login form, as a person does (factories' password by default)."""
    return _sign_in
