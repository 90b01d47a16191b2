"""Staff accounts from the staff list (教职工名册): the settings pages' import and export and
`manage.py import_staff`, the slips with the initial passwords, the first sign-in."""

import io
import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.models import SCHOOL_ROLES, AccessLog, Role, SchoolClass, User
from tests.factories import UserFactory

IMPORT_URL = reverse("admin:registry_user_import")
CONFIRM_URL = reverse("admin:registry_user_process_import")
EXPORT_URL = reverse("admin:registry_user_export")

HEADER = ["姓名", "手机号", "角色", "任班主任班级"]
ROWS = [
    ["张伟", "13800000001", "班主任", "三年级(1)班"],
    ["王芳", "13800000002", "班主任、帮扶教师", "5(3)班"],
    ["李娜", "", "心理老师", ""],
    ["张伟", "13800000009", "帮扶教师 校长", ""],
]


def _csv(rows, header=HEADER, encoding="utf-8") -> bytes:
    lines = [",".join(f'"{cell}"' for cell in row) for row in [header, *rows]]
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["青山镇中心小学教职工名册"])  # a title line above the header
    sheet.append(header)
    for row in rows:
        # Excel keeps a phone typed without care as a number.
        sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FILES = {
    "xlsx": ("教职工名册.xlsx", lambda rows: _xlsx(rows)),
    "csv-utf8": ("教职工名册.csv", lambda rows: _csv(rows)),
    "csv-utf8-bom": ("教职工名册.csv", lambda rows: _csv(rows, encoding="utf-8-sig")),
    "csv-gbk": ("教职工名册.csv", lambda rows: _csv(rows, encoding="gbk")),
}


def _preview(client, content: bytes, name: str = "教职工名册.csv"):
    return client.post(
        IMPORT_URL, {"import_file": SimpleUploadedFile(name, content), "resource": "0"}
    )


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(CONFIRM_URL, {**form.initial, "confirm": "确认导入"})


def _import(client, content: bytes, name: str = "教职工名册.csv"):
    preview = _preview(client, content, name)
    assert preview.context.get("confirm_form") is not None, preview.content.decode()
    return _confirm(client, preview)


def _pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def registrar_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("kind", FILES)
def test_the_registrar_imports_a_staff_list_as_xlsx_or_csv_in_utf8_or_gbk(
    registrar_client, school, kind
):
    name, build = FILES[kind]

    preview = _preview(registrar_client, build(ROWS), name)

    page = preview.content.decode()
    assert "预览：新建 4 人，修改 0 人，无变化 0 人" in page
    assert not User.objects.filter(full_name="王芳").exists()  # the preview writes nothing
    response = _confirm(registrar_client, preview)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    teachers = {u.username: u for u in User.objects.filter(full_name__in=["张伟", "王芳", "李娜"])}
    assert sorted(teachers) == ["lina", "wangfang", "zhangwei", "zhangwei2"]
    assert teachers["wangfang"].school == school
    assert teachers["zhangwei"].phone == "13800000001"  # the number Excel stored as a number


def test_usernames_are_the_pinyin_of_the_name_made_unique_across_the_installation(
    registrar_client,
):
    UserFactory(username="zhangwei", full_name="张伟")  # another school's 张伟

    _import(registrar_client, _csv(ROWS))

    usernames = sorted(
        User.objects.filter(phone__startswith="138").values_list("username", flat=True)
    )
    assert usernames == ["wangfang", "zhangwei2", "zhangwei3"]


def test_several_roles_in_one_cell_are_combined(registrar_client):
    _import(registrar_client, _csv(ROWS))

    assert User.objects.get(username="wangfang").roles == [Role.CLASS_TEACHER, Role.PAIR_TEACHER]
    assert User.objects.get(username="zhangwei2").roles == [Role.PRINCIPAL, Role.PAIR_TEACHER]


def test_head_teachers_get_their_classes_and_classes_not_yet_there_are_created(
    registrar_client, school, school_class, class_teacher
):
    preview = _preview(registrar_client, _csv(ROWS))
    assert "新建班级：五年级(3)班" in preview.content.decode()

    _confirm(registrar_client, preview)

    school_class.refresh_from_db()
    assert school_class.head_teacher.full_name == "张伟"  # 三年级(1)班 changed hands
    created = SchoolClass.objects.get(school=school, grade=5, number=3)
    assert created.head_teacher.username == "wangfang"


