"""The roster import: real .xlsx and .csv files, a dry run showing each row, then one write."""

import datetime
import io
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from caresys.lib.identity import id_check_digit
from registry import services
from registry.models import (
    AccessLog,
    ArchiveRevision,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    Role,
    RosterUpload,
)
from registry.spreadsheets import importing, planning
from registry.spreadsheets.exports import ArchiveExport
from registry.spreadsheets.planning import ERROR, NEW, UNCHANGED, UPDATED, plan_import
from registry.spreadsheets.reading import read_table
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil
from tests.registry.test_english import english_client, han_in

HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "学籍号",
    "班级",
    "留守情况",
    "监护类型",
    "父亲姓名",
    "父亲电话",
    "父亲务工地",
    "母亲姓名",
    "监护人姓名",
    "监护人与学生关系",
    "监护人电话",
    "家庭住址",
]


def id_number(birth: str, serial: int) -> str:
    """A valid ID number; an odd serial is a boy's, an even one a girl's."""
    first17 = f"430524{birth.replace('-', '')}{serial:03d}"
    return first17 + id_check_digit(first17)


WANG = id_number("2017-03-12", 11)  # a boy
ZHAO = id_number("2016-09-01", 22)  # a girl
LIU = id_number("2017-05-20", 33)  # a boy


def pupil_row(**cells) -> dict:
    """One pupil as a school's roster has him, with changes by header."""
    row = {
        "姓名": "王小明",
        "性别": "男",
        "出生日期": "2017-03-12",
        "身份证号": WANG,
        "学籍号": f"G{WANG}",
        "班级": "三年级(1)班",
        "留守情况": "双亲外出",
        "监护类型": "隔代监护",
        "父亲姓名": "王建国",
        "父亲电话": "13700001111",
        "父亲务工地": "广东省东莞市",
        "母亲姓名": "李秀英",
        "监护人姓名": "王德福",
        "监护人与学生关系": "祖父",
        "监护人电话": "13812341234",
        "家庭住址": "青山镇青山村3组",
    }
    row.update(cells)
    return row


def zhao_row(**cells) -> dict:
    return pupil_row(
        **{
            "姓名": "赵小燕",
            "性别": "女",
            "出生日期": "2016-09-01",
            "身份证号": ZHAO,
            "学籍号": f"G{ZHAO}",
            "班级": "四年级(2)班",
            "留守情况": "母亲外出",
            "监护类型": "单亲监护",
            "父亲姓名": "赵刚",
            "父亲电话": "13500004444",
            "父亲务工地": "",
            "母亲姓名": "刘芳",
            "监护人姓名": "赵刚",
            "监护人与学生关系": "父亲",
            "监护人电话": "13500004444",
            "家庭住址": "青山镇石门村2组",
            **cells,
        }
    )


