"""Pages of the school's events: decorators, access helper, form, service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from caresys.lib.forms import add_service_errors
from caresys.lib.http import paginate, row_ids
from events import selectors, services
from events.forms import EventForm, EventVoidForm
from events.models import Event
from registry import services as registry_services
from registry.models import AccessLog, User


def _can_record(request: HttpRequest) -> None:
    if not selectors.can_record_events(request.user):
        raise PermissionDenied


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    _can_record(request)
    events = (
        selectors.events_visible_to(user=request.user)
        .with_attendance()
        .order_by("-occurred_on", "-pk")
    )
    return render(request, "events/event_list.html", {"page": paginate(request, events)})


def _scope(request: HttpRequest, values: QueryDict) -> dict:
    """The class or grade the form's values name, among those the person may choose."""
    classes = selectors.classes_for_events(user=request.user)
    school_class = classes.filter(pk__in=row_ids(values.getlist("school_class"))).first()
    if school_class is None and not request.user.organises_events:
        school_class = classes.first()
    grades = row_ids(values.getlist("grade"))
    grade = grades[0] if grades and school_class is None else None
    return {"school_class": school_class, "grade": grade}


@require_http_methods(["GET", "POST"])
@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    """Record an event: the children of its class, grade or school come ticked; untick those
    who did not come. 列出儿童 lists the children again for another class or grade."""
    _can_record(request)
    user = request.user
    listing = request.method == "GET" or "list" in request.POST
    values = request.GET if request.method == "GET" else request.POST
    scope = _scope(request, values)
    children = selectors.children_of_scope(user=user, **scope)
    # Named children (the birthday page's) come ticked alone; otherwise the whole scope.
    named = row_ids(values.getlist("pupil"))
    initial = {
        name: values.get(name)
        for name in ("kind", "name", "occurred_on", "place", "content", "guardians")
        if values.get(name)
    }
    initial = {"occurred_on": timezone.localdate(), "led_by": user.pk, **initial} | {
        "grade": scope["grade"],
        "school_class": scope["school_class"],
        "pupils": named or [pupil.pk for pupil in children],
    }
    form = EventForm(
        None if listing else request.POST,
        initial=initial,
        classes=selectors.classes_for_events(user=user),
        staff=User.objects.filter(school_id=user.school_id, is_active=True).order_by("pk"),
        children=children,
        whole_school=user.organises_events,
    )
    if not listing and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(
                actor=user, pupils=list(data.pop("pupils")), request=request, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("已登记活动，参加的儿童%(n)d人。") % {"n": event.pupils.count()}
            )
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "children": children})


@require_GET
@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    pupils = list(selectors.attendance_of(user=request.user, event=event))
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=pupils,
        detail=_("查看活动：%(title)s") % {"title": event.title},
        request=request,
    )
    context = {
        "event": event,
        "pupils": pupils,
        "total": event.pupils.count(),
        "can_void": event.voided_at is None and selectors.can_void_event(request.user, event),
    }
    return render(request, "events/event_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def event_void(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    if not selectors.can_void_event(request.user, event):
        raise PermissionDenied
    form = EventVoidForm(request.POST or None)
    if form.is_valid():
        try:
            services.event_void(
                actor=request.user,
                event=event,
                reason=form.cleaned_data["void_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("活动已作废。"))
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/event_void.html", {"form": form, "event": event})


@require_GET
@login_required
def birthday_list(request: HttpRequest) -> HttpResponse:
    """本月/下月生日: the children in care the person answers for, with a 生日会 to record."""
    _can_record(request)
    today = timezone.localdate()
    month = selectors.next_month(today) if request.GET.get("month") == "next" else today
    found = selectors.birthdays(user=request.user, month=month)
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=[birthday.pupil for birthday in found],
        detail=_("查看生日名单"),
        request=request,
    )
    party = QueryDict(mutable=True)
    party["kind"] = Event.Kind.BIRTHDAY
    party.setlist("pupil", [birthday.pupil.pk for birthday in found])
    if not request.user.organises_events and found:
        party["school_class"] = found[0].pupil.school_class_id
    context = {
        "birthdays": found,
        "month": month,
        "next": request.GET.get("month") == "next",
        "party": party.urlencode(),
    }
    return render(request, "events/birthday_list.html", context)
