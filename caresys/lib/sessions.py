"""Signing out after the school's idle timeout: a shared staff-room computer left signed in
must not keep a child's archive open to the next person who sits down."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

SEEN_KEY = "caresys_last_seen"
# The last request's time is saved at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60
DEFAULT_IDLE_MINUTES = 30


def idle_minutes(user) -> int:
    """The person's school's idle timeout (School.idle_timeout_minutes); the default without."""
    school = getattr(user, "school", None)
    return getattr(school, "idle_timeout_minutes", None) or DEFAULT_IDLE_MINUTES


@receiver(user_logged_in, dispatch_uid="caresys.lib.sessions.start_idle_clock")
def start_idle_clock(sender, request: HttpRequest | None, **kwargs) -> None:
    """The clock starts at sign-in, saved with the session the sign-in saves anyway."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = timezone.now().timestamp()


class IdleTimeoutMiddleware:
    """Signs the person out when their last request is longer ago than the idle timeout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now().timestamp()
        seen = request.session.get(SEEN_KEY)
        if request.user.is_authenticated and seen is not None:
            if now - seen > idle_minutes(request.user) * 60:
                logout(request)
                messages.info(
                    request, _("您已长时间没有操作，为保护学生信息已自动退出，请重新登录。")
                )
        response = self.get_response(request)
        # After the view, so that the request that signs the person in starts the clock.
        if request.user.is_authenticated and (
            seen is None or now - seen >= SEEN_RESOLUTION_SECONDS
        ):
            request.session[SEEN_KEY] = now
        return response
