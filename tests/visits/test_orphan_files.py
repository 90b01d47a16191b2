"""A record save killed half-way leaves photo files that no row points to; the daily purge
removes them and keeps every file a record still holds."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

# Runs in its own process against a file database: saves a home visit with six photos and dies
# (os._exit, as a kill would: no except, no finally, no rollback handler) while saving the
# fourth attachment, after its file was written and before anything was committed. With
# "keep", it first saves one complete record with a photo.
SAVE_AND_DIE = textwrap.dedent(
    """
    import os, sys, django
    django.setup()
    from django.utils import timezone
    from registry.models import Pupil, User
    from tests.visits.files import png_upload
    from visits import services
    from visits.models import RecordAttachment

    teacher = User.objects.get(username="teacher")
    pupils = Pupil.objects.filter(school_class__head_teacher=teacher).enrolled()
    pupil = pupils.with_consent("photos").first()  # the guardian agreed to photos
    fields = dict(kind="home_visit", occurred_on=timezone.localdate(), content="家访")
    services.record_create(actor=teacher, pupils=[pupil], uploads=[png_upload()], **fields)
    saved = 0
    original_save = RecordAttachment.save

    def save_then_die(self, *args, **kwargs):
        global saved
        saved += 1
        if saved == 4:
            os._exit(137)
        return original_save(self, *args, **kwargs)

    RecordAttachment.save = save_then_die
    uploads = [png_upload(f"photo{n}.png") for n in range(6)]
    services.record_create(actor=teacher, pupils=[pupil], uploads=uploads, **fields)
    """
)


def _env(workdir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DEBUG="1",
        SQLITE_PATH=str(workdir / "db.sqlite3"),
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="caresys.settings",
        PYTHONPATH=str(REPO),
    )
    return env


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)


def _files(media: Path) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}


def _referenced_names(env: dict) -> set[str]:
    """Every file a row points to: the records' attachments and the demo's event photos."""
    code = (
        "import django; django.setup(); from caresys.lib.files import referenced_files; "
        "print('\\n'.join(referenced_files()))"
    )
    return set(_run(env, sys.executable, "-c", code).stdout.split())


def test_a_record_save_killed_midway_leaves_no_file_after_the_daily_purge(tmp_path):
    env = _env(tmp_path)
    media = tmp_path / "media"
    assert _run(env, sys.executable, "manage.py", "migrate").returncode == 0
    assert _run(env, sys.executable, "manage.py", "seed_demo", "--pupils", "6").returncode == 0

    killed = _run(env, sys.executable, "-c", SAVE_AND_DIE)
    assert killed.returncode == 137, killed.stderr

    kept = _referenced_names(env)
    attachments = {name for name in kept if name.startswith("attachments/")}
    assert len(attachments) == 1, "only the complete record's photo has a row"
    written = _files(media)
    orphans = written - kept
    assert len(orphans) == 4, "the killed save wrote four photos before it died"

    # The purge leaves young files alone (a save may be under way): age them past its margin.
    two_days_ago = time.time() - 2 * 24 * 3600
    for name in written:
        os.utime(media / name, (two_days_ago, two_days_ago))
    purged = _run(env, sys.executable, "manage.py", "purge_uploads")
    assert purged.returncode == 0, purged.stderr

    assert _files(media) == kept


def test_the_purge_keeps_a_young_unreferenced_file_which_may_be_a_save_under_way(tmp_path):
    env = _env(tmp_path)
    assert _run(env, sys.executable, "manage.py", "migrate").returncode == 0
    fresh = tmp_path / "media" / "attachments" / "1" / "being-saved.png"
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(b"\x89PNG\r\n\x1a\n")

    assert _run(env, sys.executable, "manage.py", "purge_uploads").returncode == 0

    assert fresh.exists()
