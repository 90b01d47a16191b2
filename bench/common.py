"""What every benchmark script shares: output lines, progress, and a throwaway database (SQLite,
or with DATABASE_URL a database on that PostgreSQL server)."""

import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# Seeded SQLite databases kept between scripts and runs (seeded_school), and the media of the
# seeded PostgreSQL ones.
CACHE = Path(os.environ.get("BENCH_CACHE", Path(tempfile.gettempdir()) / "caresys-bench-cache"))
# On PostgreSQL, the databases the scripts create on the server: PG_PREFIX_scratch_<pid> for a
# script's run (dropped after it) and PG_PREFIX_<name> for each kept seeded school.
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "caresys_bench")
# Put before every name emit prints: "pg_" when a script runs on PostgreSQL.
_name_prefix = ""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(name: str, value: float | int) -> None:
    """One `name: value` line on stdout, the only thing a benchmark prints there."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    print(f"{_name_prefix}{name}: {text}", flush=True)


def in_scratch_database(prefix: str, run: Callable[[Path], None]) -> None:
    """Run the benchmark on a new SQLite database (and media folder) in a temporary folder, or
    with a PostgreSQL DATABASE_URL on a new database on that server (its lines named pg_…),
    removed afterwards whatever happens."""
    global _name_prefix
    sys.path.insert(0, str(REPO))
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")
    # Development settings (no collected static files); benchmarks turn DEBUG off themselves.
    os.environ.setdefault("DEBUG", "1")
    server = os.environ.get("DATABASE_URL", "")
    scratch = f"{PG_PREFIX}_scratch_{os.getpid()}"
    if server:
        if not server.startswith(("postgres://", "postgresql://")):
            raise SystemExit("bench: DATABASE_URL must be a PostgreSQL server's")
        _name_prefix = "pg_"
        on_server(server, f'DROP DATABASE IF EXISTS "{scratch}"', f'CREATE DATABASE "{scratch}"')
        os.environ["DATABASE_URL"] = postgres_url(server, scratch)
    started = time.perf_counter()
    try:
        run(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if server:
            _close_connections()
            on_server(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            os.environ["DATABASE_URL"] = server
    log(f"done in {time.perf_counter() - started:.0f} s; removed {workdir}")


def server_port() -> int:
    """The port for a server a benchmark starts: BENCH_PORT where a machine's ports are shared
    out among people, else a free one."""
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url(url: str, database: str) -> str:
    """A PostgreSQL URL with another database on the same server."""
    parts = urlsplit(url)
    # Spelt out: urlunsplit drops the // of postgres:///name (a local socket).
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{database}{query}"


def on_server(url: str, *statements: str, params: list | None = None) -> list[tuple]:
    """Run statements on the server's `postgres` database, outside any transaction (CREATE and
    DROP DATABASE need that); the last one's rows."""
    import psycopg

    rows: list[tuple] = []
    with psycopg.connect(postgres_url(url, "postgres"), autocommit=True) as db:
        for statement in statements:
            cursor = db.execute(statement, params)
            rows = cursor.fetchall() if cursor.description else []
    return rows


def _close_connections() -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


def seeded_school(
    pupils: int, seed: int, steps: dict[str, Callable[[], object]] | None = None
) -> dict[str, float]:
    """Migrate the scratch database, fill it with `seed_demo --pupils N --seed S` and run the
    steps after it; returns the seconds each took ("seed_demo" and each step's name), kept
    (see kept): four scripts of `make bench` seed the same 20,000 pupils, and two of them top
    up its records alike."""
    steps = steps or {}

    def build() -> dict[str, float]:
        if steps:  # on the plain school, seeded or copied
            return seeded_school(pupils, seed) | _run(steps)
        migrated()
        return _seed(pupils, seed)

    return kept("-".join(["school", str(pupils), str(seed), *steps]), build)


def migrated() -> None:
    """Migrate the scratch database (a copy of one migrated before: migrating takes each script
    10 to 40 seconds on a busy 2-core machine)."""

    def build() -> dict[str, float]:
        from django.core.management import call_command

        _empty_scratch()  # a script may have held another school in it before
        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
        return {}

    kept("migrated", build)


