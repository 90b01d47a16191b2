"""The school, its staff and classes, and the archive (档案) of every pupil."""

import datetime
import functools
import operator
from typing import NamedTuple

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from caresys.lib.identity import (
    id_birth_date,
    id_gender,
    normalize_id_number,
    validate_adult_id_number,
    validate_id_number,
    validate_phone,
)
from caresys.lib.periods import Period

GRADE_NAMES = {
    1: _("一年级"),
    2: _("二年级"),
    3: _("三年级"),
    4: _("四年级"),
    5: _("五年级"),
    6: _("六年级"),
    7: _("七年级"),
    8: _("八年级"),
    9: _("九年级"),
}


class SchoolSettings(models.Model):
    """A school's settings of one app: a row once the school changes them, else the defaults."""

    class Meta:
        abstract = True

    @classmethod
    def for_school(cls, school: "School") -> "SchoolSettings":
        """The school's settings, or the defaults (unsaved). A query unless already loaded."""
        accessor = cls._meta.get_field("school").remote_field.get_accessor_name()
        try:
            return getattr(school, accessor)
        except cls.DoesNotExist:
            return cls(school=school)


class Township(models.Model):
    """A township's schools under their 中心学校 (学区): the central school runs its 村小 and
    教学点 and reports for all of them. One installation holds a county's townships."""

    name = models.CharField(_("乡镇（学区）"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("乡镇（学区）")
        verbose_name_plural = _("乡镇（学区）")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("中心学校")
        PRIMARY = "primary", _("完全小学")
        VILLAGE = "village", _("村小")
        TEACHING_POINT = "point", _("教学点")
        JUNIOR = "junior", _("初级中学")
        NINE_YEAR = "nine_year", _("九年一贯制学校")

    name = models.CharField(_("学校名称"), max_length=100)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("所属乡镇（学区）"),
        null=True,
        blank=True,
    )
    kind = models.CharField(
        _("学校类型"), max_length=10, choices=Kind.choices, default=Kind.PRIMARY
    )
    # 学校标识码: the ten digits the 学籍 system knows the school by (its exports carry it).
    code = models.CharField(_("学校标识码"), max_length=10, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[validate_phone])
    # Set only by seed_demo, which refuses to touch a database holding any other school.
    is_demo = models.BooleanField(_("演示学校"), default=False, editable=False)
    leaver_retention_years = models.PositiveSmallIntegerField(
        _("离校学生信息保存年限"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "学生离校（毕业、转学、辍学）满这么多年后，其姓名、证件号、联系方式等个人信息"
            "由每月运行的清除命令清除，统计数字保留。"
        ),
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("无操作自动退出（分钟）"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text=_("登录后超过这么多分钟没有任何操作，即自动退出，需重新登录。"),
    )
    # 关爱对象 beyond the left-behind: the difficulty categories (CATEGORY_FIELDS) whose children
    # the school also cares for. Empty (the default): the left-behind only. See in_care().
    care_categories = models.JSONField(
        _("纳入关爱对象的困境儿童类别"),
        default=list,
        blank=True,
        help_text=_(
            "留守儿童始终是关爱对象；勾选的类别的儿童即使不是留守儿童，也一同结对帮扶、"
            "列入待办和统计（单独列为“困境儿童（非留守）”）。"
        ),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.care_categories or []) - set(CARE_CATEGORY_FIELDS)
        if not isinstance(self.care_categories, list) or unknown:
            raise ValidationError({"care_categories": _("困境儿童类别无效。")})

    @property
    def care_noun(self) -> str:
        """What the care pages call the children they list."""
        return _("关爱对象") if self.care_categories else _("留守儿童")

    @property
    def chosen_category_fields(self) -> list[str]:
        """The 困境儿童 categories the school chose, in the 统计表's order (CATEGORY_FIELDS)."""
        return [field for field in CATEGORY_FIELDS if field in self.care_categories]

    def cares_for(self, pupil: "Pupil") -> bool:
        """Whether the pupil is one of the school's 关爱对象 (the rule of in_care(), in Python)."""
        return pupil.is_left_behind or any(getattr(pupil, f) for f in self.care_categories)


class SchoolYear(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="school_years", verbose_name=_("学校")
    )
    name = models.CharField(_("学年"), max_length=40, help_text=_("如：2025—2026学年"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("学年")
        verbose_name_plural = _("学年")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="schoolyear_ends_after_start"
            ),
            models.UniqueConstraint(fields=["school", "name"], name="schoolyear_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TermQuerySet(models.QuerySet):
    def of_school(self, school_id: int) -> "TermQuerySet":
        """The school's terms, newest first, with their school year."""
        return (
            self.filter(school_year__school_id=school_id)
            .select_related("school_year")
            .order_by("-start_date", "pk")
        )

    def containing(self, school_id: int, day: datetime.date) -> "Term | None":
        """The school's term on that day (None in the holidays). One query."""
        return self.of_school(school_id).filter(start_date__lte=day, end_date__gte=day).first()

    def current(self, school_id: int, day: datetime.date) -> "Term | None":
        """The term on that day, else the last one that began before it. One query."""
        return self.of_school(school_id).filter(start_date__lte=day).first()

    def previous(self, school_id: int, day: datetime.date) -> "Term | None":
        """The last term that ended before that day. One query."""
        return self.of_school(school_id).filter(end_date__lt=day).first()


class Term(models.Model):
    class Number(models.IntegerChoices):
        FIRST = 1, _("第一学期")
        SECOND = 2, _("第二学期")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="terms", verbose_name=_("学年")
    )
    number = models.PositiveSmallIntegerField(_("学期"), choices=Number.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="term_ends_after_start"
            ),
            models.UniqueConstraint(fields=["school_year", "number"], name="term_unique_number"),
        ]

    def __str__(self) -> str:
        """Causes a query unless school_year is selected with the term."""
        return f"{self.school_year.name}{self.get_number_display()}"

    @property
    def period(self) -> Period:
        """Causes a query unless school_year is selected with the term."""
        return Period(self.start_date, self.end_date, str(self))


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    PRINCIPAL = "principal", _("校长")
    CLASS_TEACHER = "class_teacher", _("班主任")
    PAIR_TEACHER = "pair_teacher", _("帮扶教师")
    COUNSELLOR = "counsellor", _("心理老师")
    # 德育主任: runs the school's events (座谈会, 家长会, 六一 …); reads the events and the names
    # and classes of the children in care, not their archives nor counselling.
    MORAL_LEAD = "moral_lead", _("德育主任")
    # Above the schools, reading only: the 中心学校's staff read their township's schools, the
    # education bureau's every school; neither edits a school's children.
    TOWNSHIP = "township", _("中心学校（学区）")
    BUREAU = "bureau", _("教育局")
    # The installation's registrar: creates schools and their first administrators.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


# Those who run the school's care work: they pair children, read the dashboard and the term
# summary, and handle emergencies for the whole school.
CARE_LEADS = frozenset({Role.ADMIN, Role.PRINCIPAL})
# Those who read every pupil of the school (the others read their class and paired children).
WHOLE_SCHOOL_READERS = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.COUNSELLOR})
# Those who read counselling content.
COUNSELLING_READERS = frozenset({Role.COUNSELLOR, Role.PRINCIPAL})
# Those who record and read the events of the whole school (a class teacher: their class's).
EVENT_ORGANISERS = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.MORAL_LEAD})
# Those who read across schools (the county's pages), each within their reach.
COUNTY_READERS = frozenset({Role.TOWNSHIP, Role.BUREAU, Role.SYSTEM_ADMIN})
# The roles a school's registrar gives its staff; the county's are the installation
# registrar's to give (a school's registrar granting 教育局 would read every school).
SCHOOL_ROLES = tuple(role for role in Role if role not in COUNTY_READERS)


