"""Files under MEDIA_ROOT that no row points to: what a crash between writing a file and
committing its row leaves behind. The daily purge removes them."""

import datetime
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db.models import FileField
from django.utils import timezone


def _file_fields() -> Iterator[tuple[type, FileField]]:
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                yield model, field


def referenced_files(storage: Storage = default_storage) -> set[str]:
    """The names every FileField of every model holds in that storage (one query a field)."""
    names: set[str] = set()
    for model, field in _file_fields():
        if field.storage is storage:
            rows = model._base_manager.exclude(**{field.name: ""}).values_list(field.name)
            names.update(name for (name,) in rows.iterator() if name)
    return names


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


def purge_unreferenced_files(
    *, older_than: datetime.timedelta, storage: Storage = default_storage
) -> list[str]:
    """Delete the files no row points to, last written before `older_than` ago (a younger file
    may belong to a save still under way); the names deleted."""
    if not storage.exists(""):
        return []
    cutoff = timezone.now() - older_than
    kept = referenced_files(storage)
    deleted = []
    for name in _walk(storage, ""):
        if name not in kept and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted.append(name)
    return deleted