def _empty_scratch() -> None:
    """The scratch database, and its media, emptied: a new file or a new database."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    if connection.vendor == "postgresql":
        scratch = connection.settings_dict["NAME"]
        on_server(
            os.environ["DATABASE_URL"],
            f'DROP DATABASE "{scratch}" WITH (FORCE)',
            f'CREATE DATABASE "{scratch}"',
        )
        return
    database = Path(connection.settings_dict["NAME"])
    for path in [database, *database.parent.glob(f"{database.name}-*")]:
        path.unlink(missing_ok=True)


def kept(name: str, build: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Build the scratch database, or copy it (and its media) from where it is kept after
    building until the code or the day changes: on SQLite a file in BENCH_CACHE, on PostgreSQL
    a database on the server (_kept_on_server); returns build's timings."""
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    version = f"{code_key()}-{timezone.localdate():%Y%m%d}"
    if connections["default"].vendor == "postgresql":
        return _kept_on_server(name, version, build)
    if connections["default"].vendor != "sqlite":
        return build()
    database, media = Path(settings.DATABASES["default"]["NAME"]), Path(settings.MEDIA_ROOT)
    folder = CACHE / f"{name}-{version}"
    if (folder / "seconds.json").exists():
        log(f"copying the database from {folder}")
        connections.close_all()
        for wal in database.parent.glob(f"{database.name}-*"):  # WAL mode's -wal and -shm
            wal.unlink()
        shutil.copyfile(folder / "bench.sqlite3", database)
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(folder / "media", media)
        return json.loads((folder / "seconds.json").read_text())
    seconds = build()
    with connections["default"].cursor() as cursor:  # all of it in the one file
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()
    for old in CACHE.glob(f"{name}-*"):
        shutil.rmtree(old, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CACHE))
    shutil.copyfile(database, scratch / "bench.sqlite3")
    if media.exists():
        shutil.copytree(media, scratch / "media")
    else:
        (scratch / "media").mkdir()
    (scratch / "seconds.json").write_text(json.dumps(seconds))
    scratch.rename(folder)
    return seconds


def _kept_on_server(name: str, version: str, build: Callable[[], dict[str, float]]) -> dict:
    """_kept on PostgreSQL: the database PG_PREFIX_<name> on the server, its comment holding the
    code's version and build's timings, is the template of the scratch database (CREATE
    DATABASE … TEMPLATE); built (and VACUUM ANALYZEd, as autovacuum would after a bulk load)
    in the scratch database and copied there when missing or of another version."""
    from django.conf import settings
    from django.db import connection

    server, scratch = os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    kept = f"{PG_PREFIX}_{name}".replace("-", "_")
    media, kept_media = Path(settings.MEDIA_ROOT), CACHE / f"pg-{kept}" / "media"
    comment = on_server(
        server,
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        params=[kept],
    )
    about = json.loads(comment[0][0]) if comment and comment[0][0] else {}
    if about.get("version") == version and kept_media.exists():
        log(f"copying the database {kept}")
        connection.close()
        on_server(
            server,
            f'DROP DATABASE "{scratch}" WITH (FORCE)',
            f'CREATE DATABASE "{scratch}" TEMPLATE "{kept}"',
        )
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(kept_media, media)
        return about["seconds"]
    seconds = build()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    about = json.dumps({"version": version, "seconds": seconds})
    on_server(
        server,
        f'DROP DATABASE IF EXISTS "{kept}" WITH (FORCE)',
        f'CREATE DATABASE "{kept}" TEMPLATE "{scratch}"',
        f"COMMENT ON DATABASE \"{kept}\" IS '{about}'",
    )
    shutil.rmtree(kept_media, ignore_errors=True)
    kept_media.parent.mkdir(parents=True, exist_ok=True)
    if media.exists():
        shutil.copytree(media, kept_media)
    else:
        kept_media.mkdir()
    return seconds


def _seed(pupils: int, seed: int) -> dict[str, float]:
    from django.core.management import call_command

    log(f"seeding a demo school of {pupils} pupils (seed {seed})")
    start = time.perf_counter()
    call_command("seed_demo", pupils=pupils, seed=seed, stdout=sys.stderr)
    return {"seed_demo": time.perf_counter() - start}


def _run(steps: dict[str, Callable[[], object]]) -> dict[str, float]:
    seconds = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - start
    return seconds


def collected_static(env: dict[str, str]) -> Path:
    """The site's static files as production serves them (`collectstatic` with DEBUG off: the
    manifest and each file's compressed copies, ~10 s of CPU), collected once into BENCH_CACHE
    for every script that starts gunicorn, until the code or the static files change; returns
    the folder for STATIC_ROOT (only read by the server)."""
    import subprocess

    digest = hashlib.sha1(code_key().encode())
    for path in sorted((REPO / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    folder = CACHE / f"static-{digest.hexdigest()[:12]}"
    if (folder / "staticfiles.json").exists():
        log(f"using the static files collected in {folder}")
        return folder
    log("collecting static files")
    for old in CACHE.glob("static-*"):
        shutil.rmtree(old, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".static-", dir=CACHE))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO, env=env | {"DEBUG": "0", "STATIC_ROOT": str(scratch)}, check=True,
    )  # fmt: skip
    scratch.rename(folder)
    return folder


def code_key(*roots: Path) -> str:
    """A digest of the code a seeded database depends on: every Python file under `roots` (the
    whole repository by default) but the tests', so a change to the demo, a migration or a
    benchmark's steps seeds afresh."""
    skipped = {"tests", "media", "staticfiles", "node_modules"}
    paths = []
    for root in roots or (REPO,):
        if root.is_file():
            paths.append(root)
            continue
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [name for name in subfolders if name not in skipped and name[0] != "."]
            paths += [Path(folder) / name for name in files if name.endswith(".py")]
    digest = hashlib.sha1()
    for path in sorted(paths):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