def table_rows(rows: list[dict | None], headers: list[str] | None = None) -> list[list]:
    """The header row, then each pupil's cells in header order (None: an empty row)."""
    headers = headers or list(rows[0])
    return [headers] + [[] if row is None else [row.get(h) for h in headers] for row in rows]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", sep: str = ",") -> Path:
    lines = [sep.join("" if cell is None else str(cell) for cell in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def plan_file(actor, path: Path) -> planning.ImportPlan:
    with path.open("rb") as file:
        return plan_import(actor=actor, table=read_table(file, path.name))


def by_number(plan: planning.ImportPlan) -> dict[int, planning.RowPlan]:
    return {row.number: row for row in plan.rows}


def stored_rows() -> dict[str, int]:
    """How many rows each table the import writes holds."""
    models = (Pupil, Parent, Guardian, ArchiveRevision, AccessLog, LeftBehindPeriod)
    return {model.__name__: model._base_manager.count() for model in models}


@pytest.fixture(autouse=True)
def in_chinese():
    """The messages asserted are the Chinese ones, whatever language an earlier test left on."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def classes(school_class, other_class):
    """三年级(1)班 and 四年级(2)班 of the school."""
    return school_class, other_class


@pytest.fixture
def two_pupils_xlsx(tmp_path, classes) -> Path:
    return write_xlsx(tmp_path / "名册.xlsx", table_rows([pupil_row(), zhao_row()]))


def import_file(actor, path: Path) -> dict[str, int]:
    return importing.roster_import_confirm(actor=actor, plan=plan_file(actor, path))


# --- a file written by openpyxl ------------------------------------------------------------


def test_a_roster_written_by_openpyxl_previews_each_pupil_as_new(admin_user, two_pupils_xlsx):
    plan = plan_file(admin_user, two_pupils_xlsx)

    assert [(row.number, row.status, row.name) for row in plan.rows] == [
        (2, NEW, "王小明"),
        (3, NEW, "赵小燕"),
    ]
    assert plan.counts == {NEW: 2, UPDATED: 0, UNCHANGED: 0, ERROR: 0}
    assert plan.ignored_headers == []
    assert ("监护人·电话", "", "13812341234") in plan.rows[0].changes


def test_confirming_writes_every_part_of_each_archive(admin_user, two_pupils_xlsx, classes):
    summary = import_file(admin_user, two_pupils_xlsx)

    assert summary == {"created": 2, "updated": 0, "unchanged": 0}
    wang = Pupil.objects.get(id_number=WANG)
    assert (wang.name, wang.gender, wang.birth_date) == ("王小明", "M", datetime.date(2017, 3, 12))
    assert wang.school_class == classes[0] and wang.left_behind == "both"
    assert wang.student_number == f"G{WANG}" and wang.name_initials == "wxm"
    assert wang.guardian.phone == "13812341234" and wang.guardian.relation == "祖父"
    father = wang.parents.get(relation="father")
    assert (father.name, father.work_place) == ("王建国", "广东省东莞市")
    zhao = Pupil.objects.get(id_number=ZHAO)
    assert zhao.school_class == classes[1] and zhao.left_behind == "mother"
    assert zhao.revisions.get().summary == "新建档案"
    assert AccessLog.objects.filter(pupil=zhao, action=AccessLog.Action.CREATE).count() == 1


def test_a_new_pupils_history_is_the_change_list_the_preview_drafted_not_drafted_again(
    admin_user, two_pupils_xlsx, monkeypatch
):
    plan = plan_file(admin_user, two_pupils_xlsx)
    drafted = {
        row.number: services.archive_draft(
            school_id=admin_user.school_id, pupil=None, data=row.data
        )[1]
        for row in plan.rows
    }

    def drafted_again(*args, **kwargs):
        raise AssertionError("the confirmation worked out a new pupil's changes again")

    monkeypatch.setattr(services, "_changes", drafted_again)
    importing.roster_import_confirm(actor=admin_user, plan=plan)

    revisions = {
        row.number: Pupil.objects.get(id_number=row.data["pupil"]["id_number"]).revisions.get()
        for row in plan.rows
    }
    assert {number: revision.changes for number, revision in revisions.items()} == drafted
    phone = {"key": "guardian.phone", "field": "监护人·电话", "old": "", "new": "13812341234"}
    assert phone in revisions[2].changes


def test_importing_the_same_file_again_changes_nothing(admin_user, two_pupils_xlsx):
    import_file(admin_user, two_pupils_xlsx)
    before = stored_rows()

    plan = plan_file(admin_user, two_pupils_xlsx)
    summary = importing.roster_import_confirm(actor=admin_user, plan=plan)

    assert [row.status for row in plan.rows] == [UNCHANGED, UNCHANGED]
    assert summary == {"created": 0, "updated": 0, "unchanged": 2}
    assert stored_rows() == before


def test_a_changed_row_shows_old_and_new_values_as_the_history_will(
    admin_user, tmp_path, two_pupils_xlsx
):
    import_file(admin_user, two_pupils_xlsx)
    changed = write_xlsx(
        tmp_path / "changed.xlsx",
        table_rows([pupil_row(监护人电话="13900009999", 班级="四年级(2)班"), zhao_row()]),
    )

    plan = plan_file(admin_user, changed)
    import_file(admin_user, changed)

    row = by_number(plan)[2]
    assert row.status == UPDATED and by_number(plan)[3].status == UNCHANGED
    assert row.changes == [
        ("班级", "三年级(1)班", "四年级(2)班"),
        ("监护人·电话", "13812341234", "13900009999"),
    ]
    revision = Pupil.objects.get(id_number=WANG).revisions.first()
    assert revision.summary == "名册导入"
    assert [(c["field"], c["old"], c["new"]) for c in revision.changes] == row.changes


def test_columns_missing_from_the_file_are_left_as_they_are(admin_user, tmp_path, two_pupils_xlsx):
    import_file(admin_user, two_pupils_xlsx)
    headers = [header for header in HEADERS if header != "监护人电话"]
    renamed = write_xlsx(
        tmp_path / "没有电话.xlsx",
        table_rows([pupil_row(监护人姓名="王德贵"), zhao_row()], headers),
    )

    plan = plan_file(admin_user, renamed)
    import_file(admin_user, renamed)

    assert by_number(plan)[2].changes == [("监护人·姓名", "王德福", "王德贵")]
    guardian = Guardian.objects.get(pupil__id_number=WANG)
    assert (guardian.name, guardian.phone) == ("王德贵", "13812341234")


def test_a_blank_id_number_or_class_never_erases_the_stored_one(
    admin_user, tmp_path, two_pupils_xlsx
):
    import_file(admin_user, two_pupils_xlsx)
    blanks = write_xlsx(tmp_path / "blanks.xlsx", table_rows([pupil_row(身份证号="", 班级="")]))

    plan = plan_file(admin_user, blanks)

    assert by_number(plan)[2].status == UNCHANGED


# --- recognising columns -------------------------------------------------------------------


@pytest.mark.parametrize(
    "class_text",
    ["三年级(1)班", "三年级1班", "3(1)班", "三(1)班", "３（１）班", " 3年级 1班 ", "3-1"],
)
def test_class_spellings_schools_use_are_recognised(admin_user, tmp_path, classes, class_text):
    path = write_xlsx(tmp_path / "c.xlsx", table_rows([pupil_row(班级=class_text)]))

    row = plan_file(admin_user, path).rows[0]

    assert row.status == NEW, row.errors
    assert row.data["pupil"]["school_class"] == classes[0]


def test_header_variants_full_width_digits_and_stray_spaces_are_normalised(
    admin_user, tmp_path, classes
):
    headers = ["学生姓名", " 性 别 ", "身份证号码", "全国学籍号", "所在班级", "监护人手机"]
    cells = [
        "王小明",
        "男",
        f" {WANG[:6]} {WANG[6:]} ",
        "G００１",
        "３（１）班",
        "１３８ １２３４ １２３４",
    ]
    path = write_xlsx(tmp_path / "v.xlsx", [headers, cells])

    row = plan_file(admin_user, path).rows[0]

    assert row.status == NEW, row.errors
    assert row.data["pupil"]["id_number"] == WANG
    assert row.data["pupil"]["student_number"] == "G001"
    assert row.data["guardian"]["phone"] == "13812341234"


@pytest.mark.parametrize("class_cell", ["1班", "1", 1, "(1)班"])
def test_a_grade_column_and_a_class_number_column_are_read_together(
    admin_user, tmp_path, classes, class_cell
):
    headers = ["姓名", "性别", "身份证号", "年级", "班级"]
    path = write_xlsx(tmp_path / "g.xlsx", [headers, ["王小明", "男", WANG, "三年级", class_cell]])

    plan = plan_file(admin_user, path)
    row = plan.rows[0]

    assert plan.headers == headers and plan.ignored_headers == []
    assert row.status == NEW, row.errors
    assert row.data["pupil"]["school_class"] == classes[0]


def test_the_guardian_age_becomes_a_birth_year(admin_user, tmp_path, classes):
    headers = ["姓名", "性别", "身份证号", "班级", "监护人年龄"]
    path = write_xlsx(tmp_path / "a.xlsx", [headers, ["王小明", "男", WANG, "3(1)班", 66]])

    row = plan_file(admin_user, path).rows[0]

    assert row.data["guardian"]["birth_year"] == timezone.localdate().year - 66
    assert ("监护人·出生年份", "", str(timezone.localdate().year - 66)) in row.changes


def test_unknown_columns_are_listed_as_ignored_not_refused(admin_user, tmp_path, classes):
    headers = ["序号", "姓名", "性别", "身份证号", "班级", "备注"]
    path = write_xlsx(tmp_path / "i.xlsx", [headers, [1, "王小明", "男", WANG, "3(1)班", "转入"]])

    plan = plan_file(admin_user, path)

    assert plan.ignored_headers == ["序号", "备注"]
    assert plan.rows[0].status == NEW


def test_a_title_line_above_the_header_keeps_spreadsheet_row_numbers(admin_user, tmp_path, classes):
    rows = [["青山镇中心小学留守儿童花名册"], *table_rows([pupil_row(), zhao_row()])]
    path = write_xlsx(tmp_path / "t.xlsx", rows)

    plan = plan_file(admin_user, path)

    assert plan.header_row == 2
    assert [row.number for row in plan.rows] == [3, 4]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["学号", "性别", "身份证号"], "没有“姓名”列"),
        (["姓名", "性别", "班级"], "既没有“身份证号”列，也没有“学籍号”列"),
    ],
)
def test_a_file_that_cannot_identify_pupils_is_refused(
    admin_user, tmp_path, classes, headers, message
):
    path = write_xlsx(tmp_path / "x.xlsx", [headers, ["王小明", "男", "3(1)班"]])

    with pytest.raises(ValidationError) as caught:
        plan_file(admin_user, path)

    assert message in caught.value.messages[0]


# --- bad rows ------------------------------------------------------------------------------

BAD_ROWS = [
    # (what is wrong, cells changed from a good new pupil's, the message on that row)
    (
        "bad check digit",
        {"身份证号": WANG[:-1] + ("0" if WANG[-1] != "0" else "1")},
        "身份证号：身份证号校验位不正确",
    ),
    (
        "ID shown as 4.30103E+17",
        {"身份证号": "4.30103E+17"},
        "身份证号：身份证号被Excel存成了数字（4.30103E+17）",
    ),
    (
        "ID as a float cell",
        {"身份证号": 4.30523201801090e17},  # the nearest double is 430523201801089984
        "身份证号：身份证号被Excel存成了数字（430523201801090000）",
    ),
    ("ID as an int cell", {"身份证号": 430524201703120017}, "身份证号：身份证号被Excel存成了数字"),
    (
        "ID that lost its last digits",
        {"身份证号": "430524201703120000"},
        "身份证号：身份证号末三位为“000”",
    ),
    ("学籍号 as a float cell", {"学籍号": 4.30524201703e17}, "学籍号：学籍号被Excel存成了数字"),
    ("bad phone", {"监护人电话": "1381234"}, "监护人电话：手机号应为以1开头的11位数字（现为7位）"),
    ("class number 0", {"班级": "三年级(0)班"}, "班级：班级“三年级(0)班”无法识别"),
    ("unreadable class", {"班级": "火箭班"}, "班级：班级“火箭班”无法识别"),
    ("bad date", {"出生日期": "2017-13-45"}, "出生日期：日期“2017-13-45”无法识别"),
    ("bad choice", {"留守情况": "偶尔"}, "留守情况：“偶尔”不是可选的值"),
    (
        "ID disagrees with birth date",
        {"出生日期": "2017-03-13"},
        "出生日期：出生日期与身份证号中的出生日期（2017-03-12）不一致",
    ),
    ("ID disagrees with gender", {"性别": "女"}, "性别：性别与身份证号不一致（身份证号显示为男）"),
    ("missing name", {"姓名": ""}, "姓名：姓名不能为空"),
    ("no number at all", {"身份证号": "", "学籍号": ""}, "身份证号和学籍号至少要填一项"),
    ("new pupil without class", {"班级": ""}, "班级：新学生需填写班级"),
    ("guardian's age in words", {"监护人年龄": "六十"}, "监护人年龄：年龄应为数字（现为“六十”）"),
    ("guardian's age implausible", {"监护人年龄": "130岁"}, "监护人年龄：出生年份不合理"),
]


def test_every_kind_of_bad_row_is_reported_on_its_spreadsheet_row(admin_user, tmp_path, classes):
    headers = [*HEADERS, "监护人年龄"]
    rows = [zhao_row(), None]  # row 2 is good, row 3 empty (skipped), the bad ones from row 4
    # Each bad row is a different boy born 2017-03-12, so none is a duplicate of another.
    rows += [
        pupil_row(**{"身份证号": id_number("2017-03-12", 101 + 2 * n), "学籍号": "", **cells})
        for n, (_what, cells, _message) in enumerate(BAD_ROWS)
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", table_rows(rows, headers))

    plan = by_number(plan_file(admin_user, path))

    assert plan[2].status == NEW and 3 not in plan
    for number, (what, _cells, message) in enumerate(BAD_ROWS, start=4):
        assert plan[number].status == ERROR, what
        assert any(message in error for error in plan[number].errors), (what, plan[number].errors)


# A real ID number may end in 000 (sequence 800, check digit 0): one in about 1,100 does.
VALID_ENDING_IN_000 = "430524201701018000"


def test_a_valid_id_number_ending_in_000_is_accepted(admin_user, tmp_path, classes):
    row = zhao_row(身份证号=VALID_ENDING_IN_000, 学籍号="", 出生日期="2017-01-01")
    path = write_xlsx(tmp_path / "000.xlsx", table_rows([row]))

    assert plan_file(admin_user, path).rows[0].status == NEW


def test_once_excel_has_cut_id_numbers_every_one_ending_in_000_is_refused(
    admin_user, tmp_path, classes
):
    rows = [
        pupil_row(身份证号="430524201703120000", 学籍号=""),  # cut by Excel: check digit wrong
        zhao_row(身份证号=VALID_ENDING_IN_000, 学籍号="", 出生日期="2017-01-01"),
    ]
    path = write_csv(tmp_path / "cut.csv", table_rows(rows))

    plan = plan_file(admin_user, path)

    assert [row.status for row in plan.rows] == [ERROR, ERROR]
    assert "像是被Excel存成数字后丢失了末几位" in plan.rows[0].errors[0]
    assert "这个号码末三位也是“000”，可能同样有误" in plan.rows[1].errors[0]


def test_a_second_row_with_the_same_numbers_is_an_error_on_the_second_row(
    admin_user, tmp_path, classes
):
    rows = [pupil_row(), zhao_row(), pupil_row(学籍号=""), zhao_row(身份证号="")]
    path = write_xlsx(tmp_path / "dup.xlsx", table_rows(rows))

    plan = by_number(plan_file(admin_user, path))

    assert plan[2].status == NEW and plan[3].status == NEW
    assert plan[4].errors == ["身份证号：该身份证号与第2行重复。"]
    assert plan[5].errors == ["学籍号：该学籍号与第3行重复。"]


def test_an_id_number_and_student_number_of_two_different_pupils_are_refused(
    admin_user, tmp_path, two_pupils_xlsx
):
    import_file(admin_user, two_pupils_xlsx)
    path = write_xlsx(tmp_path / "mixed.xlsx", table_rows([pupil_row(学籍号=f"G{ZHAO}")]))

    row = plan_file(admin_user, path).rows[0]

    assert row.status == ERROR
    assert row.errors == ["身份证号是王小明的，学籍号却是赵小燕的：请核对这两个号码。"]


def test_a_plan_with_error_rows_cannot_be_confirmed(admin_user, tmp_path, classes):
    path = write_xlsx(tmp_path / "e.xlsx", table_rows([pupil_row(), zhao_row(班级="火箭班")]))
    plan = plan_file(admin_user, path)
    before = stored_rows()

    with pytest.raises(ValidationError):
        importing.roster_import_confirm(actor=admin_user, plan=plan)

    assert stored_rows() == before


# --- matching, dry run, transactions -------------------------------------------------------


def test_a_row_without_an_id_number_is_matched_by_its_student_number(
    admin_user, tmp_path, two_pupils_xlsx
):
    import_file(admin_user, two_pupils_xlsx)
    path = write_xlsx(
        tmp_path / "sn.xlsx",
        table_rows([zhao_row(身份证号="", 监护人电话="13500005555")]),
    )

    plan = plan_file(admin_user, path)
    import_file(admin_user, path)

    assert plan.rows[0].status == UPDATED
    assert plan.rows[0].pupil.id_number == ZHAO
    zhao = Pupil.objects.get(student_number=f"G{ZHAO}")
    assert zhao.id_number == ZHAO and zhao.guardian.phone == "13500005555"
    assert Pupil.objects.count() == 2


def test_the_dry_run_writes_nothing(admin_user, two_pupils_xlsx):
    before = stored_rows()

    plan = plan_file(admin_user, two_pupils_xlsx)

    assert plan.counts[NEW] == 2
    assert stored_rows() == before


@pytest.fixture
def roster_entered_since(admin_user, tmp_path, classes) -> tuple[Path, planning.ImportPlan]:
    """A roster of two and its plan, and since the plan a colleague has entered 赵小燕 by hand."""
    path = write_xlsx(tmp_path / "3.xlsx", table_rows([pupil_row(), zhao_row()]))
    plan = plan_file(admin_user, path)
    services.pupil_create(
        actor=admin_user,
        school=admin_user.school,
        data={"pupil": {"name": "赵小燕", "gender": "F", "id_number": ZHAO}},
    )
    return path, plan


def test_a_failure_midway_through_confirming_writes_no_row_at_all(admin_user, roster_entered_since):
    _path, plan = roster_entered_since
    before = stored_rows()

    with pytest.raises(ValidationError) as caught:
        importing.roster_import_confirm(actor=admin_user, plan=plan)

    assert caught.value.messages == ["第3行：身份证号：该身份证号已登记在本校另一名学生的档案中。"]
    assert stored_rows() == before
    assert not Pupil.objects.filter(name="王小明").exists()


def test_an_upload_whose_archives_changed_before_the_worker_ran_writes_nothing_and_says_why(
    admin_user, roster_entered_since, media_root
):
    path, plan = roster_entered_since
    roster = importing.roster_upload_create(
        actor=admin_user, file=SimpleUploadedFile("名册.xlsx", path.read_bytes())
    )
    before = stored_rows()

    importing.roster_upload_confirm(
        actor=admin_user, upload=roster, plan=plan, fingerprint=plan.fingerprint()
    )

    assert stored_rows() == before
    roster.refresh_from_db()
    assert roster.status == RosterUpload.Status.FAILED and roster.file.name == ""
    assert roster.summary == {"errors": ["预览之后档案有了变化，请核对下面新的预览后再确认导入。"]}


def test_a_failure_in_a_late_batch_leaves_no_pupil_of_the_import_anywhere(
    client, admin_user, tmp_path, classes
):
    rows = [pupil_row(身份证号=id_number("2017-03-12", 2 * n + 1), 学籍号="") for n in range(30)]
    plan = plan_file(admin_user, write_csv(tmp_path / "30.csv", table_rows(rows)))
    client.force_login(admin_user)

    def counts() -> tuple[int, int, int]:
        listing = client.get(reverse("registry:pupil_list")).context["page"].paginator.count
        in_classes = client.get(reverse("registry:class_list")).context["classes"]
        return listing, sum(c.pupil_count for c in in_classes), Pupil.objects.count()

    before = counts()
    seen = []

    def a_colleague_enters_the_last_child_by_hand(done: int, total: int) -> None:
        seen.append(counts())
        if done == 20:
            services.pupil_create(
                actor=admin_user,
                school=admin_user.school,
                data={
                    "pupil": {"name": "王小明", "gender": "M", "id_number": rows[-1]["身份证号"]}
                },
            )

    with pytest.raises(ValidationError) as caught:
        importing.roster_import_write(
            actor=admin_user,
            plan=plan,
            upload=importing.roster_import_upload(actor=admin_user, plan=plan, name="30.csv"),
            progress=a_colleague_enters_the_last_child_by_hand,
            every=10,
        )

    assert seen == [before, before]  # two batches written, and shown nowhere
    assert caught.value.messages == ["第31行：身份证号：该身份证号已登记在本校另一名学生的档案中。"]
    listing, in_classes, pupils = counts()
    assert (listing, in_classes, pupils) == (before[0] + 1, before[1], before[2] + 1)
    assert Pupil.with_pending.count() == pupils  # the import's twenty are gone
    roster = RosterUpload.objects.get(original_name="30.csv")
    assert roster.status == RosterUpload.Status.FAILED
    assert roster.summary["errors"] == caught.value.messages
    assert (
        "第31行"
        in client.get(reverse("registry:roster_import_progress", args=[roster.pk])).content.decode()
    )


def test_a_failure_after_some_archives_were_updated_undoes_them_through_their_history(
    admin_user, tmp_path, classes, monkeypatch
):
    phones = [f"1390000{n:04d}" for n in range(5)]
    rows = [
        pupil_row(身份证号=id_number("2017-03-12", 2 * n + 1), 学籍号="", 监护人电话=phone)
        for n, phone in enumerate(phones)
    ]
    import_file(admin_user, write_csv(tmp_path / "5.csv", table_rows(rows)))
    changed = [{**row, "监护人电话": "13811112222"} for row in rows]
    plan = plan_file(admin_user, write_csv(tmp_path / "changed.csv", table_rows(changed)))
    update = importing.archive_update
    calls = []

    def the_fifth_is_refused(**kwargs):
        calls.append(kwargs["pupil"].pk)
        if len(calls) == 5:
            raise ValidationError({"guardian.phone": ["号码有误。"]})
        return update(**kwargs)

    monkeypatch.setattr(importing, "UPDATE_BATCH_ROWS", 2)
    monkeypatch.setattr(importing, "archive_update", the_fifth_is_refused)

    def a_colleague_corrects_the_first_meanwhile(done: int, total: int) -> None:
        if done == 4:
            first = Pupil.objects.order_by("pk").first()
            update(actor=admin_user, pupil=first, data={"guardian": {"phone": "13700007777"}})

    with pytest.raises(ValidationError) as caught:
        importing.roster_import_confirm(
            actor=admin_user,
            plan=plan,
            name="changed.csv",
            progress=a_colleague_corrects_the_first_meanwhile,
        )

    monkeypatch.setattr(importing, "archive_update", update)
    pupils = Pupil.objects.order_by("pk").select_related("guardian")
    # The first was edited by hand meanwhile: that edit stands.
    assert [pupil.guardian.phone for pupil in pupils] == ["13700007777", *phones[1:]]
    history = [revision.summary for revision in pupils[1].revisions.order_by("pk")]
    assert history == ["新建档案", "名册导入", "撤销名册导入（导入失败）"]
    assert [revision.summary for revision in pupils[4].revisions.all()] == ["新建档案"]
    assert caught.value.messages == ["第6行：监护人·电话：号码有误。"]
    roster = RosterUpload.objects.get(original_name="changed.csv")
    assert roster.status == RosterUpload.Status.FAILED


def test_an_upload_is_not_imported_by_a_plan_other_than_the_one_previewed(
    admin_user, two_pupils_xlsx, media_root
):
    roster = importing.roster_upload_create(
        actor=admin_user, file=SimpleUploadedFile("名册.xlsx", two_pupils_xlsx.read_bytes())
    )
    plan = plan_file(admin_user, two_pupils_xlsx)
    before = stored_rows()

    with pytest.raises(ValidationError, match="预览之后档案有了变化"):
        importing.roster_upload_confirm(
            actor=admin_user, upload=roster, plan=plan, fingerprint="an older preview"
        )

    assert stored_rows() == before
    roster.refresh_from_db()
    assert roster.status == RosterUpload.Status.PENDING


def test_the_plan_costs_the_same_queries_for_one_known_pupil_as_for_many(
    admin_user, tmp_path, classes, django_assert_num_queries
):
    rows = [pupil_row(身份证号=id_number("2017-03-12", 2 * n + 1), 学籍号="") for n in range(30)]
    path = write_xlsx(tmp_path / "many.xlsx", table_rows(rows))
    import_file(admin_user, path)
    with path.open("rb") as file:
        table = read_table(file, path.name)

    # The classes, the pupils by their numbers, and their parents.
    with django_assert_num_queries(3):
        plan = plan_import(actor=admin_user, table=table)

    assert plan.counts[UNCHANGED] == 30


def test_the_plan_is_the_same_every_time(admin_user, tmp_path, classes):
    path = write_xlsx(tmp_path / "d.xlsx", table_rows([pupil_row(), zhao_row(班级="火箭班")]))

    first, second = plan_file(admin_user, path), plan_file(admin_user, path)

    assert first.fingerprint() == second.fingerprint()
    assert planning.report_lines(first) == planning.report_lines(second)


# --- CSV and other writers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "sep"), [("gbk", ","), ("utf-8", ","), ("utf-8-sig", ","), ("gbk", "\t")]
)
def test_a_csv_as_chinese_excel_saves_it_is_read(admin_user, tmp_path, classes, encoding, sep):
    path = write_csv(tmp_path / "名册.csv", table_rows([pupil_row(), zhao_row()]), encoding, sep)

    plan = plan_file(admin_user, path)

    assert [(row.status, row.name) for row in plan.rows] == [(NEW, "王小明"), (NEW, "赵小燕")]
    assert plan.rows[1].data["guardian"]["relation"] == "父亲"


def test_the_gbk_file_is_really_gbk(tmp_path):
    path = write_csv(tmp_path / "g.csv", table_rows([pupil_row()]), "gbk")

    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)"
)
def test_an_xlsx_written_by_libreoffice_calc_is_read_with_its_numbers_and_dates(
    admin_user, tmp_path, classes
):
    source = write_csv(tmp_path / "roster.csv", table_rows([pupil_row(), zhao_row()]))
    as_text, as_typed = tmp_path / "text", tmp_path / "typed"
    # Once with 身份证号 and 学籍号 formatted as text, as the import's help asks; once as Calc
    # guesses, which turns the ID numbers into numbers like Excel does.
    libreoffice_convert(source, as_text, "CSV:44,34,76,1,4/2/5/2", tmp_path)
    libreoffice_convert(source, as_typed, "CSV:44,34,76,1", tmp_path)

    good = plan_file(admin_user, as_text / "roster.xlsx")
    typed = plan_file(admin_user, as_typed / "roster.xlsx")

    assert [row.status for row in good.rows] == [NEW, NEW], [r.errors for r in good.rows]
    assert good.rows[0].data["pupil"]["birth_date"] == datetime.date(2017, 3, 12)
    assert good.rows[0].data["father"]["phone"] == "13700001111"  # a number cell in Calc
    assert [row.status for row in typed.rows] == [ERROR, ERROR]
    assert "身份证号被Excel存成了数字（430524201703120000）" in typed.rows[0].errors[0]


def libreoffice_convert(source: Path, outdir: Path, infilter: str, tmp_path: Path) -> None:
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            f"--infilter={infilter}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


# --- refusing files ------------------------------------------------------------------------


def test_openpyxl_reads_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def xml_bomb_xlsx(path: Path) -> Path:
    """A real workbook whose sheet expands an entity a billion times (billion laughs)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, table_rows([pupil_row()]))
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = f"<!DOCTYPE lolz [{entities}]>".encode() + data.replace(
                    "王小明".encode(), b"&lol9;"
                )
            bomb.writestr(info, data)
    return path


def test_an_xlsx_with_an_xml_bomb_is_refused_at_once(tmp_path):
    path = xml_bomb_xlsx(tmp_path / "bomb.xlsx")
    started = time.monotonic()

    with pytest.raises(ValidationError) as caught, path.open("rb") as file:
        read_table(file, path.name)

    assert caught.value.messages == ["文件中含有不安全的内容（XML 实体），已拒绝导入。"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名册.xls", b"\xd0\xcf\x11\xe0", "不支持旧版 Excel 文件（.xls）"),
        ("名册.pdf", b"%PDF-1.4", "只能导入 .xlsx 或 .csv 文件"),
        ("名册.xlsx", b"not a zip at all", "无法读取该文件"),
        ("名册.csv", b"", "文件是空的"),
        ("名册.csv", b"\r\n,,\r\n", "文件是空的"),
    ],
)
def test_unusable_files_are_refused_with_a_chinese_message(name, content, message):
    with pytest.raises(ValidationError) as caught:
        read_table(io.BytesIO(content), name)

    assert message in caught.value.messages[0]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.CARESYS_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    content = "姓名,身份证号\n".encode() + b"x" * (10 * 1024 * 1024)

    with pytest.raises(ValidationError) as caught:
        read_table(io.BytesIO(content), "big.csv")

    assert caught.value.messages == ["文件过大（10.0 MB），最大为 10.0 MB。请分成几个文件导入。"]


