"""The installation's settings for reading across schools: the 评比's measures and weights.

The roll-up term summary of a township (by its 中心学校) or of the county (by the education
bureau): the texts its writers edit, and every generated version with the figures it printed,
kept as the schools' own term summaries keep theirs (reports.models)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.documents import GeneratedVersion
from registry.models import School, Term, Township, User


class AppraisalMeasure(models.Model):
    """A measure of the 评比 between schools and its weight, chosen by the education bureau; a
    measure with no row weighs its default, one weighing 0 is left out."""

    class Key(models.TextChoices):
        ARCHIVES = "archives", _("档案完整率")
        COVERAGE = "coverage", _("结对覆盖率")
        CONTACTS = "contacts", _("生均关爱记录")
        VISITS = "visits", _("生均家访")
        ON_TIME = "on_time", _("五必访按时率")
        DROPOUTS = "dropouts", _("辍学（每千名学生）")

    # Measures that are already a percentage: their score is their value.
    RATES = frozenset({Key.ARCHIVES, Key.COVERAGE, Key.ON_TIME})
    DEFAULT_WEIGHTS = {
        Key.ARCHIVES: 15,
        Key.COVERAGE: 25,
        Key.CONTACTS: 15,
        Key.VISITS: 20,
        Key.ON_TIME: 15,
        Key.DROPOUTS: 10,
    }

    key = models.CharField(_("指标"), max_length=12, choices=Key.choices, unique=True)
    weight = models.PositiveSmallIntegerField(
        _("权重"), default=0, validators=[MaxValueValidator(100)]
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评比指标")
        verbose_name_plural = _("评比指标")
        ordering = ["key", "pk"]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.weight}"


class RollupReport(models.Model):
    """A term across schools: a township's (township set) or the whole county's (none). Terms
    are each school's own, so the term is named as the schools name it: school year and
    number."""

    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="rollup_reports",
        verbose_name=_("乡镇（学区）"),
        null=True,
        blank=True,
        help_text=_("空：全县。"),
    )
    year = models.CharField(_("学年"), max_length=40)
    number = models.PositiveSmallIntegerField(_("学期"), choices=Term.Number.choices)
    title = models.CharField(_("标题"), max_length=100)
    overview = models.TextField(_("一、总体情况"), blank=True)
    measures = models.TextField(_("二、主要做法"), blank=True)
    problems = models.TextField(_("三、存在问题"), blank=True)
    plans = models.TextField(_("四、下步打算"), blank=True)
    issuer = models.CharField(_("落款单位"), max_length=60)
    signed_on = models.DateField(_("落款日期"), default=timezone.localdate)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    TEXT_FIELDS = ("title", "overview", "measures", "problems", "plans", "issuer", "signed_on")

    class Meta:
        verbose_name = _("汇总工作总结")
        verbose_name_plural = _("汇总工作总结")
        ordering = ["-year", "-number", "township__name", "pk"]
        constraints = [
            # NULL is distinct from NULL in a unique index: the county's own constraint.
            models.UniqueConstraint(
                fields=["township", "year", "number"],
                condition=Q(township__isnull=False),
                name="rollup_report_once_per_township",
            ),
            models.UniqueConstraint(
                fields=["year", "number"],
                condition=Q(township__isnull=True),
                name="rollup_report_once_per_county",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RollupVersion(GeneratedVersion):
    """A generated PDF with the figures and texts it printed; never changed afterwards."""

    report = models.ForeignKey(
        RollupReport, on_delete=models.PROTECT, related_name="versions", verbose_name=_("总结")
    )
    pdf = models.FileField(_("PDF"), upload_to="rollup_reports/", max_length=200)

    class Meta(GeneratedVersion.Meta):
        verbose_name = _("汇总总结版本")
        verbose_name_plural = _("汇总总结版本")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="rollup_version_once"),
        ]


class SchoolTermFigures(models.Model):
    """A school's term figures as its term summary counts them (county.rollup.Figures as JSON),
    kept so that a roll-up reads one row a school instead of counting each school again
    (county.services.count_school_term; nightly by `manage.py count_term_figures`)."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="term_figures", verbose_name=_("学校")
    )
    term = models.OneToOneField(
        Term, on_delete=models.PROTECT, related_name="figures", verbose_name=_("学期")
    )
    figures = models.JSONField(_("数据"))
    as_of = models.DateField(_("数据截至"), help_text=_("学期结束日，学期进行中则为统计当天。"))
    counted_at = models.DateTimeField(_("统计时间"), default=timezone.now)

    class Meta:
        verbose_name = _("学校学期数据")
        verbose_name_plural = _("学校学期数据")
        ordering = ["school", "term", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="school_term_figures_once"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.term_id}"
