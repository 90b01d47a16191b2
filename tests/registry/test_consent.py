"""A guardian's consent per child (PIPL art. 31, 未成年人保护法 art. 72): recorded and withdrawn
with history, shown on the pupil's page, and checked where it matters: photos and sharing."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from registry import services
from registry.models import AccessLog, ArchiveRevision, Consent
from tests.factories import consent_to, make_pupil
from tests.visits.files import pdf_upload, png_upload
from visits import services as visits_services
from visits.models import CareRecord

PHOTO_REFUSED = "的监护人尚未同意使用照片（或已撤回），不能上传照片。请先在档案中登记知情同意。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def record(actor, pupil, **fields) -> Consent:
    values = {
        "given_by": "王德福",
        "given_by_relation": "祖父",
        "given_on": datetime.date(2026, 9, 1),
    }
    return services.consent_record(actor=actor, pupil=pupil, **(values | fields))


def panel(client, pupil) -> dict[str, str]:
    """The consent panel's rows, purpose: the text shown."""
    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    rows = {}
    for purpose in Consent.Purpose.values:
        start = page.index(f'data-consent="{purpose}"')
        text = page[start : page.index("</li>", start)]
        rows[purpose] = " ".join(
            part.split(">")[-1].strip() for part in text.split("<") if part.split(">")[-1].strip()
        )
    return rows


def test_a_recorded_consent_shows_on_the_pupils_page_with_its_date_and_giver_and_in_the_history(
    client, class_teacher, pupil
):
    record(actor=class_teacher, pupil=pupil, purpose="photos")
    client.force_login(class_teacher)

    rows = panel(client, pupil)

    assert rows["photos"] == "照片 已同意 2026-09-01 · 王德福（祖父）"
    assert rows["archive"] == "建立档案 未登记"
    revision = ArchiveRevision.objects.filter(pupil=pupil).first()
    assert revision.summary == "登记知情同意：照片"
    assert revision.changes[0] | {"key": ""} == {
        "key": "",
        "field": "知情同意·照片",
        "old": "未登记",
        "new": "已同意（2026-09-01，王德福（祖父））",
    }
    assert AccessLog.objects.filter(actor=class_teacher, action="update", pupil=pupil).exists()


def test_a_withdrawn_consent_stays_dated_on_the_page_and_in_the_history(
    client, class_teacher, pupil
):
    consent = record(actor=class_teacher, pupil=pupil, purpose="village")

    services.consent_withdraw(actor=class_teacher, consent=consent, on=datetime.date(2026, 10, 8))

    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (
        datetime.date(2026, 10, 8),
        class_teacher,
    )
    assert Consent.objects.filter(pupil=pupil).count() == 1  # nothing deleted
    client.force_login(class_teacher)
    assert panel(client, pupil)["village"] == "与村（居）委会共享 已撤回 2026-10-08"
    latest = ArchiveRevision.objects.filter(pupil=pupil).first()
    assert (latest.summary, latest.changes[0]["new"]) == (
        "撤回知情同意：与村（居）委会共享",
        "已撤回（2026-10-08）",
    )


def test_a_second_consent_for_a_purpose_in_force_is_refused_until_the_first_is_withdrawn(
    class_teacher, pupil
):
    first = record(actor=class_teacher, pupil=pupil, purpose="photos")

    with pytest.raises(ValidationError) as refused:
        record(actor=class_teacher, pupil=pupil, purpose="photos", given_by="王小红")

    assert "请先撤回原来的同意" in str(refused.value)
    services.consent_withdraw(actor=class_teacher, consent=first, on=datetime.date(2026, 9, 2))
    again = record(
        actor=class_teacher, pupil=pupil, purpose="photos", given_on=datetime.date(2026, 9, 3)
    )
    assert list(Consent.objects.in_force().filter(pupil=pupil)) == [again]


def test_a_consent_dated_tomorrow_or_withdrawn_before_it_was_given_is_refused(class_teacher, pupil):
    with pytest.raises(ValidationError, match="同意日期不能晚于今天"):
        record(
            actor=class_teacher, pupil=pupil, purpose="archive", given_on=datetime.date(2999, 1, 1)
        )
    consent = record(actor=class_teacher, pupil=pupil, purpose="archive")
    with pytest.raises(ValidationError, match="撤回日期不能早于同意日期"):
        services.consent_withdraw(
            actor=class_teacher, consent=consent, on=datetime.date(2026, 8, 1)
        )
    assert Consent.objects.in_force().filter(pupil=pupil).count() == 1


def test_the_head_teacher_records_and_withdraws_on_the_consent_page(client, class_teacher, pupil):
    client.force_login(class_teacher)
    url = reverse("registry:pupil_consent", args=[pupil.pk])

    form = client.get(url).content.decode()
    assert 'value="王德福"' in form and 'value="祖父"' in form  # the archive's guardian
    given = {"given_by": "王德福", "given_by_relation": "祖父", "given_on": "2026-09-01"}
    response = client.post(url, {"purpose": "archive", **given})
    assert response.status_code == 302
    consent = Consent.objects.get(pupil=pupil)
    response = client.post(
        url, {"withdraw": "1", "consent": consent.pk, "withdrawn_on": "2026-09-30"}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 9, 30)


