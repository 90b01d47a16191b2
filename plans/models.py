"""The school's work plan (工作计划) for a term, month by month: each item has a month or a
date, who answers for it and what it produces. An item of an event kind is held when the
school records such an event in its month; a task is held when marked done. Items are never
deleted: voided with a reason."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from caresys.lib.periods import Period, month_of
from events.models import Event
from registry.models import School, Term, User


class Task(models.TextChoices):
    """Planned work that is not an event: held when marked done (a census also from the data)."""

    PLAN = "plan", _("制定计划")
    CENSUS = "census", _("普查、更新档案")
    PAIRING = "pairing", _("结对帮扶")
    PHONE = "phone", _("开通亲情电话")
    AID_CHECK = "aid_check", _("减免/资助检查")
    VISITS = "visits", _("家访、谈心")
    SUMMARY = "summary", _("工作总结")
    ARCHIVE = "archive", _("档案整理")
    TASK = "task", _("其他工作")


EVENT_KINDS = frozenset(Event.Kind.values)
KIND_CHOICES = [(_("学校活动"), Event.Kind.choices), (_("工作任务"), Task.choices)]
KIND_LABELS = dict(Event.Kind.choices) | dict(Task.choices)


class WorkPlan(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("学校")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("学期")
    )
    title = models.CharField(_("标题"), max_length=100)
    intro = models.TextField(_("指导思想与工作目标"), blank=True)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("起草人")
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工作计划")
        verbose_name_plural = _("工作计划")
        ordering = ["-term__start_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="work_plan_once_a_term"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanItemQuerySet(models.QuerySet):
    def live(self) -> "PlanItemQuerySet":
        """Items that count: not voided."""
        return self.filter(voided_at=None)


class PlanItem(models.Model):
    plan = models.ForeignKey(
        WorkPlan, on_delete=models.PROTECT, related_name="items", verbose_name=_("工作计划")
    )
    # The first day of the item's month; ``on_date`` pins a day within it.
    month = models.DateField(_("月份"))
    on_date = models.DateField(_("日期"), null=True, blank=True, help_text=_("可不填。"))
    kind = models.CharField(_("类型"), max_length=20, choices=KIND_CHOICES)
    title = models.CharField(_("工作内容"), max_length=100)
    responsible = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("负责人")
    )
    produces = models.CharField(
        _("产出"), max_length=100, blank=True, help_text=_("例如：会议记录、签到表、照片。")
    )
    done_on = models.DateField(_("落实日期"), null=True, blank=True)
    done_note = models.CharField(_("落实情况"), max_length=300, blank=True)
    done_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("落实登记人"),
        null=True,
        blank=True,
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("添加时间"), default=timezone.now)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("计划事项")
        verbose_name_plural = _("计划事项")
        ordering = ["month", F("on_date").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voided_at=None) | ~Q(void_reason=""), name="plan_item_void_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(done_on=None, done_by=None)
                | Q(done_on__isnull=False, done_by__isnull=False),
                name="plan_item_done_has_who",
            ),
            models.CheckConstraint(
                condition=Q(on_date=None) | Q(on_date__gte=F("month")),
                name="plan_item_date_in_month",
            ),
        ]
        # The work list and the calendar look up a month's items.
        indexes = [models.Index(fields=["plan", "month"], name="plan_item_month")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_event(self) -> bool:
        return self.kind in EVENT_KINDS

    def hold_url(self, today: datetime.date) -> str:
        """Where the item is done: the event form filled in with its kind, day and what it is
        (an event), or its 落实 page (a task)."""
        if not self.is_event:
            return reverse("plans:item_done", args=[self.pk])
        query = {
            "kind": self.kind,
            "occurred_on": (self.on_date or today).isoformat(),
            "content": self.title,
        }
        return f"{reverse('events:event_create')}?{urlencode(query)}"

    @property
    def period(self) -> Period:
        """The days in which it is held: its date to the end of its month, or the month."""
        month = month_of(self.month)
        return Period(self.on_date or month.start, month.end)

    def clean(self) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
        if self.on_date and self.month and self.on_date.replace(day=1) != self.month:
            raise ValidationError({"on_date": _("日期须在所选月份内。")})


def months_of(term: Term) -> list[datetime.date]:
    """The first days of the calendar months a term spans."""
    months, day = [], term.start_date.replace(day=1)
    while day <= term.end_date:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months
