"""The principal's pages that show the term's figures (the dashboard, 关爱落实 and the home
page), beside the minimal view, at a given size, on a database prepared once and reused.

    SQLITE_PATH=/tmp/d.sqlite3 python bench/bench_dashboard.py 20000   # or DATABASE_URL=...

A database without the demo school is migrated, seeded (seed 7) and topped up to ten care
records a pupil (18 months back, as bench/bench_visits.py does), then ANALYZEd; a prepared one
is only migrated and ANALYZEd, so code before and after a change is timed on the same rows.
Pages are timed as in bench/run.py (REQUESTS from the environment, default 30), and also
by the CPU time of this process (`_cpu_ms`): on SQLite the queries run in this process, so on a
machine shared with others that figure moves less with their load than the wall clock does.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, log

SEED = 7
RECORDS_PER_PUPIL = 10


def main() -> None:
    pupils = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client, override_settings

    import bench.bench_visits as bench_visits
    import bench.run as bench_run
    from registry.models import School, User

    bench_run.REQUESTS = int(os.environ.get("REQUESTS", bench_run.REQUESTS))
    bench_run.BUDGET_S = float("inf")  # as many requests as asked for, however slow the page
    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
        if not School.objects.exists():
            log(f"seeding a demo school of {pupils} pupils (seed {SEED})")
            call_command("seed_demo", pupils=pupils, seed=SEED, stdout=sys.stderr)
            bench_visits.RECORDS = pupils * RECORDS_PER_PUPIL
            bench_visits.top_up(School.objects.get(), random.Random(SEED))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        from visits.models import CareRecord

        emit("care_records_total", CareRecord.objects.count())
        cases = [
            ("minimal_view", "admin", "/bench/minimal/"),
            ("dashboard_principal", "principal", "/reports/"),
            ("compliance_principal", "principal", "/visits/compliance/"),
            ("home_principal", "principal", "/"),
        ]
        only = os.environ.get("PAGES")
        baseline = None
        try:
            for name, username, url in cases:
                if only and baseline is not None and name not in only.split(","):
                    continue
                client = Client()
                client.force_login(User.objects.get(username=username))
                log(f"{name}: GET {url} as {username}")
                start = time.perf_counter()
                median_ms, queries = bench_run.measure(client, url)
                cpu_ms = cpu_median(client, url, bench_run.REQUESTS)
                emit(f"{name}_cpu_ms", cpu_ms)
                emit(f"{name}_median_ms", median_ms)
                emit(f"{name}_queries", queries)
                if baseline is None:
                    baseline, cpu_baseline = median_ms, cpu_ms
                else:
                    emit(f"{name}_vs_minimal_ratio", median_ms / baseline)
                    emit(f"{name}_cpu_vs_minimal_ratio", cpu_ms / cpu_baseline)
                log(f"{name} took {time.perf_counter() - start:.0f} s")
        finally:
            connections.close_all()


def cpu_median(client, url: str, requests: int) -> float:
    """Median CPU milliseconds of this process for one GET."""
    timings = []
    for _ in range(requests):
        start = time.process_time()
        client.get(url)
        timings.append((time.process_time() - start) * 1000)
    return statistics.median(timings)


if __name__ == "__main__":
    main()
