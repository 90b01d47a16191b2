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

from caresys.lib.pdf import html_to_pdf_pages
from registry.models import AccessLog, Term, User
from registry.services import log_access
from reports.document import document_html
from reports.drafts import sections_of
from reports.models import TermReport, TermReportVersion
from reports.selectors import report_texts, term_numbers, term_report_of


@transaction.atomic
def term_report_get_or_create(*, actor: User, term: Term) -> TermReport:
    """The term's summary, saved with the default paragraphs if it has none yet."""
    report = term_report_of(school=actor.school, term=term)
    if report.pk is None:
        report.updated_by = actor
        report.full_clean()
        report.save()
    return report


@transaction.atomic
def term_report_update(
    *, actor: User, report: TermReport, request: HttpRequest | None = None, **texts: Any
) -> TermReport:
    """Save the principal's paragraphs; an unsaved summary (term_report_of) is created."""
    for name, value in texts.items():
        if name not in (*TermReport.TEXT_FIELDS, "sections"):
            raise TypeError(f"term_report_update() got an unexpected field {name!r}")
        setattr(report, name, value)
    report.updated_by = actor
    report.updated_at = timezone.now()
    report.full_clean()
    report.save()
    log_access(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        detail=_("修改工作总结：%(t)s") % {"t": report},
        request=request,
    )
    return report


@transaction.atomic
def term_report_generate(
    *, actor: User, report: TermReport, request: HttpRequest | None = None
) -> TermReportVersion:
    """Print the summary from the data as it stands and keep the PDF with its numbers."""
    report = TermReport.objects.select_for_update().get(pk=report.pk)
    numbers = term_numbers(school=report.school, period=report.term.period)
    # The sections as printed: a section never saved is kept as its draft, so the version
    # holds every sentence it printed.
    texts = report_texts(report)
    texts["sections"] = sections_of(texts["sections"], numbers)
    pdf, pages = html_to_pdf_pages(document_html(numbers=numbers, texts=texts))
    number = (report.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = TermReportVersion(
        report=report,
        number=number,
        numbers=numbers.to_json(),
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
