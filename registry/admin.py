"""The administrator's settings pages: school, years and terms, classes, staff accounts.

Pupils' archives are not edited here: every change to a child's record goes through the
registry's services, which keep the history and the access log.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from registry.models import (
    AccessLog,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
    Term,
    User,
)

admin.site.site_header = _("关爱通 · 系统设置")
admin.site.site_title = _("关爱通")
admin.site.index_title = _("系统设置")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "phone"]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "start_date", "end_date"]
    inlines = [TermInline]


class TeachingAssignmentInline(admin.TabularInline):
    model = TeachingAssignment
    extra = 1
    autocomplete_fields = ["teacher"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["__str__", "head_teacher", "is_active"]
    list_filter = ["grade", "is_active"]
    autocomplete_fields = ["head_teacher"]
    inlines = [TeachingAssignmentInline]


class UserAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    list_display = ["username", "full_name", "phone", "role_list", "is_active"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["full_name", "phone", "school", "roles"]}),
        (_("状态"), {"fields": ["is_active", "is_staff", "is_superuser", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "school", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login"]

    @admin.display(description=_("角色"))
    def role_list(self, obj: User) -> str:
        return "、".join(obj.role_labels())


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence and is neither edited nor deleted."""

    list_display = ["at", "actor", "action", "pupil", "detail"]
    list_filter = ["action"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
