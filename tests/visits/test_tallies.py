"""The kept per-child, per-term tallies, per-school, per-day counts and each child's dates of
the newest records equal a fresh count from the records after every kind of write, void and
correction (issues 19 and 20)."""

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from demo.school import seed_demo
from registry import services as registry_services
from registry.models import Pupil, School, Term
from registry.services import school_calendar_changed
from rooms import services as rooms_services
from rooms.models import Room
from visits import services
from visits.models import CareRecord, PupilTermTally, RecordDayCount
from visits.tallies import day_count_rows, reached_since, tally_rows

TODAY = timezone.localdate
DAY_FIGURES = ("day", "kind", "records", *CareRecord.GUIDE_FIELDS)
CONTACT_DATE_FIELDS = ("last_contact_on", "last_talk_on", "last_home_visit_on")


def kept(school: School) -> list[tuple]:
    """The tallies, then the day counts (RecordDayCount), then each pupil's dates of the newest
    records (Pupil.last_contact_on, last_talk_on, last_home_visit_on), as the tables keep them."""
    tallies = PupilTermTally.objects.filter(school=school).values_list(
        "school_id", "term_id", "pupil_id", "kind", "records", "last_on"
    )
    days = RecordDayCount.objects.filter(school=school).values_list(*DAY_FIGURES)
    dates = Pupil.with_pending.filter(school=school).values_list("pk", *CONTACT_DATE_FIELDS)
    return sorted(tallies) + sorted(days) + sorted(dates)


def newest_records(school: School) -> list[tuple]:
    """Each pupil's dates of the newest live records of the school naming them, of any kind, a
    talk, a home visit: read from every record, in Python."""
    newest: dict[int, list] = {
        pk: [None, None, None]
        for pk in Pupil.with_pending.filter(school=school).values_list("pk", flat=True)
    }
    for record in CareRecord.objects.live().filter(school=school).prefetch_related("pupils"):
        for child in record.pupils.all():
            for index, kind in enumerate((None, "talk", "home_visit")):
                if kind in (None, record.kind):
                    day = newest[child.pk][index]
                    newest[child.pk][index] = max(day or record.occurred_on, record.occurred_on)
    return sorted((pk, *dates) for pk, dates in newest.items())


def recounted(school: School) -> list[tuple]:
    """The tallies, then the day counts, then the pupils' dates of their newest records,
    counted afresh from the live records, into a list (the tables untouched)."""
    days = (tuple(getattr(row, name) for name in DAY_FIGURES) for row in day_count_rows(school.pk))
    return sorted(tally_rows(school.pk)) + sorted(days) + newest_records(school)


@pytest.fixture
def last_term(term):
    """The term before `term`, in the same school year."""
    start = term.school_year.start_date
    return Term.objects.create(
        school_year=term.school_year,
        number=2,
        start_date=start,
        end_date=term.start_date - datetime.timedelta(days=1),
    )


def record(actor, pupils, kind="talk", day=None, **fields) -> CareRecord:
    return services.record_create(
        actor=actor,
        pupils=pupils,
        kind=kind,
        occurred_on=day or TODAY(),
        content="谈了学习和想念父母的事",
        **fields,
    )


def test_records_of_several_children_and_kinds_are_tallied_as_they_are_written(
    admin_user, school, pupil, other_pupil, term
):
    record(admin_user, [pupil, other_pupil])
    record(admin_user, [pupil], day=TODAY() - datetime.timedelta(days=2))
    record(admin_user, [pupil], kind="home_visit")

    assert kept(school) == recounted(school)
    talks = PupilTermTally.objects.get(pupil=pupil, term=term, kind="talk")
    assert (talks.records, talks.last_on) == (2, TODAY())
    assert PupilTermTally.objects.filter(term=term).count() == 3


def test_a_record_dated_in_the_holidays_is_not_tallied_but_counted_in_its_day(
    admin_user, school, pupil, term
):
    holiday = term.start_date - datetime.timedelta(days=1)
    record(admin_user, [pupil], day=holiday)

    assert kept(school) == recounted(school)
    assert not PupilTermTally.objects.exists() and RecordDayCount.objects.get().records == 1
    # Still the child's newest contact, which the dashboard's no-contact count reads.
    pupil.refresh_from_db()
    assert (pupil.last_contact_on, pupil.last_talk_on, pupil.last_home_visit_on) == (
        holiday,
        holiday,
        None,
    )


def test_the_day_counts_count_each_of_the_four_guides_and_follow_their_correction(
    admin_user, school, pupil, other_pupil, term
):
    record(admin_user, [pupil, other_pupil], guides_mind=True)
    talk = record(admin_user, [pupil], guides_mind=True, guides_study=True)
    record(admin_user, [pupil], kind="home_visit", guides_life=True)

    assert kept(school) == recounted(school)
    talks = RecordDayCount.objects.get(kind="talk")
    assert (talks.records, talks.guides_mind, talks.guides_study, talks.guides_life) == (2, 2, 1, 0)

    services.record_correct(
        actor=admin_user, record=talk, changes={"guides_study": False, "guides_behaviour": True}
    )

    assert kept(school) == recounted(school)
    talks.refresh_from_db()
    assert (talks.records, talks.guides_study, talks.guides_behaviour) == (2, 0, 1)


