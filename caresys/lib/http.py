"""Small view helpers shared by the apps."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
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


def paginate(
    request: HttpRequest,
    items,
    per_page: int | None = None,
    *,
    keys_first: bool = False,
    count: int | None = None,
) -> Page:
    """The page the request asks for; `keys_first` for a long queryset of wide rows (see
    KeysFirstPaginator); `count`, how many items there are when known (kept), else counted."""
    paginator_class = KeysFirstPaginator if keys_first else Paginator
    paginator = paginator_class(items, per_page or settings.CARESYS_PAGE_SIZE)
    if count is not None:
        paginator.count = count  # over the cached_property: no COUNT(*) of the list
    return paginator.get_page(request.GET.get("page"))


class KeysFirstPaginator(Paginator):
    """Pages a queryset by its primary keys first: the database sorts the keys of every
    matching row to find the page, then reads that page's rows whole (late row lookup). Sorting
    20,000 whole pupils to show 50 of them was most of the pupil list."""

    def get_page(self, number) -> Page:
        """The page asked for. The first page (where a list or a search lands), when the count
        is not known (kept), comes with its count: COUNT(*) OVER () in the query of its keys,
        not a COUNT(*) that tests the same rows again (a search tests a large school's 20,000
        names, 7 ms on SQLite). Other pages are counted first, as Django counts them (a page
        past the end is the last one; a number too large for the database's OFFSET too)."""
        try:
            first = int(number or 1) == 1
        except (TypeError, ValueError):  # Django's PageNotAnInteger: the first page
            first = True
        if not first or "count" in self.__dict__ or self.orphans or self.object_list.query.distinct:
            return super().get_page(number)
        keys_counted = list(self.counted_keys()[: self.per_page])
        self.count = keys_counted[0][1] if keys_counted else 0  # no first row: none at all
        return self._page_of([key for key, _ in keys_counted], 1)

    def counted_keys(self) -> QuerySet:
        """The list's (key, how many the list holds) rows."""
        return (
            self.object_list.prefetch_related(None)
            .annotate(listed_count=Window(Count("*")))
            .values_list("pk", "listed_count")
        )

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(
            self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top]
        )
        return self._page_of(keys, number)

    def _page_of(self, keys: list, number: int) -> Page:
        order = {key: index for index, key in enumerate(keys)}
        rows = sorted(self._rows(keys), key=lambda row: order[row.pk])
        return self._get_page(rows, number, self)

    def _rows(self, keys: list) -> QuerySet:
        """The rows of these keys, joined and prefetched as the list's are, by their keys alone:
        the list's filters chose the keys already, and beside them SQLite without statistics
        (a fresh install) read the filters' index instead of the keys (the school's 20,000
        pupils: 1.4 -> 14 ms). Where the list selects more than its model's fields
        (annotations, DISTINCT), its own query with the keys."""
        listed = self.object_list
        if listed.query.annotations or listed.query.distinct:
            return listed.filter(pk__in=keys)
        rows = listed.model._base_manager.filter(pk__in=keys)
        rows.query.select_related = listed.query.select_related
        rows.query.deferred_loading = listed.query.deferred_loading
        return rows.prefetch_related(*listed._prefetch_related_lookups)


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


def chosen_grade(request: HttpRequest, grades: list[int | None]) -> int | None:
    """The grade `?grade=` asks for among the page's `grades` (in order), else the first: a
    long table of classes is shown a grade at a time (a large school has 400 classes)."""
    asked = request.GET.get("grade", "")
    present = [grade for grade in grades if grade is not None]
    if asked.isdigit() and int(asked) in present:
        return int(asked)
    return present[0] if present else None
