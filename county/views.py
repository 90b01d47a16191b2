from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from caresys.lib.http import role_required
from county import exports, selectors, services
from county.forms import AppraisalWeightsForm
from county.models import AppraisalMeasure
from registry.models import COUNTY_READERS, AccessLog, Role, User
from registry.selectors import get_school_for_county_reader
from registry.services import log_access
from reports.views import dashboard_context


def _reach(user: User) -> str:
    """Whose schools the page shows: the township's, or the county's."""
    if user.has_role(Role.TOWNSHIP) and not user.has_role(Role.BUREAU) and user.township:
        return str(user.township)
    return _("全县")


@require_GET
@role_required(*COUNTY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    return redirect("county:dashboard")


@require_GET
@role_required(*COUNTY_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The schools in reach side by side, by township, with subtotals and the county's total."""
    board = selectors.county_board(user=request.user)
    log_access(actor=request.user, action=AccessLog.Action.READ, detail=request.path)
    context = {"board": board, "reach": _reach(request.user)}
    return render(request, "county/dashboard.html", context)


@require_GET
@role_required(*COUNTY_READERS)
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's 工作概况 as its principal sees it, read-only; its own log shows the read."""
    found = get_school_for_county_reader(request.user, pk)
    context = dashboard_context(school=found, today=timezone.localdate())
    services.school_read_log(actor=request.user, school=found, detail=request.path, request=request)
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
