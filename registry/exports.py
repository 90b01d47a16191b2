"""Spreadsheets of the registry: the archive (one row per pupil), the register and the statistics.

Every cell goes through safe_cell, so no value a person typed can run as a formula when the file
is opened. Workbooks are write-only: rows stream to disk, and 20,000 archives never sit in memory.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from registry.models import Guardian, Parent, Pupil, User
from registry.resources import BOOL, CHOICE, COLUMNS, DATE, export_value, is_text_column
from registry.selectors import (
    STATISTICS_COLUMNS,
    LedgerStatistics,
    StatisticsColumn,
    shown_value,
)

# A value starting with one of these is read as a formula by Excel, LibreOffice or WPS.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
# Pupils fetched at a time (with one query for their parents): memory stays flat for any school.
CHUNK_SIZE = 2000

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Named, as the workbook's default font is: a bold font without a name prints in a serif face.
_BOLD = Font(name="Calibri", bold=True)
_TITLE_FONT = Font(name="Calibri", bold=True, size=16)
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")

Out = str | IO[bytes]


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

    openpyxl would store text starting with "=" as a formula and "#N/A" as an error. Such text,
    and text starting with + - @ tab or CR (a formula when typed into Excel), becomes a text cell
    with quotePrefix, so that Excel keeps it as text even when the cell is edited.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value, needs_quote = _safe_text(value)  # control characters cannot be stored
        if needs_quote:
            style = StyleArray(style) if style is not None else StyleArray()
            style.quotePrefix = 1
    if style is None:
        return value  # cheaper: openpyxl reuses one cell for plain values
    cell = Cell(sheet, row=1, column=1, value=value, style_array=style)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _write_only_sheet(title: str) -> tuple[Workbook, WriteOnlyWorksheet]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    return workbook, sheet


def _set_widths(sheet: WriteOnlyWorksheet, widths: Iterable[float]) -> None:
    """Column widths; in a write-only sheet they must be set before the first row."""
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _print_landscape(sheet: WriteOnlyWorksheet, title_rows: str) -> None:
    """A4 landscape, all columns on one page's width, the header repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = title_rows


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
    date below, printed landscape with the header on every page. Returns the header style."""
    workbook, sheet = _write_only_sheet(name)
    _set_widths(sheet, widths)
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
        font=_BOLD,
        fill=_HEADER_FILL,
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    return workbook, sheet, header


# --- the archive -----------------------------------------------------------------------------


def archive_parts(pupil: Pupil) -> dict[str, Pupil | Parent | Guardian | None]:
    """The pupil's archive by part; parents and guardian must be loaded with the pupil.

    selectors.archive_export_rows puts the parents in `prefetched_parents`; a queryset with
    prefetch_related("parents") does as well.
    """
    prefetched = getattr(pupil, "prefetched_parents", None)
    parents = {
        parent.relation: parent
        for parent in (pupil.parents.all() if prefetched is None else prefetched)
    }
    return {
        "pupil": pupil,
        "father": parents.get(Parent.Relation.FATHER),
        "mother": parents.get(Parent.Relation.MOTHER),
        "guardian": getattr(pupil, "guardian", None),
    }


def _archive_values(masked: bool) -> Callable[[dict], list]:
    """export_value for every column of an archive's parts.

    A yes/no or choice cell depends only on the stored value, and export_value translates it on
    every call (half an export's time), so each is worked out once per value.
    """
    columns = [(column, column.part, column.model_field.attname) for column in COLUMNS]
    remembered: dict[tuple[str, Any], Any] = {}

    def values(parts: dict) -> list:
        row = []
        for column, part, attname in columns:
            instance = parts[part]
            if instance is None or column.kind not in (BOOL, CHOICE):
                row.append(export_value(column, instance, masked=masked))
                continue
            key = (column.key, getattr(instance, attname))
            if key not in remembered:
                remembered[key] = export_value(column, instance, masked=masked)
            row.append(remembered[key])
        return row

    return values


def write_archive_xlsx(pupils: Iterable[Pupil], out: Out, *, masked: bool) -> list[int]:
    """The archives, one row per pupil in COLUMNS order; returns the pks written (for the log).

    Headers are the columns' own headers, so the file imports back unchanged. Text columns are
    formatted as text, so what a person types into them later stays text; ID numbers and phones
    are text cells with the text format, and dates are dates.

    Written with XlsxWriter, which streams rows to disk (constant_memory) about twice as fast
    as openpyxl's write-only mode: the archive is the one export with 20,000 rows of 60 cells.
    Every string is written as a string, never as a formula, number or link.
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
    sheet = workbook.add_worksheet(_("学生档案")[:31])
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "valign": "vcenter", "font_name": "Calibri"}
    )
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    quoted = workbook.add_format({"num_format": TEXT_FORMAT, "quote_prefix": True})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, column.width, text if is_text_column(column) else None)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    for index, column in enumerate(COLUMNS):
        sheet.write_string(0, index, column.header, header)
    is_date = [column.kind == DATE for column in COLUMNS]
    values = _archive_values(masked)
    written = []
    for number, pupil in enumerate(pupils, 1):
        for index, value in enumerate(values(archive_parts(pupil))):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value, needs_quote = _safe_text(value)
                sheet.write_string(number, index, value, quoted if needs_quote else text)
            elif is_date[index]:
                sheet.write_datetime(number, index, value, date)
            else:
                sheet.write_number(number, index, value)
        written.append(pupil.pk)
    workbook.close()
    return written


