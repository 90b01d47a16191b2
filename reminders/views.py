"""Pages of notifications: each person's list and channels; the registrar's school settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.http import paginate, role_required
from registry.models import Role
from reminders import selectors, services
from reminders.forms import ChannelsForm, ReminderSettingsForm
from reminders.models import Channels, ReminderSettings


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """通知: the person's own, unread first."""
    page = paginate(request, selectors.notifications_of(user=request.user))
    return render(request, "reminders/notification_list.html", {"page": page})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go where it points (a page that checks its own access)."""
    notification = selectors.get_notification_for_user(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("stay") or not url_has_allowed_host_and_scheme(notification.link, None):
        return redirect("reminders:notification_list")
    return redirect(notification.link)


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
    return redirect("reminders:notification_list")


@require_http_methods(["GET", "POST"])
@login_required
def channels_edit(request: HttpRequest) -> HttpResponse:
    """通知设置: the person's own channels."""
    user = request.user
    robot = bool(ReminderSettings.for_school(user.school).webhook_url) if user.school else False
    chosen = Channels.of(user)
    initial = {"email": user.email, "by_email": chosen.by_email, "by_robot": chosen.by_robot}
    form = ChannelsForm(request.POST or None, initial=initial, robot_configured=robot)
    if form.is_valid():
        services.channels_update(actor=user, **form.cleaned_data)
        messages.success(request, _("通知设置已保存。"))
        return redirect("reminders:notification_list")
    return render(request, "reminders/channels_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The school's group robot and the principal's digest day."""
    current = ReminderSettings.for_school(request.user.school)
    form = ReminderSettingsForm(request.POST or None, instance=current)
    if form.is_valid():
        services.reminder_settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("学校的通知设置已保存。"))
        return redirect("reminders:notification_list")
    return render(request, "reminders/settings_form.html", {"form": form})
