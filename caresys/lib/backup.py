"""Backups that restore: one dated .tar.gz holding a consistent copy of the database, every file
under MEDIA_ROOT and a manifest (row counts per model table, SHA-256 of every member).

Archive layout: `database.sqlite3` (SQLite's online backup) or `database.pgdump` (pg_dump's
custom format), `media/<path under MEDIA_ROOT>` for each file, and `manifest.json` last, since it
holds the checksums of what comes before it. Knows no app: models come from the app registry.
"""

import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.db import connections, models, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
ARCHIVE_NAME = re.compile(r"^caresys-backup-(\d{8})-(\d{4})(?:-(\d+))?\.tar\.gz$")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that did not happen, in words for the person who ran it."""


@dataclass
class Backup:
    path: Path
    size: int
    manifest: dict[str, Any]
    removed: list[Path]


@dataclass
class Restored:
    manifest: dict[str, Any]
    counts: dict[str, int]
    media_files: int


# --- backup --------------------------------------------------------------------------------


def create_backup(
    directory: Path, *, keep: int, media_root: Path, alias: str = "default"
) -> Backup:
    """Write, verify and keep a new archive in directory, then delete all but the newest keep.

    The archive is built inside a hidden scratch folder and renamed into place only once
    verified, so an interrupted run never leaves a half archive with a backup's name.
    """
    if keep < 1:
        raise BackupError(f"要保留的备份份数至少为 1，现在是 {keep}（CARESYS_BACKUP_KEEP）。")
    directory, media_root = directory.resolve(), media_root.resolve()
    if directory.is_relative_to(media_root):
        raise BackupError(f"备份目录 {directory} 不能放在上传文件目录 {media_root} 里面。")
    engine = _engine(alias)
    member = DATABASE_MEMBERS[engine]
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.localtime()
    final = _archive_path(directory, created)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".caresys-backup-") as scratch_dir:
        scratch = Path(scratch_dir)
        database = scratch / member
        if engine == "sqlite":
            _copy_sqlite(Path(connections[alias].settings_dict["NAME"]), database)
            counts, referenced = _inspect_sqlite(database)
        else:
            counts, referenced = _dump_postgresql(alias, database)
        partial = scratch / final.name
        partial.touch(mode=0o600)  # it holds every child's record: readable by its owner only
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            files = {member: _add(tar, database, member)}
            for path, name in _media_files(media_root):
                try:
                    files[name] = _add(tar, path, name)
                except FileNotFoundError:  # deleted since the folder was listed
                    continue
            media = {name.removeprefix(MEDIA_PREFIX) for name in files if name != member}
            manifest = {
                "format": FORMAT,
                "created_at": created.isoformat(timespec="seconds"),
                "caresys_version": _version(),
                "engine": engine,
                "database": member,
                "counts": counts,
                "files": files,
                # Files the database names that were not under MEDIA_ROOT: reported, not fatal.
                "missing_media": sorted(referenced - media),
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        _fsync(partial)
        (scratch / "verify").mkdir()
        verify_archive(partial, scratch / "verify")
        os.replace(partial, final)
        _fsync(directory)
    return Backup(final, final.stat().st_size, manifest, prune(directory, keep))


def archives(directory: Path) -> list[Path]:
    """The backups in directory, oldest first (other files there are never touched)."""
    found = []
    for path in directory.iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if match and path.is_file():
            date, time, number = match.groups()
            found.append(((date, time, int(number or 1)), path))
    return [path for _key, path in sorted(found)]


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest keep backups; returns the deleted ones."""
    old = archives(directory)[:-keep]
    for path in old:
        path.unlink()
    return old


def _archive_path(directory: Path, created) -> Path:
    stem = f"caresys-backup-{created:%Y%m%d-%H%M}"
    path, number = directory / f"{stem}.tar.gz", 2
    while path.exists():
        path, number = directory / f"{stem}-{number}.tar.gz", number + 1
    return path


