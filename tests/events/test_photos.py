"""Event photos: re-encoded like care-record attachments, served only to those who read the
event, never deleted, and not taken silently of children whose guardians did not consent."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from events import services
from events.models import EventPhoto
from registry.models import AccessLog, Consent
from tests.factories import consent_to, make_pupil
from tests.visits.files import jpeg_with_gps, pdf_upload, png_upload, reencoding_depths


@pytest.fixture(autouse=True)
def media(media_root):
    return media_root


@pytest.fixture
def lesson(class_teacher, pupil):
    """A safety lesson of 王小明's class; his guardian consented to photos."""
    consent_to(pupil, Consent.Purpose.PHOTOS)
    return services.event_create(
        actor=class_teacher, kind="safety", school_class=pupil.school_class, place="教室",
        led_by=class_teacher, content="防溺水",
    )  # fmt: skip


@pytest.fixture
def unconsented(admin_user, school_class):
    return make_pupil(actor=admin_user, school_class=school_class, name="李芳")


def test_a_photo_taken_with_the_event_is_scaled_down_loses_its_position_and_has_a_thumbnail(
    class_teacher, pupil
):
    consent_to(pupil, Consent.Purpose.PHOTOS)

    event = services.event_create(
        actor=class_teacher, kind="safety", school_class=pupil.school_class, place="教室",
        led_by=class_teacher, content="防溺水", photos=[jpeg_with_gps()],
    )  # fmt: skip

    photo = event.photos.get()
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 2000
        assert image.getexif().get_ifd(0x8825) == {}
    with photo.thumbnail.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 480
    assert photo.file.name.startswith(f"event-photos/{pupil.school_id}/")
    assert not photo.confirmed_absent


def test_children_without_photo_consent_are_listed_and_the_photo_refused_until_ticked(
    client, class_teacher, lesson, unconsented
):
    lesson.pupils.add(unconsented)
    client.force_login(class_teacher)
    url = reverse("events:photo_add", args=[lesson.pk])

    page = client.get(reverse("events:event_detail", args=[lesson.pk])).content.decode()
    refused = client.post(url, {"photos": [png_upload()]})
    taken = client.post(url, {"photos": [png_upload()], "photos_confirmed": "on"})

    assert "李芳" in page and "照片中没有以上儿童" in page
    assert refused.status_code == 200
    assert "李芳的监护人尚未同意使用照片" in str(refused.context["photos_form"].errors["photos"])
    assert taken.status_code == 302
    photo = lesson.photos.get()
    assert photo.confirmed_absent
    assert AccessLog.objects.filter(detail__contains="确认照片中没有：李芳").exists()


def test_the_event_form_refuses_a_photo_of_unconsented_children_and_saves_nothing(
    client, class_teacher, pupil, unconsented
):
    client.force_login(class_teacher)
    data = {
        "kind": "safety", "occurred_on": "2026-06-01", "school_class": pupil.school_class_id,
        "place": "教室", "led_by": class_teacher.pk, "content": "防溺水",
        "pupils": [pupil.pk, unconsented.pk], "guardians": 0, "save": "1",
        "photos": [png_upload()],
    }  # fmt: skip

    response = client.post(reverse("events:event_create"), data)

    assert response.status_code == 200
    assert "李芳" in str(response.context["form"].errors["photos"])
    assert {child.name for child in response.context["no_photo_consent"]} == {"王小明", "李芳"}
    assert not EventPhoto.objects.exists()
    assert response.context["form"].instance.pk is None


def test_a_pdf_is_not_an_event_photo(class_teacher, lesson):
    with pytest.raises(ValidationError, match="不是照片"):
        services.event_photos_add(actor=class_teacher, event=lesson, uploads=[pdf_upload()])
    assert not EventPhoto.objects.exists()


def test_a_teacher_of_another_class_neither_sees_nor_adds_the_photos(
    client, class_teacher, other_teacher, lesson
):
    photo = services.event_photos_add(actor=class_teacher, event=lesson, uploads=[png_upload()])[0]
    client.force_login(other_teacher)

    assert client.get(reverse("events:photo", args=[lesson.pk, photo.pk])).status_code == 404
    add = client.post(reverse("events:photo_add", args=[lesson.pk]), {"photos": [png_upload()]})
    assert add.status_code == 404


def test_opening_a_photo_is_logged_but_its_thumbnail_on_the_page_is_not(
    client, class_teacher, lesson
):
    photo = services.event_photos_add(actor=class_teacher, event=lesson, uploads=[png_upload()])[0]
    client.force_login(class_teacher)
    before = AccessLog.objects.count()

    thumb = client.get(reverse("events:photo", args=[lesson.pk, photo.pk]) + "?thumb=1")
    full = client.get(reverse("events:photo", args=[lesson.pk, photo.pk]))

    assert thumb["Content-Type"] == "image/jpeg" and full["Content-Type"] == "image/png"
    assert full["Cache-Control"] == "private, no-store"
    assert AccessLog.objects.count() == before + 1


def test_a_voided_photo_stays_with_its_reason_and_is_no_longer_served(
    client, class_teacher, lesson
):
    photo = services.event_photos_add(actor=class_teacher, event=lesson, uploads=[png_upload()])[0]
    client.force_login(class_teacher)

    response = client.post(
        reverse("events:photo_void", args=[lesson.pk, photo.pk]), {"void_reason": "拍错了"}
    )

    photo.refresh_from_db()
    assert response.status_code == 302
    assert photo.void_reason == "拍错了" and photo.file
    page = client.get(reverse("events:event_detail", args=[lesson.pk])).content.decode()
    assert "照片已作废：拍错了" in page
    assert client.get(reverse("events:photo", args=[lesson.pk, photo.pk])).status_code == 404


def test_the_event_page_keeps_its_queries_as_photos_grow(
    client, class_teacher, lesson, django_assert_num_queries
):
    services.event_photos_add(actor=class_teacher, event=lesson, uploads=[png_upload()])
    client.force_login(class_teacher)
    url = reverse("events:event_detail", args=[lesson.pk])
    with django_assert_num_queries(10) as one:
        client.get(url)
    services.event_photos_add(
        actor=class_teacher, event=lesson, uploads=[png_upload(), png_upload()]
    )

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["photos"]) == 3


def test_photos_are_added_by_post_only(client, class_teacher, lesson):
    client.force_login(class_teacher)

    response = client.get(reverse("events:photo_add", args=[lesson.pk]))

    assert response.status_code == 405


def test_photos_are_re_encoded_before_the_events_transaction_begins(
    class_teacher, pupil, monkeypatch
):
    """On SQLite a write's transaction holds the one write lock every writer waits for: the
    slow part of a photo, decoding and re-encoding it, is done before the lock is taken, with
    the event and when photos are added to it."""
    consent_to(pupil, Consent.Purpose.PHOTOS)
    outside, depths = reencoding_depths(monkeypatch, services)

    event = services.event_create(
        actor=class_teacher, kind="safety", school_class=pupil.school_class, place="教室",
        led_by=class_teacher, content="防溺水", photos=[png_upload()],
    )  # fmt: skip
    services.event_photos_add(actor=class_teacher, event=event, uploads=[png_upload()])

    assert depths == [outside, outside]
    assert event.photos.count() == 2
