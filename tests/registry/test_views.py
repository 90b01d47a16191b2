"""What a person sees and does on the registry's pages: lists, archives, edits, reveals, PDFs."""

import datetime
import html
import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import (
    AccessLog,
    ArchiveRevision,
    ClassTally,
    Guardian,
    LeftBehindPeriod,
    Pupil,
)
from tests.factories import SchoolClassFactory, make_id_number, make_pupil

GUARDIAN_PHONE = "13812341234"  # make_pupil's default
MASKED_GUARDIAN_PHONE = "138****1234"


# --- helpers ---------------------------------------------------------------------------------


def listed_names(response) -> list[str]:
    """The pupils' names in the list's rows, top to bottom, as the page shows them."""
    assert response.status_code == 200
    return re.findall(r'class="pupil-row-name"[^>]*>([^<]+)</a>', response.content.decode())


def pupil_list(client, **params) -> list[str]:
    return listed_names(client.get(reverse("registry:pupil_list"), params))


def error_beside(response, html_name: str) -> str:
    """The error text shown under one field of a form, or "" when there is none."""
    page = response.content.decode()
    match = re.search(rf'<div id="id_{re.escape(html_name)}_error"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split()) if match else ""


def archive_post_data(client, pupil: Pupil) -> dict[str, str]:
    """What the edit form posts back when saved unchanged (read from the page's forms)."""
    response = client.get(reverse("registry:pupil_edit", args=[pupil.pk]))
    assert response.status_code == 200
    data = {}
    for form in response.context["forms"].values():
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list):  # ticked boxes (救助帮扶): one value each
                data[bound.html_name] = [str(item) for item in value]
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            data[bound.html_name] = "" if value is None else str(value)
    return data


def new_pupil_data(school_class, **changes: str) -> dict[str, str]:
    """A new left-behind pupil as a teacher would type her into the empty form."""
    birth = datetime.date(2016, 9, 1)
    return {
        "pupil-name": "赵小燕",
        "pupil-gender": "F",
        "pupil-birth_date": birth.isoformat(),
        "pupil-id_number": make_id_number(birth, "F"),
        "pupil-school_class": str(school_class.pk),
        "pupil-address": "青山镇石门村2组",
        "pupil-guardianship_type": Pupil.Guardianship.SINGLE_PARENT,
        "pupil-left_behind": "mother",
        "mother-name": "刘芳",
        "mother-phone": "13500003333",
        "mother-work_place": "广东省深圳市",
        "father-name": "赵刚",
        "father-phone": "13500004444",
        "guardian-name": "赵刚",
        "guardian-relation": "父亲",
        "guardian-phone": "13500004444",
        "guardian-address": "青山镇石门村2组",
        **changes,
    }


def id_masked(number: str) -> str:
    return number[:6] + "*" * (len(number) - 6)


# --- the pupil list --------------------------------------------------------------------------


@pytest.fixture
def varied_pupils(admin_user, school_class, pupil, other_pupil):
    """Five pupils of every left-behind status in 三年级(1)班, made out of pinyin order.

    李小红 (other_pupil) is alone in 四年级(2)班.
    """
    make_pupil(
        actor=admin_user, school_class=school_class, name="周婷", gender="F", left_behind="mother"
    )
    make_pupil(
        actor=admin_user, school_class=school_class, name="陈静", gender="F", left_behind="father"
    )
    make_pupil(
        actor=admin_user,
        school_class=school_class,
        name="刘洋",
        left_behind="none",
        guardianship_type=Pupil.Guardianship.PARENTS,
    )
    make_pupil(
        actor=admin_user,
        school_class=school_class,
        name="孙悦",
        gender="F",
        left_behind="none",
        is_orphan=True,
        guardianship_type=Pupil.Guardianship.RELATIVES,
    )


def test_the_pupil_list_shows_the_class_teacher_the_pupils_of_their_class(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)

    response = client.get(reverse("registry:pupil_list"))

    assert listed_names(response) == ["王小明"]
    assert "三年级(1)班" in response.content.decode()


def test_class_teacher_does_not_see_a_pupil_of_another_class_in_the_list(
    client, class_teacher, pupil, other_pupil
):
    client.force_login(class_teacher)

    assert "李小红" not in pupil_list(client)


def test_a_pair_teacher_sees_no_pupils_in_the_list_until_pairing_exists(
    client, pair_teacher, pupil, other_pupil
):
    client.force_login(pair_teacher)

    assert pupil_list(client) == []


