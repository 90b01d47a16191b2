from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.http import role_required
from caresys.lib.passwords import initial_password
from county import exports, rollup, selectors, services
from county.forms import (
    SCHOOL_FIELD_FOR_ERROR,
    AppraisalWeightsForm,
    CountyReaderForm,
    RollupReportForm,
    SchoolCreateForm,
    TownshipForm,
)
from county.models import AppraisalMeasure
from registry import services as registry_services
from registry.models import COUNTY_READERS, AccessLog, Role, Township, User
from registry.selectors import (
    county_readers,
    get_school_for_county_reader,
    left_behind_definitions,
    schools_visible_to,
)
from registry.services import log_access
from registry.spreadsheets.exports import CivilAffairsExport, XuejiExport
from reports.views import dashboard_context


def _reach(user: User) -> str:
    """Whose schools the page shows: the township's, or the county's."""
    if user.has_role(Role.TOWNSHIP) and not user.has_role(Role.BUREAU) and user.township:
        return str(user.township)
    return _("全县")


@require_GET
@role_required(*COUNTY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The schools side by side; the installation's registrar's: their schools and accounts."""
    if request.user.has_role(Role.SYSTEM_ADMIN) and not request.user.has_role(Role.BUREAU):
        return redirect("county:schools")
    return redirect("county:dashboard")


@require_GET
@role_required(*COUNTY_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The schools in reach side by side, by township, with subtotals and the county's total."""
    board = selectors.county_board(user=request.user)
    log_access(actor=request.user, action=AccessLog.Action.READ, detail=request.path)
    user = request.user
    context = {
        "board": board,
        "reach": _reach(user),
        "writes_rollup": user.has_role(Role.BUREAU) or user.has_role(Role.TOWNSHIP),
    }
    return render(request, "county/dashboard.html", context)


@require_GET
@role_required(*COUNTY_READERS)
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's 工作概况 as its principal sees it, read-only; its own log shows the read."""
    found = get_school_for_county_reader(request.user, pk)
    context = dashboard_context(school=found, today=timezone.localdate())
    log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        detail=request.path,
        request=request,
        school=found,
    )
    return render(request, "county/school.html", context | {"school": found, "read_only": True})


@require_GET
@role_required(*COUNTY_READERS)
def appraisal(request: HttpRequest) -> HttpResponse:
    """评比: the schools ranked on the bureau's measures and weights."""
    board = selectors.county_board(user=request.user)
    weights = selectors.appraisal_weights()
    log_access(actor=request.user, action=AccessLog.Action.READ, detail=request.path)
    context = {
        "board": board,
        "reach": _reach(request.user),
        "weights": weights,
        "measures": [(AppraisalMeasure.Key(key).label, w) for key, w in weights.items() if w],
        "ranked": selectors.appraisal(board=board, weights=weights),
        "can_edit": request.user.has_role(Role.BUREAU),
    }
    return render(request, "county/appraisal.html", context)


@require_GET
@role_required(*COUNTY_READERS)
def appraisal_xlsx(request: HttpRequest) -> HttpResponse:
    board = selectors.county_board(user=request.user)
    weights = selectors.appraisal_weights()
    export = exports.AppraisalExport(
        user=request.user,
        rows=selectors.appraisal(board=board, weights=weights),
        weights=weights,
        reach=_reach(request.user),
        terms=board.terms,
    )
    return export.response(request)


@require_http_methods(["GET", "POST"])
@role_required(Role.BUREAU)
def appraisal_weights(request: HttpRequest) -> HttpResponse:
    """The education bureau chooses the 评比's measures and their weights."""
    form = AppraisalWeightsForm(request.POST or None, weights=selectors.appraisal_weights())
    if request.method == "POST" and form.is_valid():
        services.appraisal_weights_set(
            actor=request.user, weights=form.cleaned_data, request=request
        )
        messages.success(request, _("评比指标权重已保存。"))
        return redirect("county:appraisal")
    return render(request, "county/appraisal_weights.html", {"form": form})


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


