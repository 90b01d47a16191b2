"""Table cells of the care pages rendered in one call where a page has hundreds of rows."""

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from caresys.lib.renderers import attrs_html, formatted_html, text_html

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


@register.simple_tag
def picker_choices(field, whole_school: bool) -> SafeString:
    """The record form's children as checkboxes (_pupil_picker.html), as its loop wrote them,
    in one call: the loop was a quarter of the form's CPU for a class of fifty. Empty when
    there are none."""
    parts = []
    mine = object()  # the previous child's `mine`: none before the first
    for number, choice in enumerate(field):
        widget = choice.data
        pupil = widget["value"].instance
        group = ""
        if pupil.mine != mine:
            if pupil.mine:
                group = (
                    '<div class="small text-body-secondary" data-picker-group>'
                    f"{text_html(gettext('我的留守儿童和结对儿童'))}</div>"
                )
            elif number:
                group = (
                    '<div class="small text-body-secondary mt-1" data-picker-group>'
                    f"{text_html(gettext('其他儿童'))}</div>"
                )
            mine = pupil.mine
        school_class = ""
        if whole_school:
            school_class = (
                f' <small class="text-body-secondary">{text_html(pupil.school_class or "")}</small>'
            )
        parts.append(
            f"\n    {group}\n"
            '    <div class="form-check mb-0" data-picker-option data-search="'
            f"{text_html(pupil.name)} {text_html(pupil.name_pinyin)} "
            f'{text_html(pupil.name_initials)}">\n'
            f'      <input type="{text_html(widget["type"])}" name="{text_html(widget["name"])}" '
            f'value="{formatted_html(widget["value"])}"{attrs_html(widget["attrs"])}>'
            f'<label class="form-check-label" for="{text_html(choice.id_for_label)}">'
            f"{text_html(choice.choice_label)}{school_class}</label>\n"
            "    </div>\n    "
        )
    return mark_safe("".join(parts))  # every value escaped above
