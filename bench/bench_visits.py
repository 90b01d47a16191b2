"""Care work at scale: the teacher's work list (我的待办) and the principal's compliance view
(关爱落实) with 20,000 pupils and 200,000 care records, beside the minimal-view baseline.

`make bench`, or .venv/bin/python bench/bench_visits.py. The demo school of 20,000 pupils writes
a term's records; older ones (18 months back, several kinds, some about a few children, a few
voided) are added until there are RECORDS in all, and EXTRA_OPEN_EVENTS unanswered 五必访.
Pages are timed as in bench/run.py.
"""

import datetime
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, log, seeded_school

PUPILS = 20_000
RECORDS = 200_000
SEED = 7
BATCH = 10_000
EXTRA_OPEN_EVENTS = 300
KINDS = ("talk", "home_visit", "phone_visit", "family_call", "diary", "tutoring")


def top_up(school, rng: random.Random, records: int | None = None) -> int:
    """Add records until the school has `records` (RECORDS), in one transaction, written as the
    demo writes its rows (demo/bulk.py: COPY, or one prepared INSERT on SQLite); returns how
    many were added."""
    from django.db import transaction

    from demo.bulk import insert
    from pairing.models import Pair
    from registry.models import LeftBehind, Pupil
    from visits.models import CareRecord
    from visits.tallies import recount_pair_activity, recount_school

    children = list(
        Pupil.objects.filter(school=school, status=Pupil.Status.ENROLLED)
        .exclude(left_behind=LeftBehind.NONE)
        .values_list("pk", "school_class__head_teacher_id")
    )
    pair_teacher = dict(
        Pair.objects.filter(school=school, kind=Pair.Kind.TEACHER, ended_on=None).values_list(
            "pupil_id", "teacher_id"
        )
    )
    today = datetime.date.today()
    missing = (records or RECORDS) - CareRecord.objects.count()
    Through = CareRecord.pupils.through
    now = datetime.datetime.now(datetime.UTC)
    added = 0
    with transaction.atomic():
        while added < missing:
            batch, about = [], []
            for _ in range(min(BATCH, missing - added)):
                pk, head = rng.choice(children)
                group = (
                    [pk]
                    if rng.random() > 0.05
                    else [pk, *(rng.choice(children)[0] for _ in range(rng.randint(1, 4)))]
                )
                voided = rng.random() < 0.01
                batch.append(
                    CareRecord(
                        school=school, kind=rng.choice(KINDS),
                        author_id=pair_teacher.get(pk, head),
                        occurred_on=today - datetime.timedelta(days=rng.randint(0, 540)),
                        content="记录", created_at=now, updated_at=now,
                        voided_at=now if voided else None, void_reason="记错" if voided else "",
                    )
                )  # fmt: skip
                about.append(set(group))
            insert(CareRecord, batch)
            insert(
                Through,
                [
                    Through(carerecord_id=record.pk, pupil_id=pupil)
                    for record, pupils in zip(batch, about, strict=True)
                    for pupil in pupils
                ],
            )
            added += len(batch)
            log(f"{added} of {missing} records added")
        # Written past the services: the dashboards' tallies and the pairs' last activity are
        # counted once, here.
        recount_school(school.pk)
        recount_pair_activity(school.pk)
    return added


def add_open_events(school, rng: random.Random, count: int = EXTRA_OPEN_EVENTS) -> None:
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
    for pk, head in rng.sample(children, count):
        noticed = today - datetime.timedelta(days=rng.randint(0, 20))
        events.append(
            WatchEvent(
                school=school, pupil_id=pk, kind=rng.choice(kinds), noticed_on=noticed,
                due_on=noticed + datetime.timedelta(days=3), recorded_by_id=head,
            )
        )  # fmt: skip
    WatchEvent.objects.bulk_create(events)


def run() -> None:
    import django
    from django.db import connections
    from django.test import override_settings

    django.setup()
    from bench.run import measure_at_sizes

    with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
        try:
            measure_at_sizes(school, cases)
        finally:
            connections.close_all()


def school(pupils: int) -> None:
    """The demo school of `pupils` with its records topped up (RECORDS at PUPILS, as many a
    pupil at any size)."""
    from visits.models import CareRecord, WatchEvent

    seconds = seeded_school(pupils, SEED, steps=visits_steps(pupils))
    if pupils == PUPILS:
        emit("care_records_top_up_s", seconds["top_up"])
        emit("care_records_total", CareRecord.objects.count())
        emit("watch_events_open", WatchEvent.objects.filter(answered_by=None).count())
        emit("care_record_children_links", CareRecord.pupils.through.objects.count())


def cases() -> list:
    from bench.run import signed_in

    return [
        (name, signed_in(username), url)
        for name, username, url in [
            ("minimal_view", "admin", "/bench/minimal/"),
            ("work_list_class_teacher", "teacher", "/visits/due/"),
            ("work_list_busiest_teacher", busiest_teacher(), "/visits/due/"),
            ("compliance_principal", "principal", "/visits/compliance/"),
            ("compliance_admin", "admin", "/visits/compliance/"),
            ("records_page_principal", "principal", "/visits/records/"),
            ("class_overview_teacher", "teacher", class_of("teacher")),
            ("dashboard_principal", "principal", "/reports/"),
            ("teacher_table_principal", "principal", "/reports/teachers/"),
            ("growth_archive_pdf", "principal", growth_archive_of_most_cared_for()),
        ]
    ]


def visits_steps(pupils: int = PUPILS) -> dict:
    """After seeding: the records topped up and the open 五必访 added, scaled to the school's
    size (bench_load shares them)."""
    from registry.models import School

    return {
        "top_up": lambda: top_up(
            School.objects.get(), random.Random(SEED), records=RECORDS * pupils // PUPILS
        ),
        "open_events": lambda: add_open_events(
            School.objects.get(), random.Random(SEED), EXTRA_OPEN_EVENTS * pupils // PUPILS
        ),
    }


def busiest_teacher() -> str:
    """The teacher who answers for the most left-behind children (class and pairs)."""
    from registry.models import User
    from registry.selectors import own_children

    teachers = User.objects.filter(headed_classes__isnull=False).distinct()
    return max(
        teachers, key=lambda user: own_children(user=user).exclude(left_behind="none").count()
    ).username


def growth_archive_of_most_cared_for() -> str:
    """The growth archive PDF of the child with the most care records: the longest one."""
    from django.db.models import Count

    from registry.models import Pupil

    pupil = Pupil.objects.annotate(n=Count("care_records")).order_by("-n").first()
    if Pupil.objects.count() == PUPILS:
        emit("growth_archive_records", pupil.n)
    return f"/reports/pupils/{pupil.pk}/growth.pdf"


def class_of(username: str) -> str:
    from registry.models import SchoolClass

    return (
        f"/visits/classes/{SchoolClass.objects.filter(head_teacher__username=username).first().pk}/"
    )


def main() -> None:
    in_scratch_database("caresys-bench-visits-", lambda _workdir: run())


if __name__ == "__main__":
    main()
