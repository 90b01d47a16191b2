"""What a complete archive holds, and 建档率: the share of left-behind children with one."""

import pytest
from django.urls import reverse

from registry import services
from registry.models import Pupil
from registry.selectors import archive_rate, missing_items, with_missing_count
from tests.factories import make_pupil


def blank(actor, pupil: Pupil, **parts: dict) -> None:
    """Empty some fields of an archive through the service, as a registrar clearing them would."""
    services.archive_update(actor=actor, pupil=pupil, data=parts)


def test_a_complete_archive_lacks_nothing(pupil):
    assert missing_items(pupil) == []


def test_an_archive_without_the_guardians_phone_lacks_exactly_that(admin_user, school_class):
    pupil = make_pupil(actor=admin_user, school_class=school_class, guardian_phone="")
    assert missing_items(pupil) == ["监护人电话"]


@pytest.mark.parametrize("left_behind", ["both", "father"])
def test_the_fathers_phone_is_required_when_the_father_is_away(
    admin_user, school_class, left_behind
):
    pupil = make_pupil(actor=admin_user, school_class=school_class, left_behind=left_behind)
    blank(admin_user, pupil, father={"phone": ""})
    assert missing_items(pupil) == ["父亲电话"]


@pytest.mark.parametrize("left_behind", ["mother", "none"])
def test_the_fathers_phone_is_not_required_when_the_father_is_at_home(
    admin_user, school_class, left_behind
):
    pupil = make_pupil(actor=admin_user, school_class=school_class, left_behind=left_behind)
    blank(admin_user, pupil, father={"phone": ""})
    assert missing_items(pupil) == []


def test_the_mothers_phone_is_required_when_only_the_mother_is_away(admin_user, school_class):
    pupil = make_pupil(actor=admin_user, school_class=school_class, left_behind="mother")
    blank(admin_user, pupil, mother={"phone": ""})
    assert missing_items(pupil) == ["母亲电话"]


def test_an_orphan_is_not_asked_for_the_parents_phones_or_workplaces(admin_user, school_class):
    pupil = make_pupil(actor=admin_user, school_class=school_class, is_orphan=True)
    gone = {"phone": "", "work_place": ""}
    blank(admin_user, pupil, father=gone, mother=gone)
    assert missing_items(pupil) == []


def test_an_archive_lacking_several_items_lists_them_all(admin_user, school_class):
    pupil = make_pupil(
        actor=admin_user,
        school_class=school_class,
        guardian_phone="",
        address="",
        guardianship_type="",
    )
    blank(admin_user, pupil, mother={"name": ""})
    assert missing_items(pupil) == ["家庭住址", "监护类型", "母亲姓名", "监护人电话"]


def test_the_archive_rate_counts_complete_archives_of_left_behind_children(
    admin_user, school_class
):
    for left_behind in ("both", "father"):
        make_pupil(actor=admin_user, school_class=school_class, left_behind=left_behind)
    make_pupil(actor=admin_user, school_class=school_class, guardian_phone="")
    assert archive_rate(user=admin_user) == {"total": 3, "complete": 2, "rate": 66.7}


def test_pupils_who_are_not_left_behind_do_not_count_in_the_archive_rate(admin_user, school_class):
    make_pupil(actor=admin_user, school_class=school_class)
    make_pupil(actor=admin_user, school_class=school_class, left_behind="none", guardian_phone="")
    assert archive_rate(user=admin_user) == {"total": 1, "complete": 1, "rate": 100.0}


def test_pupils_who_left_the_school_do_not_count_in_the_archive_rate(admin_user, school_class):
    make_pupil(actor=admin_user, school_class=school_class)
    gone = make_pupil(actor=admin_user, school_class=school_class, guardian_phone="")
    Pupil.objects.filter(pk=gone.pk).update(status=Pupil.Status.LEFT)
    assert archive_rate(user=admin_user) == {"total": 1, "complete": 1, "rate": 100.0}


def test_the_archive_rate_of_a_class_teacher_counts_only_their_class(
    admin_user, class_teacher, pupil, other_class
):
    make_pupil(actor=admin_user, school_class=other_class, guardian_phone="")
    assert archive_rate(user=class_teacher) == {"total": 1, "complete": 1, "rate": 100.0}
    assert archive_rate(user=admin_user) == {"total": 2, "complete": 1, "rate": 50.0}


def test_the_archive_rate_of_a_school_without_left_behind_children_is_unknown(admin_user):
    assert archive_rate(user=admin_user) == {"total": 0, "complete": 0, "rate": None}


def test_the_missing_count_annotation_agrees_with_the_missing_items(admin_user, school_class):
    pupils = [
        make_pupil(actor=admin_user, school_class=school_class),
        make_pupil(actor=admin_user, school_class=school_class, guardian_phone=""),
        make_pupil(
            actor=admin_user, school_class=school_class, guardian_phone="", address="", village=""
        ),
        make_pupil(actor=admin_user, school_class=school_class, left_behind="none"),
    ]
    blank(admin_user, pupils[2], father={"phone": "", "work_place": ""})
    counted = {
        pupil.pk: pupil.missing_count
        for pupil in with_missing_count(Pupil.objects.filter(pk__in=[p.pk for p in pupils]))
    }
    assert counted == {pupil.pk: len(missing_items(pupil)) for pupil in pupils}
    assert [counted[pupil.pk] for pupil in pupils] == [0, 1, 4, 0]


def test_a_child_recorded_as_having_no_guardian_is_not_asked_for_a_guardians_details(
    admin_user, school_class
):
    pupil = make_pupil(actor=admin_user, school_class=school_class)
    services.archive_update(
        actor=admin_user,
        pupil=pupil,
        data={
            "pupil": {"guardianship_type": Pupil.Guardianship.NONE},
            "guardian": {"name": "", "relation": "", "phone": "", "address": ""},
        },
    )

    assert missing_items(pupil) == []


def test_a_guardian_without_a_phone_is_still_missing_when_someone_looks_after_the_child(
    admin_user, school_class
):
    pupil = make_pupil(actor=admin_user, school_class=school_class, guardian_phone="")

    assert missing_items(pupil) == ["监护人电话"]


def test_the_archive_page_lists_what_an_archive_lacks_once_a_write_emptied_it(
    client, admin_user, pupil
):
    """The page skips the items' query for an archive its kept flag calls complete, so the
    flag must follow the write that empties an item."""
    client.force_login(admin_user)
    url = reverse("registry:pupil_detail", args=[pupil.pk])
    assert Pupil.objects.get(pk=pupil.pk).archive_complete
    assert "档案不完整" not in client.get(url).content.decode()

    blank(admin_user, pupil, guardian={"phone": ""})

    assert "档案不完整</strong>：缺少监护人电话" in client.get(url).content.decode()
