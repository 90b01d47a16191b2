"""Benchmark of the roll-up summary on kept figures: .venv/bin/python bench/bench_rollup.py.

Seeds demo schools of 1,000 pupils one after another in a township (each a seed_demo school,
its staff renamed so the next one can be seeded), and at 1 and at 7 schools reports: the time
to count and keep every school's term figures (manage.py count_term_figures, what the worker
and cron do), the edit page and 生成PDF (server time and queries, through the test client),
and the time the page took before when it counted every school itself (term_numbers a school).
Prints `name: value` lines on stdout; progress on stderr.
"""

import statistics
import sys
import time
from functools import partial
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, kept, log, migrated

PUPILS = 1000
SIZES = (1, 7)
RUNS = 3


def township(size: int) -> None:
    """`size` demo schools of PUPILS pupils in one township, and the county's bureau account;
    kept (bench/common.py) and built on the smaller size's."""
    from demo import school as demo
    from registry.models import Role, School, Township, User

    def build() -> dict[str, float]:
        if smaller := [n for n in SIZES if n < size]:
            township(smaller[-1])
        else:
            migrated()
            Township.objects.create(name="青山镇")
            User.objects.create(username="bureau", full_name="县教育局", roles=[Role.BUREAU])
        while School.objects.count() < size:
            n = School.objects.count()
            log(f"seeding school {n + 1} of {size} ({PUPILS} pupils)")
            # seed_demo seeds into an empty database only: the schools before it are hidden.
            with (
                mock.patch.object(demo, "check_database_is_demo_only"),
                mock.patch.object(type(School.objects), "exists", return_value=False),
            ):
                seeded = demo.seed_demo(pupils=PUPILS, seed=2026 + n)
            School.objects.filter(pk=seeded.school.pk).update(
                name=f"青山镇第{n + 1}小学", township=Township.objects.get(), is_demo=False
            )
            for user in User.objects.filter(school=seeded.school):
                User.objects.filter(pk=user.pk).update(username=f"s{n + 1}-{user.username}")
        return {}

    kept(f"township-{size}-{PUPILS}", build)


def run(_workdir: Path) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from county import rollup, services
    from registry.models import School, Term, User
    from reports.selectors import term_numbers

    for size in SIZES:
        township(size)
        bureau = User.objects.get(username="bureau")
        client = Client()
        client.force_login(bureau)
        term = Term.objects.filter(start_date__lte=django.utils.timezone.localdate()).latest(
            "start_date"
        )
        year = term.school_year.name
        report = services.rollup_report_get_or_create(
            actor=bureau, township=None, year=year, number=term.number
        )
        schools = list(School.objects.all())

        start = time.perf_counter()
        for school in schools:
            own = Term.objects.select_related("school_year").get(
                school_year__school=school, school_year__name=year, number=term.number
            )
            term_numbers(school=school, period=own.period, with_previous=False)
        emit(f"rollup_{size}_schools_live_count_s", time.perf_counter() - start)

        start = time.perf_counter()
        call_command("count_term_figures", "--year", year, "--number", str(term.number),
                     stdout=sys.stderr)  # fmt: skip
        emit(f"rollup_{size}_schools_count_term_figures_s", time.perf_counter() - start)

        url = reverse("county:rollup_edit", args=[report.pk])
        texts = {"title": "全县总结", "issuer": "县教育局", "signed_on": "2027-01-20"}
        for name, request in (
            ("edit", partial(client.get, url)),
            ("generate", partial(client.post, url, texts | {"generate": "1"})),
        ):
            request()  # warm
            timings = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    answer = request()
                    timings.append(time.perf_counter() - start)
                assert answer.status_code in (200, 302), answer.status_code
            emit(f"rollup_{size}_schools_{name}_median_s", statistics.median(timings))
            emit(f"rollup_{size}_schools_{name}_queries", len(queries))
        kept = rollup.rollup_numbers(
            schools=list(rollup.schools_in(user=bureau, township=None)), report=report
        )
        emit(f"rollup_{size}_schools_total_pupils", kept.total.pupils)


if __name__ == "__main__":
    in_scratch_database("caresys-bench-rollup-", run)
