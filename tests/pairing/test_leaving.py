"""Teachers who leave, pupils who leave, and the year's end: no child silently loses a pair,
and nothing about a child is deleted."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing import selectors, services
from pairing.models import Pair
from registry import services as registry_services
from registry.models import ArchiveRevision, Pupil, SchoolClass
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil


def teacher_pair(actor, pupil, teacher) -> Pair:
    return services.pair_create(actor=actor, pupil=pupil, kind="teacher", teacher=teacher)


@pytest.fixture
def paired(admin_user, pair_teacher, pupil, other_pupil):
    """The pair teacher looks after both pupils."""
    return [teacher_pair(admin_user, child, pair_teacher) for child in (pupil, other_pupil)]


# --- a teacher who leaves --------------------------------------------------------------------


def test_a_leaving_teachers_children_are_reassigned_or_listed_as_unpaired(
    admin_user, school, pair_teacher, other_teacher, pupil, other_pupil, paired
):
    ended, made = services.teacher_leave(
        actor=admin_user,
        teacher=pair_teacher,
        reassignments={paired[0].pk: other_teacher, paired[1].pk: None},
        deactivate=True,
    )

    assert (ended, made) == (2, 1)
    for pair in paired:
        pair.refresh_from_db()
        assert (pair.ended_on, pair.end_reason) == (timezone.localdate(), "teacher_left")
    assert Pair.objects.get(pupil=pupil, ended_on=None).teacher == other_teacher
    assert list(selectors.unpaired_children(school)) == [other_pupil]
    pair_teacher.refresh_from_db()
    assert not pair_teacher.is_active
    assert Pair.objects.count() == 3  # the ended pairs are kept


def test_a_deactivated_teachers_children_show_on_the_board(
    admin_user, school, pair_teacher, paired
):
    # Through the registry's service, which keeps the children's teacher_paired the board reads.
    registry_services.staff_deactivate(actor=admin_user, user=pair_teacher)

    board = selectors.board(school, idle=[])

    assert {pair.pk for pair in board.orphaned_pairs} == {pair.pk for pair in paired}
    assert board.school.paired == 0


def test_the_leave_page_suggests_a_replacement_for_each_child(
    client, principal, pair_teacher, class_teacher, other_teacher, paired
):
    client.force_login(principal)

    response = client.get(reverse("pairing:teacher_leave", args=[pair_teacher.pk]))

    form = response.context["form"]
    # Each child's head teacher is suggested: 张老师 heads 三年级(1)班, 李老师 四年级(2)班.
    assert [form[f"pair_{pair.pk}"].value() for pair in paired] == [
        class_teacher.pk,
        other_teacher.pk,
    ]


def test_the_leave_page_offers_every_other_teacher_by_name_but_not_the_one_leaving(
    client, principal, pair_teacher, class_teacher, other_teacher, paired
):
    client.force_login(principal)

    response = client.get(reverse("pairing:teacher_leave", args=[pair_teacher.pk]))

    choices = dict(response.context["form"].fields[f"pair_{paired[0].pk}"].choices)
    assert pair_teacher.pk not in choices
    assert choices[class_teacher.pk].startswith(f"{class_teacher}（已结对")
    assert other_teacher.pk in choices


def test_the_principal_confirms_the_leave_on_the_page(
    client, principal, pair_teacher, class_teacher, paired
):
    client.force_login(principal)

    response = client.post(
        reverse("pairing:teacher_leave", args=[pair_teacher.pk]),
        {f"pair_{paired[0].pk}": class_teacher.pk, f"pair_{paired[1].pk}": ""},
    )

    assert response.status_code == 302
    assert Pair.objects.filter(teacher=class_teacher, ended_on=None).count() == 1
    assert not Pair.objects.filter(teacher=pair_teacher, ended_on=None).exists()
    pair_teacher.refresh_from_db()
    assert pair_teacher.is_active  # not asked to deactivate


def test_a_teacher_of_another_school_is_not_found(client, principal):
    stranger = UserFactory(school=SchoolFactory())
    client.force_login(principal)

    assert client.get(reverse("pairing:teacher_leave", args=[stranger.pk])).status_code == 404


def test_the_leave_page_costs_the_same_queries_for_many_children(
    client, admin_user, principal, school, pair_teacher, school_class
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("pairing:teacher_leave", args=[pair_teacher.pk]))
            assert response.status_code == 200
        return len(captured)

    client.force_login(principal)
    teacher_pair(admin_user, make_pupil(actor=admin_user, school_class=school_class), pair_teacher)
    one = queries()
    for name in ("王小甲", "王小乙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        teacher_pair(admin_user, child, pair_teacher)

    assert queries() == one


# --- a pupil who leaves ----------------------------------------------------------------------


def test_a_pupil_who_leaves_is_archived_with_history_and_loses_every_pair(
    admin_user, pupil, other_pupil, pair_teacher
):
    teacher_pair(admin_user, pupil, pair_teacher)
    as_buddy = services.pair_create(actor=admin_user, pupil=other_pupil, kind="buddy", buddy=pupil)

    ended = services.pupil_leave(actor=admin_user, pupil=pupil, status="left", note="转学")

    pupil.refresh_from_db()
    assert (ended, pupil.status) == (2, Pupil.Status.LEFT)
    assert not Pair.objects.filter(ended_on=None).filter(pk=as_buddy.pk).exists()
    revision = ArchiveRevision.objects.filter(pupil=pupil).latest("at")
    assert revision.summary == "办理离校：已离校（转学）"
    assert revision.changes[0] | {} == {
        "key": "pupil.status",
        "field": "在校状态",
        "old": "在校",
        "new": "已离校",
    }
    with pytest.raises(ValidationError):
        services.pupil_leave(actor=admin_user, pupil=pupil, status="left")


def test_a_pupil_who_left_cannot_leave_again_from_a_page_opened_before(
    admin_user, pupil, pair_teacher
):
    opened_before = Pupil.objects.get(pk=pupil.pk)
    services.pupil_leave(actor=admin_user, pupil=pupil, status="left", note="转学")

    with pytest.raises(ValidationError):
        services.pupil_leave(actor=admin_user, pupil=opened_before, status="graduated")

    assert Pupil.objects.get(pk=pupil.pk).status == Pupil.Status.LEFT
    summaries = ArchiveRevision.objects.filter(pupil=pupil).values_list("summary", flat=True)
    assert [s for s in summaries if s.startswith("办理离校")] == ["办理离校：已离校（转学）"]


def test_the_class_teacher_records_a_pupil_leaving_on_the_archive(client, class_teacher, pupil):
    client.force_login(class_teacher)
    archive = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    assert reverse("pairing:pupil_leave", args=[pupil.pk]) in archive

    client.post(reverse("pairing:pupil_leave", args=[pupil.pk]), {"status": "left", "note": ""})

    pupil.refresh_from_db()
    assert pupil.status == Pupil.Status.LEFT
    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    assert "该学生已离校，档案保留备查。" in page


# --- the year's end --------------------------------------------------------------------------


@pytest.fixture
def six_grades(admin_user, school, class_teacher, other_teacher):
    """A class in each of grades 5 and 6 besides the shared 三(1) and 四(2)."""
    fifth = SchoolClassFactory(school=school, grade=5, number=1, head_teacher=class_teacher)
    sixth = SchoolClassFactory(school=school, grade=6, number=1, head_teacher=other_teacher)
    return fifth, sixth


def test_the_year_end_promotes_classes_and_graduates_the_top_grade(
    admin_user, school, school_class, other_class, six_grades, pair_teacher, principal
):
    fifth, sixth = six_grades
    leaver = make_pupil(actor=admin_user, school_class=sixth, name="毕业生")
    staying = make_pupil(actor=admin_user, school_class=fifth, name="五年级生")
    teacher_pair(admin_user, leaver, pair_teacher)
    kept = teacher_pair(admin_user, staying, pair_teacher)
    pupils_before = Pupil.objects.count()

    counts = services.year_end_promote(
        actor=admin_user,
        top_grade=6,
        keep_pairs=True,
        head_teachers={fifth.pk: principal},
    )

    assert counts == {"promoted": 3, "graduated": 1, "pairs_ended": 1}
    grades = dict(SchoolClass.objects.values_list("pk", "grade"))
    assert (grades[school_class.pk], grades[other_class.pk], grades[fifth.pk]) == (4, 5, 6)
    sixth.refresh_from_db()
    fifth.refresh_from_db()
    assert not sixth.is_active and fifth.head_teacher == principal
    leaver.refresh_from_db()
    assert leaver.status == Pupil.Status.GRADUATED
    kept.refresh_from_db()
    assert kept.ended_on is None
    assert Pupil.objects.count() == pupils_before


def test_the_year_end_can_end_every_pair(admin_user, school, pupil, pair_teacher, six_grades):
    pair = teacher_pair(admin_user, pupil, pair_teacher)

    services.year_end_promote(actor=admin_user, top_grade=6, keep_pairs=False, head_teachers={})

    pair.refresh_from_db()
    assert pair.end_reason == "year_end"


def test_the_year_end_page_needs_the_confirmation(client, admin_user, school_class, other_class):
    client.force_login(admin_user)
    data = {"top_grade": 4, "keep_pairs": "1"}

    response = client.post(reverse("pairing:year_end"), data)

    assert response.context["form"].errors["confirm"] == ["请勾选确认后再执行。"]
    school_class.refresh_from_db()
    assert school_class.grade == 3

    client.post(reverse("pairing:year_end"), data | {"confirm": "on"})
    school_class.refresh_from_db()
    other_class.refresh_from_db()
    assert (school_class.grade, other_class.is_active) == (4, False)


def test_the_year_end_page_costs_the_same_queries_for_many_classes(
    client, admin_user, school, school_class
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("pairing:year_end")).status_code == 200
        return len(captured)

    client.force_login(admin_user)
    one = queries()
    for number in (2, 3, 4):
        SchoolClassFactory(
            school=school, grade=3, number=number, head_teacher=UserFactory(school=school)
        )

    assert queries() == one
