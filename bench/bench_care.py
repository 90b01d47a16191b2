"""Care-record pages at scale: the teacher's work list (我的待办) and the principal's compliance
view (关爱落实) with 20,000 pupils and 200,000 care records, beside the minimal-view baseline.

`make bench`, or .venv/bin/python bench/bench_care.py. The demo school of 20,000 pupils writes
this month's and last month's records; older ones (18 months back, several kinds, some about a
few children, a few voided) are added until there are 200,000, and a few hundred more 五必访
are left open. Pages are timed with bench/run.py's `measure`: the median server time of its
requests and the queries of one more, each page also as a ratio to the minimal view.
"""

import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, log

PUPILS = 20_000
SEED = 7
EXTRA_OPEN_EVENTS = 300


def run() -> None:
    import django
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings

    django.setup()
    # After setup: these import models.
    from bench.bench_visits import RECORDS, top_up
    from registry.models import School
    from visits.models import CareRecord, WatchEvent

    # DEBUG off as in production (see bench/run.py); the site's URLs plus the baseline view.
    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        log("migrating a fresh SQLite database")
        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
        log(f"seeding a demo school of {PUPILS} pupils (seed {SEED})")
        call_command("seed_demo", pupils=PUPILS, seed=SEED, stdout=sys.stderr)
        school = School.objects.get()
        rng = random.Random(SEED)
        # The same older records as bench/bench_visits.py, so the two can be compared.
        log(f"adding older care records up to {RECORDS}")
        start = time.perf_counter()
        top_up(school, rng)
        emit("care_records_top_up_s", time.perf_counter() - start)
        add_open_events(school, rng)
        emit("care_records_total", CareRecord.objects.count())
        emit("care_record_children_links", CareRecord.pupils.through.objects.count())
        emit("watch_events_open", WatchEvent.objects.filter(answered_by=None).count())
        try:
            measure_pages()
        finally:
            connections.close_all()


def add_open_events(school, rng: random.Random) -> None:
    """More unanswered 五必访 over the last three weeks, so both pages list some overdue."""
    from registry.models import LeftBehind, Pupil
    from visits.models import WatchEvent

    children = list(
        Pupil.objects.filter(school=school, status=Pupil.Status.ENROLLED)
        .exclude(left_behind=LeftBehind.NONE)
        .values_list("pk", "school_class__head_teacher_id")
    )
    kinds = WatchEvent.Kind.values
    today = datetime.date.today()
    events = []
    for pk, head in rng.sample(children, EXTRA_OPEN_EVENTS):
        noticed = today - datetime.timedelta(days=rng.randint(0, 20))
        events.append(
            WatchEvent(
                school=school, pupil_id=pk, kind=rng.choice(kinds), noticed_on=noticed,
                due_on=noticed + datetime.timedelta(days=3), recorded_by_id=head,
            )
        )  # fmt: skip
    WatchEvent.objects.bulk_create(events)


def busiest_teacher() -> str:
    """The teacher who answers for the most left-behind children: their class's and those
    paired with them (visits.selectors.own_children), counted from two queries rather than
    one count a teacher."""
    from pairing.models import Pair
    from registry.models import LeftBehind, Pupil, User
    from visits.selectors import own_children

    enrolled = Pupil.objects.filter(status=Pupil.Status.ENROLLED).exclude(
        left_behind=LeftBehind.NONE
    )
    children: dict[int, set[int]] = {}
    for pk, head in enrolled.filter(school_class__head_teacher__isnull=False).values_list(
        "pk", "school_class__head_teacher_id"
    ):
        children.setdefault(head, set()).add(pk)
    for pk, teacher in Pair.objects.filter(
        kind=Pair.Kind.TEACHER, ended_on=None, pupil__in=enrolled.values("pk")
    ).values_list("pupil_id", "teacher_id"):
        children.setdefault(teacher, set()).add(pk)
    teacher_pk = max(children, key=lambda pk: (len(children[pk]), -pk))
    user = User.objects.get(pk=teacher_pk)
    # The page's own scope must agree, or the benchmark would time a different teacher.
    expected = own_children(user=user).exclude(left_behind=LeftBehind.NONE).count()
    if expected != len(children[teacher_pk]):
        raise SystemExit(f"{user.username}: {len(children[teacher_pk])} != {expected} children")
    log(f"busiest teacher: {user.username} ({user.full_name}), {expected} left-behind children")
    return user.username


def measure_pages() -> None:
    from django.test import Client

    from bench.run import measure
    from registry.models import User

    cases = [
        # (name, username, url); the first is the baseline the others are compared with.
        ("minimal_view", "admin", "/bench/minimal/"),
        ("work_list_class_teacher", "teacher", "/visits/due/"),
        ("work_list_busiest_teacher", busiest_teacher(), "/visits/due/"),
        ("compliance_principal", "principal", "/visits/compliance/"),
        ("compliance_admin", "admin", "/visits/compliance/"),
    ]
    baseline = None
    for name, username, url in cases:
        client = Client()
        client.force_login(User.objects.get(username=username))
        log(f"{name}: GET {url} as {username}")
        median_ms, queries = measure(client, url)
        emit(f"{name}_median_ms", median_ms)
        emit(f"{name}_queries", queries)
        if baseline is None:
            baseline = median_ms
        else:
            emit(f"{name}_vs_minimal_ratio", median_ms / baseline)


def main() -> None:
    in_scratch_database("caresys-bench-care-", lambda _workdir: run())


if __name__ == "__main__":
    main()
