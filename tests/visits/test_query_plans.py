"""Query plans that must not flip when SQLite's statistics appear: each key query is explained
without statistics (a fresh install) and with those of a school of 20,000 pupils and 200,000
records (what ANALYZE wrote there), and must use its index either way."""

import datetime
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing.models import Pair, PairingSettings
from visits.due import answering_teacher_ids
from visits.selectors import idle_pairs

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner and its sqlite_stat1 table"
)

# sqlite_stat1 rows after ANALYZE on the demo school seeded with 20,000 pupils and topped up to
# 200,000 care records (bench/bench_visits.py).
LARGE_SCHOOL = [
    ("pairing_pair", "pair_active_by_teacher", "5709 5709 5709 5"),
    ("pairing_pair", "pair_unique_active_teacher", "3563 1 1"),
    ("pairing_pair", "pairing_pair_pupil_id_3499bb1c", "5709 2"),
    ("pairing_pair", "pairing_pair_school_id_b617f170", "5709 5709"),
    ("pairing_pair", "pairing_pair_teacher_id_438ae863", "5709 5"),
    ("pairing_paircheck", "paircheck_by_pair", "6299 3 1"),
    ("pairing_paircheck", "pairing_paircheck_pair_id_40f53ec2", "6299 3"),
    ("registry_parent", "registry_parent_pupil_id_5c4ff554", "40000 2"),
    ("registry_pupil", "pupil_in_care", "3873 3873 3873 9 6 3 1 1 1 1 1 1 1 1 1"),
    ("registry_pupil", "pupil_list_filter", "20000 20000 20000 5000"),
    ("registry_pupil", "pupil_search", "20000 20000 20000 5000 4 2 2 1 1 1 1"),
    ("registry_pupil", "registry_pupil_name_initials_eb0e737c", "20000 6"),
    ("registry_pupil", "registry_pupil_name_pinyin_653b5837", "20000 2"),
    ("registry_pupil", "registry_pupil_school_class_id_7ef2141e", "20000 46"),
    ("registry_pupil", "registry_pupil_school_id_8673d599", "20000 20000"),
    ("visits_carerecord", "record_author_date", "200000 155 2"),
    ("visits_carerecord", "record_kind_date", "200000 200000 25000 60"),
    ("visits_carerecord", "record_live_figures", "198376 198376 367 60 60 58 57 54 50"),
    ("visits_carerecord", "record_live_newest", "198376 198376 367 1"),
    ("visits_carerecord", "record_newest", "200000 200000 370 1"),
    ("visits_carerecord", "record_risk", "200000 200000 50000"),
    ("visits_carerecord", "visits_carerecord_author_id_a73c864a", "200000 155"),
    ("visits_carerecord", "visits_carerecord_school_id_6867c704", "200000 200000"),
    ("visits_carerecord_pupils", "visits_carerecord_pupils_carerecord_id_c979e51c", "220663 2"),
    (
        "visits_carerecord_pupils",
        "visits_carerecord_pupils_carerecord_id_pupil_id_41524c92_uniq",
        "220663 2 1",
    ),
    ("visits_carerecord_pupils", "visits_carerecord_pupils_pupil_id_03d54301", "220663 58"),
    ("visits_pupiltermtally", "tally_pupil_recent", "59828 19943 6 2"),
    ("visits_pupiltermtally", "tally_kind_recent", "59828 59828 19943 2992 26 1 1"),
    ("visits_pupiltermtally", "tally_school_term", "59828 59828 19943 2992 1 1"),
    ("visits_pupiltermtally", "visits_pupiltermtally_term_id_6f9bc41a", "59828 19943"),
    ("visits_pupiltermtally", "visits_pupiltermtally_school_id_33cbcb8f", "59828 59828"),
    ("visits_pupiltermtally", "visits_pupiltermtally_pupil_id_3c94173f", "59828 16"),
    ("visits_pupiltermtally", "sqlite_autoindex_visits_pupiltermtally_1", "59828 19943 6 1"),
]


