"""Writes of the term summary: the principal's paragraphs, and generated versions that keep
the PDF with the numbers it printed."""

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.pdf import html_to_pdf_pages
from registry.models import AccessLog, Term, User
from registry.services import log_access
from reports.document import document_html
from reports.models import TermReport, TermReportVersion
from reports.selectors import term_numbers

PLANS = gettext_lazy(
    "1、及时更新留守儿童档案和联系卡，做到底数清、情况明。\n"
    "2、落实结对帮扶，做到每名留守儿童都有帮扶教师，帮扶有计划、有记录、有检查。\n"
    "3、坚持每月谈心、亲情电话，每学期至少家访一次，做到“五必访”。\n"
    "4、加强心理健康教育，做到心理上疏导、生活上指导、学习上辅导、行为上引导。\n"
    "5、把关爱留守儿童工作纳入教师考核，常抓不懈。"
)


def default_texts(*, term: Term, numbers: dict) -> dict[str, Any]:
    """The paragraphs a new summary starts with; 四、存在的问题 is drafted from the data."""
    problems = numbers["problems"] or [_("暂未发现突出问题。")]
    return {
        "title": _("%(term)s关爱留守儿童工作总结") % {"term": term},
        "preamble": _(
            "为了给留守儿童营造健康成长的良好环境，本学期我校认真落实关爱留守儿童的各项制度，"
            "现将%(term)s关爱留守儿童工作总结如下。"
        )
        % {"term": term},
        "leading_group": _(
            "学校成立了以校长为组长的关爱留守儿童工作领导小组，明确分工，责任到人，"
            "把关爱留守儿童工作纳入学校工作计划。"
        ),
        "measures_note": "",
        "achievements": _(
            "通过全校教师的共同努力，留守儿童的学习、生活和心理状况得到持续关注，"
            "家校联系更加紧密，留守儿童在学校感受到了温暖。"
        ),
        "problems": "\n".join(f"{index}、{text}" for index, text in enumerate(problems, 1)),
        "plans": str(PLANS),
    }


@transaction.atomic
def term_report_get_or_create(*, actor: User, term: Term) -> TermReport:
    """The term's summary, started with the default paragraphs the first time it is opened."""
    report = TermReport.objects.filter(school_id=actor.school_id, term=term).first()
    if report is None:
        texts = default_texts(term=term, numbers=term_numbers(school=actor.school, term=term))
        report = TermReport(school_id=actor.school_id, term=term, updated_by=actor, **texts)
        report.full_clean()
        report.save()
    return report


@transaction.atomic
def term_report_update(*, actor: User, report: TermReport, **texts: Any) -> TermReport:
    for name, value in texts.items():
        if name not in TermReport.TEXT_FIELDS:
            raise TypeError(f"term_report_update() got an unexpected field {name!r}")
        setattr(report, name, value)
    report.updated_by = actor
    report.updated_at = timezone.now()
    report.full_clean()
    report.save()
    log_access(
        actor=actor, action=AccessLog.Action.PDF, detail=_("修改工作总结：%(t)s") % {"t": report}
    )
    return report


def report_texts(report: TermReport) -> dict[str, str]:
    return {
        name: (value.isoformat() if name == "signed_on" else value)
        for name in TermReport.TEXT_FIELDS
        if (value := getattr(report, name)) is not None
    }


@transaction.atomic
def term_report_generate(
    *, actor: User, report: TermReport, request: HttpRequest | None = None
) -> TermReportVersion:
    """Print the summary from the data as it stands and keep the PDF with its numbers."""
    report = TermReport.objects.select_for_update().get(pk=report.pk)
    numbers = term_numbers(school=report.school, term=report.term)
    texts = report_texts(report)
    pdf, pages = html_to_pdf_pages(document_html(numbers=numbers, texts=texts))
    number = (report.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = TermReportVersion(
        report=report,
        number=number,
        numbers=numbers,
        texts=texts,
        pages=pages,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor,
    )
    version.pdf.save(
        f"{report.school_id}-{report.term_id}-v{number}.pdf", ContentFile(pdf), save=False
    )
    try:
        version.full_clean()
        version.save()
        log_access(
            actor=actor,
            action=AccessLog.Action.PDF,
            detail=_("生成工作总结第%(n)d版：%(t)s") % {"n": number, "t": report},
            request=request,
        )
    except BaseException:
        version.pdf.delete(save=False)
        raise
    return version
