"""The registrar's settings pages: school, years and terms, classes, staff accounts.

Pupils' archives are not edited here: every change to a child's record goes through the
registry's services, which keep the history and the access log.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.admin_site import RegistrarInline, SchoolScopedAdmin, is_registrar
from caresys.lib.periods import SchoolYearDates, school_year_starting, usual_school_year
from registry import services
from registry.models import Role, School, SchoolClass, SchoolYear, TeachingAssignment, Term, User

# Roles live on the user; Django's groups are not used.
admin.site.unregister(Group)


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    list_display = ["name", "address", "phone"]

    def has_add_permission(self, request) -> bool:
        return False


class TermInline(RegistrarInline, admin.TabularInline):
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


class TeachingAssignmentInline(RegistrarInline, admin.TabularInline):
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
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


@admin.register(User)
class UserAdmin(SchoolScopedAdmin, BaseUserAdmin):
    form = UserAdminForm
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
