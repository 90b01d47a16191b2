"""CPU milliseconds a request of each page costs the server, with the production settings
(DEBUG off, collected static files, the whole middleware, HTTPS as behind the proxy).

    SQLITE_PATH=/tmp/db.sqlite3 python bench/profile_cpu.py [username] [URL ...]
    PROFILE=/visits/due/ (or all) ... prints cProfile's top functions for that page (all pages)

Without URLs, the pages a class teacher opens under bench_load (their class and first
left-behind child filled in). The URL POST writes care records as bench_load does (on the
database given: they stay in the person's lists, so profile the pages as someone else).
Prints, per page, the median (and least) process CPU ms over REQUESTS requests, the median
wall ms (on PostgreSQL the server's share is in it) and the query count.
"""

import cProfile
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import REPO

REQUESTS = int(os.environ.get("REQUESTS", 15))


def production_environment() -> None:
    static = Path(tempfile.gettempdir()) / "caresys-profile-cpu-static"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="caresys.settings",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        TRUSTED_PROXIES="127.0.0.1",
        STATIC_ROOT=str(static),
        LOG_LEVEL="ERROR",
    )
    if not (static / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=REPO, check=True,
        )  # fmt: skip


def teacher_pages(username: str) -> list[str]:
    from registry.models import LeftBehind, SchoolClass, User
    from registry.selectors import own_children

    user = User.objects.get(username=username)
    pages = ["/", "/visits/due/", "/registry/pupils/", "/pairing/mine/", "/visits/records/new/"]
    school_class = SchoolClass.objects.filter(head_teacher=user, is_active=True).first()
    if school_class is not None:
        pages.append(f"/visits/classes/{school_class.pk}/")
        child = own_children(user=user).exclude(left_behind=LeftBehind.NONE).first()
        if child is not None:
            pages.append(f"/registry/pupils/{child.pk}/")
    return pages


def _requester(client, user, url: str):
    """A function that sends the page's request and checks its answer. "POST" is a care
    record written through the record form, as bench_load's teachers write them."""
    if url != "POST":

        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get
    from registry.models import LeftBehind
    from registry.selectors import own_children

    children = list(
        own_children(user=user).exclude(left_behind=LeftBehind.NONE).values_list("pk", flat=True)
    )
    today = time.strftime("%Y-%m-%d")

    def post() -> None:
        response = client.post(
            "/visits/records/new/",
            {"kind": "talk", "occurred_on": today, "content": "谈了学习的事 profile",
             "pupils": [children[0]]},
        )  # fmt: skip
        assert response.status_code == 302, (url, response.status_code)

    return post


def main() -> None:
    production_environment()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from registry.models import User

    username = sys.argv[1] if len(sys.argv) > 1 else "t301"
    urls = sys.argv[2:] or [*teacher_pages(username), "/bench/minimal/"]
    override_settings(ROOT_URLCONF="bench.urls").enable()
    client = Client(
        secure=True,
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
    )
    user = User.objects.get(username=username)
    client.force_login(user)
    profiled = os.environ.get("PROFILE")
    profile = cProfile.Profile()
    for url in urls:
        request = _requester(client, user, url)
        for _ in range(3):
            request()
        cpu, wall = [], []
        for _ in range(REQUESTS):
            start, started = time.process_time(), time.perf_counter()
            request()
            cpu.append((time.process_time() - start) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            request()
        print(
            f"{statistics.median(cpu):7.1f} ms cpu (min {min(cpu):5.1f})  "
            f"{statistics.median(wall):7.1f} ms wall  "
            f"{len(queries):3d} queries  {url}"
        )
        if profiled in (url, "all"):
            profile.enable()
            for _ in range(REQUESTS):
                request()
            profile.disable()
    if profiled:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("TOP", 60)))


if __name__ == "__main__":
    main()
