"""The settings pages (Django admin), open to every holder of the 管理员 role and no one else.

Access follows the school's roles rather than Django's per-model permissions, so giving someone
the administrator role is the one step that lets them manage classes, terms and staff.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def is_registrar(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_authenticated and user.has_role("admin")


class CareSysAdminSite(admin.AdminSite):
    site_header = _("关爱通 · 系统设置")
    site_title = _("关爱通")
    index_title = _("系统设置")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_registrar(request)


class CareSysAdminConfig(AdminConfig):
    default_site = "caresys.admin_site.CareSysAdminSite"


class SchoolScopedAdmin(admin.ModelAdmin):
    """Registrars manage their own school's rows; nothing is deleted from here."""

    school_path = "school"

    def get_queryset(self, request: HttpRequest):
        rows = super().get_queryset(request)
        return rows.filter(**{self.school_path: request.user.school_id})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_registrar(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_registrar(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_registrar(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_registrar(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RegistrarInline:
    """An inline the registrar edits (terms of a year, subjects of a class) without Django's
    per-model permissions, which CareSys does not hand out; rows are not deleted."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_registrar(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_registrar(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_registrar(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
