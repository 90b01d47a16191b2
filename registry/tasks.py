"""The registry's background tasks (django.tasks, run by `manage.py db_worker`)."""

from django_tasks import task

from registry.models import RosterUpload, User
from registry.spreadsheets import importing


@task()
def roster_upload_import(*, upload_id: int, actor_id: int, fingerprint: str) -> None:
    """Import a confirmed roster upload; its progress and outcome are on the upload."""
    upload = RosterUpload.objects.get(pk=upload_id)
    actor = User.objects.get(pk=actor_id)
    importing.roster_upload_run(upload=upload, actor=actor, fingerprint=fingerprint)
