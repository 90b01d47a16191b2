"""Volunteers in the registrar's settings pages: correct a phone, mark one who no longer helps.

Pairs are not edited here: they begin and end through the pairing pages and their services.
"""

from django.contrib import admin

from caresys.admin_site import SchoolScopedAdmin
from pairing.models import Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(SchoolScopedAdmin):
    list_display = ["name", "kind", "organisation", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "organisation"]
    exclude = ["school"]

    def save_model(self, request, obj, form, change) -> None:
        obj.school = request.user.school
        super().save_model(request, obj, form, change)
