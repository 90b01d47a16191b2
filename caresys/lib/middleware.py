"""Middleware of the whole site: the client's real address behind a proxy, the language, caching."""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """REMOTE_ADDR becomes the client's address when the request came through a trusted proxy.

    The address is the right-most one in X-Forwarded-For that no trusted proxy added: what a
    client writes into the header itself stands to the left and is never believed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = {_address(proxy) for proxy in settings.TRUSTED_PROXIES} - {None}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted and request.META.get("REMOTE_ADDR") in self.trusted:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            for candidate in reversed(forwarded):
                address = _address(candidate)
                if address is None:
                    break
                if address not in self.trusted:
                    request.META["REMOTE_ADDR"] = address
                    break
        return self.get_response(request)


class ChosenLanguageMiddleware:
    """Chinese unless the person chose otherwise: the browser's Accept-Language is not consulted.

    A school's shared computers often run an English browser; the interface must still come up
    in Simplified Chinese. The language switch in the menu sets Django's language cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreWhenSignedInMiddleware:
    """Nothing shown to a signed-in person is kept in a browser's or a proxy's cache.

    Pages, exports, PDFs, reveals and attachments carry children's data; on a shared school
    computer the back button or the disk cache would show them to the next person. Static files
    never get here (WhiteNoise answers them first) and keep their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class CompressPagesMiddleware(GZipMiddleware):
    """Pages gzipped (a class list is a fifth of its size, which counts on a slow phone).

    Django's GZipMiddleware, whose random padding (Heal The Breach) blurs the compressed length
    a BREACH attacker measures; the CSRF token is also masked afresh in every page and the
    cookies are SameSite=Lax, so another site cannot make the browser fetch our pages signed in
    over and over. Files (spreadsheets, PDFs, photos: already compressed formats, sent as they
    stream) are left as they are; whitenoise sends static files pre-compressed.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming:
            return response
        return super().process_response(request, response)