def validate_roles(value: object) -> None:

    if not isinstance(value, list) or any(role not in Role.values for role in value):
        raise ValidationError(_("角色无效。"), code="invalid_roles")


def holding_role(*roles: str) -> Q:
    """Staff holding any of the roles, as a filter the database answers (User.has_role is the
    same rule on one user): the roles are a JSON list, so a role is its name in quotes in the
    list's text ("principal" does not match "central_principal")."""
    return functools.reduce(operator.or_, (Q(roles__icontains=f'"{role}"') for role in roles))


class User(AbstractUser):
    """A member of staff. Roles grant capabilities; a class's head teacher gets that class."""

    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("学校"),
        null=True,
        blank=True,
    )
    # The township a 中心学校 reader reads (Role.TOWNSHIP); their own school, if any, is `school`.
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属乡镇（学区）"),
        null=True,
        blank=True,
    )
    full_name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("手机号"), max_length=30, blank=True, validators=[validate_phone])
    # A short list kept on the row: every request needs it, so it costs no query.
    roles = models.JSONField(_("角色"), default=list, blank=True, validators=[validate_roles])
    # Set with an initial password (staff list import, reset): every page but the password
    # change sends the person there until they have chosen their own.
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)

    class Meta:
        verbose_name = _("教职工")
        verbose_name_plural = _("教职工")
        ordering = ["username", "pk"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        """A school's roles need the school; the 中心学校 reader's, the township it reads (and
        their own school, if any, lies in it); the bureau's and the registrar's need neither.
        Queries the school when a township reader has one."""
        super().clean()
        roles = set(self.roles or [])
        errors = {}
        school_roles = roles - COUNTY_READERS
        if school_roles and self.school_id is None:
            errors["school"] = _("“%(roles)s”是学校的角色，须选择学校。") % {
                "roles": "、".join(
                    str(Role(r).label) for r in sorted(school_roles) if r in Role.values
                )
            }
        if Role.TOWNSHIP in roles:
            if self.township_id is None:
                errors["township"] = _("中心学校（学区）的角色须选择所属乡镇（学区）。")
            elif self.school_id is not None and self.school.township_id != self.township_id:
                errors["township"] = _("本人所在学校不属于这个乡镇（学区）。")
        if errors:
            raise ValidationError(errors)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_school_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has_any_role(self, roles: frozenset[str]) -> bool:
        return not roles.isdisjoint(self.roles)

    @property
    def reads_whole_school(self) -> bool:
        return self.has_any_role(WHOLE_SCHOOL_READERS)

    @property
    def leads_care(self) -> bool:
        return self.has_any_role(CARE_LEADS)

    @property
    def reads_counselling(self) -> bool:
        return self.has_any_role(COUNSELLING_READERS)

    @property
    def organises_events(self) -> bool:
        return self.has_any_role(EVENT_ORGANISERS)

    @property
    def reads_county(self) -> bool:
        """Reads the county's pages (its township's schools or all of them)."""
        return self.has_any_role(COUNTY_READERS)

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles if role in Role.values]


class SchoolClass(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("学校")
    )
    grade = models.PositiveSmallIntegerField(_("年级"), choices=list(GRADE_NAMES.items()))
    number = models.PositiveSmallIntegerField(_("班号"))
    head_teacher = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="headed_classes",
        verbose_name=_("班主任"),
        null=True,
        blank=True,
    )
    subject_teachers = models.ManyToManyField(
        User,
        through="TeachingAssignment",
        related_name="taught_classes",
        verbose_name=_("任课教师"),
        blank=True,
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["grade", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "grade", "number"],
                condition=Q(is_active=True),
                name="schoolclass_unique_active_grade_number",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=9), name="schoolclass_grade_1_to_9"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return class_name(self.grade, self.number)


def class_name(grade: int, number: int, language: str | None = None) -> str:
    """三年级(1)班 in the active language (or the one given: a list of 444 names looks it up
    once), without building a SchoolClass: a large school's tables name 400 classes from
    their grade and number alone."""
    return _class_name(language or get_language(), grade, number)


class ClassRef(NamedTuple):
    """A class as a large school's pages carry it from a row of values: its key, its grade and
    number (named as SchoolClass names itself) and, where the page needs it, its head teacher;
    not a SchoolClass built for each of 444 classes or each child."""

    pk: int
    grade: int
    number: int
    head_teacher_id: int | None = None

    def __str__(self) -> str:
        return class_name(self.grade, self.number)


@functools.lru_cache(maxsize=4096)
def _class_name(language: str | None, grade: int, number: int) -> str:
    """三年级(1)班 in the language: kept per language, since a large school's pages name its
    400 classes several times a request, each name two translations."""
    return gettext("%(grade)s(%(number)d)班") % {
        "grade": GRADE_NAMES.get(grade, grade),
        "number": number,
    }


class TeachingAssignment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("班级")
    )
    teacher = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("教师")
    )
    subject = models.CharField(_("学科"), max_length=20)

    class Meta:
        verbose_name = _("任课安排")
        verbose_name_plural = _("任课安排")
        ordering = ["school_class", "subject", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "teacher", "subject"], name="assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class LeftBehind(models.TextChoices):
    BOTH = "both", _("双亲外出")
    FATHER = "father", _("父亲外出")
    MOTHER = "mother", _("母亲外出")
    # One parent away, which one not yet known (a 学籍 roster says only 单亲留守): left-behind
    # all the same, and an item the class teacher completes in the archive.
    ONE = "one", _("单亲外出（待确认）")
    NONE = "none", _("非留守")

    @classmethod
    def away_statuses(cls) -> list[str]:
        return [cls.BOTH, cls.FATHER, cls.MOTHER, cls.ONE]

    @classmethod
    def one_parent_statuses(cls) -> list[str]:
        """单亲留守: one parent away, whichever it is, known or not."""
        return [cls.FATHER, cls.MOTHER, cls.ONE]

    @classmethod
    def xueji_code(cls, status: str) -> str:
        """The 学籍 field 是否留守儿童: 0 非留守, 1 单亲留守, 2 双亲留守."""
        if status == cls.BOTH:
            return "2"
        return "1" if status in cls.one_parent_statuses() else "0"


