"""Benchmarks on a 20,000-pupil demo school: `make bench`, or .venv/bin/python bench/run.py.

Prints `name: value` lines on stdout and nothing else; progress goes to stderr. Each page is
timed in-process through django.test.Client (server time: middleware, view, queries,
template), as the median of REQUESTS requests after WARMUPS, and its queries are counted in a
separate request. A minimal signed-in view through the same middleware is the baseline. Every
page is timed first on a school of SMALL pupils (same seed), and its growth from there to PUPILS
printed (`<page>_growth_1k_to_20k`: a page that stays flat is within 2).
"""

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, log, seeded_school

PUPILS = 20_000
SMALL = 1_000
SEED = 7
WARMUPS = 3
REQUESTS = 30
# A slow page is timed fewer times: after MIN_REQUESTS, timing stops once BUDGET_S seconds are
# spent (a 3-second page's median is as steady over 3 requests as over 30, and 30 of them
# took most of `make bench`'s time); one warm-up is enough for a page slower than a second.
MIN_REQUESTS = 3
BUDGET_S = 3.0


def measure(client, url: str) -> tuple[float, int]:
    """(median milliseconds, queries) for one GET; every response must be a 200. REQUESTS
    timed requests, fewer for a slow page (MIN_REQUESTS, BUDGET_S)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")

    connection.queries_log.clear()
    for _ in range(WARMUPS):
        start = time.perf_counter()
        get()
        if time.perf_counter() - start > 1:
            break
    timings = []
    while len(timings) < REQUESTS:
        start = time.perf_counter()
        get()
        timings.append((time.perf_counter() - start) * 1000)
        if len(timings) in range(MIN_REQUESTS, REQUESTS) and sum(timings) > BUDGET_S * 1000:
            log(f"timed {len(timings)} requests (a slow page)")
            break
    if connection.queries_log:
        raise SystemExit("queries were logged while timing: is DEBUG on?")
    # Queries are logged only here, so the timed requests above pay nothing for the logging.
    with CaptureQueriesContext(connection) as queries:
        get()
    return statistics.median(timings), len(queries)


def run() -> None:
    import django
    from django.db import connections
    from django.test import override_settings

    django.setup()
    # DEBUG off as in production, so no query is logged outside CaptureQueriesContext and
    # templates are not compiled in debug mode; the site's own URLs plus the baseline view.
    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        try:
            measure_at_sizes(school, cases)
        finally:
            connections.close_all()


def school(pupils: int) -> None:
    # The seconds seed_demo took, also when a script before this one seeded the school.
    emit(f"seed_demo_{pupils}_s", seeded_school(pupils, SEED)["seed_demo"])
    if pupils == PUPILS:
        from registry.models import Pupil

        emit("pupils_total", Pupil.objects.count())
        emit("pupils_matching_wxm", Pupil.objects.filter(name_initials__startswith="wxm").count())


Case = tuple[str, object, str]  # (name, signed-in django.test.Client, url)


def measure_at_sizes(prepare: Callable[[int], None], cases: Callable[[], list[Case]]) -> None:
    """Every case on the school prepare(SMALL) gives, then on prepare(PUPILS) (measure_cases),
    and each page's growth from SMALL to PUPILS. cases() signs its clients in afresh: the
    database is another after prepare."""
    small = f"{SMALL // 1000}k"
    prepare(SMALL)
    before = measure_cases(cases(), suffix=f"_{small}")
    prepare(PUPILS)
    after = measure_cases(cases())
    for name, median_ms in after.items():
        emit(f"{name}_growth_{small}_to_{PUPILS // 1000}k", median_ms / before[name])


def measure_cases(cases: list[Case], suffix: str = "") -> dict[str, float]:
    """Each case's median milliseconds and queries, and its ratio to the first case (the
    baseline); returns the medians by name."""
    medians: dict[str, float] = {}
    for name, client, url in cases:
        log(f"{name}{suffix}: GET {url}")
        medians[name], queries = measure(client, url)
        emit(f"{name}{suffix}_median_ms", medians[name])
        emit(f"{name}{suffix}_queries", queries)
        if len(medians) > 1:
            emit(f"{name}{suffix}_vs_minimal_ratio", medians[name] / next(iter(medians.values())))
    return medians


def signed_in(username: str):
    """A test client signed in as the user."""
    from django.test import Client

    from registry.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def cases() -> list[Case]:
    from registry.models import LeftBehind, Pupil

    as_admin, as_teacher = signed_in("admin"), signed_in("teacher")
    # A left-behind child of the demo class teacher's class, so both can open the archive.
    pupil = (
        Pupil.objects.filter(
            school_class__head_teacher__username="teacher", status=Pupil.Status.ENROLLED
        )
        .exclude(left_behind=LeftBehind.NONE)
        .order_by("pk")
        .first()
    )
    if pupil is None:
        raise SystemExit("the demo class teacher's class has no left-behind pupil")
    archive = f"/registry/pupils/{pupil.pk}/"
    return [
        # The first is the baseline the others are compared with.
        ("minimal_view", as_admin, "/bench/minimal/"),
        ("pupil_list", as_admin, "/registry/pupils/"),
        ("pupil_list_search", as_admin, "/registry/pupils/?q=wxm"),
        ("pupil_list_left_behind", as_admin, "/registry/pupils/?left_behind=any"),
        ("pupil_list_teacher", as_teacher, "/registry/pupils/"),
        ("archive_page", as_admin, archive),
        ("archive_page_teacher", as_teacher, archive),
        ("home_page", as_admin, "/"),
        ("pairing_board", as_admin, "/pairing/"),
        ("my_children", as_teacher, "/pairing/mine/"),
        ("pairing_register", as_admin, "/pairing/register/"),
        ("dashboard", as_admin, "/reports/"),
        ("teacher_table", as_admin, "/reports/teachers/"),
    ]


def main() -> None:
    in_scratch_database("caresys-bench-", lambda _workdir: run())


if __name__ == "__main__":
    main()
