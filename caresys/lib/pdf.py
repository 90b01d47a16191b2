"""HTML to PDF with WeasyPrint, reading only the project's own static files."""

import mimetypes
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in PDF templates resolve against this base, and only it is ever answered: the
# host is reserved (.invalid, RFC 2606) and nothing goes to the network.
PDF_HOST = "caresys.invalid"
PDF_BASE_URL = f"http://{PDF_HOST}/"


class PdfFetchRefused(Exception):
    """A template asked for something outside the project's static files."""


def static_file(name: str) -> str | None:
    """The file behind a static name as {% static %} wrote it: a collected (hashed) file in
    production, the source file in development; None for anything else."""
    try:
        collected = Path(staticfiles_storage.path(name))
    except (NotImplementedError, SuspiciousFileOperation):
        collected = None
    if collected is not None and collected.is_file():
        return str(collected)
    return finders.find(name)


class StaticOnlyFetcher(URLFetcher):
    """Serves /static/... from the project's static files; refuses file:, http(s): and the rest.

    fail_on_errors makes a refused fetch stop the rendering instead of printing a gap.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parsed = urlparse(url)
        path = unquote(parsed.path).lstrip("/")
        prefix = settings.STATIC_URL.strip("/") + "/"
        if (
            parsed.scheme != "http"
            or parsed.netloc != PDF_HOST
            or not path.startswith(prefix)
            or ".." in path
        ):
            raise PdfFetchRefused(url)
        found = static_file(path.removeprefix(prefix))
        if not found:
            raise PdfFetchRefused(url)
        with open(found, "rb") as handle:
            body = handle.read()
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    return html_to_pdf_pages(html)[0]


def html_to_pdf_pages(html: str) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    from weasyprint import HTML  # loading pango takes a second: only when a PDF is asked for
    from weasyprint.urls import FatalURLFetchingError

    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher())
    try:
        rendered = document.render()
        return rendered.write_pdf(), len(rendered.pages)
    except FatalURLFetchingError as exc:
        # WeasyPrint's error is a BaseException, which would escape Django's error handling.
        raise PdfFetchRefused(str(exc)) from exc


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
