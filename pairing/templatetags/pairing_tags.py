"""The pairing board's long lists rendered in one call each (a large school has 400 classes and
hundreds of suggestions)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
    # Keys, whole numbers: nothing to escape (format_html escaping each cost 3 ms for 310).
    return mark_safe(
        "".join(
            f'<input type="hidden" name="proposal" value="{int(s.pupil.pk)}-{int(s.teacher.pk)}">'
            for s in suggestions
        )
    )


@register.simple_tag(takes_context=True)
def unpaired_rows(context, children, confirm_url: str, create_url: str) -> SafeString:
    """The board's unpaired children, a row each with its suggestion and buttons: one call for
    the hundred listed, not a template loop of a dozen tags a row."""
    token = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token")
    )
    # Each child's archive address from one reversal (a hundred reversals were a tenth of it).
    marker = 987654321
    detail = reverse("registry:pupil_detail", args=[marker]).replace(str(marker), "{}")
    badges = (
        ("is_priority", "text-bg-danger", _("重点")),
        ("is_orphan", "text-bg-dark", _("孤儿")),
    )
    # The words of every row translated once, not once a row.
    confirm_word, other_word, no_class = _("确认"), _("另选"), _("未分班")
    no_buddy, no_teacher = _("缺手拉手好朋友"), _("没有未满额的教师")
    rows = []
    for child in children:
        marks = [
            format_html('<span class="badge {}">{}</span>', style, label)
            for field, style, label in badges
            if getattr(child, field)
        ]
        if child.teacher_paired and not getattr(child, "has_buddy", False):
            marks.append(format_html('<span class="badge text-bg-secondary">{}</span>', no_buddy))
        suggestion = getattr(child, "suggestion", None)
        if suggestion:
            advice = format_html(
                '{} <span class="small text-muted">{}</span>', suggestion.teacher, suggestion.reason
            )
            confirm = format_html(
                '<form class="d-inline" method="post" action="{}">{}'
                '<input type="hidden" name="proposal" value="{}-{}">'
                '<button class="btn btn-outline-success btn-sm" type="submit">{}</button>'
                "</form>",
                confirm_url, token, child.pk, suggestion.teacher.pk, confirm_word,
            )  # fmt: skip
        else:
            advice = (
                ""
                if child.teacher_paired
                else format_html('<span class="small text-danger">{}</span>', no_teacher)
            )
            confirm = ""
        rows.append(
            format_html(
                '<tr data-pupil="{}"><td><a href="{}">{}</a> {}</td>'
                '<td class="text-nowrap">{}</td><td>{}</td>'
                '<td class="text-end text-nowrap">{} <a class="btn btn-outline-secondary btn-sm" '
                'href="{}?pupil={}">{}</a></td></tr>',
                child.pk,
                detail.format(child.pk),
                child.name,
                mark_safe(" ".join(marks)),
                child.school_class or no_class,
                advice,
                confirm,
                create_url,
                child.pk,
                other_word,
            )
        )
    return mark_safe("\n".join(rows))