# --- the installation's registrar: townships, schools and their first administrators ---------


def _form_errors(form: forms.Form, error: ValidationError, renamed: dict[str, str]) -> None:
    """The service's errors beside the form's fields (a field the form lacks: above it)."""
    for field, texts in error.message_dict.items():
        field = renamed.get(field, field)
        for message in texts:
            form.add_error(field if field in form.fields else None, message)


@require_GET
@role_required(Role.SYSTEM_ADMIN)
def schools(request: HttpRequest) -> HttpResponse:
    """Every township and school of the installation, with their administrators."""
    context = {
        "townships": Township.objects.annotate(school_count=Count("schools")),
        "schools": schools_visible_to(user=request.user)
        .annotate(staff_count=Count("staff"))
        .order_by("township__name", "name", "pk"),
        "readers": county_readers(),
    }
    return render(request, "county/school_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def township_create(request: HttpRequest) -> HttpResponse:
    form = TownshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            township = registry_services.township_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            _form_errors(form, exc, {})
        else:
            messages.success(request, _("已新建乡镇（学区）“%(name)s”。") % {"name": township})
            return redirect("county:schools")
    return render(request, "county/township_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def school_create(request: HttpRequest) -> HttpResponse:
    """A school with its calendar, classes and first administrator; the administrator's
    initial password is shown once, on the printable slip this request answers with."""
    form = SchoolCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = initial_password()
        try:
            school = registry_services.school_create(
                **form.service_arguments(), admin_password=password,
                admin_must_change_password=True, actor=request.user, request=request,
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc, SCHOOL_FIELD_FOR_ERROR)
        else:
            data = form.cleaned_data
            slip = registry_services.Slip(data["admin_full_name"], data["admin_username"], password)
            return _slip_page(request, slip, school=school)
    return render(request, "county/school_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def reader_create(request: HttpRequest) -> HttpResponse:
    """An account of the education bureau or of a 中心学校 (学区), reading only."""
    form = CountyReaderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slip = registry_services.county_reader_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc, {})
        else:
            return _slip_page(request, slip, school=None)
    return render(request, "county/reader_form.html", {"form": form})


def _slip_page(request: HttpRequest, slip, *, school) -> HttpResponse:
    context = {"slip": slip, "school": school, "site": request.build_absolute_uri("/")}
    response = render(request, "county/account_slip.html", context)
    # The password is on this page only: no cache may keep it.
    add_never_cache_headers(response)
    return response


# --- the national registers across schools ---------------------------------------------------


@require_GET
@role_required(Role.BUREAU, Role.TOWNSHIP)
def registers(request: HttpRequest) -> HttpResponse:
    """The two definitions (学籍 and 民政) counted side by side for the schools in reach, with
    the two layouts to download."""
    definitions = left_behind_definitions(pupils=selectors.pupils_in_reach(user=request.user))
    context = {"definitions": definitions, "reach": _reach(request.user)}
    return render(request, "county/registers.html", context)


@require_GET
@role_required(Role.BUREAU, Role.TOWNSHIP)
def registers_xueji_xlsx(request: HttpRequest) -> HttpResponse:
    """Every school's pupils in reach in the 学籍 layout; numbers masked (no county reader
    sees a whole number), each school's log shows the export of its children."""
    pupils = selectors.pupils_in_reach(user=request.user)
    return XuejiExport(user=request.user, pupils=pupils, masked=True).response(request)


@require_GET
@role_required(Role.BUREAU, Role.TOWNSHIP)
def registers_civil_affairs_xlsx(request: HttpRequest) -> HttpResponse:
    """The civil-affairs 登记表 of the schools in reach, as registers_xueji_xlsx."""
    pupils = selectors.pupils_in_reach(user=request.user)
    return CivilAffairsExport(user=request.user, pupils=pupils, masked=True).response(request)
