"""A long roster import beside teachers' saves: .venv/bin/python bench/bench_import_load.py.

Prints `name: value` lines on stdout and nothing else; progress goes to stderr. On a scratch
SQLite file (WAL, as the site runs it), a 200-pupil demo school; the administrator uploads a
roster of new pupils (20,000 by default, `--rows N`) and confirms it as the web page does, which
queues the import. Then two processes run side by side: the worker (`manage.py db_worker`, under
a wrapper that times each of its write transactions) and a teacher-save loop, head teachers
recording care for children of their class (visits.services.record_create), each save timed
from call to commit. Printed: how long the import took from the worker's start, the saves, the
saves that failed, the slowest and the 95th-percentile save, and the longest write transaction
the worker held.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import REPO, emit, in_scratch_database, log

ROWS = 20_000


def setup_django() -> None:
    os.environ["CARESYS_TASKS_IMMEDIATE"] = "0"  # the database queue, as in production
    import django
    from django.test import override_settings

    django.setup()
    override_settings(DEBUG=False).enable()  # no query log, as in production


def prepare(workdir: Path, rows: int) -> int:
    """Migrate, seed, upload and confirm the roster (queued, not yet run); the upload's pk."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connections

    from bench.bench_import import school_and_roster
    from registry.spreadsheets import importing
    from registry.spreadsheets.planning import plan_import
    from registry.spreadsheets.reading import read_table

    admin, path = school_and_roster(workdir, rows)
    upload = importing.roster_upload_create(
        actor=admin, file=SimpleUploadedFile(path.name, path.read_bytes())
    )
    log("the preview's plan, then the confirmation (queued for the worker)")
    with upload.file.open("rb") as file:
        plan = plan_import(actor=admin, table=read_table(file, upload.original_name))
    importing.roster_upload_confirm(
        actor=admin, upload=upload, plan=plan, fingerprint=plan.fingerprint()
    )
    connections.close_all()
    return upload.pk


def worker(out: Path) -> None:
    """manage.py db_worker until the queue is empty, timing every write transaction it holds."""
    setup_django()
    from django.core.management import call_command
    from django.db.backends.sqlite3.base import DatabaseWrapper

    durations: list[float] = []
    started: dict[int, float] = {}
    begin, commit, rollback = (
        DatabaseWrapper._start_transaction_under_autocommit,
        DatabaseWrapper._commit,
        DatabaseWrapper._rollback,
    )

    def timed_begin(self) -> None:
        begin(self)
        started[id(self)] = time.perf_counter()

    def ended(self) -> None:
        if (start := started.pop(id(self), None)) is not None:
            durations.append(time.perf_counter() - start)

    def timed_commit(self) -> None:
        commit(self)
        ended(self)

    def timed_rollback(self) -> None:
        rollback(self)
        ended(self)

    DatabaseWrapper._start_transaction_under_autocommit = timed_begin
    DatabaseWrapper._commit = timed_commit
    DatabaseWrapper._rollback = timed_rollback
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0.2)
    log("in order (ms): " + " ".join(f"{d * 1000:.0f}" for d in durations))
    durations.sort()
    log(
        f"the worker's {len(durations)} write transactions, longest (ms): "
        + ", ".join(f"{d * 1000:.0f}" for d in durations[-8:])
    )
    out.write_text(json.dumps({"write_transaction_max_ms": durations[-1] * 1000}))


def saver(stop: Path, out: Path) -> None:
    """Head teachers record care for children of their class, one save after another."""
    setup_django()
    from registry.models import Pupil
    from visits import services

    children = list(
        Pupil.objects.left_behind_enrolled()
        .filter(school_class__head_teacher__isnull=False)
        .select_related("school_class__head_teacher")
        .order_by("pk")[:30]
    )
    waits, failures = [], []
    while not stop.exists():
        pupil = children[len(waits) % len(children)]
        start = time.perf_counter()
        try:
            services.record_create(
                actor=pupil.school_class.head_teacher,
                pupils=[pupil],
                kind="talk",
                content="谈心：最近学习和生活情况",
            )
        except Exception as exc:  # a failed save is what this measures
            failures.append(repr(exc))
        waits.append(time.perf_counter() - start)
        time.sleep(0.05)  # a school's teachers, not a stress test
    out.write_text(json.dumps({"waits": waits, "failures": failures}))


def run(workdir: Path, rows: int) -> None:
    setup_django()
    from registry.models import RosterUpload

    upload_pk = prepare(workdir, rows)
    env = dict(os.environ)
    stop, saves_out, worker_out = workdir / "stop", workdir / "saves.json", workdir / "worker.json"
    script = str(Path(__file__).resolve())
    log("teachers start saving; the worker starts importing")
    teachers = subprocess.Popen(
        [sys.executable, script, "--saver", str(stop), str(saves_out)], env=env, cwd=REPO
    )
    time.sleep(2)  # the save loop is under way before the import begins
    start = time.perf_counter()
    importer = subprocess.Popen(
        [sys.executable, script, "--worker", str(worker_out)], env=env, cwd=REPO
    )
    upload = RosterUpload.objects.get(pk=upload_pk)
    while upload.status in (RosterUpload.Status.QUEUED, RosterUpload.Status.RUNNING):
        time.sleep(0.5)
        upload.refresh_from_db()
        if importer.poll() is not None and upload.is_in_progress:
            break
        log(f"  {upload.get_status_display()} {upload.rows_done} / {upload.rows_total}")
    import_s = time.perf_counter() - start
    importer.wait(timeout=60)
    stop.touch()
    teachers.wait(timeout=60)
    if upload.status != RosterUpload.Status.CONFIRMED:
        raise SystemExit(f"the import ended {upload.status}: {upload.summary}")
    saves = json.loads(saves_out.read_text())
    waits = sorted(saves["waits"])
    for failure in saves["failures"][:5]:
        log(f"  failed save: {failure}")
    emit("import_rows", upload.rows_total)
    emit("import_seconds", import_s)
    emit("saves", len(waits))
    emit("failed_saves", len(saves["failures"]))
    emit("save_wait_max_ms", waits[-1] * 1000)
    emit("save_wait_p95_ms", statistics.quantiles(waits, n=20)[-1] * 1000)
    emit("write_transaction_max_ms", json.loads(worker_out.read_text())["write_transaction_max_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--worker", type=Path, metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument(
        "--saver", type=Path, nargs=2, metavar=("STOP", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
    elif args.saver:
        saver(*args.saver)
    else:
        in_scratch_database("caresys-bench-import-load-", lambda workdir: run(workdir, args.rows))


if __name__ == "__main__":
    main()
