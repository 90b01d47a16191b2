"""The production server under load: `make bench`, or .venv/bin/python bench/bench_load.py.

Seeds a scratch database once (the demo school of PUPILS pupils topped up to RECORDS care
records, as bench/bench_visits.py does), starts gunicorn itself with deploy/gunicorn.conf.py and
the production settings (DEBUG off, behind a simulated TLS proxy, loopback only, a free port),
signs USERS people in (class teachers, the principal, the administrator) and lets them work
for DURATION seconds or REQUESTS requests, whichever comes first: a fifth of the requests are
real care records POSTed through the record form (CSRF and all, by teachers about their own
children), the rest the pages teachers and the principal open. Then stops the server.

Prints `name: value` lines: requests, throughput (requests/s), p50/p95/p99 (ms), errors
(anything but the expected status, or no answer), the writes the server accepted and the
records the database holds from this run (they must be equal), and the CPU seconds the client
and the server (its workers' start and the sign-ins' password hashing included) spent, and
the server's CPU per request while the users worked (read from /proc, start and sign-ins
left out): the client shares the server's cores, so the most this machine can answer is its
cores over that.
Environment: LOAD_PUPILS, LOAD_USERS, LOAD_SECONDS, LOAD_REQUESTS, LOAD_PORT (a fixed port
instead of a free one, where a machine's ports are shared out); WEB_CONCURRENCY and
GUNICORN_THREADS reach gunicorn; LOAD_DATABASE=path runs on a copy of an already seeded SQLite
database instead of seeding; with DATABASE_URL, on a copy of the school kept on that PostgreSQL
server (bench/common.py, seeded_school), VACUUM ANALYZEd as autovacuum would after a bulk load
(without statistics the pairing board's plans took 39 s instead of 2).
"""

import http.client
import os
import random
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    REPO,
    collected_static,
    emit,
    in_scratch_database,
    log,
    seeded_school,
    server_port,
)

PUPILS = int(os.environ.get("LOAD_PUPILS", 20_000))
USERS = int(os.environ.get("LOAD_USERS", 20))
DURATION = float(os.environ.get("LOAD_SECONDS", 60))
MAX_REQUESTS = int(os.environ.get("LOAD_REQUESTS", 20_000))
WRITE_SHARE = 0.2  # of all requests
SEED = 7
GUNICORN = Path(sys.executable).parent / "gunicorn"
PASSWORD = "caresys-demo-2026"  # demo.school.DEMO_PASSWORD, without importing Django here


@dataclass
class Person:
    username: str
    pages: list[str]
    children: list[int] = field(default_factory=list)  # whom they may write about


