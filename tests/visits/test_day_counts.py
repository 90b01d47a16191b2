"""The kept per-school, per-day counts of live records (RecordDayCount) equal a fresh count
from the records after every kind of write, void and correction (issue 19)."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from demo.school import seed_demo
from registry.models import School
from rooms import services as rooms_services
from rooms.models import Room
from visits import services
from visits.models import CareRecord, RecordDayCount
from visits.tallies import day_count_rows

TODAY = timezone.localdate
FIGURES = ("day", "kind", "records", *CareRecord.GUIDE_FIELDS)


def kept(school: School) -> list[tuple]:
    """The day counts as the table keeps them."""
    return sorted(RecordDayCount.objects.filter(school=school).values_list(*FIGURES))


def recounted(school: School) -> list[tuple]:
    """The day counts counted afresh from the live records (the table untouched)."""
    return sorted(
        tuple(getattr(row, name) for name in FIGURES) for row in day_count_rows(school.pk)
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


def test_records_of_several_kinds_days_and_guides_are_counted_as_they_are_written(
    admin_user, school, pupil, other_pupil
):
    record(admin_user, [pupil, other_pupil], guides_mind=True)
    record(admin_user, [pupil], guides_mind=True, guides_study=True)
    record(admin_user, [pupil], day=TODAY() - datetime.timedelta(days=2))
    record(admin_user, [pupil], kind="home_visit", guides_life=True)

    assert kept(school) == recounted(school)
    talks = RecordDayCount.objects.get(day=TODAY(), kind="talk")
    assert (talks.records, talks.guides_mind, talks.guides_study, talks.guides_life) == (2, 2, 1, 0)


def test_a_date_corrected_moves_the_record_to_its_new_day(admin_user, school, pupil):
    mistaken = record(admin_user, [pupil], guides_behaviour=True)
    record(admin_user, [pupil])

    services.record_correct(
        actor=admin_user,
        record=mistaken,
        changes={"occurred_on": TODAY() - datetime.timedelta(days=3)},
    )

    assert kept(school) == recounted(school)
    assert len(kept(school)) == 2


def test_a_correction_of_the_guides_changes_their_counts(admin_user, school, pupil):
    corrected = record(admin_user, [pupil], guides_mind=True)

    services.record_correct(
        actor=admin_user, record=corrected, changes={"guides_mind": False, "guides_life": True}
    )

    assert kept(school) == recounted(school)
    row = RecordDayCount.objects.get()
    assert (row.records, row.guides_mind, row.guides_life) == (1, 0, 1)


def test_a_correction_of_other_fields_leaves_the_counts_as_counted(admin_user, school, pupil):
    corrected = record(admin_user, [pupil], guides_mind=True)

    services.record_correct(actor=admin_user, record=corrected, changes={"place": "家中"})

    assert kept(school) == recounted(school)


def test_a_voided_record_is_taken_away_and_a_day_with_none_left_has_no_row(
    admin_user, school, pupil
):
    first = record(admin_user, [pupil], guides_mind=True)
    second = record(admin_user, [pupil], kind="home_visit")
    record(admin_user, [pupil])

    services.record_void(actor=admin_user, record=first, reason="记错了")
    services.record_void(actor=admin_user, record=second, reason="记错了")

    assert kept(school) == recounted(school)
    assert list(RecordDayCount.objects.values_list("kind", "records", "guides_mind")) == [
        ("talk", 1, 0)
    ]


def test_a_call_in_the_chat_room_is_counted_and_taken_away_when_voided(
    admin_user, class_teacher, school, pupil
):
    room = rooms_services.room_save(
        actor=admin_user, name="亲情聊天室", kind=Room.Kind.CHAT, place="二楼"
    )
    slot = rooms_services.slot_create(
        actor=admin_user, room=room, weekday=TODAY().weekday(), starts_at=datetime.time(15, 30),
        ends_at=datetime.time(16, 30), on_duty=[class_teacher],
    )  # fmt: skip
    opening = rooms_services.opening_record(actor=class_teacher, slot=slot, day=TODAY())
    use = rooms_services.use_record(
        actor=class_teacher, opening=opening, pupil=pupil, mode="call", with_whom="mother",
        minutes=8,
    )  # fmt: skip

    assert kept(school) == recounted(school)
    assert list(RecordDayCount.objects.values_list("kind", "records")) == [("family_call", 1)]

    rooms_services.use_void(actor=class_teacher, use=use, reason="记错了孩子")

    assert kept(school) == recounted(school) == []


def test_scrubbing_a_leavers_records_keeps_what_is_counted(admin_user, school, pupil):
    record(admin_user, [pupil], kind="home_visit")

    services.pupils_scrub_records([pupil.pk])

    assert kept(school) == recounted(school)
    assert RecordDayCount.objects.get().records == 1


def test_the_seeded_demo_school_is_counted(db):
    result = seed_demo(pupils=120, seed=5)

    counts = kept(result.school)
    assert counts
    assert counts == recounted(result.school)


def test_recount_tallies_rebuilds_the_day_counts_from_the_records(
    admin_user, school, pupil, other_pupil, term
):
    record(admin_user, [pupil, other_pupil], guides_mind=True)
    record(admin_user, [pupil], kind="home_visit")
    RecordDayCount.objects.all().delete()

    call_command("recount_tallies")

    assert kept(school) == recounted(school)
    assert len(kept(school)) == 2
