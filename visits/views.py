"""Pages of care records: decorators, access helper, form, service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from caresys.lib.http import role_required
from registry.models import Role
from registry.selectors import get_pupil_for_user
from visits import due, selectors, services
from visits.forms import CareRecordForm, CareSettingsForm, WatchEventForm
from visits.models import care_settings_for


def _add_errors(form, error: ValidationError) -> None:
    """A service's errors beside the fields they concern (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    """Write a care record for one or more of the user's children."""
    kinds = selectors.kinds_writable_by(request.user)
    if not kinds:
        raise PermissionDenied
    initial = {"pupils": request.GET.getlist("pupil"), "kind": request.GET.get("kind")}
    form = CareRecordForm(
        request.POST or None,
        initial=initial,
        pupils=selectors.pupils_writable_by(user=request.user).order_by(
            "school_class__grade", "school_class__number", "name_pinyin", "pk"
        ),
        kinds=kinds,
    )
    if form.is_valid():
        try:
            record = services.record_create(
                actor=request.user,
                pupils=list(form.cleaned_data["pupils"]),
                request=request,
                **form.record_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已记录%(kind)s。") % {"kind": record.get_kind_display()})
            return redirect("visits:record_detail", pk=record.pk)
    return render(request, "visits/record_form.html", {"form": form})


@require_GET
@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, pk)
    context = {
        "record": record,
        "pupils": record.pupils.select_related("school_class"),
        "shows_content": selectors.shows_content(request.user, record),
        "revisions": record.revisions.select_related("actor"),
        "answered": record.answered_events.all(),
    }
    return render(request, "visits/record_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def watch_create(request: HttpRequest, pk: int) -> HttpResponse:
    """五必访: anyone who reads the child notes what they saw; a visit becomes due."""
    pupil = get_pupil_for_user(request.user, pk)
    form = WatchEventForm(request.POST or None)
    if form.is_valid():
        try:
            event = services.watch_event_create(
                actor=request.user, pupil=pupil, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.warning(
                request,
                _("已登记“%(kind)s”：请在%(day)s前家访或谈心。")
                % {"kind": event.get_kind_display(), "day": event.due_on.isoformat()},
            )
            return redirect("registry:pupil_detail", pk=pupil.pk)
    return render(request, "visits/watch_form.html", {"form": form, "pupil": pupil})


@require_GET
@login_required
def work_list(request: HttpRequest) -> HttpResponse:
    """我的待办: overdue and due care for the teacher's children, and this week's records."""
    context = {
        "work": due.work_list(
            user=request.user,
            pupils=selectors.own_children(user=request.user),
            settings=care_settings_for(request.user.school),
            today=timezone.localdate(),
        ),
        "today": timezone.localdate(),
    }
    return render(request, "visits/work_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The school's quotas for care work (defaults from the schools' own rules)."""
    form = CareSettingsForm(request.POST or None, instance=care_settings_for(request.user.school))
    if form.is_valid():
        services.care_settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("关爱工作设置已保存。"))
        return redirect("visits:work_list")
    return render(request, "visits/settings_form.html", {"form": form})


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def compliance(request: HttpRequest) -> HttpResponse:
    """The principal's view: quotas met by class and by teacher; children with no contact."""
    settings = care_settings_for(request.user.school)
    context = {
        "report": due.compliance(
            school_id=request.user.school_id, settings=settings, today=timezone.localdate()
        ),
        "settings": settings,
    }
    return render(request, "visits/compliance.html", context)
