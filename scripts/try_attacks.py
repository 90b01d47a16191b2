"""Issue 14's attacks, run again over HTTP against a running CareSys holding the demo school.

    DEBUG=0 SECRET_KEY=… SQLITE_PATH=… MEDIA_ROOT=… python scripts/try_attacks.py http://127.0.0.1:8055

The database (the same settings as the server's) is read only to choose targets, to know the
truth the mask attack is scored against and to count access-log rows afterwards; it is written
only to give one pupil a name with a quote. Every attack goes over HTTP as a browser would
(sign-in through /login/ with its CSRF token). Prints one `attack: result` line per attack.
The attacks write as they go (a counselling record, an emergency, a dropout case, reveals):
it runs only against a demo school, best a scratch copy made with `seed_demo`.
The guessing attack pauses sign-in from this address: `manage.py axes_reset` ends it afterwards.
"""

import datetime
import http.cookiejar
import io
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.db.models import Max  # noqa: E402

from caresys.lib.identity import id_check_digit  # noqa: E402
from pairing.models import Pair  # noqa: E402
from registry.models import AccessLog, Pupil, Role, School, SchoolClass, Term, User  # noqa: E402
from reports.models import TermReport  # noqa: E402
from visits.models import CareRecord  # noqa: E402

PASSWORD = "caresys-demo-2026"
BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8055"
RESULTS: list[str] = []


def report(attack: str, result: str) -> None:
    line = f"{attack}: {result}"
    RESULTS.append(line)
    print(line, flush=True)


# --- a browser made of urllib ----------------------------------------------------------------


class _LocalSecureCookies(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure; this test server speaks http on 127.0.0.1 only."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status: int, headers, body: bytes, seconds: float, url: str) -> None:
        self.status, self.headers, self.body, self.seconds, self.url = (
            status, headers, body, seconds, url
        )  # fmt: skip

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or "-"

    def set_cookie(self, name: str) -> str:
        return next(
            (
                value
                for value in self.headers.get_all("Set-Cookie") or []
                if value.startswith(f"{name}=")
            ),
            "",
        )


class Browser:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar(policy=_LocalSecureCookies())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> Response:
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=300) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        return Response(status, headers, body, time.monotonic() - started, request.full_url)

    def get(self, path: str, params: dict | None = None, follow: bool = False) -> Response:
        url = BASE + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        response = self._open(urllib.request.Request(url))
        while follow and response.status in (301, 302, 303):
            location = response.headers["Location"]
            url = location if location.startswith("http") else BASE + location
            response = self._open(urllib.request.Request(url))
        return response

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def post(self, path: str, data, files=None, follow: bool = False) -> Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        pairs.append(("csrfmiddlewaretoken", self.csrf()))
        headers = {"Referer": BASE + path}
        if files:
            boundary = uuid.uuid4().hex
            body = io.BytesIO()
            for name, value in pairs:
                body.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, filename, content_type, content in files:
                body.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                )
                body.write(content + b"\r\n")
            body.write(f"--{boundary}--\r\n".encode())
            payload = body.getvalue()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            payload = urllib.parse.urlencode(pairs).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = self._open(urllib.request.Request(BASE + path, payload, headers))
        if follow and response.status in (301, 302, 303):
            return self.get(response.headers["Location"].removeprefix(BASE), follow=True)
        return response


def sign_in(
    username: str, password: str = PASSWORD, remember: bool = False
) -> tuple[Browser, Response]:
    browser = Browser()
    browser.get("/login/")
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "on"
    return browser, browser.post("/login/", data)


def signed_in(username: str) -> Browser:
    browser, response = sign_in(username)
    if response.status != 302:
        raise SystemExit(f"cannot sign in as {username}: {response.status}")
    return browser


