"""The term's numbers, typed, and the JSON a generated version keeps them in: a version
stored before they were typed still loads and lays out again."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from reports import services
from reports.document import document_html
from reports.numbers import TermNumbers
from reports.selectors import summary_numbers, term_numbers

# The numbers of tests/conftest.py's known_school as versions stored them before they were
# typed (a plain dict from term_numbers()).
STORED = json.loads((Path(__file__).parent / "numbers_as_stored.json").read_text())


def test_a_version_stored_before_the_numbers_were_typed_loads_and_lays_out_again():
    numbers = TermNumbers.from_json(STORED)

    assert numbers.to_json() == STORED
    assert (numbers.term_start, numbers.care.assistance_amount) == (
        datetime.date(2026, 9, 1),
        Decimal("500.00"),
    )
    assert numbers.care.by_kind["talk"].children == 2
    html = document_html(numbers=numbers, texts={"title": "总结", "problems": "1、家访不够。"})
    assert "其中留守儿童3人，占学生总数的60.0%" in html
    # Stored before the measures were texts: they are drafted from its numbers.
    assert "谈心1次，涉及2人。家访1次，家访留守儿童1人，尚有2人未家访" in html
    assert "金额合计500元" in html


def test_a_generated_version_keeps_the_numbers_as_they_were_counted(principal, known_school):
    report = services.term_report_get_or_create(actor=principal, term=known_school)
    counted = summary_numbers(
        term_numbers(school=principal.school, period=known_school.period),
        school=principal.school,
        period=known_school.period,
        report=report,
    )

    version = services.term_report_generate(actor=principal, report=report)
    version.refresh_from_db()

    assert version.printed_numbers == counted
    assert version.numbers == json.loads(json.dumps(counted.to_json()))
    # The shape versions were stored in, with the figures added since (ADDED_FIGURES) beside.
    assert version.numbers.keys() - STORED.keys() <= {
        "as_of",
        "previous",
        "inspection",
        "safety_education",
        "case",
    }
    assert STORED.keys() <= version.numbers.keys()
    assert version.numbers["care"].keys() == STORED["care"].keys() | {"programmes"}
