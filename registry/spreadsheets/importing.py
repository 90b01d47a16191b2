"""The roster import's writes: keeping an upload, writing a plan, and purging what is left.

Each write of a plan is all or nothing for anyone reading the register, yet holds the database
only a fraction of a second at a time: see roster_import_write. An
upload's file is not in any transaction (a rollback cannot bring back a deleted file), so the
uploads are saved and purged one at a time; the rows the import writes are its audit: the
upload (who, when, how it ended), and a revision and an access-log row per archive.
"""

import datetime
import logging
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
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
    SchoolClass,
    User,
)
from registry.services import (
    ArchiveData,
    ArchivePart,
    archive_draft,
    archive_flags_refresh,
    archive_update,
    archive_values,
    class_tallies_refresh,
    log_access_each,
)
from registry.spreadsheets.columns import field_label
from registry.spreadsheets.planning import NEW, UPDATED, ImportPlan, RowPlan, plan_import
from registry.spreadsheets.reading import read_table

logger = logging.getLogger(__name__)


# New pupils written per transaction: a few tenths of a second on SQLite (mostly Django
# building the INSERTs), so that a teacher's save waits at most that long for the write lock.
BATCH_ROWS = 200
# Known archives updated per transaction: each is a whole archive_update (10-20 ms on SQLite).
UPDATE_BATCH_ROWS = 20


# An archive an import updated: the pupil, the values it replaced, the values it wrote.
Applied = tuple[Pupil, ArchiveData, ArchiveData]


def roster_import_write(
    *,
    actor: User,
    plan: ImportPlan,
    upload: RosterUpload,
    progress: Callable[[int, int], None] | None = None,
    request: HttpRequest | None = None,
    every: int | None = None,
) -> dict[str, int]:
    """Write a plan in short transactions; all or nothing, as the registrar sees it.

    The classes the roster names that the school lacks first, not yet in use (hidden from every
    list). New pupils next, `every` rows a transaction, marked with the upload
    (Pupil.pending_import), which hides them from every page and count. Then the known archives
    a few a transaction through archive_update, each change in its history. One short last
    transaction puts the new classes in use, publishes the new pupils (clears the mark) and
    closes the upload. On a failure the updates are undone through archive_update (the history
    keeps both), the marked pupils, never part of the register, are deleted with the new
    classes, the upload says why, and the ValidationError is raised.
    """
    if plan.has_errors:
        raise ValidationError(_("名册中有错误的行，未导入。"))
    every = every or BATCH_ROWS
    new = [row for row in plan.rows if row.status == NEW]
    updated = [row for row in plan.rows if row.status == UPDATED]
    total = plan.to_write
    applied: list[Applied] = []  # updates written, with what undoes them
    classes: list[SchoolClass] = []  # created, not yet in use
    done = 0

    def written(rows: int) -> None:  # inside each batch's transaction
        nonlocal done
        done += rows
        _upload_progress(upload=upload, done=done, total=total)

    try:
        with transaction.atomic():
            classes = _classes_create(classes=plan.new_classes)
        for start in range(0, len(new), every):
            # Drafting reads only and is the slow part: before the transaction, not in it.
            drafted = _pupils_draft(actor=actor, rows=new[start : start + every], pending=upload)
            with transaction.atomic():
                _pupils_insert(actor=actor, created=drafted)
                written(len(drafted))
            if progress is not None:
                progress(done, total)
        for start in range(0, len(updated), UPDATE_BATCH_ROWS):
            rows = updated[start : start + UPDATE_BATCH_ROWS]
            with transaction.atomic():
                undo = _archives_write(actor=actor, rows=rows, request=request)
                written(len(rows))
            applied += undo
            if progress is not None:
                progress(done, total)
        with transaction.atomic():
            _classes_open(classes=classes)
            _pupils_publish(actor=actor, upload=upload, request=request)
            _upload_close(
                upload=upload, status=RosterUpload.Status.CONFIRMED, summary=plan.summary()
            )
    except ValidationError as error:
        _import_undo(
            actor=actor, upload=upload, applied=applied, classes=classes, errors=error.messages
        )
        raise
    except Exception:
        logger.exception("roster import %s failed", upload.pk)
        errors = [_("导入时出现意外错误，没有写入任何数据。请稍后再试。")]
        _import_undo(actor=actor, upload=upload, applied=applied, classes=classes, errors=errors)
        raise
    if progress is not None and not total:
        progress(total, total)
    return plan.summary()


