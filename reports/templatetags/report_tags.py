"""Filters for printed documents."""

import datetime
import re

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
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


# Where a long document title is broken in two, as 公文 titles are: before what the document is
# about, so the school and term stand on the first line and the subject on the second.
TITLE_SUBJECTS = ("关爱留守儿童",)


@register.filter
def title_lines(value: object) -> SafeString:
    """The title escaped, with a line break before its subject when it is longer than a line
    holds (about 18 characters at the title's size)."""
    text = str(value)
    for subject in TITLE_SUBJECTS:
        at = text.find(subject)
        if len(text) > 18 and at > 0:
            return format_html("{}<br>{}", text[:at], text[at:])
    return format_html("{}", text)
