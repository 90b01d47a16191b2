"""Pairing (结对帮扶): who looks after each left-behind child, with the plan and its checks.

A pair is never deleted: it ends, with a date and a reason, and stays in the child's history.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.identity import validate_phone
from registry.models import Pupil, Role, School, SchoolClass, SchoolSettings, User


class PairingSettings(SchoolSettings):
    """A school's pairing rules; a school without a row uses the defaults below."""

    school = models.OneToOneField(
        School, on_delete=models.PROTECT, related_name="pairing_settings", verbose_name=_("学校")
    )
    coverage_target = models.PositiveSmallIntegerField(
        _("结对覆盖率目标（%）"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("有帮扶教师的留守儿童所占的比例；每名留守儿童都应有一名帮扶教师，即100%。"),
    )
    max_children_per_teacher = models.PositiveSmallIntegerField(
        _("每名教师最多结对儿童数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    buddy_required = models.BooleanField(
        _("每名留守儿童需要手拉手好朋友"),
        default=False,
        help_text=_("要求时，没有学生伙伴的留守儿童也列为未结对。"),
    )
    idle_days = models.PositiveSmallIntegerField(
        _("无活动提醒天数"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text=_("结对超过这么多天没有任何记录（检查、谈心、家访等），即标为“无活动”。"),
    )

    class Meta:
        verbose_name = _("结对设置")
        verbose_name_plural = _("结对设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Volunteer(models.Model):
    """Someone outside the staff who looks after a child; they have no login."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("村委会成员")
        RETIRED_TEACHER = "retired_teacher", _("退休教师")
        CARING_MOTHER = "caring_mother", _("爱心妈妈")
        OTHER = "other", _("其他")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("学校")
    )
    name = models.CharField(_("姓名"), max_length=40)
    kind = models.CharField(_("身份"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    organisation = models.CharField(_("单位或组织"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, validators=[validate_phone])
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PairQuerySet(models.QuerySet):
    def active(self) -> "PairQuerySet":
        """Pairs not ended."""
        return self.filter(ended_on=None)

    def teachers(self) -> "PairQuerySet":
        """Pairs with a teacher (代理家长), not a buddy or a volunteer."""
        return self.filter(kind=Pair.Kind.TEACHER)

    def active_teacher(self) -> "PairQuerySet":
        """Teacher pairs that look after a child now: not ended, with a teacher still at work.

        The one definition behind scope, coverage, the work list and the summary; only the
        leaving flow and the board's orphaned pairs look at the pairs of a teacher gone.
        """
        return self.teachers().active().filter(teacher__is_active=True)

    def on_day(self, day: datetime.date) -> "PairQuerySet":
        """Pairs that were running on the day: begun by then and not ended before it. Today
        or later: active() (pairs not ended)."""
        if day >= timezone.localdate():
            return self.active()
        return self.filter(Q(ended_on=None) | Q(ended_on__gt=day), started_on__lte=day)

    def teacher_on_day(self, day: datetime.date) -> "PairQuerySet":
        """Teacher pairs that looked after a child on the day; today, active_teacher(). A
        teacher's leaving has no date of its own (the leaving flow ends their pairs), so a past
        day counts the pairs running then."""
        if day >= timezone.localdate():
            return self.active_teacher()
        return self.teachers().on_day(day)


class Pair(models.Model):
    """One child with one partner: a teacher, a pupil buddy or a volunteer."""

    class Kind(models.TextChoices):
        TEACHER = "teacher", _("帮扶教师（代理家长）")
        BUDDY = "buddy", _("手拉手好朋友")
        VOLUNTEER = "volunteer", _("志愿者")

    class EndReason(models.TextChoices):
        PUPIL_LEFT = "pupil_left", _("学生离校或毕业")
        NOT_LEFT_BEHIND = "not_left_behind", _("不再是留守儿童")
        TEACHER_LEFT = "teacher_left", _("教师调离或离职")
        REASSIGNED = "reassigned", _("调整结对")
        YEAR_END = "year_end", _("学年结束")
        OTHER = "other", _("其他")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pairs", verbose_name=_("学校")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="pairs", verbose_name=_("留守儿童")
    )
    kind = models.CharField(_("结对类型"), max_length=12, choices=Kind.choices)
    teacher = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="pairs",
        verbose_name=_("帮扶教师"),
        null=True,
        blank=True,
    )
    buddy = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        related_name="buddy_pairs",
        verbose_name=_("学生伙伴"),
        null=True,
        blank=True,
    )
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="pairs",
        verbose_name=_("志愿者"),
        null=True,
        blank=True,
    )
    started_on = models.DateField(_("结对日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(_("结束说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"), null=True
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # The later of the pair's latest check and its teacher's latest live care record about the
    # child (None: neither yet), kept by every write of either (visits.tallies.
    # pair_activity_refresh), so the board finds idle pairs without looking up every pair's.
    last_active_on = models.DateField(_("最近活动日期"), null=True, editable=False)

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="teacher", teacher__isnull=False, buddy=None, volunteer=None)
                    | Q(kind="buddy", teacher=None, buddy__isnull=False, volunteer=None)
                    | Q(kind="volunteer", teacher=None, buddy=None, volunteer__isnull=False)
                ),
                name="pair_partner_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(buddy=F("pupil")), name="pair_buddy_not_self"),
            models.CheckConstraint(
                condition=Q(ended_on=None) | Q(ended_on__gte=F("started_on")),
                name="pair_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on=None) | ~Q(end_reason=""), name="pair_ended_has_reason"
            ),
            models.UniqueConstraint(
                fields=["pupil", "teacher"],
                condition=Q(ended_on=None, kind="teacher"),
                name="pair_unique_active_teacher",
                violation_error_message=_("这一结对已经存在。"),
            ),
            models.UniqueConstraint(
                fields=["pupil", "buddy"],
                condition=Q(ended_on=None, kind="buddy"),
                name="pair_unique_active_buddy",
                violation_error_message=_("这一结对已经存在。"),
            ),
            models.UniqueConstraint(
                fields=["pupil", "volunteer"],
                condition=Q(ended_on=None, kind="volunteer"),
                name="pair_unique_active_volunteer",
                violation_error_message=_("这一结对已经存在。"),
            ),
        ]
        indexes = [
            # The board and the scope: a school's active pairs, by teacher.
            models.Index(fields=["school", "ended_on", "teacher"], name="pair_active_by_teacher"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id}–{self.partner_name}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def last_activity_on(self) -> datetime.date | None:
        """The later of the pair's last check and its teacher's last care record about the
        child, as annotated by visits.selectors.with_last_activity; None without them."""
        days = (getattr(self, "last_checked_on", None), getattr(self, "last_recorded_on", None))
        return max((day for day in days if day is not None), default=None)

    @property
    def partner(self) -> "User | Pupil | Volunteer | None":
        """Causes a query unless the partner was selected with the pair."""
        return {
            self.Kind.TEACHER: self.teacher,
            self.Kind.BUDDY: self.buddy,
            self.Kind.VOLUNTEER: self.volunteer,
        }.get(self.kind)

    @property
    def partner_name(self) -> str:
        partner = self.partner
        return str(partner) if partner is not None else ""

    @property
    def partner_phone(self) -> str:
        partner = self.partner
        return getattr(partner, "phone", "") if partner is not None else ""


class ClassPairCount(models.Model):
    """The pairs of a class's children (school_class None: the school's children in no class),
    pending imports left out, as the register (结对帮扶登记表) offers its classes: kept by
    pairing.services.pair_counts_refresh in the transaction of every pair begun or ended and of
    every move of a child between classes, rebuilt by `manage.py recount_flags`."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="class_pair_counts", verbose_name=_("学校")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pair_counts",
        verbose_name=_("班级"),
    )
    active = models.PositiveIntegerField(_("在结对"), default=0)
    total = models.PositiveIntegerField(_("全部结对"), default=0)  # the ended ones too

    class Meta:
        verbose_name = _("班级结对数")
        verbose_name_plural = _("班级结对数")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_class"],
                condition=Q(school_class__isnull=False),
                name="class_pair_count_unique_class",
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(school_class__isnull=True),
                name="class_pair_count_unique_unplaced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.school_class_id}"


class HelpPlan(models.Model):
    """帮扶计划: what the pair aims at, what they will do, and when."""

    pair = models.OneToOneField(
        Pair, on_delete=models.PROTECT, related_name="plan", verbose_name=_("结对")
    )
    goals = models.TextField(_("帮扶目标"), blank=True)
    content = models.TextField(_("帮扶内容"), blank=True)
    schedule = models.TextField(_("时间安排"), blank=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("填写人"), null=True
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


# Those whose checks of a pair are the school's (学校检查): its leadership. A check by anyone
# else, or by the pair's own teacher whatever their role, is the pair teacher's own (自查).
SCHOOL_CHECKERS = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.MORAL_LEAD})


class PairCheck(models.Model):
    """定期检查: a check of the plan, with the child's progress (进步档案)."""

    pair = models.ForeignKey(
        Pair, on_delete=models.PROTECT, related_name="checks", verbose_name=_("结对")
    )
    checked_on = models.DateField(_("检查日期"), default=timezone.localdate)
    progress = models.TextField(_("进步情况"))
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步措施"), blank=True)
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人"), null=True
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("定期检查")
        verbose_name_plural = _("定期检查")
        ordering = ["-checked_on", "-pk"]
        indexes = [models.Index(fields=["pair", "-checked_on"], name="paircheck_by_pair")]

    def __str__(self) -> str:
        return self.checked_on.isoformat()

    def clean(self) -> None:
        if self.checked_on and self.checked_on > timezone.localdate():
            raise ValidationError({"checked_on": _("检查日期不能晚于今天。")})
        pair = self.pair if self.pair_id else None
        if pair is not None and self.checked_on and self.checked_on < pair.started_on:
            raise ValidationError({"checked_on": _("检查日期不能早于结对日期。")})
