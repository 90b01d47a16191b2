"""The registrar's settings pages: school, years and terms, classes, staff accounts.

Pupils' archives are not edited here: every change to a child's record goes through the
registry's services, which keep the history and the access log.
"""

from pathlib import Path
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm

from caresys.admin_site import RegistrarInline, SchoolScopedAdmin, is_registrar
from caresys.lib.periods import SchoolYearDates, school_year_starting, usual_school_year
from registry import services
from registry.forms import SchoolForm, StaffImportForm
from registry.models import (
    COUNTY_READERS,
    SCHOOL_ROLES,
    School,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
    Term,
    User,
)
from registry.resources import FORMATS, StaffResource, slips_pdf

# The blank staff list offered on the import page (built by scripts/staff_template.py).
STAFF_TEMPLATE = Path(settings.BASE_DIR) / "fixtures" / "教职工名册模板.xlsx"

# Roles live on the user; Django's groups are not used.
admin.site.unregister(Group)


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    list_display = ["name", "address", "phone"]
    form = SchoolForm

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "care_categories" in form.changed_data:
            # Its pupils' kept in_care follows, in the admin's transaction.
            services.in_care_refresh(school=obj)


class TermInline(RegistrarInline, admin.StackedInline):
    # Stacked, not tabular: each field keeps its own label (a table row's fields have none).
    model = Term

    def get_extra(self, request, obj=None, **kwargs) -> int:
        # A new school year comes with its two terms proposed (SchoolYearAdmin fills them in).
        return 2 if obj is None else 0


@admin.register(SchoolYear)
class SchoolYearAdmin(SchoolScopedAdmin):
    list_display = ["name", "start_date", "end_date"]
    exclude = ["school"]
    inlines = [TermInline]

    def save_model(self, request, obj, form, change) -> None:
        obj.school = request.user.school
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # In the admin's transaction: the records' terms may have moved.
            services.school_calendar_changed(school_id=form.instance.school_id)

    def _proposal(self, request) -> SchoolYearDates:
        """The usual calendar of the year after the school's latest one (or of this year)."""
        latest = SchoolYear.objects.filter(school=request.user.school).order_by("-start_date")
        latest = latest.first()
        start = latest.start_date.year + 1 if latest else school_year_starting(timezone.localdate())
        return usual_school_year(start)

    def get_changeform_initial_data(self, request) -> dict:
        year = self._proposal(request).year
        return {"name": year.label, "start_date": year.start, "end_date": year.end}

    def get_formset_kwargs(self, request, obj, inline, prefix) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, TermInline) and obj.pk is None and request.method == "GET":
            kwargs["initial"] = [
                {"number": number, "start_date": term.start, "end_date": term.end}
                for number, term in enumerate(self._proposal(request).terms, start=1)
            ]
        return kwargs


