"""Filters for printed documents."""

import datetime
import re

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from caresys.lib import written

register = template.Library()

# Inside a <style> element nothing is HTML-decoded, so HTML escaping would print "&quot;", and
# escapejs's \u0022 is not a CSS escape (it prints "u0022"). What could end the string, the rule
# or the element, and control characters, become CSS hex escapes; the space ends the escape.
_CSS_STRING_UNSAFE = re.compile(r"[\\\"'<>&\x00-\x1f\x7f]")


@register.filter
def css_string(value: object) -> SafeString:
    """The value as the inside of a double-quoted CSS string, e.g. in `content: "…"`."""
    text = str(value).replace("\x00", "\ufffd")  # CSS forbids the escape \0
    return mark_safe(_CSS_STRING_UNSAFE.sub(lambda match: f"\\{ord(match[0]):x} ", text))


@register.filter
def cn_date(value: object) -> str:
    """2026年11月30日: the date as an official document writes it (in English, 30 November
    2026)."""
    if (get_language() or "zh").startswith("zh"):
        return written.chinese_date(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return date_format(value, "j F Y") if value else ""


@register.filter
def class_names(value: object) -> str:
    """Class names with full-width brackets: 一年级（1）班."""
    return written.full_width_brackets(str(value))


@register.filter
def yuan(value: object) -> str:
    """Money in prose: 1.5万元, 500元."""
    return written.yuan_in_prose(value)  # type: ignore[arg-type]