@contextmanager
def planner_statistics(rows: list[tuple[str, str, str]]):
    """The planner's statistics are these sqlite_stat1 rows (indexes whose names differ on
    this database are left without), then none again."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # creates sqlite_stat1
        cursor.execute("DELETE FROM sqlite_stat1")
        cursor.executemany("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", rows)
        cursor.execute("ANALYZE sqlite_schema")  # reloads the statistics
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")


@pytest.fixture(params=["without statistics", "with a large school's statistics"])
def statistics(request, db):
    """The planner's statistics for this test: none, or LARGE_SCHOOL's."""
    with planner_statistics([] if request.param == "without statistics" else LARGE_SCHOOL):
        yield request.param


def plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


def plans_of(queries: CaptureQueriesContext, containing: str) -> list[str]:
    """The plans of the captured SELECTs whose SQL contains the words given."""
    return [
        plan(query["sql"])
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and containing in query["sql"]
    ]


def test_todays_idle_pairs_are_read_from_the_school_s_active_pairs_alone(statistics, school):
    """From the kept Pair.last_active_on: no record or check is looked up."""
    query = idle_pairs(Pair.objects.filter(school=school), PairingSettings.for_school(school))
    sql, params = query.query.sql_with_params()

    explained = plan(sql, params)

    assert "USING INDEX pair_active_by_teacher (school_id=? AND ended_on=?)" in explained
    assert "visits_carerecord" not in explained and "paircheck" not in explained


def test_the_teachers_who_answer_for_children_look_up_their_classes_by_head_teacher(
    statistics, school
):
    """关爱落实's teachers: each staff member's active classes by the head-teacher index, not the
    school's classes walked for each of them."""
    sql, params = answering_teacher_ids(school.pk).query.sql_with_params()

    explained = plan(sql, params)

    assert "registry_schoolclass_head_teacher_id" in explained
    assert "SCAN registry_schoolclass" not in explained


def test_a_past_days_idle_pairs_look_up_each_teachers_recent_records_by_index(statistics, school):
    day = timezone.localdate() - datetime.timedelta(days=7)
    query = idle_pairs(
        Pair.objects.filter(school=school), PairingSettings.for_school(school), on=day
    )
    sql, params = query.query.sql_with_params()

    explained = plan(sql, params)

    assert "USING INDEX record_author_date (author_id=? AND occurred_on>?" in explained
    assert "paircheck_by_pair (pair_id=? AND checked_on>?" in explained
    assert "SCAN" not in explained.replace("SCAN pairing_pair", "")  # no table walked
    assert "AUTOMATIC" not in explained


def test_the_records_page_finds_its_children_from_the_pages_records(
    statistics, client, principal, class_teacher, pupil
):
    from visits import services

    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="谈心")
    client.force_login(principal)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("visits:record_list")).status_code == 200

    [links] = plans_of(queries, 'FROM "visits_carerecord_pupils" WHERE')
    assert links.startswith("SEARCH visits_carerecord_pupils USING COVERING INDEX")
    [children] = plans_of(queries, '"registry_pupil"."id" IN')
    assert children.startswith("SEARCH registry_pupil USING INTEGER PRIMARY KEY")
    # The whole school's count: its day counts, by their index, not its records.
    assert not plans_of(queries, 'SELECT COUNT(*) AS "__count" FROM "visits_carerecord"')
    [count] = plans_of(queries, 'FROM "visits_recorddaycount"')
    assert count.startswith("SEARCH visits_recorddaycount USING") and "(school_id=?)" in count


def test_a_teachers_children_are_looked_up_by_key_not_found_by_walking_the_school(
    statistics, class_teacher, pupil, other_pupil
):
    from registry.models import Pupil
    from registry.selectors import pupils_visible_to

    children = pupils_visible_to(user=class_teacher).filter(status=Pupil.Status.ENROLLED)
    sql, params = children.query.sql_with_params()

    explained = plan(sql, params)

    assert list(children) == [pupil]
    # The pupils by their ids; the ids from the teacher's classes' index and the pairs'.
    assert explained.startswith("SEARCH registry_pupil USING INTEGER PRIMARY KEY")
    assert "registry_pupil_school_class_id" in explained
    assert "pupil_list_filter" not in explained and "SCAN" not in explained


