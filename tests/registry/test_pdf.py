"""Contact cards as PDFs: Chinese text, embedded fonts, masking, and a fetcher on a leash."""

import io

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from caresys.lib.pdf import PdfFetchRefused, StaticOnlyFetcher, html_to_pdf
from registry import views
from registry.models import AccessLog
from tests.factories import make_pupil

CLASS_NAMES = ["王小明", "李小红", "张浩宇", "刘欣怡", "陈子豪"]
SNOOPING_HTML = '<p>联系卡</p><img src="file:///etc/passwd">'


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(reader: PdfReader) -> list:
    """Every font a page draws with; for composite (Type0) fonts, their descendant fonts."""
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] == "/Type0":
                fonts += [descendant.get_object() for descendant in font["/DescendantFonts"]]
            else:
                fonts.append(font)
    return fonts


def is_embedded(font) -> bool:
    descriptor = font["/FontDescriptor"].get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.fixture
def card_pdf(client):
    def get(user, pupil) -> PdfReader:
        client.force_login(user)
        return pdf_of(client.get(reverse("registry:contact_card_pdf", args=[pupil.pk])))

    return get


@pytest.fixture
def class_of_five(admin_user, school_class):
    for name in CLASS_NAMES[1:]:
        make_pupil(actor=admin_user, school_class=school_class, name=name)
    make_pupil(actor=admin_user, school_class=school_class, name=CLASS_NAMES[0])
    return school_class


# --- one card --------------------------------------------------------------------------------


def test_a_class_teachers_contact_card_pdf_shows_the_child_guardian_and_teacher_in_chinese(
    card_pdf, class_teacher, pupil
):
    text = text_of(card_pdf(class_teacher, pupil))
    for expected in ("留守儿童联系卡", "王小明", "王德福", "张老师"):
        assert expected in text


def test_every_font_in_a_contact_card_pdf_is_embedded(card_pdf, class_teacher, pupil):
    fonts = fonts_of(card_pdf(class_teacher, pupil))
    assert fonts
    assert [font["/BaseFont"] for font in fonts if not is_embedded(font)] == []


def test_the_class_teacher_sees_full_phones_on_the_card(card_pdf, class_teacher, pupil):
    text = text_of(card_pdf(class_teacher, pupil))
    assert "13812341234" in text
    assert "****" not in text


def test_the_principal_sees_masked_phones_on_the_card(card_pdf, principal, pupil):
    text = text_of(card_pdf(principal, pupil))
    assert "138****1234" in text
    assert "13812341234" not in text
    assert "13700001111" not in text


def test_exporting_a_card_pdf_is_written_to_the_access_log(card_pdf, principal, pupil):
    card_pdf(principal, pupil)
    assert AccessLog.objects.filter(
        actor=principal, pupil=pupil, action=AccessLog.Action.PDF
    ).exists()


def test_a_teacher_of_another_class_cannot_export_the_card(client, other_teacher, pupil):
    client.force_login(other_teacher)
    response = client.get(reverse("registry:contact_card_pdf", args=[pupil.pk]))
    assert response.status_code == 404


# --- a class's cards -------------------------------------------------------------------------


def test_the_class_cards_pdf_holds_every_left_behind_child_several_to_a_page(
    client, class_teacher, class_of_five
):
    client.force_login(class_teacher)
    reader = pdf_of(client.get(reverse("registry:class_cards_pdf", args=[class_of_five.pk])))
    text = text_of(reader)
    assert [name for name in CLASS_NAMES if name not in text] == []
    assert 2 <= len(reader.pages) < 5
    assert reader.pages[0].extract_text().count("留守儿童联系卡") >= 2


def test_exporting_the_class_cards_logs_one_row_per_child(client, class_teacher, class_of_five):
    client.force_login(class_teacher)
    client.get(reverse("registry:class_cards_pdf", args=[class_of_five.pk]))
    logs = AccessLog.objects.filter(actor=class_teacher, action=AccessLog.Action.PDF)
    assert sorted(log.pupil.name for log in logs) == sorted(CLASS_NAMES)


# --- what the renderer may read --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://caresys.invalid/static/caresys/print.css",
        "http://caresys.invalid/static/../settings.py",
        "http://caresys.invalid/static/%2e%2e/%2e%2e/caresys/settings.py",
        "http://caresys.invalid/static//etc/passwd",
        "http://caresys.invalid/caresys/settings.py",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_the_projects_static_files(url):
    # A path that leaves the static directories is stopped by Django's safe_join, if not sooner.
    with pytest.raises((PdfFetchRefused, SuspiciousFileOperation)):
        StaticOnlyFetcher().fetch(url)


def test_the_pdf_fetcher_serves_the_print_stylesheet():
    response = StaticOnlyFetcher().fetch("http://caresys.invalid/static/caresys/print.css")
    assert response.headers["Content-Type"] == "text/css"
    assert b"@page" in response.read()


def test_a_pdf_that_asks_for_a_local_file_is_not_rendered():
    with pytest.raises((FatalURLFetchingError, PdfFetchRefused)) as excinfo:
        html_to_pdf(SNOOPING_HTML)
    causes = [excinfo.value, excinfo.value.__cause__, excinfo.value.__context__]
    assert any(isinstance(cause, PdfFetchRefused) for cause in causes)


def test_a_pdf_that_asks_for_a_local_file_gives_a_server_error_page(
    client, monkeypatch, class_teacher, pupil
):
    """A refused fetch must end as an ordinary error that Django answers (and logs) as a 500."""
    monkeypatch.setattr(views, "render_pdf", lambda template, context: html_to_pdf(SNOOPING_HTML))
    client.raise_request_exception = False
    client.force_login(class_teacher)
    response = client.get(reverse("registry:contact_card_pdf", args=[pupil.pk]))
    assert response.status_code == 500
