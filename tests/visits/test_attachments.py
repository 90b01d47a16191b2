"""Attachments: photos and scans as evidence of a record, checked, re-encoded without their
EXIF position, served only to those who read the record, and all or nothing."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pairing import services as pairing_services
from registry.models import AccessLog, Consent
from tests.factories import consent_to
from tests.visits.files import (
    jpeg_with_gps,
    pdf_upload,
    png_header_only,
    png_upload,
    reencoding_depths,
)
from visits import services
from visits.models import CareRecord, RecordAttachment


@pytest.fixture(autouse=True)
def photo_consent(pupil):
    """The guardian agreed to photos (without it they are refused: tests/registry/test_consent)."""
    consent_to(pupil, Consent.Purpose.PHOTOS)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def visit(actor, pupils, uploads=()) -> CareRecord:
    return services.record_create(
        actor=actor, pupils=pupils, kind="home_visit", content="到家中看望", uploads=list(uploads)
    )


def stored_files(media) -> list:
    return sorted(path.name for path in media.rglob("*") if path.is_file())


def test_a_phone_photo_is_scaled_down_and_loses_where_it_was_taken(class_teacher, pupil, media):
    record = visit(class_teacher, [pupil], [jpeg_with_gps()])

    attachment = record.attachments.get()
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 2000
        assert image.getexif().get_ifd(0x8825) == {}  # no GPS position
        assert 0x010F not in image.getexif()
    assert (attachment.original_name, attachment.content_type) == ("photo.jpg", "image/jpeg")
    assert attachment.size == attachment.file.size
    assert attachment.file.name.startswith(f"attachments/{pupil.school_id}/")
    assert "photo" not in attachment.file.name  # the stored name is random


def test_a_pdf_scan_is_kept_as_it_is(class_teacher, pupil):
    upload = pdf_upload()
    original = upload.read()
    record = visit(class_teacher, [pupil], [upload])

    with record.attachments.get().file.open("rb") as stored:
        assert stored.read() == original


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.jpg", b"MZ\x90\x00 not a photo"), "不是照片（JPG、PNG）或 PDF 文件"),
        (SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n broken"), "无法打开，可能已损坏"),
        (SimpleUploadedFile("a.html", b"<script>alert(1)</script>"), "不是照片"),
    ],
)
def test_a_file_that_is_not_a_photo_or_a_pdf_is_refused_and_nothing_is_saved(
    class_teacher, pupil, media, upload, message
):
    with pytest.raises(ValidationError) as refused:
        visit(class_teacher, [pupil], [png_upload(), upload])

    assert message in str(refused.value.message_dict["files"])
    assert CareRecord.objects.count() == 0 and RecordAttachment.objects.count() == 0
    assert stored_files(media) == []  # the good photo written first went with the rest


def test_a_file_over_the_size_limit_is_refused(class_teacher, pupil, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 100)

    with pytest.raises(ValidationError) as refused:
        visit(class_teacher, [pupil], [png_upload(size=(400, 400))])

    assert "太大" in str(refused.value)


@pytest.mark.parametrize("size", [(8_000, 7_000), (12_000, 12_000)])  # 56 and 144 megapixels
def test_a_photo_with_too_many_pixels_is_refused_before_its_pixels_are_decoded(
    class_teacher, pupil, monkeypatch, size
):
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda image: decoded.append(image))

    with pytest.raises(ValidationError) as refused:
        visit(class_teacher, [pupil], [png_header_only("炸弹.png", *size)])

    assert "“炸弹.png”的像素太多，照片不超过 5200 万像素。" in str(refused.value)
    assert decoded == []
    assert Image.MAX_IMAGE_PIXELS == services.PHOTO_MAX_PIXELS  # a bomb elsewhere raises too


def test_a_record_takes_at_most_six_attachments(class_teacher, pupil):
    record = visit(class_teacher, [pupil], [png_upload() for _ in range(6)])

    with pytest.raises(ValidationError, match="最多 6 个"):
        services.attachments_add(actor=class_teacher, record=record, uploads=[png_upload()])


def test_the_author_adds_a_photo_on_the_record_page_and_a_reader_sees_it(
    client, class_teacher, principal, pupil
):
    record = visit(class_teacher, [pupil])
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:attachment_add", args=[record.pk]),
        {"kind": "letter", "files": [png_upload("责任书.png")]},
        follow=True,
    )

    attachment = record.attachments.get()
    assert attachment.kind == "letter"
    assert "附件已上传" in response.content.decode()
    client.force_login(principal)
    served = client.get(reverse("visits:attachment", args=[record.pk, attachment.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in served.get("Content-Disposition", "")  # a photo shows in the page
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (40, 30)
    log = AccessLog.objects.filter(actor=principal).get()
    assert (log.pupil, log.detail) == (pupil, "查看附件：责任书.png")


def test_a_bad_file_on_the_record_page_is_named_in_the_message(client, class_teacher, pupil):
    record = visit(class_teacher, [pupil])
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:attachment_add", args=[record.pk]),
        {"kind": "photo", "files": [SimpleUploadedFile("病历.docx", b"PK\x03\x04")]},
        follow=True,
    )

    assert "“病历.docx”不是照片（JPG、PNG）或 PDF 文件。" in response.content.decode()
    assert record.attachments.count() == 0


def test_an_empty_file_on_the_record_page_gets_the_forms_reason_not_choose_a_file(
    client, class_teacher, pupil
):
    record = visit(class_teacher, [pupil])
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:attachment_add", args=[record.pk]),
        {"kind": "photo", "files": [SimpleUploadedFile("空.png", b"")]},
        follow=True,
    )

    page = response.content.decode()
    assert "所提交的是空文件。" in page and "请选择要上传的文件。" not in page
    assert record.attachments.count() == 0


def test_an_uploaded_pdf_is_downloaded_not_opened_in_the_sites_origin(client, class_teacher, pupil):
    record = visit(class_teacher, [pupil], [pdf_upload("责任书.pdf")])
    client.force_login(class_teacher)

    served = client.get(reverse("visits:attachment", args=[record.pk, record.attachments.get().pk]))

    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served["Cache-Control"]


def test_someone_outside_the_records_scope_gets_404_for_its_photo(
    client, class_teacher, other_teacher, pupil
):
    record = visit(class_teacher, [pupil], [png_upload()])
    client.force_login(other_teacher)

    url = reverse("visits:attachment", args=[record.pk, record.attachments.get().pk])

    assert client.get(url).status_code == 404


def test_a_counselling_records_scan_is_served_only_to_those_who_read_counselling(
    client, admin_user, counsellor, principal, class_teacher, pupil
):
    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="保密", uploads=[pdf_upload()]
    )
    url = reverse("visits:attachment", args=[record.pk, record.attachments.get().pk])

    answers = {}
    for user in (counsellor, principal, class_teacher, admin_user):
        client.force_login(user)
        answers[user.username] = client.get(url).status_code

    assert answers == {
        counsellor.username: 200,
        principal.username: 200,
        class_teacher.username: 404,
        admin_user.username: 404,
    }


def test_only_the_author_and_the_administrator_add_attachments(
    client, admin_user, class_teacher, pair_teacher, pupil
):
    pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
    )
    record = visit(class_teacher, [pupil])

    with pytest.raises(Exception) as refused:
        services.attachments_add(actor=pair_teacher, record=record, uploads=[png_upload()])

    assert refused.type.__name__ == "PermissionDenied"
    services.attachments_add(actor=admin_user, record=record, uploads=[png_upload()])
    assert record.attachments.count() == 1


def test_photos_chosen_on_the_record_form_are_saved_with_the_record(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:record_create"),
        {
            "kind": "home_visit",
            "occurred_on": "2026-11-02",
            "pupils": [pupil.pk],
            "content": "家访",
            "files": [png_upload("a.png"), pdf_upload("b.pdf")],
        },
    )

    record = CareRecord.objects.get()
    assert response.status_code == 302
    assert sorted(record.attachments.values_list("original_name", flat=True)) == ["a.png", "b.pdf"]


def test_a_photo_is_re_encoded_before_the_records_transaction_begins(
    class_teacher, pupil, monkeypatch
):
    """On SQLite the record's transaction holds the one write lock every writer waits for:
    the slow part of a photo, decoding and re-encoding it, is done before the lock is taken."""
    outside, depths = reencoding_depths(monkeypatch, services)

    record = visit(class_teacher, [pupil], [png_upload()])
    services.attachments_add(actor=class_teacher, record=record, uploads=[png_upload()])

    assert depths == [outside, outside]
    assert record.attachments.count() == 2
