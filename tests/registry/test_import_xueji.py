"""A roster in the 学籍 system's words: 0/1/2, 单亲留守, 单亲外出, classes the school lacks, and
every error of a row told at once."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from registry import services
from registry.models import LeftBehind, Pupil, SchoolClass
from registry.selectors import headline_counts, ledger_statistics, missing_items, pupil_list
from registry.spreadsheets import importing, planning
from registry.spreadsheets.planning import ERROR, NEW, UNCHANGED
from tests.factories import make_pupil
from tests.registry.test_import import (
    id_number,
    import_file,
    plan_file,
    pupil_row,
    stored_rows,
    table_rows,
    upload,
    write_xlsx,
)

# (name, what 是否留守儿童 says, father's 务工地, mother's 务工地, class, the status recorded)
XUEJI_ROWS = [
    ("甲", "单亲外出", "广东省东莞市", "", "三年级(1)班", LeftBehind.FATHER),
    ("乙", "1", "在家", "浙江省义乌市", "3(1)班", LeftBehind.MOTHER),
    ("丙", "单亲留守", "", "本地", "三(1)班", LeftBehind.FATHER),
    ("丁", "单亲外出", "", "", "3(4)班", LeftBehind.ONE),
    ("戊", "单亲留守", "", "", "五年级3班", LeftBehind.ONE),
    ("己", "2", "福建省厦门市", "福建省厦门市", "三年级(4)班", LeftBehind.BOTH),
    ("庚", "双亲外出", "", "", "三年级(1)班", LeftBehind.BOTH),
    ("辛", "0", "", "", "三年级(1)班", LeftBehind.NONE),
    ("壬", "非留守", "", "", "三年级(1)班", LeftBehind.NONE),
    ("癸", "双亲留守", "", "", "三年级(1)班", LeftBehind.BOTH),
]


@pytest.fixture(autouse=True)
def in_chinese(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def classes(school_class, other_class):
    return school_class, other_class


XUEJI_HEADERS = ["姓名", "性别", "身份证号", "班级", "是否留守儿童", "父亲务工地", "母亲务工地"]


def xueji_roster(path: Path, rows=XUEJI_ROWS) -> Path:
    cells = [
        {
            "姓名": f"张{name}",
            "性别": "男",
            "身份证号": id_number("2017-03-12", 2 * n + 1),
            "班级": school_class,
            "是否留守儿童": said,
            "父亲务工地": father,
            "母亲务工地": mother,
        }
        for n, (name, said, father, mother, school_class, _status) in enumerate(rows)
    ]
    return write_xlsx(path, table_rows(cells, XUEJI_HEADERS))


def test_a_xueji_roster_is_read_with_which_parent_is_away_taken_from_the_parents_columns(
    admin_user, tmp_path, school_class
):
    plan = plan_file(admin_user, xueji_roster(tmp_path / "学籍.xlsx"))

    assert [row.status for row in plan.rows] == [NEW] * len(XUEJI_ROWS)
    wanted = {f"张{name}": status for name, *_cells, status in XUEJI_ROWS}
    assert {row.name: row.data["pupil"]["left_behind"] for row in plan.rows} == wanted
    assert plan.new_class_names == ["三年级(4)班", "五年级(3)班"]
    assert planning.plan_notes(plan) == [
        "将新建班级：三年级(4)班、五年级(3)班",
        "未写明父母哪一方外出的留守儿童5人：3人由父母务工地得出，"
        "2人记为“单亲外出（待确认）”，由班主任在档案中确认。",
    ]


def test_confirming_a_xueji_roster_records_each_child_and_creates_the_missing_classes(
    admin_user, tmp_path, school_class
):
    summary = import_file(admin_user, xueji_roster(tmp_path / "学籍.xlsx"))

    assert summary == {
        "created": 10,
        "updated": 0,
        "unchanged": 0,
        "classes": ["三年级(4)班", "五年级(3)班"],
        "to_confirm": 2,
    }
    recorded = dict(Pupil.objects.values_list("name", "left_behind"))
    assert recorded == {f"张{name}": status for name, *_cells, status in XUEJI_ROWS}
    classes = SchoolClass.objects.filter(school=admin_user.school, is_active=True)
    assert sorted(str(c) for c in classes) == ["三年级(1)班", "三年级(4)班", "五年级(3)班"]
    assert str(Pupil.objects.get(name="张丁").school_class) == "三年级(4)班"
    assert Pupil.objects.get(name="张戊").left_behind_periods.get().status == LeftBehind.ONE


def test_the_command_prints_the_classes_it_will_create_and_the_children_to_confirm(
    admin_user, tmp_path, school_class, capsys
):
    call_command("import_roster", str(xueji_roster(tmp_path / "学籍.xlsx")), "--dry-run")

    out = capsys.readouterr().out
    assert "将新建班级：三年级(4)班、五年级(3)班" in out
    assert "2人记为“单亲外出（待确认）”" in out
    assert not SchoolClass.objects.filter(grade=5).exists() and Pupil.objects.count() == 0


def test_a_failed_import_leaves_none_of_the_classes_it_created(admin_user, tmp_path, school_class):
    plan = plan_file(admin_user, xueji_roster(tmp_path / "学籍.xlsx"))
    # Someone opens 三年级(4)班 by hand between the preview and the end of the import.
    SchoolClass.objects.create(school=admin_user.school, grade=3, number=4)

    with pytest.raises(Exception, match="三年级\\(4\\)班在预览之后已由别人建立"):
        importing.roster_import_confirm(actor=admin_user, plan=plan, name="学籍.xlsx")

    assert not SchoolClass.objects.filter(grade=5).exists()
    assert SchoolClass.objects.filter(grade=3, number=4).count() == 1
    assert stored_rows()["Pupil"] == 0


@pytest.mark.parametrize(
    ("father", "mother", "recorded"),
    [
        ("广东省东莞市", "浙江省义乌市", LeftBehind.BOTH),
        ("广东省东莞市", "在家", LeftBehind.FATHER),
        ("无", "浙江省义乌市", LeftBehind.MOTHER),
    ],
)
def test_yes_is_read_from_the_parents_work_places(
    admin_user, tmp_path, school_class, father, mother, recorded
):
    path = xueji_roster(tmp_path / "是.xlsx", [("甲", "是", father, mother, "3(1)班", None)])
    [row] = plan_file(admin_user, path).rows
    assert row.status == NEW and row.data["pupil"]["left_behind"] == recorded


def test_yes_without_the_parents_work_places_asks_for_one_or_two(admin_user, tmp_path, classes):
    path = xueji_roster(tmp_path / "是.xlsx", [("甲", "是", "广东省东莞市", "", "3(1)班", None)])
    [row] = plan_file(admin_user, path).rows
    assert row.status == ERROR
    assert row.errors == [
        "是否留守儿童：“是”没有说明是单亲留守还是双亲留守，父母务工地也没有写明："
        "请填 1（单亲留守）或 2（双亲留守），或写明父亲、母亲的务工地。"
    ]


def test_a_roster_saying_only_one_parent_keeps_the_parent_the_archive_names(
    admin_user, tmp_path, school_class
):
    pupil = make_pupil(actor=admin_user, school_class=school_class, left_behind="mother")
    cells = pupil_row(身份证号=pupil.id_number, 学籍号=pupil.student_number, 留守情况="单亲外出")
    cells |= {"父亲务工地": "", "姓名": pupil.name, "父亲姓名": "王建国", "母亲姓名": "李秀英"}
    path = write_xlsx(tmp_path / "单亲.xlsx", table_rows([cells], ["姓名", "身份证号", "留守情况"]))

    plan = plan_file(admin_user, path)

    assert [row.status for row in plan.rows] == [UNCHANGED]
    assert plan.one_parent_counts == {"parents": 0, "to_confirm": 0, "kept": 1}


def test_a_choice_the_left_behind_column_cannot_read_lists_the_words_it_can(
    admin_user, tmp_path, classes
):
    path = write_xlsx(tmp_path / "坏.xlsx", table_rows([pupil_row(留守情况="偶尔")]))
    [row] = plan_file(admin_user, path).rows
    assert row.errors == [
        "留守情况：“偶尔”不是可选的值，应为：0、1、2（0 非留守，1 单亲留守，2 双亲留守），"
        "或非留守、单亲留守、双亲留守、单亲外出、双亲外出、父亲外出、母亲外出。"
    ]


# --- the child whose parent away is to confirm -----------------------------------------------


def test_a_child_to_confirm_is_left_behind_and_an_archive_for_the_class_teacher_to_complete(
    client, admin_user, class_teacher, tmp_path, school_class
):
    import_file(admin_user, xueji_roster(tmp_path / "学籍.xlsx", XUEJI_ROWS[3:4]))
    [child] = Pupil.objects.all()  # 张丁, 单亲外出 with neither parent's 务工地
    child.school_class = school_class
    child.save(update_fields=["school_class"])

    assert child.left_behind == LeftBehind.ONE
    assert "外出的是父亲还是母亲" in missing_items(child)
    assert headline_counts(Pupil.objects.all())["n_single"] == 1
    incomplete = pupil_list(user=class_teacher, filters={"left_behind": "any", "incomplete": "on"})
    assert list(incomplete) == [child]

    client.force_login(class_teacher)
    page = client.get(reverse("registry:pupil_detail", args=[child.pk])).content.decode()
    assert "单亲外出（待确认）" in page and "外出的是父亲还是母亲" in page
    card = client.get(reverse("registry:contact_card", args=[child.pk])).content.decode()
    assert "是否外出待确认" in card and "未外出务工" not in card


def test_the_class_teacher_completes_the_archive_by_saying_which_parent_is_away(
    admin_user, class_teacher, school_class
):
    child = make_pupil(actor=admin_user, school_class=school_class, left_behind=LeftBehind.ONE)
    assert missing_items(child) == ["外出的是父亲还是母亲"]
    services.archive_update(
        actor=class_teacher, pupil=child, data={"pupil": {"left_behind": LeftBehind.MOTHER}}
    )
    assert missing_items(child) == []


# --- every error of a row at once ------------------------------------------------------------


def three_bad_fields(**cells) -> dict:
    """A boy whose roster row has three mistakes: a gender word, a short phone, and a birth
    date that is not the one in his ID number."""
    return pupil_row(**{"性别": "男孩", "监护人电话": "1381234", "出生日期": "2017-03-13", **cells})


THREE_ERRORS = [
    "性别：“男孩”不是可选的值，应为：男、女。",
    "监护人电话：手机号应为以1开头的11位数字（现为7位）。",
    "出生日期：出生日期与身份证号中的出生日期（2017-03-12）不一致。",
]


def test_a_row_with_three_bad_fields_reports_all_three_on_its_row(admin_user, tmp_path, classes):
    path = write_xlsx(tmp_path / "错.xlsx", table_rows([three_bad_fields()]))
    [row] = plan_file(admin_user, path).rows
    assert (row.number, row.status) == (2, ERROR)
    assert sorted(row.errors) == sorted(THREE_ERRORS)


@pytest.mark.parametrize(
    ("cells", "also"),
    [
        ({"身份证号": "", "学籍号": ""}, "身份证号和学籍号至少要填一项，才能识别学生。"),
        ({"班级": ""}, "班级：新学生需填写班级。"),
        ({"出生日期": "2017-03-13"}, "出生日期：出生日期与身份证号中的出生日期"),
    ],
)
def test_a_bad_cell_does_not_hide_the_other_errors_of_its_row(
    admin_user, tmp_path, classes, cells, also
):
    path = write_xlsx(tmp_path / "错.xlsx", table_rows([pupil_row(监护人电话="1381234", **cells)]))
    [row] = plan_file(admin_user, path).rows
    assert any(also in error for error in row.errors), row.errors
    assert any(error.startswith("监护人电话：") for error in row.errors), row.errors


def test_the_preview_lists_every_error_of_a_row_and_nothing_is_written(
    client, admin_user, tmp_path, classes
):
    rows = [pupil_row(), three_bad_fields(身份证号=id_number("2017-03-12", 101), 学籍号="")]
    client.force_login(admin_user)
    response = upload(client, write_xlsx(tmp_path / "错.xlsx", table_rows(rows)))
    preview = client.get(response["Location"])

    page = preview.content.decode()
    assert "第 3 行" in page and all(error in page for error in THREE_ERRORS)
    assert "确认导入" not in page
    confirm = client.post(
        reverse("registry:roster_import_confirm", args=[preview.context["upload"].pk]),
        {"fingerprint": preview.context["plan"].fingerprint()},
    )
    assert confirm.status_code == 200 and stored_rows()["Pupil"] == 0


def test_the_command_names_every_error_of_a_row_and_writes_nothing(
    admin_user, tmp_path, classes, capsys
):
    bad = three_bad_fields(身份证号=id_number("2017-03-12", 101), 学籍号="")
    path = write_xlsx(tmp_path / "错.xlsx", table_rows([pupil_row(), bad]))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path))
    line = next(line for line in capsys.readouterr().out.splitlines() if "第3行" in line)
    assert all(error.rstrip("。") in line for error in THREE_ERRORS), line
    assert stored_rows()["Pupil"] == 0


def test_a_child_to_confirm_is_counted_among_the_one_parent_away_in_every_statistic(
    admin_user, principal, school_class
):
    for left_behind in ("both", "father", "one", "none"):
        make_pupil(actor=admin_user, school_class=school_class, left_behind=left_behind)

    totals = ledger_statistics(user=principal).totals.counts
    assert (totals["away"], totals["both"], totals["single"]) == (3, 1, 2)
    counts = headline_counts(Pupil.objects.all())
    assert (counts["n_away"], counts["n_both"], counts["n_single"]) == (3, 1, 2)
    single = pupil_list(user=principal, filters={"left_behind": "single"})
    assert sorted(pupil.left_behind for pupil in single) == ["father", "one"]


def test_the_preview_and_the_result_page_name_the_new_classes_and_the_children_to_confirm(
    client, admin_user, tmp_path, school_class
):
    client.force_login(admin_user)
    preview = client.get(upload(client, xueji_roster(tmp_path / "学籍.xlsx"))["Location"])
    page = preview.content.decode()
    assert "将新建班级：三年级(4)班、五年级(3)班" in page
    assert "2人记为“单亲外出（待确认）”，由班主任在档案中确认" in page
    assert not SchoolClass.objects.filter(grade=5).exists()

    confirm = client.post(
        reverse("registry:roster_import_confirm", args=[preview.context["upload"].pk]),
        {"fingerprint": preview.context["plan"].fingerprint()},
    )
    result = client.get(confirm["Location"]).content.decode()

    assert "新建班级：三年级(4)班、五年级(3)班" in result
    assert "2 名学生只知道单亲外出" in result and "?left_behind=one" in result
