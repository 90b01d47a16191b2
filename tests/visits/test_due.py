"""What is due, from the records and the quotas: month and term boundaries, overdue, 五必访,
and the work list page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caresys.lib.periods import month_of
from registry.models import SchoolYear, Term
from tests.factories import make_pupil
from visits import due, services
from visits.models import CareSettings

D = datetime.date


@pytest.fixture
def terms(school):
    year = SchoolYear.objects.create(
        school=school, name="2025—2026学年", start_date=D(2025, 9, 1), end_date=D(2026, 8, 31)
    )
    first = Term.objects.create(
        school_year=year, number=1, start_date=D(2025, 9, 1), end_date=D(2026, 1, 20)
    )
    second = Term.objects.create(
        school_year=year, number=2, start_date=D(2026, 2, 20), end_date=D(2026, 7, 10)
    )
    return first, second


def record(actor, pupil, kind, day) -> None:
    services.record_create(actor=actor, pupils=[pupil], kind=kind, content="记录", occurred_on=day)


def listed(work: due.WorkList, which: str) -> list[tuple[str, str, datetime.date]]:
    return [(item.pupil.name, item.label, item.due_on) for item in getattr(work, which)]


# The teacher's and the class's own quotas, off unless a test is about them.
NO_OWN_QUOTAS = {"teacher_visits_per_month": 0}


def work_on(teacher, day: datetime.date, **quotas) -> due.WorkList:
    settings = CareSettings.for_school(teacher.school)
    for name, value in (NO_OWN_QUOTAS | quotas).items():
        setattr(settings, name, value)
    from registry.selectors import own_children

    return due.work_list(
        user=teacher, pupils=own_children(user=teacher), settings=settings, today=day
    )


ONLY_TALKS = {"family_calls_per_month": 0, "guardian_calls_per_month": 0, "home_visits_per_term": 0}


def test_a_talk_on_the_last_day_of_the_month_counts_for_that_month_only(
    class_teacher, pupil, terms
):
    record(class_teacher, pupil, "talk", D(2026, 2, 15))
    record(class_teacher, pupil, "talk", D(2026, 3, 31))

    on_the_31st = work_on(class_teacher, D(2026, 3, 31), **ONLY_TALKS)
    on_the_1st = work_on(class_teacher, D(2026, 4, 1), **ONLY_TALKS)

    assert listed(on_the_31st, "due") == [] and listed(on_the_31st, "overdue") == []
    assert listed(on_the_1st, "due") == [("王小明", "谈心", D(2026, 4, 30))]
    assert listed(on_the_1st, "overdue") == []  # March was done


def test_a_month_without_the_talk_is_history_not_a_to_do_the_next_month(
    class_teacher, pupil, terms
):
    record(class_teacher, pupil, "talk", D(2026, 2, 28))

    work = work_on(class_teacher, D(2026, 4, 10), **ONLY_TALKS)

    assert listed(work, "overdue") == []
    assert listed(work, "due") == [("王小明", "谈心", D(2026, 4, 30))]


def test_two_talks_a_month_are_counted_against_the_schools_quota(class_teacher, pupil, terms):
    record(class_teacher, pupil, "talk", D(2026, 3, 2))

    work = work_on(class_teacher, D(2026, 3, 20), **(ONLY_TALKS | {"talks_per_month": 2}))

    [item] = work.due
    assert (item.done, item.wanted) == (1, 2)


def test_a_home_visit_counts_for_its_term_and_none_is_due_in_the_holidays(
    class_teacher, pupil, terms
):
    only_visits = {"talks_per_month": 0, "family_calls_per_month": 0, "guardian_calls_per_month": 0}
    record(class_teacher, pupil, "home_visit", D(2026, 1, 10))  # the first term

    in_holidays = work_on(class_teacher, D(2026, 2, 1), **only_visits)
    in_second_term = work_on(class_teacher, D(2026, 3, 1), **only_visits)

    assert listed(in_holidays, "due") == [] and listed(in_holidays, "overdue") == []
    assert listed(in_second_term, "due") == [("王小明", "家访", D(2026, 7, 10))]
    assert listed(in_second_term, "overdue") == []  # the first term had its visit


def test_a_voided_record_does_not_count(class_teacher, pupil, terms):
    services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="x", occurred_on=D(2026, 3, 5)
    )
    from visits.models import CareRecord

    services.record_void(actor=class_teacher, record=CareRecord.objects.get(), reason="记错")

    assert listed(work_on(class_teacher, D(2026, 3, 20), **ONLY_TALKS), "due") == [
        ("王小明", "谈心", D(2026, 3, 31))
    ]


def test_only_left_behind_children_have_quotas(admin_user, class_teacher, school_class, terms):
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")

    assert work_on(class_teacher, D(2026, 3, 20)).due == []


def test_a_watch_event_is_due_then_overdue_until_answered(class_teacher, pupil, terms, school):
    CareSettings.objects.create(
        school=school, talks_per_month=0, family_calls_per_month=0, guardian_calls_per_month=0,
        home_visits_per_term=0, watch_due_days=3,
    )  # fmt: skip
    services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="low_mood", noticed_on=D(2026, 3, 10)
    )

    assert listed(work_on(class_teacher, D(2026, 3, 12)), "due") == [
        ("王小明", "五必访：情绪不好", D(2026, 3, 13))
    ]
    assert listed(work_on(class_teacher, D(2026, 3, 14)), "overdue") == [
        ("王小明", "五必访：情绪不好", D(2026, 3, 13))
    ]
    record(class_teacher, pupil, "home_visit", D(2026, 3, 14))
    assert work_on(class_teacher, D(2026, 3, 14)).overdue == []


def test_a_class_teacher_has_the_month_visits_due_until_done(
    admin_user, class_teacher, pupil, terms
):
    own = {
        "talks_per_month": 0,
        "family_calls_per_month": 0,
        "guardian_calls_per_month": 0,
        "home_visits_per_term": 1,
        "teacher_visits_per_month": 2,
    }
    brother = make_pupil(actor=admin_user, school_class=pupil.school_class, name="王小刚")
    record(class_teacher, pupil, "home_visit", D(2026, 3, 3))
    record(class_teacher, pupil, "home_visit", D(2026, 3, 9))  # the same child: counts once

    before = work_on(class_teacher, D(2026, 3, 20), **own)
    record(class_teacher, brother, "home_visit", D(2026, 3, 12))
    after = work_on(class_teacher, D(2026, 3, 20), **own)

    def own_items(work):
        return [item for item in work.due if item.pupil is None]

    # The class's symposia and parents' meetings are the events app's (tests/events/test_quotas).
    assert [(item.label, item.done, item.wanted, item.due_on) for item in own_items(before)] == [
        ("本月家访学生数", 1, 2, D(2026, 3, 31)),
    ]
    assert after.due == []  # both children visited this term


def test_the_work_list_page_costs_the_same_queries_for_a_whole_class(
    client, admin_user, class_teacher, school_class, pupil, terms
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("visits:work_list")).status_code == 200
        return len(captured)

    client.force_login(class_teacher)
    record(class_teacher, pupil, "talk", D(2026, 3, 2))
    one = queries()
    for name in ("王小甲", "王小乙", "王小丙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        record(class_teacher, child, "home_visit", D(2026, 3, 2))
        services.watch_event_create(actor=class_teacher, pupil=child, kind="ill")

    assert queries() == one


def test_the_administrator_changes_a_quota_and_the_list_follows(
    client, admin_user, class_teacher, pupil, school
):
    client.force_login(admin_user)
    values = {
        "talks_per_month": 2,
        "family_calls_per_month": 1,
        "guardian_calls_per_month": 1,
        "home_visits_per_term": 1,
        "teacher_visits_per_month": 5,
        "watch_due_days": 3,
        "no_contact_days": 30,
    }

    client.post(reverse("visits:settings"), values)
    refused = client.post(reverse("visits:settings"), values | {"watch_due_days": 0})

    assert CareSettings.objects.get(school=school).talks_per_month == 2
    assert "watch_due_days" in refused.context["form"].errors
    talks = [item for item in work_on(class_teacher, D(2026, 3, 20)).due if item.label == "谈心"]
    assert [(item.done, item.wanted) for item in talks] == [(0, 2)]


def test_the_principal_sees_quotas_met_by_class_and_by_teacher(
    client, admin_user, principal, class_teacher, pupil, other_pupil, school, terms
):
    today = timezone.localdate()
    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="x")
    services.record_create(actor=class_teacher, pupils=[pupil], kind="home_visit", content="x")
    services.watch_event_create(
        actor=admin_user,
        pupil=other_pupil,
        kind="ill",
        noticed_on=today - datetime.timedelta(days=10),
    )
    client.force_login(principal)

    report = client.get(reverse("visits:compliance")).context["report"]

    rows = {row.label: row for row in report.classes}
    assert (rows["三年级(1)班"].children, rows["三年级(1)班"].quotas["talks_per_month"]) == (1, 1)
    assert rows["四年级(2)班"].quotas["talks_per_month"] == 0
    assert (rows["四年级(2)班"].overdue_events, rows["四年级(2)班"].no_contact) == (1, 1)
    assert [pupil.name for pupil in report.no_contact] == ["李小红"]
    assert report.no_contact_count == 1
    teacher = next(row for row in report.teachers if row.teacher == class_teacher)
    assert (teacher.records, teacher.visited_children) == ({"talk": 1, "home_visit": 1}, 1)


def test_the_principal_reads_every_grades_sums_and_one_grades_classes_at_a_time(
    client, admin_user, principal, class_teacher, pupil, other_pupil, school, terms
):
    """A large school has 400 classes: a row a grade for the whole school, then the classes of
    the grade chosen (the first by default)."""
    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="x")
    client.force_login(principal)

    first = client.get(reverse("visits:compliance"))
    fourth = client.get(reverse("visits:compliance") + "?grade=4")
    unknown = client.get(reverse("visits:compliance") + "?grade=9")

    grades = [
        (row.label, row.children, row.quotas["talks_per_month"]) for row in first.context["grades"]
    ]
    assert grades == [("三年级", 1, 1), ("四年级", 1, 0)]
    assert [row.label for row in first.context["grade_classes"]] == ["三年级(1)班"]
    assert [row.label for row in fourth.context["grade_classes"]] == ["四年级(2)班"]
    cell = '<td class="text-nowrap">四年级(2)班</td>'
    assert cell in fourth.content.decode() and cell not in first.content.decode()
    assert unknown.context["grade"] == 3


# The row as the template wrote it a cell at a time, before class_cells wrote it in one call.
ROW_AS_TEMPLATE = (
    '{% load l10n %}{% localize off %}<td class="text-end">{{ row.children }}</td>\n        '
    '{% for met, short in row.cells %}<td class="text-end{% if short %} text-danger{% endif %}">'
    "{% if met is None %}—{% else %}{{ met }}{% endif %}</td>{% endfor %}\n        "
    '<td class="text-end{% if row.overdue_events %} text-danger fw-bold{% endif %}">'
    "{{ row.overdue_events }}</td>\n        "
    '<td class="text-end{% if row.no_contact %} text-danger{% endif %}">{{ row.no_contact }}</td>'
    "{% endlocalize %}"
)


@pytest.mark.parametrize(
    ("met", "overdue", "no_contact"),
    [((1200, 3, None, 1200), 0, 0), ((0, 1200, 2, None), 2, 1300)],
)
def test_a_class_rows_cells_are_the_ones_the_template_wrote(met, overdue, no_contact):
    from django.template import Context, Template

    from visits.templatetags.visits_tags import class_cells

    quotas = dict(zip([quota.key for quota in due.QUOTAS], met, strict=True))
    row = due.ClassCompliance("三年级(1)班", 1200, quotas, overdue, no_contact, 3)

    assert class_cells(row) == Template(ROW_AS_TEMPLATE).render(Context({"row": row}))


def test_the_running_terms_home_visits_by_class_count_its_live_visits(
    client, admin_user, principal, class_teacher, pupil, other_pupil, term
):
    """Read from the term's tallies: a voided visit and one before the term do not count."""
    services.record_create(actor=class_teacher, pupils=[pupil], kind="home_visit", content="x")
    voided = services.record_create(
        actor=admin_user, pupils=[other_pupil], kind="home_visit", content="x"
    )
    services.record_void(actor=admin_user, record=voided, reason="记错了孩子")
    before = term.start_date - datetime.timedelta(days=1)
    record(admin_user, other_pupil, "home_visit", before)
    client.force_login(principal)

    report = client.get(reverse("visits:compliance")).context["report"]

    visited = {row.label: row.quotas["home_visits_per_term"] for row in report.classes}
    assert visited == {"三年级(1)班": 1, "四年级(2)班": 0}


