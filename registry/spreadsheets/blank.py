"""The blank roster (学生名册模板.xlsx) a school fills in: the import's columns in the order it
expects, numbers kept as text, and a sheet of the values each choice column accepts.

Built from the column spec, so it stays in step with the import; the copy kept in fixtures/ is
checked against it by the tests (rebuild it with `manage.py roster_template`).
"""

from typing import IO

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from caresys.lib.xlsx import BOLD, BORDER, DATE_FORMAT, TEXT_FORMAT
from registry.spreadsheets.columns import BOOL, CHOICE, COLUMNS, DATE, Column

TEMPLATE_PATH = settings.BASE_DIR / "fixtures" / "学生名册模板.xlsx"
ROSTER_SHEET = "学生名册"
VALUES_SHEET = "可选值"
# The rows below the header that the formats and lists of allowed values are set on.
FILLED_ROWS = 2000
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_YES_NO = ("是", "否")


def offered_values(column: Column) -> tuple[str, ...]:
    """What the template lists for a choice or yes/no column, as a Chinese roster writes it."""
    if column.offered:
        return column.offered
    if column.kind == BOOL:
        return _YES_NO
    with translation.override(settings.LANGUAGE_CODE):
        return tuple(str(label) for _stored, label in column.model_field.choices)


def roster_template() -> Workbook:
    """The blank roster: a header row and formatted empty columns, then the allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ROSTER_SHEET
    values = workbook.create_sheet(VALUES_SHEET)
    listed = [column for column in COLUMNS if column.kind in (CHOICE, BOOL)]
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        header = sheet.cell(row=1, column=position, value=column.header)
        header.font, header.fill, header.border = BOLD, _HEADER_FILL, BORDER
        header.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[letter].width = column.width + 2
        # Typed into a text column, an 18-digit number keeps every digit and a 0 in front.
        if column.sensitive:
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
        if column in listed:
            _offer_list(sheet, values, letter, column, listed.index(column) + 1)
    sheet.freeze_panes = "B2"
    return workbook


def _offer_list(sheet, values, letter: str, column: Column, position: int) -> None:
    """List the column's values on the values sheet, and offer them as a drop-down that warns
    about (but still takes) any other spelling the import reads."""
    words = offered_values(column)
    values_letter = get_column_letter(position)
    header = values.cell(row=1, column=position, value=column.header)
    header.font, header.fill, header.border = BOLD, _HEADER_FILL, BORDER
    values.column_dimensions[values_letter].width = max(column.width, 10) + 2
    for row, word in enumerate(words, start=2):
        values.cell(row=row, column=position, value=word).number_format = TEXT_FORMAT
    source = f"'{VALUES_SHEET}'!${values_letter}$2:${values_letter}${len(words) + 1}"
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=column.header,
        error=_offer_message(words),
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{FILLED_ROWS + 1}")


def _offer_message(words: tuple[str, ...]) -> str:
    """The drop-down's warning; Excel refuses a message over 255 characters (56 民族)."""
    message = f"请从“{VALUES_SHEET}”表中选择：" + "、".join(words)
    return message if len(message) <= 255 else f"请从“{VALUES_SHEET}”表中选择。"


def write_roster_template(out: str | IO[bytes]) -> None:
    roster_template().save(out)
