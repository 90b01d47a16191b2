"""Masking of ID numbers and phones in pages and PDFs, by the viewer's need to know; a
filter's options."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from caresys.lib.forms import option_tag
from registry.selectors import ID_KEYS, shown_value

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context, pupil, key: str, value: str) -> str:
    """The value, masked unless the viewer needs it (lists, cards, PDFs: no reveal button)."""
    return shown_value(context["request"].user, pupil, key, value)[0]


@register.simple_tag(takes_context=True)
def revealable(context, pupil, key: str, value: str) -> str:
    """Masked value with a button that fetches the full one (the reveal is logged).

    A phone shown in full is a tel: link, so a teacher on a phone can call with one tap.
    """
    text, is_masked = shown_value(context["request"].user, pupil, key, value)
    if not text:
        return ""
    if not is_masked:
        if key in ID_KEYS:
            return text
        return format_html('<a href="tel:{}">{}</a>', text, text)
    return format_html(
        '<span class="masked-value">{}</span> <button type="button" '
        'class="btn btn-link btn-sm p-0 align-baseline js-reveal d-print-none" '
        'data-url="{}" data-field="{}">{}</button>',
        text,
        reverse("registry:pupil_reveal", args=[pupil.pk]),
        key,
        _("显示"),
    )


@register.filter
def get_item(mapping: dict, key):
    """mapping[key] in a template (None when absent): a table keyed by a column's key."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def select_options(field) -> str:
    """A bound field's <option>s, the chosen one selected, written here rather than by the
    template an option at a time, nor by format_html each: a large school's class filter has
    444 (~20 ms)."""
    chosen = str(field.value())
    return mark_safe(  # option_tag escapes each value and label
        "".join(
            option_tag(value, label, selected=str(value) == chosen)
            for value, label in field.field.choices
        )
    )