def test_this_months_quotas_met_by_class_are_the_months_live_records_with_a_term_running(
    client, admin_user, principal, class_teacher, pupil, other_pupil, school, term
):
    """Read from the running term's tallies (one record wanted) or counted from the records
    (more wanted): a voided talk and one of last month do not count, either way."""
    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="x")
    voided = services.record_create(
        actor=admin_user, pupils=[other_pupil], kind="talk", content="x"
    )
    services.record_void(actor=admin_user, record=voided, reason="记错了孩子")
    # Last month's last day: in the term too, unless the term began this month.
    record(admin_user, other_pupil, "talk", month_of(timezone.localdate()).start - D.resolution)
    client.force_login(principal)

    def talks() -> dict[str, int]:
        report = client.get(reverse("visits:compliance")).context["report"]
        return {row.label: row.quotas["talks_per_month"] for row in report.classes}

    assert talks() == {"三年级(1)班": 1, "四年级(2)班": 0}
    CareSettings.objects.create(school=school, talks_per_month=2)
    assert talks() == {"三年级(1)班": 0, "四年级(2)班": 0}
    services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="x")
    assert talks() == {"三年级(1)班": 1, "四年级(2)班": 0}


def test_compliance_follows_a_records_correction_and_void_in_talks_visits_and_no_contact(
    client, admin_user, principal, class_teacher, pupil, other_pupil, term
):
    """The month's talks, the term's home visits and no contact read the children's kept
    dates: a record moved out of the period, or voided, no longer counts."""
    talk = services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="x")
    visit = services.record_create(
        actor=admin_user, pupils=[other_pupil], kind="home_visit", content="x"
    )
    client.force_login(principal)

    def counts() -> dict[str, tuple[int | None, int | None, int]]:
        report = client.get(reverse("visits:compliance")).context["report"]
        return {
            row.label: (
                row.quotas["talks_per_month"],
                row.quotas["home_visits_per_term"],
                row.no_contact,
            )
            for row in report.classes
        }

    assert counts() == {"三年级(1)班": (1, 0, 0), "四年级(2)班": (0, 1, 0)}
    long_ago = term.start_date - D.resolution
    services.record_correct(actor=class_teacher, record=talk, changes={"occurred_on": long_ago})
    assert counts() == {"三年级(1)班": (0, 0, 1), "四年级(2)班": (0, 1, 0)}
    services.record_void(actor=admin_user, record=visit, reason="记错了孩子")
    assert counts() == {"三年级(1)班": (0, 0, 1), "四年级(2)班": (0, 0, 1)}


