"""Pages of the work plan and the calendar: decorators, access helper, form, service, redirect.
Every staff member of the school reads them; the principal, the 德育主任 and the registrar
edit; a task's responsible person marks it done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.pdf import html_to_pdf, pdf_response
from plans import selectors, services
from plans.forms import ItemDoneForm, ItemVoidForm, PlanForm, PlanItemForm
from plans.models import PlanItem, WorkPlan, months_of
from registry.models import AccessLog
from registry.services import log_access


def _reader(request: HttpRequest) -> None:
    if not selectors.reads_plans(request.user):
        raise Http404


def _editor(request: HttpRequest) -> None:
    if not selectors.can_edit_plans(request.user):
        raise PermissionDenied


@require_GET
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """校历: a month of planned items (held ✓, due, 未落实) and the events held."""
    _reader(request)
    today = timezone.localdate()
    month = selectors.parse_month(request.GET.get("month"), today)
    page = selectors.calendar_month(user=request.user, month=month, today=today)
    context = {"cal": page, "today": today, "can_edit": selectors.can_edit_plans(request.user)}
    return render(request, "plans/calendar.html", context)


@require_GET
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    terms = selectors.terms_with_plans(school_id=request.user.school_id)
    context = {"terms": terms, "can_edit": selectors.can_edit_plans(request.user)}
    return render(request, "plans/plan_list.html", context)


@require_POST
@login_required
def plan_draft(request: HttpRequest, pk: int) -> HttpResponse:
    term = selectors.get_term_for_user(request.user, pk)
    _editor(request)
    try:
        plan = services.plan_draft(actor=request.user, term=term, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("plans:plan_list")
    messages.success(request, _("已按各校的工作安排和去年的活动起草计划，请逐项修改。"))
    return redirect("plans:plan_detail", pk=plan.pk)


@require_GET
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The term's plan month by month, each item held ✓, due or 未落实."""
    plan = selectors.get_plan_for_user(request.user, pk)
    view = selectors.plan_view(plan=plan, today=timezone.localdate())
    context = {
        "view": view,
        "plan": plan,
        "can_edit": selectors.can_edit_plans(request.user),
    }
    return render(request, "plans/plan_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    _editor(request)
    form = PlanForm(request.POST or None, instance=plan)
    if form.is_valid():
        services.plan_update(actor=request.user, plan=plan, request=request, **form.cleaned_data)
        messages.success(request, _("已保存。"))
        return redirect("plans:plan_detail", pk=plan.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@require_GET
@login_required
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan printed in the term summary's document style."""
    plan = selectors.get_plan_for_user(request.user, pk)
    view = selectors.plan_view(plan=plan, today=timezone.localdate())
    html = render_to_string("plans/plan_document.html", {"view": view, "plan": plan})
    log_access(
        actor=request.user,
        action=AccessLog.Action.PDF,
        detail=_("工作计划PDF：%(t)s") % {"t": plan},
        request=request,
    )
    return pdf_response(html_to_pdf(html), f"{plan.title}.pdf")


def _item_form(request: HttpRequest, plan: WorkPlan, item: PlanItem | None) -> PlanItemForm:
    months = [(m.isoformat(), selectors.month_label(m)) for m in months_of(plan.term)]
    this_month = timezone.localdate().replace(day=1).isoformat()
    return PlanItemForm(
        request.POST or None,
        instance=item,
        initial=None if item else {"month": this_month, "responsible": request.user.pk},
        months=months,
        staff=selectors.staff_of(request.user.school_id),
    )


def _save_item(request: HttpRequest, plan: WorkPlan, item: PlanItem | None) -> HttpResponse:
    form = _item_form(request, plan, item)
    if form.is_valid():
        try:
            services.item_save(
                actor=request.user, plan=plan, item=item, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(request, "plans/item_form.html", {"form": form, "plan": plan, "item": item})


@require_http_methods(["GET", "POST"])
@login_required
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    _editor(request)
    return _save_item(request, plan, None)


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    _editor(request)
    return _save_item(request, item.plan, item)


@require_http_methods(["GET", "POST"])
@login_required
def item_done(request: HttpRequest, pk: int) -> HttpResponse:
    """落实: the responsible person (or an editor) says when and how a task was done."""
    item = selectors.get_item_for_user(request.user, pk)
    if not selectors.can_mark_done(request.user, item):
        raise PermissionDenied
    form = ItemDoneForm(
        request.POST or None,
        initial={"done_on": min(timezone.localdate(), item.period.end)},
    )
    if form.is_valid():
        try:
            services.item_mark_done(
                actor=request.user,
                item=item,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["done_note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已落实。"))
            return redirect("plans:plan_detail", pk=item.plan_id)
    return render(request, "plans/item_done.html", {"form": form, "item": item})


@require_http_methods(["GET", "POST"])
@login_required
def item_void(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    _editor(request)
    form = ItemVoidForm(request.POST or None)
    if form.is_valid():
        try:
            services.item_void(
                actor=request.user,
                item=item,
                reason=form.cleaned_data["void_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已作废。"))
            return redirect("plans:plan_detail", pk=item.plan_id)
    return render(request, "plans/item_void.html", {"form": form, "item": item})
