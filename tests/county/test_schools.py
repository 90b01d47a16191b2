"""The installation's registrar creates townships, schools and their first administrators, and
the bureau's and 中心学校's readers; who holds which role; a county reader's read is logged on
the school it concerns."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from registry import services
from registry.models import AccessLog, Role, School, SchoolClass, SchoolYear, Term, Township, User
from tests.factories import SchoolFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Qingshan-Lu-8k2v"
REGISTRAR_PAGES = ("county:schools", "county:school_create", "county:township_create",
                   "county:reader_create")  # fmt: skip


@pytest.fixture
def registrar(db):
    return UserFactory(school=None, username="xitong", full_name="县管理员",
                       roles=[Role.SYSTEM_ADMIN])  # fmt: skip


@pytest.fixture
def baishui(db):
    return TownshipFactory(name="白水镇")


def school_form(**changes) -> dict:
    return {
        "name": "白水镇龙潭村小", "kind": "village", "code": "2143000123", "address": "龙潭村",
        "phone": "", "year_name": "2026—2027学年", "year_start": "2026-09-01",
        "year_end": "2027-08-31", "term1_start": "2026-09-01", "term1_end": "2027-01-17",
        "term2_start": "2027-02-16", "term2_end": "2027-07-05", "grades": "1-3",
        "classes": "1", "admin_username": "longtan", "admin_full_name": "龙老师",
        "admin_phone": "13800000001",
    } | changes  # fmt: skip


# --- who holds which role ---------------------------------------------------------------------


def test_a_schools_roles_need_a_school():
    user = User(username="x", roles=[Role.CLASS_TEACHER])

    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "school" in caught.value.message_dict


def test_the_township_role_needs_its_township(db):
    user = User(username="x", roles=[Role.TOWNSHIP])

    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "township" in caught.value.message_dict


def test_a_township_reader_who_teaches_must_teach_in_that_township(baishui):
    elsewhere = SchoolFactory(township=TownshipFactory(name="石门乡"))
    user = User(username="x", school=elsewhere, township=baishui,
                roles=[Role.TOWNSHIP, Role.PRINCIPAL])  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "township" in caught.value.message_dict


@pytest.mark.parametrize("role", [Role.BUREAU, Role.SYSTEM_ADMIN])
def test_the_bureau_and_the_registrar_need_no_school(db, role):
    User(username="x", roles=[role]).full_clean(exclude=["password"])


def test_the_central_schools_principal_may_read_the_township(baishui):
    central = SchoolFactory(township=baishui, kind=School.Kind.CENTRAL)
    User(username="x", school=central, township=baishui,
         roles=[Role.TOWNSHIP, Role.PRINCIPAL]).full_clean(exclude=["password"])  # fmt: skip


# --- the registrar's pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTRAR_PAGES)
def test_only_the_installations_registrar_opens_its_pages(client, registrar, name):
    school = SchoolFactory()
    others = [
        UserFactory(school=None, roles=[Role.BUREAU]),
        UserFactory(school=None, township=TownshipFactory(), roles=[Role.TOWNSHIP]),
        UserFactory(school=school, roles=[Role.ADMIN]),
        UserFactory(school=school, roles=[Role.PRINCIPAL]),
    ]
    for user in others:
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403, user.roles
        assert client.post(reverse(name), {}).status_code in (403, 405), user.roles
    client.force_login(registrar)
    assert client.get(reverse(name)).status_code == 200


def test_the_registrars_home_is_the_county_with_the_schools_page_in_the_menu(client, registrar):
    client.force_login(registrar)

    page = client.get(reverse("home"), follow=True).content.decode()

    assert reverse("county:schools") in page


def test_the_school_form_proposes_the_usual_calendar(client, registrar):
    client.force_login(registrar)

    form = client.get(reverse("county:school_create")).content.decode()

    assert "-09-01" in form and "-01-17" in form and "-07-05" in form


def test_the_registrar_creates_a_township(client, registrar):
    client.force_login(registrar)

    response = client.post(reverse("county:township_create"), {"name": "白水镇"})

    assert response.status_code == 302
    assert Township.objects.get().name == "白水镇"
    assert AccessLog.objects.filter(actor=registrar, action=AccessLog.Action.ACCOUNT).exists()


def test_a_township_of_the_same_name_is_refused_beside_the_field(client, registrar, baishui):
    client.force_login(registrar)

    page = client.post(reverse("county:township_create"), {"name": "白水镇"})

    assert page.status_code == 200 and Township.objects.count() == 1
    assert "已存在" in page.content.decode()


def test_the_registrar_creates_a_school_and_its_first_administrator(
    client, registrar, baishui, django_assert_max_num_queries
):
    client.force_login(registrar)

    page = client.post(reverse("county:school_create"), school_form(township=baishui.pk))

    assert page.status_code == 200
    school = School.objects.get(name="白水镇龙潭村小")
    assert (school.township, school.kind, school.code) == (baishui, "village", "2143000123")
    assert SchoolYear.objects.get(school=school).name == "2026—2027学年"
    assert Term.objects.filter(school_year__school=school).count() == 2
    assert SchoolClass.objects.filter(school=school).count() == 3
    admin = User.objects.get(username="longtan")
    assert (admin.school, admin.roles, admin.full_name, admin.phone) == (
        school, [Role.ADMIN], "龙老师", "13800000001",
    )  # fmt: skip
    assert admin.must_change_password
    # The slip shows the password once; it signs the administrator in.
    body = page.content.decode()
    password = body.split("data-slip-password>")[1].split("<")[0]
    assert admin.check_password(password) and "no-cache" in page["Cache-Control"]
    log = AccessLog.objects.get(school=school, action=AccessLog.Action.ACCOUNT)
    assert log.actor == registrar and "longtan" in log.detail


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"admin_username": "taken"}, "已存在"),
        ({"code": "12345"}, "10位数字"),
        ({"classes": "2,2"}, "3 个年级"),
        ({"grades": "六年级"}, "无法识别"),
        ({"term1_end": "2027-03-01"}, "第二学期在第一学期结束之后"),
        ({"name": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_answer_is_named_in_chinese_and_nothing_is_written(
    client, registrar, changes, field_text
):
    UserFactory(school=SchoolFactory(name="第一小学"), username="taken", roles=[Role.ADMIN])
    client.force_login(registrar)

    page = client.post(reverse("county:school_create"), school_form(**changes))

    assert page.status_code == 200
    assert field_text in page.content.decode()
    assert not School.objects.filter(name="白水镇龙潭村小").exists()
    assert not User.objects.filter(username="longtan").exists()
    assert SchoolYear.objects.count() == 0 and SchoolClass.objects.count() == 0


def test_the_registrar_creates_a_bureau_and_a_township_reader(client, registrar, baishui):
    client.force_login(registrar)

    bureau_slip = client.post(reverse("county:reader_create"), {
        "role": "bureau", "username": "jiaoyuju", "full_name": "教育局王科长"})  # fmt: skip
    township_slip = client.post(reverse("county:reader_create"), {
        "role": "township", "township": baishui.pk, "username": "baishui",
        "full_name": "白水镇学区"})  # fmt: skip

    bureau, township = User.objects.get(username="jiaoyuju"), User.objects.get(username="baishui")
    assert (bureau.roles, bureau.school, bureau.township) == ([Role.BUREAU], None, None)
    assert (township.roles, township.school, township.township) == (
        [Role.TOWNSHIP], None, baishui)  # fmt: skip
    assert bureau.must_change_password and township.must_change_password
    assert "jiaoyuju" in bureau_slip.content.decode()
    assert "baishui" in township_slip.content.decode()
    assert AccessLog.objects.filter(actor=registrar, action="account").count() == 2
    listing = client.get(reverse("county:schools")).content.decode()
    assert "教育局王科长" in listing and "白水镇学区" in listing


def test_a_township_reader_without_a_township_is_refused(client, registrar):
    client.force_login(registrar)

    page = client.post(reverse("county:reader_create"), {
        "role": "township", "username": "baishui", "full_name": "白水镇学区"})  # fmt: skip

    assert page.status_code == 200 and "须选择所属乡镇" in page.content.decode()
    assert not User.objects.filter(username="baishui").exists()


def test_the_schools_page_lists_townships_schools_and_readers_in_constant_queries(
    client, registrar, baishui, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            township = TownshipFactory(name=f"乡{n}{i}")
            SchoolFactory(name=f"学校{n}{i}", township=township)
            UserFactory(school=None, township=township, roles=[Role.TOWNSHIP])

    client.force_login(registrar)
    add(2)
    client.get(reverse("county:schools"))
    # Sign-in and menu, then townships, schools and readers: one query each.
    with django_assert_num_queries(6) as few:
        client.get(reverse("county:schools"))
    add(10)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(reverse("county:schools"))
    assert "学校109" in page.content.decode()


# --- the commands ----------------------------------------------------------------------------


def test_setup_school_starts_a_second_real_school_in_a_township(monkeypatch):
    monkeypatch.setenv("CARESYS_ADMIN_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("setup_school", "--no-input", "--name=白水镇中心小学", "--admin=liuli",
                 "--township=白水镇", "--kind=central", stdout=out)  # fmt: skip
    call_command("setup_school", "--no-input", "--name=白水镇龙潭村小", "--admin=longtan",
                 "--township=白水镇", "--kind=village", "--code=2143000123",
                 stdout=out)  # fmt: skip

    central, village = School.objects.order_by("pk")
    assert central.township == village.township == Township.objects.get(name="白水镇")
    assert (central.kind, village.kind, village.code) == ("central", "village", "2143000123")
    assert User.objects.get(username="longtan").school == village
    assert SchoolClass.objects.filter(school=village).count() == 6


def test_setup_school_refuses_an_unknown_kind(monkeypatch):
    monkeypatch.setenv("CARESYS_ADMIN_PASSWORD", PASSWORD)

    with pytest.raises(CommandError):
        call_command("setup_school", "--no-input", "--name=白水小学", "--admin=liuli",
                     "--kind=college", stdout=io.StringIO())  # fmt: skip
    assert not School.objects.exists()


def test_create_county_user_makes_a_township_reader_and_prints_the_password_once(baishui):
    out = io.StringIO()

    call_command("create_county_user", "baishui", "--name=白水镇学区", "--role=township",
                 "--township=白水镇", stdout=out)  # fmt: skip

    user = User.objects.get(username="baishui")
    password = out.getvalue().split("初始密码：")[1].split("（")[0]
    assert (user.roles, user.township, user.school) == ([Role.TOWNSHIP], baishui, None)
    assert user.check_password(password) and user.must_change_password


def test_create_county_user_refuses_a_township_reader_without_a_township(db):
    with pytest.raises(CommandError, match="乡镇"):
        call_command("create_county_user", "baishui", "--name=学区", "--role=township",
                     stdout=io.StringIO())  # fmt: skip
    assert not User.objects.exists()


# --- reads logged on the school they concern ------------------------------------------------


def test_a_county_readers_read_is_logged_on_the_school_and_shown_on_its_log(client, baishui):
    school = SchoolFactory(name="白水镇中心小学", township=baishui)
    admin = UserFactory(school=school, roles=[Role.ADMIN])
    reader = UserFactory(school=None, township=baishui, full_name="学区周主任",
                         roles=[Role.TOWNSHIP])  # fmt: skip

    services.log_access(actor=reader, action=AccessLog.Action.READ, detail="/county/x/",
                        school=school)  # fmt: skip

    row = AccessLog.objects.get(actor=reader)
    assert row.school == school
    client.force_login(admin)
    page = client.get(reverse("registry:access_log")).content.decode()
    assert '学区周主任 <small class="text-muted">（中心学校（学区））</small>' in page


def test_log_access_keeps_the_actors_school_by_default(db):
    school = SchoolFactory()
    admin = UserFactory(school=school, roles=[Role.ADMIN])

    services.log_access(actor=admin, action=AccessLog.Action.READ, detail="x")

    assert AccessLog.objects.get().school == school


# --- a school's registrar cannot give the county's roles -------------------------------------


def test_a_staff_list_cannot_give_a_county_role(admin_user):
    import io as _io

    from registry.resources import StaffResource, staff_dataset
    from tests.registry.test_staff_import import _csv

    rows = [["周敏", "13800000031", "系统管理员", ""], ["吴刚", "13800000032", "教育局", ""]]
    result = StaffResource(actor=admin_user).import_data(
        staff_dataset(_io.BytesIO(_csv(rows)), "教职工名册.csv"), dry_run=False
    )

    assert result.has_validation_errors() or result.has_errors()
    assert not User.objects.filter(full_name__in=["周敏", "吴刚"]).exists()


def test_the_settings_page_offers_only_the_schools_roles(client, admin_user, class_teacher):
    client.force_login(admin_user)
    url = reverse("admin:registry_user_change", args=[class_teacher.pk])

    form = client.get(url).content.decode()
    response = client.post(url, {
        "username": class_teacher.username, "full_name": class_teacher.full_name,
        "phone": "", "roles": [Role.CLASS_TEACHER, Role.BUREAU], "is_active": "on",
    })  # fmt: skip

    assert "班主任" in form and "教育局" not in form and "系统管理员" not in form
    assert response.status_code == 200
    class_teacher.refresh_from_db()
    assert class_teacher.roles == [Role.CLASS_TEACHER]


def test_the_settings_page_keeps_a_central_school_principals_township_role(
    client, admin_user, baishui
):
    admin_user.school.township = baishui
    admin_user.school.save()
    principal = UserFactory(school=admin_user.school, township=baishui,
                            roles=[Role.PRINCIPAL, Role.TOWNSHIP])  # fmt: skip
    client.force_login(admin_user)

    response = client.post(reverse("admin:registry_user_change", args=[principal.pk]), {
        "username": principal.username, "full_name": "新名字", "phone": "",
        "roles": [Role.PRINCIPAL], "is_active": "on",
    })  # fmt: skip

    assert response.status_code == 302
    principal.refresh_from_db()
    assert principal.full_name == "新名字"
    assert set(principal.roles) == {Role.PRINCIPAL, Role.TOWNSHIP}


def test_the_staff_service_refuses_a_county_role(admin_user, class_teacher):
    class_teacher.roles = [Role.CLASS_TEACHER, Role.SYSTEM_ADMIN]

    with pytest.raises(ValidationError) as refused:
        services.staff_account_update(actor=admin_user, user=class_teacher)
    assert "roles" in refused.value.message_dict


def test_log_access_each_writes_its_rows_on_the_school_read(baishui, admin_user, pupil):
    reader = UserFactory(school=None, roles=[Role.BUREAU])

    services.log_access_each(
        actor=reader, action=AccessLog.Action.READ, pupils=type(pupil).objects.all(),
        school=admin_user.school,
    )  # fmt: skip

    assert list(AccessLog.objects.filter(actor=reader).values_list("school", "pupil")) == [
        (admin_user.school_id, pupil.pk)
    ]