def test_a_second_import_updates_without_duplicates_and_lists_teachers_missing_from_it(
    registrar_client, class_teacher
):
    _import(registrar_client, _csv(ROWS))
    count = User.objects.count()
    password = User.objects.get(username="lina").password
    second = [
        ["张伟", "13800000001", "班主任", "三年级(1)班"],  # unchanged
        ["王芳", "13800000022", "班主任", ""],  # found by name: new phone, fewer roles
        ["李娜", "13800000003", "心理老师、帮扶教师", ""],  # found by name
    ]

    preview = _preview(registrar_client, _csv(second))

    page = preview.content.decode()
    assert "预览：新建 0 人，修改 2 人，无变化 1 人" in page
    assert "名册中没有以下教师，如已离校请走离校流程" in page
    missing = preview.context["result"].missing_staff
    assert {user.username for user in missing} >= {"zhangwei2", class_teacher.username}
    assert reverse("pairing:teacher_leave", args=[class_teacher.pk]) in page
    response = _confirm(registrar_client, preview)
    assert response.status_code == 302  # no new account, so no slips
    assert User.objects.count() == count
    fang = User.objects.get(username="wangfang")
    assert (fang.phone, fang.roles) == ("13800000022", [Role.CLASS_TEACHER])
    lina = User.objects.get(username="lina")
    assert lina.password == password  # a known teacher's password is never reset
    assert User.objects.get(username="zhangwei2").is_active  # missing, not deactivated


def test_bad_rows_are_named_by_their_row_number_with_every_error_of_the_row_and_nothing_is_written(
    registrar_client, school
):
    rows = [
        ["赵六", "13800000011", "班主任", "五年级(9)班"],
        ["钱七", "12345", "厨师", "三年级X班"],
        ["", "13800000013", "班主任", ""],
    ]
    count = User.objects.count()

    preview = _preview(registrar_client, _xlsx(rows), "教职工名册.xlsx")

    assert preview.context.get("confirm_form") is None
    invalid = {row.number: row.error_dict for row in preview.context["result"].invalid_rows}
    # The sheet's own numbers: a title line, the header, then the rows from line 3.
    assert sorted(invalid) == [4, 5]
    assert set(invalid[4]) == {"手机号", "角色", "任班主任班级"}
    assert "可选：管理员、校长、班主任、帮扶教师、心理老师" in invalid[4]["角色"][0]
    assert invalid[5] == {"姓名": ["请填写姓名。"]}
    page = preview.content.decode()
    assert "第4行" in page and "第5行" in page
    assert User.objects.count() == count
    assert not SchoolClass.objects.filter(school=school, grade=5, number=9).exists()


def test_a_list_without_a_roles_column_is_refused_in_chinese(registrar_client):
    preview = _preview(registrar_client, _csv([["张伟"]], header=["姓名"]))

    assert "表中没有“角色”列" in preview.content.decode()
    assert preview.context.get("confirm_form") is None


def test_the_blank_templates_example_rows_are_refused(registrar_client, settings):
    template = settings.BASE_DIR / "fixtures" / "教职工名册模板.xlsx"

    preview = _preview(registrar_client, template.read_bytes(), template.name)

    assert "这是模板中的示例行，请删除后再导入。" in preview.content.decode()


def test_the_blank_template_has_the_header_a_text_phone_column_and_the_allowed_roles(
    registrar_client,
):
    response = registrar_client.get(reverse("admin:registry_user_import_template"))

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet, choices = workbook.worksheets
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["B10"].number_format == "@"
    # The school's roles; the county's are not the school registrar's to give.
    rows = choices.iter_rows(min_row=2, max_row=1 + len(SCHOOL_ROLES))
    assert [row[0].value for row in rows] == [str(role.label) for role in SCHOOL_ROLES]
    page = registrar_client.get(IMPORT_URL).content.decode()
    assert reverse("admin:registry_user_import_template") in page


def test_passwords_are_stored_hashed_and_the_slips_carry_names_usernames_and_passwords(
    registrar_client, school
):
    response = _import(registrar_client, _csv(ROWS))

    assert response["Content-Disposition"].startswith("attachment;")
    text = _pdf_text(response.content)
    assert "账号通知单" in text and school.name in text and "首次登录后须修改密码" in text
    for username in ("zhangwei", "wangfang", "lina", "zhangwei2"):
        user = User.objects.get(username=username)
        assert user.full_name in text and username in text
        password = re.search(rf"{username}\s+初始密码\s+(\S+)", text).group(1)
        assert user.password != password and user.password.startswith("md5$")
        assert user.check_password(password)
        assert user.must_change_password
    assert AccessLog.objects.filter(
        action=AccessLog.Action.ACCOUNT, detail__startswith="导入教职工名册：新建4人"
    ).exists()


