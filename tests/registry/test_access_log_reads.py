"""Every read of a child's data is logged, and so is every request refused for a child
outside the person's scope (the person still gets the same 404 as for no child at all)."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from pairing import services as pairing_services
from pairing.models import Pair
from registry.models import AccessLog
from visits import services as visits_services
from visits.models import DropoutCase, Emergency


def page_of(response, path: str) -> str:
    """The page without its CSRF token (new for each response) and its own address (the
    language switch returns to it)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return text.replace(path, "PATH")


def logged(actor, action) -> list[tuple[str, str]]:
    rows = AccessLog.objects.filter(actor=actor, action=action).select_related("pupil")
    return [(row.pupil.name if row.pupil else "", row.detail) for row in rows.order_by("pk")]


@pytest.fixture
def counselling(counsellor, pupil):
    return visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="保密"
    )


def test_reading_a_counselling_record_is_logged_for_each_child_named(
    client, principal, counselling, pupil
):
    client.force_login(principal)
    client.get(reverse("visits:record_detail", args=[counselling.pk]))

    assert logged(principal, AccessLog.Action.READ) == [(pupil.name, "关爱记录：心理辅导")]


def test_reading_an_emergency_a_dropout_case_and_a_pair_is_logged(
    client, admin_user, class_teacher, pupil, pair_teacher
):
    emergency = visits_services.emergency_create(
        actor=admin_user,
        pupils=[pupil],
        kind=Emergency.Kind.MISSING,
        occurred_at=timezone.now(),
        description="放学未回家",
    )
    case = visits_services.dropout_case_open(
        actor=admin_user, pupil=pupil, reason="连续三天未到校", opened_on=timezone.localdate()
    )
    pair = pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind=Pair.Kind.TEACHER, teacher=pair_teacher
    )
    client.force_login(class_teacher)

    for url in (
        reverse("visits:emergency_detail", args=[emergency.pk]),
        reverse("visits:dropout_detail", args=[case.pk]),
        reverse("pairing:pair_detail", args=[pair.pk]),
    ):
        assert client.get(url).status_code == 200

    assert logged(class_teacher, AccessLog.Action.READ) == [
        (pupil.name, "突发事件"),
        (pupil.name, "控辍保学"),
        (pupil.name, "结对与帮扶计划"),
    ]
    assert isinstance(case, DropoutCase)


def test_opening_the_edit_form_which_shows_the_whole_archive_is_logged(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)
    client.get(reverse("registry:pupil_edit", args=[pupil.pk]))

    assert logged(class_teacher, AccessLog.Action.VIEW) == [(pupil.name, "编辑表单")]


@pytest.mark.parametrize(
    "url_name",
    ["registry:pupil_detail", "registry:pupil_edit", "registry:contact_card"],
)
def test_a_request_for_another_classs_child_is_refused_like_a_missing_one_and_logged(
    client, class_teacher, other_pupil, url_name
):
    client.force_login(class_teacher)

    path, nowhere = (reverse(url_name, args=[pk]) for pk in (other_pupil.pk, other_pupil.pk + 999))
    refused, missing = client.get(path), client.get(nowhere)

    assert refused.status_code == missing.status_code == 404
    assert page_of(refused, path) == page_of(missing, nowhere)
    assert logged(class_teacher, AccessLog.Action.REFUSED) == [(other_pupil.name, path)]


def test_a_request_for_a_record_about_another_classs_child_is_refused_and_logged(
    client, class_teacher, other_teacher, other_pupil
):
    record = visits_services.record_create(
        actor=other_teacher, pupils=[other_pupil], kind="talk", content="谈心"
    )
    client.force_login(class_teacher)

    assert client.get(reverse("visits:record_detail", args=[record.pk])).status_code == 404

    assert [name for name, _path in logged(class_teacher, AccessLog.Action.REFUSED)] == [
        other_pupil.name
    ]


def test_the_registrar_exports_the_access_log_as_filtered_by_child_person_and_date(
    client, admin_user, class_teacher, pupil, other_pupil
):
    client.force_login(class_teacher)
    client.get(reverse("registry:pupil_detail", args=[pupil.pk]))
    client.get(reverse("registry:pupil_detail", args=[other_pupil.pk]))  # refused, logged
    client.force_login(admin_user)
    today = timezone.localdate().isoformat()

    response = client.get(
        reverse("registry:access_log_xlsx"),
        {"pupil_id": other_pupil.pk, "actor": class_teacher.pk, "date_from": today},
    )

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(index for index, row in enumerate(values) if row[0] == "时间")
    rows = [row for row in values[header + 1 :] if row[0]]
    assert [(row[1], row[2], row[3]) for row in rows] == [
        (str(class_teacher), "拒绝访问", other_pupil.name)
    ]
    assert AccessLog.objects.filter(
        actor=admin_user, action=AccessLog.Action.EXPORT, detail="导出访问日志"
    ).exists()
