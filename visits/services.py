"""Writes of care records: recording, correcting (with history), voiding, and 五必访 events.

Every write logs the children it concerns in the access log, in the same transaction.
"""

import datetime
import io
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from registry.models import SCRUBBED, AccessLog, Consent, Pupil, Role, User
from registry.services import display_value, log_access, scrubbed_changes
from visits.models import (
    CareRecord,
    CareRecordRevision,
    CareSettings,
    DropoutAction,
    DropoutCase,
    Emergency,
    EmergencyStep,
    RecordAttachment,
    RiskAcknowledgement,
    WatchEvent,
)
from visits.selectors import (
    answers_for_record,
    can_change_record,
    can_manage_dropout,
    can_write_record,
)
from visits.tallies import day_key, record_written

RECORD_FIELDS = CareRecord.FILLED_IN


def _log(actor: User, pupils: Iterable[Pupil], detail: str, request: HttpRequest | None) -> None:
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        pupils=pupils,
        detail=detail,
        request=request,
    )


class PreparedFile(NamedTuple):
    """An upload checked and, for a photo, re-encoded: what the record's transaction stores."""

    name: str
    content_type: str
    content: ContentFile
    kind: str


def record_create(
    *,
    actor: User,
    pupils: list[Pupil],
    uploads: list[UploadedFile] = (),
    request: HttpRequest | None = None,
    **fields: Any,
) -> CareRecord:
    """Record care given to one or more children, with its photos or scans; a home visit
    (or a phone visit, where the school allows) answers their open 五必访 events noticed on
    or before its date."""
    record = _record_checked(actor, pupils, fields)
    try:
        # Decoded and re-encoded before the transaction: on SQLite it holds the one write
        # lock, and a phone's photo takes longer to re-encode than the record takes to write.
        prepared = attachments_prepared(uploads)
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from error
    return _record_save(
        actor=actor, record=record, pupils=pupils, prepared=prepared, request=request
    )


def _record_checked(actor: User, pupils: list[Pupil], fields: dict[str, Any]) -> CareRecord:
    """The new record, validated, with the writer's right to each child checked. Reads only, so
    done before the write's transaction: on SQLite that holds the one write lock every other
    writer (a page's access-log row too) waits for, and validating was a third of its time."""
    if not pupils:
        raise ValidationError({"pupils": _("请至少选择一名儿童。")})
    record = CareRecord(school_id=actor.school_id, author=actor)
    for name, value in fields.items():
        if name not in RECORD_FIELDS:
            raise TypeError(f"record_create() got an unexpected field {name!r}")
        setattr(record, name, value)
    refused = [pupil.name for pupil in pupils if not can_write_record(actor, record.kind, pupil)]
    if refused:
        raise ValidationError(
            {"pupils": _("您不能为%(names)s记录这一类关爱。") % {"names": "、".join(refused)}}
        )
    record.full_clean()
    record.recorded_late = record.is_late_on(timezone.localdate())
    return record


@transaction.atomic
def _record_save(
    *,
    actor: User,
    record: CareRecord,
    pupils: list[Pupil],
    prepared: list[PreparedFile],
    request: HttpRequest | None,
) -> CareRecord:
    """record_create's writes, with its tallies and access-log rows, in one transaction."""
    record.save()
    record.pupils.set(pupils)
    record_written(record, was=None, pupil_ids=[pupil.pk for pupil in pupils])
    if record.kind in CareSettings.for_school(actor.school).watch_answering_kinds():
        WatchEvent.objects.filter(
            pupil__in=pupils, answered_by=None, noticed_on__lte=record.occurred_on
        ).update(answered_by=record)
    _log(actor, pupils, _("新建%(kind)s记录") % {"kind": record.get_kind_display()}, request)
    if prepared:
        try:
            _attachments_save(actor=actor, record=record, prepared=prepared, request=request)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from error
    return record


