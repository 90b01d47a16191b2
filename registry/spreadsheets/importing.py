"""The roster import's writes: keeping an upload, writing a plan, and purging what is left.

Each write of a plan is all or nothing: one transaction, every row or none if one fails. An
upload's file is not in any transaction (a rollback cannot bring back a deleted file), so the
uploads are saved and purged one at a time; the rows the import writes are its audit: the
upload (who, when, how it ended), and a revision and an access-log row per archive.
"""

import datetime
import logging
import uuid
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from caresys.lib.pinyin import name_pinyin
from registry.models import (
    AccessLog,
    ArchiveRevision,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    RosterUpload,
    User,
)
from registry.services import archive_draft, archive_update, log_access
from registry.spreadsheets.columns import field_label
from registry.spreadsheets.planning import NEW, UPDATED, ImportPlan, RowPlan

logger = logging.getLogger(__name__)


def _import_rows(
    *,
    actor: User,
    plan: ImportPlan,
    every: int = 100,
    request: HttpRequest | None = None,
) -> Iterator[tuple[int, int]]:
    """Write the plan's new and updated rows, yielding (done, total) every `every` rows.

    The caller holds the transaction: roster_import_confirm, or roster_upload_confirm's steps.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_import_rows must run inside transaction.atomic()")
    if plan.has_errors:
        raise ValidationError(_("名册中有错误的行，未导入。"))
    new = [row for row in plan.rows if row.status == NEW]
    updated = [row for row in plan.rows if row.status == UPDATED]
    total = plan.to_write
    done = 0
    for start in range(0, len(new), every):
        batch = new[start : start + every]
        _pupils_create_planned(actor=actor, rows=batch, request=request)
        done += len(batch)
        yield done, total
    summary = _("名册导入")
    for row in updated:
        try:
            archive_update(
                actor=actor, pupil=row.pupil, data=row.data, summary=summary, request=request
            )
        except ValidationError as exc:
            raise ValidationError(_row_messages(row.number, exc)) from exc
        done += 1
        if done % every == 0 or done == total:
            yield done, total


def _pupils_create_planned(
    *, actor: User, rows: list[RowPlan], request: HttpRequest | None
) -> None:
    """What pupil_create does, for many new pupils of a plan at once: ten inserts, not ten
    queries a pupil. The plan has validated each row already and matched it to no pupil; the
    database's constraints still refuse a number someone registered since the preview."""
    today = timezone.localdate()
    created = []
    for row in rows:
        parts, changes = archive_draft(school_id=actor.school_id, pupil=None, data=row.data)
        pupil = parts[0][2]
        pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
        created.append((row, parts, changes))
    try:
        with transaction.atomic():
            Pupil.objects.bulk_create([parts[0][2] for _row, parts, _unused in created])
    except IntegrityError as exc:
        raise ValidationError(
            _taken_numbers(actor.school_id, [row for row, *_rest in created])
        ) from exc
    related: dict[type[models.Model], list[models.Model]] = {Parent: [], Guardian: []}
    for _row, parts, _unused in created:
        pupil = parts[0][2]
        for _part, _prefix, instance, _fields in parts[1:]:
            instance.pupil = pupil
            related[type(instance)].append(instance)
    for model, instances in related.items():
        model.objects.bulk_create(instances)
    pupils = [parts[0][2] for _row, parts, _unused in created]
    LeftBehindPeriod.objects.bulk_create(
        LeftBehindPeriod(pupil=pupil, status=pupil.left_behind, started_on=today, recorded_by=actor)
        for pupil in pupils
    )
    ArchiveRevision.objects.bulk_create(
        ArchiveRevision(pupil=parts[0][2], actor=actor, summary=_("新建档案"), changes=changes)
        for _row, parts, changes in created
    )
    log_access(actor=actor, action=AccessLog.Action.CREATE, pupils=pupils, request=request)


def _taken_numbers(school_id: int, rows: list[RowPlan]) -> list[str]:
    """Which rows name a number that another pupil of the school holds (registered since the
    preview, or twice in the rows)."""
    numbers = {
        key: {row.data["pupil"].get(key) for row in rows} - {None, ""}
        for key in ("id_number", "student_number")
    }
    taken = Pupil.objects.filter(
        models.Q(id_number__in=numbers["id_number"])
        | models.Q(student_number__in=numbers["student_number"]),
        school_id=school_id,
    ).values_list("id_number", "student_number")
    taken_ids = {id_number for id_number, _number in taken}
    taken_numbers = {number for _id_number, number in taken}
    messages = []
    for row in rows:
        errors = {}
        if row.data["pupil"].get("id_number") in taken_ids:
            errors["pupil.id_number"] = [_("该身份证号已登记在本校另一名学生的档案中。")]
        if row.data["pupil"].get("student_number") in taken_numbers:
            errors["pupil.student_number"] = [_("该学籍号已登记在本校另一名学生的档案中。")]
        if errors:
            messages += _row_messages(row.number, ValidationError(errors))
    repeated = _("导入时发现身份证号或学籍号重复，没有写入任何数据。请重新上传，核对预览后再导入。")
    return messages or [repeated]


