"""The pupil list's search is read from its own indexes (pupil_search; on PostgreSQL also the
pg_trgm pupil_search_trigram, migration 0020): the same pupils in the same order as the plain
LIKE over the table, for every kind of query the page takes and after every kind of write
(issue 19)."""

import datetime
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from caresys.lib.http import KeysFirstPaginator
from registry import selectors, services
from registry.models import Pupil
from registry.spreadsheets import importing
from tests.factories import make_pupil
from tests.registry.test_import import plan_file, table_rows, write_xlsx, zhao_row
from tests.visits.test_query_plans import LARGE_SCHOOL, planner_statistics

SEARCH_INDEXES = {
    "sqlite": ["pupil_search"],
    "postgresql": ["pupil_search", "pupil_search_trigram"],
}

# Names in characters, full pinyin, initials, parts of each, a letter, case, LIKE's wildcards,
# 学籍号 and the ends of ID numbers (for the registrar), and what finds no one.
QUERIES = [
    *("王", "小明", "王小明", "明", "欧阳", "阳明月", "王 小", "Li", "anna", "ANNA"),
    *("wxm", "WXM", "wangxiaoming", "xiaoming", "xiao", "w", "x", "oy", "ouyang", "zhao"),
    *("%", "_", "\\", "%明", "G", "g43", "G430524", "1234", "123X", "0015", "12x", "赵z", "无此人"),
]

FILTERS = [
    {},
    {"left_behind": "any"},
    {"left_behind": "both"},
    {"status": Pupil.Status.LEFT},
    {"gender": "F", "left_behind": "care"},
]


@pytest.fixture
def pupils(admin_user, school_class, other_class) -> list[Pupil]:
    """Pupils whose names, pinyin and numbers overlap in the ways a search can tell apart."""
    people = [
        ("王小明", "M", "both", school_class),
        ("王晓敏", "F", "mother", school_class),
        ("汪小明", "M", "none", other_class),
        ("赵小燕", "F", "father", other_class),
        ("欧阳明月", "F", "both", school_class),
        ("李明", "M", "none", other_class),
        ("Anna Li", "F", "both", other_class),
    ]
    made = [
        make_pupil(
            actor=admin_user,
            school_class=school_class_,
            name=name,
            gender=gender,
            left_behind=left_behind,
            birth_date=datetime.date(2015, 1, 1) + datetime.timedelta(days=index * 40),
        )
        for index, (name, gender, left_behind, school_class_) in enumerate(people)
    ]
    services.pupil_status_change(actor=admin_user, pupil=made[1], status=Pupil.Status.LEFT)
    return made


@contextmanager
def without_indexes(indexes: list[str]):
    """The indexes dropped for the block, then back (a rolled-back savepoint)."""

    class Restore(Exception):
        pass

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for index in indexes:
                    cursor.execute(f"DROP INDEX {index}")
            yield
            raise Restore
    except Restore:
        pass


def without_search_indexes():
    return without_indexes(SEARCH_INDEXES[connection.vendor])


def other_pupil_indexes() -> list[str]:
    """PostgreSQL: the pupils' indexes but the trigram one and those of constraints."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_pupil' "
            "AND indexname <> 'pupil_search_trigram' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'registry_pupil'::regclass)"
        )
        return [name for (name,) in cursor.fetchall()]


@contextmanager
def search_indexes_read():
    """PostgreSQL reads a handful of rows by a scan of the table whatever its indexes: told
    not to, it reads them as it would a school's 20,000."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def found(user, query: str, filters: dict) -> tuple[list[str], int]:
    """The pupils the list shows for the query (names in the list's order) and its count."""
    listed = selectors.pupil_list(user=user, filters={**filters, "q": query})
    return list(listed.values_list("name", flat=True)), listed.count()


def every_search(users) -> dict:
    return {
        (user.username, query, tuple(filters.items())): found(user, query, filters)
        for user in users
        for query in QUERIES
        for filters in FILTERS
    }


def assert_indexes_find_what_like_finds(users) -> None:
    with search_indexes_read():
        by_indexes = every_search(users)
    with without_search_indexes():
        by_table = every_search(users)
    assert by_indexes == by_table


