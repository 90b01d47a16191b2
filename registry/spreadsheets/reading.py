"""Reading a roster from .xlsx or .csv into plain rows, refusing what is too big or unsafe.

Cells keep their type: numbers stay numbers and dates stay dates, so that the column spec can
tell an ID number Excel turned into a number from one written as text.
"""

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from registry.spreadsheets.columns import COLUMNS_BY_KEY, column_for_header

SUFFIXES = (".xlsx", ".csv")
# A header row is looked for among the first rows: many rosters start with a title line.
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 200
# Rows Excel keeps after the data (formatted but empty) are read but not counted; past this
# many rows in all, the file is refused rather than read for minutes.
MAX_PHYSICAL_ROWS = 200_000
# An .xlsx is a zip archive: what it unpacks to is limited as well as what was uploaded, in all
# and for each part.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
# openpyxl spends about 7 µs on each cell element, even an empty <c/>, and deflate packs a
# million of them into 8 KB: the cells, rows and shared strings the XML holds are counted before
# openpyxl parses any of it. A roster of 20,000 pupils with 50 columns fits.
MAX_CELLS = 1_000_000
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row|si)[\s/>]")
# Pictures in the workbook are not XML and are not parsed.
_MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf", ".bin", ".tif", ".tiff")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (the row's number as the spreadsheet shows it, its cells); empty rows are left out.
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1


def max_bytes() -> int:
    return settings.CARESYS_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.CARESYS_IMPORT_MAX_ROWS


def check_name(name: str) -> str:
    """The file's suffix, if it is one the import reads; else a ValidationError in Chinese."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".xls":
        raise ValidationError(
            _("不支持旧版 Excel 文件（.xls）。请在 Excel 中“另存为” .xlsx 格式后再上传。")
        )
    if suffix not in SUFFIXES:
        raise ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
    return suffix


def check_size(size: int) -> None:
    if size == 0:
        raise ValidationError(_("文件是空的。"))
    if size > max_bytes():
        raise ValidationError(
            _("文件过大（%(size)s），最大为 %(limit)s。请分成几个文件导入。")
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes())}
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_table(file: IO[bytes], name: str) -> Table:
    """The roster's header row and data rows; ValidationError with a Chinese message if not."""
    suffix = check_name(name)
    file.seek(0, io.SEEK_END)
    check_size(file.tell())
    file.seek(0)
    rows = _read_xlsx(file) if suffix == ".xlsx" else _read_csv(file.read())
    try:
        return _table(rows)
    finally:
        rows.close()  # the workbook is closed even when a limit stops the reading early


def _table(rows) -> Table:
    """Find the header row, then collect the non-empty rows below it, counting them."""
    candidates: list[tuple[int, list[Any]]] = []
    header_row, headers = 0, []
    data: list[tuple[int, list[Any]]] = []
    limit = max_rows()
    for number, cells in enumerate(rows, start=1):
        if number > MAX_PHYSICAL_ROWS:
            raise ValidationError(
                _("表格超过 %(n)s 行（含空行），请删除多余的行后再导入。")
                % {"n": f"{MAX_PHYSICAL_ROWS:,}"}
            )
        cells = list(cells[:MAX_COLUMNS])
        if not header_row:
            if _is_empty(cells):
                continue
            candidates.append((number, cells))
            if _has_name_header(cells) or len(candidates) == HEADER_SEARCH_ROWS:
                header_row, headers = _pick_header(candidates)
                data = [row for row in candidates if row[0] > header_row]
            continue
        if _is_empty(cells):
            continue
        data.append((number, cells))
        if len(data) > limit:
            raise ValidationError(
                _("文件中的数据超过 %(n)s 行，请分成几个文件导入。") % {"n": f"{limit:,}"}
            )
    if not header_row and candidates:
        header_row, headers = _pick_header(candidates)
        data = [row for row in candidates if row[0] > header_row]
    if not header_row:
        raise ValidationError(_("文件是空的：没有找到表头和数据。"))
    if len(data) > limit:
        raise ValidationError(
            _("文件中的数据超过 %(n)s 行，请分成几个文件导入。") % {"n": f"{limit:,}"}
        )
    return Table(headers=[_header_text(cell) for cell in headers], rows=data, header_row=header_row)


