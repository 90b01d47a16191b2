"""The site's URLs plus a minimal view: the baseline the benchmarks compare pages against."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from caresys.urls import urlpatterns as site_urlpatterns


@require_GET
@login_required
def minimal(request: HttpRequest) -> HttpResponse:
    """Signed in, through the same middleware, and nothing else: what every page pays anyway."""
    return HttpResponse("ok")


urlpatterns = [*site_urlpatterns, path("bench/minimal/", minimal, name="bench_minimal")]