def test_the_principal_sees_the_whole_school_in_the_list(client, principal, pupil, other_pupil):
    client.force_login(principal)

    assert pupil_list(client) == ["王小明", "李小红"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wxm", ["王小明"]),
        ("WXM", ["王小明"]),
        ("wx", ["王小红", "王小明"]),
        ("wangxiaoming", ["王小明"]),
        ("xiaoming", ["王小明"]),
        ("王小明", ["王小明"]),
        ("小红", ["王小红", "李小红"]),
        ("zzz", []),
    ],
)
def test_searching_the_list_finds_pupils_by_name_pinyin_or_initials(
    client, admin_user, school_class, pupil, other_pupil, query, expected
):
    make_pupil(actor=admin_user, school_class=school_class, name="王小红", gender="F")
    client.force_login(admin_user)

    assert pupil_list(client, q=query) == expected


def test_searching_the_list_by_the_last_digits_of_an_id_number_finds_the_pupil(
    client, admin_user, pupil, other_pupil
):
    client.force_login(admin_user)

    assert pupil_list(client, q=pupil.id_number[-6:]) == ["王小明"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"grade": "3"}, {"王小明", "周婷", "陈静", "刘洋", "孙悦"}),
        ({"grade": "4"}, {"李小红"}),
        ({"left_behind": "any"}, {"王小明", "周婷", "陈静", "李小红"}),
        ({"left_behind": "single"}, {"周婷", "陈静"}),
        ({"left_behind": "both"}, {"王小明", "李小红"}),
        ({"left_behind": "none"}, {"刘洋", "孙悦"}),
        ({"left_behind": "father"}, {"陈静"}),
        ({"category": "is_orphan"}, {"孙悦"}),
        ({"guardianship_type": "relatives"}, {"孙悦"}),
        ({"guardianship_type": "parents"}, {"刘洋"}),
        ({"grade": "3", "left_behind": "both"}, {"王小明"}),
    ],
)
def test_filtering_the_list_shows_only_the_matching_pupils(
    client, admin_user, varied_pupils, params, expected
):
    client.force_login(admin_user)

    names = pupil_list(client, **params)

    assert set(names) == expected
    assert len(names) == len(expected)


def test_filtering_the_list_by_class_shows_only_that_class(
    client, admin_user, varied_pupils, other_class
):
    client.force_login(admin_user)

    assert pupil_list(client, school_class=str(other_class.pk)) == ["李小红"]


def test_the_list_is_sorted_by_class_then_by_pinyin(client, admin_user, varied_pupils):
    client.force_login(admin_user)

    # chenjing, liuyang, sunyue, wangxiaoming, zhouting in 三年级(1)班; then 四年级(2)班.
    assert pupil_list(client) == ["陈静", "刘洋", "孙悦", "王小明", "周婷", "李小红"]


def test_the_list_is_paginated_in_the_same_order(client, settings, admin_user, varied_pupils):
    settings.CARESYS_PAGE_SIZE = 2
    client.force_login(admin_user)

    pages = [pupil_list(client, page=str(number)) for number in (1, 2, 3)]

    assert pages == [["陈静", "刘洋"], ["孙悦", "王小明"], ["周婷", "李小红"]]
    assert "第 2 / 3 页" in client.get(reverse("registry:pupil_list"), {"page": "2"}).text


@pytest.mark.parametrize("page", ["1", "2", "3", "9", "0", "-1", "x", "1.5", "", "9" * 20])
@pytest.mark.parametrize("params", [{"gender": "F"}, {"q": "i"}, {"q": "nobody"}])
def test_a_list_counted_with_its_page_pages_as_a_list_counted_first(
    client, settings, admin_user, varied_pupils, params, page
):
    """Filters whose count is not kept count the rows in the query of the page's keys; a page
    past the end, below 1 or not a number is the one Django's paginator gives."""
    client.force_login(admin_user)
    everyone = pupil_list(client, **params)
    settings.CARESYS_PAGE_SIZE = 2
    expected = Paginator(everyone, 2).get_page(page)

    response = client.get(reverse("registry:pupil_list"), {**params, "page": page})

    assert listed_names(response) == list(expected)
    shown = response.context["page"]
    assert (shown.number, shown.paginator.count) == (expected.number, len(everyone))


