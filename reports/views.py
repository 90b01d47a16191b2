"""The principal's reports: the term summary, edited around its numbers, previewed, printed
and kept version by version."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.http import role_required
from registry.models import AccessLog, Role
from registry.services import log_access
from reports import selectors, services
from reports.charts import bar_chart
from reports.document import document_html
from reports.forms import TermReportForm
from reports.models import TermReportVersion

READERS = (Role.ADMIN, Role.PRINCIPAL)


@require_GET
@role_required(*READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The school's care work live: who is cared for, what was done, what is overdue."""
    board = selectors.dashboard(school=request.user.school, today=timezone.localdate())
    numbers = board.numbers
    context = {
        "board": board,
        "n": numbers,
        "kinds": {row["kind"]: row for row in numbers["care"]["kinds"]},
        "grade_chart": bar_chart(
            [(row["name"], row["away"], f"{row['away']}（{row['share']}%）")
             for row in numbers["basic"]["grades"]],
            title=_("各年级留守儿童人数"),
        ),
        "month_chart": bar_chart(
            [(label, count, str(count)) for label, count in board.months],
            title=_("每月关爱记录（条）"),
        ),
        "kind_chart": bar_chart(
            [(row["label"], row["records"], str(row["records"]))
             for row in numbers["care"]["kinds"] if row["records"]],
            title=_("本学期各类关爱记录（条）"),
        ),
    }  # fmt: skip
    return render(request, "reports/dashboard.html", context)


@require_GET
@role_required(*READERS)
def term_report_list(request: HttpRequest) -> HttpResponse:
    terms = selectors.terms_with_reports(school_id=request.user.school_id)
    return render(request, "reports/term_report_list.html", {"terms": terms})


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def term_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary's paragraphs beside a preview of the whole document, and its versions."""
    term = get_object_or_404(selectors.terms_of(request.user.school_id), pk=pk)
    report = services.term_report_get_or_create(actor=request.user, term=term)
    form = TermReportForm(request.POST or None, instance=report)
    if form.is_valid():
        services.term_report_update(actor=request.user, report=report, **form.cleaned_data)
        messages.success(request, _("已保存。预览已按新的文字更新。"))
        return redirect("reports:term_report_edit", pk=term.pk)
    context = {
        "term": term,
        "report": report,
        "form": form,
        "versions": report.versions.select_related("created_by"),
    }
    return render(request, "reports/term_report_edit.html", context)


@require_GET
@xframe_options_sameorigin  # shown in a frame beside the form
@role_required(*READERS)
def term_report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The document exactly as it will print, from the data as it stands now."""
    term = get_object_or_404(selectors.terms_of(request.user.school_id), pk=pk)
    report = services.term_report_get_or_create(actor=request.user, term=term)
    numbers = selectors.term_numbers(school=request.user.school, term=term)
    return HttpResponse(document_html(numbers=numbers, texts=services.report_texts(report)))


@require_POST
@role_required(*READERS)
def term_report_generate(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_object_or_404(selectors.terms_of(request.user.school_id), pk=pk)
    report = services.term_report_get_or_create(actor=request.user, term=term)
    version = services.term_report_generate(actor=request.user, report=report, request=request)
    messages.success(
        request,
        _("已生成第%(n)d版（%(pages)d页）。") % {"n": version.number, "pages": version.pages},
    )
    return redirect("reports:term_report_edit", pk=term.pk)


@require_GET
@role_required(*READERS)
def term_report_version(request: HttpRequest, pk: int) -> FileResponse:
    """A generated version's PDF, exactly as it was printed."""
    version = get_object_or_404(
        TermReportVersion.objects.select_related("report"),
        pk=pk,
        report__school_id=request.user.school_id,
    )
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
        filename=f"{version.report.title}（第{version.number}版）.pdf",
    )
