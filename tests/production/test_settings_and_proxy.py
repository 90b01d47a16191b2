"""Production is the default mode, and a proxy's headers count only from a trusted proxy."""

import os
import subprocess
import sys
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from caresys.lib.middleware import TrustedProxyMiddleware

REPO = Path(__file__).resolve().parent.parent.parent


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "caresys.settings", **env},
        capture_output=True,
        text=True,
    )


def test_without_debug_set_caresys_refuses_to_start_without_a_secret_key():
    result = _settings_in_a_fresh_process()
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_with_a_secret_key_and_nothing_else_caresys_runs_with_debug_off():
    result = _settings_in_a_fresh_process(SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def _address_seen(remote: str, forwarded: str | None) -> str:
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    TrustedProxyMiddleware(view)(request)
    return seen["address"]


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_the_trusted_proxy_the_client_address_is_the_one_it_forwarded():
    assert _address_seen("127.0.0.1", "203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_an_address_the_client_wrote_into_the_header_itself_is_not_believed():
    # nginx appends the real address; what the client sent stands to its left.
    assert _address_seen("127.0.0.1", "10.9.9.9, 203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_a_request_not_from_the_proxy_keeps_its_own_address_whatever_it_claims():
    assert _address_seen("198.51.100.7", "203.0.113.9") == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=[])
def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    assert _address_seen("127.0.0.1", "203.0.113.9") == "127.0.0.1"


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_a_malformed_forwarded_header_changes_nothing():
    assert _address_seen("127.0.0.1", "not-an-address") == "127.0.0.1"
