"""Census rounds (普查/摸底): the registrar opens a round, each head teacher checks and confirms
their class (correcting archives through the archive's own edit page), the registrar follows
progress, reminds and closes it, and the outcome lists what changed."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from caresys.lib.periods import Period
from registry import selectors, services
from registry.models import AccessLog, CensusRound, Pupil, User
from tests.factories import SchoolClassFactory, UserFactory, make_pupil
from tests.registry import test_english
from tests.registry.test_english import _posted_archive, english_client, han_in
from tests.registry.test_export import workbook_of
from tests.registry.test_query_counts import queries_for

# The English school of the English pages test, for the census pages in English.
english_school = test_english.english_school
DUE = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()


def open_round(client, admin_user, name="2026年秋季学期留守儿童摸底") -> CensusRound:
    client.force_login(admin_user)
    response = client.post(reverse("registry:census_open"), {"name": name, "closes_on": DUE})
    census = CensusRound.objects.get(name=name)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:census_progress", args=[census.pk])
    return census


def class_page(census, school_class) -> str:
    return reverse("registry:census_class", args=[census.pk, school_class.pk])


def correct_through_the_archive(client, census, pupil, **changes) -> None:
    """What a teacher does from the class page: 修改 → the archive's edit form → back."""
    back = class_page(census, pupil.school_class)
    url = reverse("registry:pupil_edit", args=[pupil.pk]) + f"?next={back}"
    form = client.get(url)
    assert f'name="next" value="{back}"' in form.text
    data = _posted_archive(form) | {f"pupil-{key}": value for key, value in changes.items()}
    response = client.post(url, data | {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back


def confirm(client, census, school_class, note=""):
    return client.post(
        reverse("registry:census_confirm", args=[census.pk, school_class.pk]), {"note": note}
    )


def names_in(html: str, kind: str) -> list[str]:
    """The pupils' names in one section of the outcome page."""
    section = re.search(rf'data-census-change="{kind}".*?</div>\s*</div>', html, re.DOTALL)
    return re.findall(r'/registry/pupils/\d+/">([^<]+)</a>', section.group(0))


@pytest.fixture
def school_of_four(admin_user, school_class, other_class, pupil, other_pupil):
    """王小明 (both away) and 赵强 (not left-behind) in 三年级(1)班; 李小红 (both away) and 钱多
    (not left-behind) in 四年级(2)班."""
    zhao = make_pupil(actor=admin_user, school_class=school_class, name="赵强", left_behind="none")
    qian = make_pupil(
        actor=admin_user, school_class=other_class, name="钱多", gender="F", left_behind="none"
    )
    return {"王小明": pupil, "赵强": zhao, "李小红": other_pupil, "钱多": qian}


def test_a_round_from_opening_to_its_outcome_and_spreadsheet(
    client, admin_user, class_teacher, other_teacher, school_class, other_class, school_of_four
):
    census = open_round(client, admin_user)

    # Each head teacher corrects one child through the archive and confirms their class.
    client.force_login(class_teacher)
    page = client.get(class_page(census, school_class)).text
    assert "赵强" in page and "王小明" in page and "李小红" not in page
    assert "广东省东莞市" in page and "王德福" in page  # where the father works; the guardian
    correct_through_the_archive(client, census, school_of_four["赵强"], left_behind="father")
    assert confirm(client, census, school_class, note="赵强父亲九月外出").status_code == 302
    client.force_login(other_teacher)
    correct_through_the_archive(client, census, school_of_four["李小红"], left_behind="none")
    assert confirm(client, census, other_class).status_code == 302
    # Meanwhile 钱多 leaves the school and a new pupil joins.
    services.pupil_status_change(
        actor=admin_user, pupil=school_of_four["钱多"], status=Pupil.Status.LEFT
    )
    make_pupil(actor=admin_user, school_class=school_class, name="孙新", left_behind="mother")

    client.force_login(admin_user)
    progress = client.get(reverse("registry:census_progress", args=[census.pk])).text
    assert "已确认 2/2 个班" in progress
    assert "赵强父亲九月外出" in progress and "张老师" in progress and "李老师" in progress
    response = client.post(reverse("registry:census_close", args=[census.pk]))
    assert response["Location"] == reverse("registry:census_outcome", args=[census.pk])

    outcome = client.get(response["Location"]).text
    assert names_in(outcome, "newly_left_behind") == ["赵强"]
    assert names_in(outcome, "no_longer_left_behind") == ["李小红"]
    assert names_in(outcome, "joined") == ["孙新"]
    assert names_in(outcome, "left") == ["钱多"]
    assert names_in(outcome, "type_changed") == []
    sheet = workbook_of(client.get(reverse("registry:census_outcome_xlsx", args=[census.pk])))
    rows = [[cell.value for cell in row] for row in sheet.active.iter_rows(min_row=4)]
    assert [(row[1], row[3], row[5], row[6]) for row in rows] == [
        ("新增留守", "赵强", "非留守", "父亲外出"),
        ("不再留守", "李小红", "双亲外出", "非留守"),
        ("新入学/转入", "孙新", "不在校", "母亲外出"),
        ("离校", "钱多", "非留守", "不在校"),
    ]
    exported = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
    assert sorted(exported.values_list("pupil__name", flat=True)) == sorted(
        ["赵强", "李小红", "孙新", "钱多"]
    )
    assert selectors.census_outcome(census) == {
        "newly_left_behind": 1, "no_longer_left_behind": 1, "type_changed": 0, "joined": 1,
        "left": 1, "left_behind_at_open": 2, "left_behind_at_close": 3,
        "pupils_at_open": 4, "pupils_at_close": 4,
    }  # fmt: skip


def test_the_outcome_spreadsheet_masks_the_guardians_phone_for_the_principal(
    client, admin_user, principal, school_of_four
):
    census = open_round(client, admin_user)
    services.archive_update(
        actor=admin_user, pupil=school_of_four["赵强"], data={"pupil": {"left_behind": "both"}}
    )
    services.census_round_close(actor=admin_user, census=census, force=True)

    client.force_login(principal)
    sheet = workbook_of(client.get(reverse("registry:census_outcome_xlsx", args=[census.pk])))
    [row] = [[cell.value for cell in row] for row in sheet.active.iter_rows(min_row=4)]
    assert row[3] == "赵强"
    assert row[8] == "138****1234"


def test_a_school_has_one_open_round_at_a_time(client, admin_user, school_class):
    first = open_round(client, admin_user)

    response = client.post(
        reverse("registry:census_open"), {"name": "再来一轮", "closes_on": DUE}
    )

    assert response.status_code == 200
    assert "同一时间只能进行一轮摸底" in response.text
    assert list(CensusRound.objects.values_list("name", flat=True)) == [first.name]
    services.census_round_close(actor=admin_user, census=first, force=True)
    assert open_round(client, admin_user, name="再来一轮").is_open


def test_a_teacher_cannot_see_or_confirm_another_class(
    client, admin_user, other_teacher, school_class, pupil
):
    census = open_round(client, admin_user)
    client.force_login(other_teacher)

    assert client.get(class_page(census, school_class)).status_code == 404
    assert confirm(client, census, school_class).status_code == 404
    assert selectors.census_progress(census=census).confirmed == 0


def test_closing_with_unconfirmed_classes_is_refused_unless_forced(
    client, admin_user, class_teacher, school_class, other_class, pupil
):
    census = open_round(client, admin_user)
    client.force_login(class_teacher)
    confirm(client, census, school_class)
    client.force_login(admin_user)
    url = reverse("registry:census_close", args=[census.pk])

    refused = client.post(url)

    assert refused.status_code == 200
    assert "还有1个班未确认名单" in refused.text and "仍要结束" in refused.text
    census.refresh_from_db()
    assert census.is_open
    assert client.post(url, {"force": "on"}).status_code == 302
    census.refresh_from_db()
    assert census.closed_by == admin_user


def test_a_reminder_shows_on_the_head_teachers_home_page_until_they_confirm(
    client, admin_user, class_teacher, other_teacher, school_class, other_class, pupil
):
    census = open_round(client, admin_user)
    client.force_login(other_teacher)
    confirm(client, census, other_class)
    client.force_login(class_teacher)
    home = client.get(reverse("home")).text
    assert "请在" in home and "管理员" not in home  # the round's banner, not yet a reminder

    client.force_login(admin_user)
    response = client.post(reverse("registry:census_remind", args=[census.pk]), follow=True)
    assert "已提醒1个班级" in response.text
    client.force_login(class_teacher)
    home = client.get(reverse("home")).text
    assert f'data-census-banner="{school_class.pk}"' in home and "提醒：" in home
    assert class_page(census, school_class) in home
    client.force_login(other_teacher)
    assert "data-census-banner" not in client.get(reverse("home")).text

    client.force_login(class_teacher)
    confirm(client, census, school_class)
    assert "data-census-banner" not in client.get(reverse("home")).text


def test_a_correction_after_confirming_shows_as_changed_after_confirmation(
    client, admin_user, class_teacher, school_class, school_of_four
):
    census = open_round(client, admin_user)
    client.force_login(class_teacher)
    confirm(client, census, school_class)

    correct_through_the_archive(client, census, school_of_four["赵强"], left_behind="mother")

    assert "确认后修改" in client.get(class_page(census, school_class)).text
    [row] = [
        row for row in selectors.census_progress(census=census).rows
        if row.school_class == school_class
    ]  # fmt: skip
    assert (row.changed, row.changed_after) == (1, 1)


def test_the_archive_edit_ignores_a_next_address_of_another_site(client, admin_user, pupil):
    client.force_login(admin_user)
    url = reverse("registry:pupil_edit", args=[pupil.pk])
    data = _posted_archive(client.get(url)) | {"next": "https://evil.example/"}

    response = client.post(url, data)

    assert response["Location"] == reverse("registry:pupil_detail", args=[pupil.pk])


def test_the_last_closed_round_of_a_term_is_found_for_its_summary(admin_user, pupil, term):
    census = services.census_round_open(
        actor=admin_user, name="摸底", closes_on=timezone.localdate()
    )
    school_id = admin_user.school_id
    assert selectors.last_closed_census(school_id=school_id, period=term.period) is None

    services.census_round_close(actor=admin_user, census=census, force=True)

    assert selectors.last_closed_census(school_id=school_id, period=term.period) == census
    earlier = Period(term.start_date - datetime.timedelta(days=400), term.start_date)
    assert selectors.last_closed_census(school_id=school_id, period=earlier) is None


def test_a_closed_round_takes_no_more_confirmations(admin_user, school_class, pupil):
    census = services.census_round_open(
        actor=admin_user, name="摸底", closes_on=timezone.localdate()
    )
    services.census_round_close(actor=admin_user, census=census, force=True)

    with pytest.raises(ValidationError):
        services.census_class_confirm(actor=admin_user, census=census, school_class=school_class)


def add_class_with_pupils(admin_user, grade: int, number: int, pupils: int) -> None:
    teacher = UserFactory(school=admin_user.school, roles=["class_teacher"])
    school_class = SchoolClassFactory(
        school=admin_user.school, grade=grade, number=number, head_teacher=teacher
    )
    for index in range(pupils):
        make_pupil(actor=admin_user, school_class=school_class, name=f"学生{grade}{number}{index}")


def test_the_progress_page_costs_the_same_queries_for_many_classes_as_for_two(
    client, django_assert_num_queries, admin_user, class_teacher, school_class, other_class, pupil
):
    census = open_round(client, admin_user)
    url = reverse("registry:census_progress", args=[census.pk])
    with_two = queries_for(client, url)
    for number in range(1, 6):
        add_class_with_pupils(admin_user, 5, number, 3)
    client.force_login(class_teacher)
    correct_through_the_archive(client, census, pupil, left_behind="father")
    confirm(client, census, school_class)
    client.force_login(admin_user)

    with django_assert_num_queries(with_two) as captured:
        response = client.get(url)

    assert "已确认 1/7 个班" in response.text
    assert len(captured) == 7  # with the menu's unread notifications


def test_the_class_page_costs_the_same_queries_for_a_full_class_as_for_one_child(
    client, django_assert_num_queries, admin_user, class_teacher, school_class, pupil
):
    census = open_round(client, admin_user)
    client.force_login(class_teacher)
    url = class_page(census, school_class)
    with_one = queries_for(client, url)
    for index in range(20):
        make_pupil(actor=admin_user, school_class=school_class, name=f"学生{index}")
    correct_through_the_archive(client, census, pupil, left_behind="none")

    with django_assert_num_queries(with_one) as captured:
        response = client.get(url)

    assert response.text.count('class="pupil-row-name"') == 21
    assert len(captured) == 8  # with the menu's unread notifications


def test_a_demo_school_with_census_rounds_is_replaced_by_a_new_demo(db):
    from tests.registry.test_seed_demo import seed

    seed(pupils=40, seed=3)
    registrar = next(user for user in User.objects.all() if user.is_school_admin)
    census = services.census_round_open(
        actor=registrar, name="摸底", closes_on=timezone.localdate()
    )
    services.census_round_close(actor=registrar, census=census, force=True)

    seed(pupils=40, seed=3, replace=True)

    assert not CensusRound.objects.exists()
    assert Pupil.objects.count() == 40


@pytest.mark.parametrize("role", ["admin_user", "principal", "class_teacher"])
def test_the_census_pages_are_english(role, request, english_school, admin_user, class_teacher):
    census = services.census_round_open(
        actor=admin_user, name="Autumn census", closes_on=timezone.localdate()
    )
    services.census_remind(actor=admin_user, census=census)
    client = english_client(request.getfixturevalue(role))
    pages = [
        reverse("home"),
        reverse("registry:census_list"),
        reverse("registry:census_progress", args=[census.pk]),
        reverse("registry:census_outcome", args=[census.pk]),
        class_page(census, english_school.school_class),
    ]
    correct_through_the_archive(
        english_client(class_teacher), census, english_school, left_behind="none"
    )
    for closed in (False, True):
        if closed:
            services.census_round_close(actor=admin_user, census=census, force=True)
        for url in pages:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            html = response.content.decode()
            assert not han_in(html), (url, han_in(html))
            banner = role == "class_teacher" and not closed and url == reverse("home")
            assert ("data-census-banner" in html) == banner, url
