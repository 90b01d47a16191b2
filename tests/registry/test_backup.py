"""Backups that restore: a backup taken while teachers write loses nothing committed before it,
restores into an empty installation with the same rows and files, and a tampered archive or an
installation that already holds a school is refused.

Each installation is real: `manage.py` runs in a subprocess with its own SQLITE_PATH (or
DATABASE_URL) and MEDIA_ROOT, as the site and the cron job would.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
MEDIA = {
    "attachments/1/3f9c2a.jpg": os.urandom(40_000),
    "term_reports/2026秋季工作总结.pdf": "%PDF-1.7 关爱留守儿童".encode(),
}

# Keeps writing access-log rows, one small transaction each, as busy teachers would; prints
# each row's id once it is committed. With no automatic checkpoint, every row stays in the WAL,
# where a copy of the database file alone would not find it.
WRITER = """
import time
import django
django.setup()
from django.db import connection
from registry.models import AccessLog, User
connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
actor = User.objects.filter(school__isnull=False).order_by("pk").first()
while True:
    row = AccessLog.objects.create(school=actor.school, actor=actor, action="view", detail="写入")
    print(row.pk, flush=True)
    time.sleep(0.002)
"""


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def succeeded(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def installation_env(home: Path, **extra: str) -> dict[str, str]:
    """An installation in home, on SQLite: DATABASE_URL, set when the suite itself runs on
    PostgreSQL, is dropped unless extra sets it."""
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="caresys.settings",
        SQLITE_PATH=str(home / "db.sqlite3"),
        MEDIA_ROOT=str(home / "media"),
        CARESYS_BACKUP_DIR=str(home / "backups"),
        **extra,
    )
    return env


def put_media(media_root: Path) -> None:
    for name, data in MEDIA.items():
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def media_of(media_root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(media_root).as_posix(): path.read_bytes()
        for path in media_root.rglob("*")
        if path.is_file()
    }


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def without_demo_photos(media: dict[str, bytes]) -> dict[str, bytes]:
    """The files but the demo's event photos (which restore like any other file)."""
    photos = {name for name in media if name.startswith("event-photos/")}
    assert photos, "the demo school's event photos are restored too"
    return {name: data for name, data in media.items() if name not in photos}


def only_archive(directory: Path) -> Path:
    (archive,) = directory.glob("caresys-backup-*.tar.gz")
    return archive


@pytest.fixture(scope="module")
def school_home(tmp_path_factory) -> Path:
    """A migrated demo school of 60 pupils with two uploaded files; tests work on copies."""
    home = tmp_path_factory.mktemp("school")
    env = installation_env(home)
    succeeded(manage("migrate", "--no-input", "-v", "0", env=env))
    succeeded(manage("seed_demo", "--pupils", "60", "--seed", "3", env=env))
    put_media(home / "media")
    return home


@pytest.fixture
def school(school_home, tmp_path) -> Path:
    home = tmp_path / "school"
    shutil.copytree(school_home, home)
    return home


@pytest.fixture(scope="module")
def archive(school_home, tmp_path_factory) -> Path:
    """A backup of a copy of the demo school with its files, taken while nobody writes."""
    home = tmp_path_factory.mktemp("archived") / "school"
    shutil.copytree(school_home, home)
    put_media(home / "media")
    directory = tmp_path_factory.mktemp("backups")
    succeeded(manage("backup", str(directory), env=installation_env(home)))
    made = only_archive(directory)
    with tarfile.open(made) as members:
        assert {f"media/{name}" for name in MEDIA} <= set(members.getnames())
    return made


