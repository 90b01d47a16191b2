"""The roster import of 5,000 new pupils: .venv/bin/python bench/bench_import.py.

Prints `name: value` lines on stdout and nothing else; progress goes to stderr. A 200-pupil demo
school gives the classes and the administrator; the roster is an .xlsx of 5,000 new pupils with
complete archives. Measured: the dry run (read the file and plan every row), the confirmation
(every row through the services, with history and access log, in short transactions), and as a
baseline the same file read with openpyxl and bulk-inserted with bulk_create (no validation, no
history), timed inside a transaction that is then rolled back. The peak memory of the whole
import is measured with tracemalloc in a separate pass, also rolled back, so that tracing does not
slow the timed passes.
"""

import datetime
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, log, seeded_school

ROWS = 5000
SEED = 11
HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "学籍号",
    "班级",
    "村（社区）",
    "家庭住址",
    "留守情况",
    "监护类型",
    "父亲姓名",
    "父亲电话",
    "父亲务工地",
    "母亲姓名",
    "母亲电话",
    "母亲务工地",
    "监护人姓名",
    "监护人与学生关系",
    "监护人电话",
    "监护人住址",
]


class Rollback(Exception):
    """Raised to leave a transaction.atomic() block without committing."""


def roster_rows(taken: set[str], count: int = ROWS) -> list[list[str]]:
    """`count` new pupils with valid, unused ID numbers, in the demo school's six classes."""
    from caresys.lib.identity import id_check_digit
    from demo.school import ADULT_FEMALE, ADULT_MALE, BOY_CHARS, GIRL_CHARS, SURNAMES, VILLAGES

    rng = random.Random(SEED)
    rows = []
    for index in range(count):
        grade = index % 6 + 1
        gender = "男" if rng.random() < 0.52 else "女"
        surname = rng.choice(SURNAMES)
        given = GIRL_CHARS if gender == "女" else BOY_CHARS
        birth = datetime.date(2019 - grade, 9, 1) + datetime.timedelta(days=rng.randrange(365))
        while True:
            serial = rng.randrange(1, 500) * 2 + (1 if gender == "男" else 0)
            first17 = f"430522{birth:%Y%m%d}{serial:03d}"
            number = first17 + id_check_digit(first17)
            if number not in taken:
                taken.add(number)
                break
        village = rng.choice(VILLAGES)
        address = f"青山镇{village}{rng.randint(1, 12)}组"
        father = surname + rng.choice(ADULT_MALE) + rng.choice(ADULT_MALE)
        rows.append(
            [
                surname + rng.choice(given) + rng.choice(given),
                gender,
                birth.isoformat(),
                number,
                f"G{number}",
                f"{grade}(1)班",
                village,
                address,
                "双亲外出",
                "隔代监护",
                father,
                f"137{rng.randrange(10**8):08d}",
                "广东省东莞市",
                rng.choice(SURNAMES) + rng.choice(ADULT_FEMALE),
                f"136{rng.randrange(10**8):08d}",
                "浙江省义乌市",
                surname + rng.choice(ADULT_MALE),
                "祖父",
                f"138{rng.randrange(10**8):08d}",
                address,
            ]
        )
    return rows