@transaction.atomic
def record_correct(
    *,
    actor: User,
    record: CareRecord,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> CareRecordRevision | None:
    """Correct a record: the old values stay in its history. None when nothing changed."""
    if not answers_for_record(actor, record):
        raise PermissionDenied
    record = CareRecord.objects.select_for_update().get(pk=record.pk)
    if record.voided_at is not None:
        raise ValidationError(_("已作废的记录不能修改。"))
    editable = [name for name in changes if name in RECORD_FIELDS and name != "kind"]
    before = {name: display_value(record, name) for name in editable}
    counted = day_key(record)
    for name in editable:
        setattr(record, name, changes[name])
    record.full_clean()
    diff = [
        {
            "key": name,
            "field": str(record._meta.get_field(name).verbose_name),
            "old": before[name],
            "new": display_value(record, name),
        }
        for name in editable
        if display_value(record, name) != before[name]
    ]
    if not diff:
        return None
    # A date moved back into a period that had ended when the record was written is 补记.
    record.recorded_late = record.is_late_on(timezone.localdate(record.created_at))
    record.updated_at = timezone.now()
    record.save()
    record_written(record, was=counted)
    revision = CareRecordRevision.objects.create(
        record=record, actor=actor, summary=_("修改记录"), changes=diff
    )
    _log(
        actor,
        record.pupils.all(),
        _("修改%(kind)s记录") % {"kind": record.get_kind_display()},
        request,
    )
    return revision


@transaction.atomic
def record_void(
    *, actor: User, record: CareRecord, reason: str, request: HttpRequest | None = None
) -> CareRecord:
    """Void a record entered by mistake; it stays, marked, with the reason. The 五必访 events it
    answered are open again."""
    if not answers_for_record(actor, record):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"void_reason": _("请填写作废原因。")})
    record = CareRecord.objects.select_for_update().get(pk=record.pk)
    if record.voided_at is not None:
        raise ValidationError(_("这条记录已经作废。"))
    record.voided_at = timezone.now()
    record.void_reason = reason.strip()
    record.save(update_fields=["voided_at", "void_reason"])
    record_written(record, was=day_key(record))
    WatchEvent.objects.filter(answered_by=record).update(answered_by=None)
    CareRecordRevision.objects.create(
        record=record,
        actor=actor,
        summary=_("作废记录"),
        changes=[{"key": "void_reason", "field": _("作废原因"), "old": "", "new": reason}],
    )
    _log(actor, record.pupils.all(), _("作废记录：%(reason)s") % {"reason": reason}, request)
    return record


