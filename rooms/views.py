"""Pages of the rooms: the schedule, today's opening (on a phone), the openings missed, a
room's log by month."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.http import role_required, row_ids
from caresys.lib.periods import month_of
from registry import services as registry_services
from registry.models import CARE_LEADS, AccessLog
from rooms import selectors, services
from rooms.forms import RoomForm, SlotForm, SlotStopForm, UseForm, VoidForm
from visits.selectors import pupils_matching


@require_GET
@login_required
def room_list(request: HttpRequest) -> HttpResponse:
    """The rooms and their weekly schedule, with a warning where fewer than two are on duty."""
    rooms = list(selectors.rooms_of(user=request.user))
    for room in rooms:
        for slot in room.slots.all():
            slot.understaffed = selectors.understaffed(slot)
    return render(request, "rooms/room_list.html", {"rooms": rooms})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def room_create(request: HttpRequest) -> HttpResponse:
    form = RoomForm(request.POST or None)
    if form.is_valid():
        try:
            services.room_save(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("rooms:room_list")
    return render(request, "rooms/room_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def slot_create(request: HttpRequest, pk: int) -> HttpResponse:
    room = selectors.get_room_for_user(request.user, pk)
    form = SlotForm(request.POST or None, school_id=request.user.school_id)
    if form.is_valid():
        try:
            slot = services.slot_create(
                actor=request.user,
                room=room,
                request=request,
                **(form.cleaned_data | {"on_duty": list(form.cleaned_data["on_duty"])}),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if len(form.cleaned_data["on_duty"]) < selectors.DUTY_MINIMUM:
                messages.warning(request, _("值班教师少于两名：每次开放须有两名教师在场。"))
            else:
                messages.success(request, _("已添加开放时间：%(slot)s。") % {"slot": slot})
            return redirect("rooms:room_list")
    return render(request, "rooms/slot_form.html", {"form": form, "room": room})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = selectors.get_room_for_user(request.user, pk)
    form = RoomForm(request.POST or None, instance=room)
    if form.is_valid():
        try:
            services.room_save(actor=request.user, room=room, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存%(name)s。") % {"name": room.name})
            return redirect("rooms:room_list")
    return render(request, "rooms/room_form.html", {"form": form, "room": room})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a slot's weekday, times or teachers on duty (a new weekday starts a new slot)."""
    slot = selectors.get_slot_to_manage(request.user, pk)
    form = SlotForm(
        request.POST or None,
        instance=slot,
        school_id=request.user.school_id,
        initial={"on_duty": list(slot.on_duty.all())},
    )
    if form.is_valid():
        data = form.cleaned_data | {"on_duty": list(form.cleaned_data["on_duty"])}
        try:
            changed = services.slot_update(actor=request.user, slot=slot, request=request, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed.pk != slot.pk:
                messages.success(
                    request, _("星期已改：原开放时间自今天起停用，已登记的开放记录保留。")
                )
            else:
                messages.success(request, _("已保存开放时间：%(slot)s。") % {"slot": changed})
            return redirect("rooms:room_list")
    context = {"form": form, "room": slot.room, "slot": slot}
    return render(request, "rooms/slot_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def slot_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """停用 a slot from a day; its openings stay."""
    slot = selectors.get_slot_to_manage(request.user, pk)
    form = SlotStopForm(
        request.POST or None, instance=slot, initial={"stopped_from": timezone.localdate()}
    )
    if form.is_valid():
        try:
            services.slot_stop(
                actor=request.user,
                slot=slot,
                stopped_from=form.cleaned_data["stopped_from"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已停用开放时间：%(slot)s。") % {"slot": slot})
            return redirect("rooms:room_list")
    return render(request, "rooms/slot_stop.html", {"form": form, "slot": slot})


@require_GET
@login_required
def today(request: HttpRequest) -> HttpResponse:
    """今日开放: the rooms the teacher is on duty in today, to record an opening."""
    slots = selectors.today_of(user=request.user)
    # The teacher's own openings of the last weeks not yet recorded, to record late (补登).
    # (can_record: on duty in the slot, or the registrar or principal.)
    missed = [row for row in selectors.missed_openings(user=request.user) if row.can_record]
    context = {"slots": slots, "missed": missed, "today": timezone.localdate()}
    return render(request, "rooms/today.html", context)


@require_POST
@login_required
def opening_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the room opened in this slot today, or on a day of the last weeks (补登,
    from the 未按计划开放 list)."""
    slot = selectors.get_slot_for_user(request.user, pk)
    day = _recent_day(request.POST.get("day", "")) or timezone.localdate()
    try:
        opening = services.opening_record(actor=request.user, slot=slot, day=day, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rooms:today")
    return redirect("rooms:opening", pk=opening.pk)


def _recent_day(text: str) -> datetime.date | None:
    """A day of the last MISSED_WEEKS weeks sent by the form, else None."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    today = timezone.localdate()
    if today - datetime.timedelta(weeks=selectors.MISSED_WEEKS) <= day <= today:
        return day
    return None


@require_http_methods(["GET", "POST"])
@login_required
def opening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An opening's uses and the form for the next: type part of a name, pick, save."""
    opening = selectors.get_opening_for_user(request.user, pk)
    query = request.POST.get("q", "").strip()
    matches = list(pupils_matching(user=request.user, query=query)) if query else []
    if "find" in request.POST:
        # 查找 only searches: what was chosen so far is kept, nothing is checked yet.
        form = UseForm(initial=request.POST.dict())
    else:
        form = UseForm(request.POST or None)
    if form.is_bound and form.is_valid():
        chosen = row_ids([request.POST.get("pick", "")])
        if not chosen and len(matches) == 1:
            chosen = [matches[0].pk]
        if not chosen:
            form.add_error("q", _("请输入姓名并选择一名儿童。"))
        else:
            pupil = selectors.pupil_for_use(request.user, chosen[0])
            try:
                use = services.use_record(
                    actor=request.user,
                    opening=opening,
                    pupil=pupil,
                    mode=form.cleaned_data["mode"],
                    with_whom=form.cleaned_data["with_whom"],
                    minutes=form.cleaned_data["minutes"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("已登记%(name)s的亲情电话。") % {"name": use.pupil.name}
                )
                return redirect("rooms:opening", pk=opening.pk)
    uses = list(selectors.uses_of(opening))
    _log_read(request, [use.pupil for use in uses], _("查看%(room)s使用记录"), opening.slot.room)
    context = {"opening": opening, "form": form, "matches": matches, "uses": uses}
    return render(request, "rooms/opening_detail.html", context)


def _log_read(request: HttpRequest, pupils: list, detail: str, room) -> None:
    """The children whose calls a page shows are logged as read (none: nothing)."""
    if pupils:
        registry_services.log_access(
            actor=request.user,
            action=AccessLog.Action.READ,
            pupils=pupils,
            detail=detail % {"room": room.name},
            request=request,
        )


@require_POST
@login_required
def use_void(request: HttpRequest, pk: int) -> HttpResponse:
    use = selectors.get_use_for_user(request.user, pk)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写作废原因。"))
    else:
        try:
            services.use_void(
                actor=request.user,
                use=use,
                reason=form.cleaned_data["void_reason"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已作废这条使用记录和它的亲情电话记录。"))
    return redirect("rooms:opening", pk=use.opening_id)


@require_GET
@role_required(*CARE_LEADS)
def missed(request: HttpRequest) -> HttpResponse:
    """未按计划开放: the principal's list of planned openings of the last weeks not recorded."""
    rows = selectors.missed_openings(user=request.user)
    context = {"rows": rows, "weeks": selectors.MISSED_WEEKS}
    return render(request, "rooms/missed_list.html", context)


@require_GET
@role_required(*CARE_LEADS)
def room_log(request: HttpRequest, pk: int) -> HttpResponse:
    """A room's openings and uses in a month (?month=2026-04; this month by default)."""
    room = selectors.get_room_for_user(request.user, pk)
    try:
        day = datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        day = timezone.localdate()
    month = month_of(day)
    openings = list(selectors.room_log(room, month))
    pupils = [use.pupil for opening in openings for use in opening.uses.all()]
    _log_read(request, pupils, _("查看%(room)s月度记录"), room)
    context = {
        "room": room,
        "month": month,
        "openings": openings,
        "previous": (month.start - datetime.timedelta(days=1)).strftime("%Y-%m"),
        "next": (month.end + datetime.timedelta(days=1)).strftime("%Y-%m"),
    }
    return render(request, "rooms/room_log.html", context)
