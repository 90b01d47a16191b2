"""The kept Pair.last_active_on: after every write of a care record, a check or a pair it is
what the pair's checks and its teacher's live records say, counted afresh (with_last_activity),
and `recount_tallies` rebuilds it after writes past the services."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from pairing import services
from pairing.models import Pair
from tests.factories import make_pupil
from visits import selectors
from visits import services as visits_services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


def kept_and_recounted(pair: Pair) -> tuple[datetime.date | None, datetime.date | None]:
    kept = Pair.objects.get(pk=pair.pk).last_active_on
    return kept, selectors.with_last_activity(
        Pair.objects.filter(pk=pair.pk)
    ).get().last_activity_on


def assert_kept(pair: Pair, expected: datetime.date | None) -> None:
    assert kept_and_recounted(pair) == (expected, expected)


def record(teacher, pupils, days: int, kind: str = "talk"):
    return visits_services.record_create(
        actor=teacher, pupils=pupils, kind=kind, content="谈心", occurred_on=days_ago(days)
    )


@pytest.fixture
def pair_teacher(class_teacher):
    """The class teacher, who records about any child of the class, paired or not."""
    return class_teacher


@pytest.fixture
def other_pupil(admin_user, school_class):
    """Another child of the class."""
    return make_pupil(actor=admin_user, school_class=school_class, name="刘小军")


@pytest.fixture
def pair(admin_user, pupil, pair_teacher) -> Pair:
    return services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher, started_on=days_ago(60)
    )


def test_a_new_pair_has_no_activity(pair):
    assert_kept(pair, None)


def test_a_pair_made_after_its_teachers_records_about_the_child_counts_them(
    admin_user, pupil, pair_teacher
):
    record(pair_teacher, [pupil], 50)

    pair = services.pair_create(actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher)

    assert_kept(pair, days_ago(50))


def test_the_teachers_record_about_the_child_is_its_activity(
    pair, pupil, other_pupil, pair_teacher
):
    record(pair_teacher, [pupil, other_pupil], 20)
    assert_kept(pair, days_ago(20))

    record(pair_teacher, [pupil], 40)  # an older one changes nothing
    assert_kept(pair, days_ago(20))


def test_someone_elses_record_or_another_childs_is_not(
    pair, admin_user, pupil, other_pupil, pair_teacher
):
    record(admin_user, [pupil], 5)
    record(pair_teacher, [other_pupil], 5)

    assert_kept(pair, None)


def test_a_corrected_date_moves_it_both_ways(pair, pupil, pair_teacher):
    talk = record(pair_teacher, [pupil], 10)

    visits_services.record_correct(
        actor=pair_teacher, record=talk, changes={"occurred_on": days_ago(35)}
    )
    assert_kept(pair, days_ago(35))

    visits_services.record_correct(
        actor=pair_teacher, record=talk, changes={"occurred_on": days_ago(3)}
    )
    assert_kept(pair, days_ago(3))


def test_a_voided_record_no_longer_counts(pair, pupil, pair_teacher):
    record(pair_teacher, [pupil], 30)
    latest = record(pair_teacher, [pupil], 2)

    visits_services.record_void(actor=pair_teacher, record=latest, reason="记错")

    assert_kept(pair, days_ago(30))


def test_a_check_is_activity_and_an_older_one_changes_nothing(pair, principal, pupil, pair_teacher):
    record(pair_teacher, [pupil], 20)

    services.pair_check_create(actor=principal, pair=pair, checked_on=days_ago(8), progress="好")
    assert_kept(pair, days_ago(8))

    services.pair_check_create(actor=principal, pair=pair, checked_on=days_ago(40), progress="好")
    assert_kept(pair, days_ago(8))


def test_a_voided_record_gives_way_to_a_check(pair, principal, pupil, pair_teacher):
    services.pair_check_create(actor=principal, pair=pair, checked_on=days_ago(25), progress="好")
    latest = record(pair_teacher, [pupil], 1)

    visits_services.record_void(actor=pair_teacher, record=latest, reason="记错")

    assert_kept(pair, days_ago(25))


def test_recount_tallies_rebuilds_it_after_writes_past_the_services(pair, pupil, pair_teacher):
    record(pair_teacher, [pupil], 12)
    Pair.objects.update(last_active_on=None)

    call_command("recount_tallies", verbosity=0)

    assert_kept(pair, days_ago(12))


def test_the_boards_idle_pairs_follow_it(pair, school, pupil, pair_teacher):
    from pairing.models import PairingSettings

    settings = PairingSettings.for_school(school)
    assert list(selectors.idle_pairs(Pair.objects.all(), settings)) == [pair]

    talk = record(pair_teacher, [pupil], 1)
    assert list(selectors.idle_pairs(Pair.objects.all(), settings)) == []

    visits_services.record_void(actor=pair_teacher, record=talk, reason="记错")
    assert list(selectors.idle_pairs(Pair.objects.all(), settings)) == [pair]