@transaction.atomic
def watch_event_create(
    *,
    actor: User,
    pupil: Pupil,
    kind: str,
    noticed_on: datetime.date | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> WatchEvent:
    """五必访: note what was seen; a home visit or talk is due within the school's days."""
    noticed_on = noticed_on or timezone.localdate()
    days = CareSettings.for_school(pupil.school).watch_due_days
    event = WatchEvent(
        school_id=pupil.school_id,
        pupil=pupil,
        kind=kind,
        noticed_on=noticed_on,
        note=note,
        due_on=noticed_on + datetime.timedelta(days=days),
        recorded_by=actor,
    )
    event.full_clean()
    if noticed_on > timezone.localdate():
        raise ValidationError({"noticed_on": _("发现日期不能晚于今天。")})
    event.save()
    _log(actor, [pupil], _("五必访：%(kind)s") % {"kind": event.get_kind_display()}, request)
    return event


@transaction.atomic
def care_settings_update(*, actor: User, **values: Any) -> CareSettings:
    """Change the school's quotas; what is due follows at once (nothing is stored)."""
    settings, _created = CareSettings.objects.get_or_create(school_id=actor.school_id)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    log_access(actor=actor, action=AccessLog.Action.RECORD, detail=_("修改关爱工作设置"))
    return settings


@transaction.atomic
def high_risk_acknowledge(
    *, actor: User, record: CareRecord, request: HttpRequest | None = None
) -> RiskAcknowledgement:
    """The principal has seen a high-risk counselling record: its alert leaves their home
    page. Logged against the children it names; saying so twice changes nothing."""
    if not actor.has_role(Role.PRINCIPAL) or record.school_id != actor.school_id:
        raise PermissionDenied
    if not record.is_high_risk or record.voided_at is not None:
        raise ValidationError(_("这条记录不是需要关注的高风险心理辅导记录。"))
    seen, created = RiskAcknowledgement.objects.get_or_create(record=record, user=actor)
    if created:
        _log(actor, record.pupils.all(), _("已阅高风险心理辅导提醒"), request)
    return seen


# --- attachments ---------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_RECORD = 6
# Phone photos are scaled to this many pixels on the longer side: enough to read a signed letter.
PHOTO_MAX_SIDE = 2000
# The most pixels a photo may have: a 50-megapixel phone photo (8192 × 6144) passes, the 64–200
# megapixel modes a phone must be switched into do not, nor a small file that decodes to a huge
# image (each pixel costs 3–4 bytes of memory while it is scaled down).
PHOTO_MAX_PIXELS = 52_000_000
# Pillow's own check, for any image decoded elsewhere: over this it warns, over twice it raises.
Image.MAX_IMAGE_PIXELS = PHOTO_MAX_PIXELS
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniffed_type(upload: UploadedFile) -> str:
    """The file's real format from its first bytes (the name and the browser's word are not
    trusted), or a ValidationError."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s”太大（%(size).1f MB），每个附件不超过 %(limit)d MB。")
            % {
                "name": upload.name,
                "size": upload.size / 1024 / 1024,
                "limit": ATTACHMENT_MAX_BYTES // 1024 // 1024,
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise ValidationError(_("“%(name)s”不是照片（JPG、PNG）或 PDF 文件。") % {"name": upload.name})


def _too_many_pixels(upload: UploadedFile) -> ValidationError:
    return ValidationError(
        _("“%(name)s”的像素太多，照片不超过 %(megapixels)d00 万像素。")
        % {"name": upload.name, "megapixels": PHOTO_MAX_PIXELS // 1_000_000}
    )


def reencoded_photo(upload: UploadedFile, content_type: str) -> ContentFile:
    """Decode the photo (a file that only looks like one is refused), turn it upright, scale it
    down and save it again without its EXIF data, which holds where it was taken."""
    try:
        with Image.open(upload) as image:
            # Image.open has read only the header: a huge image is refused before it is decoded.
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise _too_many_pixels(upload)
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if content_type == "image/jpeg":
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                image.save(out, "PNG", optimize=True)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(upload) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s”无法打开，可能已损坏。") % {"name": upload.name}
        ) from exc
    return ContentFile(out.getvalue())


def _check_photo_consent(record: CareRecord) -> None:
    """A photo of a record needs the photo consent of every child it names (PIPL art. 31)."""
    lacking = record.pupils.without_consent(Consent.Purpose.PHOTOS).order_by("pk")
    names = [pupil.name for pupil in lacking]
    if names:
        raise ValidationError(
            _("%(names)s的监护人尚未同意使用照片（或已撤回），不能上传照片。"
              "请先在档案中登记知情同意。") % {"names": "、".join(names)}
        )  # fmt: skip


def attachments_prepared(
    uploads: list[UploadedFile], kind: str = RecordAttachment.Kind.PHOTO
) -> list[PreparedFile]:
    """Each upload's type sniffed and a photo decoded and re-encoded (ValidationError naming a
    bad one). Reads no row, so done before the write's transaction."""
    prepared = []
    for upload in uploads:
        content_type = sniffed_type(upload)
        is_image = content_type.startswith("image/")
        # A PDF is a scanned page, never a photo of the child, whatever the form defaulted to.
        upload_kind = (
            RecordAttachment.Kind.SCAN
            if kind == RecordAttachment.Kind.PHOTO and not is_image
            else kind
        )
        content = reencoded_photo(upload, content_type) if is_image else ContentFile(upload.read())
        prepared.append(PreparedFile(upload.name[-200:], content_type, content, upload_kind))
    return prepared