def _copy_sqlite(live: Path, copy: Path) -> None:
    """SQLite's online backup from a connection to the live file, never a file copy: a copy
    of a WAL database taken while the site writes may be malformed or miss recent rows."""
    if not live.is_file():
        raise BackupError(f"找不到数据库文件 {live}（SQLITE_PATH）。")
    with _sqlite(live, "rw") as source, contextlib.closing(sqlite3.connect(copy)) as target:
        # One step (pages=-1): the whole copy is read in one read transaction, so it is the
        # database at one moment; in WAL mode the teachers' writes go on meanwhile.
        source.backup(target, pages=-1)
        # A self-contained file: no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")


def _inspect_sqlite(path: Path) -> tuple[dict[str, int], set[str]]:
    with _sqlite(path, "ro") as database:
        cursor = database.cursor()
        tables = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        present = {row[0] for row in tables}
        return _count_rows(cursor, present), _file_names(cursor, present)


def _dump_postgresql(alias: str, dump: Path) -> tuple[dict[str, int], set[str]]:
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        # pg_dump joins this transaction's snapshot, so the counts and the dump see one moment.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        present = set(connection.introspection.table_names(cursor))
        counts, referenced = _count_rows(cursor, present), _file_names(cursor, present)
        _run(
            "pg_dump",
            "--format=custom",
            "--no-password",
            f"--snapshot={snapshot}",
            f"--file={dump}",
            env=_postgres_env(connection.settings_dict),
        )
    return counts, referenced


def _media_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    for folder, subfolders, names in os.walk(media_root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path, MEDIA_PREFIX + path.relative_to(media_root).as_posix()


class _HashingReader:
    """Hashes what tarfile reads, so the manifest holds the sum of the bytes archived even if
    the file changes on disk meanwhile."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256 = raw, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as file:
        info = tar.gettarinfo(arcname=name, fileobj=file)
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return {"sha256": reader.sha256.hexdigest(), "bytes": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- verify --------------------------------------------------------------------------------


def verify_archive(archive: Path, scratch: Path) -> dict[str, Any]:
    """Check every member's SHA-256 against the manifest, then the database copy itself
    (SQLite: integrity_check; PostgreSQL: pg_restore --list). Returns the manifest and leaves
    the database copy in scratch."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    digests: dict[str, str] = {}
    manifest = None
    with _reading(archive) as tar:
        for member in tar:
            name = _member_name(archive, member, digests)
            source = tar.extractfile(member)
            if name == MANIFEST:
                manifest = json.loads(source.read())
            elif name in DATABASE_MEMBERS.values():
                with (scratch / name).open("wb") as copy:
                    digests[name] = _hash_copy(source, copy)
            else:
                digests[name] = _hash_copy(source)
    manifest = _checked_manifest(archive, manifest)
    expected = {name: entry["sha256"] for name, entry in manifest["files"].items()}
    problems = [
        *(f"缺少 {name}" for name in sorted(expected.keys() - digests.keys())),
        *(f"多出 {name}" for name in sorted(digests.keys() - expected.keys())),
        *(
            f"{name} 的 SHA-256 不符"
            for name in sorted(expected.keys() & digests.keys())
            if expected[name] != digests[name]
        ),
    ]
    if problems:
        raise BackupError(
            f"备份文件 {archive.name} 与其中的清单不符，可能已损坏或被改动：{'；'.join(problems)}。"
        )
    database = scratch / manifest["database"]
    if manifest["engine"] == "sqlite":
        check_sqlite(database)
    else:
        _run("pg_restore", "--list", str(database), env=dict(os.environ))
    return manifest


def check_sqlite(path: Path) -> None:
    """PRAGMA integrity_check, in words when it fails."""
    try:
        with _sqlite(path, "ro") as database:
            rows = database.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"数据库 {path.name} 已损坏：{exc}。") from exc
    if rows != [("ok",)]:
        found = "；".join(str(row[0]) for row in rows[:5])
        raise BackupError(f"数据库 {path.name} 的完整性检查未通过：{found}。")


