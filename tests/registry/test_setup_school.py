"""Starting a real school on a fresh installation with setup_school."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from registry.models import AccessLog, Pupil, Role, School, SchoolClass, SchoolYear, Term, User

pytestmark = pytest.mark.django_db

PASSWORD = "Qingshan-Lu-8k2v"


def setup(*args: str, **env) -> str:
    out = io.StringIO()
    call_command("setup_school", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def admin_password(monkeypatch):
    monkeypatch.setenv("CARESYS_ADMIN_PASSWORD", PASSWORD)


def test_a_script_starts_a_school_with_its_terms_classes_and_first_registrar(admin_password):
    out = setup(
        "--no-input",
        "--name=白水镇中心小学",
        "--address=湖南省隆回县白水镇",
        "--year=2026",
        "--grades=1-6",
        "--classes=2,2,1,1,1,1",
        "--admin=liuli",
        "--admin-name=刘丽",
    )

    school = School.objects.get()
    assert (school.name, school.address, school.is_demo) == (
        "白水镇中心小学",
        "湖南省隆回县白水镇",
        False,
    )
    year = SchoolYear.objects.get(school=school)
    assert (year.name, year.start_date, year.end_date) == (
        "2026—2027学年",
        datetime.date(2026, 9, 1),
        datetime.date(2027, 8, 31),
    )
    terms = list(Term.objects.filter(school_year=year).order_by("number"))
    assert [(t.start_date, t.end_date) for t in terms] == [
        (datetime.date(2026, 9, 1), datetime.date(2027, 1, 17)),
        (datetime.date(2027, 2, 16), datetime.date(2027, 7, 5)),
    ]
    assert sorted(SchoolClass.objects.values_list("grade", "number")) == [
        (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (4, 1), (5, 1), (6, 1),
    ]  # fmt: skip
    admin = User.objects.get()
    assert (admin.username, admin.full_name, admin.roles, admin.school) == (
        "liuli", "刘丽", [Role.ADMIN], school,
    )  # fmt: skip
    assert admin.check_password(PASSWORD)
    assert "已建立学校「白水镇中心小学」" in out and "import_staff" in out


def test_the_registrar_signs_in_and_reaches_the_settings_pages(client, admin_password):
    setup("--no-input", "--name=白水小学", "--admin=liuli")

    signed_in = client.post(reverse("login"), {"username": "liuli", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/admin/registry/schoolclass/").status_code == 200
    assert client.get("/registry/pupils/").status_code == 200


def test_term_dates_can_be_given(admin_password):
    setup(
        "--no-input", "--name=白水小学", "--admin=liuli", "--year=2026",
        "--term1=2026-08-31:2027-01-22", "--term2=2027-02-24:2027-07-09",
    )  # fmt: skip

    assert list(Term.objects.order_by("number").values_list("start_date", "end_date")) == [
        (datetime.date(2026, 8, 31), datetime.date(2027, 1, 22)),
        (datetime.date(2027, 2, 24), datetime.date(2027, 7, 9)),
    ]


def test_without_a_password_in_the_environment_a_script_is_refused(monkeypatch):
    monkeypatch.delenv("CARESYS_ADMIN_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="CARESYS_ADMIN_PASSWORD"):
        setup("--no-input", "--name=白水小学", "--admin=liuli")
    assert not School.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--term1=2026-09-01:2027-03-01"], "第二学期在第一学期结束之后"),
        (["--term2=2027-09-01:2027-09-30"], "学年之内"),
        (["--grades=1-6", "--classes=2,2"], "6 个年级"),
        (["--grades=六年级"], "无法识别"),
        (["--phone=12"], "电话"),
    ],
)
def test_bad_answers_are_named_and_nothing_is_written(admin_password, args, message):
    with pytest.raises(CommandError, match=message):
        setup("--no-input", "--name=白水小学", "--admin=liuli", "--year=2026", *args)

    assert not School.objects.exists() and not User.objects.exists()
    assert not SchoolYear.objects.exists() and not SchoolClass.objects.exists()


def test_a_guessable_password_is_refused(monkeypatch):
    monkeypatch.setenv("CARESYS_ADMIN_PASSWORD", "baishui2026")

    with pytest.raises(CommandError, match="管理员密码"):
        setup("--no-input", "--name=白水小学", "--admin=liuli")
    assert not School.objects.exists()


def test_it_refuses_to_run_beside_the_demo_school(admin_password):
    call_command("seed_demo", pupils=60, stdout=io.StringIO())

    with pytest.raises(CommandError, match="--remove-demo"):
        setup("--no-input", "--name=白水小学", "--admin=liuli")
    assert School.objects.filter(is_demo=False).count() == 0


def test_removing_the_demo_first_leaves_only_the_real_school(admin_password):
    call_command("seed_demo", pupils=60, stdout=io.StringIO())

    out = setup("--no-input", "--remove-demo", "--name=白水小学", "--admin=liuli")

    assert "已删除演示学校" in out
    assert list(School.objects.values_list("name", flat=True)) == ["白水小学"]
    assert not Pupil.with_pending.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["liuli"]
    assert not AccessLog.objects.exclude(school__name="白水小学").exists()


def test_a_failed_set_up_keeps_the_demo_it_was_told_to_remove(admin_password):
    call_command("seed_demo", pupils=60, stdout=io.StringIO())

    with pytest.raises(CommandError):
        setup("--no-input", "--remove-demo", "--name=白水小学", "--admin=liuli", "--classes=x")
    assert School.objects.filter(is_demo=True).exists()


def test_a_second_school_of_the_same_name_is_refused(admin_password):
    setup("--no-input", "--name=白水小学", "--admin=liuli")

    with pytest.raises(CommandError, match="已有一所名为"):
        setup("--no-input", "--name=白水小学", "--admin=wangfang")
    assert School.objects.count() == 1


def test_the_questions_propose_the_usual_calendar(monkeypatch):
    answers = iter(["白水小学", "", "", "2026", "", "", "1-3", "1", "liuli", "刘丽"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)

    out = setup()

    assert "常见校历" in out
    term = Term.objects.get(number=2)
    assert (term.start_date, term.end_date) == (
        datetime.date(2027, 2, 16),
        datetime.date(2027, 7, 5),
    )
    assert SchoolClass.objects.count() == 3
    assert User.objects.get().check_password(PASSWORD)


def test_the_new_registrars_home_page_shows_the_first_steps(client, admin_password):
    setup("--no-input", "--name=白水小学", "--admin=liuli", "--classes=2")
    client.post(reverse("login"), {"username": "liuli", "password": PASSWORD})

    page = client.get(reverse("home")).content.decode()

    assert "开始使用：白水小学" in page
    assert "已有 12 个班" in page and "已有 1 个账号" in page
    assert reverse("registry:roster_import") in page


def test_the_first_steps_are_gone_once_the_school_has_pupils(client, admin_user, pupil):
    client.force_login(admin_user)

    assert "data-first-steps" not in client.get(reverse("home")).content.decode()


def test_a_new_school_year_in_the_settings_pages_proposes_the_next_years_calendar(
    client, admin_password
):
    setup("--no-input", "--name=白水小学", "--admin=liuli", "--year=2026")
    client.post(reverse("login"), {"username": "liuli", "password": PASSWORD})

    form = client.get(reverse("admin:registry_schoolyear_add")).content.decode()

    assert 'value="2027—2028学年"' in form
    assert 'value="2027/09/01"' in form and 'value="2028/01/17"' in form
    assert 'value="2028/02/16"' in form and 'value="2028/07/05"' in form
    saved = client.post(
        reverse("admin:registry_schoolyear_add"),
        {
            "name": "2027—2028学年",
            "start_date": "2027-09-01",
            "end_date": "2028-08-31",
            "terms-TOTAL_FORMS": "2",
            "terms-INITIAL_FORMS": "0",
            "terms-0-number": "1",
            "terms-0-start_date": "2027-09-01",
            "terms-0-end_date": "2028-01-17",
            "terms-1-number": "2",
            "terms-1-start_date": "2028-02-16",
            "terms-1-end_date": "2028-07-05",
        },
    )
    assert saved.status_code == 302
    assert Term.objects.filter(school_year__name="2027—2028学年").count() == 2
