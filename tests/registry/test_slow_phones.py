"""What a phone on a slow line downloads: pages compressed, files as they are, and a favicon
that is there (a browser asks for /favicon.ico on every site, and a 404 page costs a request)."""

import gzip

from django.urls import reverse


def test_a_page_is_sent_compressed_to_a_browser_that_accepts_gzip(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.get(reverse("registry:pupil_list"), HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert pupil.name in page
    assert len(response.content) < len(page.encode()) / 3


def test_the_same_page_differs_in_length_from_one_request_to_the_next(client, class_teacher):
    """Django's random padding (and the masked CSRF token): a BREACH attacker cannot read a
    secret out of the compressed length."""
    client.force_login(class_teacher)

    lengths = {
        len(client.get(reverse("visits:record_create"), HTTP_ACCEPT_ENCODING="gzip").content)
        for _ in range(6)
    }

    assert len(lengths) > 1


def test_a_spreadsheet_is_sent_as_it_is(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.get(reverse("registry:register_xlsx"), HTTP_ACCEPT_ENCODING="gzip")

    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_the_favicon_is_served_at_the_root_of_the_site(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico


def test_every_page_names_its_icon(client, class_teacher):
    client.force_login(class_teacher)

    response = client.get(reverse("home"))

    assert b'rel="icon"' in response.content
