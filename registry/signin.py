"""Guessing passwords: the growing sign-in pause that django-axes enforces, its page, and the
access-log rows of sign-ins (settings: AXES_COOLOFF_TIME, AXES_LOCKOUT_CALLABLE).

The receivers below are the only hook Django gives into its sign-in form; each calls a service.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry.models import AccessLog, User
from registry.services import client_ip, signin_record

# However often someone guesses, a pause never lasts more than a day.
LONGEST_PAUSE = datetime.timedelta(days=1)


def pause_after(failures: int) -> datetime.timedelta:
    """The base pause, doubled for each earlier pause within the day: `failures` is the count
    of failed sign-ins of the last day for the account or the address."""
    earlier_pauses = max(0, failures // settings.AXES_FAILURE_LIMIT - 1)
    base = datetime.timedelta(minutes=settings.CARESYS_SIGNIN_PAUSE_MINUTES)
    return min(base * 2 ** min(earlier_pauses, 16), LONGEST_PAUSE)


def failed_signins_of_the_day() -> QuerySet[AccessLog]:
    """The failed sign-ins that count towards a pause (their detail is the username tried)."""
    since = timezone.now() - LONGEST_PAUSE
    return AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED, at__gte=since)


def pause_for(
    *, username: str | None, ip_address: str | None, before: datetime.datetime | None = None
) -> datetime.timedelta:
    """How long sign-in pauses for this account and address. With `before` (a sign-in that
    is under way), the failures before it and the attempt itself count, whether or not its
    own row is written yet. Up to two queries."""
    failed = failed_signins_of_the_day()
    if before is not None:
        failed = failed.filter(at__lt=before)
    counts = [
        failed.filter(**{field: value}).count()
        for field, value in (("detail", username), ("ip_address", ip_address))
        if value
    ]
    return pause_after(max(counts, default=0) + (before is not None))


def _username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    field = get_user_model().USERNAME_FIELD
    if credentials and credentials.get(field):
        return credentials[field]
    return request.POST.get(field) if request is not None else None


def pause_for_request(
    request: HttpRequest | None, credentials: dict | None = None
) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the pause for the account and address of this sign-in. Axes asks
    more than once per sign-in, before and after the failure is logged: the answer is the same.
    """
    return pause_for(
        username=_username(request, credentials),
        ip_address=client_ip(request),
        before=getattr(request, "axes_attempt_time", None) or timezone.now(),
    )


def paused_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page saying sign-in is paused and until when (429)."""
    pause = pause_for_request(request, credentials)
    context = {
        "until": timezone.localtime() + pause,
        "pause_minutes": round(pause.total_seconds() / 60),
    }
    return render(request, "registration/signin_paused.html", context, status=429)


@receiver(user_login_failed, dispatch_uid="registry.signin.failed")
def _record_failed_signin(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    if request is None:
        return
    username = _username(request, credentials) or ""
    user = User.objects.filter(username=username).first() if username else None
    signin_record(username=username, user=user, succeeded=False, request=request)


@receiver(user_logged_in, dispatch_uid="registry.signin.succeeded")
def _record_signin(sender, request: HttpRequest | None, user: User, **kwargs):
    # A person signs in by sending the form; force_login in tests and shells sends nothing.
    if request is None or request.method != "POST":
        return
    signin_record(username=user.get_username(), user=user, succeeded=True, request=request)
