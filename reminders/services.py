"""Writes of reminders: notifications made once, their deliveries tried until sent or given
up, read marks, and the school's and each person's choices."""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AccessLog, School, User
from registry.services import log_access
from reminders import channels
from reminders.messages import Message
from reminders.models import Channels, Delivery, Notification, ReminderSettings

logger = logging.getLogger(__name__)


def channels_for(recipient: User, school_settings: ReminderSettings) -> dict[str, str]:
    """Channel: address, for the channels the person chose that can reach them."""
    chosen = Channels.of(recipient)
    found = {}
    if chosen.by_email and recipient.email:
        found[Delivery.Channel.EMAIL] = recipient.email
    if chosen.by_robot and school_settings.webhook_url:
        found[Delivery.Channel.ROBOT] = school_settings.webhook_url
    return found


@transaction.atomic
def notification_create(
    *, recipient: User, message: Message, school_settings: ReminderSettings
) -> Notification | None:
    """The notification and its deliveries, or None when its key was used already (the
    command ran twice, or two runs overlapped)."""
    notification = Notification(
        recipient=recipient,
        kind=message.kind,
        key=message.key,
        title=message.title,
        body=message.body,
        link=message.link,
        items=message.items,
    )
    notification.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    for channel, address in channels_for(recipient, school_settings).items():
        delivery = Delivery(notification=notification, channel=channel, address=address)
        delivery.full_clean(exclude=["notification"])
        delivery.save()
    return notification


def site_url(link: str) -> str:
    return settings.CARESYS_SITE_URL.rstrip("/") + link


def email_text(notification: Notification) -> str:
    return "\n\n".join(
        [
            notification.body,
            site_url(notification.link),
            _("此邮件由关爱通自动发送。更改通知方式：%(url)s")
            % {"url": site_url(reverse("reminders:channels"))},
        ]
    )


def robot_text(notification: Notification) -> str:
    # 钉钉 robots with a keyword check need a fixed word in every message: 关爱通.
    return _("【关爱通】%(name)s：%(title)s\n%(body)s\n%(url)s") % {
        "name": notification.recipient,
        "title": notification.title,
        "body": notification.body,
        "url": site_url(notification.link),
    }


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Delivery.Channel.EMAIL:
        channels.send_email(
            address=delivery.address,
            subject=_("【关爱通】%(title)s") % {"title": notification.title},
            text=email_text(notification),
        )
    else:
        channels.send_to_robot(url=delivery.address, text=robot_text(notification))


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def deliveries_to_try():
    return (
        Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
        .select_related("notification__recipient")
        .order_by("pk")
    )


def deliveries_send() -> Outcome:
    """Try each delivery not yet sent, outside any transaction (a robot may take seconds);
    each result is saved on its own. A failure is kept with its error and logged, and tried
    again next run, until CARESYS_REMINDER_ATTEMPTS tries."""
    outcome = Outcome()
    for delivery in deliveries_to_try():
        delivery.attempts += 1
        delivery.last_tried_at = timezone.now()
        try:
            _send(delivery)
        except channels.DeliveryError as error:
            delivery.last_error = str(error)[:300]
            if delivery.attempts >= settings.CARESYS_REMINDER_ATTEMPTS:
                delivery.status = Delivery.Status.GAVE_UP
                outcome.gave_up += 1
                logger.error(
                    "reminder delivery %s (%s) gave up after %d attempts: %s",
                    delivery.pk, delivery.channel, delivery.attempts, delivery.last_error,
                )  # fmt: skip
            else:
                delivery.status = Delivery.Status.FAILED
                outcome.failed += 1
                logger.warning(
                    "reminder delivery %s (%s) failed, attempt %d: %s",
                    delivery.pk, delivery.channel, delivery.attempts, delivery.last_error,
                )  # fmt: skip
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            outcome.sent += 1
        delivery.save(
            update_fields=["attempts", "last_tried_at", "last_error", "status", "sent_at"]
        )
    return outcome


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def channels_update(*, actor: User, email: str, by_email: bool, by_robot: bool) -> Channels:
    """The person's own channels and e-mail address."""
    chosen, _created = Channels.objects.get_or_create(user=actor)
    chosen.by_email, chosen.by_robot = by_email, by_robot
    chosen.full_clean()
    chosen.save()
    if actor.email != email:
        actor.email = email
        actor.full_clean(validate_unique=False, validate_constraints=False)
        actor.save(update_fields=["email"])
    return chosen


@transaction.atomic
def reminder_settings_update(*, actor: User, **values: Any) -> ReminderSettings:
    """The school's robot and digest day; the robot's URL is a secret, so the log says only
    that the settings changed."""
    school: School = actor.school
    chosen, _created = ReminderSettings.objects.get_or_create(school=school)
    for name, value in values.items():
        setattr(chosen, name, value)
    chosen.full_clean()
    chosen.save()
    log_access(actor=actor, action=AccessLog.Action.RECORD, detail=_("修改通知设置"))
    return chosen
