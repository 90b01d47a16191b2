"""The principal's reports: the term summary, edited around its numbers, previewed, printed
and kept version by version."""

import datetime
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.http import paginate, role_required
from caresys.lib.pdf import html_to_pdf, pdf_response
from plans.selectors import missed_of_term
from registry.models import CARE_LEADS, AccessLog, School, Term
from registry.services import log_access
from reports import drafts, exports, growth, selectors, services
from reports.charts import bar_chart
from reports.document import grade_chart, kind_chart
from reports.forms import SECTION_PREFIX, TermReportForm
from reports.models import TermReport
from reports.numbers import TermNumbers
from reports.selectors import TeacherRow
from visits.due import answering_teacher_ids, answering_teachers


@require_GET
@role_required(*CARE_LEADS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The school's care work live: who is cared for, what was done, what is overdue."""
    context = dashboard_context(school=request.user.school, today=timezone.localdate())
    return render(request, "reports/dashboard.html", context)


def dashboard_context(*, school: School, today: datetime.date) -> dict[str, Any]:
    """What templates/reports/_dashboard.html shows of the school: its principal's page, and a
    county reader's read-only view of it."""
    board = selectors.dashboard(school=school, today=today)
    numbers = board.numbers
    plan, missed = missed_of_term(school_id=school.pk, today=today)
    return {
        "plan": plan,
        "plan_missed": missed,
        "board": board,
        "n": numbers,
        "grade_chart": grade_chart(numbers),
        "month_chart": bar_chart(
            [(label, count, str(count)) for label, count in board.months],
            title=_("每月关爱记录（条）"),
        ),
        "kind_chart": kind_chart(numbers),
    }


@require_GET
@role_required(*CARE_LEADS)
def term_report_list(request: HttpRequest) -> HttpResponse:
    terms = selectors.terms_with_reports(school_id=request.user.school_id)
    return render(request, "reports/term_report_list.html", {"terms": terms})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def term_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary's paragraphs beside a preview of the whole document, and its versions.
    恢复草稿 (redraft=<field>) saves what is typed and drafts that field anew from the data."""
    term = selectors.get_term_for_user(request.user, pk)
    numbers = selectors.term_numbers(school=request.user.school, period=term.period, term=term)
    report = selectors.term_report_of(school=request.user.school, term=term, numbers=numbers)
    numbers = selectors.summary_numbers(
        numbers, school=request.user.school, period=term.period, report=report
    )
    drafted = drafts.draft_sections(numbers)
    form = _form(request, term=term, report=report, drafted=drafted)
    if form.is_valid():
        texts, redraft = form.texts(), request.POST.get("redraft", "")
        key = redraft.removeprefix(SECTION_PREFIX)
        if redraft.startswith(SECTION_PREFIX) and key in drafts.HEADINGS:
            texts["sections"][key] = drafted[key]
        elif redraft in TEXT_DRAFTS:
            school = request.user.school
            texts[redraft] = selectors.text_drafts(school=school, term=term, numbers=numbers)[
                redraft
            ]
        else:
            redraft = ""
        services.term_report_update(actor=request.user, report=report, request=request, **texts)
        if redraft:
            messages.success(
                request,
                _("已按当前数据重新起草“%(s)s”，其余文字已保存。")
                % {"s": form.fields[redraft].label},
            )
            url = reverse("reports:term_report_edit", args=[term.pk])
            return redirect(f"{url}#id_{redraft}")
        messages.success(request, _("已保存。预览已按新的文字更新。"))
        return redirect("reports:term_report_edit", pk=term.pk)
    return _edit_page(request, term=term, report=report, form=form, numbers=numbers)


def _form(
    request: HttpRequest, *, term: Term, report: TermReport, drafted: dict[str, str]
) -> TermReportForm:
    """The texts' form, its typical case chosen among the records the user reads (the list
    searched by a child's name with ?case_q=)."""
    return TermReportForm(
        request.POST or None,
        instance=report,
        drafts=drafted,
        cases=selectors.case_candidates(user=request.user, period=term.period),
        case_choices=selectors.case_choices(
            user=request.user,
            period=term.period,
            query=request.GET.get("case_q", ""),
            chosen=report.case_record_id,
        ),
    )


# The paragraphs besides the measures that are drafted from the data (reports.drafts).
TEXT_DRAFTS = ("leading_group", "achievements", "problems", "closing")


def _changed_numbers(report: TermReport, numbers: TermNumbers) -> list[drafts.ChangedNumber]:
    """The numbers in the saved measures, achievements and problems that are not the data's
    (as a fresh draft has them; the comparison with the last term is not checked)."""
    typed = drafts.sections_of(report.sections, numbers) | {
        "achievements": report.achievements,
        "problems": report.problems,
    }
    drafted = drafts.draft_sections(numbers) | {
        "achievements": drafts.draft_achievements(numbers),
        "problems": drafts.draft_problems(numbers),
    }
    return drafts.changed_numbers(typed, drafted)


def _edit_page(
    request: HttpRequest,
    *,
    term: Term,
    report: TermReport,
    form: TermReportForm,
    numbers: TermNumbers,
    confirm: bool = False,
) -> HttpResponse:
    versions = list(selectors.versions_of(report))
    new = request.GET.get("new", "")
    context = {
        "term": term,
        "report": report,
        "form": form,
        "versions": versions,
        # Just generated (?new=its pk): its PDF's link at the top of the page.
        "new_version": next((v for v in versions if str(v.pk) == new), None),
        # The fields 恢复草稿 re-drafts from the data.
        "redraftable": {SECTION_PREFIX + key for key in drafts.HEADINGS} | set(TEXT_DRAFTS),
        "changed": _changed_numbers(report, numbers),
        "confirm": confirm,  # 生成PDF was pressed with numbers that are not the data's
        "case_q": request.GET.get("case_q", ""),
    }
    return render(request, "reports/term_report_edit.html", context)


@require_GET
@xframe_options_sameorigin  # shown in a frame beside the form
# The document's <style> holds its running header (the HTML the PDF is printed from, written
# without a request, so without a nonce); the preview runs no script at all.
@csp_replace({"style-src": [SELF, UNSAFE_INLINE], "script-src": [NONE], "frame-ancestors": [SELF]})
@role_required(*CARE_LEADS)
def term_report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The document exactly as it will print, from the data as it stands now."""
    term = selectors.get_term_for_user(request.user, pk)
    return HttpResponse(selectors.document_now(school=request.user.school, term=term))


@require_POST
@role_required(*CARE_LEADS)
def term_report_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Print a new version. The edit page's form posts here too: what is typed is saved first,
    so an edit made without 保存文字 is printed, never lost; a number typed that is not the
    data's is shown first, and printed only when the principal confirms (confirm=1)."""
    term = selectors.get_term_for_user(request.user, pk)
    report = services.term_report_get_or_create(actor=request.user, term=term)
    numbers = None  # counted by the service unless the texts posted here were checked first
    if any(name in request.POST for name in TermReport.TEXT_FIELDS):
        numbers = selectors.summary_numbers(
            selectors.term_numbers(school=request.user.school, period=term.period, term=term),
            school=request.user.school,
            period=term.period,
            report=report,
        )
        form = _form(request, term=term, report=report, drafted=drafts.draft_sections(numbers))
        if not form.is_valid():
            return _edit_page(request, term=term, report=report, form=form, numbers=numbers)
        services.term_report_update(
            actor=request.user, report=report, request=request, **form.texts()
        )
        numbers = replace(numbers, case=selectors.typical_case(report, term.period))  # as chosen
        if "confirm" not in request.POST and _changed_numbers(report, numbers):
            return _edit_page(
                request, term=term, report=report, form=form, numbers=numbers, confirm=True
            )
    version = services.term_report_generate(
        actor=request.user, report=report, request=request, numbers=numbers
    )
    url = reverse("reports:term_report_edit", args=[term.pk])
    return redirect(f"{url}?{urlencode({'new': version.pk})}#version-{version.pk}")


@require_GET
@role_required(*CARE_LEADS)
def term_report_version(request: HttpRequest, pk: int) -> FileResponse:
    """A generated version's PDF, exactly as it was printed."""
    version = selectors.get_version_for_user(request.user, pk)
    log_access(
        actor=request.user,
        action=AccessLog.Action.PDF,
        detail=_("下载工作总结第%(n)d版") % {"n": version.number},
        request=request,
    )
    return FileResponse(
        version.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=request.GET.get("download") == "1",
        filename=f"{version.texts['title']}（第{version.number}版）.pdf",
    )


@require_GET
@role_required(*CARE_LEADS)
def term_report_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """A version beside another version of the same summary (?to=its pk) or beside the data
    and texts as they stand now (?to=now): only the lines that differ, the changes marked."""
    version = selectors.get_version_for_user(request.user, pk)
    comparison = selectors.version_comparison(version=version, to=request.GET.get("to", "now"))
    context = {
        "report": version.report,
        "version": version,
        "older": comparison.older,
        "newer": comparison.newer,
        "rows": comparison.rows,
        "versions": selectors.versions_of(version.report).exclude(pk=version.pk),
    }
    return render(request, "reports/term_report_compare.html", context)


def _this_terms_table(request: HttpRequest) -> tuple[Term | None, list[TeacherRow]]:
    """The current term and its teachers' table; no rows outside a term."""
    school, today = request.user.school, timezone.localdate()
    term = Term.objects.current(school.pk, today)
    if term is None:
        return None, []
    return term, selectors.teacher_table(school=school, period=term.period, today=today)


@require_GET
@role_required(*CARE_LEADS)
def teacher_table(request: HttpRequest) -> HttpResponse:
    """教师关爱工作考核表: per teacher, this term's pairs and records against the quotas, a
    page of teachers at a time (the spreadsheet has them all)."""
    school, today = request.user.school, timezone.localdate()
    term = Term.objects.current(school.pk, today)
    if term is None:
        return render(request, "reports/teacher_table.html", {"term": None, "rows": []})
    page = paginate(request, answering_teacher_ids(school.pk))
    teachers = answering_teachers(school.pk, among=list(page))
    context = {
        "term": term,
        "page": page,
        "rows": selectors.teacher_table(
            school=school, period=term.period, today=today, teachers=teachers
        ),
        "kinds": selectors.TABLE_KIND_LABELS,
        "period": urlencode({"start": term.start_date, "end": term.end_date}),
    }
    return render(request, "reports/teacher_table.html", context)


@require_GET
@role_required(*CARE_LEADS)
def teacher_table_xlsx(request: HttpRequest) -> HttpResponse:
    """The teachers' work table as a spreadsheet: the rows of the page."""
    term, rows = _this_terms_table(request)
    if term is None:
        raise Http404
    export = exports.TeacherTableExport(user=request.user, rows=rows, term=str(term))
    return export.response(request)


@require_GET
@login_required
def growth_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """成长档案: a child's archive, contact card, pairs and care records as one PDF, for anyone
    who reads the child's archive; every print is logged."""
    archive = growth.growth_archive(request.user, pk)
    content = html_to_pdf(growth.growth_archive_html(archive, request))
    log_access(
        actor=request.user,
        action=AccessLog.Action.PDF,
        pupils=[archive.pupil],
        detail=_("成长档案PDF"),
        request=request,
    )
    return pdf_response(content, _("成长档案-%(name)s.pdf") % {"name": archive.pupil.name})