class _FormFields(HTMLParser):
    """The values a form posts back unchanged: inputs, checked boxes, selected options, text."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag) -> None:
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data) -> None:
        if self._textarea:
            self._text += data


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def replace(fields: list[tuple[str, str]], **changes: str | list[str]) -> list[tuple[str, str]]:
    kept = [(name, value) for name, value in fields if name not in changes]
    for name, value in changes.items():
        kept += [(name, item) for item in (value if isinstance(value, list) else [value])]
    return kept


def pupil_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/registry/pupils/(\d+)/"', html)}


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", pdf.name, "-"], capture_output=True, text=True
        ).stdout


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True
    )
    return (done.stdout + done.stderr).strip()


# --- targets, from the database --------------------------------------------------------------

school = School.objects.get()
if not school.is_demo:
    raise SystemExit("try_attacks writes records as it goes: run it against a demo school only.")
teacher = User.objects.get(username="teacher")
own_class = SchoolClass.objects.get(head_teacher=teacher)
own_pupils = list(Pupil.objects.enrolled().filter(school_class=own_class).order_by("pk"))
other_pupils = list(
    Pupil.objects.enrolled().exclude(school_class=own_class).filter(school=school).order_by("pk")
)
own, other = own_pupils[0], other_pupils[0]
# The county's area codes are public; an attacker tries every one the school's pupils have.
areas = sorted({n[:6] for n in Pupil.objects.values_list("id_number", flat=True) if n})
first_log = (AccessLog.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


# --- 1. the mask -----------------------------------------------------------------------------


def candidates(masked_views: list[str], birth: datetime.date, sex: str) -> list[str]:
    """Every valid number agreeing with every masked view shown, the birth date and the sex."""
    born = f"{birth:%Y%m%d}"
    shown = [view for view in masked_views if len(view) == 18]
    found = []
    for area in areas:
        if not all(_agrees(view[:14], area + born) for view in shown):
            continue
        for sequence in range(1000):
            if ("M" if sequence % 2 else "F") != sex:
                continue
            digits = f"{area}{born}{sequence:03d}"
            number = digits + id_check_digit(digits)
            if all(_agrees(view, number) for view in shown):
                found.append(number)
    return found


def _agrees(masked: str, actual: str) -> bool:
    """Each character shown in the masked text is the one in that place of the actual."""
    return all(shown in ("*", real) for shown, real in zip(masked, actual, strict=True))


def mask_attack(username: str) -> None:
    browser = signed_in(username)
    response = browser.get("/registry/pupils/export.xlsx")
    if response.status != 200:
        report(f"mask ({username})", f"export {response.status}")
        return
    sheet = openpyxl.load_workbook(io.BytesIO(response.body), read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell or "") for cell in next(rows)]
    column = {name: header.index(name) for name in header if name}
    truth = {}
    for pupil in Pupil.objects.filter(school=school):
        truth.setdefault((pupil.name, pupil.birth_date), []).append(pupil)
    tried = recovered = ambiguous_truth = full_shown = 0
    sizes = []
    for row in rows:
        if not row or not row[column["姓名"]]:
            continue
        birth = row[column["出生日期"]]
        birth = birth.date() if isinstance(birth, datetime.datetime) else (
            birth if isinstance(birth, datetime.date) else datetime.date.fromisoformat(str(birth))
        )  # fmt: skip
        sex = {"男": "M", "女": "F"}.get(str(row[column["性别"]]), str(row[column["性别"]]))
        views = [str(row[column["身份证号"]] or "")]
        if "学籍号" in column:
            student = str(row[column["学籍号"]] or "")
            if len(student) == 19 and student[0] == "G":
                views.append(student[1:])
        matches = truth.get((row[column["姓名"]], birth), [])
        if len(matches) != 1:
            ambiguous_truth += 1
            continue
        pupil = matches[0]
        tried += 1
        if pupil.id_number in views or pupil.student_number in views[:1]:
            full_shown += 1
            recovered += 1
            continue
        found = candidates(views, birth, sex)
        sizes.append(len(found))
        if found == [pupil.id_number]:
            recovered += 1
    sizes.sort()
    median = sizes[len(sizes) // 2] if sizes else 0
    sample = views[0]
    report(
        f"mask ({username}'s masked export)",
        f"{tried} pupils scored (e.g. {sample!r}), full number shown for {full_shown}, "
        f"candidates per pupil min {sizes[0] if sizes else '-'} / median {median}; "
        f"recovered (exactly one candidate) {recovered} of {tried}",
    )


def search_attack(username: str, target: Pupil) -> None:
    browser = signed_in(username)
    tail = target.id_number[-4:]
    middle = target.student_number[3:9]
    by_tail = pupil_links(browser.get("/registry/pupils/", {"q": tail}).text)
    by_number = pupil_links(browser.get("/registry/pupils/", {"q": middle}).text)
    full = pupil_links(browser.get("/registry/pupils/", {"q": target.id_number}).text)
    report(
        f"mask search ({username})",
        f"ID ending {tail!r} -> {len(by_tail)} found (target among them: {target.pk in by_tail}); "
        f"学籍号 part {middle!r} -> {len(by_number)} (target: {target.pk in by_number}); "
        f"whole ID number -> {len(full)} (target: {target.pk in full})",
    )


def full_number_on_pages(username: str, target: Pupil) -> None:
    browser = signed_in(username)
    pages = {
        "archive": f"/registry/pupils/{target.pk}/",
        "edit form": f"/registry/pupils/{target.pk}/edit/",
        "history": f"/registry/pupils/{target.pk}/history/",
        "contact card": f"/registry/pupils/{target.pk}/card/",
    }
    shown = []
    for label, path in pages.items():
        response = browser.get(path)
        hit = target.id_number in response.text or target.student_number in response.text
        shown.append(f"{label} {response.status}{' FULL NUMBER' if hit else ' masked'}")
    for label, path in {
        "card PDF": f"/registry/pupils/{target.pk}/card.pdf",
        "growth PDF": f"/reports/pupils/{target.pk}/growth.pdf",
    }.items():
        response = browser.get(path)
        text = pdf_text(response.body) if response.status == 200 else ""
        hit = target.id_number in text or target.student_number in text
        shown.append(f"{label} {response.status}{' FULL NUMBER' if hit else ' masked'}")
    report(f"mask on pages ({username}, own pupil)", "; ".join(shown))


# --- 2. the edit form's duplicate check ------------------------------------------------------


def edit_form_oracle() -> None:
    browser = signed_in("teacher")
    path = f"/registry/pupils/{own.pk}/edit/"
    fields = form_fields(browser.get(path).text)
    response = browser.post(path, replace(fields, **{"pupil-id_number": other.id_number}))
    text = response.text
    own.refresh_from_db()
    report(
        "edit-form oracle (teacher types another class's pupil's number)",
        f"{response.status}; says contact the registrar: {'请联系学籍管理员核对' in text}; "
        f"says 'another pupil of the school': {'另一名学生' in text}; "
        f"other pupil's name {other.name!r} on page: {other.name in text}; "
        f"saved: {own.id_number == other.id_number}",
    )
    # Does the refusal still tell a taken number from a free one? Both posts leave the name
    # empty, so neither can be saved.
    free = _free_id_number(other.birth_date, other.gender)
    answers = {}
    for label, number in (("taken", other.id_number), ("free", free)):
        posted = browser.post(
            path, replace(fields, **{"pupil-id_number": number, "pupil-name": ""})
        )
        answers[label] = "请联系学籍管理员核对" in posted.text
    probes = AccessLog.objects.filter(
        pk__gte=first_log, action=AccessLog.Action.REFUSED, pupil=other, actor__username="teacher"
    ).count()
    report(
        "edit-form oracle, taken vs free number (name left empty, nothing saved)",
        f"'contact the registrar' for a taken number: {answers['taken']}, for a free valid "
        f"number: {answers['free']}; tries logged against the number's owner: {probes} -> "
        + (
            "the refusal still says a number belongs to some pupil of the school (not whose)"
            if answers["taken"] != answers["free"]
            else "no difference"
        ),
    )


def _free_id_number(birth: datetime.date, sex: str) -> str:
    taken = set(Pupil.objects.values_list("id_number", flat=True))
    for sequence in range(1 if sex == "M" else 0, 1000, 2):
        digits = f"{areas[0]}{birth:%Y%m%d}{sequence:03d}"
        number = digits + id_check_digit(digits)
        if number not in taken:
            return number
    raise SystemExit("no free ID number")


def reveals() -> None:
    """The sanctioned way past the mask: the 显示 button, each use logged."""
    teacher_browser = signed_in("teacher")
    own_reveal = teacher_browser.post(
        f"/registry/pupils/{own.pk}/reveal/", {"field": "pupil.id_number"}
    )
    other_reveal = teacher_browser.post(
        f"/registry/pupils/{other.pk}/reveal/", {"field": "pupil.id_number"}
    )
    principal = signed_in("principal")
    targets = other_pupils[:100]
    started = time.monotonic()
    got = sum(
        principal.post(
            f"/registry/pupils/{pupil.pk}/reveal/", {"field": "pupil.id_number"}
        ).text.count(pupil.id_number)
        for pupil in targets
    )
    seconds = time.monotonic() - started
    logged = AccessLog.objects.filter(pk__gte=first_log, action=AccessLog.Action.REVEAL).count()
    refused = AccessLog.objects.filter(
        pk__gte=first_log, action=AccessLog.Action.REFUSED, detail__contains="每日上限"
    ).count()
    report(
        "reveal (the 显示 button, logged)",
        f"teacher, own pupil: {own_reveal.status}, full number returned "
        f"{own.id_number in own_reveal.text}; teacher, other class: {other_reveal.status}; "
        f"principal revealed {got} of {len(targets)} other pupils' full numbers in {seconds:.1f} s "
        f"(refused after the daily limit: {refused}); reveal rows logged so far: {logged}",
    )


# --- 3. counselling through the correction form ----------------------------------------------


def counselling_correction() -> None:
    record = CareRecord.objects.filter(kind=CareRecord.Kind.COUNSELLING).order_by("pk").first()
    results = [f"written by {record.author.username}"]
    for username in ("admin", "counsellor", "principal", "teacher"):
        browser = signed_in(username)
        correct = browser.get(f"/visits/records/{record.pk}/correct/")
        detail = browser.get(f"/visits/records/{record.pk}/")
        content = record.content[:20]
        results.append(
            f"{username} correct {correct.status} (content in form: {content in correct.text}), "
            f"page {detail.status} (content shown: {content in detail.text})"
        )
    report(f"counselling via correction form (record {record.pk})", "; ".join(results))


# --- 4. a record and an emergency naming children of two classes ----------------------------


def _today() -> str:
    return datetime.date.today().isoformat()


def two_class_record() -> int | None:
    browser = signed_in("counsellor")
    page = browser.get("/visits/records/new/", {"pupil": [own.pk, other.pk], "kind": "counselling"})
    fields = replace(
        form_fields(page.text),
        pupils=[str(own.pk), str(other.pk)],
        kind="counselling",
        occurred_on=_today(),
        content="团体辅导：两人都说想念在外打工的父母，晚上睡不好。",
    )
    response = browser.post("/visits/records/new/", fields)
    if response.status != 302:
        report("two-class record", f"could not be written by the counsellor: {response.status}")
        return None
    record_pk = int(re.search(r"/records/(\d+)/", response.headers["Location"]).group(1))
    teacher_browser = signed_in("teacher")
    detail = teacher_browser.get(f"/visits/records/{record_pk}/")
    listing = teacher_browser.get("/visits/records/")
    growth = teacher_browser.get(f"/reports/pupils/{own.pk}/growth.pdf")
    growth_text = pdf_text(growth.body) if growth.status == 200 else ""
    report(
        "record naming children of two classes (teacher opens it)",
        f"record page {detail.status}: own child named {own.name in detail.text}, other class's "
        f"child {other.name!r} named {other.name in detail.text}, counselling content shown "
        f"{'想念在外打工' in detail.text}; record list: other child named "
        f"{other.name in listing.text}; growth PDF {growth.status}: other child named "
        f"{other.name in growth_text}",
    )
    return record_pk


def two_class_emergency() -> int | None:
    browser = signed_in("principal")
    page = browser.get("/visits/emergencies/new/", {"pupil": [own.pk, other.pk]})
    fields = replace(
        form_fields(page.text),
        pupils=[str(own.pk), str(other.pk)],
        kind="injury",
        place="操场",
        description="课间追跑摔倒，擦伤膝盖。",
    )
    response = browser.post("/visits/emergencies/new/", fields)
    if response.status != 302:
        report("two-class emergency", f"could not be reported by the principal: {response.status}")
        return None
    pk = int(re.search(r"/emergencies/(\d+)/", response.headers["Location"]).group(1))
    teacher_browser = signed_in("teacher")
    detail = teacher_browser.get(f"/visits/emergencies/{pk}/")
    listing = teacher_browser.get("/visits/emergencies/")
    report(
        "emergency naming children of two classes (teacher opens it)",
        f"page {detail.status}: own child named {own.name in detail.text}, other class's child "
        f"named {other.name in detail.text}; list {listing.status}: other child named "
        f"{other.name in listing.text}",
    )
    return pk


def dropout_case() -> int | None:
    browser = signed_in("teacher")
    page = browser.get(f"/visits/pupils/{own.pk}/dropout/")
    fields = replace(
        form_fields(page.text), opened_on=_today(), reason="连续三天未到校，电话联系不上。"
    )
    response = browser.post(f"/visits/pupils/{own.pk}/dropout/", fields)
    if response.status != 302:
        report("dropout case", f"could not be opened by the teacher: {response.status}")
        return None
    return int(re.search(r"/dropout/(\d+)/", response.headers["Location"]).group(1))


# --- 5. guessing, passwords, sessions --------------------------------------------------------


def guessing() -> None:
    target = "t402"
    browser = Browser()
    browser.get("/login/")
    started = time.monotonic()
    statuses = []
    for attempt in range(50):
        statuses.append(
            browser.post("/login/", {"username": target, "password": f"guess-{attempt}"}).status
        )
    seconds = time.monotonic() - started
    form_answers = next((i for i, s in enumerate(statuses) if s != 200), len(statuses))
    paused = statuses.count(429)
    _browser, right = sign_in(target)
    _elsewhere, other_account = sign_in("principal")
    failed = AccessLog.objects.filter(
        pk__gte=first_log, action=AccessLog.Action.LOGIN_FAILED, detail=target
    )
    addresses = sorted(set(failed.values_list("ip_address", flat=True)))
    report(
        "guessing (50 wrong passwords for t402 from one address)",
        f"{form_answers} answered with the form before pauses began, {paused} paused (429), "
        f"{seconds:.1f} s; right password then: {right.status} "
        f"({'refused' if right.status != 302 else 'ACCEPTED'}); another account from the same "
        f"address: {other_account.status}; failed sign-ins logged: {failed.count()} "
        f"from {addresses}",
    )
    report("guessing clean-up", manage("axes_reset").replace("\n", " ") or "axes_reset done")


def password_rules() -> None:
    browser = signed_in("t404")
    results = []
    for new in ("caresys2026", "t404-2026"):
        fields = replace(
            form_fields(browser.get("/password/").text),
            old_password=PASSWORD,
            new_password1=new,
            new_password2=new,
        )
        response = browser.post("/password/", fields)
        results.append(
            f"{new!r} -> {response.status} ({'refused' if response.status == 200 else 'ACCEPTED'})"
        )
    _browser, old = sign_in("t404")
    report(
        "password change",
        "; ".join(results) + f"; old password still signs in: {old.status == 302}",
    )


def sessions() -> None:
    _browser, plain = sign_in("t403")
    _browser, kept = sign_in("t403", remember=True)
    plain_cookie, kept_cookie = plain.set_cookie("sessionid"), kept.set_cookie("sessionid")
    admin = signed_in("admin")
    page = admin.get(f"/admin/registry/school/{school.pk}/change/")
    idle = dict(form_fields(page.text)).get("idle_timeout_minutes", "?")
    lasts = re.search(r"Max-Age=\d+", kept_cookie)
    report(
        "sessions",
        f"without 'my own device': Expires/Max-Age in cookie "
        f"{'expires=' in plain_cookie.lower() or 'max-age' in plain_cookie.lower()}; with it: "
        f"{lasts.group(0) if lasts else 'none'}; "
        f"idle timeout on the school's settings page ({page.status}): {idle} minutes",
    )


# --- 6. remit --------------------------------------------------------------------------------


def remit() -> None:
    registrars = [
        u for u in User.objects.filter(school=school, is_active=True) if Role.ADMIN in u.roles
    ]
    only = registrars[0]
    browser = signed_in("principal")
    path = f"/pairing/teachers/{only.pk}/leave/"
    page = browser.get(path)
    fields = (
        replace(form_fields(page.text), deactivate="on")
        if page.status == 200
        else [("deactivate", "on")]
    )
    response = browser.post(path, fields)
    _admin, again = sign_in(only.username)
    said = re.findall(r"只有管理员[^<]{0,30}|最后[^<]{0,30}管理员[^<]{0,20}", response.text)
    report(
        f"remit (principal deactivates the only registrar '{only.username}', "
        f"{len(registrars)} active)",
        f"leaving form GET {page.status}, POST {response.status} {said[:1]}; registrar can "
        f"still sign in: {again.status == 302}",
    )


# --- 7. refused requests ---------------------------------------------------------------------


def refused() -> None:
    browser = signed_in("teacher")
    statuses = [
        browser.get(path).status
        for path in (
            f"/registry/pupils/{other.pk}/",
            f"/registry/pupils/{other.pk}/edit/",
            f"/reports/pupils/{other.pk}/growth.pdf",
        )
    ]
    report("out of scope (teacher opens another class's child)", f"statuses {statuses}")


def reads_to_log(record_pk, emergency_pk, dropout_pk) -> None:
    """The reads the access log should hold: a record, an emergency, a dropout case, a plan."""
    principal = signed_in("principal")
    pair = Pair.objects.filter(pupil__school=school, ended_on__isnull=True).order_by("pk").first()
    statuses = {}
    if record_pk:
        statuses["record"] = principal.get(f"/visits/records/{record_pk}/").status
    if emergency_pk:
        statuses["emergency"] = principal.get(f"/visits/emergencies/{emergency_pk}/").status
    if dropout_pk:
        statuses["dropout"] = principal.get(f"/visits/dropout/{dropout_pk}/").status
    statuses["pair"] = principal.get(f"/pairing/{pair.pk}/").status
    statuses["plan"] = principal.get(f"/pairing/{pair.pk}/plan/").status
    report("reads by the principal", ", ".join(f"{k} {v}" for k, v in statuses.items()))


def access_log() -> None:
    logs = AccessLog.objects.filter(pk__gte=first_log)
    counts = Counter()
    for action, detail in logs.values_list("action", "detail"):
        kind = action
        if action in (AccessLog.Action.READ, AccessLog.Action.VIEW):
            kind = f"{action}:{detail.split('：')[0][:10] or 'archive'}"
        elif action == AccessLog.Action.REFUSED:
            kind = f"refused:{detail.split('/')[1] if '/' in detail else detail}"
        counts[kind] += 1
    addresses = Counter(logs.values_list("ip_address", flat=True))
    report(
        "access log (rows written during this run)",
        ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; client addresses {dict(addresses)}",
    )


# --- 8. headers, parameters, bombs -----------------------------------------------------------


def headers_and_bombs(record_pk) -> None:
    admin = signed_in("admin")
    page = admin.get(f"/registry/pupils/{own.pk}/")
    export = admin.get("/registry/pupils/export.xlsx")
    reveal = admin.post(f"/registry/pupils/{own.pk}/reveal/", {"field": "pupil.id_number"})
    for label, response in (("pupil page", page), ("export", export), ("reveal", reveal)):
        report(
            f"headers ({label}, {response.status})",
            f"CSP {response.header('Content-Security-Policy')[:60]!r}…; "
            f"Cache-Control {response.header('Cache-Control')!r}",
        )

    if record_pk:
        counsellor = signed_in("counsellor")
        pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        counsellor.post(
            f"/visits/records/{record_pk}/attachments/",
            {"kind": "scan"},
            files=[("files", "letter.pdf", "application/pdf", pdf)],
        )
        record = CareRecord.objects.get(pk=record_pk)
        item = record.attachments.filter(content_type="application/pdf").order_by("-pk").first()
        if item:
            served = counsellor.get(f"/visits/records/{record_pk}/attachments/{item.pk}/")
            report(
                "uploaded PDF attachment",
                f"{served.status}, Content-Disposition {served.header('Content-Disposition')!r}, "
                f"Content-Type {served.header('Content-Type')!r}, CSP present "
                f"{served.header('Content-Security-Policy') != '-'}",
            )
        else:
            report("uploaded PDF attachment", "upload refused; nothing to serve")

    huge = admin.get("/registry/access-log/", {"pupil_id": "9" * 30})
    report("?pupil_id= with a 30-digit number on the access log", f"{huge.status}")

    principal = signed_in("principal")
    # A term without a summary yet: opening it must not write one.
    terms = Term.objects.of_school(school.pk)
    term = terms.exclude(pk__in=TermReport.objects.values("term")).first() or terms.first()
    before = TermReport.objects.count()
    summary = principal.get(f"/reports/terms/{term.pk}/")
    after = TermReport.objects.count()
    report(
        "GET of a term summary",
        f"{summary.status}; term summaries before {before}, after {after} "
        f"({'ROW CREATED' if after > before else 'no row created'})",
    )

    quoted = Pupil.objects.filter(school_class=own_class).order_by("-pk").first()
    if '"' not in quoted.name:
        Pupil.objects.filter(pk=quoted.pk).update(name=quoted.name[:1] + '"小"' + quoted.name[1:])
        quoted.refresh_from_db()
    growth = principal.get(f"/reports/pupils/{quoted.pk}/growth.pdf")
    text = pdf_text(growth.body) if growth.status == 200 else ""
    report(
        f"growth archive of a pupil named {quoted.name!r}",
        f"{growth.status}, {len(growth.body)} bytes; 'u0022' in text: {'u0022' in text}; "
        f"name as written in text {text.count(quoted.name)} times",
    )

    roster = _empty_cell_roster()
    page = admin.get("/registry/import/")
    fields = form_fields(page.text)
    upload = admin.post(
        "/registry/import/",
        fields,
        files=[
            (
                "file",
                "名册.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                roster,
            )
        ],
    )
    message = re.findall(r"表格中的单元格超过[^<]*|文件解压后过大[^<]*", upload.text)
    report(
        f"roster of millions of empty cells ({len(roster) // 1024} KB)",
        f"{upload.status} in {upload.seconds:.2f} s; {message[:1] or 'no refusal message'}",
    )

    if record_pk:
        counsellor = signed_in("counsellor")
        png = _huge_png(12_000, 12_000)
        started = time.monotonic()
        answer = counsellor.post(
            f"/visits/records/{record_pk}/attachments/",
            {"kind": "photo"},
            files=[("files", "photo.png", "image/png", png)],
            follow=True,
        )
        seconds = time.monotonic() - started
        said = [" ".join(m.split()) for m in re.findall(r"[^>]{0,20}像素太多[^<]*", answer.text)]
        kept = (
            CareRecord.objects.get(pk=record_pk)
            .attachments.filter(original_name="photo.png")
            .count()
        )
        report(
            f"144-megapixel PNG ({len(png) // 1024} KB) as a record photo",
            f"{answer.status} in {seconds:.2f} s; refused: {bool(said)} {said[:1]}; stored: {kept}",
        )


def _empty_cell_roster() -> bytes:
    """A roster with a header and one row, then ten million empty cells (issue 14's bomb)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "出生日期", "身份证号", "班级"])
    sheet.append(["张小红", "女", "2016-03-01", "", "三年级(1)班"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as xlsx:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>", b"<row>" + b"<c/>" * 10_000_000 + b"</row></sheetData>"
                )
            xlsx.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _huge_png(width: int, height: int) -> bytes:
    """A 1-bit grey PNG of width × height white pixels: a few KB that decode to width × height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def main() -> None:
    print(
        f"CareSys at {BASE}: {Pupil.objects.filter(school=school).count()} pupils, teacher's class "
        f"{own_class} ({len(own_pupils)}), other class's child {other.name} ({other.school_class})"
    )
    mask_attack("principal")
    mask_attack("teacher")
    search_attack("principal", other)
    search_attack("teacher", own)
    search_attack("admin", own)
    full_number_on_pages("teacher", own)
    full_number_on_pages("principal", own)
    edit_form_oracle()
    reveals()
    counselling_correction()
    record_pk = two_class_record()
    emergency_pk = two_class_emergency()
    dropout_pk = dropout_case()
    refused()
    reads_to_log(record_pk, emergency_pk, dropout_pk)
    remit()
    password_rules()
    sessions()
    headers_and_bombs(record_pk)
    guessing()
    access_log()


if __name__ == "__main__":
    main()
