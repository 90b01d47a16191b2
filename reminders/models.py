"""Reminders that reach people: notifications in the application, and their deliveries by
e-mail and to the school's group robot (企业微信 or 钉钉).

A notification says only that something needs the person, counts, and a link: what is due is
worked out from the records each time (visits/due.py), never kept here. Its key makes sure
one reminder is made once, however often the daily command runs.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import School, SchoolSettings, User


class ReminderSettings(SchoolSettings):
    """How the school's reminders go out: its group robot, and the principal's weekly digest."""

    class Robot(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("星期一")
        TUESDAY = 1, _("星期二")
        WEDNESDAY = 2, _("星期三")
        THURSDAY = 3, _("星期四")
        FRIDAY = 4, _("星期五")
        SATURDAY = 5, _("星期六")
        SUNDAY = 6, _("星期日")

    school = models.OneToOneField(
        School, on_delete=models.PROTECT, related_name="reminder_settings", verbose_name=_("学校")
    )
    robot = models.CharField(
        _("群机器人"), max_length=10, choices=Robot.choices, default=Robot.WECOM
    )
    webhook_url = models.URLField(
        _("群机器人Webhook地址"),
        max_length=300,
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("在企业微信或钉钉群里添加群机器人后复制的地址；留空则不发到群里。"),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("校长周报发送日"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    due_within_days = models.PositiveSmallIntegerField(
        _("提前几天提醒"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text=_("教师的提醒包括已逾期的工作和这么多天内到期的工作。"),
    )

    class Meta:
        verbose_name = _("通知设置（学校）")
        verbose_name_plural = _("通知设置（学校）")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Channels(models.Model):
    """The channels a person chose besides the application (which is always on)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="reminder_channels", verbose_name=_("教职工")
    )
    by_email = models.BooleanField(_("发邮件"), default=False)
    by_robot = models.BooleanField(_("发到学校的工作群"), default=False)

    class Meta:
        verbose_name = _("个人通知方式")
        verbose_name_plural = _("个人通知方式")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def of(cls, user: User) -> "Channels":
        """The person's channels, or the defaults (unsaved). A query unless already loaded."""
        try:
            return user.reminder_channels
        except cls.DoesNotExist:
            return cls(user=user)


def validate_site_link(value: str) -> None:
    """A link inside the site: a path, never another host."""
    if not value.startswith("/") or value.startswith("//"):
        raise ValidationError(_("链接必须是本站内的地址。"))


class Notification(models.Model):
    class Kind(models.TextChoices):
        WORK_DUE = "work_due", _("待办提醒")
        DIGEST = "digest", _("校长周报")
        HIGH_RISK = "high_risk", _("高风险心理辅导")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # The day or week it is for (work_due:2026-03-09, digest:2026-W11): made once, sent once.
    key = models.CharField(_("去重键"), max_length=60)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, validators=[validate_site_link])
    # What it told (due items, as identities without names): tomorrow's reminder leaves out
    # what this one already said.
    items = models.JSONField(_("提醒事项"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]
        indexes = [
            # The unread count on every page: the person's unread notifications.
            models.Index(
                fields=["recipient"], condition=Q(read_at=None), name="notification_unread"
            ),
            # The notifications page: the person's newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_newest"),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """A notification on its way by e-mail or to the group robot: tried on each run until it
    is sent or has been tried CARESYS_REMINDER_ATTEMPTS times, each failure kept."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        ROBOT = "robot", _("工作群")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，将重试")
        GAVE_UP = "gave_up", _("多次失败，已放弃")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    # Where it goes, fixed when it is made: an e-mail address or the robot's URL.
    address = models.CharField(_("地址"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近一次错误"), max_length=300, blank=True)
    last_tried_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送")
        verbose_name_plural = _("通知发送")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once"),
        ]
        indexes = [
            # Each run: the deliveries still to try.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["pending", "failed"]),
                name="delivery_to_try",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_status_display()}"
