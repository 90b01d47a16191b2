"""A county on PostgreSQL: 100 schools, 100,000 pupils, about 1,000,000 care records; the county's
pages and one school's busiest pages, each beside the minimal signed-in view (bench/run.py).

`make bench`, or .venv/bin/python bench/bench_county.py. Runs only with DATABASE_URL (a
PostgreSQL server; prints `county_skipped: 1` otherwise). It works in the database COUNTY_DATABASE
(default `countybench`) on that server, created if missing, and seeds it once: `seed_demo
--schools 100 --pupils 100000`, then older care records (past terms) up to RECORDS. A marker
table holds the parameters and a digest of the seeding code, so a later run with the same ones
reuses the county, migrated (seed_demo took 8½ minutes on a shared 2-core machine, the older
records and VACUUM ANALYZE more; measuring a few minutes).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import REPO, code_key, emit, log, on_server, postgres_url

SCHOOLS = int(os.environ.get("COUNTY_SCHOOLS", 100))
PUPILS = int(os.environ.get("COUNTY_PUPILS", 100_000))
RECORDS = int(os.environ.get("COUNTY_RECORDS", 1_000_000))
SEED = 7
# Older records spread over the past school years (the seed writes this term's).
HISTORY_DAYS = 3 * 365
MARKER = "bench_county_marker"
# Fewer requests than bench/run.py: a county page over 100,000 pupils may take a while.
WARMUPS = 2
REQUESTS = 10


def parameters() -> str:
    """What the county was seeded with: the sizes, and the code that seeds it (the demo and
    this script), so a change to either seeds afresh. A change elsewhere only migrates the
    county (the migrations fill what they add), or each run of `make bench` would seed it."""
    seeding = code_key(REPO / "demo", Path(__file__).resolve())
    return f"schools={SCHOOLS} pupils={PUPILS} records={RECORDS} seed={SEED} code={seeding}"


def use_county_database(url: str) -> str:
    """DATABASE_URL with the county's database name; the database is created if missing."""
    name = os.environ.get("COUNTY_DATABASE", "countybench")
    if not on_server(url, "SELECT 1 FROM pg_database WHERE datname = %s", params=[name]):
        log(f"creating database {name}")
        on_server(url, f'CREATE DATABASE "{name}"')
    return postgres_url(url, name)


def seeded() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute(f"SELECT parameters FROM {MARKER}")
        row = cursor.fetchone()
    return row is not None and row[0] == parameters()


def seed() -> None:
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MARKER}")
    log(f"seeding a county of {SCHOOLS} schools, {PUPILS} pupils (seed {SEED})")
    start = time.perf_counter()
    call_command(
        "seed_demo", schools=SCHOOLS, pupils=PUPILS, seed=SEED, replace=True, stdout=sys.stderr
    )
    emit("county_seed_demo_s", time.perf_counter() - start)
    finish_seed()


def finish_seed() -> None:
    """After seed_demo: the older records, fresh planner statistics, and the marker."""
    from django.db import connection

    start = time.perf_counter()
    added = add_history()
    emit("county_history_records_added", added)
    emit("county_history_s", time.perf_counter() - start)
    # Written past the services: the per-child term tallies are counted again, as the
    # installation's `recount_tallies` would after a bulk load.
    from django.core.management import call_command

    start = time.perf_counter()
    with connection.cursor() as cursor:
        # The planner's statistics saw a quarter of the records (seed_county's last ANALYZE):
        # recounting with them took 114 s on a loaded machine, with fresh ones 27 s (+3.5 s).
        cursor.execute("ANALYZE")
    call_command("recount_tallies", verbosity=0)
    emit("county_recount_tallies_s", time.perf_counter() - start)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f"CREATE TABLE {MARKER} (parameters text)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s)", [parameters()])


