"""The demo school: realistic, valid, reproducible, and never written over a real school."""

import io
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from caresys.lib.identity import id_birth_date, id_gender, validate_id_number, validate_phone
from demo.school import DEMO_PASSWORD
from registry.models import (
    CATEGORY_FIELDS,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    Role,
    School,
    SchoolClass,
    User,
)
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def pupil_names() -> list[str]:
    return list(Pupil.objects.order_by("pk").values_list("name", flat=True))


@pytest.fixture
def demo():
    return seed(pupils=300, seed=5)


def test_about_one_pupil_in_five_is_left_behind(demo):
    total = Pupil.objects.count()
    away = Pupil.objects.exclude(left_behind="none").count()
    assert total == 300
    assert 0.10 <= away / total <= 0.26


def test_the_command_reports_what_it_made_and_the_demo_accounts(demo):
    away = Pupil.objects.exclude(left_behind="none").count()
    assert f"300 名学生，其中留守儿童 {away} 名" in demo
    assert DEMO_PASSWORD in demo
    assert "principal" in demo


def test_every_id_number_is_valid_and_agrees_with_birth_date_and_gender(demo):
    for pupil in Pupil.objects.all():
        validate_id_number(pupil.id_number)
        assert id_birth_date(pupil.id_number) == pupil.birth_date, pupil.name
        assert id_gender(pupil.id_number) == pupil.gender, pupil.name


def test_every_phone_in_the_demo_is_valid(demo):
    phones = [
        *Parent.objects.values_list("phone", flat=True),
        *Parent.objects.values_list("work_unit_phone", flat=True),
        *Guardian.objects.values_list("phone", flat=True),
        *User.objects.values_list("phone", flat=True),
        *School.objects.values_list("phone", flat=True),
    ]
    filled = [phone for phone in phones if phone]
    assert len(filled) > 600
    for phone in filled:
        validate_phone(phone)


def test_every_demo_archive_passes_the_same_validation_as_one_typed_in(demo):
    """The demo is written in bulk, past full_clean(); it must still be data a user could enter."""
    failures = {}
    # Foreign keys are left out: the database has checked them, and they cost a query a row.
    checks = {
        Pupil: ["school", "school_class"],
        Parent: ["pupil"],
        Guardian: ["pupil"],
        LeftBehindPeriod: ["pupil", "recorded_by"],
    }
    for model, foreign_keys in checks.items():
        for row in model.objects.all():
            try:
                row.full_clean(exclude=foreign_keys)
            except ValidationError as exc:
                failures[f"{model.__name__} {row.pk}"] = exc.message_dict
    assert failures == {}


def test_every_pupils_open_left_behind_period_has_the_current_status(demo):
    open_periods = dict(
        LeftBehindPeriod.objects.filter(ended_on=None).values_list("pupil_id", "status")
    )
    current = dict(Pupil.objects.values_list("pk", "left_behind"))
    assert open_periods == current


def test_the_demo_school_has_six_grades_and_every_class_has_a_head_teacher(demo):
    assert set(SchoolClass.objects.values_list("grade", flat=True)) == {1, 2, 3, 4, 5, 6}
    assert not SchoolClass.objects.filter(head_teacher=None).exists()
    assert not Pupil.objects.filter(school_class=None).exists()


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("admin", Role.ADMIN),
        ("principal", Role.PRINCIPAL),
        ("teacher", Role.CLASS_TEACHER),
        ("counsellor", Role.COUNSELLOR),
    ],
)
def test_each_demo_account_has_its_role_and_the_demo_password(demo, username, role):
    user = User.objects.get(username=username)
    assert user.has_role(role)
    assert user.check_password(DEMO_PASSWORD)
    assert user.school.is_demo


def test_the_demo_teacher_heads_grade_three_class_one(demo):
    school_class = SchoolClass.objects.get(head_teacher__username="teacher")
    assert (school_class.grade, school_class.number) == (3, 1)
    assert school_class.pupils.exists()


def test_a_large_demo_has_children_in_every_category():
    seed(pupils=1000, seed=5)
    for field in CATEGORY_FIELDS:
        assert Pupil.objects.filter(**{field: True}).exists(), field


def test_grandparents_are_the_most_common_guardians_of_children_whose_parents_both_left(demo):
    kinds = Counter(Pupil.objects.filter(left_behind="both").values_list("guardianship_type"))
    assert kinds.most_common(1)[0][0] == (Pupil.Guardianship.GRANDPARENTS,)


def test_the_same_seed_gives_the_same_school():
    seed(pupils=60, seed=7)
    first = pupil_names()
    seed(pupils=60, seed=7, replace=True)
    assert pupil_names() == first
    assert School.objects.count() == 1


def test_another_seed_gives_another_school():
    seed(pupils=60, seed=7)
    first = pupil_names()
    seed(pupils=60, seed=8, replace=True)
    assert pupil_names() != first


def test_the_demo_is_refused_when_a_real_school_is_in_the_database():
    SchoolFactory(name="石门乡小学")
    with pytest.raises(CommandError, match="非演示数据"):
        seed(pupils=60, seed=5)
    with pytest.raises(CommandError):
        seed(pupils=60, seed=5, replace=True)
    assert list(School.objects.values_list("name", flat=True)) == ["石门乡小学"]
    assert not Pupil.objects.exists()


def test_an_earlier_demo_is_replaced_only_when_asked(demo):
    with pytest.raises(CommandError, match="--replace"):
        seed(pupils=60, seed=5)
    assert Pupil.objects.count() == 300
    seed(pupils=60, seed=5, replace=True)
    assert Pupil.objects.count() == 60


def test_if_empty_leaves_a_database_with_a_school_alone():
    SchoolFactory(name="石门乡小学")
    output = seed(pupils=60, seed=5, if_empty=True)
    assert "已有学校数据" in output
    assert School.objects.count() == 1
    assert not Pupil.objects.exists()


def test_if_empty_seeds_an_empty_database():
    seed(pupils=60, seed=5, if_empty=True)
    assert Pupil.objects.count() == 60


def test_no_demo_date_lies_in_the_future(demo):
    from django.utils import timezone

    today = timezone.localdate()
    assert not Parent.objects.filter(away_since__gt=today).exists()
    assert not Guardian.objects.filter(letter_signed_on__gt=today).exists()


def test_even_a_small_demo_school_has_children_in_every_category(demo):
    from registry.models import CATEGORY_FIELDS

    for field in CATEGORY_FIELDS:
        assert Pupil.objects.filter(**{field: True}).count() >= 2, field


@pytest.mark.django_db
def test_the_smallest_demo_school_the_command_allows_can_be_seeded():
    """Six pupils, one a grade, may all be priority children or orphans: none left to wait."""
    for seed in range(5):
        call_command("seed_demo", pupils=6, seed=seed, replace=True, stdout=io.StringIO())
        assert Pupil.objects.count() == 6


def test_the_demo_is_a_term_in_the_middle_most_teachers_on_track_a_few_behind():
    from django.utils import timezone

    from registry.models import Term
    from reports.selectors import teacher_table
    from visits.selectors import work_of

    seed(pupils=1000, seed=2026)
    school = School.objects.get()
    today = timezone.localdate()
    rows = teacher_table(
        school=school, period=Term.objects.current(school.pk, today).period, today=today
    )
    on_track = sum(row.visits_met for row in rows) / len(rows)
    assert 0.6 <= on_track <= 0.95
    # The demo class teacher's overdue items are open 五必访 only: a month gone by is history.
    work = work_of(user=User.objects.get(username="teacher"))
    assert all(item.label.startswith("五必访") for item in work.overdue)