def test_a_date_corrected_into_the_last_term_moves_the_record_between_terms(
    admin_user, school, pupil, other_pupil, term, last_term
):
    visit = record(admin_user, [pupil, other_pupil], kind="home_visit")
    record(admin_user, [pupil], kind="home_visit", day=TODAY() - datetime.timedelta(days=1))
    moved_to = last_term.end_date - datetime.timedelta(days=3)

    services.record_correct(actor=admin_user, record=visit, changes={"occurred_on": moved_to})

    assert kept(school) == recounted(school)
    assert set(PupilTermTally.objects.values_list("term", "pupil", "records", "last_on")) == {
        (term.pk, pupil.pk, 1, TODAY() - datetime.timedelta(days=1)),
        (last_term.pk, pupil.pk, 1, moved_to),
        (last_term.pk, other_pupil.pk, 1, moved_to),
    }


def test_a_date_corrected_within_the_term_moves_the_latest_day(admin_user, school, pupil, term):
    talk = record(admin_user, [pupil])
    earlier = TODAY() - datetime.timedelta(days=5)

    services.record_correct(actor=admin_user, record=talk, changes={"occurred_on": earlier})

    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.get().last_on == earlier


def test_a_correction_of_other_fields_leaves_the_tallies_as_counted(
    admin_user, school, pupil, term
):
    talk = record(admin_user, [pupil])

    services.record_correct(actor=admin_user, record=talk, changes={"content": "改正的内容"})

    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.get().records == 1


def test_a_voided_record_leaves_the_tallies_and_a_child_with_none_left_has_no_row(
    admin_user, school, pupil, other_pupil, term
):
    both = record(admin_user, [pupil, other_pupil])
    record(admin_user, [pupil])

    services.record_void(actor=admin_user, record=both, reason="记错了孩子")

    assert kept(school) == recounted(school)
    assert list(PupilTermTally.objects.values_list("pupil", "records")) == [(pupil.pk, 1)]
    other_pupil.refresh_from_db()
    assert other_pupil.last_contact_on is other_pupil.last_talk_on is None


def test_a_voided_newest_record_leaves_the_childs_earlier_one_as_its_newest(
    admin_user, school, pupil, term
):
    earlier = TODAY() - datetime.timedelta(days=3)
    record(admin_user, [pupil], kind="home_visit", day=earlier)
    newest = record(admin_user, [pupil], kind="home_visit")

    services.record_void(actor=admin_user, record=newest, reason="日期记错了")

    assert kept(school) == recounted(school)
    pupil.refresh_from_db()
    assert (pupil.last_contact_on, pupil.last_talk_on, pupil.last_home_visit_on) == (
        earlier,
        None,
        earlier,
    )


def test_an_archive_saved_from_an_older_copy_and_leaving_keep_the_childs_dates(
    admin_user, school, pupil, term
):
    """The pupil's full saves (an archive edit, a roster import's) leave the kept dates alone,
    even from a copy loaded before the record was written."""
    older = Pupil.objects.get(pk=pupil.pk)
    record(admin_user, [pupil], kind="home_visit")

    registry_services.archive_update(
        actor=admin_user, pupil=older, data={"pupil": {"address": "新的地址"}}
    )
    registry_services.pupil_status_change(actor=admin_user, pupil=older, status=Pupil.Status.LEFT)

    assert kept(school) == recounted(school)
    pupil.refresh_from_db()
    assert (pupil.status, pupil.last_home_visit_on) == (Pupil.Status.LEFT, TODAY())


def test_the_children_reached_since_a_day_are_read_from_the_running_terms_tallies_alike(
    admin_user, school, pupil, other_pupil, term
):
    """reached_since (the dashboard's and 关爱落实's no contact and talks this month) reads the
    running term's tallies and finds the children the records name since the day."""
    since = TODAY() - datetime.timedelta(days=10)
    record(admin_user, [pupil], day=since)
    record(admin_user, [other_pupil], kind="home_visit", day=since - datetime.timedelta(days=1))
    voided = record(admin_user, [other_pupil])
    services.record_void(actor=admin_user, record=voided, reason="记错了孩子")

    def reached(kind: str | None, running: Term | None) -> set[str]:
        condition = reached_since(school.pk, since, term=running, today=TODAY(), kind=kind)
        tallied = "visits_pupiltermtally" in str(Pupil.objects.filter(condition).query)
        assert tallied == (running is not None)
        return set(Pupil.objects.filter(condition).values_list("name", flat=True))

    for kind in (None, "talk", "home_visit"):
        assert reached(kind, term) == reached(kind, None)
    assert reached(None, term) == reached("talk", term) == {pupil.name}
    assert reached("home_visit", term) == set()
    # From before the term began (the holidays are not tallied), the records are read.
    before = term.start_date - datetime.timedelta(days=1)
    condition = reached_since(school.pk, before, term=term, today=TODAY())
    assert "visits_pupiltermtally" not in str(Pupil.objects.filter(condition).query)