def _safe_text(value: str) -> tuple[str, bool]:
    """(the text without control characters, whether it must be quoted to stay text)."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value, value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES


# --- the register (留守儿童花名册) -------------------------------------------------------------


def _register_columns() -> list[tuple[str, float]]:
    return [
        (_("序号"), 6),
        (_("班级"), 14),
        (_("姓名"), 10),
        (_("性别"), 6),
        (_("出生日期"), 12),
        (_("家庭住址"), 30),
        (_("留守情况"), 10),
        (_("监护类型"), 10),
        (_("监护人"), 10),
        (_("与儿童关系"), 10),
        (_("监护人电话"), 14),
        (_("父母务工地"), 28),
        (_("类别"), 26),
    ]


def _work_places(pupil: Pupil, parts: dict) -> str:
    """Where the parents who are away work: "父：广东省东莞市；母：浙江省义乌市"."""
    places = []
    for part, away, label in (
        ("father", pupil.father_away, _("父")),
        ("mother", pupil.mother_away, _("母")),
    ):
        parent = parts[part]
        if away and parent is not None and parent.work_place:
            places.append(_("%(who)s：%(where)s") % {"who": label, "where": parent.work_place})
    return pgettext("punctuation", "；").join(places)


def _register_row(number: int, pupil: Pupil, user: User) -> list[Any]:
    parts = archive_parts(pupil)
    guardian = parts["guardian"]
    phone = shown_value(user, pupil, "guardian.phone", guardian.phone)[0] if guardian else ""
    return [
        number,
        str(pupil.school_class) if pupil.school_class else "",
        pupil.name,
        pupil.get_gender_display(),
        pupil.birth_date,
        pupil.address,
        pupil.get_left_behind_display(),
        pupil.get_guardianship_type_display(),
        guardian.name if guardian else "",
        guardian.relation if guardian else "",
        phone,
        _work_places(pupil, parts),
        pgettext("punctuation", "、").join(pupil.categories),
    ]


def write_register_xlsx(
    pupils: Iterable[Pupil], out: Out, *, user: User, school_name: str, day: datetime.date
) -> list[int]:
    """留守儿童花名册: the left-behind children in class order, one table that sorts and filters.

    Guardians' phones are shown as the user sees them on screen. Returns the pks written.
    """
    written: list[int] = []

    def rows():
        for number, pupil in enumerate(pupils, 1):
            written.append(pupil.pk)
            yield _register_row(number, pupil, user)

    write_list_ledger(
        out,
        name=_("留守儿童花名册"),
        school_name=school_name,
        day=day,
        columns=_register_columns(),
        rows=rows(),
        date_columns={4},
    )
    return written


def write_list_ledger(
    out: Out,
    *,
    name: str,
    school_name: str,
    day: datetime.date,
    columns: list[tuple[str, float]],
    rows: Iterable[list[Any]],
    date_columns: set[int],
) -> int:
    """A ledger that lists (the register, the pairing register): numbered rows under one header
    that sorts and filters, text wrapped, dates as dates. Returns the rows written."""
    last = get_column_letter(len(columns))
    workbook, sheet, header = ledger_sheet(
        name,
        school_name,
        _("填报日期：%(day)s") % {"day": day.isoformat()},
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


# --- the statistics (留守儿童统计表) ------------------------------------------------------------


def write_statistics_xlsx(
    statistics: LedgerStatistics, out: Out, *, school_name: str, day: datetime.date
) -> None:
    """留守儿童统计表: counts by class, a subtotal per grade and the school's total."""
    workbook, sheet, header = ledger_sheet(
        _("留守儿童统计表"),
        school_name,
        _("统计日期：%(day)s（在校学生）") % {"day": day.isoformat()},
        widths=[16] + [7 if column.key != "share" else 8 for column in STATISTICS_COLUMNS],
        title_rows="3:4",
        freeze="B5",
    )
    plain = {
        "label": cell_style(sheet, border=BORDER, number_format=TEXT_FORMAT),
        "count": cell_style(sheet, border=BORDER),
        "share": cell_style(sheet, border=BORDER, number_format=PERCENT_FORMAT),
    }
    bold = {
        key: cell_style(sheet, border=BORDER, font=_BOLD, fill=_SUBTOTAL_FILL,
                        number_format=style_format)
        for key, style_format in (("label", TEXT_FORMAT), ("count", "General"),
                                  ("share", PERCENT_FORMAT))
    }  # fmt: skip
    _write_statistics_header(sheet, header)
    for row in statistics.display_rows:
        styles = bold if row.kind != "class" else plain
        cells = [safe_cell(sheet, str(row.label), styles["label"])]
        for column, value in row.cells:
            if column.key == "share":
                cells.append(
                    safe_cell(sheet, None if value is None else value / 100, styles["share"])
                )
            else:
                cells.append(safe_cell(sheet, value, styles["count"]))
        sheet.append(cells)
    workbook.save(out)