def test_a_file_over_the_row_limit_is_refused(settings, tmp_path):
    settings.CARESYS_IMPORT_MAX_ROWS = 20_000
    rows = [["姓名", "身份证号"], *(["王小明", ""] for _ in range(20_001))]
    over = write_csv(tmp_path / "over.csv", rows)
    at_limit = write_csv(tmp_path / "limit.csv", rows[:-1])

    with pytest.raises(ValidationError) as caught, over.open("rb") as file:
        read_table(file, over.name)
    with at_limit.open("rb") as file:
        table = read_table(file, at_limit.name)

    assert caught.value.messages == ["文件中的数据超过 20,000 行，请分成几个文件导入。"]
    assert len(table.rows) == 20_000


# --- the pages -----------------------------------------------------------------------------


def upload(client, path: Path):
    with path.open("rb") as file:
        return client.post(reverse("registry:roster_import"), {"file": file})


def confirmed(client, response) -> str:
    """The progress page a confirmation leads to."""
    assert response.status_code == 302 and response["Location"].endswith("/progress/")
    return client.get(response["Location"]).content.decode()


def test_an_administrator_uploads_previews_and_confirms_a_roster(
    client, admin_user, two_pupils_xlsx, media_root
):
    client.force_login(admin_user)
    assert client.get(reverse("registry:roster_import")).status_code == 200

    response = upload(client, two_pupils_xlsx)
    roster = RosterUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:roster_import_preview", args=[roster.pk])
    stored = media_root / roster.file.name
    assert stored.exists() and roster.original_name == "名册.xlsx"

    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "第 2 行" in page and "赵小燕" in page and "确认导入" in page
    assert stored_rows()["Pupil"] == 0

    confirm = client.post(
        reverse("registry:roster_import_confirm", args=[roster.pk]),
        {"fingerprint": preview.context["plan"].fingerprint()},
    )
    page = confirmed(client, confirm)

    assert "已处理 2 / 2 行" in page and "新增 2、更新 0、未变 0" in page
    assert reverse("registry:pupil_list") in page and 'http-equiv="refresh"' not in page
    assert Pupil.objects.count() == 2
    roster.refresh_from_db()
    assert roster.status == RosterUpload.Status.CONFIRMED and roster.file.name == ""
    assert roster.summary == {"created": 2, "updated": 0, "unchanged": 0}
    assert not stored.exists()


