from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.http import role_required
from county import rollup, services
from county.forms import RollupReportForm
from registry.models import COUNTY_READERS, AccessLog, Role
from registry.selectors import schools_visible_to


@require_GET
@role_required(*COUNTY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The schools the person reads, side by side."""
    schools = schools_visible_to(user=request.user).order_by("township__name", "name", "pk")
    user = request.user
    context = {
        "schools": schools,
        "writes_rollup": user.has_role(Role.BUREAU) or user.has_role(Role.TOWNSHIP),
    }
    return render(request, "county/home.html", context)


# --- the roll-up term summary ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.BUREAU, Role.TOWNSHIP)
def rollup_list(request: HttpRequest) -> HttpResponse:
    """The terms the scope's schools have, each with its roll-up; 编写 (POST) opens one."""
    township = rollup.scope_of(request.user)
    if request.method == "POST":
        terms = rollup.terms_across(
            user=request.user, township=township, today=timezone.localdate()
        )
        year, number = request.POST.get("year", ""), request.POST.get("number", "")
        if not number.isdigit() or (year, int(number)) not in {(t.year, t.number) for t in terms}:
            raise Http404
        report = services.rollup_report_get_or_create(
            actor=request.user, township=township, year=year, number=int(number), request=request
        )
        return redirect("county:rollup_edit", pk=report.pk)
    context = {
        "scope": rollup.scope_name(township),
        "terms": rollup.terms_across(
            user=request.user, township=township, today=timezone.localdate()
        ),
    }
    return render(request, "county/rollup_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.BUREAU, Role.TOWNSHIP)
def rollup_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The roll-up's texts beside its figures (each school's row and the 合计), its versions;
    生成PDF saves what is typed and prints a new version."""
    report = rollup.get_rollup_for_user(request.user, pk)
    schools = list(rollup.schools_in(user=request.user, township=report.township))
    form = RollupReportForm(request.POST or None, instance=report)
    if form.is_valid():
        services.rollup_report_update(
            actor=request.user, report=report, request=request, **form.texts()
        )
        if "generate" not in request.POST:
            messages.success(request, _("已保存。"))
            return redirect("county:rollup_edit", pk=report.pk)
        # The kept figures (one query), as the page showed them.
        figures = rollup.rollup_numbers(schools=schools, report=report)
        version = services.rollup_report_generate(
            actor=request.user, report=report, rollup=figures, schools=schools, request=request
        )
        messages.success(request, _("已生成第%(n)d版。") % {"n": version.number})
        return redirect(f"{reverse('county:rollup_edit', args=[report.pk])}#version-{version.pk}")
    if request.method == "GET":
        services.log_schools_read(
            actor=request.user, action=AccessLog.Action.READ, schools=schools,
            detail=_("查看汇总总结：%(t)s") % {"t": report}, request=request,
        )  # fmt: skip
    figures = rollup.rollup_numbers(schools=schools, report=report)
    versions = report.versions.select_related("created_by")
    context = {"report": report, "form": form, "r": figures, "versions": versions}
    return render(request, "county/rollup_edit.html", context)


@require_POST
@role_required(Role.BUREAU, Role.TOWNSHIP)
def rollup_recount(request: HttpRequest, pk: int) -> HttpResponse:
    """重新统计: queue a recount of the term's figures at the scope's schools for the worker."""
    report = rollup.get_rollup_for_user(request.user, pk)
    schools = list(rollup.schools_in(user=request.user, township=report.township))
    queued = services.rollup_recount(
        actor=request.user, report=report, schools=schools, request=request
    )
    messages.success(
        request, _("已安排重新统计%(n)d所学校的数据，稍后刷新本页即可看到。") % {"n": queued}
    )
    return redirect(f"{reverse('county:rollup_edit', args=[report.pk])}#counted")


@require_GET
@role_required(Role.BUREAU, Role.TOWNSHIP)
def rollup_version(request: HttpRequest, pk: int) -> FileResponse:
    """A generated version's PDF, exactly as it was printed."""
    version = rollup.get_rollup_version_for_user(request.user, pk)
    services.log_schools_read(
        actor=request.user,
        action=AccessLog.Action.PDF,
        schools=rollup.schools_in(user=request.user, township=version.report.township),
        detail=_("下载汇总总结第%(n)d版：%(t)s") % {"n": version.number, "t": version.report},
        request=request,
    )
    return FileResponse(
        version.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=request.GET.get("download") == "1",
        filename=f"{version.texts['title']}（第{version.number}版）.pdf",
    )