def test_the_next_page_link_keeps_the_filters(client, settings, admin_user, varied_pupils):
    settings.CARESYS_PAGE_SIZE = 2
    client.force_login(admin_user)

    response = client.get(reverse("registry:pupil_list"), {"left_behind": "any"})

    assert 'href="?left_behind=any&amp;page=2"' in response.content.decode()
    assert pupil_list(client, left_behind="any", page="2") == ["周婷", "李小红"]


# --- masking ---------------------------------------------------------------------------------

# The registrar sees everything; the head teacher calls the family, so sees phones; the rest
# see masks and reveal on request.
WHO_SEES_WHAT = [
    ("admin", True, True),
    ("class_teacher", True, False),
    ("principal", False, False),
    ("counsellor", False, False),
]


@pytest.mark.parametrize(("role", "sees_full_phone", "sees_full_id"), WHO_SEES_WHAT)
def test_the_list_masks_phones_and_id_numbers_by_role(
    client, users_by_role, pupil, role, sees_full_phone, sees_full_id
):
    client.force_login(users_by_role[role])

    page = client.get(reverse("registry:pupil_list")).content.decode()

    assert (GUARDIAN_PHONE in page) is sees_full_phone
    assert (MASKED_GUARDIAN_PHONE in page) is not sees_full_phone
    assert (pupil.id_number in page) is sees_full_id
    assert (id_masked(pupil.id_number) in page) is not sees_full_id


@pytest.mark.parametrize(("role", "sees_full_phone", "sees_full_id"), WHO_SEES_WHAT)
def test_the_archive_masks_phones_and_id_numbers_by_role(
    client, users_by_role, pupil, role, sees_full_phone, sees_full_id
):
    client.force_login(users_by_role[role])

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    for full, masked in [
        (GUARDIAN_PHONE, MASKED_GUARDIAN_PHONE),
        ("13700001111", "137****1111"),  # father
        ("13600002222", "136****2222"),  # mother
    ]:
        assert (full in page) is sees_full_phone
        assert (masked in page) is not sees_full_phone
    assert (pupil.id_number in page) is sees_full_id
    assert (id_masked(pupil.id_number) in page) is not sees_full_id


def test_the_archive_offers_the_principal_a_button_to_reveal_a_masked_phone(
    client, principal, pupil
):
    client.force_login(principal)

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    assert re.search(r'class="[^"]*js-reveal[^"]*"[^>]*data-field="guardian.phone"', page)


def test_the_archive_gives_the_head_teacher_a_phone_link_and_no_reveal_button_for_phones(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    assert f'href="tel:{GUARDIAN_PHONE}"' in page
    assert 'data-field="guardian.phone"' not in page


@pytest.mark.parametrize(
    ("role", "can_edit"),
    [("admin", True), ("class_teacher", True), ("principal", False), ("counsellor", False)],
)
def test_the_archive_shows_the_edit_button_only_to_those_who_may_edit(
    client, users_by_role, pupil, role, can_edit
):
    client.force_login(users_by_role[role])

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    assert (reverse("registry:pupil_edit", args=[pupil.pk]) in page) is can_edit


# --- reveal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["guardian.phone", "father.phone", "mother.phone", "pupil.id_number", "pupil.student_number"],
)
def test_revealing_a_masked_value_returns_it_in_full_and_logs_who_saw_it(
    client, principal, pupil, field
):
    full_values = {
        "guardian.phone": GUARDIAN_PHONE,
        "father.phone": "13700001111",
        "mother.phone": "13600002222",
        "pupil.id_number": pupil.id_number,
        "pupil.student_number": pupil.student_number,
    }
    client.force_login(principal)

    response = client.post(reverse("registry:pupil_reveal", args=[pupil.pk]), {"field": field})

    assert response.status_code == 200
    assert response.json() == {"value": full_values[field]}
    log = AccessLog.objects.get(action=AccessLog.Action.REVEAL)
    assert (log.actor, log.pupil, log.detail) == (principal, pupil, field)


def test_revealing_a_field_that_is_not_revealable_is_refused_and_not_logged(
    client, principal, pupil
):
    client.force_login(principal)

    response = client.post(
        reverse("registry:pupil_reveal", args=[pupil.pk]), {"field": "pupil.name"}
    )

    assert response.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()