# The worker closes its database connections between tasks, as a long-running process should:
# on PostgreSQL that would end a test wrapped in a transaction, so this one commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_is_queued_for_the_worker_whose_progress_the_page_shows(
    client, admin_user, tmp_path, classes, settings, monkeypatch, media_root
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    rows = [pupil_row(身份证号=id_number("2017-03-12", 2 * n + 1), 学籍号="") for n in range(120)]
    client.force_login(admin_user)
    preview = client.get(
        upload(client, write_csv(tmp_path / "120.csv", table_rows(rows)))["Location"]
    )
    roster = preview.context["upload"]
    progress_url = reverse("registry:roster_import_progress", args=[roster.pk])
    pages = []
    write_progress = importing._upload_progress

    def and_look_at_the_page(**kwargs) -> None:
        write_progress(**kwargs)
        pages.append(client.get(progress_url).content.decode())

    monkeypatch.setattr(importing, "BATCH_ROWS", 50)
    monkeypatch.setattr(importing, "_upload_progress", and_look_at_the_page)

    confirm_url = reverse("registry:roster_import_confirm", args=[roster.pk])
    data = {"fingerprint": preview.context["plan"].fingerprint()}
    waiting = confirmed(client, client.post(confirm_url, data))
    clicked_again = client.post(confirm_url, data)
    reopened = client.get(reverse("registry:roster_import_preview", args=[roster.pk]))
    queued = DBTaskResult.objects.count()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0)
    done = client.get(progress_url).content.decode()

    assert "正在等待后台导入程序开始" in waiting and "已处理 0 / 120 行" in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting and "<script>" not in waiting
    assert reopened["Location"] == progress_url == clicked_again["Location"] and queued == 1
    assert ["已处理 50 / 120 行" in pages[0], "已处理 100 / 120 行" in pages[1]] == [True, True]
    assert "导入在后台进行" in pages[0] and Pupil.objects.count() == 120
    assert "已处理 120 / 120 行" in done and "新增 120、更新 0、未变 0" in done
    assert 'http-equiv="refresh"' not in done


