"""Spreadsheets of the registry: the archive (one row per pupil), the register and the statistics.

Workbooks are written row by row: 20,000 archives never sit in memory.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from caresys.lib.xlsx import (
    BOLD,
    BORDER,
    PERCENT_FORMAT,
    SUBTOTAL_FILL,
    TEXT_FORMAT,
    Out,
    cell_style,
    ledger_sheet,
    safe_cell,
    write_ledger,
    write_table,
)
from registry.models import Guardian, Parent, Pupil, User
from registry.selectors import (
    STATISTICS_COLUMNS,
    LedgerStatistics,
    StatisticsColumn,
    shown_value,
)
from registry.spreadsheets.columns import BOOL, CHOICE, COLUMNS, DATE, export_value, is_text_column

# Pupils fetched at a time (with one query for their parents): memory stays flat for any school.
CHUNK_SIZE = 2000


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

    Headers are the columns' own headers, so the file imports back unchanged.
    """
    values = _archive_values(masked)
    written: list[int] = []

    def rows():
        for pupil in pupils:
            written.append(pupil.pk)
            yield values(archive_parts(pupil))

    write_table(
        out,
        title=_("学生档案"),
        columns=[(column.header, column.width) for column in COLUMNS],
        rows=rows(),
        text_columns={i for i, column in enumerate(COLUMNS) if is_text_column(column)},
        date_columns={i for i, column in enumerate(COLUMNS) if column.kind == DATE},
    )
    return written


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

    write_ledger(
        out,
        name=_("留守儿童花名册"),
        school_name=school_name,
        subtitle=_("填报日期：%(day)s") % {"day": day.isoformat()},
        columns=_register_columns(),
        rows=rows(),
        date_columns={4},
    )
    return written


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
        key: cell_style(sheet, border=BORDER, font=BOLD, fill=SUBTOTAL_FILL,
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