def add_history() -> int:
    """Older care records, up to RECORDS in all, in SQL (a million rows through the ORM would
    take longer than the seed): each about one child in care of a school, by their pair teacher
    or class teacher, one in a hundred voided. Returns how many were added."""
    from django.db import connection
    from django.utils import timezone

    from visits.models import CareRecord

    missing = RECORDS - CareRecord.objects.count()
    if missing <= 0:
        return 0
    given = {
        "id", "school", "kind", "author", "occurred_on", "content", "created_at", "updated_at",
        "voided_at", "void_reason",
    }  # fmt: skip
    fixed = [f for f in CareRecord._meta.concrete_fields if f.name not in given]
    columns = ", ".join(f.column for f in fixed)
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in fixed]
    placeholders = ", ".join(["%s"] * len(fixed))
    through = CareRecord.pupils.through._meta.db_table
    table = CareRecord._meta.db_table
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        base = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS bench_children")
        # The children in care (left-behind or in a difficulty category) and who writes about
        # them; numbered so that record g is about child (g * 7919) mod n, spread evenly.
        cursor.execute(
            """
            CREATE TEMPORARY TABLE bench_children AS
            SELECT row_number() OVER (ORDER BY p.id) - 1 AS n, p.id, p.school_id,
                   COALESCE(pair.teacher_id, c.head_teacher_id) AS author_id
            FROM registry_pupil p
            JOIN registry_schoolclass c ON c.id = p.school_class_id
            LEFT JOIN pairing_pair pair
                   ON pair.pupil_id = p.id AND pair.kind = 'teacher' AND pair.ended_on IS NULL
            WHERE p.left_behind <> 'none' OR p.is_orphan OR p.is_disabled OR p.is_unsupported
            """
        )
        cursor.execute("DELETE FROM bench_children WHERE author_id IS NULL")
        cursor.execute("SELECT COUNT(*) FROM bench_children")
        children = cursor.fetchone()[0]
        pick = f"JOIN bench_children k ON k.n = (g::bigint * 7919) %% {children}"
        log(f"adding {missing} records about {children} children in SQL")
        cursor.execute(
            f"""
            INSERT INTO {table} (id, school_id, kind, author_id, occurred_on, content,
                                 created_at, updated_at, voided_at, void_reason, {columns})
            SELECT %s + g, k.school_id,
                   (ARRAY['talk', 'home_visit', 'phone_visit', 'family_call', 'diary',
                          'tutoring'])[1 + g %% 6],
                   k.author_id, %s::date - (120 + (g::bigint * 31) %% {HISTORY_DAYS})::int,
                   '记录', now(), now(),
                   CASE WHEN g %% 100 = 0 THEN now() END,
                   CASE WHEN g %% 100 = 0 THEN '记错' ELSE '' END, {placeholders}
            FROM generate_series(1, %s) AS g {pick}
            """,
            [base, today, *defaults, missing],
        )
        cursor.execute(
            f"""
            INSERT INTO {through} (carerecord_id, pupil_id)
            SELECT %s + g, k.id FROM generate_series(1, %s) AS g {pick}
            """,
            [base, missing],
        )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [base + missing]
        )
    return missing


def prepare_rollup(client) -> str:
    """The county's roll-up of the current term: every school's figures counted and kept (the
    nightly `count_term_figures`, timed), the roll-up opened; its edit page's URL."""
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from county.models import RollupReport
    from registry.models import Term, User

    admin = User.objects.get(username="admin")
    term = Term.objects.current(admin.school_id, timezone.localdate())
    started = time.perf_counter()
    call_command("count_term_figures", year=term.school_year.name, number=term.number)
    emit("county_count_term_figures_s", time.perf_counter() - started)
    response = client.post(
        reverse("county:rollup_list"), {"year": term.school_year.name, "number": term.number}
    )
    if response.status_code != 302:
        raise SystemExit(f"opening the roll-up answered {response.status_code}")
    report = RollupReport.objects.get(township=None, year=term.school_year.name, number=term.number)
    url = reverse("county:rollup_edit", args=[report.pk])
    form = {name: getattr(report, name) for name in RollupReport.TEXT_FIELDS}
    form["signed_on"] = report.signed_on.isoformat()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.post(url, form | {"generate": "1"})
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 302:
            raise SystemExit(f"生成PDF answered {response.status_code}")
    emit("county_rollup_pdf_median_ms", sorted(timings)[1])
    return url


def measure_pages() -> None:
    from django.db.models import Count
    from django.urls import reverse

    import bench.run
    from bench.run import signed_in
    from registry.models import Pupil, School, User
    from visits.models import CareRecord

    bench.run.WARMUPS, bench.run.REQUESTS = WARMUPS, REQUESTS
    emit("county_schools", School.objects.count())
    emit("county_pupils", Pupil.objects.count())
    emit("county_care_records", CareRecord.objects.count())
    # The first school (the county's first 中心学校) keeps the demo usernames.
    admin = User.objects.get(username="admin")
    emit("school_pupils", Pupil.objects.filter(school=admin.school_id).count())
    emit(
        "school_care_records",
        CareRecord.objects.filter(school=admin.school_id).aggregate(n=Count("pk"))["n"],
    )

    as_admin, as_bureau = signed_in("admin"), signed_in("bureau")
    cases = [
        ("county_minimal_view", as_admin, "/bench/minimal/"),
        ("county_dashboard", as_bureau, reverse("county:dashboard")),
        ("county_appraisal", as_bureau, reverse("county:appraisal")),
        ("county_school_dashboard", signed_in("principal"), "/reports/"),
        ("county_school_work_list", signed_in("teacher"), "/visits/due/"),
        ("county_school_pupil_list", as_admin, "/registry/pupils/"),
    ]
    cases.append(("county_rollup_edit", as_bureau, prepare_rollup(as_bureau)))
    bench.run.measure_cases(cases)


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        emit("county_skipped", 1)
        return
    os.environ["DATABASE_URL"] = use_county_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")
    os.environ.setdefault("DEBUG", "1")  # development settings; DEBUG is turned off below
    os.environ.setdefault("MEDIA_ROOT", "/tmp/caresys-countybench-media")
    started = time.perf_counter()

    import django
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings

    django.setup()
    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
        if seeded():
            log(f"reusing the county seeded with {parameters()}")
            emit("county_reused", 1)
        else:
            seed()
        emit("county_prepare_s", time.perf_counter() - started)
        start = time.perf_counter()
        try:
            measure_pages()
        finally:
            connections.close_all()
        emit("county_measure_s", time.perf_counter() - start)


if __name__ == "__main__":
    main()
