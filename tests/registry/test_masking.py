"""A masked ID number reveals nothing its reader may not know: not with the birth date beside
it, not through the search, not through the edit form's duplicate check."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from caresys.lib.identity import id_check_digit
from registry.models import AccessLog, Pupil
from tests.factories import make_pupil
from tests.registry.test_views import archive_post_data, new_pupil_data


def candidates(masked: str, birth_date: datetime.date, gender: str, areas: list[str]) -> list[str]:
    """Every valid number that agrees with what a reader sees: the masked text (each shown
    character in place), the birth date and sex shown beside it, a known area code. The attack
    the issue describes, widened to every hidden position."""
    birth = f"{birth_date:%Y%m%d}"
    found = []
    for area in areas:
        for sequence in range(1000):
            digits = f"{area}{birth}{sequence:03d}"
            if ("M" if sequence % 2 else "F") != gender:
                continue
            number = digits + id_check_digit(digits)
            if all(shown in ("*", actual) for shown, actual in zip(masked, number, strict=True)):
                found.append(number)
    return found


@pytest.fixture
def class_of_pupils(admin_user, school_class):
    return [
        make_pupil(
            actor=admin_user,
            school_class=school_class,
            name=f"学生{index}",
            gender="MF"[index % 2],
            birth_date=datetime.date(2016, 1 + index % 12, 1 + index),
        )
        for index in range(12)
    ]


def test_the_masked_export_and_the_birth_date_leave_every_number_unrecoverable(
    client, class_teacher, class_of_pupils
):
    client.force_login(class_teacher)
    response = client.get(reverse("registry:archive_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, [cell.value for cell in row], strict=True))
        for row in sheet.iter_rows(min_row=2)
        if row[0].value
    ]
    by_name = {pupil.name: pupil for pupil in class_of_pupils}
    # The area codes of the county are public; a teacher knows the pupils' villages.
    areas = sorted({pupil.id_number[:6] for pupil in class_of_pupils} | {"430524", "430525"})

    recovered = []
    for row in rows:
        pupil = by_name[row["姓名"]]
        assert row["身份证号"] != pupil.id_number
        found = candidates(row["身份证号"], pupil.birth_date, pupil.gender, areas)
        assert pupil.id_number in found  # the attack is sound: the truth is among them
        if len(found) == 1:
            recovered.append(pupil.name)

    assert len(rows) == len(class_of_pupils)
    assert recovered == []


def test_a_teacher_cannot_find_a_pupil_by_the_end_of_an_id_number_or_by_student_number(
    client, class_teacher, admin_user, class_of_pupils
):
    pupil = class_of_pupils[0]

    def found(user, query: str) -> list[Pupil]:
        client.force_login(user)
        page = client.get(reverse("registry:pupil_list"), {"q": query})
        return list(page.context["page"].object_list)

    assert found(class_teacher, pupil.id_number[-4:]) == []
    assert found(class_teacher, pupil.student_number[3:9]) == []
    assert pupil in found(admin_user, pupil.id_number[-4:])
    assert pupil in found(class_teacher, pupil.name)


def test_a_teacher_who_types_another_pupils_number_is_only_sent_to_the_registrar(
    client, class_teacher, admin_user, pupil, other_pupil
):
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil)
    data["pupil-id_number"] = other_pupil.id_number

    page = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data).content.decode()

    assert "请联系学籍管理员核对" in page
    assert "已登记在本校另一名学生的档案中" not in page
    pupil.refresh_from_db()
    assert pupil.id_number != other_pupil.id_number


def test_a_number_typed_that_belongs_to_another_pupil_is_logged_against_that_pupil(
    client, class_teacher, pupil, other_pupil
):
    # The refusal still tells a taken number from a free one; the registrar sees who tries.
    client.force_login(class_teacher)
    data = archive_post_data(client, pupil)
    data["pupil-id_number"] = other_pupil.id_number

    client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data)

    refused = AccessLog.objects.get(action=AccessLog.Action.REFUSED)
    assert (refused.actor, refused.pupil) == (class_teacher, other_pupil)
    assert "号码" in refused.detail


def test_a_taken_number_typed_into_a_new_archive_is_logged_and_a_free_one_is_not(
    client, class_teacher, school_class, other_pupil
):
    client.force_login(class_teacher)
    taken = new_pupil_data(school_class, **{"pupil-student_number": other_pupil.student_number})
    free = new_pupil_data(school_class, **{"pupil-name": ""})

    client.post(reverse("registry:pupil_create"), taken)
    client.post(reverse("registry:pupil_create"), free)

    refused = AccessLog.objects.filter(action=AccessLog.Action.REFUSED)
    assert [log.pupil for log in refused] == [other_pupil]


def test_the_registrar_is_told_the_number_belongs_to_another_pupil(
    client, admin_user, pupil, other_pupil
):
    client.force_login(admin_user)
    data = archive_post_data(client, pupil)
    data["pupil-id_number"] = other_pupil.id_number

    page = client.post(reverse("registry:pupil_edit", args=[pupil.pk]), data).content.decode()

    assert "该身份证号已登记在本校另一名学生的档案中" in page


def test_revealing_full_id_numbers_stops_at_the_daily_limit_except_for_the_registrar(
    client, settings, principal, admin_user, pupil, other_pupil
):
    settings.CARESYS_DAILY_ID_REVEALS = 2

    def reveal(user, target, field="pupil.id_number"):
        client.force_login(user)
        return client.post(reverse("registry:pupil_reveal", args=[target.pk]), {"field": field})

    assert reveal(principal, pupil).json()["value"] == pupil.id_number
    assert reveal(principal, other_pupil, "pupil.student_number").status_code == 200
    refused = reveal(principal, other_pupil)
    assert refused.status_code == 429 and "value" not in refused.json()
    assert "联系学籍管理员" in refused.json()["error"]
    # Phones are revealed to be called: no limit.
    assert reveal(principal, pupil, "guardian.phone").status_code == 200
    assert AccessLog.objects.filter(
        actor=principal, action=AccessLog.Action.REFUSED, pupil=other_pupil
    ).exists()
    assert reveal(admin_user, other_pupil).json()["value"] == other_pupil.id_number
