"""An .xlsx that unpacks to far more than it weighs is refused before openpyxl parses it."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from registry.spreadsheets import reading
from registry.spreadsheets.reading import read_table
from tests.registry.test_import import pupil_row, table_rows, write_xlsx

SHEET = "xl/worksheets/sheet1.xml"


def xlsx_with_sheet_data(rows_xml: bytes) -> bytes:
    """A real roster (its header and one pupil) with rows_xml added after them."""
    buffer = io.BytesIO()
    write_xlsx(buffer, table_rows([pupil_row()]))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as xlsx:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            xlsx.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@pytest.fixture
def parsed(monkeypatch) -> list:
    """The files openpyxl was asked to parse."""
    calls = []
    load_workbook = reading.load_workbook
    monkeypatch.setattr(
        reading, "load_workbook", lambda *a, **kw: calls.append(a) or load_workbook(*a, **kw)
    )
    return calls


def test_a_small_xlsx_of_millions_of_empty_cells_is_refused_before_it_is_parsed(parsed):
    # Before, openpyxl spent about 7 µs on each of these cells: 70 s for this file.
    content = xlsx_with_sheet_data(b"<row>" + b"<c/>" * 10_000_000 + b"</row>")
    assert len(content) < 50 * 1024

    with pytest.raises(ValidationError) as refused:
        read_table(io.BytesIO(content), "名册.xlsx")

    assert refused.value.messages == [
        "表格中的单元格超过 1,000,000 个，已拒绝。请删除多余的行、列和工作表，或分成几个文件导入。"
    ]
    assert parsed == []


def test_rows_of_empty_cells_count_towards_the_limit(parsed, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CELLS", 2_000)
    content = xlsx_with_sheet_data(b"<row><c/><c/><c/></row>" * 600)  # 2,400 elements

    with pytest.raises(ValidationError, match="单元格超过 2,000 个"):
        read_table(io.BytesIO(content), "名册.xlsx")

    assert parsed == []


def test_a_part_that_unpacks_too_large_is_refused_before_it_is_parsed(parsed, monkeypatch):
    monkeypatch.setattr(reading, "MAX_PART_BYTES", 64 * 1024)
    content = xlsx_with_sheet_data(b" " * 100 * 1024)

    with pytest.raises(ValidationError) as refused:
        read_table(io.BytesIO(content), "名册.xlsx")

    assert refused.value.messages == ["文件解压后过大，已拒绝。请分成几个文件导入。"]
    assert parsed == []


def test_a_cell_far_to_the_right_does_not_widen_every_row_read(parsed):
    far = b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'

    rows = list(reading._read_xlsx(io.BytesIO(xlsx_with_sheet_data(far))))

    assert len(parsed) == 1
    assert [len(cells) for cells in rows] == [len(pupil_row()), len(pupil_row()), 0]


def test_a_part_whose_compressed_data_is_damaged_is_unreadable_not_a_crash(parsed):
    content = bytearray(xlsx_with_sheet_data(b"<row><c/></row>" * 2_000))
    start = content.index(SHEET.encode()) + len(SHEET) + 10
    content[start : start + 200] = bytes(200)

    with pytest.raises(ValidationError, match="无法读取该文件"):
        read_table(io.BytesIO(bytes(content)), "名册.xlsx")
