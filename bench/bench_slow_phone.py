"""The record form on a phone on a slow line: `make bench`, or .venv/bin/python
bench/bench_slow_phone.py.

Serves a demo school with the production server (gunicorn, DEBUG off, collected static files,
as `make serve`), signs a class teacher in, then opens the record form in a browser whose
cache is empty (a first visit) over a simulated slow 3G line (Chromium's network emulation:
400 kbps each way, 400 ms latency) and prints `name: value` lines: time to the first paint of
the form, to the page loaded (styles and scripts in) and to Bootstrap's script (fetched after
the first paint) ready, kilobytes transferred until the page loaded, and the load of a second
visit (static files from the cache). Issue 16 asks for the form within 2 s.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    REPO,
    collected_static,
    emit,
    in_scratch_database,
    log,
    seeded_school,
    server_port,
)

PUPILS = int(os.environ.get("BENCH_PUPILS", 1000))
SEED = 7
KBPS = 400
LATENCY_MS = 400
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
RUNS = 3
# What the browser measured for the page just opened: first contentful paint, load, bytes.
# The paint entry is awaited (buffered): Chromium may queue it after the load event.
TIMINGS = """async () => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = await new Promise((resolve) => {
        new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) resolve(entry);
        }).observe({type: 'paint', buffered: true});
        setTimeout(() => resolve(null), 30000);
    });
    const bytes = performance.getEntriesByType('resource')
        .reduce((sum, entry) => sum + entry.transferSize, nav.transferSize);
    return {fcp: paint ? paint.startTime : null, load: nav.loadEventEnd, bytes: bytes,
            html: nav.transferSize};
}"""


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/login/", timeout=5)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def _record_form(browser, base: str, state: dict, warm: bool) -> dict:
    """Open the record form over the slow line in a fresh browser profile; with `warm`, a first
    visit fills the cache before the measured one."""
    context = browser.new_context(
        base_url=base, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
        storage_state=state,
    )  # fmt: skip
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": KBPS * 1000 / 8,
            "uploadThroughput": KBPS * 1000 / 8,
        },
    )
    if warm:
        page.goto("/visits/records/new/")
        page.goto("/")
    page.goto("/visits/records/new/", wait_until="load", timeout=120_000)
    if not page.locator("form textarea").first.is_visible():
        raise SystemExit("the record form did not show")
    timings = page.evaluate(TIMINGS)
    # Bootstrap's script (the phone menu) follows the first paint.
    page.wait_for_function("() => window.bootstrap !== undefined", timeout=60_000)
    timings["menu"] = page.evaluate("() => performance.now()")
    context.close()
    return timings


def run(workdir: Path) -> None:
    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    from django.db import connections

    from demo.school import DEMO_PASSWORD

    port = server_port()
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        # Plain http on the loopback: the browser keeps Secure cookies for localhost.
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="WARNING",
    )
    seeded_school(PUPILS, SEED)  # the school bench/run.py times at 1,000 pupils, kept
    connections.close_all()
    env["STATIC_ROOT"] = str(collected_static(env))
    base = f"http://localhost:{port}"
    with open(workdir / "gunicorn.log", "wb") as server_log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
             "caresys.wsgi"],
            cwd=REPO, env=env, stdout=server_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_up(base, server)
            log(f"gunicorn on {base}; a class teacher on {KBPS} kbps, {LATENCY_MS} ms")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
                )
                signing_in = browser.new_context(base_url=base)
                page = signing_in.new_page()
                page.goto("/login/")
                page.fill("#id_username", "teacher")
                page.fill("#id_password", DEMO_PASSWORD)
                with page.expect_navigation():
                    page.locator("form button[type=submit]").click()
                state = signing_in.storage_state()
                signing_in.close()
                cold = [_record_form(browser, base, state, warm=False) for _ in range(RUNS)]
                warm = [_record_form(browser, base, state, warm=True) for _ in range(RUNS)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    if any(run["fcp"] is None for run in cold):
        raise SystemExit("the browser reported no first contentful paint")
    median = lambda runs, key: sorted(run[key] for run in runs)[len(runs) // 2]  # noqa: E731
    emit("record_form_slow3g_first_visit_paint_ms", float(median(cold, "fcp")))
    emit("record_form_slow3g_first_visit_load_ms", float(median(cold, "load")))
    emit("record_form_slow3g_first_visit_menu_ready_ms", float(median(cold, "menu")))
    emit("record_form_slow3g_first_visit_kb", median(cold, "bytes") / 1024)
    emit("record_form_slow3g_html_kb", median(cold, "html") / 1024)
    emit("record_form_slow3g_second_visit_load_ms", float(median(warm, "load")))


def main() -> None:
    os.environ.pop("DATABASE_URL", None)  # SQLite only: the page's bytes and the line's speed
    in_scratch_database("caresys-bench-slow-phone-", run)


if __name__ == "__main__":
    main()