class Browser:
    """One person's keep-alive connection, as nginx forwards it (https, the client's address),
    with the cookies kept by hand (they are Secure)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
        }
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Referer"] = "https://127.0.0.1/"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request("POST" if data else "GET", path, body, headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: once more on a new one.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, dict(response.headers), content

    def sign_in(self, username: str) -> None:
        self.request("/login/")
        status, _headers, _body = self.request(
            "/login/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
        if status != 302:
            raise SystemExit(f"{username} could not sign in ({status})")


def people() -> list[Person]:
    """USERS people: the principal and the administrator, the rest class teachers with the
    pages each opens (their class overview, one of their children's archive)."""
    from django.db.models import Count

    from registry.models import LeftBehind, Pupil, SchoolClass
    from registry.selectors import own_children

    principal_pages = ["/", "/reports/", "/visits/compliance/", "/pairing/", "/visits/records/"]
    admin_pages = ["/", "/registry/pupils/", "/registry/pupils/?left_behind=any", "/pairing/"]
    chosen = [Person("principal", principal_pages), Person("admin", admin_pages)]
    classes = (
        SchoolClass.objects.filter(is_active=True, head_teacher__isnull=False)
        .annotate(n=Count("pupils"))
        .filter(n__gt=0)
        .select_related("head_teacher")
        .order_by("grade", "number")
    )
    for school_class in classes[: USERS - len(chosen)]:
        teacher = school_class.head_teacher
        children = list(
            own_children(user=teacher)
            .exclude(left_behind=LeftBehind.NONE)
            .values_list("pk", flat=True)[:20]
        )
        if not children:
            continue
        pupil = Pupil.objects.get(pk=children[0])
        pages = [
            "/",
            "/visits/due/",
            "/registry/pupils/",
            "/pairing/mine/",
            f"/visits/classes/{school_class.pk}/",
            f"/registry/pupils/{pupil.pk}/",
            "/visits/records/new/",
        ]
        chosen.append(Person(teacher.username, pages, children))
    return chosen


@dataclass
class Tally:
    timings: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    accepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def work(person: Person, browser: Browser, tally: Tally, stop: threading.Event, budget, marker):
    """Requests until told to stop: a teacher writes with the probability that makes a fifth
    of all requests writes (the principal and the administrator only read)."""
    rng = random.Random(person.username)
    writers = max(1, USERS - 2)  # the principal and the administrator only read
    write_chance = min(1.0, WRITE_SHARE * USERS / writers) if person.children else 0.0
    today = time.strftime("%Y-%m-%d")
    while not stop.is_set() and budget():
        writes = rng.random() < write_chance
        start = time.perf_counter()
        try:
            if writes:
                status, headers, _body = browser.request(
                    "/visits/records/new/",
                    {
                        "kind": "talk",
                        "occurred_on": today,
                        "content": f"谈了学习的事 {marker}",
                        "pupils": [rng.choice(person.children)],
                        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                    },
                )
                ok = status == 302 and re.match(
                    r"^/visits/records/\d+/$", headers.get("Location", "")
                )
            else:
                path = rng.choice(person.pages)
                status, _headers, _body = browser.request(path)
                ok = status == 200
        except Exception as error:  # every failure is an error to count
            ok, status = False, repr(error)
        elapsed = (time.perf_counter() - start) * 1000
        with tally.lock:
            tally.timings.append(elapsed)
            page = "POST record" if writes else re.sub(r"\d+", "<n>", path)
            tally.by_page.setdefault(page, []).append(elapsed)
            if not ok:
                tally.errors.append(f"{person.username} {'POST' if writes else 'GET'}: {status}")
            elif writes:
                tally.accepted += 1


def start_server(env: dict, port: int, workdir: Path) -> subprocess.Popen:
    server_log = open(workdir / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "caresys.wsgi"],
        cwd=REPO,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped; see {workdir / 'gunicorn.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def run(workdir: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    reuse = os.environ.get("LOAD_DATABASE")

    if reuse:
        log(f"copying {reuse}")
        shutil.copyfile(reuse, os.environ["SQLITE_PATH"])
        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
    else:
        from bench.bench_visits import visits_steps

        seeded_school(PUPILS, SEED, steps=visits_steps())
    chosen = people()
    connections.close_all()

    port = int(os.environ.get("LOAD_PORT") or server_port())
    env = dict(os.environ)  # the same database (DATABASE_URL or SQLITE_PATH) as above
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXIES="127.0.0.1",
        BIND=f"127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    env["STATIC_ROOT"] = str(collected_static(env))
    server_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
    server = start_server(env, port, workdir)
    try:
        log(f"gunicorn on 127.0.0.1:{port}; signing {len(chosen)} people in")
        browsers = []
        for person in chosen:
            browser = Browser(port)
            browser.sign_in(person.username)
            browser.request(person.pages[0])
            if person.children:
                browser.request("/visits/records/new/")  # the form's CSRF cookie
            browsers.append(browser)
        marker = f"load-{secrets.token_hex(4)}"
        tally, stop = Tally(), threading.Event()

        def budget() -> bool:
            return len(tally.timings) < MAX_REQUESTS

        threads = [
            threading.Thread(target=work, args=(p, b, tally, stop, budget, marker), daemon=True)
            for p, b in zip(chosen, browsers, strict=True)
        ]
        log(f"{len(threads)} users for {DURATION:.0f} s or {MAX_REQUESTS} requests")
        started, client_cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF)
        working_cpu = _server_cpu_seconds(server.pid)
        for thread in threads:
            thread.start()
        while time.perf_counter() - started < DURATION and budget():
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started
        client_cpu = _cpu_seconds(resource.RUSAGE_SELF) - client_cpu
        if working_cpu is not None:
            working_cpu = _server_cpu_seconds(server.pid) - working_cpu
    finally:
        server.terminate()
        server.wait(timeout=60)
    server_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - server_cpu

    from visits.models import CareRecord

    stored = CareRecord.objects.filter(content__endswith=marker).count()
    connections.close_all()
    timings = sorted(tally.timings)
    cuts = statistics.quantiles(timings, n=100)
    emit("load_users", len(chosen))
    emit("load_requests", len(timings))
    emit("load_seconds", elapsed)
    emit("load_throughput_rps", len(timings) / elapsed)
    emit("load_p50_ms", statistics.median(timings))
    emit("load_p95_ms", cuts[94])
    emit("load_p99_ms", cuts[98])
    emit("load_errors", len(tally.errors))
    emit("load_writes_accepted", tally.accepted)
    emit("load_writes_in_database", stored)
    emit("load_client_cpu_s", client_cpu)
    emit("load_server_cpu_s", server_cpu)
    if working_cpu is not None:
        emit("load_server_cpu_ms_per_request", working_cpu * 1000 / len(timings))
    for page, times in sorted(tally.by_page.items(), key=lambda item: -sum(item[1])):
        log(f"{page}: {len(times)} requests, median {statistics.median(times):.0f} ms")
    for error in tally.errors[:10]:
        log(f"error: {error}")
    if tally.errors:
        log((workdir / "gunicorn.log").read_text(errors="replace")[-3000:])
    if stored != tally.accepted:
        raise SystemExit(f"{tally.accepted} writes accepted but {stored} in the database")


def _server_cpu_seconds(master: int) -> float | None:
    """The CPU seconds gunicorn's master and its live workers have spent so far (Linux's
    /proc; None elsewhere): rusage counts a child only once it has ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # After the command's closing parenthesis: state, ppid, … utime, stime.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(stat.parent.name) == master or int(fields[1]) == master:
                total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / ticks


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    in_scratch_database("caresys-bench-load-", run)


if __name__ == "__main__":
    main()
