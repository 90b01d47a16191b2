"""The teachers' work table (考核): per teacher, pairs, records by kind, home visits against the
quota and overdue 五必访; on screen with links to the records, and as .xlsx."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caresys.lib.periods import Period
from pairing import services as pairing_services
from registry.models import AccessLog
from reports.selectors import _children_waiting_for_a_visit, _months_so_far, teacher_table
from tests.factories import make_pupil
from visits import services as visits_services
from visits.models import CareSettings

URL = reverse("reports:teacher_table")


def _overdue(actor, pupil) -> None:
    visits_services.watch_event_create(
        actor=actor, pupil=pupil, kind="ill",
        noticed_on=timezone.localdate() - datetime.timedelta(days=20),
    )  # fmt: skip


@pytest.fixture
def rows_by_teacher(known_school, school, principal, class_teacher, pair_teacher, pupil,
                    other_pupil):  # fmt: skip
    """王小明 is paired with his own class teacher and with the pair teacher, 李小红 with the
    pair teacher; each has one overdue 五必访."""
    for child in (pupil, other_pupil):
        pairing_services.pair_create(actor=principal, pupil=child, kind="teacher",
                                     teacher=pair_teacher)  # fmt: skip
        _overdue(class_teacher if child == pupil else principal, child)
    pairing_services.pair_create(actor=principal, pupil=pupil, kind="teacher",
                                 teacher=class_teacher)  # fmt: skip
    rows = teacher_table(school=school, period=known_school.period, today=timezone.localdate())
    return {row.teacher: row for row in rows}


def test_each_teacher_has_the_terms_records_pairs_and_overdue_visits(
    rows_by_teacher, class_teacher, pair_teacher, other_teacher, admin_user, known_school
):
    head = rows_by_teacher[class_teacher]
    assert head.classes == "三年级(1)班"
    assert (head.pairs, head.records["talk"], head.records["home_visit"]) == (1, 1, 1)
    assert (head.other_records, head.total, head.visited) == (0, 2, 1)
    # 王小明's overdue visit counts once for his class teacher although she is his pair too.
    assert head.overdue == 1
    pair = rows_by_teacher[pair_teacher]
    assert (pair.classes, pair.pairs, pair.total, pair.visited, pair.overdue) == ("", 2, 0, 0, 2)
    # 李小红's class teacher answers for her overdue visit.
    assert rows_by_teacher[other_teacher].overdue == 1
    # The administrator gave 李芳 500 元 but heads no class and has no pair: not in the table.
    assert admin_user not in rows_by_teacher
    # Monthly visits add up over the term, but never beyond what her class and pairs need as
    # far as the term has gone (31 of its 91 days): 王小明, whom she visited, and 李芳, whom
    # nobody has, make 2 for the whole term, so 1 by now.
    per_month = CareSettings.for_school(class_teacher.school).teacher_visits_per_month
    months = _months_so_far(known_school.period, timezone.localdate())
    assert head.wanted_visits == min(per_month * months, 1)
    assert head.visits_met
    # The pair teacher's 王小明 was visited by his class teacher; 李小红 is still waiting.
    assert pair.wanted_visits == 1 and not pair.visits_met


def test_voided_records_and_records_before_the_term_are_not_counted(
    school, class_teacher, pupil, term
):
    record = visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="谈心"
    )
    visits_services.record_void(actor=class_teacher, record=record, reason="记错了孩子")
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="上学期的谈心",
        occurred_on=term.start_date - datetime.timedelta(days=1),
    )  # fmt: skip

    rows = teacher_table(school=school, period=term.period, today=timezone.localdate())
    [row] = [row for row in rows if row.teacher == class_teacher]

    assert row.total == 0


def test_the_children_waiting_for_a_visit_follow_a_visits_correction_and_void(
    school, principal, class_teacher, pair_teacher, pupil, other_pupil, term
):
    """While the term runs, a child's visit is its kept date: a visit moved before the term, or
    voided, leaves the child waiting again, for the whole school and for a page's teachers."""
    pairing_services.pair_create(
        actor=principal, pupil=other_pupil, kind="teacher", teacher=pair_teacher
    )
    today = timezone.localdate()
    page = [class_teacher.pk, pair_teacher.pk]

    def waiting() -> tuple[dict[int, int], dict[int, int]]:
        every = _children_waiting_for_a_visit(school, term.period, today, None, {})
        heads = {pupil.school_class_id: class_teacher.pk}
        paged = _children_waiting_for_a_visit(school, term.period, today, page, heads)
        return (
            {pk: every[pk] for pk in page},
            {pk: paged[pk] for pk in page},
        )

    start = {class_teacher.pk: 1, pair_teacher.pk: 1}
    assert waiting() == (start, start)
    visit = visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="home_visit", content="家访"
    )
    other = visits_services.record_create(
        actor=pair_teacher, pupils=[other_pupil], kind="home_visit", content="家访"
    )
    none = {class_teacher.pk: 0, pair_teacher.pk: 0}
    assert waiting() == (none, none)
    before = term.start_date - datetime.timedelta(days=1)
    visits_services.record_correct(
        actor=class_teacher, record=visit, changes={"occurred_on": before}
    )
    visits_services.record_void(actor=pair_teacher, record=other, reason="记错了孩子")
    assert waiting() == (start, start)


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (datetime.date(2026, 8, 31), 0),  # before the term
        (datetime.date(2026, 9, 1), 1),
        (datetime.date(2026, 9, 30), 1),
        (datetime.date(2026, 10, 1), 2),
        (datetime.date(2027, 1, 5), 5),  # across the new year
        (datetime.date(2027, 6, 1), 5),  # after the term: its whole length
    ],
)
def test_the_months_of_visits_wanted_are_those_of_the_term_so_far(today, months):
    term = Period(datetime.date(2026, 9, 1), datetime.date(2027, 1, 20), "2026秋")
    assert _months_so_far(term, today) == months


