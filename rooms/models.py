"""The school's rooms for left-behind children (留守儿童之家, 亲情聊天室): their weekly opening
slots with the teachers on duty, the days they opened, and each child's call or video there.

A use is also a 亲情电话 care record for the child (kept in ``record``), so every count of
family calls sees it; voiding the use voids that record.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Pupil, School, User
from visits.models import CareRecord

# The schools' rule: two teachers present whenever a room is open.
DUTY_MINIMUM = 2


class Room(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("留守儿童之家")
        CHAT = "chat", _("亲情聊天室")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("学校")
    )
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    place = models.CharField(_("位置"), max_length=100, blank=True)
    created_on = models.DateField(_("设立日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("活动室")
        verbose_name_plural = _("活动室")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="room_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """A weekly opening time of a room and the teachers on duty then."""

    WEEKDAYS = [
        (0, _("周一")),
        (1, _("周二")),
        (2, _("周三")),
        (3, _("周四")),
        (4, _("周五")),
        (5, _("周六")),
        (6, _("周日")),
    ]

    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="slots", verbose_name=_("活动室")
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS)
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    on_duty = models.ManyToManyField(
        User, related_name="room_slots", blank=True, verbose_name=_("值班教师")
    )
    # A slot is planned from the day it was set, not back to the room's set-up.
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    # Ended rather than deleted: its openings stay, and it is planned no more from that day.
    stopped_from = models.DateField(
        _("停用日期"),
        null=True,
        blank=True,
        help_text=_("从这一天起不再开放；已登记的开放记录保留。"),
    )

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["weekday", "starts_at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.room} {self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
        )

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("结束时间要晚于开始时间。")})

    def planned_days(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The days from first to last the slot was planned: not before the room and the slot
        were set up, nor from the day it was stopped. Needs the room (select_related)."""
        first = max(first, self.room.created_on, self.starts_on)
        if self.stopped_from is not None:
            last = min(last, self.stopped_from - datetime.timedelta(days=1))
        return self.dates_between(first, last)

    def is_stopped_on(self, day: datetime.date) -> bool:
        return self.stopped_from is not None and day >= self.stopped_from

    def dates_between(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The days of this slot from first to last, both included."""
        day = first + datetime.timedelta(days=(self.weekday - first.weekday()) % 7)
        days = []
        while day <= last:
            days.append(day)
            day += datetime.timedelta(days=7)
        return days


class Opening(models.Model):
    """The room was open on that day in that slot, recorded by a teacher on duty."""

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="openings", verbose_name=_("开放时间")
    )
    opened_on = models.DateField(_("日期"))
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("开放记录")
        verbose_name_plural = _("开放记录")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "opened_on"], name="opening_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.slot.room} {self.opened_on}"


class Use(models.Model):
    """A child's call or video with family in the room (also a 亲情电话 record)."""

    class Mode(models.TextChoices):
        CALL = "call", _("电话")
        VIDEO = "video", _("视频")

    class WithWhom(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")
        OTHER = "other", _("其他")

    opening = models.ForeignKey(
        Opening, on_delete=models.PROTECT, related_name="uses", verbose_name=_("开放记录")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="room_uses", verbose_name=_("儿童")
    )
    mode = models.CharField(_("方式"), max_length=6, choices=Mode.choices, default=Mode.VIDEO)
    with_whom = models.CharField(_("与谁"), max_length=6, choices=WithWhom.choices)
    minutes = models.PositiveSmallIntegerField(
        _("时长（分钟）"), validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    record = models.OneToOneField(
        CareRecord, on_delete=models.PROTECT, related_name="room_use", verbose_name=_("关爱记录")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("使用记录")
        verbose_name_plural = _("使用记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.pupil} {self.get_mode_display()} {self.minutes}"

    @property
    def is_void(self) -> bool:
        return self.record.voided_at is not None
