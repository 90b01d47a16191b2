"""Passwords that are guessed first at a Chinese school are refused wherever one is set."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from demo.school import DEMO_PASSWORD
from registry.models import User
from tests.factories import SchoolFactory, UserFactory


@pytest.fixture
def teacher(db):
    return UserFactory(school=SchoolFactory(name="青山镇中心小学"), username="t404")


@pytest.mark.parametrize(
    "password",
    [
        "123456789",
        "147258369",
        "5201314",
        "a123456",
        "woaini1314",
        "qq123456",
        "1qaz2wsx",
        "zxcvbnm",
        "password2026",
        "caresys2026",
        "CareSys@2026",
        "关爱通2026",
        "t404-2026",
        "青山镇中心小学2026",
        "qingshan2026",
        "qszzxx2026",
        "2026-09-01",
    ],
)
def test_a_guessable_password_is_refused(teacher, password):
    with pytest.raises(ValidationError):
        validate_password(password, teacher)


@pytest.mark.parametrize("password", ["lanhua-yuan-77", "bluesky-river-9", DEMO_PASSWORD])
def test_a_password_of_the_persons_own_is_accepted(teacher, password):
    validate_password(password, teacher)


def test_the_refusal_says_why_in_chinese(teacher):
    with pytest.raises(ValidationError) as refused:
        validate_password("t404-2026", teacher)

    assert "用户名" in " ".join(refused.value.messages)


def test_the_password_change_form_refuses_the_username_and_a_year(client, teacher):
    client.force_login(teacher)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "test-pass-123",
            "new_password1": "t404-2026",
            "new_password2": "t404-2026",
        },
    )

    assert response.status_code == 200
    assert "不能以学校名称" in response.content.decode()
    teacher.refresh_from_db()
    assert teacher.check_password("test-pass-123")


def test_the_registrar_cannot_give_a_new_account_the_schools_name_as_password(client, admin_user):
    client.force_login(admin_user)
    school_password = "qingshanzhen2026"
    admin_user.school.name = "青山镇中心小学"
    admin_user.school.save()

    response = client.post(
        reverse("admin:registry_user_add"),
        {
            "username": "newteacher",
            "full_name": "新老师",
            "password1": school_password,
            "password2": school_password,
        },
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="newteacher").exists()


def test_the_registrar_cannot_set_a_common_password_for_a_teacher(
    client, admin_user, class_teacher
):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[class_teacher.pk]),
        {"password1": "woaini1314", "password2": "woaini1314"},
    )

    assert response.status_code == 200
    class_teacher.refresh_from_db()
    assert class_teacher.check_password("test-pass-123")
