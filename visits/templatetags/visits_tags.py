"""Table cells of the care pages rendered in one call where a page has hundreds of rows."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def quota_cells(cells: list[tuple[int | None, bool]]) -> SafeString:
    """A class's quota cells (ClassCompliance.cells) on 关爱落实: one call a row, not a template
    loop of four (a large school has 400 classes); plain numbers, as the table's others."""
    return format_html_join(
        "",
        '<td class="text-end{}">{}</td>',
        ((" text-danger" if short else "", "—" if met is None else met) for met, short in cells),
    )
