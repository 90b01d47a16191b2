"""The kept ClassPairCount, the register's pairs a class: after every kind of pair write (begun
as teacher, buddy or volunteer, confirmed together, ended, handed over, a child leaving, the
year's end) and every move of a child between classes, the kept counts equal a recount, and
`recount_flags` rebuilds them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from pairing import services
from pairing.models import ClassPairCount, Pair
from registry import services as registry_services
from registry.models import Pupil

pytestmark = pytest.mark.django_db


def kept(school) -> dict:
    rows = ClassPairCount.objects.filter(school=school)
    return {
        row.school_class_id: (row.active, row.total)
        for row in rows
        if row.active or row.total  # a class whose pairs have all gone keeps an empty row
    }


def recounted(school) -> dict:
    counts: dict = {}
    for pair in Pair.objects.filter(school=school, pupil__pending_import=None).select_related(
        "pupil"
    ):
        active, total = counts.get(pair.pupil.school_class_id, (0, 0))
        counts[pair.pupil.school_class_id] = (active + (pair.ended_on is None), total + 1)
    return counts


@pytest.fixture
def pairs(admin_user, pair_teacher, pupil, other_pupil):
    return [
        services.pair_create(actor=admin_user, pupil=child, kind="teacher", teacher=pair_teacher)
        for child in (pupil, other_pupil)
    ]


def test_pairs_begun_of_every_kind_are_counted_by_class(
    admin_user, school, school_class, other_class, pupil, other_pupil, pairs
):
    volunteer = services.volunteer_create(
        actor=admin_user, name="刘阿姨", kind="caring_mother", phone="13512345678"
    )
    services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=other_pupil)
    services.pair_create(actor=admin_user, pupil=pupil, kind="volunteer", volunteer=volunteer)

    assert kept(school) == recounted(school) == {school_class.pk: (3, 3), other_class.pk: (1, 1)}


def test_suggestions_confirmed_together_are_counted(
    admin_user, school, school_class, pair_teacher, pupil, other_pupil
):
    services.pairs_create(actor=admin_user, proposals=[(pupil, pair_teacher)])

    assert kept(school) == recounted(school) == {school_class.pk: (1, 1)}


def test_an_ended_pair_leaves_the_active_count_not_the_total(
    admin_user, school, school_class, pairs
):
    services.pair_end(actor=admin_user, pair=pairs[0], reason="reassigned")

    assert kept(school) == recounted(school)
    assert kept(school)[school_class.pk] == (0, 1)


def test_a_teacher_leaving_hands_over_the_pairs_counted_once_each(
    admin_user, school, pair_teacher, other_teacher, pairs
):
    services.teacher_leave(
        actor=admin_user,
        teacher=pair_teacher,
        reassignments={pairs[0].pk: other_teacher},
        deactivate=True,
    )

    assert kept(school) == recounted(school)
    assert sum(active for active, _total in kept(school).values()) == 1


def test_a_child_leaving_and_the_years_end_are_counted(admin_user, school, pupil, pairs):
    services.pupil_leave(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    assert kept(school) == recounted(school)

    services.year_end_promote(actor=admin_user, top_grade=6, keep_pairs=False, head_teachers={})

    assert kept(school) == recounted(school)
    assert sum(active for active, _total in kept(school).values()) == 0


def test_a_child_moved_to_another_class_takes_their_pairs_along(
    admin_user, school, school_class, other_class, pupil, pairs
):
    registry_services.archive_update(
        actor=admin_user, pupil=pupil, data={"pupil": {"school_class": other_class}}
    )

    assert kept(school) == recounted(school) == {other_class.pk: (2, 2)}


def test_recount_flags_rebuilds_the_counts_written_past_the_services(
    admin_user, school, school_class, other_class, pairs
):
    ClassPairCount.objects.all().delete()
    ClassPairCount.objects.create(school=school, school_class=school_class, active=9, total=9)

    call_command("recount_flags", school=school.pk, stdout=io.StringIO())

    assert kept(school) == recounted(school) == {school_class.pk: (1, 1), other_class.pk: (1, 1)}


def test_the_registers_classes_show_the_kept_counts_with_and_without_ended_pairs(
    client, admin_user, class_teacher, school_class, other_class, pairs
):
    services.pair_end(actor=admin_user, pair=pairs[0], reason="reassigned")

    def classes(user, **query) -> dict[str, int]:
        client.force_login(user)
        register = client.get(reverse("pairing:register"), query).context["register"]
        return {part.key: part.pairs for grade in register.grades for part in grade.classes}

    mine, other = f"class={school_class.pk}", f"class={other_class.pk}"
    assert classes(admin_user) == {other: 1}
    assert classes(admin_user, ended="1") == {mine: 1, other: 1}
    # A class teacher's register counts their own class's pairs, as the kept rows do.
    assert classes(class_teacher, ended="1") == {mine: 1}


def test_the_demos_pairs_written_in_bulk_are_counted():
    from registry.models import School

    call_command("seed_demo", seed=5, pupils=120, stdout=io.StringIO(), stderr=io.StringIO())

    [school] = School.objects.all()
    assert kept(school) == recounted(school) != {}


def _pair_count_queries(queries) -> int:
    return sum("pairing_classpaircount" in query["sql"] for query in queries)


def test_a_teacher_pair_begun_and_ended_recounts_its_class_once_each(
    admin_user, school, school_class, pair_teacher, pupil, django_assert_num_queries
):
    """The child's kept teacher_paired recounts its class (ClassTally), whose listener recounts
    the class's pairs: not a second time directly (three queries of ClassPairCount each)."""
    with django_assert_num_queries(39) as begun:
        pair = services.pair_create(
            actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
        )
    with django_assert_num_queries(33) as ended:
        services.pair_end(actor=admin_user, pair=pair, reason="other")

    assert (_pair_count_queries(begun), _pair_count_queries(ended)) == (3, 3)
    assert kept(school) == recounted(school) == {school_class.pk: (0, 1)}
