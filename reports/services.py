"""Writes of the term summary: the principal's paragraphs, and generated versions that keep
the PDF with the numbers it printed."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from caresys.lib.pdf import html_to_pdf_pages
from registry.models import AccessLog, Term, User
from registry.services import log_access
from reports import drafts
from reports.document import document_html
from reports.drafts import sections_of
from reports.models import TermReport, TermReportVersion
from reports.numbers import TermNumbers
from reports.selectors import (
    case_child,
    report_texts,
    shown_name,
    summary_numbers,
    term_numbers,
    term_report_of,
    typical_case,
)


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
    """Save the principal's paragraphs; an unsaved summary (term_report_of) is created.
    A typical case chosen anew (another record, or another way to name the child) is drafted
    afresh from its record, and the reading of that child logged; the child's full name never
    stays in the case's text when she chose to mask it."""
    for name in texts:
        if name not in (*TermReport.TEXT_FIELDS, *TermReport.CASE_FIELDS, "sections"):
            raise TypeError(f"term_report_update() got an unexpected field {name!r}")
    # As stored (a ModelForm has already set the instance's fields when it validated).
    stored = (
        TermReport.objects.filter(pk=report.pk).values(*TermReport.CASE_FIELDS).first()
        if report.pk
        else None
    ) or {"case_record": None, "case_naming": TermReport.Naming.SURNAME, "case_alias": ""}
    chosen = texts.get("case_record", report.case_record)
    case_changed = (chosen.pk if chosen else None) != stored["case_record"] or any(
        name in texts and texts[name] != stored[name] for name in ("case_naming", "case_alias")
    )
    for name, value in texts.items():
        setattr(report, name, value)
    report.sections = dict(report.sections or {})
    if case_changed:
        report.sections["case"] = drafts.draft_case(typical_case(report, report.term.period))
    child = case_child(report.case_record) if report.case_record_id else None
    if child is not None and report.case_naming != TermReport.Naming.FULL:
        report.sections["case"] = report.sections.get("case", "").replace(
            child.name, shown_name(report, child.name)
        )
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
    if case_changed and child is not None:
        log_access(
            actor=actor,
            action=AccessLog.Action.READ,
            pupils=[child],
            detail=_("工作总结典型案例：%(kind)s")
            % {"kind": report.case_record.get_kind_display()},
            request=request,
        )
    return report


@transaction.atomic
def term_report_generate(
    *,
    actor: User,
    report: TermReport,
    request: HttpRequest | None = None,
    numbers: TermNumbers | None = None,
) -> TermReportVersion:
    """Print the summary from the data as it stands and keep the PDF with its numbers: those
    given when the caller has just counted them for this report (the edit page checked the
    principal's numbers against them), else counted here."""
    report = TermReport.objects.select_for_update().get(pk=report.pk)
    if numbers is None:
        numbers = summary_numbers(
            term_numbers(school=report.school, period=report.term.period),
            school=report.school,
            period=report.term.period,
            report=report,
        )
    # The sections as printed: a section never saved is kept as its draft, so the version
    # holds every sentence it printed.
    texts = report_texts(report)
    texts["sections"] = sections_of(texts["sections"], numbers)
    pdf, pages = html_to_pdf_pages(document_html(numbers=numbers, texts=texts))
    version = TermReportVersion.next_of(
        report=report, pdf=pdf, pages=pages, numbers=numbers.to_json(), texts=texts,
        actor=actor, filename=f"{report.school_id}-{report.term_id}-v%(number)s.pdf",
    )  # fmt: skip
    try:
        version.full_clean()
        version.save()
        child = case_child(report.case_record) if numbers.case else None
        log_access(
            actor=actor,
            action=AccessLog.Action.PDF,
            pupils=[child] if child else [],  # the typical case's child, printed
            detail=_("生成工作总结第%(n)d版：%(t)s") % {"n": version.number, "t": report},
            request=request,
        )
    except BaseException:
        version.pdf.delete(save=False)
        raise
    return version