def test_the_preview_costs_as_many_queries_for_sixty_known_pupils_as_for_two(
    client, admin_user, tmp_path, classes
):
    rows = [pupil_row(身份证号=id_number("2017-03-12", 2 * n + 1), 学籍号="") for n in range(60)]
    import_file(admin_user, write_csv(tmp_path / "all.csv", table_rows(rows)))
    changed = [{**row, "监护人电话": "13900009999"} for row in rows]
    client.force_login(admin_user)

    def preview_queries(path: Path) -> int:
        location = upload(client, path)["Location"]
        with CaptureQueriesContext(connection) as captured:
            response = client.get(location)
        assert response.status_code == 200
        return len(captured)

    two = preview_queries(write_csv(tmp_path / "2.csv", table_rows(changed[:2])))
    sixty = preview_queries(write_csv(tmp_path / "60.csv", table_rows(changed)))

    assert two == sixty


def test_the_preview_of_a_roster_with_errors_has_no_confirm_button(
    client, admin_user, tmp_path, classes
):
    path = write_xlsx(tmp_path / "e.xlsx", table_rows([pupil_row(), zhao_row(班级="火箭班")]))
    client.force_login(admin_user)

    page = client.get(upload(client, path)["Location"]).content.decode()

    assert "确认导入" not in page
    assert "有 1 行有错误。请在表格中改正这些行" in page
    assert "第 3 行" in page and "班级“火箭班”无法识别" in page


