"""The term's figures read from the kept tallies (PupilTermTally) are those counted from the
records: the same numbers whichever way they are read."""

import datetime

from django.utils import timezone

from events import services as events_services
from reports import selectors
from reports.selectors import term_numbers
from tests.factories import make_pupil
from visits import services as visits_services


def test_the_terms_numbers_from_the_tallies_equal_those_from_the_records(
    monkeypatch, admin_user, school_class, pupil, other_pupil, term
):
    today = timezone.localdate()
    third = make_pupil(actor=admin_user, school_class=school_class, name="赵小兰", gender="F")

    def write(kind, pupils, days_ago=0, **fields):
        return visits_services.record_create(
            actor=admin_user, pupils=pupils, kind=kind, content="记录",
            occurred_on=today - datetime.timedelta(days=days_ago), **fields,
        )  # fmt: skip

    write("home_visit", [pupil, third])
    write("home_visit", [pupil], days_ago=3)
    write("talk", [pupil, other_pupil])
    write("symposium", [other_pupil, third])
    write("assistance", [third], programme="两免一补", amount=500)
    voided = write("home_visit", [other_pupil], days_ago=1)
    visits_services.record_void(actor=admin_user, record=voided, reason="记错了孩子")
    write("home_visit", [other_pupil], days_ago=40)  # before the term: not in it
    # A 座谈会 held as an event: its children join the records' (each child once).
    events_services.event_create(
        actor=admin_user, kind="symposium", place="礼堂", led_by=admin_user, content="座谈",
        pupils=[pupil, third],
    )  # fmt: skip

    tallied = term_numbers(school=term.school_year.school, period=term.period)
    monkeypatch.setattr(selectors, "term_with_period", lambda school_id, period: None)
    counted = term_numbers(school=term.school_year.school, period=term.period)

    assert tallied == counted
    kinds = {row.kind: (row.records, row.children) for row in tallied.care.kinds}
    assert kinds["home_visit"] == (2, 2)
    assert kinds["symposium"] == (2, 3)
    assert tallied.care.assistance_people == 1