def test_another_class_teacher_cannot_reveal_a_phone_of_a_pupil_outside_their_class(
    client, other_teacher, pupil
):
    client.force_login(other_teacher)

    response = client.post(
        reverse("registry:pupil_reveal", args=[pupil.pk]), {"field": "guardian.phone"}
    )

    assert response.status_code == 404
    assert GUARDIAN_PHONE not in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()


# --- reading is logged -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "action"),
    [
        ("registry:pupil_detail", AccessLog.Action.VIEW),
        ("registry:pupil_history", AccessLog.Action.HISTORY),
        ("registry:contact_card", AccessLog.Action.CARD),
    ],
)
def test_opening_a_pupils_page_writes_one_access_log_row(
    client, counsellor, pupil, url_name, action
):
    client.force_login(counsellor)

    client.get(reverse(url_name, args=[pupil.pk]))

    log = AccessLog.objects.get(action=action)
    assert (log.actor, log.pupil, log.ip_address) == (counsellor, pupil, "127.0.0.1")


# --- editing ---------------------------------------------------------------------------------


def test_class_teacher_changing_the_guardian_phone_sees_it_on_the_archive_and_in_the_history(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"guardian-phone": "139 9999 8888"}

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:pupil_detail", args=[pupil.pk])
    archive = client.get(response["Location"]).content.decode()
    assert "13999998888" in archive
    assert GUARDIAN_PHONE not in archive
    revision = ArchiveRevision.objects.filter(pupil=pupil).first()
    assert revision.actor == class_teacher
    assert revision.changes == [
        {
            "key": "guardian.phone",
            "field": "监护人·电话",
            "old": GUARDIAN_PHONE,
            "new": "13999998888",
        }
    ]
    history = client.get(reverse("registry:pupil_history", args=[pupil.pk])).content.decode()
    assert re.search(
        rf'<td>监护人·电话</td><td class="history-old">{GUARDIAN_PHONE}</td>'
        r'<td class="history-new">13999998888</td>',
        history,
    )
    log = AccessLog.objects.get(action=AccessLog.Action.UPDATE)
    assert (log.actor, log.pupil) == (class_teacher, pupil)


def test_saving_the_edit_form_unchanged_writes_no_history_entry(client, class_teacher, pupil):
    client.force_login(class_teacher)
    revisions = ArchiveRevision.objects.filter(pupil=pupil).count()

    response = client.post(
        reverse("registry:pupil_edit", args=[pupil.pk]), archive_post_data(client, pupil)
    )

    assert response.status_code == 302
    assert ArchiveRevision.objects.filter(pupil=pupil).count() == revisions


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("guardian-phone", "1381234", "手机号应为以1开头的11位数字（现为7位）。"),
        (
            "father-phone",
            "84412345",
            "电话号码格式不正确：请填写11位手机号或带区号的固定电话，如 0731-84412345。",
        ),
        ("pupil-id_number", "430524201703120034", "身份证号校验位不正确，请核对后重新输入。"),
        ("pupil-id_number", "43052420170312003", "身份证号应为18位（现为17位）。"),
    ],
    ids=["short-mobile", "landline-without-area-code", "id-check-digit", "id-length"],
)
def test_a_bad_value_on_the_edit_form_is_shown_beside_the_field_and_nothing_is_saved(
    client, class_teacher, pupil, field, value, error
):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {field: value}
    revisions = ArchiveRevision.objects.filter(pupil=pupil).count()
    id_number = pupil.id_number

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 200
    assert error_beside(response, field) == error
    assert "档案未保存" in response.content.decode()
    assert ArchiveRevision.objects.filter(pupil=pupil).count() == revisions
    pupil.refresh_from_db()
    assert pupil.id_number == id_number
    assert Guardian.objects.get(pupil=pupil).phone == GUARDIAN_PHONE
    assert pupil.parents.get(relation="father").phone == "13700001111"


def test_a_class_teacher_typing_another_pupils_id_number_is_sent_to_the_registrar_beside_it(
    client, class_teacher, admin_user, pupil, other_class
):
    twin = make_pupil(actor=admin_user, school_class=other_class, name="王小亮")
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"pupil-id_number": twin.id_number}
    revisions = ArchiveRevision.objects.filter(pupil=pupil).count()

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 200
    assert error_beside(response, "pupil-id_number") == "这个号码不能保存，请联系学籍管理员核对。"
    assert ArchiveRevision.objects.filter(pupil=pupil).count() == revisions
    assert Pupil.objects.get(pk=pupil.pk).id_number != twin.id_number