def test_the_consent_page_shows_a_missing_giver_beside_its_field(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.post(
        reverse("registry:pupil_consent", args=[pupil.pk]),
        {
            "purpose": "photos",
            "given_by": "",
            "given_by_relation": "祖父",
            "given_on": "2026-09-01",
        },
    )

    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    assert not Consent.objects.exists()


# --- photos -------------------------------------------------------------------------------------


def visit(actor, pupils, uploads) -> CareRecord:
    return visits_services.record_create(
        actor=actor, pupils=pupils, kind="home_visit", content="家访", uploads=uploads
    )


def test_a_photo_of_a_child_without_photo_consent_is_refused_beside_the_file_field(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:record_create"),
        {"kind": "home_visit", "occurred_on": "2026-11-02", "pupils": [pupil.pk],
         "content": "家访", "files": [png_upload("a.png")]},
    )  # fmt: skip

    assert response.status_code == 200
    assert f"王小明{PHOTO_REFUSED}" in response.content.decode()
    assert not CareRecord.objects.exists()  # nothing half-written


def test_a_photo_is_accepted_once_the_guardian_consented(class_teacher, pupil):
    consent_to(pupil, Consent.Purpose.PHOTOS)

    saved = visit(class_teacher, [pupil], [png_upload()])

    assert saved.attachments.count() == 1


def test_a_photo_naming_two_children_names_the_one_without_consent(
    class_teacher, school_class, pupil
):
    consent_to(pupil, Consent.Purpose.PHOTOS)
    other = make_pupil(actor=class_teacher, school_class=school_class, name="李小花", gender="F")

    with pytest.raises(ValidationError) as refused:
        visit(class_teacher, [pupil, other], [png_upload()])

    assert str(refused.value.messages) == str([f"李小花{PHOTO_REFUSED}"])


def test_a_withdrawn_photo_consent_refuses_photos_again_on_the_record_page(
    client, class_teacher, pupil
):
    [consent] = consent_to(pupil, Consent.Purpose.PHOTOS)
    saved = visit(class_teacher, [pupil], [png_upload()])
    services.consent_withdraw(actor=class_teacher, consent=consent, on=datetime.date(2026, 10, 1))
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:attachment_add", args=[saved.pk]),
        {"kind": "photo", "files": [png_upload("b.png")]},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-error="files">王小明{PHOTO_REFUSED}' in page
    assert saved.attachments.count() == 1


def test_a_signed_letter_scan_needs_no_photo_consent(client, class_teacher, pupil):
    saved = visit(class_teacher, [pupil], [])
    client.force_login(class_teacher)

    client.post(
        reverse("visits:attachment_add", args=[saved.pk]),
        {"kind": "letter", "files": [pdf_upload("责任书.pdf")]},
    )

    assert saved.attachments.get().kind == "letter"


# --- sharing and the list -------------------------------------------------------------------------


def test_the_sharing_list_holds_only_consenting_children_and_says_how_many_are_left_out(
    client, admin_user, school_class, pupil
):
    agreed = make_pupil(actor=admin_user, school_class=school_class, name="李小花", gender="F")
    consent_to(agreed, Consent.Purpose.VOLUNTEERS)
    consent_to(pupil, Consent.Purpose.VILLAGE)  # not for volunteers
    withdrawn = make_pupil(actor=admin_user, school_class=school_class, name="赵小军")
    [consent] = consent_to(withdrawn, Consent.Purpose.VOLUNTEERS)
    services.consent_withdraw(actor=admin_user, consent=consent, on=datetime.date(2026, 9, 2))
    client.force_login(admin_user)

    response = client.get(reverse("registry:sharing_xlsx"), {"purpose": "volunteers"})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "青山镇中心小学共享名单（与志愿者共享）"
    assert "另有2名儿童因监护人未同意（或已撤回）未列入" in rows[1][0]
    names = [row[2] for row in rows[3:]]
    assert names == ["李小花"]
    assert rows[3][8] == "138****1234"  # the guardian's phone, masked
    log = AccessLog.objects.get(action="export")
    assert (log.pupil, log.detail) == (
        agreed,
        "导出共享名单（与志愿者共享），因未取得同意未列入2名",
    )


def test_the_sharing_list_for_an_unknown_purpose_is_404(client, admin_user, pupil):
    client.force_login(admin_user)

    assert client.get(reverse("registry:sharing_xlsx"), {"purpose": "photos"}).status_code == 404


def test_the_pupil_list_finds_the_children_without_archive_consent(
    client, admin_user, school_class, pupil
):
    signed = make_pupil(actor=admin_user, school_class=school_class, name="李小花", gender="F")
    consent_to(signed, Consent.Purpose.ARCHIVE)
    client.force_login(admin_user)

    page = client.get(reverse("registry:pupil_list"), {"no_consent": "on"}).content.decode()

    assert "王小明" in page and "李小花" not in page


def test_a_pdf_on_a_new_record_is_kept_as_a_scan_and_needs_no_photo_consent(
    class_teacher, pupil, media_root
):
    record = visits_services.record_create(
        actor=class_teacher,
        pupils=[pupil],
        kind="home_visit",
        content="家访",
        uploads=[pdf_upload()],
    )

    assert record.attachments.get().kind == "scan"