def attachments_add(
    *,
    actor: User,
    record: CareRecord,
    uploads: list[UploadedFile],
    kind: str = RecordAttachment.Kind.PHOTO,
    request: HttpRequest | None = None,
) -> list[RecordAttachment]:
    """Attach evidence to a record: all the files or none (a bad one is named in the error).
    The photos are re-encoded before the transaction that stores them."""
    if not can_change_record(actor, record):
        raise PermissionDenied
    prepared = attachments_prepared(uploads, kind)
    with transaction.atomic():
        return _attachments_save(actor=actor, record=record, prepared=prepared, request=request)


def _attachments_save(
    *,
    actor: User,
    record: CareRecord,
    prepared: list[PreparedFile],
    request: HttpRequest | None,
) -> list[RecordAttachment]:
    """attachments_add's writes (inside the caller's transaction): the files, their rows and
    the access log, after the count and the children's photo consent are checked."""
    if record.attachments.count() + len(prepared) > ATTACHMENTS_PER_RECORD:
        raise ValidationError(_("每条记录最多 %(n)d 个附件。") % {"n": ATTACHMENTS_PER_RECORD})
    if any(file.kind == RecordAttachment.Kind.PHOTO for file in prepared):
        _check_photo_consent(record)
    attachments: list[RecordAttachment] = []
    try:
        for name, content_type, content, upload_kind in prepared:
            attachment = RecordAttachment(
                record=record,
                kind=upload_kind,
                original_name=name,
                content_type=content_type,
                size=content.size,
                uploaded_by=actor,
            )
            attachment.file.save(name, content, save=False)
            attachments.append(attachment)
            attachment.full_clean()
            attachment.save()
        _log(actor, record.pupils.all(), _("上传附件%(n)d个") % {"n": len(attachments)}, request)
    except BaseException:
        # The rows roll back with the transaction; the files written so far must go with them.
        for attachment in attachments:
            attachment.file.delete(save=False)
        raise
    return attachments


# --- emergencies ---------------------------------------------------------------------------------


@transaction.atomic
def emergency_create(
    *,
    actor: User,
    pupils: list[Pupil],
    kind: str,
    occurred_at: datetime.datetime,
    description: str,
    place: str = "",
    request: HttpRequest | None = None,
) -> Emergency:
    """Report an emergency about one or more children; it stays open until the principal
    closes it."""
    if not pupils:
        raise ValidationError({"pupils": _("请至少选择一名儿童。")})
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_at": _("发生时间不能晚于现在。")})
    emergency = Emergency(
        school_id=actor.school_id,
        kind=kind,
        occurred_at=occurred_at,
        place=place,
        description=description,
        reported_by=actor,
    )
    emergency.full_clean()
    emergency.save()
    emergency.pupils.set(pupils)
    _log(
        actor, pupils, _("登记突发事件：%(kind)s") % {"kind": emergency.get_kind_display()}, request
    )
    return emergency


