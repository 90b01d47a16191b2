"""Shared fixtures: one school with two classes, a person in every role, pupils in each class."""

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from registry.models import Role
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil


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
def users_by_role(admin_user, principal, class_teacher, pair_teacher, counsellor, other_teacher):
    """One person per role; 'class_teacher' heads the pupil's class, 'other_teacher' another."""
    return {
        "admin": admin_user,
        "principal": principal,
        "class_teacher": class_teacher,
        "other_class_teacher": other_teacher,
        "pair_teacher": pair_teacher,
        "counsellor": counsellor,
    }