class TeachingAssignmentInline(RegistrarInline, admin.StackedInline):
    model = TeachingAssignment
    extra = 1
    autocomplete_fields = ["teacher"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Who teaches what is not a child's data: a finished assignment may go.
        return is_registrar(request)


@admin.register(SchoolClass)
class SchoolClassAdmin(SchoolScopedAdmin):
    list_display = ["__str__", "head_teacher", "is_active"]
    list_filter = ["grade", "is_active"]
    exclude = ["school"]
    autocomplete_fields = ["head_teacher"]
    inlines = [TeachingAssignmentInline]

    def save_model(self, request, obj, form, change) -> None:
        obj.school = request.user.school
        super().save_model(request, obj, form, change)


class UserAdminForm(UserChangeForm):
    # The school's roles; a county role the account holds (中心学校) is kept as it is.
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=[(role.value, role.label) for role in SCHOOL_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_roles(self) -> list[str]:
        kept = [role for role in self.instance.roles or [] if role in COUNTY_READERS]
        return [*self.cleaned_data["roles"], *kept]


def _slips_response(request: HttpRequest, slips: list[services.Slip]) -> HttpResponse:
    """The slips as a download: the only place their passwords ever appear."""
    content = slips_pdf(
        slips=slips, school=request.user.school, site=request.build_absolute_uri("/")
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = gettext("账号通知单-%(day)s.pdf") % {"day": timezone.localdate().isoformat()}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@admin.register(User)
class UserAdmin(ImportExportMixin, SchoolScopedAdmin, BaseUserAdmin):
    """Staff accounts, one by one or from the staff list (教职工名册).

    A confirmed import answers with the new teachers' slips as a PDF download: their initial
    passwords are made in that request and exist nowhere else, neither in the database (only
    hashed) nor in the session nor in a file; the preview page tells the registrar so.
    """

    form = UserAdminForm
    resource_classes = [StaffResource]
    import_formats = FORMATS
    export_formats = FORMATS
    import_form_class = StaffImportForm
    export_form_class = ExportForm
    import_template_name = "registry/staff_import.html"
    # The access log has the import; Django's admin log would repeat it row by row.
    skip_admin_log = True
    actions = ["reset_initial_password"]
    list_display = ["username", "full_name", "phone", "role_list", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["username", "full_name", "phone"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["full_name", "phone", "roles"]}),
        (_("状态"), {"fields": ["is_active", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login"]

    @admin.display(description=_("角色"))
    def role_list(self, obj: User) -> str:
        return "、".join(obj.role_labels())

    def save_model(self, request, obj, form, change) -> None:
        obj.school = request.user.school
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # Closing or reopening an account here, in the admin's transaction: what the apps
            # above keep about it (a pair counts only with its teacher at work) follows.
            services.staff_active_changed(user_id=obj.pk)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class ScopedForm(form):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                # A new account's password is checked against its school's name, so the
                # school is set before the form validates it (save_model sets it again).
                self.instance.school = actor.school

            def clean(self) -> dict:
                cleaned = super().clean()
                if obj is not None:
                    # The registrar's remit, with its errors beside the fields.
                    services.staff_account_check(
                        actor=actor,
                        user=obj,
                        roles=cleaned.get("roles", obj.roles),
                        is_active=cleaned.get("is_active", obj.is_active),
                    )
                return cleaned

        return ScopedForm

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registrar(request)

    # --- the staff list: import and export ----------------------------------------------------

    def has_import_permission(self, request) -> bool:
        return is_registrar(request)

    def has_export_permission(self, request) -> bool:
        return is_registrar(request)

    def get_resource_kwargs(self, request, *args, **kwargs) -> dict:
        return {"actor": request.user}

    def get_import_data_kwargs(self, **kwargs) -> dict:
        # A row that fails at the confirm step (the list changed since the preview) leaves
        # nothing written, like an error would.
        return super().get_import_data_kwargs(**kwargs) | {"rollback_on_validation_errors": True}

    def get_import_context_data(self, **kwargs) -> dict:
        return {"has_template": STAFF_TEMPLATE.exists()}

    def process_import(self, request, **kwargs) -> HttpResponse:
        # The accounts and the slips that carry their passwords go together: if the PDF cannot
        # be made, no account is created whose password nobody will ever see.
        with transaction.atomic():
            return super().process_import(request, **kwargs)

    def process_result(self, result, request) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request, gettext("名册在预览后有了错误，什么也没有导入。请重新上传并预览。")
            )
            return HttpResponseRedirect(reverse("admin:registry_user_import"))
        totals = result.totals
        messages.success(
            request,
            gettext("教职工名册已导入：新建账号%(new)d个，修改%(update)d个，无变化%(skip)d个。")
            % {"new": totals["new"], "update": totals["update"], "skip": totals["skip"]},
        )
        if result.created_classes:
            messages.info(
                request,
                gettext("新建班级：%(classes)s。") % {"classes": "、".join(result.created_classes)},
            )
        if not result.slips:
            return HttpResponseRedirect(reverse("admin:registry_user_changelist"))
        return _slips_response(request, result.slips)

    def get_export_filename(self, request, queryset, file_format) -> str:
        day = timezone.localdate().strftime("%Y%m%d")
        return gettext("教职工名册-%(day)s") % {"day": day} + file_format.suffix

    def _do_file_export(self, file_format, request, queryset, export_form=None) -> HttpResponse:
        response = super()._do_file_export(file_format, request, queryset, export_form)
        filename = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        services.staff_export_log(actor=request.user, count=len(queryset), request=request)
        return response

    def get_urls(self):
        template = path(
            "import/template/",
            self.admin_site.admin_view(self.staff_template_view),
            name="registry_user_import_template",
        )
        return [template, *super().get_urls()]

    def staff_template_view(self, request: HttpRequest) -> FileResponse:
        """The blank staff list (教职工名册模板.xlsx)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        return FileResponse(
            STAFF_TEMPLATE.open("rb"), as_attachment=True, filename=STAFF_TEMPLATE.name
        )

    @admin.action(description=_("重置初始密码（打印账号通知单）"))
    def reset_initial_password(self, request, queryset) -> HttpResponse | None:
        slips = []
        for user in queryset.exclude(pk=request.user.pk):
            try:
                slips.append(
                    services.staff_password_reset(actor=request.user, user=user, request=request)
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        if not slips:
            messages.warning(request, gettext("没有可重置密码的账号（不能重置自己的密码）。"))
            return None
        return _slips_response(request, slips)