# A pupil left behind (one or both parents away), as a filter: the one spelling of the rule.
LEFT_BEHIND = ~Q(left_behind=LeftBehind.NONE)
# 单亲留守 (one parent away), as the statistics count it.
ONE_PARENT_AWAY = Q(left_behind__in=LeftBehind.one_parent_statuses())


def status_read_from(condition: Q, field: str) -> Q:
    """The condition with the left-behind status read from `field` (the status on a day that
    PupilQuerySet.on_day annotates) instead of the current one: one spelling of each rule."""
    children = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(status_read_from(child, field))
            continue
        lookup, value = child
        if lookup == "left_behind" or lookup.startswith("left_behind__"):
            lookup = field + lookup[len("left_behind") :]
        children.append((lookup, value))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


# Left-behind on the day PupilQuerySet.on_day was given.
LEFT_BEHIND_ON_DAY = status_read_from(LEFT_BEHIND, "left_behind_on")

# The categories schools must keep separately; each is a boolean column so that a pupil can be
# in several at once and the statistics table is one aggregate query.
CATEGORY_FIELDS = (
    "is_dropout",
    "is_hardship",
    "lacks_guardian",
    "is_unsupported",
    "is_disabled",
    "is_orphan",
    "is_priority",
)

# The categories a school may make 关爱对象 (School.care_categories); a dropout is followed by
# the dropout watch (劝返), not by the care quotas.
CARE_CATEGORY_FIELDS = tuple(field for field in CATEGORY_FIELDS if field != "is_dropout")


def in_difficulty(school: "School") -> Q:
    """Pupils in a difficulty category the school chose (困境儿童), left-behind or not; no one
    when it chose none."""
    chosen = Q(pk__in=[])
    for field in school.care_categories:
        chosen |= Q(**{field: True})
    return chosen


def in_care(school: "School") -> Q:
    """The school's 关爱对象, as a filter: left-behind, or in a category the school chose. The one
    spelling of "the children we care for" (pairing, what is due, the overviews); the
    left-behind statistics keep LEFT_BEHIND."""
    return LEFT_BEHIND | in_difficulty(school) if school.care_categories else LEFT_BEHIND


def needy_not_left_behind(school: "School") -> Q:
    """困境儿童（非留守）: in care for a chosen category only, their own group in the counts."""
    return in_difficulty(school) & ~LEFT_BEHIND


# 民族 by the GB 3304 code the 学籍 system and the civil-affairs system both use.
ETHNICITY_CHOICES = [
    ("01", _("汉族")), ("02", _("蒙古族")), ("03", _("回族")), ("04", _("藏族")),
    ("05", _("维吾尔族")), ("06", _("苗族")), ("07", _("彝族")), ("08", _("壮族")),
    ("09", _("布依族")), ("10", _("朝鲜族")), ("11", _("满族")), ("12", _("侗族")),
    ("13", _("瑶族")), ("14", _("白族")), ("15", _("土家族")), ("16", _("哈尼族")),
    ("17", _("哈萨克族")), ("18", _("傣族")), ("19", _("黎族")), ("20", _("傈僳族")),
    ("21", _("佤族")), ("22", _("畲族")), ("23", _("高山族")), ("24", _("拉祜族")),
    ("25", _("水族")), ("26", _("东乡族")), ("27", _("纳西族")), ("28", _("景颇族")),
    ("29", _("柯尔克孜族")), ("30", _("土族")), ("31", _("达斡尔族")), ("32", _("仫佬族")),
    ("33", _("羌族")), ("34", _("布朗族")), ("35", _("撒拉族")), ("36", _("毛南族")),
    ("37", _("仡佬族")), ("38", _("锡伯族")), ("39", _("阿昌族")), ("40", _("普米族")),
    ("41", _("塔吉克族")), ("42", _("怒族")), ("43", _("乌孜别克族")), ("44", _("俄罗斯族")),
    ("45", _("鄂温克族")), ("46", _("德昂族")), ("47", _("保安族")), ("48", _("裕固族")),
    ("49", _("京族")), ("50", _("塔塔尔族")), ("51", _("独龙族")), ("52", _("鄂伦春族")),
    ("53", _("赫哲族")), ("54", _("门巴族")), ("55", _("珞巴族")), ("56", _("基诺族")),
]  # fmt: skip


class Assistance(models.TextChoices):
    """救助帮扶 the family receives, as the civil-affairs form lists them."""

    DIBAO = "dibao", _("低保")
    TEMPORARY = "temporary", _("临时救助")
    MEDICAL = "medical", _("医疗救助")
    HOUSING = "housing", _("住房救助")


def validate_assistance(value: object) -> None:
    if not isinstance(value, list) or any(item not in Assistance.values for item in value):
        raise ValidationError(_("救助帮扶的取值无效。"), code="invalid_assistance")


class ChoiceListField(models.JSONField):
    """A few choices ticked at once, stored as a list of their values (救助帮扶)."""

    def __init__(self, *args, item_choices=None, **kwargs) -> None:
        self.item_choices = item_choices
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, kwargs  # the choices are code, not schema

    def labels(self, value: list) -> list[str]:
        names = dict(self.item_choices or [])
        return [str(names.get(item, item)) for item in value or []]

    def formfield(self, **kwargs):
        from django import forms

        return forms.TypedMultipleChoiceField(
            label=self.verbose_name,
            choices=self.item_choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=self.help_text,
        )


def civil_affairs_cutoff(day: datetime.date) -> datetime.date:
    """Born on or before this day, a child is 16 or older on `day` (29 Feb: the 28th)."""
    try:
        return day.replace(year=day.year - 16)
    except ValueError:
        return day.replace(year=day.year - 16, day=28)


def other_parent_cannot_guard() -> Q:
    """One parent away and the other recorded as 无监护能力 (for 单亲外出（待确认）: either)."""

    def flagged(relation: str | None) -> Exists:
        parents = Parent.objects.filter(pupil=OuterRef("pk"), cannot_guard=True)
        return Exists(parents.filter(relation=relation) if relation else parents)

    return (
        (Q(left_behind=LeftBehind.FATHER) & Q(flagged("mother")))
        | (Q(left_behind=LeftBehind.MOTHER) & Q(flagged("father")))
        | (Q(left_behind=LeftBehind.ONE) & Q(flagged(None)))
    )


def civil_affairs_situation() -> Q:
    """The parents' part of the civil-affairs definition (民政 2016): both away, or one away and
    the other 无监护能力."""
    return Q(left_behind=LeftBehind.BOTH) | other_parent_cannot_guard()


def civil_affairs_left_behind(day: datetime.date) -> Q:
    """农村留守儿童 as civil affairs counts them on `day`: under 16, rural hukou, and the
    parents' situation above. The one spelling of the rule (export, counts, tests)."""
    return (
        civil_affairs_situation()
        & Q(birth_date__gt=civil_affairs_cutoff(day))
        & Q(hukou_type=Pupil.Hukou.RURAL)
    )


