"""The national layouts (issue 20): the civil-affairs form's fields in the archive, their
import, their masking, the 学籍 and 民政登记表 exports, and the two definitions reconciled."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from caresys.lib.identity import mask_id_number
from registry import selectors, services
from registry.models import AccessLog, Guardian, LeftBehind, Parent, Pupil
from registry.spreadsheets import blank
from registry.spreadsheets.exports import CivilAffairsExport, XuejiExport
from tests.factories import make_id_number, make_pupil
from tests.registry.test_import import (
    by_number,
    import_file,
    plan_file,
    pupil_row,
    table_rows,
    write_xlsx,
)
from tests.registry.test_views import archive_post_data

XUEJI = reverse("registry:xueji_xlsx")
CIVIL = reverse("registry:civil_affairs_xlsx")
STATISTICS = reverse("registry:statistics")
FATHER_ID = make_id_number(datetime.date(1988, 4, 2), "M")
MOTHER_ID = make_id_number(datetime.date(1990, 7, 15), "F")
GUARDIAN_ID = make_id_number(datetime.date(1958, 11, 3), "M")


@pytest.fixture(autouse=True)
def in_chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_dicts(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + datetime.timedelta(days=days)


def set_parent(pupil: Pupil, relation: str, **fields) -> None:
    Parent.objects.filter(pupil=pupil, relation=relation).update(**fields)


# --- the archive form ------------------------------------------------------------------------


def test_the_archive_form_saves_the_national_fields_with_their_history(client, admin_user, pupil):
    client.force_login(admin_user)
    data = archive_post_data(client, pupil) | {
        "pupil-ethnicity": "15",
        "pupil-hukou_place": "湖南省邵阳市青山镇青山村",
        "pupil-hukou_type": "rural",
        "pupil-hukou_registered": "yes",
        "pupil-disability": "hearing",
        "pupil-disability_grade": "3",
        "pupil-illness": "哮喘",
        "pupil-schooling": "in_school",
        "pupil-family_income": "wages",
        "pupil-assistance": ["dibao", "medical"],
        "pupil-guardianship_assessment": "fair",
        "pupil-committee_contact": "李主任",
        "pupil-committee_phone": "0739 8441 2345",
        "father-id_number": FATHER_ID.lower(),
        "mother-id_number": MOTHER_ID,
        "mother-cannot_guard": "on",
        "guardian-id_number": f" {GUARDIAN_ID} ",
        "guardian-birth_year": "1960",
    }

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302, [f.errors for f in response.context["forms"].values()]
    pupil.refresh_from_db()
    assert pupil.get_ethnicity_display() == "土家族"
    assert (pupil.hukou_type, pupil.disability, pupil.disability_grade) == ("rural", "hearing", "3")
    assert pupil.assistance == ["dibao", "medical"]
    assert pupil.guardianship_assessment == "fair"
    assert pupil.committee_phone == "073984412345"
    father = Parent.objects.get(pupil=pupil, relation="father")
    mother = Parent.objects.get(pupil=pupil, relation="mother")
    guardian = Guardian.objects.get(pupil=pupil)
    # Read from the ID numbers: the birth dates; the guardian's birth year follows his.
    assert (father.id_number, father.birth_date) == (FATHER_ID, datetime.date(1988, 4, 2))
    assert mother.cannot_guard and mother.birth_date == datetime.date(1990, 7, 15)
    assert (guardian.birth_date, guardian.birth_year) == (datetime.date(1958, 11, 3), 1958)
    changes = {c["field"]: c["new"] for c in pupil.revisions.first().changes}
    assert changes["救助帮扶"] == "低保、医疗救助"
    assert changes["母亲·无监护能力"] == "是"
    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    assert "土家族" in page and "低保、医疗救助" in page and "无监护能力" in page


def test_a_parents_birth_date_that_contradicts_the_id_number_is_refused(client, admin_user, pupil):
    client.force_login(admin_user)
    data = archive_post_data(client, pupil) | {
        "father-id_number": FATHER_ID,
        "father-birth_date": "1988-04-03",
        "pupil-disability_grade": "2",
    }

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "出生日期与身份证号中的出生日期（1988-04-02）不一致" in html
    assert "填写残疾等级时请同时填写残疾类别" in html
    assert not Parent.objects.filter(id_number=FATHER_ID).exists()


# --- masking ---------------------------------------------------------------------------------


def test_a_class_teacher_sees_the_parents_and_guardians_id_numbers_masked_and_reveals_are_logged(
    client, admin_user, class_teacher, pupil
):
    set_parent(pupil, "father", id_number=FATHER_ID)
    Guardian.objects.filter(pupil=pupil).update(id_number=GUARDIAN_ID)
    client.force_login(class_teacher)

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    form = client.get(reverse("registry:pupil_edit", args=[pupil.pk])).content.decode()
    revealed = client.post(
        reverse("registry:pupil_reveal", args=[pupil.pk]), {"field": "father.id_number"}
    )

    for html in (page, form):
        assert FATHER_ID not in html and GUARDIAN_ID not in html
        assert mask_id_number(FATHER_ID) in html and mask_id_number(GUARDIAN_ID) in html
    assert revealed.json() == {"value": FATHER_ID}
    assert AccessLog.objects.filter(
        actor=class_teacher, action=AccessLog.Action.REVEAL, detail="father.id_number"
    ).exists()
    client.force_login(admin_user)
    assert (
        FATHER_ID in client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    )


def test_a_class_teacher_saving_the_form_keeps_the_hidden_id_numbers(client, class_teacher, pupil):
    set_parent(pupil, "mother", id_number=MOTHER_ID)
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"pupil-illness": "贫血"}
    assert data["mother-id_number"] == ""

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302
    assert Parent.objects.get(pupil=pupil, relation="mother").id_number == MOTHER_ID


def test_the_history_masks_a_parents_id_number_for_a_class_teacher(client, class_teacher, pupil):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"father-id_number": FATHER_ID}
    client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    html = client.get(reverse("registry:pupil_history", args=[pupil.pk])).content.decode()

    assert FATHER_ID not in html and mask_id_number(FATHER_ID) in html


# --- the roster import -----------------------------------------------------------------------

NATIONAL_CELLS = {
    "民族": "苗",
    "户口所在地": "湖南省邵阳市青山镇",
    "户口性质": "农业",
    "是否登记户口": "是",
    "残疾类别": "肢体",
    "残疾等级": "二级",
    "患病情况": "先天性心脏病",
    "就学情况": "在校",
    "家庭经济来源": "务工",
    "享受救助": "低保、临时救助",
    "监护情况评估": "较好",
    "村委会联系人": "李主任",
    "村委会电话": "13912345678",
    "父亲身份证号": FATHER_ID,
    "母亲身份证号": MOTHER_ID,
    "母亲无监护能力": "是",
    "监护人身份证号": GUARDIAN_ID,
}


def test_a_roster_with_the_national_columns_fills_every_field(admin_user, tmp_path, school_class):
    path = write_xlsx(tmp_path / "名册.xlsx", table_rows([pupil_row(**NATIONAL_CELLS)]))

    plan = plan_file(admin_user, path)
    assert plan.ignored_headers == []
    assert not plan.has_errors, [row.errors for row in plan.rows]
    import_file(admin_user, path)

    pupil = Pupil.objects.get(name="王小明")
    assert pupil.ethnicity == "06"
    assert (pupil.hukou_place, pupil.hukou_type, pupil.hukou_registered) == (
        "湖南省邵阳市青山镇", "rural", "yes"
    )  # fmt: skip
    assert (pupil.disability, pupil.disability_grade, pupil.illness) == (
        "physical",
        "2",
        "先天性心脏病",
    )
    assert (pupil.schooling, pupil.family_income) == ("in_school", "wages")
    assert pupil.assistance == ["dibao", "temporary"]
    assert (pupil.guardianship_assessment, pupil.committee_contact, pupil.committee_phone) == (
        "good", "李主任", "13912345678"
    )  # fmt: skip
    parents = {parent.relation: parent for parent in pupil.parents.all()}
    assert parents["father"].id_number == FATHER_ID
    assert parents["mother"].cannot_guard and not parents["father"].cannot_guard
    assert pupil.guardian.id_number == GUARDIAN_ID and pupil.guardian.birth_year == 1958


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("民族", "火星族", "“火星族”不是可选的值，应为：56个民族之一"),
        ("户籍类型", "外籍", "“外籍”不是可选的值"),
        ("残疾类别", "轻微", "“轻微”不是可选的值"),
        ("残疾等级", "五级", "“五级”不是可选的值"),
        ("就学情况", "放假", "“放假”不是可选的值"),
        ("救助帮扶", "低保、教育救助", "“教育救助”不是可选的值，应为：低保、临时救助"),
        ("监护情况评估", "很好", "“很好”不是可选的值，应为：较好、一般、差"),
        ("村委会电话", "12345", "电话"),
        ("父亲身份证号", "430524198804021234", "身份证号校验位不正确"),
        ("监护人身份证号", "12345", "身份证号应为18位"),
        ("是否登记户口", "也许", "“也许”不是可选的值"),
    ],
)
def test_a_bad_national_value_is_reported_on_its_row_and_column_and_nothing_is_written(
    admin_user, tmp_path, school_class, header, value, message
):
    from tests.registry.test_import import zhao_row

    rows = [zhao_row(), pupil_row(**{header: value})]
    path = write_xlsx(tmp_path / "bad.xlsx", table_rows(rows, headers=list(rows[1])))

    plan = by_number(plan_file(admin_user, path))

    assert plan[2].status == "new"
    assert plan[3].status == "error"
    assert any(error.startswith(f"{header}：") and message in error for error in plan[3].errors), (
        plan[3].errors
    )
    with pytest.raises(ValidationError, match="名册中有错误的行，未导入"):
        import_file(admin_user, path)
    assert not Pupil.with_pending.filter(name="王小明").exists()


def test_the_blank_roster_offers_the_national_columns():
    headers = [cell.value for cell in blank.roster_template().active[1]]

    for header in ("民族", "户籍类型", "残疾类别", "救助帮扶", "监护情况评估", "父亲身份证号",
                   "母亲无监护能力", "监护人身份证号", "村委会电话"):  # fmt: skip
        assert header in headers
    saved = openpyxl.load_workbook(blank.TEMPLATE_PATH).active
    assert [cell.value for cell in saved[1]] == headers


# --- the exports -----------------------------------------------------------------------------


@pytest.fixture
def four_children(admin_user, school_class):
    """双亲, 父亲外出, 单亲（待确认）and 非留守, all rural and under 16."""
    made = {}
    for name, status, gender in (
        ("甲", LeftBehind.BOTH, "M"),
        ("乙", LeftBehind.FATHER, "F"),
        ("丙", LeftBehind.ONE, "M"),
        ("丁", LeftBehind.NONE, "F"),
    ):
        made[name] = make_pupil(
            actor=admin_user,
            school_class=school_class,
            name=name,
            gender=gender,
            left_behind=status,
            hukou_type="rural",
            ethnicity="01",
        )
    return made


def test_the_xueji_export_codes_each_pupil_0_1_or_2(client, admin_user, four_children):
    client.force_login(admin_user)

    rows = workbook_rows(client.get(XUEJI))

    assert rows[0] == [
        "学籍号", "姓名", "性别", "出生日期", "身份证号", "民族", "学校", "班级",
        "户口性质", "户籍所在地", "是否留守儿童", "留守情况",
    ]  # fmt: skip
    codes = {row["姓名"]: row["是否留守儿童"] for row in as_dicts(rows)}
    assert codes == {"甲": "2", "乙": "1", "丙": "1", "丁": "0"}
    first = as_dicts(rows)[0]
    assert first["民族"] == "汉族" and first["户口性质"] == "农业户口"
    # Masked for the registrar too: the whole numbers ask for a reason (national_export_unmasked).
    assert first["身份证号"] == mask_id_number(four_children[first["姓名"]].id_number)


def test_the_principal_gets_the_xueji_export_with_numbers_masked(client, principal, four_children):
    client.force_login(principal)

    rows = as_dicts(workbook_rows(client.get(XUEJI)))

    for row in rows:
        pupil = four_children[row["姓名"]]
        assert row["身份证号"] == mask_id_number(pupil.id_number)
        assert row["学籍号"] == mask_id_number(pupil.student_number)


def test_the_civil_affairs_export_lists_only_the_children_its_definition_counts(
    client, admin_user, school_class, four_children
):
    set_parent(four_children["乙"], "mother", cannot_guard=True)  # father away, mother cannot
    make_pupil(actor=admin_user, school_class=school_class, name="戊", hukou_type="non_rural")
    make_pupil(actor=admin_user, school_class=school_class, name="己", hukou_type="rural",
               birth_date=years_ago(16))  # 16 today  # fmt: skip
    make_pupil(actor=admin_user, school_class=school_class, name="庚", hukou_type="rural",
               birth_date=years_ago(16, days=1))  # 16 tomorrow  # fmt: skip
    make_pupil(actor=admin_user, school_class=school_class, name="辛", hukou_type="")
    client.force_login(admin_user)

    rows = workbook_rows(client.get(CIVIL))

    header = rows[0]
    for column in ("姓名", "身份证号", "民族", "户籍所在地", "户籍类型", "是否登记户口", "残疾类别",
                   "残疾等级", "患病情况", "就学情况", "留守类型", "父亲身份证号", "父亲出生日期",
                   "母亲无监护能力", "监护人身份证号", "监护人出生日期", "监护情况评估",
                   "家庭经济来源", "救助帮扶", "村（居）委会联系人",
                   "村（居）委会联系电话"):  # fmt: skip
        assert column in header
    listed = {row["姓名"]: row for row in as_dicts(rows)}
    assert set(listed) == {"甲", "乙", "庚"}
    assert listed["甲"]["留守类型"] == "父母均外出务工"
    assert listed["乙"]["留守类型"] == "一方外出务工、另一方无监护能力"
    assert listed["乙"]["母亲无监护能力"] == "是" and listed["乙"]["父亲外出务工"] == "是"


def test_a_civil_affairs_export_is_logged_against_each_child_in_it(
    client, principal, four_children
):
    client.force_login(principal)

    workbook_rows(client.get(CIVIL))

    logs = AccessLog.objects.filter(actor=principal, action=AccessLog.Action.EXPORT)
    assert {log.pupil_id for log in logs} == {four_children["甲"].pk}
    assert logs.first().detail == "导出农村留守儿童信息登记表（已遮蔽）"


def test_the_exports_take_a_queryset_of_pupils_from_any_school(admin_user, four_children):
    """A county export passes pupils across schools: the functions take any queryset."""
    pupils = Pupil.objects.filter(pk__in=[four_children["甲"].pk, four_children["丁"].pk])
    out = io.BytesIO()

    CivilAffairsExport(user=admin_user, pupils=pupils, masked=True).save(out)
    XuejiExport(user=admin_user, pupils=pupils, masked=True).save(io.BytesIO())

    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["甲"]


# --- the two definitions ---------------------------------------------------------------------


def test_the_school_count_less_each_exclusion_is_the_civil_affairs_count(
    django_assert_num_queries, admin_user, school_class, four_children
):
    set_parent(four_children["丙"], "father", cannot_guard=True)  # 单亲（待确认）, one cannot
    for name, fields in (
        ("戊", {"hukou_type": "non_rural"}),
        ("己", {"hukou_type": "resident"}),
        ("庚", {"hukou_type": ""}),
        ("辛", {"hukou_type": "rural", "birth_date": years_ago(16)}),
        ("壬", {"hukou_type": "rural", "left_behind": LeftBehind.MOTHER}),
    ):
        make_pupil(actor=admin_user, school_class=school_class, name=name, **fields)
    Pupil.objects.filter(name="庚").update(birth_date=None)  # and no date of birth either
    pupils = Pupil.objects.filter(school=admin_user.school)

    with django_assert_num_queries(1):
        counted = selectors.left_behind_definitions(pupils=pupils)

    gaps = {gap.key: gap.count for gap in counted.gaps}
    assert counted.school == 8  # all but 丁
    assert gaps == {
        "one_parent": 2,  # 乙, 壬
        "aged_16": 1,  # 辛
        "no_birth_date": 1,  # 庚
        "not_rural": 2,  # 戊, 己
        "no_hukou_type": 0,
    }
    assert counted.civil_affairs == 2  # 甲, 丙
    assert counted.adds_up
    assert counted.civil_affairs == pupils.civil_affairs(timezone.localdate()).count()


def test_the_principal_sees_both_definitions_side_by_side_on_the_statistics_page(
    client, principal, class_teacher, four_children
):
    client.force_login(principal)
    html = client.get(STATISTICS).content.decode()

    assert "两种口径对照" in html
    assert "单亲外出且另一方有监护能力" in html
    assert XUEJI in html and CIVIL in html
    client.force_login(class_teacher)
    assert "两种口径对照" not in client.get(STATISTICS).content.decode()


# The statistics page: 4 queries before issue 20; the principal's 口径 panel adds one aggregate.
@pytest.mark.parametrize(("role", "expected"), [("principal", 5), ("class_teacher", 4)])
def test_the_statistics_page_costs_the_same_queries_for_four_pupils_or_fourteen(
    client, django_assert_num_queries, users_by_role, admin_user, school_class, four_children,
    role, expected,
):  # fmt: skip
    client.force_login(users_by_role[role])
    with django_assert_num_queries(expected):
        client.get(STATISTICS)
    for n in range(10):
        make_pupil(actor=admin_user, school_class=school_class, name=f"子{n}", hukou_type="rural")

    with django_assert_num_queries(expected):
        assert client.get(STATISTICS).status_code == 200


def test_services_keep_the_birth_year_of_a_guardian_without_a_birth_date(admin_user, pupil):
    services.archive_update(actor=admin_user, pupil=pupil, data={"guardian": {"birth_year": 1961}})

    assert Guardian.objects.get(pupil=pupil).birth_year == 1961


def test_scrubbing_a_leaver_clears_the_national_fields_and_the_parents_numbers(
    admin_user, school_class
):
    leaver = make_pupil(
        actor=admin_user, school_class=school_class, ethnicity="13", illness="癫痫",
        disability="mental", disability_grade="2", assistance=["dibao"], hukou_type="rural",
        hukou_place="青山镇", committee_contact="李主任", committee_phone="13912345678",
    )  # fmt: skip
    set_parent(leaver, "father", id_number=FATHER_ID, birth_date=datetime.date(1988, 4, 2))
    Guardian.objects.filter(pupil=leaver).update(
        id_number=GUARDIAN_ID, birth_date=datetime.date(1958, 11, 3)
    )
    services.pupil_status_change(actor=admin_user, pupil=leaver, status=Pupil.Status.LEFT)

    assert services.pupil_scrub(pupil=leaver)

    leaver.refresh_from_db()
    assert (leaver.ethnicity, leaver.illness, leaver.disability, leaver.assistance) == (
        "", "", "", []
    )  # fmt: skip
    assert (leaver.hukou_place, leaver.committee_contact, leaver.committee_phone) == ("", "", "")
    assert leaver.hukou_type == "rural"  # what is counted stays
    father = Parent.objects.get(pupil=leaver, relation="father")
    assert (father.id_number, father.birth_date) == ("", None)
    guardian = Guardian.objects.get(pupil=leaver)
    assert (guardian.id_number, guardian.birth_date) == ("", None)


# --- 就学情况 and the 辍学 category ------------------------------------------------------------


def test_choosing_schooling_dropped_out_ticks_the_dropout_category_in_the_history(
    client, admin_user, pupil
):
    client.force_login(admin_user)
    data = archive_post_data(client, pupil) | {"pupil-schooling": "dropped_out"}
    data.pop("pupil-is_dropout", None)

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302
    pupil.refresh_from_db()
    assert (pupil.schooling, pupil.is_dropout) == ("dropped_out", True)
    changes = {c["field"]: c["new"] for c in pupil.revisions.first().changes}
    assert changes["义务教育阶段辍学"] == "是"


def test_ticking_dropout_for_a_child_in_school_is_refused_beside_the_tick(
    client, admin_user, pupil
):
    client.force_login(admin_user)
    data = archive_post_data(client, pupil) | {
        "pupil-is_dropout": "on",
        "pupil-schooling": "in_school",
    }

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 200
    [message] = response.context["forms"]["pupil"].errors["is_dropout"]
    assert message.startswith("已勾选“义务教育阶段辍学”，但就学情况为“在校”")
    assert message in response.content.decode()
    pupil.refresh_from_db()
    assert not pupil.is_dropout


def test_a_roster_row_ticking_dropout_for_a_child_in_school_is_refused_on_its_row(
    admin_user, tmp_path, school_class
):
    rows = [pupil_row(**{"义务教育阶段辍学": "是", "就学情况": "在校"})]
    path = write_xlsx(tmp_path / "名册.xlsx", table_rows(rows, headers=list(rows[0])))

    plan = by_number(plan_file(admin_user, path))

    [row] = plan.values()
    assert row.status == "error"
    assert any(
        error.startswith("义务教育阶段辍学：") and "就学情况为“在校”" in error
        for error in row.errors
    ), row.errors


def test_a_roster_row_with_schooling_dropped_out_imports_as_a_dropout(
    admin_user, tmp_path, school_class
):
    rows = [pupil_row(**{"就学情况": "辍学"})]
    path = write_xlsx(tmp_path / "名册.xlsx", table_rows(rows, headers=list(rows[0])))

    plan = plan_file(admin_user, path)
    assert not plan.has_errors, [row.errors for row in plan.rows]
    import_file(admin_user, path)

    pupil = Pupil.objects.get(name="王小明")
    assert (pupil.schooling, pupil.is_dropout) == ("dropped_out", True)


def test_the_migration_says_dropped_out_for_a_dropout_given_in_school_by_default(pupil):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("registry.migrations.0016_dropout_schooling_agree")
    Pupil.objects.filter(pk=pupil.pk).update(is_dropout=True, schooling="in_school")

    migration.dropouts_out_of_school(apps, None)

    pupil.refresh_from_db()
    assert (pupil.is_dropout, pupil.schooling) == (True, "dropped_out")


# --- whole numbers, with a reason ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sheet"),
    [("xueji_unmasked", "学籍留守儿童信息"), ("civil_affairs_unmasked", "农村留守儿童信息登记表")],
)
def test_the_registrar_gets_whole_numbers_in_a_national_layout_only_with_a_reason_logged(
    client, admin_user, four_children, name, sheet
):
    client.force_login(admin_user)
    url = reverse(f"registry:{name}")

    asked = client.get(url)
    refused = client.post(url, {"reason": "  "})
    response = client.post(url, {"reason": "报送民政局核对"})

    assert asked.status_code == 200 and "导出理由" in asked.content.decode()
    assert refused.status_code == 200
    assert "请填写导出完整号码的理由。" in refused.content.decode()
    rows = as_dicts(workbook_rows(response))
    child = four_children["甲"]
    assert next(row for row in rows if row["姓名"] == "甲")["身份证号"] == child.id_number
    logs = AccessLog.objects.filter(actor=admin_user, action=AccessLog.Action.EXPORT)
    assert {log.detail for log in logs} == {f"导出{sheet}（完整号码），理由：报送民政局核对"}
    assert child.pk in {log.pupil_id for log in logs}


def test_the_statistics_page_offers_whole_numbers_to_the_registrar_only(
    client, admin_user, principal, four_children
):
    whole = reverse("registry:xueji_unmasked")
    client.force_login(admin_user)
    assert whole in client.get(STATISTICS).content.decode()
    client.force_login(principal)
    assert whole not in client.get(STATISTICS).content.decode()
