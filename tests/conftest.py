"""Shared fixtures: one school with two classes, a person in every role, pupils in each class."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation

from registry.models import Role, SchoolYear, Term
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil
from visits import services as visits_services


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Real hashing costs ~0.3 s a user; the permission matrix makes hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def interface_language():
    """Each test starts in the default language: a request in English leaves English active
    in the thread, which would change what a later test's services write."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def school(db):
    return SchoolFactory(name="青山镇中心小学")


@pytest.fixture
def admin_user(school):
    return UserFactory(school=school, username="admin", roles=[Role.ADMIN], is_staff=True)


@pytest.fixture
def principal(school):
    return UserFactory(school=school, username="principal", roles=[Role.PRINCIPAL])


@pytest.fixture
def counsellor(school):
    return UserFactory(school=school, username="counsellor", roles=[Role.COUNSELLOR])


@pytest.fixture
def class_teacher(school):
    return UserFactory(
        school=school, username="teacher", full_name="张老师", roles=[Role.CLASS_TEACHER]
    )


@pytest.fixture
def other_teacher(school):
    return UserFactory(
        school=school, username="teacher2", full_name="李老师", roles=[Role.CLASS_TEACHER]
    )


@pytest.fixture
def moral_lead(school):
    return UserFactory(school=school, username="moral", full_name="周主任", roles=[Role.MORAL_LEAD])


@pytest.fixture
def pair_teacher(school):
    return UserFactory(school=school, username="pairteacher", roles=[Role.PAIR_TEACHER])


@pytest.fixture
def school_class(school, class_teacher):
    return SchoolClassFactory(school=school, grade=3, number=1, head_teacher=class_teacher)


@pytest.fixture
def other_class(school, other_teacher):
    return SchoolClassFactory(school=school, grade=4, number=2, head_teacher=other_teacher)


@pytest.fixture
def pupil(admin_user, school_class):
    return make_pupil(actor=admin_user, school_class=school_class)


@pytest.fixture
def other_pupil(admin_user, other_class):
    return make_pupil(actor=admin_user, school_class=other_class, name="李小红", gender="F")


@pytest.fixture
def users_by_role(
    admin_user, principal, class_teacher, pair_teacher, counsellor, other_teacher, moral_lead
):
    """One person per role; 'class_teacher' heads the pupil's class, 'other_teacher' another."""
    return {
        "moral_lead": moral_lead,
        "admin": admin_user,
        "principal": principal,
        "class_teacher": class_teacher,
        "other_class_teacher": other_teacher,
        "pair_teacher": pair_teacher,
        "counsellor": counsellor,
    }


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded and generated files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def term(school):
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        school=school,
        name="2026—2027学年",
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=300),
    )
    return Term.objects.create(
        school_year=year,
        number=1,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=60),
    )


@pytest.fixture
def known_school(admin_user, class_teacher, school_class, other_class, pupil, other_pupil, term):
    """Five pupils in two classes: 王小明 (boy, both parents away) and 李芳 (girl, father away)
    in 三年级(1)班, 李小红 (girl, both away) in 四年级(2)班, and two who are not left-behind.
    This term: one home visit (王小明), one talk with 王小明 and 李芳, 500 元 for 李芳."""

    def add(name, gender, left_behind, school_class, day):
        return make_pupil(
            actor=admin_user, school_class=school_class, name=name, gender=gender,
            left_behind=left_behind, birth_date=datetime.date(2017, 1, day),
        )  # fmt: skip

    fang = add("李芳", "F", "father", school_class, 5)
    add("赵强", "M", "none", school_class, 6)
    add("钱多", "F", "none", other_class, 7)
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="home_visit", content="家访"
    )
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil, fang], kind="talk", content="谈心", guides_mind=True
    )
    visits_services.record_create(
        actor=admin_user, pupils=[fang], kind="assistance", content="生活补助", amount=500
    )
    return term
