"""Requests refused for a child outside the person's scope are logged like reads."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

from registry.models import AccessLog
from registry.selectors import OutOfScope
from registry.services import log_access


class RefusedAccessLogMiddleware:
    """Logs an OutOfScope 404 (raised by the access helpers) in the access log; the person gets
    the same 404 page as for a child who does not exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OutOfScope) and request.user.is_authenticated:
            log_access(
                actor=request.user,
                action=AccessLog.Action.REFUSED,
                pupil_ids=[exception.pupil_id],
                detail=request.path,
                request=request,
            )


# What a person who must change their initial password may still open.
OPEN_WHILE_CHANGING = frozenset({"password_change", "logout", "set_language"})


class PasswordChangeRequiredMiddleware:
    """Someone signed in with an initial password (a slip from the registrar) is sent to the
    password change page from every other page until they have chosen their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.must_change_password:
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name not in OPEN_WHILE_CHANGING:
                return redirect("password_change")
        return self.get_response(request)


# What a person with no school (the bureau's and the township's readers, the installation's
# registrar) may open besides the county's pages: there is no school for the rest to show.
OPEN_WITHOUT_SCHOOL = frozenset(
    {"home", "login", "logout", "password_change", "password_change_done", "set_language"}
)


class SchoolPagesNeedASchoolMiddleware:
    """A school's pages read `request.user.school`; someone who belongs to no school gets 403
    from them (their home page is the county's), never a page built on no school."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        user = request.user
        if not user.is_authenticated or user.school_id is not None:
            return
        match = request.resolver_match
        if match is None or match.view_name in OPEN_WITHOUT_SCHOOL:
            return
        if match.namespace == "county":
            return
        raise PermissionDenied