# What someone who may not see whole ID numbers is told when the number they typed belongs to
# another pupil: not whose it is, nor even that it is taken.
NUMBER_FOR_THE_REGISTRAR = _("这个号码不能保存，请联系学籍管理员核对。")


class PupilQuerySet(models.QuerySet):
    def enrolled(self) -> "PupilQuerySet":
        return self.filter(status=Pupil.Status.ENROLLED)

    def left_behind(self) -> "PupilQuerySet":
        return self.filter(LEFT_BEHIND)

    def left_behind_enrolled(self) -> "PupilQuerySet":
        """Left-behind pupils still at school (the statistics; the care work is in_care)."""
        return self.enrolled().left_behind()

    def civil_affairs(self, day: datetime.date) -> "PupilQuerySet":
        """Enrolled pupils the civil-affairs register counts as 农村留守儿童 on the day."""
        return self.enrolled().filter(civil_affairs_left_behind(day))

    def in_care(self, school: "School") -> "PupilQuerySet":
        """The school's 关爱对象: the kept Pupil.in_care, which every write sets by in_care();
        the school's pupils only."""
        return self.filter(school=school, in_care=True)

    def in_care_enrolled(self, school: "School") -> "PupilQuerySet":
        """The children the care work is for: the school's 关爱对象 still at school (index
        pupil_in_care)."""
        return self.enrolled().in_care(school)

    def with_consent(self, purpose: str) -> "PupilQuerySet":
        """Pupils whose guardian's consent for the purpose is in force (a subquery)."""
        return self.filter(consent_in_force(purpose))

    def without_consent(self, purpose: str) -> "PupilQuerySet":
        return self.exclude(consent_in_force(purpose))

    def on_day(self, day: datetime.date) -> "PupilQuerySet":
        """Pupils at school on the day, each with `left_behind_on`, their left-behind status
        that day (read rules through status_read_from). Today or later: the enrolled pupils
        and their current status.

        For a past day, from the history the register keeps: a pupil counts whose archive was
        created by that day (the register has no enrolment date; its archive stands for it) and
        who had not left by then (left_on); the status is that of the LeftBehindPeriod covering
        the day. Where the history does not reach back (no period covers the day, e.g. a pupil
        recorded before periods were kept) the current status stands for it. Class, gender,
        categories and guardianship have no dated history: they are read as they are now.
        """
        if day >= timezone.localdate():
            return self.enrolled().annotate(left_behind_on=F("left_behind"))
        next_day = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
        covering = Q(left_behind_periods__started_on__lte=day) & (
            Q(left_behind_periods__ended_on=None) | Q(left_behind_periods__ended_on__gte=day)
        )
        return (
            self.filter(Q(status=Pupil.Status.ENROLLED) | Q(left_on__gt=day))
            .filter(created_at__lt=next_day)
            .annotate(
                period_on_day=FilteredRelation("left_behind_periods", condition=covering),
                left_behind_on=Coalesce("period_on_day__status", "left_behind"),
            )
        )

    def left_behind_on_day(self, day: datetime.date) -> "PupilQuerySet":
        """The left-behind children at school on the day (see on_day)."""
        return self.on_day(day).filter(LEFT_BEHIND_ON_DAY)

    def leavers_past(self, day: datetime.date) -> "PupilQuerySet":
        """Pupils no longer at school who left before that day and are not yet scrubbed."""
        return self.exclude(status=Pupil.Status.ENROLLED).filter(left_on__lt=day, scrubbed_at=None)


class PupilManager(models.Manager.from_queryset(PupilQuerySet)):
    """The register: pupils a roster import is still writing are in no page, list or count
    until the import publishes them all at once (RosterUpload, registry/spreadsheets)."""

    def get_queryset(self) -> PupilQuerySet:
        return super().get_queryset().filter(pending_import__isnull=True)