@transaction.atomic
def emergency_step_record(
    *,
    actor: User,
    emergency: Emergency,
    step: str,
    done_at: datetime.datetime,
    persons: str,
    note: str = "",
    authorities: str = "",
    receipt: str = "",
    request: HttpRequest | None = None,
) -> EmergencyStep:
    """Record one of the three steps with its time and the people who acted; each step once.
    A suspected abuse also has the mandatory report (强制报告): to whom, and the receipt."""
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    if not emergency.is_open:
        raise ValidationError(_("事件已结案，不能再登记处置步骤。"))
    if step == EmergencyStep.Step.MANDATORY and not emergency.needs_mandatory_report:
        raise ValidationError(_("只有疑似遭受侵害的事件登记强制报告。"))
    errors = {}
    if done_at > timezone.now():
        errors["done_at"] = _("时间不能晚于现在。")
    elif done_at < emergency.occurred_at:
        errors["done_at"] = _("处置时间不能早于事件发生时间。")
    if emergency.steps.filter(step=step).exists():
        errors["step"] = _("这一步已经登记过了。")
    if errors:
        raise ValidationError(errors)
    record = EmergencyStep(
        emergency=emergency,
        step=step,
        done_at=done_at,
        persons=persons,
        note=note,
        authorities=authorities,
        receipt=receipt.strip(),
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    detail = _("突发事件处置：%(step)s") % {"step": record.get_step_display()}
    if record.authorities:
        detail = _("强制报告：已报告%(to)s") % {"to": record.get_authorities_display()}
    _log(actor, emergency.pupils.all(), detail, request)
    return record


@transaction.atomic
def emergency_close(
    *,
    actor: User,
    emergency: Emergency,
    outcome: str,
    not_reported_reason: str = "",
    request: HttpRequest | None = None,
) -> Emergency:
    """Close an emergency once the school has acted (A) and the parents know (B); one not
    reported to the education office (C) says why; a suspected abuse only once it has been
    reported to 公安 or 民政 (强制报告)."""
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    if not emergency.is_open:
        raise ValidationError(_("事件已经结案。"))
    done = set(emergency.steps.values_list("step", flat=True))
    missing = [
        str(label)
        for value, label in EmergencyStep.Step.choices
        if value in (EmergencyStep.Step.ACT, EmergencyStep.Step.PARENTS) and value not in done
    ]
    errors = {}
    if missing:
        errors["outcome"] = _("结案前请先登记：%(steps)s。") % {"steps": "；".join(missing)}
    if not outcome.strip():
        errors.setdefault("outcome", _("请填写处理结果。"))
    if EmergencyStep.Step.REPORT not in done and not not_reported_reason.strip():
        errors["not_reported_reason"] = _("没有报告教育办和当地政府的，请说明原因。")
    if emergency.needs_mandatory_report and EmergencyStep.Step.MANDATORY not in done:
        errors[NON_FIELD_ERRORS] = _(
            "疑似遭受侵害的事件必须先向公安或民政报告（强制报告），登记报告时间、报告人和回执后才能结案。"
        )
    if errors:
        raise ValidationError(errors)
    emergency.outcome = outcome.strip()
    emergency.not_reported_reason = not_reported_reason.strip()
    emergency.closed_at = timezone.now()
    emergency.closed_by = actor
    emergency.full_clean()
    emergency.save()
    _log(actor, emergency.pupils.all(), _("突发事件结案"), request)
    return emergency


# --- dropout watch (控辍保学) ---------------------------------------------------------------


@transaction.atomic
def dropout_case_open(
    *,
    actor: User,
    pupil: Pupil,
    reason: str,
    status: str = DropoutCase.Status.AT_RISK,
    opened_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> DropoutCase:
    """Put a child on the dropout watch (at risk, or already out of school)."""
    if not can_manage_dropout(actor, pupil):
        raise PermissionDenied
    if status not in DropoutCase.OPEN:
        raise ValidationError({"status": _("新登记的个案只能是“有辍学风险”或“已辍学”。")})
    if DropoutCase.objects.filter(pupil=pupil, status__in=DropoutCase.OPEN).exists():
        raise ValidationError(_("%(name)s已在控辍保学名单中。") % {"name": pupil.name})
    case = DropoutCase(
        school_id=pupil.school_id,
        pupil=pupil,
        status=status,
        opened_on=opened_on or timezone.localdate(),
        reason=reason,
        opened_by=actor,
    )
    case.full_clean()
    if case.opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("发现日期不能晚于今天。")})
    case.save()
    _log(actor, [pupil], _("控辍保学：%(status)s") % {"status": case.get_status_display()}, request)
    return case