@pytest.mark.parametrize("with_ended", [False, True])
def test_the_registers_classes_of_the_whole_school_are_read_from_their_kept_counts(
    statistics, client, admin_user, with_ended
):
    """The register's counts a class: the school's kept ClassPairCount rows by their school,
    not its pairs counted (every pupil of the school walked to count 5,700 pairs)."""
    client.force_login(admin_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pairing:register"), {"ended": "1"} if with_ended else {})
    assert response.status_code == 200

    assert not plans_of(queries, 'COUNT("pairing_pair"."id")')
    [counts] = plans_of(queries, 'FROM "pairing_classpaircount"')
    first = counts.splitlines()[0]
    assert first.startswith("SEARCH pairing_classpaircount USING") and "(school_id=?)" in first


def test_a_connection_to_a_database_without_statistics_leaves_them_when_it_closes(
    tmp_path, django_db_blocker
):
    from caresys.lib.sqlite.base import DatabaseWrapper

    with django_db_blocker.unblock():  # a database of its own, outside the test's
        scratch = DatabaseWrapper({**connection.settings_dict, "NAME": tmp_path / "school.sqlite3"})
        with scratch.cursor() as cursor:
            cursor.execute("CREATE TABLE record (id INTEGER PRIMARY KEY, day TEXT)")
            cursor.execute("CREATE INDEX record_day ON record (day)")
            cursor.executemany(
                "INSERT INTO record (day) VALUES (%s)", [(f"2026-{n}",) for n in range(99)]
            )
            cursor.execute("SELECT count(*) FROM record WHERE day > '2026-5'")
        scratch.close()

        with scratch.cursor() as cursor:
            cursor.execute("SELECT tbl, idx FROM sqlite_stat1")
            assert cursor.fetchall() == [("record", "record_day")]
        scratch.close()


def test_a_records_write_recounts_its_childs_tallies_from_the_childs_links(
    statistics, class_teacher, pupil, term
):
    from visits import services

    with CaptureQueriesContext(connection) as queries:
        services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="谈心")

    # Inside the write's transaction, which holds SQLite's one write lock: the child's links by
    # their pupil index, each record by its key, never the school's records walked.
    [tally] = plans_of(queries, 'COUNT("visits_carerecord_pupils"."id")')
    assert tally.startswith("SEARCH visits_carerecord_pupils USING INDEX")
    assert "(pupil_id=?)" in tally
    assert "SEARCH visits_carerecord USING INTEGER PRIMARY KEY" in tally
    assert "record_live_" not in tally and "SCAN" not in tally


# sqlite_stat1 rows as `PRAGMA optimize` left them on that school (analysis_limit=400: each
# index sampled, so one school and one kind seem to hold 401 rows).
SAMPLED = [
    ("registry_pupil", "registry_pupil_school_class_id_7ef2141e", "22101 45"),
    ("registry_pupil", "registry_pupil_school_id_8673d599", "20416 401"),
    ("visits_carerecord", "record_kind_date", "29868 401 401 6"),
    ("visits_carerecord", "record_live_figures", "34020 401 401 58 58 58 58 51 37"),
    ("visits_carerecord", "record_live_newest", "37074 401 401 1"),
    ("visits_carerecord", "record_newest", "37074 401 401 1"),
    ("visits_carerecord", "visits_carerecord_school_id_6867c704", "47792 401"),
    ("visits_carerecord_pupils", "visits_carerecord_pupils_pupil_id_03d54301", "52824 12"),
    (
        "visits_carerecord_pupils",
        "visits_carerecord_pupils_carerecord_id_pupil_id_41524c92_uniq",
        "49728 1 1",
    ),
]


