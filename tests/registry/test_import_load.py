"""The roster import beside teachers' saves, as processes on a SQLite file (issue 13)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_long_import_beside_teachers_saves_fails_no_save_and_keeps_each_under_two_seconds():
    """bench/bench_import_load.py with 2,000 rows: the worker (manage.py db_worker) imports
    them in its own process while another process saves care records in a loop."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "bench/bench_import_load.py", "--rows", "2000"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = dict(line.split(": ") for line in result.stdout.splitlines())

    assert figures["import_rows"] == "2000"
    assert int(figures["saves"]) >= 20  # the teachers kept saving all along
    assert figures["failed_saves"] == "0"
    assert float(figures["save_wait_max_ms"]) < 2000
    assert float(figures["write_transaction_max_ms"]) < 2000