def test_a_file_the_import_cannot_read_is_refused_on_the_upload_form(
    client, admin_user, tmp_path, classes
):
    path = write_xlsx(tmp_path / "x.xlsx", [["学号", "性别"], ["1", "男"]])
    client.force_login(admin_user)

    response = upload(client, path)

    assert response.status_code == 200
    assert "文件中没有“姓名”列" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_an_upload_over_the_size_limit_is_refused_on_the_form(
    client, admin_user, tmp_path, classes, settings
):
    settings.CARESYS_IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", table_rows([pupil_row()] * 20))
    client.force_login(admin_user)

    response = upload(client, path)

    assert "文件过大" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_an_archive_changed_after_the_preview_is_shown_again_before_writing(
    client, admin_user, two_pupils_xlsx
):
    import_file(admin_user, two_pupils_xlsx)
    client.force_login(admin_user)
    changed = write_xlsx(
        two_pupils_xlsx.with_name("c.xlsx"), table_rows([pupil_row(监护人电话="13900009999")])
    )
    preview = client.get(upload(client, changed)["Location"])
    wang = Pupil.objects.get(id_number=WANG)
    services.archive_update(actor=admin_user, pupil=wang, data={"guardian": {"relation": "外祖父"}})
    before = stored_rows()

    response = client.post(
        reverse("registry:roster_import_confirm", args=[preview.context["upload"].pk]),
        {"fingerprint": preview.context["plan"].fingerprint()},
    )

    assert response.status_code == 200
    assert "预览之后档案有了变化" in response.content.decode()
    assert stored_rows() == before


