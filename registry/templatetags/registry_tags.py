"""Masking of ID numbers and phones in pages and PDFs, by the viewer's need to know."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from caresys.lib.identity import mask_id_number, mask_phone
from registry.selectors import sees_full_id_number, sees_full_phones

register = template.Library()


def _shown(user, pupil, key: str, value: str) -> tuple[str, bool]:
    """(text to show, whether it is masked)."""
    if key == "pupil.id_number":
        return (value, False) if sees_full_id_number(user) else (mask_id_number(value), True)
    return (value, False) if sees_full_phones(user, pupil) else (mask_phone(value), True)


@register.simple_tag(takes_context=True)
def masked(context, pupil, key: str, value: str) -> str:
    """The value, masked unless the viewer needs it (lists, cards, PDFs: no reveal button)."""
    if not value:
        return ""
    return _shown(context["request"].user, pupil, key, value)[0]


@register.simple_tag(takes_context=True)
def revealable(context, pupil, key: str, value: str) -> str:
    """Masked value with a button that fetches the full one (the reveal is logged)."""
    if not value:
        return ""
    text, is_masked = _shown(context["request"].user, pupil, key, value)
    if not is_masked:
        return text
    return format_html(
        '<span class="masked-value">{}</span> <button type="button" '
        'class="btn btn-link btn-sm p-0 align-baseline js-reveal d-print-none" '
        'data-url="{}" data-field="{}">{}</button>',
        text,
        reverse("registry:pupil_reveal", args=[pupil.pk]),
        key,
        _("显示"),
    )
