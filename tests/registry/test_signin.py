"""Sign-in that resists guessing: pauses by account and by address that grow, the registrar
lifting a pause, and every sign-in in the access log."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.db.models import F
from django.urls import reverse

from registry.models import AccessLog
from tests.factories import SchoolFactory, UserFactory
from tests.registry.test_english import english_client, han_in
from tests.registry.test_query_counts import queries_for

PASSWORD = "test-pass-123"
ADDRESS = "203.0.113.7"


def _sign_in(client, username, password, address=ADDRESS, **headers):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=address, **headers)


def _guess(client, username, times, address=ADDRESS):
    for attempt in range(times):
        response = _sign_in(client, username, f"wrong-{attempt}", address)
    return response


def _wait(minutes):
    """As if the minutes had passed since every sign-in so far."""
    delta = datetime.timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - delta)
    AccessLog.objects.update(at=F("at") - delta)


def test_a_wrong_password_is_answered_with_the_sign_in_form(client, class_teacher):
    response = _sign_in(client, "teacher", "wrong")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_pause_the_account_and_the_right_one_is_refused(client, class_teacher):
    paused = _guess(client, "teacher", 5)
    right = _sign_in(client, "teacher", PASSWORD)

    assert paused.status_code == 429
    assert "登录已暂停" in paused.content.decode()
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_paused_account_stays_paused_from_another_address(client, class_teacher):
    _guess(client, "teacher", 5)

    response = _sign_in(client, "teacher", PASSWORD, address="198.51.100.9")

    assert response.status_code == 429


def test_guesses_at_many_accounts_from_one_address_pause_that_address(
    client, class_teacher, principal
):
    for number in range(5):
        _sign_in(client, f"nobody{number}", "wrong")

    from_there = _sign_in(client, "principal", PASSWORD)
    from_elsewhere = _sign_in(client, "principal", PASSWORD, address="198.51.100.9")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_paused_page_says_when_to_try_again_and_to_ask_the_registrar(client, class_teacher):
    response = _guess(client, "teacher", 5)

    text = response.content.decode()
    assert "以后再试" in text and "约 5 分钟" in text
    assert "管理员" in text


def test_the_pause_ends_after_its_time(client, class_teacher):
    _guess(client, "teacher", 5)
    _wait(6)

    response = _sign_in(client, "teacher", PASSWORD)

    assert response.status_code == 302


def test_each_further_pause_within_a_day_is_twice_as_long(client, class_teacher):
    first = _guess(client, "teacher", 5)
    _wait(6)
    second = _guess(client, "teacher", 5)
    _wait(11)
    third = _guess(client, "teacher", 5)

    assert [first.context["pause_minutes"], second.context["pause_minutes"]] == [5, 10]
    assert third.context["pause_minutes"] == 20


def test_a_second_pause_is_still_on_when_the_first_would_have_ended(client, class_teacher):
    _guess(client, "teacher", 5)
    _wait(6)
    _guess(client, "teacher", 5)
    _wait(6)

    response = _sign_in(client, "teacher", PASSWORD)

    assert response.status_code == 429


def test_failed_sign_ins_are_in_the_access_log_with_the_username_and_address(client, class_teacher):
    _sign_in(client, "teacher", "wrong")

    log = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED)
    assert (log.actor, log.school, log.detail) == (class_teacher, class_teacher.school, "teacher")
    assert log.ip_address == ADDRESS


def test_a_failed_sign_in_with_an_unknown_username_is_logged_under_no_school(client, school):
    _sign_in(client, "guess", "wrong")

    log = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED)
    assert (log.actor, log.school, log.detail, log.ip_address) == (None, None, "guess", ADDRESS)


def test_a_successful_sign_in_is_in_the_access_log(client, class_teacher):
    _sign_in(client, "teacher", PASSWORD)

    log = AccessLog.objects.get(action=AccessLog.Action.LOGIN)
    assert (log.actor, log.ip_address) == (class_teacher, ADDRESS)


def test_the_registrar_sees_failed_sign_ins_of_their_school_only(client, admin_user, class_teacher):
    other = UserFactory(school=SchoolFactory(), username="elsewhere")
    _sign_in(client, "teacher", "wrong")
    _sign_in(client, other.username, "wrong")
    _sign_in(client, "guess", "wrong")
    client.force_login(admin_user)

    response = client.get(reverse("registry:access_log"), {"action": "login_fail"})

    rows = [log.detail for log in response.context["page"]]
    assert rows == ["teacher"]
    assert "登录失败" in response.content.decode()


def test_the_registrar_sees_a_paused_account_of_their_school(client, admin_user, class_teacher):
    _guess(client, "teacher", 5)
    client.force_login(admin_user)

    response = client.get(reverse("registry:signin_pause_list"))

    [pause] = response.context["pauses"]
    assert (pause.user, pause.failures, pause.addresses) == (class_teacher, 5, [ADDRESS])
    assert "张老师" in response.content.decode()


def test_the_registrar_does_not_see_paused_accounts_of_another_school(client, admin_user):
    UserFactory(school=SchoolFactory(), username="elsewhere")
    _guess(client, "elsewhere", 5)
    client.force_login(admin_user)

    response = client.get(reverse("registry:signin_pause_list"))

    assert response.context["pauses"] == []


def test_the_registrar_lifts_a_pause_and_it_is_logged(client, admin_user, class_teacher):
    _guess(client, "teacher", 5)
    client.force_login(admin_user)

    response = client.post(reverse("registry:signin_pause_lift", args=[class_teacher.pk]))
    client.logout()
    signed_in = _sign_in(client, "teacher", PASSWORD)

    assert response.status_code == 302
    assert signed_in.status_code == 302
    log = AccessLog.objects.get(action=AccessLog.Action.UNLOCK)
    assert log.actor == admin_user and "张老师" in log.detail


def test_the_registrar_cannot_lift_a_pause_of_another_school(client, admin_user):
    other = UserFactory(school=SchoolFactory(), username="elsewhere")
    _guess(client, "elsewhere", 5)
    client.force_login(admin_user)

    response = client.post(reverse("registry:signin_pause_lift", args=[other.pk]))

    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="elsewhere").exists()


@pytest.mark.parametrize("role", ["principal", "other_class_teacher", "counsellor"])
def test_only_the_registrar_lifts_a_pause(client, users_by_role, class_teacher, role):
    _guess(client, "teacher", 5)
    client.force_login(users_by_role[role])

    response = client.post(reverse("registry:signin_pause_lift", args=[class_teacher.pk]))

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="teacher").exists()


def test_the_pause_list_takes_the_same_queries_for_more_paused_accounts(client, admin_user):
    for number in range(3):
        UserFactory(school=admin_user.school, username=f"paused{number}")
    _guess(client, "paused0", 5)
    client.force_login(admin_user)
    url = reverse("registry:signin_pause_list")
    client.get(url)  # the session's first request also saves when it was seen
    one = queries_for(client, url)
    _guess(client, "paused1", 5, address="198.51.100.1")
    _guess(client, "paused2", 5, address="198.51.100.2")
    client.force_login(admin_user)
    client.get(url)

    three = queries_for(client, url)

    assert three == one
    assert len(client.get(url).context["pauses"]) == 3


def test_someone_elses_sign_in_does_not_shorten_a_longer_pause(client, class_teacher, principal):
    _guess(client, "teacher", 5)
    _wait(6)
    _guess(client, "teacher", 5)
    _wait(6)
    _sign_in(client, "principal", PASSWORD, address="198.51.100.9")
    client.logout()

    response = _sign_in(client, "teacher", PASSWORD)

    assert response.status_code == 429


def test_signing_in_to_ones_own_account_does_not_forgive_guesses_at_another(
    client, class_teacher, principal
):
    _guess(client, "principal", 4)
    _sign_in(client, "teacher", PASSWORD)
    client.logout()

    response = _guess(client, "principal", 1)

    assert response.status_code == 429


def test_behind_the_schools_proxy_the_pause_is_for_the_clients_address(client, settings, principal):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for number in range(5):
        _sign_in(
            client, f"nobody{number}", "wrong", "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20"
        )

    neighbour = _sign_in(
        client, "principal", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.21"
    )
    client.logout()
    guesser = _sign_in(
        client, "principal", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20"
    )

    assert (neighbour.status_code, guesser.status_code) == (302, 429)
    assert AccessLog.objects.filter(ip_address="198.51.100.20").count() == 6


def test_the_paused_page_and_the_pause_list_are_english(client, admin_user, class_teacher):
    english = english_client()
    paused = None
    for attempt in range(5):
        paused = english.post(
            reverse("login"), {"username": "teacher", "password": f"wrong-{attempt}"}
        )
    pauses = english_client(admin_user).get(reverse("registry:signin_pause_list"))

    assert "Sign-in paused" in paused.text
    assert "Lift the pause" in pauses.text
    for response in (paused, pauses):
        html = response.content.decode()
        for data in (class_teacher.full_name, admin_user.full_name, admin_user.school.name):  # data
            html = html.replace(data, "")
        assert not han_in(html), han_in(html)
