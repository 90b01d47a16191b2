"""Care records (关爱记录): the visits, talks, calls and other care teachers give, and the
五必访 events that make a visit due.

A record is corrected, never silently rewritten (each correction keeps the old values), and
never deleted: a record entered by mistake is voided with a reason.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.periods import Period, month_of
from registry.models import Pupil, School, SchoolSettings, Term, User


class CareSettings(SchoolSettings):
    """A school's quotas; a school without a row uses the defaults (see ../shared/DOMAIN.md)."""

    school = models.OneToOneField(
        School, on_delete=models.PROTECT, related_name="care_settings", verbose_name=_("学校")
    )
    talks_per_month = models.PositiveSmallIntegerField(
        _("每名留守儿童每月谈心次数"), default=1, validators=[MaxValueValidator(10)]
    )
    home_visits_per_term = models.PositiveSmallIntegerField(
        _("每名留守儿童每学期家访次数"), default=1, validators=[MaxValueValidator(10)]
    )
    family_calls_per_month = models.PositiveSmallIntegerField(
        _("每名留守儿童每月亲情电话（与父母通话）次数"),
        default=1,
        validators=[MaxValueValidator(10)],
    )
    guardian_calls_per_month = models.PositiveSmallIntegerField(
        _("每名留守儿童每月电话家访（与监护人）次数"), default=1, validators=[MaxValueValidator(10)]
    )
    teacher_visits_per_month = models.PositiveSmallIntegerField(
        _("每名教师每月家访学生数"), default=5, validators=[MaxValueValidator(50)]
    )
    watch_due_days = models.PositiveSmallIntegerField(
        _("五必访：几天内必访"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    phone_visits_answer_watch = models.BooleanField(
        _("电话家访也可回应五必访"),
        default=False,
        help_text=_("不勾选时，五必访只能由上门家访回应。"),
    )
    no_contact_days = models.PositiveSmallIntegerField(
        _("多少天无联系即提醒"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )

    def watch_answering_kinds(self) -> tuple[str, ...]:
        """The kinds of record that answer a 五必访: a visit to the family (家访), and a
        phone call to it where the school allows."""
        if self.phone_visits_answer_watch:
            return (CareRecord.Kind.HOME_VISIT, CareRecord.Kind.PHONE_VISIT)
        return (CareRecord.Kind.HOME_VISIT,)

    class Meta:
        verbose_name = _("关爱工作设置")
        verbose_name_plural = _("关爱工作设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


def live_records(path: str = "") -> Q:
    """Records that count (not voided), as a filter; through a relation, give its path
    (``"care_records__"``). The one spelling of the rule behind CareRecord.objects.live()."""
    return Q(**{f"{path}voided_at": None})


class CareRecordQuerySet(models.QuerySet):
    def live(self) -> "CareRecordQuerySet":
        """Records that count: not voided."""
        return self.filter(live_records())


class CareRecord(models.Model):
    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("家访")
        TALK = "talk", _("谈心")
        PHONE_VISIT = "phone_visit", _("电话家访")
        FAMILY_CALL = "family_call", _("亲情电话")
        SYMPOSIUM = "symposium", _("座谈会")
        PARENT_MEETING = "parent_meeting", _("家长会")
        COUNSELLING = "counselling", _("心理辅导")
        DIARY = "diary", _("成长日记")
        TUTORING = "tutoring", _("学习辅导")
        ASSISTANCE = "assistance", _("资助")
        ACTIVITY = "activity", _("活动")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("低")
        MEDIUM = "medium", _("中")
        HIGH = "high", _("高")

    class Referral(models.TextChoices):
        HOSPITAL = "hospital", _("医院")
        SOCIAL_WORKER = "social_worker", _("社工")
        POLICE = "police", _("公安")
        WOMENS_FEDERATION = "womens_federation", _("妇联")
        OTHER = "other", _("其他")

    class MetWith(models.TextChoices):
        CHILD = "child", _("儿童本人")
        GUARDIAN = "guardian", _("监护人")
        PARENTS = "parents", _("父母")
        FAMILY = "family", _("儿童和家人")
        OTHER = "other", _("其他")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="care_records", verbose_name=_("学校")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("日期"), default=timezone.localdate)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="care_records", verbose_name=_("记录人")
    )
    pupils = models.ManyToManyField(Pupil, related_name="care_records", verbose_name=_("儿童"))
    met_with = models.CharField(
        _("见到或联系的人"), max_length=12, choices=MetWith.choices, blank=True
    )
    place = models.CharField(_("地点或方式"), max_length=100, blank=True)
    content = models.TextField(_("谈话或活动内容"))
    problems = models.TextField(_("发现的问题"), blank=True)
    measures = models.TextField(_("采取的措施"), blank=True)
    follow_up = models.CharField(_("需要跟进的事"), max_length=200, blank=True)
    follow_up_by = models.DateField(_("跟进期限"), null=True, blank=True)
    # 四导: which of the four kinds of guidance the record served.
    guides_mind = models.BooleanField(_("心理上疏导"), default=False)
    guides_life = models.BooleanField(_("生活上指导"), default=False)
    guides_study = models.BooleanField(_("学习上辅导"), default=False)
    guides_behaviour = models.BooleanField(_("行为上引导"), default=False)
    # 资助
    programme = models.CharField(_("资助项目"), max_length=60, blank=True)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    items = models.CharField(_("物品"), max_length=200, blank=True)
    # 心理辅导 only (record_counselling_fields): confidential like the content (shows_content).
    presented = models.TextField(_("主诉和表现"), blank=True)
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, blank=True
    )
    plan = models.TextField(_("辅导计划"), blank=True)
    referral_to = models.CharField(_("转介"), max_length=20, choices=Referral.choices, blank=True)
    referral_note = models.CharField(_("转介机构或说明"), max_length=100, blank=True)
    referred_on = models.DateField(_("转介日期"), null=True, blank=True)
    # On the author's 我的待办 until a later counselling record about the child is written.
    next_session_on = models.DateField(_("随访日期"), null=True, blank=True)
    # 补记: written after the period that counts it (its month, or its term for kinds counted
    # per term) had ended; counted, but never as if on time. Set by the services.
    recorded_late = models.BooleanField(_("补记"), default=False)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = CareRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("关爱记录")
        verbose_name_plural = _("关爱记录")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voided_at=None) | ~Q(void_reason=""), name="record_void_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(amount=None) | Q(kind="assistance"), name="record_amount_is_assistance"
            ),
            models.CheckConstraint(
                condition=Q(kind="counselling")
                | Q(
                    presented="",
                    risk_level="",
                    plan="",
                    referral_to="",
                    referral_note="",
                    referred_on=None,
                    next_session_on=None,
                ),
                name="record_counselling_fields",
            ),
        ]
        indexes = [
            # Work lists and the compliance view: a school's records of a kind in a date range.
            models.Index(fields=["school", "kind", "occurred_on"], name="record_kind_date"),
            # The records page: a school's newest records first.
            models.Index(fields=["school", "-occurred_on", "-id"], name="record_newest"),
            # The same for the records that are not void: the records page and its count
            # (how many pages) read the index alone, not 200,000 rows for their voided_at.
            models.Index(
                fields=["school", "-occurred_on", "-id"],
                condition=Q(voided_at=None),
                name="record_live_newest",
            ),
            # The dashboard's and the summary's figures of a period (records by month, by kind,
            # 四导): read from this index alone, not the term's rows. voided_at is a column
            # too, as SQLite reads an index alone only when it holds every column the query
            # names, the partial index's condition included.
            models.Index(
                fields=[
                    "school",
                    "occurred_on",
                    "kind",
                    "voided_at",
                    "guides_mind",
                    "guides_life",
                    "guides_study",
                    "guides_behaviour",
                ],
                condition=Q(voided_at=None),
                name="record_live_figures",
            ),
            # The principal's high-risk alerts: a school's records of a risk level.
            models.Index(fields=["school", "risk_level"], name="record_risk"),
            # A teacher's records since a day: whether a pair is idle (per pair, from its
            # teacher's few recent records, with or without the planner's statistics).
            models.Index(fields=["author", "occurred_on"], name="record_author_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"

    GUIDE_FIELDS = ("guides_mind", "guides_life", "guides_study", "guides_behaviour")
    COUNSELLING_FIELDS = (
        "presented",
        "risk_level",
        "plan",
        "referral_to",
        "referral_note",
        "referred_on",
        "next_session_on",
    )
    # What a person fills in (the rest is set by the services).
    FILLED_IN = (
        "kind",
        "occurred_on",
        "met_with",
        "place",
        "content",
        "problems",
        "measures",
        "follow_up",
        "follow_up_by",
        *GUIDE_FIELDS,
        "programme",
        "amount",
        "items",
        *COUNSELLING_FIELDS,
    )

    # The kinds counted per term (the rest per month), and the days after a period's end in
    # which a record of it is still on time (a visit on the 31st written up on the 2nd).
    TERM_KINDS = (Kind.HOME_VISIT, Kind.SYMPOSIUM, Kind.PARENT_MEETING)
    LATE_AFTER_DAYS = 3

    def counting_period(self) -> Period:
        """The month or term that counts this record. A query for kinds counted per term."""
        if self.kind in self.TERM_KINDS:
            term = Term.objects.containing(self.school_id, self.occurred_on)
            if term is not None:
                return term.period
        return month_of(self.occurred_on)

    def is_late_on(self, day: datetime.date) -> bool:
        """Written on that day, would this record be 补记? May cause a query."""
        end = self.counting_period().end
        return day > end + datetime.timedelta(days=self.LATE_AFTER_DAYS)

    @property
    def is_confidential(self) -> bool:
        """Counselling content is read only by counsellors and the principal."""
        return self.kind == self.Kind.COUNSELLING

    @property
    def guides(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.GUIDE_FIELDS
            if getattr(self, name)
        ]

    def clean(self) -> None:
        errors = {}
        if self.occurred_on and self.occurred_on > timezone.localdate():
            errors["occurred_on"] = _("日期不能晚于今天。")
        if self.follow_up_by and self.occurred_on and self.follow_up_by < self.occurred_on:
            errors["follow_up_by"] = _("跟进期限不能早于记录日期。")
        if self.kind != self.Kind.ASSISTANCE and (self.amount is not None or self.programme):
            errors["amount"] = _("只有资助记录填写资助项目和金额。")
        if self.kind == self.Kind.ASSISTANCE and self.amount is None and not self.items:
            errors["amount"] = _("资助记录请填写金额或物品。")
        errors |= self._counselling_errors()
        if errors:
            raise ValidationError(errors)

    def _counselling_errors(self) -> dict:
        if self.kind != self.Kind.COUNSELLING:
            filled = [name for name in self.COUNSELLING_FIELDS if getattr(self, name)]
            if filled:
                return {filled[0]: _("只有心理辅导记录填写主诉、风险等级、辅导计划、转介和随访。")}
            return {}
        errors = {}
        if self.referral_to and not self.referred_on:
            errors["referred_on"] = _("请填写转介日期。")
        if self.referred_on and not self.referral_to:
            errors["referral_to"] = _("请选择转介到哪里。")
        if self.referral_to == self.Referral.OTHER and not self.referral_note.strip():
            errors["referral_note"] = _("转介到“其他”时，请写明机构。")
        if self.referred_on and self.occurred_on and self.referred_on < self.occurred_on:
            errors["referred_on"] = _("转介日期不能早于辅导日期。")
        if self.next_session_on and self.occurred_on and self.next_session_on <= self.occurred_on:
            errors["next_session_on"] = _("随访日期应晚于这次辅导的日期。")
        return errors

    @property
    def is_high_risk(self) -> bool:
        return self.kind == self.Kind.COUNSELLING and self.risk_level == self.RiskLevel.HIGH


class PupilTermTally(models.Model):
    """How many live records of a kind name a child in a term, and the latest one's date: the
    dashboards' per-term figures read these rows instead of the term's records × their
    children. Derived, not a child's data: kept by visits.tallies.retally in the transaction of
    every write that changes them, rebuilt by `manage.py recount_tallies`; a row of 0 is
    deleted, and rows go with their school, term or child (CASCADE)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("学校")
    )
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("学期")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("儿童")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=CareRecord.Kind.choices)
    records = models.PositiveIntegerField(_("记录数"))
    last_on = models.DateField(_("最近日期"))

    class Meta:
        verbose_name = _("学期关爱计数")
        verbose_name_plural = _("学期关爱计数")
        ordering = ["term", "pupil", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["term", "pupil", "kind"], name="tally_once"),
            models.CheckConstraint(condition=Q(records__gt=0), name="tally_records_positive"),
        ]
        indexes = [
            # A school's children reached by a kind in a term (the dashboard's 家访 figures)
            # and their records (the county's sums): read from this index alone.
            models.Index(
                fields=["school", "term", "kind", "pupil", "records"], name="tally_school_term"
            ),
            # The children a kind reached in the term since a day (关爱落实's and the
            # dashboard's talks this month, reached_since): the range of the day, index alone.
            # `records` too, so that a query the index above serves reads either alone.
            models.Index(
                fields=["school", "term", "kind", "last_on", "pupil", "records"],
                name="tally_kind_recent",
            ),
            # Whether a child was reached in the term since a day (no contact, reached_since),
            # one seek of the index alone a child: by tally_once's, each of its rows was read.
            models.Index(fields=["term", "pupil", "last_on"], name="tally_pupil_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.term_id} {self.pupil_id} {self.kind}: {self.records}"


class RecordDayCount(models.Model):
    """How many live care records of a kind a school has for a day, and how many of them
    served each of 四导: a period's figures (records by kind and by month, 四导) add up these
    rows, a few thousand a term whatever the school's size, instead of reading the period's
    records. Derived, not a record's data: kept by visits.tallies.count_day in the
    transaction of every write of a record (create, correct, void), rebuilt with the tallies
    by recount_school (`manage.py recount_tallies`); a row of 0 is deleted."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("学校")
    )
    day = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=CareRecord.Kind.choices)
    records = models.PositiveIntegerField(_("记录数"))
    guides_mind = models.PositiveIntegerField(_("心理上疏导"), default=0)
    guides_life = models.PositiveIntegerField(_("生活上指导"), default=0)
    guides_study = models.PositiveIntegerField(_("学习上辅导"), default=0)
    guides_behaviour = models.PositiveIntegerField(_("行为上引导"), default=0)

    class Meta:
        verbose_name = _("每日关爱记录数")
        verbose_name_plural = _("每日关爱记录数")
        ordering = ["school", "day", "kind", "pk"]
        constraints = [
            # Also the index a period's figures read: a school's days in a range.
            models.UniqueConstraint(fields=["school", "day", "kind"], name="record_day_once"),
            models.CheckConstraint(condition=Q(records__gt=0), name="record_day_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.records}"


class RiskAcknowledgement(models.Model):
    """The principal has seen a high-risk counselling record: its alert leaves their home page."""

    record = models.ForeignKey(
        CareRecord,
        on_delete=models.PROTECT,
        related_name="acknowledgements",
        verbose_name=_("记录"),
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("已阅人")
    )
    at = models.DateTimeField(_("已阅时间"), default=timezone.now)

    class Meta:
        verbose_name = _("高风险提醒已阅")
        verbose_name_plural = _("高风险提醒已阅")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="risk_seen_once"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.user_id}"


class CareRecordRevision(models.Model):
    """A correction of a record: who changed what, from what, when."""

    record = models.ForeignKey(
        CareRecord, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("记录")
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    summary = models.CharField(_("摘要"), max_length=100)
    changes = models.JSONField(_("变更内容"), default=list)

    class Meta:
        verbose_name = _("记录修改")
        verbose_name_plural = _("记录修改")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.summary


def watch_overdue(day: datetime.date) -> Q:
    """五必访 still unanswered after their due date (逾期), as a filter: the dashboard's, the
    compliance page's and the county's one rule."""
    return Q(answered_by=None, due_on__lt=day)


def watch_late(day: datetime.date) -> Q:
    """五必访 not done 按时: overdue, or answered by a record dated after the due date."""
    return watch_overdue(day) | Q(answered_by__occurred_on__gt=F("due_on"))


class WatchEventQuerySet(models.QuerySet):
    def overdue(self, day: datetime.date) -> "WatchEventQuerySet":
        return self.filter(watch_overdue(day))


class WatchEvent(models.Model):
    """五必访: something noticed about a child that makes a home visit or talk due."""

    class Kind(models.TextChoices):
        ILL = "ill", _("身体不佳")
        LOW_MOOD = "low_mood", _("情绪不好")
        GRADES = "grades", _("学习成绩下降")
        QUARREL = "quarrel", _("与同学争吵")
        LATE = "late", _("迟到早退")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="watch_events", verbose_name=_("学校")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="watch_events", verbose_name=_("儿童")
    )
    kind = models.CharField(_("情况"), max_length=12, choices=Kind.choices)
    noticed_on = models.DateField(_("发现日期"), default=timezone.localdate)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    due_on = models.DateField(_("必访期限"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    answered_by = models.ForeignKey(
        CareRecord,
        on_delete=models.PROTECT,
        related_name="answered_events",
        verbose_name=_("回应的记录"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = WatchEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("五必访")
        verbose_name_plural = _("五必访")
        ordering = ["due_on", "pk"]
        indexes = [
            # What is due: a school's unanswered events by date.
            models.Index(fields=["school", "answered_by", "due_on"], name="watch_open_by_due"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.answered_by_id is None and self.due_on < (today or timezone.localdate())


def _attachment_path(attachment: "RecordAttachment", filename: str) -> str:
    """A random name under the school's folder: the uploaded name is kept in the row only, so a
    name can neither collide nor reach outside MEDIA_ROOT."""
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    ending = suffix.get(attachment.content_type, "")
    return f"attachments/{attachment.record.school_id}/{uuid.uuid4().hex}{ending}"


class RecordAttachment(models.Model):
    """Evidence of a record (存在做完事无印证资料的现象): a photo of a visit, a signed
    responsibility letter, a scan. Served only to those who may read the record."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        LETTER = "letter", _("责任书")
        SCAN = "scan", _("扫描件")
        OTHER = "other", _("其他")

    record = models.ForeignKey(
        CareRecord, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("记录")
    )
    kind = models.CharField(_("附件类型"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件格式"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    # When the file was deleted after the retention time of the children it showed
    # (scrub_leavers); the row stays, so that the record still shows it had evidence.
    scrubbed_at = models.DateTimeField(_("清除时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Emergency(models.Model):
    """突发事件, handled in three steps, each recorded with its time and the people who acted:
    A. the class teacher and principal act at once; B. the parents away are contacted;
    C. the education office and local government are told."""

    class Kind(models.TextChoices):
        INJURY = "injury", _("意外伤害")
        ILLNESS = "illness", _("急病")
        MISSING = "missing", _("走失或未到校")
        WATER = "water", _("溺水")
        TRAFFIC = "traffic", _("交通事故")
        CRISIS = "crisis", _("心理危机")
        BULLYING = "bullying", _("欺凌")
        ABUSE = "abuse", _("疑似遭受侵害")
        OTHER = "other", _("其他")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="emergencies", verbose_name=_("学校")
    )
    kind = models.CharField(_("事件类型"), max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    description = models.TextField(_("经过"))
    pupils = models.ManyToManyField(Pupil, related_name="emergencies", verbose_name=_("儿童"))
    reported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结案人"),
        null=True,
        blank=True,
    )
    outcome = models.TextField(_("处理结果"), blank=True)
    not_reported_reason = models.CharField(_("未上报原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at=None) | ~Q(outcome=""), name="emergency_closed_has_outcome"
            ),
        ]
        indexes = [
            # The principal's open emergencies on every dashboard.
            models.Index(fields=["school", "closed_at"], name="emergency_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def needs_mandatory_report(self) -> bool:
        """强制报告 (未成年人保护法 art. 11): a suspected abuse is reported to 公安 or 民政."""
        return self.kind == self.Kind.ABUSE


class EmergencyStep(models.Model):
    class Step(models.TextChoices):
        ACT = "A", _("A. 班主任和校长立即处置")
        PARENTS = "B", _("B. 第一时间联系在外父母")
        REPORT = "C", _("C. 报告教育办和当地政府")
        # Only for a suspected abuse (Emergency.needs_mandatory_report), beside A, B and C.
        MANDATORY = "R", _("强制报告：报告公安或民政")

    class Authority(models.TextChoices):
        POLICE = "police", _("公安")
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        BOTH = "both", _("公安和民政")

    THREE_STEPS = (Step.ACT, Step.PARENTS, Step.REPORT)

    emergency = models.ForeignKey(
        Emergency, on_delete=models.PROTECT, related_name="steps", verbose_name=_("突发事件")
    )
    step = models.CharField(_("步骤"), max_length=1, choices=Step.choices)
    done_at = models.DateTimeField(_("时间"))
    persons = models.CharField(_("经办人"), max_length=100)
    note = models.TextField(_("做了什么"), blank=True)
    # 强制报告 only: to whom, and the receipt (回执) they gave.
    authorities = models.CharField(
        _("报告给"), max_length=16, choices=Authority.choices, blank=True
    )
    receipt = models.CharField(_("回执号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("处置步骤")
        verbose_name_plural = _("处置步骤")
        ordering = ["step", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["emergency", "step"], name="emergency_step_once"),
            models.CheckConstraint(
                condition=Q(step="R", authorities__gt="") | Q(~Q(step="R"), authorities=""),
                name="emergency_step_report_has_authorities",
            ),
        ]

    def __str__(self) -> str:
        return self.get_step_display()

    def clean(self) -> None:
        if self.step != self.Step.MANDATORY:
            return
        errors = {}
        if not self.authorities:
            errors["authorities"] = _("请选择报告给公安还是民政（或两者）。")
        if not self.receipt.strip() and not self.note.strip():
            errors["receipt"] = _("请填写回执号；没有回执的，在说明中写明报告方式和接报人。")
        if errors:
            raise ValidationError(errors)


def out_of_school(day: datetime.date) -> Q:
    """DropoutCase rows of children out of school on the day (辍学): a case of 已辍学 still open,
    or 已劝返复学 after the day. A case's status has no dated history; one closed after the day
    was open on it. The summary's and the county's one rule."""
    return Q(opened_on__lte=day) & (
        Q(status=DropoutCase.Status.DROPPED_OUT, closed_on=None)
        | Q(status=DropoutCase.Status.RETURNED, closed_on__gt=day)
    )


class DropoutCase(models.Model):
    """控辍保学: a child at risk of dropping out, or out of school, watched (监控), reported (报告)
    and persuaded back (劝返); the actions taken are its history."""

    class Status(models.TextChoices):
        AT_RISK = "at_risk", _("有辍学风险")
        DROPPED_OUT = "dropped_out", _("已辍学")
        RETURNED = "returned", _("已劝返复学")
        CLEARED = "cleared", _("风险解除")

    OPEN = (Status.AT_RISK, Status.DROPPED_OUT)

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="dropout_cases", verbose_name=_("学校")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="dropout_cases", verbose_name=_("儿童")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.AT_RISK
    )
    opened_on = models.DateField(_("发现日期"), default=timezone.localdate)
    reason = models.TextField(_("原因和表现"))
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("控辍保学")
        verbose_name_plural = _("控辍保学")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            # One open case per child: new actions go to it.
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(status__in=["at_risk", "dropped_out"]),
                name="dropout_one_open_case",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["at_risk", "dropped_out"]) | ~Q(closed_on=None),
                name="dropout_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class DropoutAction(models.Model):
    class Kind(models.TextChoices):
        MONITOR = "monitor", _("监控")
        REPORT = "report", _("报告")
        PERSUADE = "persuade", _("劝返")
        OTHER = "other", _("其他")

    case = models.ForeignKey(
        DropoutCase, on_delete=models.PROTECT, related_name="actions", verbose_name=_("个案")
    )
    kind = models.CharField(_("措施"), max_length=10, choices=Kind.choices)
    done_on = models.DateField(_("日期"), default=timezone.localdate)
    note = models.TextField(_("做了什么"))
    status_after = models.CharField(
        _("之后状态"), max_length=12, choices=DropoutCase.Status.choices
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("控辍保学措施")
        verbose_name_plural = _("控辍保学措施")
        ordering = ["done_on", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()
