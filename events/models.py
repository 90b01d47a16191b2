"""The school's own care work held for many children at once (座谈会, 家长会, 六一, 生日会 …),
with who attended. Recorded once by whoever ran it; never deleted: voided with a reason."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import GRADE_NAMES, Pupil, School, SchoolClass, User


class EventQuerySet(models.QuerySet):
    def live(self) -> "EventQuerySet":
        """Events that count: not voided."""
        return self.filter(voided_at=None)

    def with_attendance(self) -> "EventQuerySet":
        """Each event with ``children``, how many children attended (one query for a list)."""
        return self.annotate(children=models.Count("pupils", distinct=True))


class Event(models.Model):
    class Kind(models.TextChoices):
        SYMPOSIUM = "symposium", _("座谈会")
        PARENT_MEETING = "parent_meeting", _("家长会")
        PARENT_SCHOOL = "parent_school", _("家长学校/监护人培训")
        MENTAL_HEALTH = "mental_health", _("心理健康教育课")
        CARE_ACTIVITY = "care_activity", _("关爱活动")
        BIRTHDAY = "birthday", _("生日会")
        SAFETY = "safety", _("安全教育")
        OTHER = "other", _("其他")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="events", verbose_name=_("学校")
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(
        _("活动名称"), max_length=60, blank=True, help_text=_("类型为“其他”时必填。")
    )
    # Neither a grade nor a class: the whole school.
    grade = models.PositiveSmallIntegerField(
        _("年级"), choices=list(GRADE_NAMES.items()), null=True, blank=True
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("班级"),
        null=True,
        blank=True,
    )
    occurred_on = models.DateField(_("日期"), default=timezone.localdate)
    place = models.CharField(_("地点"), max_length=100)
    led_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="led_events", verbose_name=_("主持人")
    )
    content = models.TextField(_("活动内容"))
    pupils = models.ManyToManyField(
        Pupil, related_name="events", verbose_name=_("参加的儿童"), blank=True
    )
    guardians = models.PositiveSmallIntegerField(_("到会家长/监护人人数"), default=0)
    guardian_names = models.CharField(_("到会家长/监护人姓名"), max_length=300, blank=True)
    # 安全/监护责任书 signed with guardians at the event (家长会, 安全教育, 家长学校): the term
    # summary's 安全教育和责任书.
    letters_signed = models.PositiveSmallIntegerField(_("签订责任书份数"), default=0)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="recorded_events", verbose_name=_("记录人")
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    # The kinds at which guardians sign 安全/监护责任书 (letters_signed).
    LETTER_KINDS = (Kind.PARENT_MEETING, Kind.SAFETY, Kind.PARENT_SCHOOL)

    class Meta:
        verbose_name = _("学校活动")
        verbose_name_plural = _("学校活动")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voided_at=None) | ~Q(void_reason=""), name="event_void_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(grade=None) | Q(school_class=None), name="event_grade_or_class"
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(name=""), name="event_other_has_name"
            ),
        ]
        # The dashboard and the summary count a school's events in a term.
        indexes = [models.Index(fields=["school", "occurred_on"], name="event_school_day")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.name if self.kind == self.Kind.OTHER else str(self.get_kind_display())

    @property
    def scope_label(self) -> str:
        """全校, a grade or a class; with a class, costs its query unless select_related."""
        if self.school_class_id:
            return self.school_class.name
        if self.grade:
            return str(GRADE_NAMES.get(self.grade, self.grade))
        return str(_("全校"))

    def clean(self) -> None:
        if self.kind == self.Kind.OTHER and not self.name.strip():
            raise ValidationError({"name": _("类型为“其他”时请填写活动名称。")})
        if self.letters_signed and self.kind not in self.LETTER_KINDS:
            raise ValidationError(
                {"letters_signed": _("只有家长会、安全教育和家长学校登记签订的责任书。")}
            )


def _photo_path(photo: "EventPhoto", filename: str) -> str:
    """A random name under the school's folder (the uploaded name stays in the row only)."""
    ending = {"image/jpeg": ".jpg", "image/png": ".png"}.get(photo.content_type, "")
    return f"event-photos/{photo.event.school_id}/{uuid.uuid4().hex}{ending}"


class EventPhotoQuerySet(models.QuerySet):
    def live(self) -> "EventPhotoQuerySet":
        return self.filter(voided_at=None)


class EventPhoto(models.Model):
    """A photo of an event (存在做完事无印证资料的现象), served only to those who read the event.
    Never deleted: voided with a reason, and then no longer shown or served."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="photos", verbose_name=_("活动")
    )
    file = models.FileField(_("照片"), upload_to=_photo_path, max_length=200)
    # A small copy for the event's page, so a phone does not load every full photo.
    thumbnail = models.FileField(_("缩略图"), upload_to=_photo_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件格式"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    # Children at the event whose guardians have not consented to photos: the uploader ticked
    # that none of them is in the photo (names in the access log row of the upload).
    confirmed_absent = models.BooleanField(_("已确认照片中没有未同意的儿童"), default=False)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
        null=True,
        blank=True,
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    objects = EventPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voided_at=None) | ~Q(void_reason=""), name="event_photo_void_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class EventQuota(models.Model):
    """How many events of a kind the school wants a term, for the whole school or for each
    class (座谈会 1 a school, 家长会 2 a class …). A school without rows uses DEFAULT_QUOTAS."""

    class Per(models.TextChoices):
        SCHOOL = "school", _("全校")
        CLASS = "class", _("每班")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="event_quotas", verbose_name=_("学校")
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=Event.Kind.choices)
    per_term = models.PositiveSmallIntegerField(
        _("每学期次数"), default=0, validators=[MaxValueValidator(20)]
    )
    per = models.CharField(_("计算范围"), max_length=10, choices=Per.choices, default=Per.CLASS)

    class Meta:
        verbose_name = _("活动次数要求")
        verbose_name_plural = _("活动次数要求")
        ordering = ["school", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="event_quota_one_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.per_term}"


# What a school that has set nothing is asked for: the schools' documents hold a 座谈会 each
# term for the school and 家长会 twice a term in each class (see ../shared/DOMAIN.md).
DEFAULT_QUOTAS = {
    Event.Kind.SYMPOSIUM: (1, EventQuota.Per.SCHOOL),
    Event.Kind.PARENT_MEETING: (2, EventQuota.Per.CLASS),
}