def test_a_parent_coming_home_ends_the_old_left_behind_period_and_starts_a_new_one(
    client, class_teacher, pupil
):
    a_year_ago = timezone.localdate() - datetime.timedelta(days=365)
    LeftBehindPeriod.objects.filter(pupil=pupil).update(started_on=a_year_ago)
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"pupil-left_behind": "father"}

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302
    periods = list(LeftBehindPeriod.objects.filter(pupil=pupil).order_by("started_on"))
    assert [(period.status, period.started_on, period.ended_on) for period in periods] == [
        ("both", a_year_ago, timezone.localdate() - datetime.timedelta(days=1)),
        ("father", timezone.localdate(), None),
    ]
    archive = client.get(response["Location"]).content.decode()
    assert "<strong>父亲外出</strong>" in archive


def test_class_teacher_can_correct_the_left_behind_status_on_the_day_the_archive_was_made(
    client, class_teacher, pupil
):
    # The archive was made today with the wrong status; the teacher fixes it straight away.
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"pupil-left_behind": "father"}

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert error_beside(response, "pupil-left_behind_since") == ""
    assert response.status_code == 302
    assert Pupil.objects.get(pk=pupil.pk).left_behind == "father"
    open_periods = LeftBehindPeriod.objects.filter(pupil=pupil, ended_on=None)
    assert [period.status for period in open_periods] == ["father"]


def test_the_principal_cannot_save_an_edit(client, principal, class_teacher, pupil):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"guardian-phone": "13999998888"}
    client.force_login(principal)

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 403
    assert Guardian.objects.get(pupil=pupil).phone == GUARDIAN_PHONE


def test_another_class_teacher_cannot_save_an_edit_to_a_pupil_outside_their_class(
    client, other_teacher, class_teacher, pupil
):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil) | {"guardian-phone": "13999998888"}
    client.force_login(other_teacher)

    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 404
    assert Guardian.objects.get(pupil=pupil).phone == GUARDIAN_PHONE


def test_the_history_page_masks_old_and_new_phones_for_the_principal(
    client, principal, class_teacher, pupil
):
    services.archive_update(
        actor=class_teacher, pupil=pupil, data={"guardian": {"phone": "13999998888"}}
    )
    client.force_login(principal)

    page = client.get(reverse("registry:pupil_history", args=[pupil.pk])).content.decode()

    assert re.search(
        r'<td>监护人·电话</td><td class="history-old">138\*\*\*\*1234</td>'
        r'<td class="history-new">139\*\*\*\*8888</td>',
        page,
    )
    assert "13999998888" not in page
    assert GUARDIAN_PHONE not in page


def test_the_history_page_shows_a_pupil_leaving_as_any_other_edit(
    client, principal, class_teacher, pupil
):
    services.archive_update(actor=class_teacher, pupil=pupil, data={"pupil": {"health": "有哮喘"}})
    services.pupil_status_change(
        actor=class_teacher, pupil=pupil, status="left", summary="办理离校：已离校（转学）"
    )
    client.force_login(principal)

    page = client.get(reverse("registry:pupil_history", args=[pupil.pk])).content.decode()

    assert "<strong>办理离校：已离校（转学）</strong>" in page
    assert re.search(
        r'<td>在校状态</td><td class="history-old">在校</td><td class="history-new">已离校</td>',
        page,
    )
    assert re.search(
        r'<td>健康状况</td><td class="history-old">（空）</td><td class="history-new">有哮喘</td>',
        page,
    )


# --- creating --------------------------------------------------------------------------------


def test_class_teacher_creates_a_pupil_in_their_own_class_through_the_form(
    client, class_teacher, school_class
):
    client.force_login(class_teacher)

    response = client.post(reverse("registry:pupil_create"), new_pupil_data(school_class))

    created = Pupil.objects.get(name="赵小燕")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:pupil_detail", args=[created.pk])
    assert created.school_class == school_class
    assert created.left_behind == "mother"
    assert created.guardian.phone == "13500004444"
    assert ArchiveRevision.objects.get(pupil=created).summary == "新建档案"
    log = AccessLog.objects.get(action=AccessLog.Action.CREATE, pupil=created)
    assert log.actor == class_teacher
    assert "已为赵小燕建立档案。" in client.get(response["Location"]).content.decode()