class Pupil(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Guardianship(models.TextChoices):
        PARENTS = "parents", _("父母监护")
        GRANDPARENTS = "grandparents", _("隔代监护")
        RELATIVES = "relatives", _("亲朋监护")
        SINGLE_PARENT = "single_parent", _("单亲监护")
        ENTRUSTED = "entrusted", _("委托监护")
        NONE = "none", _("无人监护")

    class AcademicLevel(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        AVERAGE = "average", _("中等")
        POOR = "poor", _("较差")

    class Hukou(models.TextChoices):
        RURAL = "rural", _("农业户口")
        NON_RURAL = "non_rural", _("非农业户口")
        RESIDENT = "resident", _("居民户口")

    class HukouRegistered(models.TextChoices):
        YES = "yes", _("已登记")
        NO = "no", _("未登记（无户口）")

    class Disability(models.TextChoices):
        VISION = "vision", _("视力残疾")
        HEARING = "hearing", _("听力残疾")
        SPEECH = "speech", _("言语残疾")
        PHYSICAL = "physical", _("肢体残疾")
        INTELLECTUAL = "intellectual", _("智力残疾")
        MENTAL = "mental", _("精神残疾")
        MULTIPLE = "multiple", _("多重残疾")

    class DisabilityGrade(models.TextChoices):
        FIRST = "1", _("一级")
        SECOND = "2", _("二级")
        THIRD = "3", _("三级")
        FOURTH = "4", _("四级")

    class Schooling(models.TextChoices):
        IN_SCHOOL = "in_school", _("在校")
        SUSPENDED = "suspended", _("休学")
        DROPPED_OUT = "dropped_out", _("辍学")
        NOT_ENROLLED = "not_enrolled", _("未入学")

    class Income(models.TextChoices):
        WAGES = "wages", _("务工收入")
        FARMING = "farming", _("务农收入")
        BUSINESS = "business", _("经营收入")
        WELFARE = "welfare", _("低保等救助")
        OTHER = "other", _("其他")

    class Assessment(models.TextChoices):
        GOOD = "good", _("较好")
        FAIR = "fair", _("一般")
        POOR = "poor", _("差")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("在校")
        LEFT = "left", _("已离校")
        GRADUATED = "graduated", _("已毕业")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("学校")
    )
    name = models.CharField(_("姓名"), max_length=40)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=120, editable=False, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=40, editable=False, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = models.CharField(
        _("身份证号"), max_length=18, blank=True, validators=[validate_id_number]
    )
    student_number = models.CharField(_("学籍号"), max_length=32, blank=True)
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="pupils",
        verbose_name=_("班级"),
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("在校状态"), max_length=12, choices=Status.choices, default=Status.ENROLLED
    )
    village = models.CharField(_("村（社区）"), max_length=60, blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    is_boarding = models.BooleanField(_("寄宿生"), default=False)
    health = models.CharField(_("健康状况"), max_length=100, blank=True)
    character = models.CharField(_("性格特点"), max_length=200, blank=True)
    interests = models.CharField(_("兴趣爱好"), max_length=200, blank=True)
    academic_level = models.CharField(
        _("学业水平"), max_length=12, choices=AcademicLevel.choices, blank=True
    )
    guardianship_type = models.CharField(
        _("监护类型"), max_length=16, choices=Guardianship.choices, blank=True
    )
    # The current status; LeftBehindPeriod keeps the dated history and is written with it.
    left_behind = models.CharField(
        _("留守情况"), max_length=8, choices=LeftBehind.choices, default=LeftBehind.NONE
    )
    is_dropout = models.BooleanField(_("义务教育阶段辍学"), default=False)
    is_hardship = models.BooleanField(_("家庭困难"), default=False)
    lacks_guardian = models.BooleanField(_("监护人缺失"), default=False)
    is_unsupported = models.BooleanField(_("事实上无人抚养"), default=False)
    is_disabled = models.BooleanField(_("残障"), default=False)
    is_orphan = models.BooleanField(_("孤儿"), default=False)
    is_priority = models.BooleanField(_("重点帮扶对象"), default=False)
    # What the civil-affairs register (民政, 2016 form) asks beyond the school's archive.
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES, blank=True)
    hukou_place = models.CharField(_("户籍所在地"), max_length=100, blank=True)
    hukou_type = models.CharField(_("户籍类型"), max_length=10, choices=Hukou.choices, blank=True)
    hukou_registered = models.CharField(
        _("是否登记户口"), max_length=3, choices=HukouRegistered.choices, blank=True
    )
    disability = models.CharField(
        _("残疾类别"), max_length=12, choices=Disability.choices, blank=True
    )
    disability_grade = models.CharField(
        _("残疾等级"), max_length=1, choices=DisabilityGrade.choices, blank=True
    )
    illness = models.CharField(_("患病情况"), max_length=100, blank=True)
    schooling = models.CharField(
        _("就学情况"), max_length=12, choices=Schooling.choices, default=Schooling.IN_SCHOOL
    )
    family_income = models.CharField(
        _("家庭经济来源"), max_length=10, choices=Income.choices, blank=True
    )
    assistance = ChoiceListField(
        _("救助帮扶"),
        default=list,
        blank=True,
        validators=[validate_assistance],
        item_choices=Assistance.choices,
    )
    guardianship_assessment = models.CharField(
        _("监护情况评估"), max_length=4, choices=Assessment.choices, blank=True
    )
    committee_contact = models.CharField(_("村（居）委会联系人"), max_length=40, blank=True)
    committee_phone = models.CharField(
        _("村（居）委会联系电话"), max_length=30, blank=True, validators=[validate_phone]
    )
    # The day the pupil left or graduated (None while at school): the retention time counts
    # from it (scrub_leavers).
    left_on = models.DateField(_("离校日期"), null=True, blank=True, editable=False)
    # When the personal fields were cleared after the retention time; the row and what the
    # summaries count stay.
    scrubbed_at = models.DateTimeField(_("个人信息清除时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)
    # Kept figures, so that a county's dashboard counts 100,000 children by a column instead of
    # testing each one's archive and pairs. Each is set in the transaction of every write that
    # can change it, and `manage.py recount_flags` rebuilds both.
    # Matches no item of registry.selectors.ARCHIVE_ITEMS (archive_flags_refresh).
    archive_complete = models.BooleanField(_("档案完整"), default=False, editable=False)
    # Has an active teacher pair now (pairing.services.teacher_paired_refresh).
    teacher_paired = models.BooleanField(_("已结对"), default=False, editable=False)
    # One of the school's 关爱对象 by in_care(), left the register or not (in_care_refresh): the
    # care pages find a school's or class's children in care by index pupil_in_care, instead
    # of testing every enrolled pupil against the school's categories.
    in_care = models.BooleanField(_("关爱对象"), default=False, editable=False)
    # The date of the newest live care record of the pupil's school naming the pupil: of any
    # kind, a 谈心谈话 and a 家访 (visits.tallies.contact_dates_refresh, in the transaction of
    # each record's write; None: none yet). No record is dated after today, so "reached since
    # a day" is one comparison each, and the dashboard reads its children in care from the
    # index pupil_in_care alone instead of looking each one up in the term's tallies.
    last_contact_on = models.DateField(_("最近关爱日期"), null=True, editable=False)
    last_talk_on = models.DateField(_("最近谈心日期"), null=True, editable=False)
    last_home_visit_on = models.DateField(_("最近家访日期"), null=True, editable=False)
    # Set while a roster import writes the pupil in batches, cleared when the import publishes.
    pending_import = models.ForeignKey(
        "RosterUpload",
        on_delete=models.PROTECT,
        related_name="pending_pupils",
        verbose_name=_("导入中"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # pupil_pending_import: only the few marked rows are indexed
    )

    objects = PupilManager()
    # Every row, those of an import not yet published too: the import's own writes, and the
    # uniqueness of ID numbers and 学籍号.
    with_pending = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("学生")
        verbose_name_plural = _("学生")
        ordering = ["school_class__grade", "school_class__number", "name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "id_number"],
                condition=~Q(id_number=""),
                name="pupil_unique_id_number",
            ),
            models.UniqueConstraint(
                fields=["school", "student_number"],
                condition=~Q(student_number=""),
                name="pupil_unique_student_number",
            ),
        ]
        indexes = [
            # The pupil list: a school's pupils of one status, in class then pinyin order.
            models.Index(fields=["school", "status", "left_behind"], name="pupil_list_filter"),
            # The children in care still at school, of a school or a class (in_care_enrolled on
            # the register, pending imports left out): a school's few thousand in care, not its
            # 20,000 pupils, counted by class (and paired with a teacher: the board's coverage)
            # from the index alone. `status`, one value here, is a column too: with two equal
            # columns as pupil_list_filter, SQLite chooses this index with or without
            # statistics. "enrolled" is Pupil.Status.ENROLLED, not yet defined here. The
            # columns after teacher_paired are what the dashboard's walk counts (left-behind or
            # in which chosen category, reached since when: reports.selectors._children_in_care),
            # keys and not INCLUDE because SQLite's indexes have no INCLUDE: read from the
            # table, the walk took 50 ms at 20,000 pupils, from the index alone 5.
            models.Index(
                fields=[
                    "school",
                    "status",
                    "school_class",
                    "teacher_paired",
                    "left_behind",
                    "last_home_visit_on",
                    "last_contact_on",
                    "last_talk_on",
                    *CARE_CATEGORY_FIELDS,
                ],
                condition=Q(in_care=True, status="enrolled", pending_import=None),
                include=["id"],  # PostgreSQL's index-only scans (SQLite's indexes hold it)
                name="pupil_in_care",
            ),
            # The pupil list's search (_search_q: LIKE '%…%' on names, pinyin, initials and
            # numbers) is tested on these narrow entries, not on the school's wide rows (SQLite:
            # 60 -> 5 ms a query at 20,000 pupils), and the pupils found are put in class order
            # from them. PostgreSQL finds a search of three characters or more by
            # pupil_search_trigram (pg_trgm's GIN, made by migration 0020 alone: SQLite has no
            # such index) and reads this one for the shorter ones.
            models.Index(
                fields=[
                    "school",
                    "status",
                    "left_behind",
                    "name_initials",
                    "name_pinyin",
                    "name",
                    "student_number",
                    "id_number",
                    "school_class",
                    "pending_import",
                ],
                condition=Q(pending_import=None),
                include=["id"],  # PostgreSQL's index-only scans (SQLite's indexes hold it)
                name="pupil_search",
            ),
            # An import's own pupils, to publish or remove them; the register's rows (NULL) are
            # left out, so no query of the register is tempted to read it.
            models.Index(
                fields=["pending_import"],
                condition=Q(pending_import__isnull=False),
                name="pupil_pending_import",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Set only by UPDATE (archive_flags_refresh, teacher_paired_refresh, in_care_refresh,
    # visits.tallies.contact_dates_refresh).
    KEPT_FIELDS = frozenset(
        {
            "archive_complete",
            "teacher_paired",
            "in_care",
            "last_contact_on",
            "last_talk_on",
            "last_home_visit_on",
        }
    )

    def save(self, **kwargs) -> None:
        """A full save of a stored pupil leaves the kept flags alone: the instance may have been
        loaded before another write set them, and would write the old values back."""
        if (
            not self._state.adding
            and not kwargs.get("force_insert")
            and kwargs.get("update_fields") is None
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.KEPT_FIELDS
            ]
        super().save(**kwargs)

    @property
    def is_left_behind(self) -> bool:
        return self.left_behind != LeftBehind.NONE

    @property
    def father_away(self) -> bool:
        return self.left_behind in (LeftBehind.BOTH, LeftBehind.FATHER)

    @property
    def mother_away(self) -> bool:
        return self.left_behind in (LeftBehind.BOTH, LeftBehind.MOTHER)

    @property
    def assistance_labels(self) -> list[str]:
        return self._meta.get_field("assistance").labels(self.assistance)

    @property
    def away_parent_to_confirm(self) -> bool:
        """One parent is away and the archive does not yet say which."""
        return self.left_behind == LeftBehind.ONE

    @property
    def categories(self) -> list[str]:
        return [
            str(self._meta.get_field(field).verbose_name)
            for field in CATEGORY_FIELDS
            if getattr(self, field)
        ]

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_date:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def _duplicate_errors(self) -> dict:
        """Causes up to two queries: another pupil of the school with the same numbers."""
        errors = {}
        others = Pupil.with_pending.filter(school_id=self.school_id).exclude(pk=self.pk)
        if self.id_number and others.filter(id_number=self.id_number).exists():
            errors["id_number"] = ValidationError(
                _("该身份证号已登记在本校另一名学生的档案中。"), code="duplicate"
            )
        if self.student_number and others.filter(student_number=self.student_number).exists():
            errors["student_number"] = ValidationError(
                _("该学籍号已登记在本校另一名学生的档案中。"), code="duplicate"
            )
        return errors

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        self.student_number = self.student_number.strip()
        errors = (
            self._duplicate_errors()
            | self._id_number_disagreements()
            | self._schooling_disagreements()
        )
        if self.school_class_id and self.school_class.school_id != self.school_id:
            errors["school_class"] = _("该班级不属于本校。")
        if self.disability_grade and not self.disability:
            errors["disability_grade"] = _("填写残疾等级时请同时填写残疾类别。")
        if errors:
            raise ValidationError(errors)

    def _schooling_disagreements(self) -> dict:
        """就学情况 and the 辍学 category say one thing: choosing 就学情况 辍学 ticks the category
        (so the statistics and the dropout watch find the child); the category ticked for a
        child whose 就学情况 is 在校 is refused beside the tick, naming both. 休学 and 未入学
        may go with the tick (a child of compulsory age kept out of school is 控辍 work too)."""
        if self.schooling == self.Schooling.DROPPED_OUT:
            self.is_dropout = True
        elif self.is_dropout and self.schooling == self.Schooling.IN_SCHOOL:
            return {
                "is_dropout": ValidationError(
                    _(
                        "已勾选“义务教育阶段辍学”，但就学情况为“在校”：已辍学的请把就学情况改为"
                        "“辍学”，仍在校的请取消勾选。"
                    ),
                    code="schooling",
                )
            }
        return {}

    def _id_number_disagreements(self) -> dict:
        """Birth date and gender must agree with what the ID number encodes (GB 11643)."""
        if not self.id_number:
            return {}
        try:
            validate_id_number(self.id_number)
        except ValidationError:
            return {}  # the field's own validator reports it beside the field
        errors = {}
        encoded_birth = id_birth_date(self.id_number)
        if self.birth_date and encoded_birth != self.birth_date:
            errors["birth_date"] = _("出生日期与身份证号中的出生日期（%(date)s）不一致。") % {
                "date": encoded_birth.isoformat()
            }
        encoded_gender = id_gender(self.id_number)
        if self.gender and encoded_gender != self.gender:
            errors["gender"] = _("性别与身份证号不一致（身份证号显示为%(gender)s）。") % {
                "gender": self.Gender(encoded_gender).label
            }
        return errors


# A class's enrolled pupils counted through the relation, Count("pupils", filter=...): a join
# does not go through Pupil.objects, so it leaves out a pending import's pupils here.
ENROLLED_PUPILS = Q(pupils__status=Pupil.Status.ENROLLED, pupils__pending_import=None)


def birth_date_from(number: str) -> datetime.date | None:
    """The birth date a parent's or guardian's valid ID number encodes, else None."""
    try:
        validate_adult_id_number(number)
    except ValidationError:
        return None
    return id_birth_date(number)


def id_birth_date_disagreement(number: str, birth_date: datetime.date | None) -> dict:
    """A birth date that the (valid) ID number contradicts, as a form error."""
    encoded = birth_date_from(number) if number else None
    if encoded and birth_date and encoded != birth_date:
        return {
            "birth_date": _("出生日期与身份证号中的出生日期（%(date)s）不一致。")
            % {"date": encoded.isoformat()}
        }
    return {}


class Parent(models.Model):
    class Relation(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")

    class ContactFrequency(models.TextChoices):
        WEEKLY = "weekly", _("每周")
        MONTHLY = "monthly", _("每月")
        TERMLY = "termly", _("每学期")
        RARELY = "rarely", _("很少")
        NEVER = "never", _("从不")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="parents", verbose_name=_("学生")
    )
    relation = models.CharField(_("关系"), max_length=8, choices=Relation.choices)
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[validate_phone])
    work_place = models.CharField(_("务工地"), max_length=100, blank=True)
    work_unit = models.CharField(_("务工单位"), max_length=100, blank=True)
    work_unit_address = models.CharField(_("务工单位地址"), max_length=200, blank=True)
    work_unit_phone = models.CharField(
        _("务工单位电话"), max_length=30, blank=True, validators=[validate_phone]
    )
    away_since = models.DateField(_("外出时间"), null=True, blank=True)
    contact_frequency = models.CharField(
        _("与孩子联系"), max_length=8, choices=ContactFrequency.choices, blank=True
    )
    id_number = models.CharField(
        _("身份证号"), max_length=18, blank=True, validators=[validate_adult_id_number]
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # The civil-affairs definition counts a child whose one parent is away and the other cannot
    # look after them (重病、重残、服刑 …) like one whose parents are both away.
    cannot_guard = models.BooleanField(
        _("无监护能力"),
        default=False,
        help_text=_("另一方外出务工时，该家长因重病、重残、服刑等无监护能力。"),
    )

    class Meta:
        verbose_name = _("家长")
        verbose_name_plural = _("家长")
        ordering = ["pupil", "relation", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "relation"], name="parent_unique_relation")
        ]

    def __str__(self) -> str:
        return self.name or self.get_relation_display()

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        errors = id_birth_date_disagreement(self.id_number, self.birth_date)
        if errors:
            raise ValidationError(errors)
        self.birth_date = self.birth_date or birth_date_from(self.id_number)


class Guardian(models.Model):
    class Education(models.TextChoices):
        NONE = "none", _("文盲或半文盲")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专")
        COLLEGE = "college", _("大专及以上")

    pupil = models.OneToOneField(
        Pupil, on_delete=models.PROTECT, related_name="guardian", verbose_name=_("学生")
    )
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    relation = models.CharField(
        _("与学生关系"), max_length=20, blank=True, help_text=_("如：祖父、外祖母、姑姑")
    )
    occupation = models.CharField(_("职业"), max_length=40, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[validate_phone])
    health = models.CharField(_("身体状况"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    education = models.CharField(
        _("文化程度"), max_length=10, choices=Education.choices, blank=True
    )
    letter_signed_on = models.DateField(_("责任书签订日期"), null=True, blank=True)
    id_number = models.CharField(
        _("身份证号"), max_length=18, blank=True, validators=[validate_adult_id_number]
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("监护人")
        verbose_name_plural = _("监护人")
        ordering = ["pupil", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="guardian_birth_year_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int | None:
        return timezone.localdate().year - self.birth_year if self.birth_year else None

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        errors = id_birth_date_disagreement(self.id_number, self.birth_date)
        if errors:
            raise ValidationError(errors)
        # A birth date (typed, or read from the ID number) decides the birth year.
        self.birth_date = self.birth_date or birth_date_from(self.id_number)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        this_year = timezone.localdate().year
        if self.birth_year and not (this_year - 100 <= self.birth_year <= this_year - 14):
            raise ValidationError({"birth_year": _("出生年份不合理，请核对。")})


class LeftBehindPeriod(models.Model):
    """One stretch of a pupil's left-behind status: parents leave and come back."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="left_behind_periods", verbose_name=_("学生")
    )
    status = models.CharField(_("留守情况"), max_length=8, choices=LeftBehind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("留守情况记录")
        verbose_name_plural = _("留守情况记录")
        ordering = ["pupil", "-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(ended_on=None), name="one_open_period_per_pupil"
            ),
            models.CheckConstraint(
                condition=Q(ended_on=None) | Q(ended_on__gte=F("started_on")),
                name="period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_status_display()


class ClassTally(models.Model):
    """A class's enrolled pupils counted by the 统计表's columns and the dashboard's (the
    left-behind boarders, those paired with a teacher, those with a complete archive), or the
    school's enrolled pupils in no class (school_class None): kept by
    registry.services.class_tallies_refresh in the transaction of every write that changes
    them, rebuilt by `manage.py recount_flags`. A class without enrolled pupils has no row, or
    one with no counts (counts {}) once its pupils have gone."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="class_tallies", verbose_name=_("学校")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tallies",
        verbose_name=_("班级"),
    )
    # {column key: pupils}, the keys of registry.selectors.class_tally_counts.
    counts = models.JSONField(default=dict, verbose_name=_("人数"))

    class Meta:
        verbose_name = _("班级人数")
        verbose_name_plural = _("班级人数")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_class"],
                condition=Q(school_class__isnull=False),
                name="class_tally_unique_class",
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(school_class__isnull=True),
                name="class_tally_unique_unplaced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.school_class_id}"


class ArchiveRevision(models.Model):
    """One change to an archive: who, when, and each field's old and new value."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("学生")
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"), null=True
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    summary = models.CharField(_("摘要"), max_length=100)
    # [{"field": "监护人·联系电话", "old": "...", "new": "..."}], labels frozen at write time.
    changes = models.JSONField(_("变更内容"), default=list)

    class Meta:
        verbose_name = _("档案变更记录")
        verbose_name_plural = _("档案变更记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["pupil", "-at"], name="revision_by_pupil")]

    def __str__(self) -> str:
        return self.summary


class AccessLog(models.Model):
    """Who read, changed, revealed or exported which child's record, and when (PIPL)."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看档案")
        HISTORY = "history", _("查看变更记录")
        CREATE = "create", _("新建档案")
        UPDATE = "update", _("修改档案")
        REVEAL = "reveal", _("查看完整号码")
        CARD = "card", _("查看联系卡")
        PDF = "pdf", _("导出PDF")
        EXPORT = "export", _("导出表格")
        PAIRING = "pairing", _("结对帮扶")
        RECORD = "record", _("关爱记录")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_fail", _("登录失败")
        UNLOCK = "unlock", _("解除登录暂停")
        READ = "read", _("查看记录")
        REFUSED = "refused", _("拒绝访问")
        CENSUS = "census", _("摸底普查")
        ACCOUNT = "account", _("教职工账号")

    # A failed sign-in with a username nobody has belongs to no school and names no one: it is
    # kept (it counts towards the address's pause) but shows on no school's log page.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("学校"), null=True
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("操作人"),
        null=True,
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("学生"),
        null=True,
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-at", "-pk"]
        indexes = [
            # The administrator's log page: newest first, filtered by pupil, person or action.
            models.Index(fields=["school", "-at"], name="accesslog_by_school"),
            models.Index(fields=["pupil", "-at"], name="accesslog_by_pupil"),
            # The sign-in pause: failed sign-ins of the last day by username or address.
            models.Index(fields=["action", "at"], name="accesslog_by_action"),
        ]

    def __str__(self) -> str:
        return self.get_action_display()


class RosterUpload(models.Model):
    """A roster file awaiting import: deleted once confirmed, or after a day if never confirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        QUEUED = "queued", _("等待导入")
        RUNNING = "running", _("正在导入")
        CONFIRMED = "confirmed", _("已导入")
        FAILED = "failed", _("导入失败")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="roster_uploads", verbose_name=_("学校")
    )
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="roster_uploads", verbose_name=_("上传人")
    )
    file = models.FileField(_("文件"), upload_to="roster_uploads/", blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    confirmed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    # {"created": n, "updated": n, "unchanged": n} after an import; {"errors": [...]} if it failed.
    summary = models.JSONField(_("导入结果"), default=dict, blank=True)
    # Progress of a confirmed import, written by the worker with each batch.
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_total = models.PositiveIntegerField(_("待写入行数"), default=0)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_in_progress(self) -> bool:
        """Confirmed and not yet ended: queued for the worker or being written."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class CensusRound(models.Model):
    """A census (普查/摸底) of who is left-behind: each class teacher checks their class's list
    and confirms it, and the round's outcome compares the register at its opening and close."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="census_rounds", verbose_name=_("学校")
    )
    name = models.CharField(
        _("名称"), max_length=100, help_text=_("如：2026年秋季学期留守儿童摸底")
    )
    opened_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    closes_on = models.DateField(_("截止日期"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结束人"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("摸底普查")
        verbose_name_plural = _("摸底普查")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(closed_at=None), name="census_one_open_round"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def classes(self) -> "models.QuerySet[SchoolClass]":
        """The classes the round covers: those with a return, and while it is open every
        active class (one created during the round too). Lazy: a query when read."""
        covered = Q(pk__in=CensusClassReturn.objects.filter(round=self).values("school_class"))
        if self.is_open:
            covered |= Q(school_id=self.school_id, is_active=True)
        return SchoolClass.objects.filter(covered).order_by("grade", "number", "pk")

    def joined_pupils(self) -> "PupilQuerySet":
        """Pupils at school now whom the round has no entry for: they joined while it was
        open. Lazy."""
        entered = CensusEntry.objects.filter(round=self, pupil=models.OuterRef("pk"))
        return (
            Pupil.objects.enrolled()
            .filter(school_id=self.school_id)
            .exclude(models.Exists(entered))
        )


class CensusClassReturn(models.Model):
    """A class's part in a round: whether its head teacher has confirmed the list, and whether
    the registrar has reminded them."""

    round = models.ForeignKey(
        CensusRound, on_delete=models.PROTECT, related_name="returns", verbose_name=_("摸底")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="census_returns", verbose_name=_("班级")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
        null=True,
        blank=True,
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("班级摸底确认")
        verbose_name_plural = _("班级摸底确认")
        ordering = ["round", "school_class__grade", "school_class__number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "school_class"], name="census_one_return_per_class"
            ),
        ]

    def __str__(self) -> str:
        return str(self.school_class_id)


class CensusEntry(models.Model):
    """A pupil's left-behind status when the round opened and when it closed; blank when the
    pupil was not at school then (joined or left during the round)."""

    round = models.ForeignKey(
        CensusRound, on_delete=models.PROTECT, related_name="entries", verbose_name=_("摸底")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="census_entries", verbose_name=_("学生")
    )
    status_at_open = models.CharField(
        _("摸底开始时"), max_length=8, choices=LeftBehind.choices, blank=True
    )
    status_at_close = models.CharField(
        _("摸底结束时"), max_length=8, choices=LeftBehind.choices, blank=True
    )

    class Meta:
        verbose_name = _("摸底记录")
        verbose_name_plural = _("摸底记录")
        ordering = ["round", "pupil", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "pupil"], name="census_one_entry_per_pupil"),
        ]

    def __str__(self) -> str:
        return f"{self.status_at_open}→{self.status_at_close}"


def census_status_now() -> Coalesce:
    """An entry's pupil's status now, as a round's close notes it: blank unless at school."""
    now = Pupil.objects.enrolled().filter(pk=models.OuterRef("pupil_id"))
    return Coalesce(models.Subquery(now.values("left_behind")[:1]), models.Value(""))


# What a round found for a pupil, from the status when it opened and when it closed ("" when
# the pupil was not at school then); None when nothing changed. The one spelling of the rule:
# the outcome page, its spreadsheet and the term summary's counts all read it.
CENSUS_CHANGES = {
    "newly_left_behind": _("新增留守"),
    "no_longer_left_behind": _("不再留守"),
    "type_changed": _("留守类型变化"),
    "joined": _("新入学/转入"),
    "left": _("离校"),
}


def census_change(before: str, after: str) -> str | None:
    if before == after:
        return None
    if not before:
        return "joined"
    if not after:
        return "left"
    if before == LeftBehind.NONE:
        return "newly_left_behind"
    if after == LeftBehind.NONE:
        return "no_longer_left_behind"
    return "type_changed"


# What a scrubbed pupil's name and the other cleared free text become.
SCRUBBED = _("已清除")


class ConsentQuerySet(models.QuerySet):
    def in_force(self) -> "ConsentQuerySet":
        """Consents given and not withdrawn: the one spelling of the rule."""
        return self.filter(withdrawn_on=None)


class Consent(models.Model):
    """A guardian's consent to one use of a child's information (PIPL art. 31, 未成年人保护法
    art. 72). Never deleted: a withdrawal is a date, and a new consent is a new row."""

    class Purpose(models.TextChoices):
        ARCHIVE = "archive", _("建立档案")
        PHOTOS = "photos", _("照片")
        VOLUNTEERS = "volunteers", _("与志愿者共享")
        VILLAGE = "village", _("与村（居）委会共享")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="consents", verbose_name=_("学生")
    )
    purpose = models.CharField(_("同意事项"), max_length=12, choices=Purpose.choices)
    given_by = models.CharField(_("同意人"), max_length=40, help_text=_("监护人或家长的姓名"))
    given_by_relation = models.CharField(
        _("与学生关系"), max_length=20, help_text=_("如：父亲、祖母、委托监护人")
    )
    given_on = models.DateField(_("同意日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回登记人"),
        null=True,
        blank=True,
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("知情同意")
        verbose_name_plural = _("知情同意")
        ordering = ["pupil", "purpose", "-given_on", "-pk"]
        constraints = [
            # Serves in_force() by pupil and purpose too: the photo check, the sharing list.
            models.UniqueConstraint(
                fields=["pupil", "purpose"],
                condition=Q(withdrawn_on=None),
                name="consent_one_in_force_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on=None) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()

    @property
    def giver(self) -> str:
        """Who consented, as the panel and the history say it: 王德福（祖父）."""
        return _("%(name)s（%(relation)s）") % {
            "name": self.given_by,
            "relation": self.given_by_relation,
        }

    def clean(self) -> None:
        today = timezone.localdate()
        errors = {}
        if self.given_on and self.given_on > today:
            errors["given_on"] = _("同意日期不能晚于今天。")
        if self.withdrawn_on and self.withdrawn_on > today:
            errors["withdrawn_on"] = _("撤回日期不能晚于今天。")
        elif self.withdrawn_on and self.given_on and self.withdrawn_on < self.given_on:
            errors["withdrawn_on"] = _("撤回日期不能早于同意日期。")
        if errors:
            raise ValidationError(errors)


def consent_in_force(purpose: str) -> Q:
    """A filter on Pupil: the guardian's consent for the purpose is in force."""
    given = Consent.objects.in_force().filter(pupil=OuterRef("pk"), purpose=purpose)
    return Q(Exists(given))
