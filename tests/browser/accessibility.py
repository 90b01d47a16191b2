"""axe-core over every page a person reaches from their home page, and each form sent empty.

The crawl follows the links a person sees (the menu, lists, a child's page, 系统设置), one page
per URL pattern, so a new page is checked as soon as something links to it.
"""

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Served at an address of the site itself, so the page's own Content-Security-Policy
# (script-src 'self') lets it in: the pages are checked as they really are, CSP included.
AXE_PATH = "/__axe-core__.js"
BLOCKING = {"serious", "critical"}
# Not pages: downloads, and links that do something (sign out, change the language).
SKIPPED_NAMES = ("logout", "set_language", "admin:logout", "admin:view_on_site", "admin:jsi18n")
SKIPPED_SUFFIXES = ("_pdf", "_xlsx", "xlsx", "_download", ":attachment", "roster_template")
# Admin pages that do something on GET, or only repeat another page's form.
SKIPPED_ADMIN = ("_delete", "_history", "password_change", "autocomplete")


@dataclass
class Finding:
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.url} [{self.impact}] {self.rule}: {self.help} at {self.targets[:3]}"


def serve_axe(page: Page) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(path=str(AXE), content_type="text/javascript")

    page.route(f"**{AXE_PATH}", fulfil)


def axe_findings(page: Page, label: str) -> list[Finding]:
    """Run axe on the page as it is now; every violation, whatever its impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_PATH)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        Finding(
            url=label,
            rule=violation["id"],
            impact=violation["impact"] or "",
            help=violation["help"],
            targets=[str(node["target"]) for node in violation["nodes"]],
        )
        for violation in results["violations"]
    ]


def pattern_name(path: str) -> str | None:
    """The URL pattern's full name, or None for a path that is no page of the site."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if name.startswith(SKIPPED_NAMES) or name.endswith(SKIPPED_SUFFIXES):
        return None
    if name.startswith("admin:") and any(part in name for part in SKIPPED_ADMIN):
        return None
    return name


def _links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "(links) => links.map((link) => link.href)")
    origin = urlsplit(page.url)
    found = []
    for href in hrefs:
        href = urldefrag(href).url
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _send_empty_forms(page: Page, label: str) -> list[Finding]:
    """Send the page's first form that asks for something (a field a person fills in) with its
    fields emptied, past the browser's own checks, and run axe on the answer with its errors."""
    sent = page.evaluate(
        """() => {
            const typed = (field) => field.matches('textarea') || (field.matches('input')
                && !['hidden', 'checkbox', 'radio', 'submit', 'button', 'file']
                    .includes(field.type));
            const form = [...document.querySelectorAll('main form')].find((form) =>
                form.method === 'post' && [...form.elements].some(typed));
            if (!form) return false;
            form.noValidate = true;
            for (const field of form.elements) if (typed(field)) field.value = '';
            window.__emptyForm = form;
            return true;
        }"""
    )
    if not sent:
        return []
    before = page.url
    with page.expect_navigation():
        page.evaluate("() => window.__emptyForm.requestSubmit()")
    if page.url != before:  # it did something instead of showing errors: nothing to check
        return []
    return axe_findings(page, f"{label} (sent empty)")


def crawl(page: Page, start: str = "/", limit: int = 400) -> tuple[list[Finding], list[str]]:
    """Visit every page reachable from `start` (one per URL pattern), run axe on each and on
    each form sent empty. Returns every finding and the names of the patterns visited."""
    serve_axe(page)
    queue = deque([start])
    seen_names: set[str] = set()
    findings: list[Finding] = []
    while queue and len(seen_names) < limit:
        path = queue.popleft()
        name = pattern_name(urlsplit(path).path)
        if name is None or name in seen_names:
            continue
        seen_names.add(name)
        try:
            response = page.goto(path)
        except PlaywrightError as error:  # a download (a spreadsheet, a PDF) is no page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        label = f"{name} {path}"
        findings += axe_findings(page, label)
        queue.extend(_links(page))
        findings += _send_empty_forms(page, label)
    return findings, sorted(seen_names)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.impact in BLOCKING]