def test_each_number_leads_to_the_records_behind_it(
    client, principal, class_teacher, known_school, rows_by_teacher
):
    client.force_login(principal)
    page = client.get(URL).content.decode()
    period = f"start={known_school.start_date}&amp;end={known_school.end_date}"
    link = f"/visits/records/?author={class_teacher.pk}&amp;kind=talk&amp;{period}"
    assert f'<a href="{link}">1</a>' in page

    records = client.get(link.replace("&amp;", "&"))

    [record] = records.context["page"]
    assert (record.kind, record.author) == ("talk", class_teacher)
    assert f"记录人：{class_teacher}" in records.content.decode()


def test_the_table_downloads_as_a_spreadsheet_and_the_export_is_logged(
    client, principal, class_teacher, rows_by_teacher
):
    client.force_login(principal)

    response = client.get(reverse("reports:teacher_table_xlsx"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "序号")
    row = dict(zip(header, next(row for row in rows if row[1] == str(class_teacher)), strict=True))
    assert (row["班主任班级"], row["结对儿童"]) == ("三年级(1)班", 1)
    assert (row["谈心"], row["家访"]) == (1, 1)
    assert (row["合计"], row["本学期家访学生"], row["五必访逾期"]) == (2, 1, 1)
    assert AccessLog.objects.filter(
        actor=principal, action=AccessLog.Action.EXPORT, detail="导出教师关爱工作考核表"
    ).exists()


def test_the_page_links_its_spreadsheet(client, principal, rows_by_teacher):
    client.force_login(principal)

    page = client.get(URL).content.decode()

    assert reverse("reports:teacher_table_xlsx") in page


def test_there_is_no_spreadsheet_outside_a_term(client, principal):
    client.force_login(principal)

    response = client.get(reverse("reports:teacher_table_xlsx"))

    assert response.status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_spreadsheet_refuses_a_post(client, principal, rows_by_teacher):
    client.force_login(principal)

    assert client.post(reverse("reports:teacher_table_xlsx")).status_code == 405


def test_the_table_costs_the_same_queries_with_more_teachers_and_records(
    client, principal, admin_user, other_teacher, other_class, rows_by_teacher
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    client.force_login(principal)
    one = queries()
    for day in range(10, 14):
        child = make_pupil(actor=admin_user, school_class=other_class, name="王小乙",
                           left_behind="both", birth_date=datetime.date(2016, 5, day))  # fmt: skip
        visits_services.record_create(
            actor=other_teacher, pupils=[child], kind="home_visit", content="家访"
        )
        _overdue(other_teacher, child)
    assert queries() == one


def test_the_page_shows_a_page_of_teachers_with_the_same_figures_as_the_whole_table(
    client, principal, rows_by_teacher, settings
):
    settings.CARESYS_PAGE_SIZE = 1
    client.force_login(principal)

    pages = [client.get(URL, {"page": n}) for n in (1, 2, 3)]

    shown = [row for page in pages for row in page.context["rows"]]
    assert [len(page.context["rows"]) for page in pages] == [1, 1, 1]
    assert {row.teacher: row for row in shown} == rows_by_teacher  # each page's own figures
    assert "第 1 / 3 页" in pages[0].content.decode() and "page=2" in pages[0].content.decode()


def test_the_page_costs_a_fixed_number_of_queries(
    client, principal, rows_by_teacher, django_assert_num_queries
):
    client.force_login(principal)

    # session, user, term, the teachers (heads, staff ids, the page's), the counts (9),
    # settings, notifications; the events led, and the event quotas (rules, events, records)
    with django_assert_num_queries(20):
        assert client.get(URL).status_code == 200


def test_each_teacher_has_the_events_they_led_and_their_classs_event_quotas(
    client, principal, moral_lead, class_teacher, other_teacher, school_class, other_class, pupil,
    term,
):  # fmt: skip
    from events import services as events_services

    events_services.event_quotas_set(
        actor=moral_lead,
        rules={"symposium": (1, "school"), "parent_meeting": (2, "class"), "safety": (1, "class")},
    )
    for kind, times in (("parent_meeting", 3), ("safety", 0)):
        for _n in range(times):
            events_services.event_create(
                actor=class_teacher, kind=kind, school_class=school_class, place="教室",
                led_by=class_teacher, content="活动",
            )  # fmt: skip
    client.force_login(principal)

    response = client.get(URL)

    rows = {row.teacher: row for row in response.context["rows"]}
    head = rows[class_teacher]
    # Three parents' meetings meet their quota of two but make up for no safety lesson.
    assert (head.events_led, head.quota_events, head.quota_wanted) == (3, 2, 3)
    assert not head.quotas_met
    assert (rows[other_teacher].events_led, rows[other_teacher].quota_wanted) == (0, 3)
    assert "2 / 3" in response.content.decode()
