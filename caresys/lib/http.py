"""Small view helpers shared by the apps."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def role_required(*roles: str) -> Callable:
    """Signed in and holding one of the roles; anyone else signed in gets 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not any(request.user.has_role(role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def valid_filters(form) -> dict:
    """The filters that are valid: an outdated link with one bad value keeps the others."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def paginate(request: HttpRequest, items, per_page: int | None = None) -> Page:
    paginator = Paginator(items, per_page or settings.CARESYS_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest, *keys: str) -> str:
    """The current filters as a query string, for pagination links; without ``keys`` too,
    for a link that drops those filters."""
    params = request.GET.copy()
    for key in ("page", *keys):
        params.pop(key, None)
    return params.urlencode()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after its page expired: say so in the user's words, not Django's."""
    return render(request, "403_csrf.html", status=403)


def row_ids(values) -> list[int]:
    """The values that can be a row's id (from a query string or a form), the rest dropped: a
    20-digit number would overflow the database's integer, not find nothing."""
    texts = [str(value) for value in values]
    return [int(text) for text in texts if text.isascii() and text.isdecimal() and len(text) <= 18]
