"""The principal's dashboard: the numbers, where each leads, and a fixed number of queries."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services as events_services
from registry.models import Pupil
from registry.services import class_tallies_refresh
from reports.selectors import dashboard, term_numbers
from rooms import services as rooms_services
from tests.factories import SchoolClassFactory, make_pupil
from visits import services as visits_services

# The figures as of today (数据截至) read the day's pupils and pairs as they stand. One walk of
# the children in care counts, for the school, of the left-behind, those visited at home (未家访),
# those with no contact and those talked with this month, and the 困境儿童 a school chose.
# The children each kind reached come from the term's tallies (the current term's, found
# once). The 统计表's counts by class, the boarders, the left-behind children paired and their
# archives complete are the kept ClassTally rows (one query, a row a class, added up by grade).
# The figures only the summary prints (the pairs and their checks, idle pairs, 五必访, the
# names not visited, the programmes, the census, the archives marked 辍学 with no case, the
# classes below quota) are not counted for the dashboard, which does not show them.
DASHBOARD_QUERIES = 29


def test_the_dashboard_shows_the_schools_numbers_and_each_leads_to_the_children(
    client, principal, known_school, school_class, admin_user
):
    make_pupil(
        actor=admin_user, school_class=school_class, name="周宿", gender="M",
        left_behind="mother", is_boarding=True, birth_date=datetime.date(2017, 4, 4),
    )  # fmt: skip
    client.force_login(principal)

    response = client.get(reverse("reports:dashboard"))

    numbers = response.context["n"]
    page = response.content.decode()
    assert (numbers.basic.away, numbers.basic.boarding) == (4, 1)
    assert 'href="/registry/pupils/?left_behind=any&amp;boarding=yes">1</a>' in page
    boarders = client.get("/registry/pupils/?left_behind=any&boarding=yes").context["page"]
    assert [pupil.name for pupil in boarders] == ["周宿"]
    girls = client.get("/registry/pupils/?left_behind=any&gender=F").context["page"]
    assert len(girls) == numbers.basic.girls == 2
    talks = numbers.care.by_kind["talk"]
    assert (talks.records, talks.children) == (1, 2)
    assert response.context["board"].talks_met == 2
    assert response.context["board"].no_contact == 2  # 李小红 and 周宿: no care yet


def test_an_open_emergency_and_an_overdue_must_visit_stand_out(
    client, principal, class_teacher, pupil, known_school
):
    visits_services.emergency_create(
        actor=class_teacher, pupils=[pupil], kind="missing",
        occurred_at=timezone.now() - datetime.timedelta(hours=1), description="未到校",
    )  # fmt: skip
    visits_services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="ill",
        noticed_on=timezone.localdate() - datetime.timedelta(days=10),
    )  # fmt: skip
    client.force_login(principal)

    response = client.get(reverse("reports:dashboard"))

    assert "1 起突发事件正在处置" in response.content.decode()
    assert response.context["board"].overdue_events == 1


def test_the_dashboard_costs_the_same_queries_for_a_bigger_school(
    client, django_assert_num_queries, principal, admin_user, class_teacher, school_class,
    known_school,
):  # fmt: skip
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:dashboard")).status_code == 200
        return len(captured)

    def more_rooms_and_events(child, weekday) -> None:
        slot = rooms_services.slot_create(
            actor=admin_user, room=room, weekday=weekday, starts_at=datetime.time(15),
            ends_at=datetime.time(16), on_duty=[class_teacher],
        )  # fmt: skip
        day = today - datetime.timedelta(days=(today.weekday() - weekday) % 7 or 7)
        opening = rooms_services.opening_record(actor=admin_user, slot=slot, day=day)
        rooms_services.use_record(
            actor=admin_user, opening=opening, pupil=child, mode="call", with_whom="father",
            minutes=5,
        )  # fmt: skip
        for kind in ("symposium", "parent_meeting", "safety"):
            events_services.event_create(
                actor=admin_user, kind=kind, place="礼堂", led_by=admin_user, content="活动"
            )

    client.force_login(principal)
    today = timezone.localdate()
    room = rooms_services.room_save(actor=admin_user, name="亲情聊天室", kind="chat")
    first = make_pupil(actor=admin_user, school_class=school_class, name="王小乙")
    more_rooms_and_events(first, today.weekday())
    one = queries()
    for day in range(10, 16):
        child = make_pupil(actor=admin_user, school_class=school_class, name="王小甲",
                           birth_date=datetime.date(2016, 5, day))  # fmt: skip
        visits_services.record_create(
            actor=class_teacher, pupils=[child], kind="talk", content="谈心"
        )
    more_rooms_and_events(child, (today.weekday() + 1) % 7)

    # The event quotas (classes, rules, events, the days with records of their kinds) and the
    # rooms (slots, openings, uses) are seven of them, whatever the number of classes, events,
    # rooms and calls; the work plan's items not held one more.
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(reverse("reports:dashboard"))
    assert queries() == one


def test_records_by_month_count_each_month_to_its_last_day_and_leave_out_voided_ones(
    school, class_teacher, pupil
):
    from reports.selectors import dashboard

    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_day_before = this_month - datetime.timedelta(days=1)
    for day in (this_month, last_day_before, last_day_before.replace(day=1)):
        visits_services.record_create(
            actor=class_teacher, pupils=[pupil], kind="talk", content="谈心", occurred_on=day
        )
    wrong = visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="记错", occurred_on=today
    )
    visits_services.record_void(actor=class_teacher, record=wrong, reason="记错了")

    months = dict(dashboard(school=school, today=today).months)

    assert list(months)[-1] == f"{this_month:%Y-%m}"
    assert months[f"{this_month:%Y-%m}"] == 1
    assert months[f"{last_day_before:%Y-%m}"] == 2
    assert sum(months.values()) == 3


def test_a_school_without_terms_sees_the_last_120_days(school, class_teacher, pupil):
    from reports.selectors import dashboard

    today = timezone.localdate()
    for days_ago in (100, 130):
        visits_services.record_create(
            actor=class_teacher, pupils=[pupil], kind="talk", content="谈心",
            occurred_on=today - datetime.timedelta(days=days_ago),
        )  # fmt: skip

    board = dashboard(school=school, today=today)

    assert (str(board.period), board.period.start) == ("最近120天", today - datetime.timedelta(120))
    assert board.numbers.care.by_kind["talk"].records == 1


def test_the_dashboards_grades_and_totals_from_the_kept_class_counts_are_the_summarys(
    admin_user, known_school, school, term
):
    # A second class of grade 3 and a pupil in none: the grade's classes are added up, and the
    # pupils in no class count in the totals but in no grade.
    second = SchoolClassFactory(school=school, grade=3, number=2)
    make_pupil(actor=admin_user, school_class=second, name="赵寄宿", left_behind="both",
               is_boarding=True)  # fmt: skip
    make_pupil(actor=admin_user, school_class=second, name="钱小", gender="F", left_behind="none")
    loose = make_pupil(actor=admin_user, school_class=second, name="孙无班", left_behind="father")
    Pupil.objects.filter(pk=loose.pk).update(school_class=None)
    class_tallies_refresh(pupil_ids=[loose.pk], classes=[(school.pk, second.pk)])
    today = timezone.localdate()

    board = dashboard(school=school, today=today).numbers
    summary = term_numbers(school=school, period=term.period, term=term)

    assert board.basic == summary.basic
    assert [(g.grade, g.classes, g.pupils, g.away) for g in board.basic.grades] == [
        (3, 2, 5, 3),
        (4, 1, 2, 1),
    ]
    assert (board.basic.pupils, board.basic.away, board.basic.classes) == (8, 5, 3)
    assert board.archives == summary.archives
    assert board.pairing.coverage == summary.pairing.coverage
    assert board.care.not_visited == summary.care.not_visited == 4