def test_the_compliance_view_costs_the_same_queries_for_a_bigger_school(
    client, admin_user, principal, class_teacher, school_class, pupil, terms
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("visits:compliance")).status_code == 200
        return len(captured)

    client.force_login(principal)
    one = queries()
    for name in ("王小甲", "王小乙", "王小丙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        services.record_create(actor=class_teacher, pupils=[child], kind="talk", content="x")
        services.watch_event_create(actor=class_teacher, pupil=child, kind="ill")

    assert queries() == one


@pytest.mark.parametrize(
    ("kind", "today"),
    [
        ("talk", D(2026, 3, 31)),  # the last day of a month
        ("talk", D(2026, 4, 1)),  # the first day of the next
        ("family_call", D(2026, 5, 15)),
        ("phone_visit", D(2026, 2, 1)),  # the holidays: monthly quotas go on
        ("home_visit", D(2026, 2, 20)),  # the first day of a term
        ("home_visit", D(2026, 7, 10)),  # its last day
    ],
)
def test_every_item_clears_by_recording_its_work_on_the_day(
    class_teacher, pupil, terms, kind, today, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args: today)
    before = work_on(class_teacher, today)
    [item] = [item for item in before.due if item.kind == kind]

    record(class_teacher, pupil, kind, today)

    after = work_on(class_teacher, today)
    assert [item for item in after.due + after.overdue if item.kind == kind] == []
    assert item.due_on >= today


def test_a_five_must_visit_clears_by_a_home_visit_recorded_today_even_when_late(
    class_teacher, pupil, terms, school
):
    CareSettings.objects.create(school=school, watch_due_days=3)
    services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="ill", noticed_on=timezone.localdate()
    )
    later = timezone.localdate() + datetime.timedelta(days=10)

    assert [item.label for item in work_on(class_teacher, later).overdue] == ["五必访：身体不佳"]
    record(class_teacher, pupil, "home_visit", timezone.localdate())
    assert work_on(class_teacher, later).overdue == []