def write_roster(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名册")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def school_and_roster(workdir: Path, rows: int):
    """A freshly migrated database with a 200-pupil demo school, its administrator, and an
    .xlsx roster of `rows` new pupils for it."""

    from registry.models import Pupil, User

    seeded_school(200, 2026)  # classes and staff
    admin = User.objects.get(username="admin")
    path = workdir / "roster.xlsx"
    log(f"writing {path.name}: {rows} new pupils")
    write_roster(path, roster_rows(set(Pupil.objects.values_list("id_number", flat=True)), rows))
    return admin, path


def dry_run(path: Path, admin):
    from registry.spreadsheets.planning import plan_import
    from registry.spreadsheets.reading import read_table

    with path.open("rb") as file:
        return plan_import(actor=admin, table=read_table(file, path.name))


def confirm(plan, admin) -> dict:
    from registry.spreadsheets import importing

    def progress(done: int, total: int) -> None:
        if done % 1000 == 0 or done == total:
            log(f"  written {done} / {total}")

    return importing.roster_import_confirm(actor=admin, plan=plan, progress=progress)


def baseline(path: Path, admin) -> int:
    """Read the file with openpyxl and bulk-insert pupils, parents and guardians, unchecked."""
    from openpyxl import load_workbook

    from caresys.lib.pinyin import name_pinyin
    from registry.models import Guardian, Parent, Pupil, SchoolClass

    classes = {
        f"{c.grade}({c.number})班": c for c in SchoolClass.objects.filter(school=admin.school)
    }
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    workbook.close()
    pupils, families = [], []
    for row in rows:
        (name, gender, birth, number, student_number, class_name, village, address) = row[:8]
        pinyin, initials = name_pinyin(name)
        pupils.append(
            Pupil(
                school=admin.school,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                gender="M" if gender == "男" else "F",
                birth_date=datetime.date.fromisoformat(birth),
                id_number=number,
                student_number=student_number,
                school_class=classes[class_name],
                village=village,
                address=address,
                left_behind="both",
                guardianship_type="grandparents",
            )
        )
        families.append(row[10:])
    Pupil.objects.bulk_create(pupils, batch_size=2000)
    parents, guardians = [], []
    for pupil, family in zip(pupils, families, strict=True):
        f_name, f_phone, f_place, m_name, m_phone, m_place, g_name, g_rel, g_phone, g_addr = family
        parents += [
            Parent(pupil=pupil, relation="father", name=f_name, phone=f_phone, work_place=f_place),
            Parent(pupil=pupil, relation="mother", name=m_name, phone=m_phone, work_place=m_place),
        ]
        guardians.append(
            Guardian(pupil=pupil, name=g_name, relation=g_rel, phone=g_phone, address=g_addr)
        )
    Parent.objects.bulk_create(parents, batch_size=2000)
    Guardian.objects.bulk_create(guardians, batch_size=2000)
    return len(pupils)


def run(workdir: Path) -> None:
    import django
    from django.db import connections, transaction
    from django.test import override_settings

    django.setup()
    from registry.models import Pupil

    with override_settings(DEBUG=False):
        admin, path = school_and_roster(workdir, ROWS)
        before = Pupil.objects.count()

        log("baseline: openpyxl read_only + bulk_create (rolled back)")
        try:
            with transaction.atomic():
                start = time.perf_counter()
                inserted = baseline(path, admin)
                baseline_s = time.perf_counter() - start
                raise Rollback
        except Rollback:
            pass
        if inserted != ROWS:
            raise SystemExit(f"the baseline inserted {inserted} pupils, not {ROWS}")

        log("peak memory: dry run and confirmation under tracemalloc (rolled back)")
        tracemalloc.start()
        try:
            with transaction.atomic():
                confirm(dry_run(path, admin), admin)
                raise Rollback
        except Rollback:
            pass
        peak_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()

        log("dry run: read and plan")
        start = time.perf_counter()
        plan = dry_run(path, admin)
        dry_run_s = time.perf_counter() - start
        if plan.counts["new"] != ROWS:
            raise SystemExit(f"the plan has {plan.counts} rows, not {ROWS} new ones")
        log("confirmation: every row through the services, in short transactions")
        start = time.perf_counter()
        summary = confirm(plan, admin)
        confirm_s = time.perf_counter() - start
        if summary["created"] != ROWS or Pupil.objects.count() != before + ROWS:
            raise SystemExit(f"the import wrote {summary}, not {ROWS} new pupils")
        connections.close_all()

    emit(f"import_{ROWS}_dry_run_s", dry_run_s)
    emit(f"import_{ROWS}_confirm_s", confirm_s)
    emit(f"import_{ROWS}_total_s", dry_run_s + confirm_s)
    emit(f"import_{ROWS}_baseline_s", baseline_s)
    emit(f"import_{ROWS}_vs_baseline_ratio", (dry_run_s + confirm_s) / baseline_s)
    emit(f"import_{ROWS}_peak_mb", peak_mb)


def main() -> None:
    in_scratch_database("caresys-bench-import-", run)


if __name__ == "__main__":
    main()
