"""{% load fields %}: form fields in the site's bootstrap markup without a template per field."""

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from caresys.lib.forms import bootstrap_field

register = template.Library()


@register.filter
def as_field(field: forms.BoundField) -> SafeString:
    """What crispy's `as_crispy_field` writes, for the record form's widgets, at a tenth of
    its cost (caresys.lib.forms.bootstrap_field)."""
    # Spaces around, as crispy's template leaves whitespace around the field.
    return mark_safe(f" {bootstrap_field(field)} ")  # every label, value and message escaped
