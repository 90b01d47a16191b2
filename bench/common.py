"""What every benchmark script shares: output lines, progress, and a throwaway database."""

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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