class Writer:
    """A subprocess committing rows until stopped; committed holds the ids it has reported."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        self.committed: list[int] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.committed.append(int(line))

    def wait_for(self, rows: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.committed) < rows:
            assert self.process.poll() is None, "the writer stopped"
            assert time.monotonic() < deadline, "the writer wrote too slowly"
            time.sleep(0.01)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)


def test_a_backup_taken_while_teachers_write_restores_every_row_committed_before_it(
    school, tmp_path
):
    env = installation_env(school)
    writer = Writer(env)
    try:
        writer.wait_for(20)
        committed_before = list(writer.committed)
        output = succeeded(manage("backup", env=env))
        writer.wait_for(len(writer.committed) + 20)
    finally:
        writer.stop()
    archive = only_archive(school / "backups")
    manifest = manifest_of(archive)
    restored = tmp_path / "restored"

    restore_output = succeeded(manage("restore", str(archive), env=installation_env(restored)))

    assert str(archive) in output
    assert "学生（registry_pupil）：60" in output
    assert "行数都与备份清单一致" in restore_output
    database = sqlite3.connect(restored / "db.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    counts = {
        table: database.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        for table in manifest["counts"]
    }
    assert counts == manifest["counts"]
    assert counts["registry_pupil"] == 60
    logged = {row[0] for row in database.execute("SELECT id FROM registry_accesslog")}
    assert set(committed_before) <= logged
    # The writer went on meanwhile: what it committed after the backup is in the live file only.
    assert set(writer.committed) - logged
    assert without_demo_photos(media_of(restored / "media")) == MEDIA


def test_only_the_newest_backups_are_kept(school):
    env = installation_env(school, CARESYS_BACKUP_KEEP="2")
    written = []
    for _ in range(3):
        output = succeeded(manage("backup", env=env))
        written.append(only_archive_in(output))

    left = sorted(path.name for path in (school / "backups").iterdir())

    assert left == sorted(path.name for path in written[1:])
    assert f"已删除较早的 1 份：{written[0].name}" in output


def only_archive_in(output: str) -> Path:
    """The archive a backup run names in its first line."""
    first = output.splitlines()[0]
    return Path(first.removeprefix("备份完成：").rsplit("（", 1)[0])


def test_restore_refuses_an_installation_that_already_holds_a_school(school, archive):
    before = (school / "db.sqlite3").read_bytes()

    result = manage("restore", str(archive), env=installation_env(school))

    assert result.returncode == 1
    assert "本机数据库里已经有学校的数据" in result.stderr
    assert "--force" in result.stderr
    assert (school / "db.sqlite3").read_bytes() == before


def test_restore_refuses_an_archive_with_one_byte_changed(archive, tmp_path):
    damaged = tmp_path / archive.name
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(data)
    target = tmp_path / "empty"

    result = manage("restore", str(damaged), env=installation_env(target))

    assert result.returncode == 1
    assert f"恢复失败：备份文件 {damaged.name} 已损坏" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (target / "db.sqlite3").exists()
    assert not (target / "media").exists()


def test_restore_names_the_file_whose_checksum_does_not_match(archive, tmp_path):
    """A repacked archive with one photo changed: gzip is whole, the manifest's sum is not."""
    tampered = tmp_path / archive.name
    photo = "media/attachments/1/3f9c2a.jpg"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == photo:
                data = b"\x00" + data[1:]
            target.addfile(member, fileobj=io.BytesIO(data))
    target_home = tmp_path / "empty"

    result = manage("restore", str(tampered), env=installation_env(target_home))

    assert result.returncode == 1
    assert f"{photo} 的 SHA-256 不符" in result.stderr
    assert not (target_home / "db.sqlite3").exists()


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_server() -> str | None:
    """The server the suite uses on PostgreSQL (DATABASE_URL), or the local one; None if none."""
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith(("postgres://", "postgresql://")) or not shutil.which("pg_dump"):
        return None
    try:
        with psycopg.connect(with_database(url, "postgres"), connect_timeout=3):
            return url
    except psycopg.OperationalError:
        return None


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


SERVER = postgres_server()


@pytest.fixture
def postgres_databases():
    """caresys_backup_src and caresys_backup_dst, created empty and dropped afterwards."""
    names = ["caresys_backup_src", "caresys_backup_dst"]
    admin = with_database(SERVER, "postgres")

    def drop(connection) -> None:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with psycopg.connect(admin, autocommit=True) as connection:
        drop(connection)
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    yield [with_database(SERVER, name) for name in names]
    with psycopg.connect(admin, autocommit=True) as connection:
        drop(connection)


@pytest.mark.skipif(SERVER is None, reason="no PostgreSQL server or pg_dump on this machine")
def test_a_postgresql_school_restores_into_an_empty_database(postgres_databases, tmp_path):
    source_url, target_url = postgres_databases
    source = installation_env(tmp_path / "source", DATABASE_URL=source_url)
    target = installation_env(tmp_path / "target", DATABASE_URL=target_url)
    succeeded(manage("migrate", "--no-input", "-v", "0", env=source))
    succeeded(manage("seed_demo", "--pupils", "30", env=source))
    put_media(tmp_path / "source" / "media")

    succeeded(manage("backup", env=source))
    archive = only_archive(tmp_path / "source" / "backups")
    output = succeeded(manage("restore", str(archive), env=target))

    manifest = manifest_of(archive)
    assert manifest["engine"] == "postgresql"
    assert "行数都与备份清单一致" in output
    with psycopg.connect(target_url) as connection:
        for table, rows in manifest["counts"].items():
            assert connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == rows
        pupils = connection.execute("SELECT COUNT(*) FROM registry_pupil").fetchone()[0]
    assert pupils == 30
    assert without_demo_photos(media_of(tmp_path / "target" / "media")) == MEDIA