@pytest.mark.parametrize("rows", [[], LARGE_SCHOOL, SAMPLED], ids=["none", "full", "sampled"])
def test_a_classs_event_quotas_count_the_records_of_its_childrens_links(
    rows, class_teacher, school_class, pupil, term
):
    from events.quotas import _class_records
    from visits.models import CareRecord

    of_term = CareRecord.objects.live().filter(
        school_id=class_teacher.school_id, kind__in=["symposium", "parent_meeting"]
    )
    sql, params = _class_records(of_term, [school_class]).query.sql_with_params()

    with planner_statistics(rows):
        explained = plan(sql, params)

    # From the class's children (its index), their links, each record by its key: never the
    # school's records of the term walked by date.
    assert explained.startswith("SEARCH registry_pupil USING COVERING INDEX registry_pupil_school")
    assert "record_live_" not in explained and "record_kind_date" not in explained
    assert "SCAN" not in explained


@pytest.mark.parametrize("query", ["", "?left_behind=any", "?q=li"])
def test_the_pupil_lists_page_reads_its_rows_by_their_keys(
    statistics, client, admin_user, principal, school_class, query
):
    from tests.factories import make_pupil

    for day in range(30):  # a page of keys: beside two, SQLite chose them either way
        born = datetime.date(2017, 3, 1) + datetime.timedelta(days=day)
        make_pupil(actor=admin_user, school_class=school_class, name="李小明", birth_date=born)
    client.force_login(principal)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("registry:pupil_list") + query)

    assert response.status_code == 200
    # The page's rows (the query that reads their names), by the keys the first query chose:
    # not the school's enrolled pupils through the list's filter index, tested against them.
    (rows,) = [
        plan(captured["sql"])
        for captured in queries.captured_queries
        if captured["sql"].startswith('SELECT "registry_pupil"."id", "registry_pupil"."school_id"')
        and '"registry_pupil"."id" IN (' in captured["sql"]
    ]
    assert rows.startswith("SEARCH registry_pupil USING INTEGER PRIMARY KEY")
    assert "pupil_list_filter" not in rows and "SCAN registry_pupil" not in rows


@pytest.mark.parametrize("rows", [[], LARGE_SCHOOL, SAMPLED], ids=["none", "full", "sampled"])
def test_the_schools_event_quotas_look_up_the_old_records_of_their_days_alone(
    rows, admin_user, class_teacher, pupil, term
):
    """The dashboard's quotas: the days with records of the rare kinds from the day counts,
    each (day, kind) then looked up in the live records' index, never the term's records
    walked by date (31 ms at 20,000 pupils, with the sampled statistics)."""
    from events.quotas import school_overview
    from visits import services

    services.record_create(actor=admin_user, pupils=[pupil], kind="symposium", content="座谈会")
    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="谈心")

    with CaptureQueriesContext(connection) as queries:
        school_overview(school_id=admin_user.school_id, period=term.period)
    with planner_statistics(rows):
        [records] = plans_of(queries, 'FROM "visits_carerecord" LEFT OUTER JOIN')

    assert records.startswith(
        "SEARCH visits_carerecord USING COVERING INDEX record_live_figures (school_id=? AND "
        "occurred_on=? AND kind=?"
    ) or records.startswith(
        "SEARCH visits_carerecord USING INDEX record_kind_date (school_id=? AND kind=? AND "
        "occurred_on=?)"
    )
    assert "SCAN" not in records


@pytest.mark.parametrize("rows", [[], LARGE_SCHOOL, SAMPLED], ids=["none", "full", "sampled"])
def test_the_dashboards_walk_of_the_children_in_care_reads_the_in_care_index(
    rows, client, principal, school, pupil, term
):
    """The left-behind children and the 困境儿童 in one walk of the few in care, never of the
    school's enrolled pupils (pupil_list_filter: 20,000 at the largest)."""
    from registry import services as registry_services

    registry_services.school_care_categories_set(school=school, categories=["is_orphan"])
    client.force_login(principal)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:dashboard")).status_code == 200
    with planner_statistics(rows):
        [walk] = plans_of(queries, '"registry_pupil"."in_care"')

    assert walk.startswith("SEARCH registry_pupil USING INDEX pupil_in_care (school_id=? AND")
    assert "pupil_list_filter" not in walk and "SCAN" not in walk
    # Visited, contacted and talked with by the children's kept dates, in the index: no
    # child is looked up in the term's tallies (50 -> 4 ms at 20,000 pupils).
    assert "visits_pupiltermtally" not in walk and "SUBQUERY" not in walk


