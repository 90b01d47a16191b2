"""The kept Pupil.teacher_paired: after every write that begins or ends a teacher pair, or
closes or reopens a pair teacher's account, the flag the county's dashboard counts is what
has_teacher_pair says, counted afresh; the demo and `recount_flags` set both flags."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from county.selectors import county_board
from pairing import services
from pairing.models import Pair
from registry import services as registry_services
from registry.models import Pupil, Role
from tests.factories import UserFactory
from tests.registry.test_kept_flags import flags, fresh_flags

pytestmark = pytest.mark.django_db


def paired(pupil: Pupil) -> bool:
    return flags(pupil)[1]


def teacher_pair(actor, pupil, teacher) -> Pair:
    return services.pair_create(actor=actor, pupil=pupil, kind="teacher", teacher=teacher)


@pytest.fixture
def pairs(admin_user, pair_teacher, pupil, other_pupil):
    """The pair teacher looks after both pupils."""
    return [teacher_pair(admin_user, child, pair_teacher) for child in (pupil, other_pupil)]


def test_a_child_paired_with_a_teacher_is_kept_paired(admin_user, pair_teacher, pupil):
    assert not paired(pupil)

    teacher_pair(admin_user, pupil, pair_teacher)

    assert paired(pupil)


def test_saving_a_pupil_loaded_before_its_pair_does_not_undo_the_flag(
    admin_user, pair_teacher, pupil
):
    loaded = Pupil.objects.get(pk=pupil.pk)
    teacher_pair(admin_user, pupil, pair_teacher)

    loaded.address = "青山镇新村3组"
    loaded.save()

    assert paired(pupil)
    assert Pupil.objects.get(pk=pupil.pk).address == "青山镇新村3组"


def test_a_buddy_is_not_a_teacher_pair(admin_user, pupil, other_pupil):
    services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=other_pupil)

    assert not paired(pupil)


def test_suggested_pairs_confirmed_together_are_kept(admin_user, pair_teacher, pupil, other_pupil):
    services.pairs_create(
        actor=admin_user, proposals=[(pupil, pair_teacher), (other_pupil, pair_teacher)]
    )

    assert paired(pupil) and paired(other_pupil)


def test_an_ended_pair_no_longer_counts(admin_user, pupil, pairs):
    services.pair_end(actor=admin_user, pair=pairs[0], reason=Pair.EndReason.OTHER)

    assert not paired(pupil)


def test_a_leaving_teachers_children_keep_a_flag_by_their_new_pair(
    admin_user, pair_teacher, other_teacher, pupil, other_pupil, pairs
):
    services.teacher_leave(
        actor=admin_user,
        teacher=pair_teacher,
        reassignments={pairs[0].pk: other_teacher, pairs[1].pk: None},
        deactivate=True,
    )

    assert (paired(pupil), paired(other_pupil)) == (True, False)


def test_a_teacher_account_closed_and_reopened_takes_and_gives_back_the_children(
    client, admin_user, pair_teacher, pupil, other_pupil, pairs
):
    """Closed by the registry's service, reopened on the settings page (the admin)."""
    registry_services.staff_deactivate(actor=admin_user, user=pair_teacher)
    assert (paired(pupil), paired(other_pupil)) == (False, False)

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:registry_user_change", args=[pair_teacher.pk]),
        {
            "username": pair_teacher.username,
            "full_name": pair_teacher.full_name,
            "phone": pair_teacher.phone,
            "roles": list(pair_teacher.roles),
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert (paired(pupil), paired(other_pupil)) == (True, True)


def test_a_teacher_account_closed_on_the_settings_page_counts_no_more(
    client, admin_user, pair_teacher, pupil, pairs
):
    client.force_login(admin_user)
    data = {
        "username": pair_teacher.username,
        "full_name": pair_teacher.full_name,
        "phone": pair_teacher.phone,
        "roles": list(pair_teacher.roles),
        "is_active": "",
    }
    response = client.post(reverse("admin:registry_user_change", args=[pair_teacher.pk]), data)

    assert response.status_code == 302
    assert not paired(pupil)


def test_a_pupil_who_leaves_is_no_longer_paired(admin_user, pupil, pairs):
    services.pupil_leave(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)

    assert not paired(pupil)


def test_pairs_ended_with_the_year_are_no_longer_counted(admin_user, pupil, other_pupil, pairs):
    services.year_end_promote(actor=admin_user, top_grade=6, keep_pairs=False, head_teachers={})

    assert (paired(pupil), paired(other_pupil)) == (False, False)


def test_the_county_board_counts_a_closed_accounts_children_as_unpaired(
    admin_user, pair_teacher, school, pairs
):
    bureau = UserFactory(school=None, roles=[Role.BUREAU])
    [row] = county_board(user=bureau).rows
    assert (row.figures.left_behind, row.figures.paired) == (2, 2)

    registry_services.staff_deactivate(actor=admin_user, user=pair_teacher)

    [row] = county_board(user=bureau).rows
    assert row.figures.paired == 0


def test_the_county_board_of_a_past_day_counts_the_pairs_running_then(
    admin_user, pair_teacher, school, pupil
):
    """The flag is now's: a past day is counted from the pairs, as the school's summary does."""
    today = timezone.localdate()
    Pupil.objects.filter(pk=pupil.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    pair = services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher,
        started_on=today - datetime.timedelta(days=20),
    )  # fmt: skip
    services.pair_end(actor=admin_user, pair=pair, reason=Pair.EndReason.OTHER)
    bureau = UserFactory(school=None, roles=[Role.BUREAU])

    [now] = county_board(user=bureau).rows
    [before] = county_board(user=bureau, today=today - datetime.timedelta(days=1)).rows

    assert (now.figures.paired, before.figures.paired) == (0, 1)


# --- writes past the services: the demo, and the command that recounts -------------------------


@pytest.mark.parametrize("size", [{"pupils": 120}, {"schools": 2, "pupils": 120}])
def test_the_demo_keeps_both_flags_of_every_pupil(size):
    call_command("seed_demo", seed=5, stdout=io.StringIO(), stderr=io.StringIO(), **size)

    pupils = list(Pupil.objects.order_by("pk"))
    kept = list(Pupil.objects.order_by("pk").values_list("archive_complete", "teacher_paired"))
    assert kept == [fresh_flags(pupil) for pupil in pupils]
    assert any(complete for complete, _paired in kept)
    assert {True, False} <= {is_paired for _complete, is_paired in kept}


def test_recount_flags_rebuilds_what_was_written_past_the_services(
    admin_user, school, pupil, other_pupil, pairs
):
    registry_services.archive_update(
        actor=admin_user, pupil=other_pupil, data={"pupil": {"address": ""}}
    )
    Pupil.objects.update(archive_complete=False, teacher_paired=False)
    out = io.StringIO()

    call_command("recount_flags", school=school.pk, stdout=out)

    assert "2 名学生" in out.getvalue()
    assert (flags(pupil), flags(other_pupil)) == ((True, True), (False, True))


def test_recount_flags_refuses_an_unknown_school():
    with pytest.raises(CommandError):
        call_command("recount_flags", school=999999)