def _pick_header(candidates: list[tuple[int, list[Any]]]) -> tuple[int, list[Any]]:
    """The first row naming the 姓名 column, or the first non-empty row if none does."""
    for number, cells in candidates:
        if _has_name_header(cells):
            return number, cells
    return candidates[0]


def _has_name_header(cells: list[Any]) -> bool:
    name_column = COLUMNS_BY_KEY["pupil.name"]
    return any(column_for_header(cell) is name_column for cell in cells if isinstance(cell, str))


def _header_text(cell: Any) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _is_empty(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


# --- .xlsx -----------------------------------------------------------------------------------


def _read_xlsx(file: IO[bytes]):
    """The first worksheet's rows as tuples of typed values (read-only, cached values)."""
    _check_xlsx_parts(file)
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise _refusal(exc) from exc
    try:
        sheet = _roster_sheet(workbook)
        sheet.reset_dimensions()  # some writers record a wrong size; read every row there is
        # Columns past MAX_COLUMNS are never filled in (one cell in column XFD would make a row
        # of 16,384); the padding openpyxl adds after a row's last value is taken off again.
        for cells in sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True):
            yield _without_trailing_blanks(cells)
    except ValidationError:
        raise
    except Exception as exc:
        raise _refusal(exc) from exc
    finally:
        workbook.close()


def _check_xlsx_parts(file: IO[bytes]) -> None:
    """Refuse an .xlsx whose parts unpack too large or hold too many cells, before parsing."""
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > MAX_UNZIPPED_BYTES or any(
                part.file_size > MAX_PART_BYTES for part in parts
            ):
                raise ValidationError(_("文件解压后过大，已拒绝。请分成几个文件导入。"))
            cells = 0
            for part in parts:
                if part.filename.lower().endswith(_MEDIA_SUFFIXES):
                    continue
                cells += _cells_in(archive, part, budget=MAX_CELLS - cells)
                if cells > MAX_CELLS:
                    raise _too_many_cells()
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as exc:
        raise _unreadable() from exc


def _too_many_cells() -> ValidationError:
    return ValidationError(
        _("表格中的单元格超过 %(n)s 个，已拒绝。请删除多余的行、列和工作表，或分成几个文件导入。")
        % {"n": f"{MAX_CELLS:,}"}
    )


def _cells_in(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int) -> int:
    """The cell, row and shared-string elements in one part, counted up to just past budget."""
    found = 0
    carried = b""
    with archive.open(part) as stream:
        while found <= budget and (chunk := stream.read(1024 * 1024)):
            # A tag is never split between two reads: the text from the last "<" waits for the next.
            text = carried + chunk
            cut = text.rfind(b"<")
            text, carried = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            found += len(_CELL_TAG.findall(text))
        found += len(_CELL_TAG.findall(carried + b" "))
    return found


def _without_trailing_blanks(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def _roster_sheet(workbook):
    """The first worksheet whose first rows name the 姓名 column; else the first worksheet."""
    sheets = workbook.worksheets
    if not sheets:
        raise _unreadable()
    for sheet in sheets:
        rows = sheet.iter_rows(
            min_row=1, max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True
        )
        for cells in rows:
            if _has_name_header(list(cells[:MAX_COLUMNS])):
                return sheet
    return sheets[0]


def _unreadable() -> ValidationError:
    return ValidationError(
        _(
            "无法读取该文件：它不是有效的 .xlsx 表格，或已损坏。"
            "请用 Excel 或 WPS 打开后重新保存再试。"
        )
    )


def _refusal(error: BaseException) -> ValidationError:
    """Unsafe XML (defusedxml refused an entity; openpyxl may wrap that in a ValueError)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return ValidationError(_("文件中含有不安全的内容（XML 实体），已拒绝导入。"))
        seen = seen.__cause__ or seen.__context__
    return _unreadable()


# --- .csv ------------------------------------------------------------------------------------


def _read_csv(content: bytes):
    """Rows of text: UTF-8 (with or without BOM), else GB 18030 (which covers GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(
            _("无法识别文件的编码。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 格式后再上传。")
        )
    if "\x00" in text:
        raise _unreadable()
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _unreadable() from exc
