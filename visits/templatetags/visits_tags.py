"""Table cells of the care pages rendered in one call where a page has hundreds of rows."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def quota_cells(cells: list[tuple[int | None, bool]]) -> SafeString:
    """A class's quota cells (ClassCompliance.cells) on 关爱落实: one call a row, not a template
    loop of four (a large school has 400 classes); plain numbers, as the table's others, written
    by string formatting: format_html a cell cost more than the rest of the row."""
    return mark_safe(  # counts (int) and "—": nothing to escape
        "".join(
            f'<td class="text-end{" text-danger" if short else ""}">'
            f"{'—' if met is None else int(met)}</td>"
            for met, short in cells
        )
    )


@register.filter
def class_cells(row) -> SafeString:
    """A ClassCompliance row's cells after its label (children, quotas, overdue 五必访, no
    contact), as the template wrote them, in one call: a large school's grade has 74 classes."""
    overdue = " text-danger fw-bold" if row.overdue_events else ""
    silent = " text-danger" if row.no_contact else ""
    return mark_safe(  # counts (int): nothing to escape
        f'<td class="text-end">{int(row.children)}</td>\n        {quota_cells(row.cells)}\n'
        f'        <td class="text-end{overdue}">{int(row.overdue_events)}</td>\n'
        f'        <td class="text-end{silent}">{int(row.no_contact)}</td>'
    )
