"""send_reminders: each reminder made once and sent once per channel; failures kept, retried
and logged; the principal's digest on the school's day; nothing confidential in any message."""

import datetime
import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from registry.models import Role
from reminders.models import Delivery, Notification, ReminderSettings
from tests.factories import UserFactory
from tests.reminders.conftest import choose, use_robot
from visits import services as visits_services


def send(*args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def reached_everywhere(school, class_teacher, overdue_visit, receiver_answering):
    """The class teacher, with an overdue 五必访, chose e-mail and the school's robot."""
    robot = receiver_answering(200)
    use_robot(school, robot.url)
    choose(class_teacher, email="zhang@school.example", by_email=True, by_robot=True)
    return robot


def test_a_teacher_is_reminded_once_per_channel_however_often_the_command_runs(
    class_teacher, reached_everywhere
):
    send()
    send()

    assert Notification.objects.filter(recipient=class_teacher).count() == 1
    assert len(mail.outbox) == 1
    assert len(reached_everywhere.bodies) == 1


def test_the_reminder_counts_what_is_overdue_and_links_to_the_work_list(
    class_teacher, reached_everywhere
):
    send()

    notification = Notification.objects.get(recipient=class_teacher)
    assert "1 项关爱工作已逾期" in notification.title
    assert "已逾期 1 项：五必访 1。" in notification.body
    assert notification.link == "/visits/due/"
    assert mail.outbox[0].to == ["zhang@school.example"]
    assert "http://127.0.0.1:8000/visits/due/" in mail.outbox[0].body
    assert reached_everywhere.bodies[0]["msgtype"] == "text"
    assert "【关爱通】" in reached_everywhere.texts[0]


def test_a_teacher_with_nothing_overdue_or_due_soon_gets_nothing(class_teacher, term):
    send()

    assert not Notification.objects.exists()


def test_the_next_day_repeats_nothing_already_told_but_tells_what_is_new(
    class_teacher, pupil, overdue_visit
):
    today = timezone.localdate()
    send("--today", today.isoformat())
    send("--today", (today + datetime.timedelta(days=1)).isoformat())
    assert Notification.objects.filter(recipient=class_teacher).count() == 1

    visits_services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="ill", noticed_on=today - datetime.timedelta(days=5)
    )
    send("--today", (today + datetime.timedelta(days=1)).isoformat())

    newest = Notification.objects.filter(recipient=class_teacher).first()
    assert Notification.objects.filter(recipient=class_teacher).count() == 2
    assert "已逾期 2 项：五必访 2。" in newest.body


def test_a_failing_robot_is_retried_on_the_next_run_and_the_failure_logged(
    school, class_teacher, overdue_visit, receiver_answering, caplog
):
    robot = receiver_answering(500, 200)
    use_robot(school, robot.url)
    choose(class_teacher, by_robot=True)

    with caplog.at_level(logging.WARNING, logger="reminders.services"):
        first = send()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 1, "HTTP 500")
    assert "failed, attempt 1: HTTP 500" in caplog.text
    assert "failed, to retry: 1" in first

    send()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(robot.bodies) == 2 and robot.texts[0] == robot.texts[1]
    assert Notification.objects.count() == 1


def test_a_robot_that_cannot_be_reached_is_kept_as_failed_with_its_error(
    school, class_teacher, overdue_visit, receiver_answering
):
    robot = receiver_answering(200)
    url = robot.url
    robot.close()  # nothing listens there any more: the connection is refused
    use_robot(school, url)
    choose(class_teacher, by_robot=True)

    send()

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "refused" in delivery.last_error.lower()


def test_a_delivery_that_keeps_failing_is_given_up_after_the_set_attempts_and_logged_as_an_error(
    school, class_teacher, overdue_visit, receiver_answering, settings, caplog
):
    settings.CARESYS_REMINDER_ATTEMPTS = 2
    robot = receiver_answering(500)
    use_robot(school, robot.url)
    choose(class_teacher, by_robot=True)

    with caplog.at_level(logging.WARNING, logger="reminders.services"):
        for _run in range(3):
            send()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("gave_up", 2)
    assert len(robot.bodies) == 2
    assert any(r.levelno == logging.ERROR and "gave up" in r.message for r in caplog.records)