def test_a_records_write_finds_its_childrens_newest_records_by_their_links(
    statistics, admin_user, pupil, term
):
    """The kept dates of a record's children (contact_dates_refresh): each child's links, then
    each record by its key, never the school's records walked newest first (SQLite without
    statistics chose that while the school was compared as a column)."""
    from visits import services

    with CaptureQueriesContext(connection) as queries:
        services.record_create(actor=admin_user, pupils=[pupil], kind="talk", content="谈心")
    [update] = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "registry_pupil" SET "last_contact_on"')
    ]

    explained = plan(update)

    assert explained.count("USING INDEX visits_carerecord_pupils_pupil_id") == 3
    assert explained.count("U1 USING INTEGER PRIMARY KEY") == 3
    assert "SCAN" not in explained and "record_live" not in explained


def test_compliance_counts_the_months_quotas_and_no_contact_from_kept_dates_and_tallies(
    statistics, school, class_teacher, pupil, term
):
    """关爱落实's walk of the children in care, with a term running: no contact, this month's
    talks and the term's home visits from the kept dates in the walk's own index; the two
    kinds of call from the tallies' index; no record, and no list of every child reached this
    term; a page of teachers' records this month by the author index, not the month's records
    of the school."""
    from visits import due, services
    from visits.models import CareSettings

    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="谈心")
    today = timezone.localdate()

    with CaptureQueriesContext(connection) as queries:
        due.compliance(
            school_id=school.pk,
            settings=CareSettings.for_school(school),
            today=today,
            teacher_ids=[class_teacher.pk],
        )

    [walk] = plans_of(queries, 'AS "no_contact"')
    assert walk.startswith("SEARCH registry_pupil USING INDEX pupil_in_care")
    assert walk.count("USING COVERING INDEX tally_kind_recent") == 2  # the two kinds of call
    assert "tally_pupil_recent" not in walk and "tally_school_term" not in walk
    assert "visits_carerecord" not in walk and "SCAN" not in walk
    [month] = plans_of(queries, '"visits_carerecord"."kind" AS "kind"')
    assert "USING INDEX record_author_date (author_id=?" in month


def test_the_teachers_work_table_counts_its_classes_unvisited_children_by_class_key(
    statistics, client, principal, class_teacher, pupil, term
):
    client.force_login(principal)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:teacher_table")).status_code == 200
    [waiting] = plans_of(queries, 'SELECT "registry_pupil"."school_class_id" AS "school_class"')

    # The page's classes by their keys, not the school's enrolled pupils by the list's filter
    # index (SQLite chose that without statistics: 5 -> 14 ms at 20,000 pupils).
    assert waiting.startswith("SEARCH registry_pupil USING INDEX registry_pupil_school_class_id")
    assert "pupil_list_filter" not in waiting and "SCAN registry_pupil" not in waiting


def test_the_boards_teacher_loads_count_each_teachers_open_pairs_from_the_pairs_index(
    statistics, school
):
    """Every teacher's open pairs counted at once from pair_active_by_teacher's entries, not
    once for each teacher, nor the school's pairs joined to the staff and grouped by every
    column of theirs."""
    from pairing.selectors import teacher_loads

    with CaptureQueriesContext(connection) as queries:
        teacher_loads(school.pk, PairingSettings.for_school(school))

    [loads] = plans_of(queries, 'FROM "pairing_pair"')
    assert loads.startswith(
        "SEARCH pairing_pair USING COVERING INDEX pair_active_by_teacher"
        " (school_id=? AND ended_on=? AND teacher_id>?)"
    )
    assert "registry_user" not in loads
    [teachers] = plans_of(queries, 'FROM "registry_user"')
    assert "pairing_pair" not in teachers
