"""Time each query of one page on an existing database: which of its queries cost the time.

    SQLITE_PATH=/tmp/db.sqlite3 python bench/profile_page.py /reports/ [username]

Prints, per query, its median milliseconds over a few requests and the start of its SQL,
slowest first, then the request's total and the time outside the queries (view, template).
"""

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REQUESTS = 5


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings

    from registry.models import User

    url = sys.argv[1]
    username = sys.argv[2] if len(sys.argv) > 2 else "admin"
    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(2):
            assert client.get(url).status_code == 200
        timings: dict[int, list[float]] = defaultdict(list)
        sqls: dict[int, str] = {}
        totals = []
        for _ in range(REQUESTS):
            seen = []

            def wrapper(execute, sql, params, many, context, seen=seen):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    seen.append((sql, (time.perf_counter() - start) * 1000))

            start = time.perf_counter()
            with connection.execute_wrapper(wrapper):
                assert client.get(url).status_code == 200
            totals.append((time.perf_counter() - start) * 1000)
            for index, (sql, ms) in enumerate(seen):
                timings[index].append(ms)
                sqls[index] = sql
    medians = {index: statistics.median(values) for index, values in timings.items()}
    for index in sorted(medians, key=medians.get, reverse=True):
        print(f"{index:3d} {medians[index]:8.2f} ms  {' '.join(sqls[index].split())[:150]}")
    total = statistics.median(totals)
    in_queries = sum(medians.values())
    print(
        f"queries: {len(medians)}, in queries {in_queries:.1f} ms, request {total:.1f} ms, "
        f"outside queries {total - in_queries:.1f} ms"
    )


if __name__ == "__main__":
    main()
