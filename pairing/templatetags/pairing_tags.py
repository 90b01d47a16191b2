"""The pairing board's long lists rendered in one call each (a large school has 400 classes and
hundreds of suggestions)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from pairing.selectors import Coverage, Suggestion

register = template.Library()

SHORT = mark_safe(' class="table-warning"')


@register.filter
def coverage_rows(rows: list[Coverage]) -> SafeString:
    """The classes' coverage rows: one call, not a template loop of five lookups a row;
    plain numbers, as the rest of the table."""
    return format_html_join(
        "",
        '\n          <tr{}><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}%</td></tr>\n        ',
        (
            (SHORT if row.unpaired else "", row.label, row.children, row.paired, row.share)
            for row in rows
        ),
    )


@register.filter
def proposal_inputs(suggestions: list[Suggestion]) -> SafeString:
    """全部确认's hidden fields, one a suggestion ("pupil-teacher"): one call for hundreds."""
    return format_html_join(
        "",
        '<input type="hidden" name="proposal" value="{}-{}">',
        ((suggestion.pupil.pk, suggestion.teacher.pk) for suggestion in suggestions),
    )