def _archives_write(
    *, actor: User, rows: list[RowPlan], request: HttpRequest | None
) -> list[Applied]:
    """Update known archives as planned; each with the data that undoes it."""
    summary = _("名册导入")
    applied = []
    for row in rows:
        undo = archive_values(pupil=row.pupil, data=row.data)
        try:
            archive_update(
                actor=actor, pupil=row.pupil, data=row.data, summary=summary, request=request
            )
        except ValidationError as exc:
            raise ValidationError(_row_messages(row.number, exc)) from exc
        applied.append((row.pupil, undo, row.data))
    return applied


def _classes_create(*, classes: list[SchoolClass]) -> list[SchoolClass]:
    """Save the plan's new classes, not yet in use: the rows' data holds these instances, so
    the pupils written next are placed in them."""
    for school_class in classes:
        school_class.is_active = False
        school_class.full_clean()
        school_class.save()
    return classes


def _classes_open(*, classes: list[SchoolClass]) -> None:
    """Put an import's new classes in use; refused if the school has opened one of the same
    grade and number since the preview."""
    for school_class in classes:
        school_class.is_active = True
        try:
            school_class.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                _("%(name)s在预览之后已由别人建立，没有写入任何数据。请重新上传。")
                % {"name": school_class}
            ) from exc
        school_class.save(update_fields=["is_active"])


def _upload_progress(*, upload: RosterUpload, done: int, total: int) -> None:
    upload.rows_done, upload.rows_total = done, total
    upload.save(update_fields=["rows_done", "rows_total"])


def _pupils_publish(*, actor: User, upload: RosterUpload, request: HttpRequest | None) -> None:
    """Put an import's new pupils on the register at once, with their access-log rows."""
    pending = Pupil.with_pending.filter(pending_import=upload)
    log_access_each(actor=actor, action=AccessLog.Action.CREATE, pupils=pending, request=request)
    classes = set(pending.values_list("school_id", "school_class_id").order_by().distinct())
    pending.update(pending_import=None)
    class_tallies_refresh(classes=classes)


def _import_undo(
    *,
    actor: User,
    upload: RosterUpload,
    applied: list[Applied],
    classes: list[SchoolClass],
    errors: list[str],
) -> None:
    """Undo what a failed import wrote, a batch per transaction, and record why it failed:
    updated fields still as the import left them go back through archive_update (the history
    keeps both; a field someone changed since keeps their value), and the new pupils, never
    published, are deleted, then the new classes, never in use."""
    summary = _("撤销名册导入（导入失败）")
    for start in range(0, len(applied), UPDATE_BATCH_ROWS):
        with transaction.atomic():
            for pupil, undo, wrote in reversed(applied[start : start + UPDATE_BATCH_ROWS]):
                now = archive_values(pupil=pupil, data=undo)
                back = {
                    part: {f: v for f, v in fields.items() if now[part][f] == wrote[part][f]}
                    for part, fields in undo.items()
                }
                try:
                    with transaction.atomic():
                        archive_update(actor=actor, pupil=pupil, data=back, summary=summary)
                except ValidationError:
                    logger.exception("roster import %s: undoing pupil %s", upload.pk, pupil.pk)
    pending = Pupil.with_pending.filter(pending_import=upload).order_by("pk")
    while ids := list(pending.values_list("pk", flat=True)[:BATCH_ROWS]):
        with transaction.atomic():
            for model in (ArchiveRevision, LeftBehindPeriod, Guardian, Parent):
                model.objects.filter(pupil_id__in=ids).delete()
            Pupil.with_pending.filter(pk__in=ids).delete()
    created = [school_class.pk for school_class in classes if school_class.pk is not None]
    if created:
        with transaction.atomic():
            unused = SchoolClass.objects.filter(pk__in=created, is_active=False)
            unused.exclude(Exists(Pupil.with_pending.filter(school_class=OuterRef("pk")))).delete()
    _upload_close(upload=upload, status=RosterUpload.Status.FAILED, summary={"errors": errors})


Drafted = list[tuple[RowPlan, list[ArchivePart], list[dict[str, Any]]]]


def _pupils_draft(*, actor: User, rows: list[RowPlan], pending: RosterUpload) -> Drafted:
    """The new pupils' archives as unsaved instances, marked pending: the Python part of
    creating them, done before the transaction that inserts them so as not to lengthen it.
    Their history is the plan's changes: drafting them again took a third of the confirmation."""
    drafted = []
    for row in rows:
        parts, _none = archive_draft(
            school_id=actor.school_id, pupil=None, data=row.data, changes=False
        )
        changes = row.revision_changes()
        pupil = parts[0][2]
        pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
        pupil.pending_import = pending
        drafted.append((row, parts, changes))
    return drafted


