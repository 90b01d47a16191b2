"""Pages of the school's events: decorators, access helper, form, service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.http import paginate, row_ids
from events import quotas, selectors, services
from events.forms import EventForm, EventPhotosForm, EventVoidForm, PhotoVoidForm, QuotasForm
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
        for name in (
            "kind",
            "name",
            "occurred_on",
            "place",
            "content",
            "guardians",
            "letters_signed",
        )
        if values.get(name)
    }
    initial = {"occurred_on": timezone.localdate(), "led_by": user.pk, **initial} | {
        "grade": scope["grade"],
        "school_class": scope["school_class"],
        "pupils": named or [pupil.pk for pupil in children],
    }
    form = EventForm(
        None if listing else request.POST,
        None if listing else request.FILES,
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
    context = {
        "form": form,
        "children": children,
        "no_photo_consent": list(selectors.without_photo_consent(children)),
    }
    return render(request, "events/event_form.html", context)


@require_GET
@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    return _event_page(request, event, EventPhotosForm())


def _event_page(request: HttpRequest, event: Event, photos_form: EventPhotosForm) -> HttpResponse:
    """The event's page (its reading logged), with the photos form as given."""
    photos_form.fields["photos"].label = _("添加照片")  # under the heading 活动照片
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
        "can_void": event.voided_at is None and selectors.can_change_event(request.user, event),
        "photos": list(event.photos.all()),
        "photos_form": photos_form,
    }
    if context["can_void"]:
        context["no_photo_consent"] = list(selectors.without_photo_consent(event.pupils.all()))
    return render(request, "events/event_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def event_void(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_to_change(request, pk)
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


def _event_to_change(request: HttpRequest, pk: int) -> Event:
    event = selectors.get_event_for_user(request.user, pk)
    if not selectors.can_change_event(request.user, event):
        raise PermissionDenied
    return event


@require_POST
@login_required
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos added later; refused ones come back beside the file field on the event's page."""
    event = _event_to_change(request, pk)
    form = EventPhotosForm(request.POST, request.FILES)
    if form.is_valid() and not form.cleaned_data["photos"]:
        form.add_error("photos", _("请选择要上传的照片。"))
    if form.is_valid():
        try:
            services.event_photos_add(
                actor=request.user,
                event=event,
                uploads=form.cleaned_data["photos"],
                confirmed=form.cleaned_data["photos_confirmed"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("照片已上传。"))
            return redirect("events:event_detail", pk=event.pk)
    return _event_page(request, event, form)


@require_GET
@login_required
def photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo, to those who read the event. Opening the full photo is logged; the thumbnails
    are part of the event's page, whose reading is logged already."""
    item = selectors.photo_for_user(request.user, pk, photo_pk)
    thumbnail = "thumb" in request.GET
    if not thumbnail:
        registry_services.log_access(
            actor=request.user,
            action=AccessLog.Action.READ,
            pupils=item.event.pupils.all(),
            detail=_("查看活动照片：%(name)s") % {"name": item.original_name},
            request=request,
        )
    response = FileResponse(
        (item.thumbnail if thumbnail else item.file).open("rb"),
        content_type="image/jpeg" if thumbnail else item.content_type,
        filename=item.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def photo_void(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    event = _event_to_change(request, pk)
    item = get_object_or_404(event.photos.live(), pk=photo_pk)
    form = PhotoVoidForm(request.POST or None)
    if form.is_valid():
        try:
            services.event_photo_void(
                actor=request.user,
                photo=item,
                reason=form.cleaned_data["void_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("照片已作废。"))
            return redirect("events:event_detail", pk=event.pk)
    context = {"form": form, "event": event, "photo": item}
    return render(request, "events/photo_void.html", context)


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


@require_http_methods(["GET", "POST"])
@login_required
def quota_settings(request: HttpRequest) -> HttpResponse:
    """活动次数要求: per kind, how many a term and whether per school or per class."""
    if not request.user.organises_events:
        raise PermissionDenied
    rules = {
        rule.kind: (rule.per_term, rule.per) for rule in quotas.school_rules(request.user.school_id)
    }
    form = QuotasForm(request.POST or None, rules=rules)
    if form.is_valid():
        services.event_quotas_set(actor=request.user, rules=form.rules())
        messages.success(request, _("活动次数要求已保存。"))
        return redirect("events:quota_settings")
    return render(request, "events/quota_settings.html", {"form": form})