def late(actor, pupil, kind, day, *, on: datetime.date, monkeypatch) -> bool:
    monkeypatch.setattr(timezone, "localdate", lambda *args: on)
    services.record_create(actor=actor, pupils=[pupil], kind=kind, content="记录", occurred_on=day)
    from visits.models import CareRecord

    return CareRecord.objects.latest("pk").recorded_late


def test_a_talk_written_after_its_month_and_three_days_is_marked_late(
    class_teacher, pupil, terms, monkeypatch
):
    args = (class_teacher, pupil, "talk", D(2026, 3, 31))

    assert not late(*args, on=D(2026, 4, 3), monkeypatch=monkeypatch)
    assert late(*args, on=D(2026, 4, 4), monkeypatch=monkeypatch)


def test_a_home_visit_written_later_in_its_term_is_on_time_and_after_the_term_late(
    class_teacher, pupil, terms, monkeypatch
):
    args = (class_teacher, pupil, "home_visit", D(2026, 3, 2))

    assert not late(*args, on=D(2026, 5, 20), monkeypatch=monkeypatch)
    assert late(*args, on=D(2026, 7, 20), monkeypatch=monkeypatch)


def test_a_late_record_is_marked_on_its_page_and_in_the_list(
    client, class_teacher, pupil, terms, monkeypatch
):
    assert late(
        class_teacher, pupil, "talk", D(2026, 3, 5), on=D(2026, 5, 1), monkeypatch=monkeypatch
    )
    from visits.models import CareRecord

    client.force_login(class_teacher)
    record_page = client.get(reverse("visits:record_detail", args=[CareRecord.objects.get().pk]))
    listing = client.get(reverse("visits:record_list"))

    assert "data-late" in record_page.content.decode()
    assert "补记" in listing.content.decode()