def _pupils_insert(*, actor: User, created: Drafted) -> None:
    """What pupil_create does, for many new pupils of a plan at once: ten inserts, not ten
    queries a pupil; their access-log rows are written when the import publishes them. The plan
    has validated each row already and matched it to no pupil; the database's constraints still
    refuse a number someone registered since the preview."""
    today = timezone.localdate()
    school = actor.school
    for _row, parts, _unused in created:
        parts[0][2].in_care = school.cares_for(parts[0][2])  # in_care()'s rule, as pupil_create
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
    archive_flags_refresh(pupil_ids=[pupil.pk for pupil in pupils])


def _taken_numbers(school_id: int, rows: list[RowPlan]) -> list[str]:
    """Which rows name a number that another pupil of the school holds (registered since the
    preview, or twice in the rows)."""
    numbers = {
        key: {row.data["pupil"].get(key) for row in rows} - {None, ""}
        for key in ("id_number", "student_number")
    }
    taken = Pupil.with_pending.filter(
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


def roster_import_confirm(
    *,
    actor: User,
    plan: ImportPlan,
    name: str = "",
    progress: Callable[[int, int], None] | None = None,
    request: HttpRequest | None = None,
) -> dict[str, int]:
    """Write a roster import's plan at once (the import_roster command): every row, or none if
    one fails, in the short transactions of roster_import_write."""
    upload = roster_import_upload(actor=actor, plan=plan, name=name)
    return roster_import_write(
        actor=actor, plan=plan, upload=upload, progress=progress, request=request
    )


def roster_import_upload(*, actor: User, plan: ImportPlan, name: str) -> RosterUpload:
    """The record of an import from a file on the server: an upload without a file."""
    upload = RosterUpload(
        school_id=actor.school_id,
        uploaded_by=actor,
        original_name=(name or _("名册"))[-200:],
        status=RosterUpload.Status.RUNNING,
        rows_total=plan.to_write,
    )
    upload.full_clean()
    upload.save()
    return upload


def roster_upload_confirm(
    *, actor: User, upload: RosterUpload, plan: ImportPlan, fingerprint: str
) -> RosterUpload:
    """Queue the import of an upload as previewed, for the worker (registry.tasks).

    Refused (ValidationError) unless the plan is the one the preview showed, by its fingerprint,
    and has no error; the worker plans again and checks the fingerprint once more.
    """
    from registry.tasks import roster_upload_import  # the task module imports this one

    _check_fingerprint(plan, fingerprint)
    pending = RosterUpload.objects.filter(pk=upload.pk, status=RosterUpload.Status.PENDING)
    # Conditional, so that a second click (or a second registrar) queues nothing more.
    if pending.update(status=RosterUpload.Status.QUEUED, rows_done=0, rows_total=plan.to_write):
        try:
            roster_upload_import.enqueue(
                upload_id=upload.pk, actor_id=actor.pk, fingerprint=fingerprint
            )
        except Exception:
            RosterUpload.objects.filter(pk=upload.pk).update(status=RosterUpload.Status.PENDING)
            raise
    upload.refresh_from_db()  # a task run at once (development, tests) has closed it
    return upload


def _check_fingerprint(plan: ImportPlan, fingerprint: str) -> None:
    if plan.has_errors or fingerprint != plan.fingerprint():
        raise ValidationError(
            _("预览之后档案有了变化，请核对下面新的预览后再确认导入。"), code="stale"
        )


def roster_upload_run(*, upload: RosterUpload, actor: User, fingerprint: str) -> None:
    """The worker's part: plan the queued upload again and write it; how it ended is on the
    upload (a failure is recorded there, not raised)."""
    queued = RosterUpload.objects.filter(pk=upload.pk, status=RosterUpload.Status.QUEUED)
    if not queued.update(status=RosterUpload.Status.RUNNING):
        return  # run already, by this worker or another
    upload.status = RosterUpload.Status.RUNNING
    try:
        with upload.file.open("rb") as file:
            table = read_table(file, upload.original_name)
        plan = plan_import(actor=actor, table=table)
        _check_fingerprint(plan, fingerprint)
    except (ValidationError, FileNotFoundError) as error:
        if isinstance(error, FileNotFoundError):
            error = ValidationError(_("上传的文件已不在，请重新上传。"))
        failed = {"errors": error.messages}
        _upload_close(upload=upload, status=RosterUpload.Status.FAILED, summary=failed)
        return
    try:
        roster_import_write(actor=actor, plan=plan, upload=upload)
    except Exception:  # recorded on the upload by roster_import_write
        return


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
    ended = RosterUpload.objects.filter(
        status__in=[RosterUpload.Status.CONFIRMED, RosterUpload.Status.FAILED]
    )
    for upload in ended.exclude(file=""):
        upload.file.delete(save=False)
        upload.save(update_fields=["file"])
        deleted += 1
    return deleted
