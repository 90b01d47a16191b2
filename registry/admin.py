"""The registrar's settings pages: school, years and terms, classes, staff accounts.

Pupils' archives are not edited here: every change to a child's record goes through the
registry's services, which keep the history and the access log.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from caresys.admin_site import SchoolScopedAdmin, is_registrar
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


class TermInline(admin.TabularInline):
    model = Term
    extra = 0

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SchoolYear)
class SchoolYearAdmin(SchoolScopedAdmin):
    list_display = ["name", "start_date", "end_date"]
    exclude = ["school"]
    inlines = [TermInline]

    def save_model(self, request, obj, form, change) -> None:
        obj.school = request.user.school
        super().save_model(request, obj, form, change)


class TeachingAssignmentInline(admin.TabularInline):
    model = TeachingAssignment
    extra = 1
    autocomplete_fields = ["teacher"]


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