def test_an_smtp_error_is_kept_and_retried(class_teacher, overdue_visit, settings):
    choose(class_teacher, email="zhang@school.example", by_email=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    send()
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "failed", 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send()

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(mail.outbox) == 1


def test_a_teacher_who_chose_no_channel_is_told_in_the_application_only(
    school, class_teacher, overdue_visit, receiver_answering
):
    robot = receiver_answering(200)
    use_robot(school, robot.url)
    class_teacher.email = "zhang@school.example"
    class_teacher.save()

    send()

    assert Notification.objects.filter(recipient=class_teacher).exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == [] and robot.bodies == []


def test_a_dry_run_prints_what_would_be_sent_and_writes_nothing(class_teacher, overdue_visit):
    out = send("--dry-run")

    assert f"to {class_teacher.username} (app)" in out
    assert "已逾期 1 项：五必访 1。" in out
    assert not Notification.objects.exists()


@pytest.fixture
def principal_on(school, principal):
    def digest_day(weekday: int) -> None:
        ReminderSettings.objects.update_or_create(
            school=school, defaults={"digest_weekday": weekday}
        )

    return digest_day


def test_the_principal_gets_the_weekly_digest_on_the_schools_weekday_only(
    principal, principal_on, overdue_visit
):
    today = timezone.localdate()
    principal_on((today.weekday() + 1) % 7)

    send("--today", today.isoformat())
    assert not Notification.objects.filter(recipient=principal).exists()

    tomorrow = today + datetime.timedelta(days=1)
    send("--today", tomorrow.isoformat())
    send("--today", tomorrow.isoformat())

    digest = Notification.objects.get(recipient=principal)
    assert digest.kind == "digest"
    assert "逾期未访的五必访：1 项。" in digest.body
    assert "按班级：三年级(1)班 1" in digest.body
    assert "按教师：张老师 1" in digest.body
    assert digest.link == "/visits/compliance/"


def test_no_message_holds_a_childs_name_numbers_or_any_confidential_content(
    school, admin_user, principal, counsellor, class_teacher, pupil, overdue_visit, principal_on,
    receiver_answering,
):  # fmt: skip
    robot = receiver_answering(200)
    use_robot(school, robot.url)
    principal_on(timezone.localdate().weekday())
    for person in (principal, class_teacher):
        choose(person, email=f"{person.username}@school.example", by_email=True, by_robot=True)
    visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="咨询内容：自伤念头"
    )
    visits_services.emergency_create(
        actor=class_teacher, pupils=[pupil], kind="injury", occurred_at=timezone.now(),
        description="事件经过：放学路上被狗咬伤",
    )  # fmt: skip
    helper = UserFactory(school=school, username="t302", roles=[Role.PAIR_TEACHER])
    choose(helper, email="t302@school.example", by_email=True)

    send()

    bodies = [f"{n.title}\n{n.body}" for n in Notification.objects.all()]
    bodies += [f"{m.subject}\n{m.body}" for m in mail.outbox]
    bodies += robot.texts
    assert len(bodies) >= 6  # two notifications, each by e-mail and to the robot
    guardian = pupil.guardians.first() if hasattr(pupil, "guardians") else None
    secrets = [
        pupil.name, pupil.id_number, pupil.student_number, "13812341234", "13700001111",
        "13600002222", "自伤", "咨询内容", "被狗咬伤", "事件经过", "父母离婚", "情绪不好",
        "意外伤害",
    ]  # fmt: skip
    if guardian is not None:
        secrets.append(guardian.name)
    leaked = [(secret, body) for body in bodies for secret in secrets if secret and secret in body]
    assert leaked == []


def test_the_principal_is_told_at_once_of_a_high_risk_counselling_record_without_its_content(
    principal, counsellor, pupil, term
):
    visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="孩子说想离家出走",
        presented="情绪低落", risk_level="high",
    )  # fmt: skip

    send()
    send()

    [alert] = Notification.objects.filter(recipient=principal, kind="high_risk")
    assert alert.title == "有1条高风险心理辅导记录需要关注" and alert.link == "/"
    assert pupil.name not in alert.title + alert.body and "离家出走" not in alert.body


def test_a_counsellor_is_reminded_of_a_follow_up_that_is_overdue(counsellor, pupil, term):
    visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="个别辅导",
        presented="考试焦虑", risk_level="low",
        occurred_on=timezone.localdate() - datetime.timedelta(days=3),
        next_session_on=timezone.localdate() - datetime.timedelta(days=1),
    )  # fmt: skip

    send()

    assert Notification.objects.filter(recipient=counsellor, kind="work_due").exists()


def test_the_digest_counts_the_rooms_openings_missed_last_week(
    school, admin_user, principal, class_teacher, principal_on
):
    from rooms import services as rooms_services
    from rooms.models import Room, Slot

    today = timezone.localdate()
    room = rooms_services.room_save(actor=admin_user, name="亲情聊天室", kind="chat")
    Room.objects.filter(pk=room.pk).update(created_on=today - datetime.timedelta(days=30))
    slot = rooms_services.slot_create(
        actor=admin_user, room=room, weekday=(today.weekday() + 3) % 7,
        starts_at=datetime.time(15), ends_at=datetime.time(16), on_duty=[class_teacher],
    )  # fmt: skip
    Slot.objects.filter(pk=slot.pk).update(starts_on=today - datetime.timedelta(days=30))
    principal_on(today.weekday())

    send("--today", today.isoformat())

    digest = Notification.objects.get(recipient=principal)
    assert "未按计划开放：1 次" in digest.body
