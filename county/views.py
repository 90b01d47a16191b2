from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from caresys.lib.http import role_required
from caresys.lib.passwords import initial_password
from county.forms import (
    SCHOOL_FIELD_FOR_ERROR,
    CountyReaderForm,
    SchoolCreateForm,
    TownshipForm,
)
from registry import services
from registry.models import COUNTY_READERS, Role, Township
from registry.selectors import county_readers, schools_visible_to


@require_GET
@role_required(*COUNTY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The schools the person reads, side by side."""
    schools = schools_visible_to(user=request.user).order_by("township__name", "name", "pk")
    return render(request, "county/home.html", {"schools": schools})


# --- the installation's registrar: townships, schools and their first administrators ---------


def _form_errors(form: forms.Form, error: ValidationError, renamed: dict[str, str]) -> None:
    """The service's errors beside the form's fields (a field the form lacks: above it)."""
    for field, texts in error.message_dict.items():
        field = renamed.get(field, field)
        for message in texts:
            form.add_error(field if field in form.fields else None, message)


@require_GET
@role_required(Role.SYSTEM_ADMIN)
def schools(request: HttpRequest) -> HttpResponse:
    """Every township and school of the installation, with their administrators."""
    context = {
        "townships": Township.objects.annotate(school_count=Count("schools")),
        "schools": schools_visible_to(user=request.user)
        .annotate(staff_count=Count("staff"))
        .order_by("township__name", "name", "pk"),
        "readers": county_readers(),
    }
    return render(request, "county/school_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def township_create(request: HttpRequest) -> HttpResponse:
    form = TownshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            township = services.township_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _form_errors(form, exc, {})
        else:
            messages.success(request, _("已新建乡镇（学区）“%(name)s”。") % {"name": township})
            return redirect("county:schools")
    return render(request, "county/township_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def school_create(request: HttpRequest) -> HttpResponse:
    """A school with its calendar, classes and first administrator; the administrator's
    initial password is shown once, on the printable slip this request answers with."""
    form = SchoolCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = initial_password()
        try:
            school = services.school_create(
                **form.service_arguments(), admin_password=password,
                admin_must_change_password=True, actor=request.user, request=request,
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc, SCHOOL_FIELD_FOR_ERROR)
        else:
            data = form.cleaned_data
            slip = services.Slip(data["admin_full_name"], data["admin_username"], password)
            return _slip_page(request, slip, school=school)
    return render(request, "county/school_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.SYSTEM_ADMIN)
def reader_create(request: HttpRequest) -> HttpResponse:
    """An account of the education bureau or of a 中心学校 (学区), reading only."""
    form = CountyReaderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slip = services.county_reader_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc, {})
        else:
            return _slip_page(request, slip, school=None)
    return render(request, "county/reader_form.html", {"form": form})


def _slip_page(request: HttpRequest, slip, *, school) -> HttpResponse:
    context = {"slip": slip, "school": school, "site": request.build_absolute_uri("/")}
    response = render(request, "county/account_slip.html", context)
    # The password is on this page only: no cache may keep it.
    add_never_cache_headers(response)
    return response