def test_every_search_finds_by_the_indexes_what_a_scan_of_the_table_finds(
    admin_user, principal, pupils
):
    assert_indexes_find_what_like_finds([admin_user, principal])
    # Not vacuous: the searches find pupils, and by the ways the page promises.
    assert found(admin_user, "wxm", {})[0] == ["王小明", "汪小明"]
    assert found(principal, "欧阳", {})[0] == ["欧阳明月"]
    assert found(principal, "ANNA", {})[0] == ["Anna Li"]
    assert found(admin_user, pupils[3].id_number[-4:], {})[0] == ["赵小燕"]
    assert found(principal, pupils[3].id_number[-4:], {})[0] == []  # numbers: registrar only
    assert found(admin_user, "xiao", {"status": Pupil.Status.LEFT})[0] == ["王晓敏"]


def test_new_renamed_imported_and_scrubbed_pupils_are_searched_as_they_now_are(
    admin_user, principal, pupils, tmp_path
):
    """The indexes are the database's own, kept by every write as the table is: creating,
    correcting, importing (a pending import's rows published) and scrubbing a leaver."""
    services.archive_update(actor=admin_user, pupil=pupils[5], data={"pupil": {"name": "李明月"}})
    make_pupil(
        actor=admin_user,
        school_class=pupils[0].school_class,
        name="王小敏",
        birth_date=datetime.date(2016, 6, 1),
    )
    path = write_xlsx(tmp_path / "名册.xlsx", table_rows([zhao_row(**{"姓名": "赵小明"})]))
    importing.roster_import_confirm(actor=admin_user, plan=plan_file(admin_user, path))
    assert services.pupil_scrub(pupil=pupils[1])

    assert_indexes_find_what_like_finds([admin_user, principal])
    assert found(principal, "mingyue", {})[0] == ["欧阳明月", "李明月"]
    assert found(principal, "wxm", {})[0] == ["王小敏", "王小明", "汪小明"]
    assert found(principal, "赵小明", {})[0] == ["赵小明"]
    assert found(principal, "王晓敏", {"status": Pupil.Status.LEFT})[0] == []


def explained(user, query: str) -> str:
    """The plan of the query that finds a page's keys and counts the list (KeysFirstPaginator)."""
    listed = selectors.pupil_list(user=user, filters={"q": query})
    sql, params = KeysFirstPaginator(listed, 50).counted_keys().query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


# Statistics as ANALYZE takes them whole (test_query_plans's large school, and the migration's),
# and as `PRAGMA optimize` samples them (analysis_limit): SQLite must read the search's index
# with each, and with none (a fresh install).
STATISTICS = {
    "none": [],
    "whole": LARGE_SCHOOL,
    "sampled": [
        ("registry_pupil", "pupil_list_filter", "22140 401 401 401"),
        ("registry_pupil", "pupil_search", "18216 401 401 401 2 1 1 1 1 1 1"),
    ],
}


@pytest.mark.parametrize("statistics", STATISTICS)
@pytest.mark.parametrize("query", ["wxm", "王小明", "小明", "w"])
def test_a_search_reads_the_search_indexes_not_the_pupils_rows(
    admin_user, pupils, query, statistics
):
    if connection.vendor == "sqlite":
        with planner_statistics(STATISTICS[statistics]):
            assert "COVERING INDEX pupil_search" in explained(admin_user, query)
        return
    if statistics != "none":
        pytest.skip("SQLite's sqlite_stat1")
    if len(query) < 3:
        pytest.skip("too short for a trigram: pupil_search or pupil_list_filter, by statistics")
    # Which index PostgreSQL reads is its to weigh by the table's statistics (at 20,000 pupils
    # the trigrams, by EXPLAIN on make bench's school; on a few rows, after the suite's other
    # tests, whatever index leads with the school). That the trigram index serves the LIKEs as
    # Django writes them: with the pupils' other indexes gone and scans of the table off, a
    # plan with no scan of the table reads it.
    with search_indexes_read(), without_indexes(other_pupil_indexes()):
        plan = explained(admin_user, query)
    assert "pupil_search_trigram" in plan and "Seq Scan on registry_pupil" not in plan
