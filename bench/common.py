"""What every benchmark script shares: output lines, progress, and a throwaway database."""

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Seeded SQLite databases kept between scripts and runs (seeded_school).
CACHE = Path(os.environ.get("BENCH_CACHE", Path(tempfile.gettempdir()) / "caresys-bench-cache"))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(name: str, value: float | int) -> None:
    """One `name: value` line on stdout, the only thing a benchmark prints there."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def in_scratch_database(prefix: str, run: Callable[[Path], None]) -> None:
    """Run the benchmark on a new SQLite database (and media folder) in a temporary folder,
    removed afterwards whatever happens."""
    sys.path.insert(0, str(REPO))
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")
    # Development settings (no collected static files); benchmarks turn DEBUG off themselves.
    os.environ.setdefault("DEBUG", "1")
    started = time.perf_counter()
    try:
        run(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.perf_counter() - started:.0f} s; removed {workdir}")


def seeded_school(
    pupils: int, seed: int, steps: dict[str, Callable[[], object]] | None = None
) -> dict[str, float]:
    """Migrate the scratch database, fill it with `seed_demo --pupils N --seed S` and run the
    steps after it; returns the seconds each took ("seed_demo" and each step's name), kept
    (see _kept): four scripts of `make bench` seed the same 20,000 pupils, and two of them top
    up its records alike."""
    steps = steps or {}

    def build() -> dict[str, float]:
        if steps:  # on the plain school, seeded or copied
            return seeded_school(pupils, seed) | _run(steps)
        migrated()
        return _seed(pupils, seed)

    return _kept("-".join(["school", str(pupils), str(seed), *steps]), build)


def migrated() -> None:
    """Migrate the scratch database (on SQLite, a copy of one migrated before: migrating takes
    each script 10 to 40 seconds on a busy 2-core machine)."""

    def build() -> dict[str, float]:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
        return {}

    _kept("migrated", build)


def _kept(name: str, build: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Build the scratch database, or on SQLite copy it (and its media) from BENCH_CACHE, where
    it is kept after building until the code or the day changes; returns build's timings."""
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    if connections["default"].vendor != "sqlite":
        return build()
    database, media = Path(settings.DATABASES["default"]["NAME"]), Path(settings.MEDIA_ROOT)
    kept = CACHE / f"{name}-{_code_key()}-{timezone.localdate():%Y%m%d}"
    if (kept / "seconds.json").exists():
        log(f"copying the database from {kept}")
        connections.close_all()
        for wal in database.parent.glob(f"{database.name}-*"):  # WAL mode's -wal and -shm
            wal.unlink()
        shutil.copyfile(kept / "bench.sqlite3", database)
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(kept / "media", media)
        return json.loads((kept / "seconds.json").read_text())
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
    scratch.rename(kept)
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


def _code_key() -> str:
    """A digest of the code a seeded database depends on (every Python file but the
    tests'), so a change to the demo, a migration or a benchmark's steps seeds afresh."""
    skipped = {"tests", "media", "staticfiles", "node_modules"}
    paths = []
    for folder, subfolders, files in os.walk(REPO):
        subfolders[:] = [name for name in subfolders if name not in skipped and name[0] != "."]
        paths += [Path(folder) / name for name in files if name.endswith(".py")]
    digest = hashlib.sha1()
    for path in sorted(paths):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
