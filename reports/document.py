"""The term summary as one HTML document, for the browser preview and the PDF alike."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reports import drafts
from reports.charts import bar_chart
from reports.numbers import TermNumbers


def grade_chart(numbers: TermNumbers) -> SafeString:
    """Left-behind children per grade, with their share: the dashboard's and the summary's."""
    return bar_chart(
        [
            (row.name, row.away, _("%(n)d人（%(share)s%%）") % {"n": row.away, "share": row.share})
            for row in numbers.basic.grades
        ],
        title=_("各年级留守儿童人数"),
    )


def kind_chart(numbers: TermNumbers) -> SafeString:
    """The term's records of each kind that has any."""
    return bar_chart(
        [(row.label, row.records, str(row.records)) for row in numbers.care.kinds if row.records],
        title=_("本学期各类关爱记录（条）"),
    )


@dataclass(frozen=True)
class Measure:
    numeral: str  # （一）, over the measures printed
    key: str
    heading: str
    lines: list[str]


def measures(numbers: TermNumbers, texts: dict) -> list[Measure]:
    """二、主要工作措施 as printed: the leading group, then each section the principal kept
    (a version stored before the sections prints them as drafted from its numbers)."""
    kept = [("leading_group", _("加强领导，健全机制"), texts.get("leading_group", ""))]
    sections = drafts.sections_of(texts.get("sections"), numbers)
    kept += [(key, str(heading), sections[key]) for key, heading in drafts.SECTIONS]
    printed = [
        (key, heading, lines)
        for key, heading, text in kept
        if (lines := [line.strip() for line in text.splitlines() if line.strip()])
    ]
    chinese = (get_language() or "zh").startswith("zh")
    return [
        Measure(f"（{drafts.numbered(index)}）" if chinese else f"({index}) ", key, heading, lines)
        for index, (key, heading, lines) in enumerate(printed, 1)
    ]


def document_context(numbers: TermNumbers, texts: dict) -> dict:
    categories = [
        _("%(label)s%(n)s人") % {"label": row.label, "n": row.n}
        for row in numbers.basic.categories
        if row.n
    ]
    needy_categories = [
        _("%(label)s%(n)s人") % {"label": row.label, "n": row.n}
        for row in (numbers.needy.categories if numbers.needy else [])
        if row.n
    ]
    return {
        "measures": measures(numbers, texts),
        "categories": categories,
        "needy_categories": needy_categories,
        "n": numbers,
        "t": texts,
        "kinds": numbers.care.by_kind,
        "grade_chart": grade_chart(numbers),
        "kind_chart": kind_chart(numbers),
    }


def document_html(*, numbers: TermNumbers, texts: dict) -> str:
    return render_to_string("reports/term_summary_document.html", document_context(numbers, texts))
