"""The term summary (工作总结): the principal's paragraphs for a term, and every generated
version with the numbers it printed, so a report sent to the education office can be
reproduced and compared with a later one."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.documents import GeneratedVersion
from registry.models import School, Term, User
from reports.numbers import TermNumbers
from visits.models import CareRecord


class TermReport(models.Model):
    """The paragraphs around the numbers, written by the principal (defaults when new)."""

    class Naming(models.TextChoices):
        """How the typical case names its child."""

        SURNAME = "surname", _("姓+某某（如王某某）")
        ALIAS = "alias", _("化名")
        FULL = "full", _("全名")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="term_reports", verbose_name=_("学校")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="reports", verbose_name=_("学期")
    )
    title = models.CharField(_("标题"), max_length=100)
    preamble = models.TextField(_("开头语"))
    leading_group = models.TextField(_("领导小组"), blank=True)
    # 二、主要工作措施 after the leading group, drafted from the data (reports.drafts), each the
    # principal's to keep, change or empty (an empty one is left out); a key never saved prints
    # its draft.
    sections = models.JSONField(_("工作措施各节"), default=dict, blank=True)
    measures_note = models.TextField(_("其他工作措施"), blank=True)
    achievements = models.TextField(_("三、取得的成绩"), blank=True)
    problems = models.TextField(_("四、存在的问题"), blank=True)
    plans = models.TextField(_("五、下步工作打算"), blank=True)
    closing = models.TextField(_("结束语"), blank=True)
    # 典型案例: one care record of the term the principal chose (the section "case" is drafted
    # from it), and how its child is named in the document.
    case_record = models.ForeignKey(
        CareRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("选作典型案例的记录"),
    )
    case_naming = models.CharField(
        _("案例中儿童的称呼"), max_length=8, choices=Naming.choices, default=Naming.SURNAME
    )
    case_alias = models.CharField(_("化名"), max_length=20, blank=True)
    signed_on = models.DateField(_("落款日期"), default=timezone.localdate)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    TEXT_FIELDS = (
        "title",
        "preamble",
        "leading_group",
        "measures_note",
        "achievements",
        "problems",
        "plans",
        "closing",
        "signed_on",
    )
    CASE_FIELDS = ("case_record", "case_naming", "case_alias")

    class Meta:
        verbose_name = _("学期工作总结")
        verbose_name_plural = _("学期工作总结")
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="term_report_once"),
        ]

    def __str__(self) -> str:
        return self.title


class TermReportVersion(GeneratedVersion):
    """A generated PDF with the numbers and paragraphs it printed; never changed afterwards."""

    report = models.ForeignKey(
        TermReport, on_delete=models.PROTECT, related_name="versions", verbose_name=_("总结")
    )
    pdf = models.FileField(_("PDF"), upload_to="term_reports/", max_length=200)

    class Meta(GeneratedVersion.Meta):
        verbose_name = _("总结版本")
        verbose_name_plural = _("总结版本")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="term_report_version_once"),
        ]

    @property
    def printed_numbers(self) -> TermNumbers:
        """The numbers this version printed, from the JSON it keeps."""
        return TermNumbers.from_json(self.numbers)