def test_an_export_escapes_what_would_run_as_a_formula(registrar_client, school):
    UserFactory(school=school, full_name='=HYPERLINK("http://x")', phone="13800000005")

    xlsx = registrar_client.post(EXPORT_URL, {"format": "0", "resource": "0"})
    csv = registrar_client.post(EXPORT_URL, {"format": "1", "resource": "0"})

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = next(c for row in sheet.iter_rows(min_row=2) for c in row if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.quotePrefix
    assert "'=HYPERLINK" in csv.content.decode("utf-8-sig")


@pytest.mark.parametrize("role", ["principal", "class_teacher", "counsellor"])
def test_only_the_registrar_reaches_the_staff_import_and_export(client, users_by_role, role):
    client.force_login(users_by_role[role])
    count = User.objects.count()

    for url in (IMPORT_URL, EXPORT_URL, reverse("admin:registry_user_import_template")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    posted = _preview(client, _csv(ROWS))

    assert posted.status_code == 302
    assert User.objects.count() == count


def test_the_registrar_resets_one_teachers_initial_password_and_gets_their_slip(
    registrar_client, class_teacher
):
    response = registrar_client.post(
        reverse("admin:registry_user_changelist"),
        {"action": "reset_initial_password", "_selected_action": [class_teacher.pk]},
    )

    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    password = re.search(r"初始密码\s+(\S+)", text).group(1)
    class_teacher.refresh_from_db()
    assert class_teacher.check_password(password) and class_teacher.must_change_password


def test_the_first_sign_in_goes_to_the_password_change_until_it_is_changed(
    client, registrar_client, school_class
):
    slips = _pdf_text(_import(registrar_client, _csv(ROWS)).content)
    password = re.search(r"zhangwei\s+初始密码\s+(\S+)", slips).group(1)
    registrar_client.logout()

    client.post(reverse("login"), {"username": "zhangwei", "password": password})
    for url in ("/", reverse("registry:pupil_list"), reverse("registry:class_list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert "你正在使用学校发的初始密码" in page.content.decode()
    new = "Qingshan-river-7412"
    changed = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )

    assert changed.status_code == 302
    assert client.get(reverse("registry:class_list")).status_code == 200
    user = User.objects.get(username="zhangwei")
    assert not user.must_change_password and user.check_password(new)


def test_import_staff_command_prints_the_rows_writes_nothing_on_a_dry_run_then_the_slips(
    admin_user, school_class, tmp_path, capsys
):
    source = tmp_path / "教职工名册.csv"
    source.write_bytes(_csv(ROWS, encoding="gbk"))
    count = User.objects.count()

    call_command("import_staff", str(source), "--dry-run")

    out = capsys.readouterr().out
    assert "第2行 新建：张伟（zhangwei）" in out and "未写入（试运行）" in out
    assert "新建 4、修改 0、无变化 0、错误 0" in out
    assert User.objects.count() == count
    call_command("import_staff", str(source), "--site", "https://caresys.example/")
    out = capsys.readouterr().out
    slips = tmp_path / "账号通知单.pdf"
    assert "请打印后发给本人，然后删除这个文件" in out
    assert "王芳" in _pdf_text(slips.read_bytes())
    assert User.objects.count() == count + 4


def test_import_staff_command_names_bad_rows_and_writes_nothing(admin_user, tmp_path, capsys):
    source = tmp_path / "教职工名册.csv"
    source.write_bytes(_csv([["赵六", "13800000011", "班主任、厨师", ""]]))
    count = User.objects.count()

    with pytest.raises(CommandError):
        call_command("import_staff", str(source))

    assert "第2行 错误：角色：角色“厨师”无法识别" in capsys.readouterr().out
    assert User.objects.count() == count
    assert not (tmp_path / "账号通知单.pdf").exists()


def test_a_registrar_cannot_take_the_last_registrars_role_away_by_import(
    registrar_client, admin_user
):
    admin_user.full_name, admin_user.phone = "刘主任", "13800000077"
    admin_user.save()

    preview = _preview(registrar_client, _csv([["刘主任", "13800000077", "校长", ""]]))

    assert preview.context.get("confirm_form") is None
    assert "唯一在用的管理员账号" in preview.content.decode()


def test_an_empty_phone_cell_keeps_the_phone_a_known_teacher_has(registrar_client, school):
    teacher = UserFactory(
        school=school, full_name="沈秀", phone="18729488324", roles=["pair_teacher"]
    )

    preview = _preview(registrar_client, _csv([["沈秀", "", "帮扶教师", ""]]))

    assert "预览：新建 0 人，修改 0 人，无变化 1 人" in preview.content.decode()
    _confirm(registrar_client, preview)
    teacher.refresh_from_db()
    assert teacher.phone == "18729488324"


def test_when_the_slips_cannot_be_made_no_account_is_created(admin_user, tmp_path, monkeypatch):
    import registry.management.commands.import_staff as command

    def broken(**kwargs):
        raise RuntimeError("no PDF today")

    monkeypatch.setattr(command, "slips_pdf", broken)
    path = tmp_path / "staff.csv"
    path.write_text("姓名,手机号,角色\n周敏,13807310009,帮扶教师\n", encoding="utf-8")

    with pytest.raises(RuntimeError):
        call_command(
            "import_staff", str(path), slips=str(tmp_path / "slips.pdf"), stdout=io.StringIO()
        )

    assert not User.objects.filter(full_name="周敏").exists()


def test_when_the_slips_cannot_be_made_on_the_settings_page_no_account_is_created(
    registrar_client, monkeypatch
):
    import registry.admin

    def broken(**kwargs):
        raise RuntimeError("no PDF today")

    preview = _preview(registrar_client, _csv([["周敏", "13807310009", "帮扶教师", ""]]))
    monkeypatch.setattr(registry.admin, "slips_pdf", broken)
    registrar_client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        _confirm(registrar_client, preview)

    assert not User.objects.filter(full_name="周敏").exists()