@contextlib.contextmanager
def _reading(archive: Path) -> Iterator[tarfile.TarFile]:
    """The archive opened for reading; damage to it in any place becomes one clear message."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            yield tar
            # Read to the end, so gzip checks its CRC over the whole file too.
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise BackupError(f"备份文件 {archive.name} 已损坏或不完整，无法读取（{exc}）。") from exc


def _member_name(archive: Path, member: tarfile.TarInfo, seen: dict[str, str]) -> str:
    """The member's name, if it is one a CareSys backup holds and safe to write under a folder."""
    name = member.name
    parts = PurePosixPath(name).parts
    known = name == MANIFEST or name in DATABASE_MEMBERS.values()
    media = name.startswith(MEDIA_PREFIX) and len(parts) > 1 and ".." not in parts
    if not member.isfile() or name in seen or not (known or media):
        raise BackupError(f"备份文件 {archive.name} 含有不应有的内容：{name}，已拒绝。")
    return name


def _checked_manifest(archive: Path, manifest: Any) -> dict[str, Any]:
    keys = {"format", "created_at", "engine", "database", "counts", "files"}
    if not isinstance(manifest, dict) or not keys <= manifest.keys():
        raise BackupError(
            f"备份文件 {archive.name} 没有完整的清单（{MANIFEST}），不是 CareSys 的备份。"
        )
    if manifest["format"] != FORMAT or manifest["engine"] not in DATABASE_MEMBERS:
        raise BackupError(f"备份文件 {archive.name} 的格式（{manifest['format']}）本版本不认识。")
    if manifest["database"] != DATABASE_MEMBERS[manifest["engine"]]:
        raise BackupError(f"备份文件 {archive.name} 的清单有误：数据库文件名不对。")
    return manifest


def _hash_copy(source: IO[bytes], target: IO[bytes] | None = None) -> str:
    sha256 = hashlib.sha256()
    while chunk := source.read(CHUNK):
        sha256.update(chunk)
        if target is not None:
            target.write(chunk)
    return sha256.hexdigest()


# --- restore -------------------------------------------------------------------------------


def restore_archive(
    archive: Path,
    *,
    media_root: Path,
    check_target: Callable[[], None],
    alias: str = "default",
) -> Restored:
    """Verify archive, let check_target refuse the installation, then put the database and the
    media files back and check integrity and every table's row count against the manifest."""
    engine = _engine(alias)
    connection = connections[alias]
    live = Path(connection.settings_dict["NAME"]) if engine == "sqlite" else None
    if live is not None:
        live.parent.mkdir(parents=True, exist_ok=True)
    # Beside the SQLite file, so the restored copy goes into place with one rename.
    scratch_parent = live.parent if live is not None else None
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".caresys-restore-") as scratch:
        manifest = verify_archive(archive, Path(scratch))
        if manifest["engine"] != engine:
            raise BackupError(
                f"这份备份来自 {manifest['engine']} 数据库，而本机配置的是 {engine}，不能直接恢复。"
            )
        check_target()
        connection.close()
        database = Path(scratch) / manifest["database"]
        if live is not None:
            _install_sqlite(database, live)
        else:
            _run(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                # Grants name roles of the old server, which this one may not have.
                "--no-acl",
                "--single-transaction",
                "--no-password",
                f"--dbname={connection.settings_dict['NAME']}",
                str(database),
                env=_postgres_env(connection.settings_dict),
            )
    media_files = _restore_media(archive, manifest, media_root)
    if live is not None:
        check_sqlite(live)
    counts = _count_live(alias)
    wrong = [
        f"{table}：备份时 {expected} 行，恢复后 {counts.get(table, '没有这张表')}"
        for table, expected in sorted(manifest["counts"].items())
        if counts.get(table) != expected
    ]
    if wrong:
        raise BackupError("恢复后的行数与备份清单不符：" + "；".join(wrong) + "。")
    return Restored(manifest, counts, media_files)