@transaction.atomic
def dropout_action_add(
    *,
    actor: User,
    case: DropoutCase,
    kind: str,
    note: str,
    status_after: str,
    done_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> DropoutAction:
    """Record what was done (监控、报告、劝返) and where the case stands after it; a child back
    at school, or no longer at risk, closes the case."""
    # Only the case row is locked: PostgreSQL refuses FOR UPDATE on the outer-joined class.
    case = (
        DropoutCase.objects.select_for_update(of=("self",))
        .select_related("pupil__school_class")
        .get(pk=case.pk)
    )
    if not can_manage_dropout(actor, case.pupil):
        raise PermissionDenied
    if not case.is_open:
        raise ValidationError(_("个案已结束；孩子再有辍学风险时请重新登记。"))
    done_on = done_on or timezone.localdate()
    errors = {}
    if done_on > timezone.localdate():
        errors["done_on"] = _("日期不能晚于今天。")
    elif done_on < case.opened_on:
        errors["done_on"] = _("日期不能早于发现日期。")
    if errors:
        raise ValidationError(errors)
    action = DropoutAction(
        case=case, kind=kind, done_on=done_on, note=note, status_after=status_after, actor=actor
    )
    action.full_clean()
    action.save()
    case.status = status_after
    case.closed_on = None if status_after in DropoutCase.OPEN else done_on
    case.save(update_fields=["status", "closed_on"])
    _log(
        actor,
        [case.pupil],
        _("控辍保学%(kind)s：%(status)s")
        % {"kind": action.get_kind_display(), "status": case.get_status_display()},
        request,
    )
    return action


# --- retention of leavers ------------------------------------------------------------------------

# A record's free text about the children it names, cleared with them (registry.pupil_scrub).
RECORD_TEXT = (
    "place",
    "content",
    "problems",
    "measures",
    "follow_up",
    "items",
    "presented",
    "plan",
    "referral_note",
)


def pupils_scrub_records(pupil_ids: list[int]) -> None:
    """Clear what care records say about scrubbed children, where a record names no one else
    (a record about others too is theirs as well): its free text, the files of its
    attachments (rows kept, marked), and the 五必访 and dropout notes about them.
    Kinds, dates and counts stay, so past terms' figures do not change."""
    others = Pupil.with_pending.filter(scrubbed_at=None).exclude(pk__in=pupil_ids)
    records = CareRecord.objects.filter(pupils__in=pupil_ids).exclude(pupils__in=others)
    record_ids = list(records.values_list("pk", flat=True).distinct())
    cleared = dict.fromkeys(RECORD_TEXT, "") | {"content": str(SCRUBBED)}
    CareRecord.objects.filter(pk__in=record_ids).update(**cleared)
    for revision in CareRecordRevision.objects.filter(record_id__in=record_ids):
        revision.changes = scrubbed_changes(revision.changes, lambda key: key in RECORD_TEXT)
        revision.save(update_fields=["changes"])
    now = timezone.now()
    for attachment in RecordAttachment.objects.filter(record_id__in=record_ids, scrubbed_at=None):
        attachment.file.delete(save=False)
        attachment.original_name = str(SCRUBBED)
        attachment.scrubbed_at = now
        attachment.save(update_fields=["file", "original_name", "scrubbed_at"])
    emergencies = Emergency.objects.filter(pupils__in=pupil_ids).exclude(pupils__in=others)
    emergency_ids = list(emergencies.values_list("pk", flat=True).distinct())
    Emergency.objects.filter(pk__in=emergency_ids).update(
        description=str(SCRUBBED), place="", outcome="", not_reported_reason=""
    )
    EmergencyStep.objects.filter(emergency_id__in=emergency_ids).update(note="", receipt="")
    WatchEvent.objects.filter(pupil_id__in=pupil_ids).update(note="")
    DropoutCase.objects.filter(pupil_id__in=pupil_ids).update(reason=str(SCRUBBED))
    DropoutAction.objects.filter(case__pupil_id__in=pupil_ids).update(note=str(SCRUBBED))
