"""Headers that keep children's data out of caches and other sites' reach: no-store for
everything a signed-in person receives, and a strict Content-Security-Policy."""

import re
from pathlib import Path

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


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def test_pages_run_only_the_sites_own_scripts_and_styles_and_are_never_framed(client, principal):
    client.force_login(principal)

    policy = directives(client.get(reverse("registry:pupil_list")))

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in " ".join(policy.values())


def test_the_sign_in_page_has_the_policy_too(client):
    assert directives(client.get(reverse("login")))["script-src"] == "'self'"


def test_the_term_summary_preview_may_be_framed_by_the_site_itself_and_runs_no_script(
    client, principal, term
):
    client.force_login(principal)

    response = client.get(reverse("reports:term_report_preview", args=[term.pk]))

    policy = directives(response)
    assert policy["frame-ancestors"] == "'self'" and response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy["script-src"] == "'none'"


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Printed documents: their <style> is read by WeasyPrint (and the preview, allowed above).
PRINTED = {"registry/contactcard_pdf.html", "reports/_document_base.html"}


@pytest.mark.parametrize(
    "template",
    sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")),
)
def test_no_template_has_inline_script_handlers_or_styles(template):
    text = (TEMPLATES / template).read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "an inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "an inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "a style= attribute"
    assert "javascript:" not in text
    if template not in PRINTED:
        assert "<style" not in text
