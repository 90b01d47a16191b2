"""The registrar's remit: only a registrar changes a registrar's account, and a school always
keeps one active registrar, whichever page or service tries otherwise."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pairing import services as pairing_services
from pairing.models import Pair
from registry import services
from registry.models import Role
from tests.factories import UserFactory


@pytest.fixture
def second_registrar(school):
    return UserFactory(school=school, username="admin2", full_name="王主任", roles=[Role.ADMIN])


def _account_data(user, **changes):
    """What the settings page's account form sends, with some fields changed."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "roles": list(user.roles),
        "is_active": "on" if user.is_active else "",
    }
    return data | changes


def _leave(client, teacher, **data):
    return client.post(reverse("pairing:teacher_leave", args=[teacher.pk]), data)


# --- the teacher's leaving flow (pairing) ----------------------------------------------------


def test_the_principal_cannot_deactivate_a_registrar_through_the_leaving_flow(
    client, principal, admin_user, second_registrar, pupil
):
    pair = pairing_services.pair_create(
        actor=principal, pupil=pupil, kind="teacher", teacher=admin_user
    )
    client.force_login(principal)

    response = _leave(client, admin_user, deactivate="on")

    assert response.status_code == 200
    assert "只有管理员可以修改其账号" in response.content.decode()
    admin_user.refresh_from_db()
    pair.refresh_from_db()
    assert admin_user.is_active
    assert pair.ended_on is None  # nothing of the flow was kept


@pytest.mark.parametrize(
    ("actor", "leaver"),
    [("principal", "class_teacher"), ("admin_user", "second_registrar")],
    ids=["principal closes a teachers account", "registrar closes a registrars, one remains"],
)
def test_an_account_within_the_remit_is_closed_through_the_leaving_flow(
    client, request, actor, leaver
):
    leaver = request.getfixturevalue(leaver)
    client.force_login(request.getfixturevalue(actor))

    response = _leave(client, leaver, deactivate="on")

    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active


def test_the_only_registrar_cannot_deactivate_themselves_through_the_leaving_flow(
    client, admin_user
):
    client.force_login(admin_user)

    response = _leave(client, admin_user, deactivate="on")

    assert response.status_code == 200
    assert "唯一在用的管理员账号" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_service_refuses_a_non_registrar_closing_a_registrars_account(
    principal, admin_user, second_registrar
):
    with pytest.raises(ValidationError):
        services.staff_deactivate(actor=principal, user=admin_user)

    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_leaving_flow_service_refuses_the_last_registrar(admin_user, pupil, class_teacher):
    Pair.objects.all().delete()

    with pytest.raises(ValidationError) as refused:
        pairing_services.teacher_leave(
            actor=admin_user, teacher=admin_user, reassignments={}, deactivate=True
        )

    assert "is_active" in refused.value.message_dict


# --- the settings pages (admin) ----------------------------------------------------------------


def _change(client, user, **changes):
    url = reverse("admin:registry_user_change", args=[user.pk])
    return client.post(url, _account_data(user, **changes))


def test_the_last_registrar_cannot_be_deactivated_on_the_settings_page(client, admin_user):
    client.force_login(admin_user)

    response = _change(client, admin_user, is_active="")

    assert response.status_code == 200
    assert "唯一在用的管理员账号" in str(response.context["adminform"].form.errors["is_active"])
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_last_registrar_cannot_lose_the_role_on_the_settings_page(client, admin_user):
    client.force_login(admin_user)

    response = _change(client, admin_user, roles=[Role.PRINCIPAL])

    assert response.status_code == 200
    assert "唯一在用的管理员账号" in str(response.context["adminform"].form.errors["roles"])
    admin_user.refresh_from_db()
    assert admin_user.roles == [Role.ADMIN]


def test_a_registrar_hands_the_role_over_on_the_settings_page(client, admin_user, second_registrar):
    client.force_login(admin_user)

    response = _change(client, admin_user, roles=[Role.PRINCIPAL])

    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.roles == [Role.PRINCIPAL]


def test_a_deactivated_registrar_does_not_count_as_the_one_that_remains(
    client, admin_user, second_registrar
):
    second_registrar.is_active = False
    second_registrar.save()
    client.force_login(admin_user)

    response = _change(client, admin_user, is_active="")

    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_other_accounts_are_still_changed_on_the_settings_page(client, admin_user, class_teacher):
    client.force_login(admin_user)

    response = _change(client, class_teacher, is_active="", roles=[Role.PAIR_TEACHER])

    assert response.status_code == 302
    class_teacher.refresh_from_db()
    assert (class_teacher.is_active, class_teacher.roles) == (False, [Role.PAIR_TEACHER])
