"""Sessions end with the browser unless the person ticks their own device, and after the
school's idle timeout in any case."""

import pytest
from django.conf import settings
from django.urls import reverse

from caresys.lib.sessions import SEEN_KEY

PASSWORD = "test-pass-123"


def _sign_in(client, username="teacher", **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, **extra})


def _idle(client, minutes):
    """As if the person's last request had been `minutes` ago."""
    session = client.session
    session[SEEN_KEY] -= minutes * 60
    session.save()


def test_without_the_tick_the_session_cookie_ends_with_the_browser(client, class_teacher):
    response = _sign_in(client)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert response.status_code == 302
    assert (cookie["max-age"], cookie["expires"]) == ("", "")


def test_with_the_tick_the_session_cookie_outlives_the_browser(client, class_teacher):
    response = _sign_in(client, remember="on")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert cookie["expires"]


def test_the_sign_in_form_offers_the_tick(client, db):
    response = client.get(reverse("login"))

    assert "这是我自己的设备，保持登录" in response.content.decode()


def test_a_person_idle_longer_than_the_schools_timeout_is_signed_out(client, class_teacher):
    _sign_in(client)
    _idle(client, 31)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "已自动退出" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_person_idle_less_than_the_timeout_stays_signed_in(client, class_teacher):
    _sign_in(client)
    _idle(client, 29)

    response = client.get(reverse("home"))

    assert response.status_code == 200


def test_the_idle_timeout_is_the_schools_setting(client, class_teacher):
    class_teacher.school.idle_timeout_minutes = 60
    class_teacher.school.save()
    _sign_in(client)
    _idle(client, 45)

    assert client.get(reverse("home")).status_code == 200
    _idle(client, 61)
    assert client.get(reverse("home")).status_code == 302


def test_the_idle_timeout_applies_to_a_session_kept_on_ones_own_device(client, class_teacher):
    _sign_in(client, remember="on")
    _idle(client, 31)

    response = client.get(reverse("home"))

    assert response.status_code == 302


def test_each_request_restarts_the_idle_clock(client, class_teacher):
    _sign_in(client)
    _idle(client, 20)
    client.get(reverse("home"))
    _idle(client, 20)

    response = client.get(reverse("home"))

    assert response.status_code == 200


@pytest.mark.parametrize("minutes", [4, 481])
def test_the_registrar_cannot_set_an_idle_timeout_out_of_bounds(client, admin_user, minutes):
    client.force_login(admin_user)
    school = admin_user.school

    response = client.post(
        reverse("admin:registry_school_change", args=[school.pk]),
        {"name": school.name, "idle_timeout_minutes": minutes},
    )

    assert response.status_code == 200
    school.refresh_from_db()
    assert school.idle_timeout_minutes == 30