def test_class_teacher_is_not_offered_another_teachers_class_on_the_new_pupil_form(
    client, class_teacher, school_class, other_class
):
    client.force_login(class_teacher)

    response = client.get(reverse("registry:pupil_create"))

    choices = list(response.context["forms"]["pupil"].fields["school_class"].queryset)
    assert choices == [school_class]


def test_class_teacher_cannot_create_a_pupil_in_another_teachers_class(
    client, class_teacher, school_class, other_class
):
    client.force_login(class_teacher)

    response = client.post(reverse("registry:pupil_create"), new_pupil_data(other_class))

    assert response.status_code == 200
    assert error_beside(response, "pupil-school_class")
    assert not Pupil.objects.filter(name="赵小燕").exists()


# --- the access log --------------------------------------------------------------------------


@pytest.fixture
def logged_reads(principal, counsellor, pupil, other_pupil):
    services.log_access(actor=principal, action=AccessLog.Action.VIEW, pupils=[pupil])
    services.log_access(actor=counsellor, action=AccessLog.Action.REVEAL, pupils=[other_pupil])


def test_the_access_log_filters_by_action(client, admin_user, logged_reads, other_pupil):
    client.force_login(admin_user)

    response = client.get(reverse("registry:access_log"), {"action": "reveal"})

    rows = list(response.context["page"])
    assert [(row.action, row.pupil) for row in rows] == [("reveal", other_pupil)]
    assert "查看完整号码" in response.content.decode()


def test_the_access_log_filters_by_pupil_name(client, admin_user, logged_reads, pupil):
    client.force_login(admin_user)

    response = client.get(reverse("registry:access_log"), {"pupil": "王小明"})

    rows = list(response.context["page"])
    assert {row.pupil for row in rows} == {pupil}
    assert {row.action for row in rows} == {"create", "view"}
    assert "李小红" not in response.content.decode()


# --- PDFs ------------------------------------------------------------------------------------