def _row_messages(number: int, error: ValidationError) -> list[str]:
    """'第5行：监护人·电话：…' for each message of a service's 'part.field' errors."""
    if not hasattr(error, "error_dict"):
        return [_("第%(n)d行：%(msg)s") % {"n": number, "msg": msg} for msg in error.messages]
    messages = []
    for key, field_messages in error.message_dict.items():
        for msg in field_messages:
            if "." in key:
                label = field_label(key)
                messages.append(
                    _("第%(n)d行：%(label)s：%(msg)s") % {"n": number, "label": label, "msg": msg}
                )
            else:
                messages.append(_("第%(n)d行：%(msg)s") % {"n": number, "msg": msg})
    return messages


@transaction.atomic
def roster_import_confirm(
    *,
    actor: User,
    plan: ImportPlan,
    progress: Callable[[int, int], None] | None = None,
    request: HttpRequest | None = None,
) -> dict[str, int]:
    """Write a roster import's plan in one transaction: every row, or none if one fails."""
    for done, total in _import_rows(actor=actor, plan=plan, request=request):
        if progress is not None:
            progress(done, total)
    return plan.summary()


def roster_upload_confirm(
    *,
    actor: User,
    upload: RosterUpload,
    plan: ImportPlan,
    fingerprint: str,
    request: HttpRequest | None = None,
) -> Iterator[tuple[int, int]]:
    """The steps of importing an upload as previewed: (done, total) every 100 rows written.

    Refused at once (ValidationError) unless the plan is the one the preview showed, by its
    fingerprint, and has no error. The rows are written in one transaction as the steps are
    taken; then the upload records how it ended, so a failure is on the upload, not raised.
    """
    if plan.has_errors or fingerprint != plan.fingerprint():
        raise ValidationError(
            _("预览之后档案有了变化，请核对下面新的预览后再确认导入。"), code="stale"
        )
    return _upload_import_steps(actor=actor, upload=upload, plan=plan, request=request)


def _upload_import_steps(
    *, actor: User, upload: RosterUpload, plan: ImportPlan, request: HttpRequest | None
) -> Iterator[tuple[int, int]]:
    errors: list[str] = []
    try:
        with transaction.atomic():
            yield from _import_rows(actor=actor, plan=plan, request=request)
    except ValidationError as error:
        errors = error.messages
    except Exception:  # the page showing the steps is on its way: the upload says what happened
        logger.exception("roster import %s failed", upload.pk)
        errors = [_("导入时出现意外错误，没有写入任何数据。请稍后再试。")]
    _upload_close(
        upload=upload,
        status=RosterUpload.Status.FAILED if errors else RosterUpload.Status.CONFIRMED,
        summary={"errors": errors} if errors else plan.summary(),
    )


# --- uploads ---------------------------------------------------------------------------------


def roster_upload_create(*, actor: User, file: UploadedFile) -> RosterUpload:
    """Keep an uploaded roster until it is confirmed; stale uploads are purged first."""
    purge_roster_uploads()
    upload = RosterUpload(
        school_id=actor.school_id, uploaded_by=actor, original_name=file.name[-200:]
    )
    suffix = PurePath(file.name).suffix.lower()
    file.seek(0)
    # A random name: the school's file name stays in the database, not in the file system.
    upload.file.save(f"{uuid.uuid4().hex}{suffix}", file, save=False)
    upload.full_clean()
    upload.save()
    return upload


def _upload_close(*, upload: RosterUpload, status: str, summary: dict[str, Any]) -> None:
    """Record how a confirmed import ended and delete the file: it holds children's data."""
    upload.status = status
    upload.summary = summary
    upload.confirmed_at = timezone.now()
    if upload.file:
        upload.file.delete(save=False)
    upload.save(update_fields=["status", "summary", "confirmed_at", "file"])


def purge_roster_uploads(*, max_age: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Delete uploaded rosters never confirmed within `max_age`; how many. A file whose row is
    gone (a crash between writing the file and the row) is the daily purge's generic sweep's:
    caresys.lib.files.purge_unreferenced_files."""
    cutoff = timezone.now() - max_age
    stale = RosterUpload.objects.filter(status=RosterUpload.Status.PENDING, created_at__lt=cutoff)
    deleted = 0
    for upload in stale:
        if upload.file:
            upload.file.delete(save=False)
        deleted += 1
    stale.delete()
    # An import that ended but whose file could not be deleted then.
    for upload in RosterUpload.objects.exclude(status=RosterUpload.Status.PENDING).exclude(file=""):
        upload.file.delete(save=False)
        upload.save(update_fields=["file"])
        deleted += 1
    return deleted
