"""The blank roster (fixtures/学生名册模板.xlsx): in step with the import; filled in, it imports."""

import io

import openpyxl
import pytest
from django.urls import reverse

from registry.models import LeftBehind, Pupil
from registry.spreadsheets.blank import (
    ROSTER_SHEET,
    TEMPLATE_PATH,
    VALUES_SHEET,
    roster_template,
)
from registry.spreadsheets.columns import COLUMNS
from tests.registry.test_import import WANG, ZHAO, import_file

REBUILD = "rebuild it with: DEBUG=1 python manage.py roster_template"


def headers(workbook) -> dict[str, list]:
    return {sheet.title: [cell.value for cell in sheet[1]] for sheet in workbook.worksheets}


def test_the_committed_template_is_the_one_the_columns_build():
    committed = openpyxl.load_workbook(TEMPLATE_PATH)
    built = roster_template()
    assert committed.sheetnames == built.sheetnames == [ROSTER_SHEET, VALUES_SHEET], REBUILD
    assert headers(committed) == headers(built), REBUILD
    values = [list(column) for column in committed[VALUES_SHEET].iter_cols(values_only=True)]
    assert values == [list(column) for column in built[VALUES_SHEET].iter_cols(values_only=True)]


def test_the_template_has_the_import_columns_in_order_with_numbers_kept_as_text():
    workbook = openpyxl.load_workbook(TEMPLATE_PATH)
    sheet = workbook[ROSTER_SHEET]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    formats = {
        cell.value: sheet.column_dimensions[cell.column_letter].number_format for cell in sheet[1]
    }
    for header in ("身份证号", "学籍号", "父亲电话", "母亲电话", "监护人电话"):
        assert formats[header] == "@", header
    allowed = {
        column[0]: [value for value in column[1:] if value is not None]
        for column in workbook[VALUES_SHEET].iter_cols(values_only=True)
    }
    assert allowed["性别"] == ["男", "女"]
    assert allowed["留守情况"][:6] == ["0", "1", "2", "非留守", "单亲留守", "双亲留守"]
    assert "隔代监护" in allowed["监护类型"]


def test_a_filled_in_template_imports(admin_user, school_class, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    workbook = openpyxl.load_workbook(TEMPLATE_PATH)
    sheet = workbook[ROSTER_SHEET]
    column = {cell.value: cell.column for cell in sheet[1]}
    for row, (name, number, gender, said, father) in enumerate(
        [("王小明", WANG, "男", "1", "广东省东莞市"), ("赵小燕", ZHAO, "女", "2", "")], start=2
    ):
        cells = {"姓名": name, "身份证号": number, "性别": gender, "班级": "三年级(1)班"}
        cells |= {"留守情况": said, "父亲务工地": father, "母亲务工地": "在家" if father else ""}
        for header, value in cells.items():
            sheet.cell(row=row, column=column[header], value=value)
    path = tmp_path / "学生名册.xlsx"
    workbook.save(path)

    assert import_file(admin_user, path)["created"] == 2
    recorded = dict(Pupil.objects.values_list("name", "left_behind"))
    assert recorded == {"王小明": LeftBehind.FATHER, "赵小燕": LeftBehind.BOTH}


def test_the_registrar_downloads_the_template_from_the_import_page(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("registry:roster_import")).content.decode()
    assert reverse("registry:roster_template") in page

    response = client.get(reverse("registry:roster_template"))

    assert response.status_code == 200
    assert "filename*=UTF-8''%E5%AD%A6%E7%94%9F" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert headers(workbook) == headers(roster_template())


@pytest.mark.parametrize("role", ["class_teacher", "principal", "counsellor"])
def test_only_the_registrar_may_download_the_template(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("registry:roster_template")).status_code == 403
