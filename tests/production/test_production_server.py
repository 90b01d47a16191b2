"""The production path end to end: gunicorn with DEBUG off behind a (simulated) TLS proxy, as
`make serve` and deploy/ set it up. Sign in, open pages, make a PDF, export a spreadsheet."""

import io
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from demo.school import DEMO_PASSWORD

REPO = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
CLIENT_ADDRESS = "203.0.113.9"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ProxiedClient:
    """Requests as nginx forwards them (X-Forwarded-Proto https, the client's address), with
    the cookies kept by hand: urllib would not send a Secure cookie over plain http."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {
            "Host": "127.0.0.1",  # as nginx passes $host
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": CLIENT_ADDRESS,
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
        }
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Referer"] = "https://127.0.0.1/"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, dict(response.headers), response.read()

    def sign_in(self, username: str) -> None:
        self.request(reverse("login"))
        status, _headers, _body = self.request(
            reverse("login"),
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
        assert status == 302, "sign-in failed"


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXIES="127.0.0.1",
        SQLITE_PATH=str(workdir / "db.sqlite3"),
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    _manage(env, "migrate", "--no-input")
    _manage(env, "seed_demo", "--pupils", "60")
    _manage(env, "collectstatic", "--no-input")
    log = open(workdir / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "caresys.wsgi"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    opener = urllib.request.build_opener(_NoRedirect)
    while True:
        try:
            opener.open(base + "/login/", timeout=5)
            break
        except urllib.error.HTTPError:  # any answer (a redirect to https) means it is up
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail((workdir / "gunicorn.log").read_text())
            time.sleep(0.3)
    yield base, workdir
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_the_sign_in_page_and_its_collected_static_files_are_served(server):
    base, _workdir = server
    status, _headers, body = ProxiedClient(base).request("/login/")
    assert status == 200
    assert "登录".encode() in body
    hashed = rb'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]+\.css)"'
    stylesheet = re.search(hashed, body)
    assert stylesheet, "the page links the hashed stylesheet that collectstatic wrote"
    status, headers, _body = ProxiedClient(base).request(stylesheet.group(1).decode())
    assert status == 200
    assert "max-age" in headers.get("Cache-Control", "")


def test_plain_http_without_the_proxy_is_sent_to_https(server):
    base, _workdir = server
    request = urllib.request.Request(base + "/login/")
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=30)
    assert answer.value.status == 301
    assert answer.value.headers["Location"].startswith("https://")


def test_a_strangers_404_is_chinese_and_shows_nothing_internal(server):
    base, _workdir = server
    status, _headers, body = ProxiedClient(base).request("/no/such/page/")
    assert status == 404
    text = body.decode()
    assert "页面不存在" in text
    for internal in ("Traceback", "URLconf", "urlpatterns", "DEBUG", "caresys.urls"):
        assert internal not in text


def test_a_registrar_signs_in_reads_an_archive_prints_a_card_and_exports(server):
    base, workdir = server
    client = ProxiedClient(base)
    client.sign_in("admin")
    with sqlite3.connect(workdir / "db.sqlite3") as db:
        (pupil,) = db.execute("SELECT id FROM registry_pupil ORDER BY id LIMIT 1").fetchone()

    status, _headers, body = client.request(reverse("registry:pupil_detail", args=[pupil]))
    assert status == 200
    assert "联系卡".encode() in body

    status, headers, pdf = client.request(reverse("registry:contact_card_pdf", args=[pupil]))
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF")

    status, headers, xlsx = client.request(reverse("registry:archive_export"))
    assert status == 200
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    assert sheet.max_row > 60

    with sqlite3.connect(workdir / "db.sqlite3") as db:
        addresses = {row[0] for row in db.execute(
                "SELECT DISTINCT ip_address FROM registry_accesslog WHERE ip_address IS NOT NULL"
            )}
    assert CLIENT_ADDRESS in addresses, "the access log keeps the client's address, not nginx's"
    assert "127.0.0.1" not in addresses


def test_the_principal_opens_the_dashboard_and_the_term_summary_preview(server):
    base, _workdir = server
    client = ProxiedClient(base)
    client.sign_in("principal")
    status, _headers, body = client.request(reverse("reports:dashboard"))
    assert status == 200
    assert "工作概况".encode() in body
    status, _headers, body = client.request(reverse("reports:term_report_list"))
    assert status == 200
