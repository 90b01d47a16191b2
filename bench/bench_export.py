"""Benchmark of the archive export: .venv/bin/python bench/bench_export.py.

Exports the 20,000 archives of a demo school through ArchiveExport, from the database to
the file (time, and peak Python memory with tracemalloc in a separate run; the baseline's peak
is not measured, a minute of make bench for a figure nothing compares), beside a baseline:
openpyxl in write-only mode writing the same cell values, worked out beforehand and held in
memory, with no styles and no checks; only its writing is timed. The time to fetch the data is
reported on its own. Prints `name: value` lines on stdout and nothing else; progress on stderr.
"""

import statistics
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, log, seeded_school

PUPILS = 20_000
SEED = 7
REPEATS = 3


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def peak_mb(work) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(workdir: Path) -> None:
    import django
    from django.test import override_settings

    django.setup()
    with override_settings(DEBUG=False):
        seeded_school(PUPILS, SEED)
        measure(workdir)


def measure(workdir: Path) -> None:
    from openpyxl import Workbook

    from registry import selectors
    from registry.models import User
    from registry.spreadsheets import exports
    from registry.spreadsheets.columns import COLUMNS, export_value

    admin = User.objects.get(username="admin")
    pupils = selectors.archive_export_rows(user=admin, filters={})
    out = workdir / "export.xlsx"

    def export() -> int:
        export = exports.ArchiveExport(user=admin, pupils=pupils, masked=True)
        export.write(out)
        return len(export.pupil_ids)

    log("exporting through ArchiveExport")
    # No separate warm-up (an export is ~10 s): the median of three puts the first, cold one aside.
    timings = []
    for attempt in range(REPEATS):
        seconds, count = timed(export)
        log(f"  export {attempt + 1}/{REPEATS}: {seconds:.2f} s")
        timings.append(seconds)
    emit("export_pupils", count)
    emit(f"export_{PUPILS}_s", statistics.median(timings))
    emit(f"export_{PUPILS}_file_mb", out.stat().st_size / 2**20)
    log("  again with tracemalloc for the peak")
    emit(f"export_{PUPILS}_peak_mb", peak_mb(export))

    def fetch() -> list:
        return list(pupils.iterator(chunk_size=exports.CHUNK_SIZE))

    def values(fetched: list) -> list[list]:
        rows = []
        for pupil in fetched:
            parts = exports.archive_parts(pupil)
            rows.append([export_value(c, parts[c.part], masked=True) for c in COLUMNS])
        return rows

    def write(rows: list[list]) -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([column.header for column in COLUMNS])
        for row in rows:
            sheet.append(row)
        workbook.save(workdir / "baseline.xlsx")

    log("baseline: fetching and working out the same values")
    fetch_s, fetched = timed(fetch)
    values_s, rows = timed(partial(values, fetched))
    emit(f"export_fetch_{PUPILS}_s", fetch_s)
    emit(f"export_values_{PUPILS}_s", values_s)
    baseline = []
    for attempt in range(REPEATS):
        seconds, _none = timed(partial(write, rows))
        log(f"  baseline {attempt + 1}/{REPEATS}: {seconds:.2f} s")
        baseline.append(seconds)
    fetched = rows = None  # free them before the next measurement
    emit(f"export_baseline_{PUPILS}_s", statistics.median(baseline))
    emit("export_vs_baseline_ratio", statistics.median(timings) / statistics.median(baseline))
    emit(
        "export_vs_baseline_plus_fetch_ratio",
        statistics.median(timings) / (statistics.median(baseline) + fetch_s),
    )
    measure_view(admin)


def measure_view(admin) -> None:
    """The download as the administrator gets it: the view, the file and the access log.

    Timed once, its queries counted in the same request: the export reads its 20,000 pupils
    in a few dozen queries, so noting them costs microseconds of a half-minute download, where
    a second download for the count took as long as the first.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from registry.models import AccessLog

    client = Client()
    client.force_login(admin)
    url = "/registry/pupils/export.xlsx"

    def download() -> None:
        response = client.get(url)
        if response.status_code != 200 or not b"".join(response.streaming_content):
            raise SystemExit(f"GET {url} answered {response.status_code}")

    log(f"the download through the view (GET {url})")
    logged = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        seconds, _none = timed(download)
    emit(f"export_view_{PUPILS}_s", seconds)
    emit(f"export_view_{PUPILS}_log_rows", AccessLog.objects.count() - logged)
    emit(f"export_view_{PUPILS}_queries", len(queries))


def main() -> None:
    in_scratch_database("caresys-bench-export-", run)


if __name__ == "__main__":
    main()
