from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from caresys.lib.http import role_required
from registry.models import COUNTY_READERS
from registry.selectors import schools_visible_to


@require_GET
@role_required(*COUNTY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The schools the person reads, side by side."""
    schools = schools_visible_to(user=request.user).order_by("township__name", "name", "pk")
    return render(request, "county/home.html", {"schools": schools})