def test_the_contact_card_pdf_is_a_pdf_and_its_download_is_logged(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.get(reverse("registry:contact_card_pdf", args=[pupil.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(action=AccessLog.Action.PDF, pupil=pupil).count() == 1


def test_the_class_cards_pdf_logs_one_row_for_each_pupil_on_it(
    client, class_teacher, admin_user, school_class, pupil
):
    second = make_pupil(actor=admin_user, school_class=school_class, name="陈静", gender="F")
    client.force_login(class_teacher)

    response = client.get(reverse("registry:class_cards_pdf", args=[school_class.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    logged = AccessLog.objects.filter(action=AccessLog.Action.PDF)
    assert sorted(log.pupil.name for log in logged) == sorted([pupil.name, second.name])


def test_class_teacher_edit_form_does_not_show_the_full_id_number_but_keeps_it(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)
    page = client.get(reverse("registry:pupil_edit", args=[pupil.pk])).content.decode()
    assert pupil.id_number not in page
    assert pupil.id_number[:6] + "************" in page

    data = archive_post_data(client, pupil)
    assert data["pupil-id_number"] == ""
    data["guardian-phone"] = "13511112222"
    client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    pupil.refresh_from_db()
    assert pupil.id_number.startswith("430524")
    assert pupil.guardian.phone == "13511112222"
    latest = pupil.revisions.first()
    assert [change["key"] for change in latest.changes] == ["guardian.phone"]


def test_class_teacher_can_correct_an_id_number_without_seeing_the_old_one(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)
    corrected = make_id_number(pupil.birth_date, pupil.gender, area="430525")
    data = archive_post_data(client, pupil) | {"pupil-id_number": corrected}
    response = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    assert response.status_code == 302
    pupil.refresh_from_db()
    assert pupil.id_number == corrected


def test_access_log_opened_from_an_archive_shows_only_that_pupils_rows(
    client, admin_user, pupil, other_pupil
):
    client.force_login(admin_user)
    client.get(reverse("registry:pupil_detail", args=[pupil.pk]))
    client.get(reverse("registry:pupil_detail", args=[other_pupil.pk]))

    response = client.get(reverse("registry:access_log"), {"pupil_id": pupil.pk})

    shown = {log.pupil_id for log in response.context["page"]}
    assert shown == {pupil.pk}


def test_pupil_list_marks_a_left_behind_pupil_whose_archive_lacks_an_item(
    client, admin_user, school_class, class_teacher
):
    make_pupil(actor=admin_user, school_class=school_class, name="陈小兵", guardian_phone="")
    client.force_login(class_teacher)

    page = client.get(reverse("registry:pupil_list")).content.decode()

    assert "缺1项" in page


@pytest.mark.parametrize("who", ["admin_user", "class_teacher"])
def test_the_home_pages_figures_from_one_walk_equal_those_counted_apart(
    request, client, django_assert_num_queries, admin_user, school_class, varied_pupils, who
):
    from registry import selectors

    user = request.getfixturevalue(who)
    unclassed = make_pupil(actor=admin_user, school_class=school_class, name="赵无班")
    Pupil.objects.filter(pk=unclassed.pk).update(school_class=None, is_priority=True)
    services.class_tallies_recount(school_id=user.school_id)  # as after a write past the services
    # A class whose pupils have all gone keeps an empty row: no grade, no class of it counts.
    emptied = SchoolClassFactory(school=school_class.school, grade=5, number=1)
    ClassTally.objects.create(school=school_class.school, school_class=emptied, counts={})
    pupils = selectors.pupils_visible_to(user=user).filter(status=Pupil.Status.ENROLLED)

    with django_assert_num_queries(1):
        counts, archive, grades = selectors.home_figures(pupils, by_grade=True)

    assert counts == selectors.headline_counts(pupils)
    assert archive == selectors.archive_rate(user=user)
    assert grades == selectors.grade_summary(pupils)
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.context["counts"] == counts and page.context["archive"] == archive
    if user.reads_whole_school:  # from the school's kept class counts, summed by the database
        with django_assert_num_queries(1):
            kept = selectors.kept_home_figures(school_id=user.school_id, by_grade=True)
        assert kept == (counts, archive, grades)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": Pupil.Status.ENROLLED},
        {"left_behind": "any"},
        {"grade": 3},
        {"grade": 4, "left_behind": "any"},
        {"school_class": "own"},
        {"school_class": "other", "left_behind": "any"},
    ],
)
def test_the_pupil_lists_kept_count_equals_its_rows(
    client, admin_user, varied_pupils, school_class, other_class, filters
):
    from registry import selectors

    make_pupil(actor=admin_user, school_class=other_class, name="钱离校")
    services.pupils_status_change(
        actor=admin_user,
        pupils=Pupil.objects.filter(name="钱离校"),
        status=Pupil.Status.LEFT,
        summary="转学",
    )
    chosen = {"own": school_class, "other": other_class}
    filters = {
        key: chosen[value] if key == "school_class" else value for key, value in filters.items()
    }

    kept = selectors.pupil_list_count(user=admin_user, filters=filters)

    assert kept is not None
    assert kept == selectors.pupil_list(user=admin_user, filters=filters).count() > 0


@pytest.mark.parametrize(
    "filters",
    [{"status": Pupil.Status.LEFT}, {"left_behind": "both"}, {"q": "李"}, {"gender": "M"}],
)
def test_the_pupil_list_counts_what_the_kept_counts_do_not_hold(admin_user, filters):
    from registry import selectors

    assert selectors.pupil_list_count(user=admin_user, filters=filters) is None


def test_the_class_filter_offers_the_classes_by_name_and_keeps_the_one_chosen(
    client, admin_user, varied_pupils, school_class, other_class
):
    client.force_login(admin_user)

    response = client.get(reverse("registry:pupil_list"), {"school_class": other_class.pk})

    page = response.content.decode()
    assert (
        f'<option value="">全部</option><option value="{school_class.pk}">三年级(1)班</option>'
        f'<option value="{other_class.pk}" selected>四年级(2)班</option>'
    ) in page
    assert [pupil.name for pupil in response.context["page"]] == ["李小红"]


@pytest.mark.parametrize("value", [None, "", "2", ["3"], "9"])
def test_the_quick_select_writes_what_a_django_select_writes(value):
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from caresys.lib.forms import QuickSelect

    choices = [
        ("", gettext_lazy("全部")),
        (2, "三年级(1)班 <&\"'>"),
        ("组", [(3, "甲"), (4, mark_safe("<b>乙</b>"))]),
        (None, "无"),
    ]
    attrs = {"class": "form-select", "id": "id_school_class"}  # in flatatt's order

    django_select = forms.Select(choices=choices).render("school_class", value, attrs)
    quick = QuickSelect(choices=choices).render("school_class", value, attrs)
    assert quick == re.sub(r">\s+<", "><", django_select)  # the template's line breaks aside
    assert "<option" in quick
