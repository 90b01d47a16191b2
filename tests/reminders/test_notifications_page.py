"""通知: each person's own list, unread first; opening or marking read; the count in the menu;
通知设置 and the school's robot."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reminders.models import Channels, Notification, ReminderSettings


def notify(user, n: int = 1, **fields) -> list[Notification]:
    now = timezone.now()
    return [
        Notification.objects.create(
            recipient=user,
            kind="work_due",
            key=f"work_due:{uuid.uuid4()}",
            title=fields.get("title", f"您有 {index + 1} 项关爱工作即将到期"),
            body="3天内到期 1 项：谈心 1。",
            link="/visits/due/",
            created_at=now - datetime.timedelta(minutes=n - index),
            read_at=fields.get("read_at"),
        )
        for index in range(n)
    ]


def test_the_notifications_page_lists_unread_first_then_the_newest(client, class_teacher):
    notify(class_teacher, title="旧的未读")
    notify(class_teacher, title="新的已读", read_at=timezone.now())
    client.force_login(class_teacher)

    page = client.get(reverse("reminders:notification_list")).content.decode()

    assert page.index("旧的未读") < page.index("新的已读")
    assert page.count("data-notification>") == 2


def test_nobody_sees_anyone_elses_notifications(client, class_teacher, other_teacher):
    notify(other_teacher, title="李老师的提醒")
    client.force_login(class_teacher)

    page = client.get(reverse("reminders:notification_list")).content.decode()

    assert "李老师的提醒" not in page
    assert "还没有通知" in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, class_teacher):
    (notification,) = notify(class_teacher)
    client.force_login(class_teacher)

    response = client.post(reverse("reminders:notification_open", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == "/visits/due/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_stays_on_the_list(client, class_teacher):
    (notification,) = notify(class_teacher)
    client.force_login(class_teacher)

    response = client.post(
        reverse("reminders:notification_open", args=[notification.pk]), {"stay": "1"}
    )

    assert response["Location"] == reverse("reminders:notification_list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_cannot_be_opened(client, class_teacher, other_teacher):
    (notification,) = notify(other_teacher)
    client.force_login(class_teacher)

    response = client.post(reverse("reminders:notification_open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_all_read_clears_the_count_in_the_menu(client, class_teacher, other_teacher):
    notify(class_teacher, 3)
    notify(other_teacher, 1)
    client.force_login(class_teacher)
    before = client.get(reverse("home")).content.decode()
    assert 'text-bg-warning">3<' in before

    client.post(reverse("reminders:notifications_read_all"))

    after = client.get(reverse("home")).content.decode()
    assert "text-bg-warning" not in after
    assert Notification.objects.filter(recipient=other_teacher, read_at=None).count() == 1


def _count_queries(client, url: str) -> tuple[int, int]:
    """All the page's queries, and those about unread notifications (the menu's count)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    counting = [
        query["sql"]
        for query in captured
        if "COUNT(" in query["sql"] and '"read_at" IS NULL' in query["sql"]
    ]
    return len(captured), len(counting)


@pytest.mark.parametrize("url_name", ["registry:class_list", "reminders:notification_list"])
def test_the_menu_count_is_one_query_however_many_notifications(
    client, django_assert_num_queries, class_teacher, school_class, url_name
):
    client.force_login(class_teacher)
    url = reverse(url_name)
    notify(class_teacher, 1)
    with_one, counting = _count_queries(client, url)
    assert counting == 1
    notify(class_teacher, 40)

    with django_assert_num_queries(with_one):
        response = client.get(url)

    assert 'text-bg-warning">41<' in response.content.decode()


def test_the_menu_shows_no_count_when_all_is_read(client, class_teacher):
    notify(class_teacher, 2, read_at=timezone.now())
    client.force_login(class_teacher)

    page = client.get(reverse("reminders:notification_list")).content.decode()

    assert "text-bg-warning" not in page
    assert "未读" not in page.replace("条未读", "")


def test_a_teacher_chooses_email_and_gives_the_address(client, class_teacher):
    client.force_login(class_teacher)

    response = client.post(
        reverse("reminders:channels"), {"email": "zhang@school.example", "by_email": "on"}
    )

    assert response.status_code == 302
    class_teacher.refresh_from_db()
    assert class_teacher.email == "zhang@school.example"
    assert Channels.objects.get(user=class_teacher).by_email is True


def test_email_without_an_address_is_refused_beside_the_field(client, class_teacher):
    client.force_login(class_teacher)

    response = client.post(reverse("reminders:channels"), {"by_email": "on"})

    assert response.status_code == 200
    assert "要收邮件，请填写电子邮箱。" in response.content.decode()
    assert not Channels.objects.exists()


def test_the_group_cannot_be_chosen_before_the_school_has_a_robot(client, class_teacher):
    client.force_login(class_teacher)

    client.post(reverse("reminders:channels"), {"by_robot": "on"})

    assert Channels.objects.get(user=class_teacher).by_robot is False


def test_the_registrar_sets_the_schools_robot_and_digest_day(client, admin_user):
    client.force_login(admin_user)
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"

    response = client.post(
        reverse("reminders:settings"),
        {"robot": "wecom", "webhook_url": url, "digest_weekday": "4", "due_within_days": "5"},
    )

    assert response.status_code == 302
    chosen = ReminderSettings.objects.get(school=admin_user.school)
    assert (chosen.webhook_url, chosen.digest_weekday, chosen.due_within_days) == (url, 4, 5)


def test_a_robot_address_that_is_not_a_web_address_is_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("reminders:settings"),
        {"robot": "dingtalk", "webhook_url": "ftp://x.example/", "digest_weekday": "0",
         "due_within_days": "3"},
    )  # fmt: skip

    assert response.status_code == 200
    assert not ReminderSettings.objects.exists()


@pytest.mark.parametrize(
    ("method", "url_name"),
    [("get", "reminders:notifications_read_all"), ("put", "reminders:channels"),
     ("post", "reminders:notification_list")],
)  # fmt: skip
def test_a_request_with_the_wrong_method_is_refused(client, class_teacher, method, url_name):
    client.force_login(class_teacher)

    assert getattr(client, method)(reverse(url_name)).status_code == 405


def test_opening_a_notification_by_get_is_refused(client, class_teacher):
    (notification,) = notify(class_teacher)
    client.force_login(class_teacher)

    response = client.get(reverse("reminders:notification_open", args=[notification.pk]))

    assert response.status_code == 405