def statistics_groups() -> list[tuple[str, list[StatisticsColumn]]]:
    """The statistics columns under their heading; a column without a group heads itself."""
    groups: list[tuple[str, list[StatisticsColumn]]] = []
    for column in STATISTICS_COLUMNS:
        if column.group and groups and groups[-1][0] == str(column.group):
            groups[-1][1].append(column)
        else:
            groups.append((str(column.group), [column]))
    return groups


def _write_statistics_header(sheet: WriteOnlyWorksheet, style: StyleArray) -> None:
    """Two header rows: a group ("留守儿童", "类别", "监护类型") above its columns."""
    groups, labels = [_("班级")], [None]
    sheet.merged_cells.add("A3:A4")
    for group, members in statistics_groups():
        first = get_column_letter(len(groups) + 1)
        if group:
            sheet.merged_cells.add(f"{first}3:{get_column_letter(len(groups) + len(members))}3")
            groups += [group] + [None] * (len(members) - 1)
            labels += [str(column.label) for column in members]
        else:  # a column of its own spans both rows
            sheet.merged_cells.add(f"{first}3:{first}4")
            groups.append(str(members[0].label))
            labels.append(None)
    sheet.row_dimensions[4].height = 42
    # Merged cells keep their borders only where a cell is written, so every cell is written.
    sheet.append([_header_cell(sheet, value, style) for value in groups])
    sheet.append([_header_cell(sheet, value, style) for value in labels])


def _header_cell(sheet: WriteOnlyWorksheet, value: str | None, style: StyleArray) -> Cell:
    return safe_cell(sheet, value, style) or Cell(sheet, row=1, column=1, style_array=style)