def test_a_confirmed_upload_is_not_imported_twice(client, admin_user, two_pupils_xlsx):
    client.force_login(admin_user)
    preview = client.get(upload(client, two_pupils_xlsx)["Location"])
    url = reverse("registry:roster_import_confirm", args=[preview.context["upload"].pk])
    data = {"fingerprint": preview.context["plan"].fingerprint()}
    confirmed(client, client.post(url, data))
    before = stored_rows()

    again = client.post(url, data)

    assert again.status_code == 200 and "导入完成" in again.content.decode()
    assert stored_rows() == before


def test_an_upload_of_another_school_is_not_found(client, two_pupils_xlsx, admin_user):
    other_admin = UserFactory(school=SchoolFactory(), roles=[Role.ADMIN])
    roster = importing.roster_upload_create(
        actor=admin_user, file=SimpleUploadedFile("名册.xlsx", two_pupils_xlsx.read_bytes())
    )
    client.force_login(other_admin)

    preview = client.get(reverse("registry:roster_import_preview", args=[roster.pk]))
    confirm = client.post(reverse("registry:roster_import_confirm", args=[roster.pk]))
    progress = client.get(reverse("registry:roster_import_progress", args=[roster.pk]))

    assert (preview.status_code, confirm.status_code, progress.status_code) == (404, 404, 404)


@pytest.mark.parametrize("role", ["principal", "class_teacher", "counsellor", "pair_teacher"])
def test_only_the_administrator_may_import(client, request, two_pupils_xlsx, role):
    client.force_login(request.getfixturevalue(role))

    response = upload(client, two_pupils_xlsx)

    assert response.status_code == 403
    assert not RosterUpload.objects.exists()


# --- keeping no files ----------------------------------------------------------------------


