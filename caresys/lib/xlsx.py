"""Writing .xlsx files: formula-safe cells, a plain table, a titled ledger, and the download.

Every cell goes through safe_text, so no value a person typed can run as a formula when the file
is opened. Sheets are written row by row to disk: 20,000 rows never sit in memory.
"""

import tempfile
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A value starting with one of these is read as a formula by Excel, LibreOffice or WPS.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Named, as the workbook's default font is: a bold font without a name prints in a serif face.
BOLD = Font(name="Calibri", bold=True)
_TITLE_FONT = Font(name="Calibri", bold=True, size=16)
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")

Out = str | IO[bytes]
# (header, width in characters) of each column, in order.
Columns = Sequence[tuple[str, float]]


def safe_text(value: str) -> tuple[str, bool]:
    """(the text without control characters, whether it must be quoted to stay text).

    Control characters cannot be stored in a workbook; text starting with = + - @ tab or CR is a
    formula when typed into Excel, and "#N/A" would be read as an error.
    """
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value, value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES


def cell_style(sheet: WriteOnlyWorksheet, **attributes: Any) -> StyleArray:
    """A style registered once with the workbook and then shared by every cell that uses it.

    Setting font or number_format on each cell would look them up in the workbook per cell.
    """
    template = Cell(sheet, row=1, column=1)
    for name, value in attributes.items():
        setattr(template, name, value)
    return template._style


def safe_cell(sheet: WriteOnlyWorksheet, value: Any, style: StyleArray | None = None) -> Any:
    """What to append for a value: the value itself if openpyxl stores it as it is, else a cell.

    openpyxl would store text starting with "=" as a formula and "#N/A" as an error. Such text
    becomes a text cell with quotePrefix, so that Excel keeps it as text even when it is edited.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value, needs_quote = safe_text(value)
        if needs_quote:
            style = StyleArray(style) if style is not None else StyleArray()
            style.quotePrefix = 1
    if style is None:
        return value  # cheaper: openpyxl reuses one cell for plain values
    cell = Cell(sheet, row=1, column=1, value=value, style_array=style)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


# --- a plain table ---------------------------------------------------------------------------


def write_table(
    out: Out,
    *,
    title: str,
    columns: Columns,
    rows: Iterable[Sequence[Any]],
    text_columns: Collection[int],
    date_columns: Collection[int],
) -> int:
    """One bold header row, frozen and printed on every page, then the rows; returns how many.

    Text columns are formatted as text, so what a person types into them later stays text (an ID
    number keeps its 18 digits); dates are dates. Every string is written as a string, never as
    a formula, number or link. XlsxWriter streams rows to disk (constant_memory) about twice as
    fast as openpyxl's write-only mode, which counts for tables of 20,000 rows of 60 cells.
    """
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(title[:31])
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "valign": "vcenter", "font_name": "Calibri"}
    )
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    quoted = workbook.add_format({"num_format": TEXT_FORMAT, "quote_prefix": True})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    for index, (_label, width) in enumerate(columns):
        sheet.set_column(index, index, width, text if index in text_columns else None)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    for index, (label, _width) in enumerate(columns):
        sheet.write_string(0, index, label, header)
    is_date = [index in date_columns for index in range(len(columns))]
    count = 0
    for count, row in enumerate(rows, 1):
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value, needs_quote = safe_text(value)
                sheet.write_string(count, index, value, quoted if needs_quote else text)
            elif is_date[index]:
                sheet.write_datetime(count, index, value, date)
            else:
                sheet.write_number(count, index, value)
    workbook.close()
    return count


# --- ledgers ---------------------------------------------------------------------------------


def ledger_sheet(
    name: str,
    school_name: str,
    subtitle: str,
    *,
    widths: list[float],
    title_rows: str,
    freeze: str,
) -> tuple[Workbook, WriteOnlyWorksheet, StyleArray]:
    """A ledger as the education office reads it: "<school><name>" centred over the table, the
    subtitle below, printed landscape with the header on every page. Returns the header style."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=name[:31])
    for index, width in enumerate(widths, 1):  # a write-only sheet takes them before any row
        sheet.column_dimensions[get_column_letter(index)].width = width
    _print_landscape(sheet, title_rows)
    sheet.freeze_panes = freeze
    last = get_column_letter(len(widths))
    title = cell_style(sheet, font=_TITLE_FONT, alignment=Alignment(horizontal="center"))
    sheet.row_dimensions[1].height = 28
    sheet.append(
        [
            safe_cell(
                sheet, _("%(school)s%(ledger)s") % {"school": school_name, "ledger": name}, title
            )
        ]
    )
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.append([safe_cell(sheet, subtitle)])
    sheet.merged_cells.add(f"A2:{last}2")
    header = cell_style(
        sheet,
        font=BOLD,
        fill=_HEADER_FILL,
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    return workbook, sheet, header


def _print_landscape(sheet: WriteOnlyWorksheet, title_rows: str) -> None:
    """A4 landscape, all columns on one page's width, the header repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = title_rows


def write_ledger(
    out: Out,
    *,
    name: str,
    school_name: str,
    subtitle: str,
    columns: Columns,
    rows: Iterable[Sequence[Any]],
    date_columns: Collection[int],
) -> int:
    """A ledger that lists: rows numbered in the first column under one header that sorts and
    filters, text wrapped, dates as dates. Returns the rows written."""
    last = get_column_letter(len(columns))
    workbook, sheet, header = ledger_sheet(
        name,
        school_name,
        subtitle,
        widths=[width for _label, width in columns],
        title_rows="3:3",
        freeze="D4",
    )
    body = cell_style(
        sheet, border=BORDER, number_format=TEXT_FORMAT, alignment=Alignment(wrap_text=True)
    )
    number = cell_style(sheet, border=BORDER, alignment=Alignment(horizontal="center"))
    date = cell_style(sheet, border=BORDER, number_format=DATE_FORMAT)
    styles = [number] + [
        date if index in date_columns else body for index in range(1, len(columns))
    ]
    sheet.append([safe_cell(sheet, label, header) for label, _width in columns])
    count = 0
    for row in rows:
        sheet.append(
            [safe_cell(sheet, value, style) for value, style in zip(row, styles, strict=True)]
        )
        count += 1
    if count:
        sheet.auto_filter.ref = f"A3:{last}{3 + count}"
    workbook.save(out)
    return count


# --- the download ----------------------------------------------------------------------------


def xlsx_response(write: Callable[[IO[bytes]], Any], filename: str) -> FileResponse:
    """A download of what `write` puts in the file.

    The file is on disk, not in memory, and is deleted when the response has been sent.
    """
    file = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write(file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