def test_scrubbing_a_leavers_records_keeps_what_is_counted(admin_user, school, pupil, term):
    record(admin_user, [pupil], kind="home_visit")

    services.pupils_scrub_records([pupil.pk])

    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.get().records == 1


def test_a_call_in_the_chat_room_is_tallied_and_untallied_when_voided(
    admin_user, class_teacher, school, pupil, term
):
    room = rooms_services.room_save(
        actor=admin_user, name="亲情聊天室", kind=Room.Kind.CHAT, place="二楼"
    )
    slot = rooms_services.slot_create(
        actor=admin_user,
        room=room,
        weekday=TODAY().weekday(),
        starts_at=datetime.time(15, 30),
        ends_at=datetime.time(16, 30),
        on_duty=[class_teacher],
    )
    opening = rooms_services.opening_record(actor=class_teacher, slot=slot, day=TODAY())
    use = rooms_services.use_record(
        actor=class_teacher, opening=opening, pupil=pupil, mode="call", with_whom="mother",
        minutes=8,
    )  # fmt: skip

    assert kept(school) == recounted(school)
    assert list(PupilTermTally.objects.values_list("kind", "records")) == [("family_call", 1)]

    rooms_services.use_void(actor=class_teacher, use=use, reason="记错了孩子")

    assert kept(school) == recounted(school)
    assert not PupilTermTally.objects.exists() and not RecordDayCount.objects.exists()


def test_changed_term_dates_count_the_records_in_their_new_terms(admin_user, school, pupil, term):
    before = term.start_date - datetime.timedelta(days=5)
    record(admin_user, [pupil], day=before)
    record(admin_user, [pupil])
    term.start_date = before - datetime.timedelta(days=1)
    term.save()

    school_calendar_changed(school_id=school.pk)

    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.get().records == 2


def test_term_dates_changed_in_the_admin_recount_the_schools_tallies(
    client, admin_user, school, pupil, term
):
    before = term.start_date - datetime.timedelta(days=5)
    record(admin_user, [pupil], day=before)
    year = term.school_year
    client.force_login(admin_user)
    form = {
        "name": year.name,
        "start_date": year.start_date,
        "end_date": year.end_date,
        "terms-TOTAL_FORMS": 1,
        "terms-INITIAL_FORMS": 1,
        "terms-MIN_NUM_FORMS": 0,
        "terms-MAX_NUM_FORMS": 1000,
        "terms-0-id": term.pk,
        "terms-0-school_year": year.pk,
        "terms-0-number": term.number,
        "terms-0-start_date": before - datetime.timedelta(days=1),
        "terms-0-end_date": term.end_date,
    }

    response = client.post(f"/admin/registry/schoolyear/{year.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    term.refresh_from_db()
    assert term.start_date == before - datetime.timedelta(days=1)
    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.get().records == 1


def test_the_seeded_demo_school_is_tallied(db):
    result = seed_demo(pupils=120, seed=5)

    tallies = kept(result.school)
    assert tallies
    assert tallies == recounted(result.school)


def test_recount_tallies_rebuilds_the_table_from_the_records(
    admin_user, school, pupil, other_pupil, term, capsys
):
    record(admin_user, [pupil, other_pupil])
    record(admin_user, [pupil], kind="home_visit")
    PupilTermTally.objects.all().delete()
    RecordDayCount.objects.all().delete()
    Pupil.with_pending.update(last_contact_on=None, last_talk_on=None, last_home_visit_on=None)

    call_command("recount_tallies")

    assert kept(school) == recounted(school)
    assert PupilTermTally.objects.count() == 3 and RecordDayCount.objects.count() == 2
    assert "已重新统计 3 行" in capsys.readouterr().out


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite's IMMEDIATE transactions let one writer in at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_records_about_one_child_written_at_once_are_both_tallied(
    admin_user, school, pupil, term
):
    """Two teachers write about one child at the same moment: the second write waits for the
    first (the child's row is locked) and counts its record too, instead of meeting the
    first's tally rows (a unique violation, a 500) or counting without them."""
    record(admin_user, [pupil])
    first_wrote = threading.Barrier(2)
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                record(admin_user, [pupil])
                first_wrote.wait(timeout=10)
                time.sleep(0.5)  # the second write starts while this one is open
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_wrote.wait(timeout=10)
            record(admin_user, [pupil])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert PupilTermTally.objects.get(pupil=pupil, term=term, kind="talk").records == 3
    assert kept(school) == recounted(school)