def test_uploads_left_unconfirmed_for_a_day_are_deleted_at_the_next_upload(
    admin_user, two_pupils_xlsx, media_root
):
    def new_upload() -> RosterUpload:
        content = SimpleUploadedFile("名册.xlsx", two_pupils_xlsx.read_bytes())
        return importing.roster_upload_create(actor=admin_user, file=content)

    stale, recent, queued = new_upload(), new_upload(), new_upload()
    RosterUpload.objects.filter(pk__in=[stale.pk, queued.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    # Confirmed a day after it was uploaded, waiting for the worker: its file is still needed.
    RosterUpload.objects.filter(pk=queued.pk).update(status=RosterUpload.Status.QUEUED)

    new_upload()

    assert not RosterUpload.objects.filter(pk=stale.pk).exists()
    assert not (media_root / stale.file.name).exists()
    assert (media_root / recent.file.name).exists()
    assert (media_root / queued.file.name).exists()


def test_purge_uploads_deletes_stray_files_older_than_a_day(db, media_root):
    folder = media_root / "roster_uploads"
    folder.mkdir(parents=True)
    old, new = folder / "old.xlsx", folder / "new.xlsx"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    out = io.StringIO()

    call_command("purge_uploads", stdout=out)

    assert not old.exists() and new.exists()
    assert out.getvalue().splitlines() == [
        "已删除 0 个过期的名册文件。",
        "已删除 1 个无记录对应的文件。",
    ]


# --- the command ---------------------------------------------------------------------------


def test_the_command_prints_the_report_and_writes_nothing_on_a_dry_run(admin_user, two_pupils_xlsx):
    out = io.StringIO()

    call_command("import_roster", str(two_pupils_xlsx), "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "第2行 新增 王小明",
        "第3行 新增 赵小燕",
        "共2行：新增2、更新0、未变0、错误0",
        "未写入（试运行）",
    ]
    assert Pupil.objects.count() == 0


def test_the_command_imports_as_the_schools_administrator(
    admin_user, class_teacher, tmp_path, two_pupils_xlsx
):
    call_command("import_roster", str(two_pupils_xlsx), stdout=io.StringIO(), stderr=io.StringIO())
    changed = write_xlsx(tmp_path / "c.xlsx", table_rows([pupil_row(监护人电话="13900009999")]))
    out = io.StringIO()

    call_command("import_roster", str(changed), stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines() == [
        "第2行 更新 王小明：监护人·电话 13812341234 → 13900009999",
        "共1行：新增0、更新1、未变0、错误0",
        "导入完成：新增 0、更新 1、未变 0",
    ]
    assert Pupil.objects.get(id_number=WANG).revisions.first().actor == admin_user


def test_the_command_refuses_a_roster_with_bad_rows(admin_user, tmp_path, classes):
    path = write_csv(tmp_path / "bad.csv", table_rows([pupil_row(身份证号="4.30103E+17")]), "gbk")
    out = io.StringIO()

    with pytest.raises(CommandError, match="有 1 行错误，没有写入任何数据"):
        call_command("import_roster", str(path), stdout=out)

    assert out.getvalue().startswith("第2行 错误 王小明：身份证号：身份证号被Excel存成了数字")
    assert Pupil.objects.count() == 0


def test_the_command_needs_an_administrator(admin_user, class_teacher, two_pupils_xlsx):
    with pytest.raises(CommandError, match="找不到该校的管理员账号“teacher”"):
        call_command("import_roster", str(two_pupils_xlsx), "--user", "teacher")


def test_the_command_asks_which_school_when_there_are_several(admin_user, two_pupils_xlsx):
    other = SchoolFactory()
    UserFactory(school=other, roles=[Role.ADMIN])
    SchoolClassFactory(school=other, grade=3, number=1)
    SchoolClassFactory(school=other, grade=4, number=2)

    with pytest.raises(CommandError, match="--school"):
        call_command("import_roster", str(two_pupils_xlsx), "--dry-run")
    call_command(
        "import_roster",
        str(two_pupils_xlsx),
        "--school",
        str(other.pk),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Pupil.objects.filter(school=other).count() == 2
    assert Pupil.objects.filter(school=admin_user.school).count() == 0


# --- with the export and in English --------------------------------------------------------


def test_an_unmasked_export_imports_back_with_no_change(admin_user, tmp_path, classes):
    make_pupil(actor=admin_user, school_class=classes[0], is_boarding=True, is_hardship=True)
    make_pupil(
        actor=admin_user, school_class=classes[1], name="李小红", gender="F", left_behind="none"
    )
    pupils = Pupil.objects.select_related("school_class", "guardian").prefetch_related("parents")
    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        ArchiveExport(user=admin_user, pupils=pupils, masked=False, reason="核对").write(out)

    plan = plan_file(admin_user, path)

    assert [(row.status, row.errors, row.changes) for row in plan.rows] == [
        (UNCHANGED, [], []),
        (UNCHANGED, [], []),
    ]
    assert plan.ignored_headers == []


def test_a_chinese_roster_reads_the_same_for_someone_using_english(admin_user, two_pupils_xlsx):
    with translation.override("en"):
        plan = plan_file(admin_user, two_pupils_xlsx)

    assert [row.status for row in plan.rows] == [NEW, NEW]
    assert plan.rows[1].data["pupil"]["gender"] == "F"
    assert plan.rows[1].data["pupil"]["left_behind"] == "mother"


def test_the_import_pages_are_english_for_someone_using_english(admin_user, tmp_path, classes):
    admin_user.school.name, admin_user.full_name = "Green Hill Primary", "Ms Zhou"
    admin_user.school.save()
    admin_user.save()
    rows = [["姓名", "性别", "身份证号", "班级", "监护人电话", "备注"]]
    rows += [
        ["Li Lei", "男", WANG, "3(1)班", "13812341234", ""],
        ["Han Mei", "", "", "火箭班", "", ""],
    ]
    client = english_client(admin_user)
    bad = client.get(upload(client, write_csv(tmp_path / "bad.csv", rows))["Location"])
    good = client.get(upload(client, write_csv(tmp_path / "roster.csv", rows[:2]))["Location"])
    done = confirmed(
        client,
        client.post(
            reverse("registry:roster_import_confirm", args=[good.context["upload"].pk]),
            {"fingerprint": good.context["plan"].fingerprint()},
        ),
    )
    form = client.get(reverse("registry:roster_import")).content.decode()

    # Headers and cells quoted from the file stay as the file writes them.
    quoted = [
        "姓名",
        "性别",
        "身份证号",
        "班级",
        "监护人电话",
        "备注",
        "“火箭班”",
        "三年级(2)班",
        "3(2)班",
    ]
    for page in (bad.content.decode(), good.content.decode(), done):
        for text in quoted:
            page = page.replace(text, "")
        assert not han_in(page), han_in(page)
    assert "Row 3" in bad.content.decode() and "cannot be read" in bad.content.decode()
    assert "1 of 1 rows done" in done and "1 new, 0 updated, 0 unchanged" in done
    assert "Import a roster of pupils" in form


def export_file(actor, tmp_path: Path, *, masked: bool) -> Path:
    pupils = Pupil.objects.select_related("school_class", "guardian").prefetch_related("parents")
    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        ArchiveExport(user=actor, pupils=pupils, masked=masked).write(out)
    return path


def test_the_default_masked_export_imports_back_with_no_change(admin_user, tmp_path, classes):
    make_pupil(actor=admin_user, school_class=classes[0], is_boarding=True)
    make_pupil(
        actor=admin_user, school_class=classes[1], name="李小红", gender="F", left_behind="none"
    )
    path = export_file(admin_user, tmp_path, masked=True)
    assert "*" in openpyxl.load_workbook(path).active["D2"].value  # the ID number is masked

    plan = plan_file(admin_user, path)

    assert [(row.status, row.errors, row.changes) for row in plan.rows] == [
        (UNCHANGED, [], []),
        (UNCHANGED, [], []),
    ]
    assert [row.pupil.name for row in plan.rows] == ["王小明", "李小红"]


def test_namesakes_in_a_masked_export_are_told_apart_by_birth_date_and_class(
    admin_user, tmp_path, classes
):
    """The mask keeps only the area code, so two 王小明 share their masked numbers: what else the
    row says of them (birth date, class) still finds each one."""
    first = make_pupil(actor=admin_user, school_class=classes[0])
    second = make_pupil(
        actor=admin_user, school_class=classes[1], birth_date=datetime.date(2016, 5, 2)
    )
    path = export_file(admin_user, tmp_path, masked=True)

    plan = plan_file(admin_user, path)

    assert [(row.status, row.errors) for row in plan.rows] == [(UNCHANGED, []), (UNCHANGED, [])]
    assert {row.pupil.pk for row in plan.rows} == {first.pk, second.pk}


def test_an_edit_to_a_masked_export_is_imported_and_the_masked_numbers_kept(
    admin_user, tmp_path, classes
):
    pupil = make_pupil(actor=admin_user, school_class=classes[0])
    path = export_file(admin_user, tmp_path, masked=True)
    workbook = openpyxl.load_workbook(path)
    headers = [cell.value for cell in workbook.active[1]]
    workbook.active.cell(row=2, column=headers.index("家庭住址") + 1, value="青山镇新村8组")
    workbook.save(path)

    import_file(admin_user, path)

    stored = Pupil.objects.get(pk=pupil.pk)
    assert stored.address == "青山镇新村8组"
    assert (stored.id_number, stored.student_number) == (pupil.id_number, pupil.student_number)
    assert stored.guardian.phone == pupil.guardian.phone


@pytest.mark.parametrize(
    ("header", "masked"),
    [("身份证号", "999999************"), ("监护人电话", "139****0000")],
)
def test_a_masked_number_that_is_not_the_archives_is_an_error(
    admin_user, tmp_path, classes, header, masked
):
    make_pupil(actor=admin_user, school_class=classes[0])
    path = export_file(admin_user, tmp_path, masked=True)
    workbook = openpyxl.load_workbook(path)
    headers = [cell.value for cell in workbook.active[1]]
    workbook.active.cell(row=2, column=headers.index(header) + 1, value=masked)
    workbook.save(path)

    (row,) = plan_file(admin_user, path).rows

    assert row.status == ERROR
    assert f"{header}：“{masked}”是遮蔽后的号码，与档案中的号码不符；请填写完整号码。" in row.errors


def test_a_masked_number_never_makes_a_new_pupil(admin_user, tmp_path, classes):
    row = pupil_row(身份证号="430524************", 学籍号="G43052*************")
    path = write_xlsx(tmp_path / "r.xlsx", table_rows([row]))

    (planned,) = plan_file(admin_user, path).rows

    assert planned.status == ERROR
    assert planned.pupil is None
    assert Pupil.objects.count() == 0