def test_moving_a_records_date_back_into_a_closed_month_marks_it_late(
    class_teacher, pupil, terms, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2026, 5, 10))
    services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="记录", occurred_on=D(2026, 5, 8)
    )
    from visits.models import CareRecord

    record = CareRecord.objects.get()
    assert not record.recorded_late
    services.record_correct(
        actor=class_teacher, record=record, changes={"occurred_on": D(2026, 3, 8)}
    )

    record.refresh_from_db()
    assert record.recorded_late


def test_a_teachers_monthly_visits_ask_no_more_than_the_children_still_need(
    admin_user, class_teacher, pupil, terms
):
    quotas = {"teacher_visits_per_month": 5, "home_visits_per_term": 1}
    make_pupil(actor=admin_user, school_class=pupil.school_class, name="王小刚")

    [own] = [
        item for item in work_on(class_teacher, D(2026, 3, 20), **quotas).due if not item.pupil
    ]

    assert (own.done, own.wanted) == (0, 2)


def test_a_teachers_home_page_leads_with_what_is_due_and_clears_by_doing_it(
    client, class_teacher, pupil, terms, school
):
    CareSettings.objects.create(
        school=school, talks_per_month=1, family_calls_per_month=0, guardian_calls_per_month=0,
        home_visits_per_term=0, teacher_visits_per_month=0,
    )  # fmt: skip
    client.force_login(class_teacher)

    before = client.get(reverse("home")).content.decode()
    record(class_teacher, pupil, "talk", timezone.localdate())
    after = client.get(reverse("home")).content.decode()

    assert "data-work-summary" in before and "王小明" in before and "待完成 1" in before
    assert "待完成 0" in after and "都已完成" in after