def _install_sqlite(copy: Path, live: Path) -> None:
    """The copy replaces the database file in one rename. The old file's -wal and -shm go first:
    SQLite would otherwise replay the old database's WAL into the restored one."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    _fsync(copy)
    os.replace(copy, live)
    _fsync(live.parent)


def _restore_media(archive: Path, manifest: dict[str, Any], media_root: Path) -> int:
    """Write each media member under media_root (each by rename), checking its SHA-256 again."""
    written = 0
    with _reading(archive) as tar:
        for member in tar:
            if not member.name.startswith(MEDIA_PREFIX):
                continue
            name = _member_name(archive, member, {})
            target = media_root.joinpath(*PurePosixPath(name).parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.restoring")
            with partial.open("wb") as copy:
                digest = _hash_copy(tar.extractfile(member), copy)
            if digest != manifest["files"].get(name, {}).get("sha256"):
                partial.unlink()
                raise BackupError(f"备份文件 {archive.name} 中的 {name} 在恢复时校验不符。")
            os.replace(partial, target)
            written += 1
    return written


# --- shared --------------------------------------------------------------------------------


def model_tables() -> dict[str, type[models.Model]]:
    """Every installed model's table, many-to-many tables included, each once."""
    tables: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.setdefault(model._meta.db_table, model)
    return tables


def summary(manifest: dict[str, Any]) -> list[str]:
    """What an archive holds, as an IT teacher reads it (both commands print it)."""
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[manifest["engine"]]
    media = [entry for name, entry in manifest["files"].items() if name.startswith(MEDIA_PREFIX)]
    media_bytes = human_size(sum(entry["bytes"] for entry in media))
    counts = manifest["counts"]
    tables = model_tables()
    lines = [
        f"备份时间 {manifest['created_at'][:19].replace('T', ' ')}，"
        f"CareSys {manifest.get('caresys_version', '?')}，"
        f"数据库 {engine}",
        f"上传的文件（照片、PDF 等）：{len(media)} 个，共 {media_bytes}",
        f"数据库各表的行数（{len(counts)} 张表，共 {sum(counts.values())} 行；0 行的不列出）：",
    ]
    for table, rows in sorted(counts.items()):
        model = tables.get(table)
        if rows:
            label = str(model._meta.verbose_name) if model is not None else table
            lines.append(f"  {label}（{table}）：{rows}")
    if missing := manifest.get("missing_media"):
        lines.append(
            f"注意：数据库中登记的 {len(missing)} 个文件在 MEDIA_ROOT 里找不到，"
            f"未能备份：{'、'.join(missing[:5])}{' 等' if len(missing) > 5 else ''}"
        )
    return lines


def human_size(size: int) -> str:
    value, unit = float(size), "字节"
    for bigger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{size} 字节" if unit == "字节" else f"{value:.1f} {unit}"


def _count_live(alias: str) -> dict[str, int]:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            return _count_rows(cursor, set(connection.introspection.table_names(cursor)))
    finally:
        connection.close()


def _count_rows(cursor, present: set[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(model_tables().keys() & present):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _file_names(cursor, present: set[str]) -> set[str]:
    """The media files the database names, from every FileField of every model."""
    names = set()
    for table, model in model_tables().items():
        if table not in present:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                column = _quote(field.column)
                cursor.execute(f"SELECT {column} FROM {_quote(table)} WHERE {column} <> ''")
                names.update(row[0] for row in cursor.fetchall())
    return names


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {vendor} 数据库，只支持 SQLite 和 PostgreSQL。")
    return vendor


@contextlib.contextmanager
def _sqlite(path: Path, mode: str) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection that never creates a missing file."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _postgres_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The connection settings for pg_dump and pg_restore, as libpq's variables: a password
    in PGPASSWORD never shows in the process list."""
    env = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if sslmode := settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def _run(program: str, *args: str, env: dict[str, str]) -> None:
    if shutil.which(program) is None:
        raise BackupError(
            f"找不到 {program}：请安装 postgresql-client（apt-get install postgresql-client）。"
        )
    result = subprocess.run([program, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} 失败：{result.stderr.strip()}")


def _fsync(path: Path) -> None:
    """Make a written file, or a rename in a folder, survive a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _version() -> str:
    try:
        return importlib.metadata.version("caresys")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
