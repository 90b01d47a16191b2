"""Headers that keep children's data out of caches and other sites' reach: no-store for
everything a signed-in person receives, and a strict Content-Security-Policy."""

import pytest
from django.urls import reverse

from tests.visits.files import pdf_upload
from visits import services as visits_services


@pytest.fixture
def scan(class_teacher, pupil, media_root):
    record = visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="home_visit", content="家访",
        uploads=[pdf_upload()],
    )  # fmt: skip
    return reverse("visits:attachment", args=[record.pk, record.attachments.get().pk])


@pytest.mark.parametrize(
    ("name", "of_pupil"),
    [
        ("registry:pupil_list", False),  # a page
        ("registry:pupil_detail", True),
        ("registry:register_xlsx", False),  # an export
        ("registry:contact_card_pdf", True),  # PDFs
        ("reports:growth_archive", True),
        ("attachment", False),
    ],
)
def test_nothing_a_signed_in_person_receives_is_kept_in_a_cache(
    client, principal, pupil, scan, name, of_pupil
):
    client.force_login(principal)
    url = scan if name == "attachment" else reverse(name, args=[pupil.pk] if of_pupil else [])

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_reveal_is_not_kept_in_a_cache(client, admin_user, pupil):
    client.force_login(admin_user)

    response = client.post(
        reverse("registry:pupil_reveal", args=[pupil.pk]), {"field": "guardian.phone"}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
