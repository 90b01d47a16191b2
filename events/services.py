"""Writes of events: recording one with its attendance, and voiding it. Each logs the children
it names in the access log, in the same transaction."""

import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from events.models import Event, EventPhoto, EventQuota
from events.selectors import (
    can_change_event,
    can_record_events,
    children_for_events,
    children_of_scope,
    classes_for_events,
    without_photo_consent,
)
from registry.models import AccessLog, Pupil, User
from registry.services import log_access
from visits.services import reencoded_photo, sniffed_type

EVENT_FIELDS = (
    "kind",
    "name",
    "grade",
    "school_class",
    "occurred_on",
    "place",
    "led_by",
    "content",
    "guardians",
    "guardian_names",
    "letters_signed",
)


def event_create(
    *,
    actor: User,
    pupils: Iterable[Pupil] | None = None,
    excluded: Iterable[Pupil] = (),
    photos: Iterable[UploadedFile] = (),
    photos_confirmed: bool = False,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Event:
    """Record an event. Without ``pupils``, every child in care of its class, grade or (neither)
    the school attended, but the ``excluded``; the children must be ones the actor may name.
    ``photos`` are added as by event_photos_add, all or none with the event, and re-encoded
    before its transaction."""
    if not can_record_events(actor):
        raise PermissionDenied
    prepared = event_photos_prepared(list(photos))
    with transaction.atomic():
        event = _event_saved(
            actor=actor, pupils=pupils, excluded=excluded, request=request, **fields
        )
        if prepared:
            _event_photos_save(
                actor=actor, event=event, prepared=prepared, confirmed=photos_confirmed,
                request=request,
            )  # fmt: skip
    return event


def _event_saved(
    *,
    actor: User,
    pupils: Iterable[Pupil] | None,
    excluded: Iterable[Pupil],
    request: HttpRequest | None,
    **fields: Any,
) -> Event:
    """event_create's event, its children and its access log (inside its transaction)."""
    event = Event(school_id=actor.school_id, author=actor)
    for name, value in fields.items():
        if name not in EVENT_FIELDS:
            raise TypeError(f"event_create() got an unexpected field {name!r}")
        setattr(event, name, value)
    if event.school_class_id is None and not actor.organises_events:
        raise ValidationError({"school_class": _("班主任请选择本班。")})
    if (
        event.school_class_id
        and not classes_for_events(user=actor).filter(pk=event.school_class_id).exists()
    ):
        raise ValidationError({"school_class": _("您不能为这个班登记活动。")})
    if event.led_by_id and event.led_by.school_id != actor.school_id:
        raise ValidationError({"led_by": _("主持人须是本校教职工。")})
    event.full_clean()
    if pupils is None:
        chosen = children_of_scope(
            user=actor, school_class=event.school_class, grade=event.grade
        ).exclude(pk__in=[pupil.pk for pupil in excluded])
        chosen = list(chosen)
    else:
        chosen = list(pupils)
        allowed = set(
            children_for_events(user=actor)
            .filter(pk__in=[pupil.pk for pupil in chosen])
            .values_list("pk", flat=True)
        )
        refused = [pupil.name for pupil in chosen if pupil.pk not in allowed]
        if refused:
            raise ValidationError(
                {"pupils": _("不能把%(names)s记入这次活动。") % {"names": "、".join(refused)}}
            )
    event.save()
    event.pupils.set(chosen)
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        pupils=chosen,
        detail=_("登记活动：%(title)s") % {"title": event.title},
        request=request,
    )
    return event


@transaction.atomic
def event_void(
    *, actor: User, event: Event, reason: str, request: HttpRequest | None = None
) -> Event:
    """Void an event recorded by mistake: it stays, marked, with the reason, and counts no more."""
    if not can_change_event(actor, event):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"void_reason": _("请填写作废原因。")})
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.voided_at is not None:
        raise ValidationError(_("这次活动已经作废。"))
    event.voided_at = timezone.now()
    event.void_reason = reason.strip()
    event.save(update_fields=["voided_at", "void_reason"])
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        pupils=event.pupils.all(),
        detail=_("作废活动：%(reason)s") % {"reason": event.void_reason},
        request=request,
    )
    return event


PHOTOS_PER_EVENT = 12
THUMBNAIL_SIDE = 480


def thumbnail_of(content: ContentFile) -> ContentFile:
    """A small JPEG of a photo already checked and re-encoded by reencoded_photo."""
    content.seek(0)
    with Image.open(content) as image:
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    content.seek(0)
    return ContentFile(out.getvalue())


# A photo ready to store: (its name, content type, re-encoded file, thumbnail).
PreparedPhoto = tuple[str, str, ContentFile, ContentFile]


def event_photos_prepared(uploads: list[UploadedFile]) -> list[PreparedPhoto]:
    """Each upload checked to be a photo, decoded and re-encoded, with its thumbnail
    (ValidationError naming a bad one). Reads no row, so done before the write's transaction:
    on SQLite that holds the one write lock every writer waits for."""
    prepared = []
    for upload in uploads:
        content_type = sniffed_type(upload)
        if not content_type.startswith("image/"):
            raise ValidationError(
                {"photos": _("“%(name)s”不是照片（JPG、PNG）。") % {"name": upload.name}}
            )
        content = reencoded_photo(upload, content_type)
        prepared.append((upload.name[-200:], content_type, content, thumbnail_of(content)))
    return prepared


def event_photos_add(
    *,
    actor: User,
    event: Event,
    uploads: list[UploadedFile],
    confirmed: bool = False,
    request: HttpRequest | None = None,
) -> list[EventPhoto]:
    """Add photos to an event: all or none (a bad file is named in the error). If children at
    the event have no photo consent, the uploader must confirm (``confirmed``) that none of
    them is in the photos; the names confirmed are written in the access log row."""
    if not can_change_event(actor, event):
        raise PermissionDenied
    prepared = event_photos_prepared(uploads)
    with transaction.atomic():
        return _event_photos_save(
            actor=actor, event=event, prepared=prepared, confirmed=confirmed, request=request
        )


def _event_photos_save(
    *,
    actor: User,
    event: Event,
    prepared: list[PreparedPhoto],
    confirmed: bool,
    request: HttpRequest | None,
) -> list[EventPhoto]:
    """event_photos_add's checks and writes (inside the caller's transaction): the files, their
    rows and the access log."""
    if event.voided_at is not None:
        raise ValidationError({"photos": _("已作废的活动不能再上传照片。")})
    if event.photos.live().count() + len(prepared) > PHOTOS_PER_EVENT:
        raise ValidationError(
            {"photos": _("每次活动最多 %(n)d 张照片。") % {"n": PHOTOS_PER_EVENT}}
        )
    lacking = list(without_photo_consent(event.pupils.all()).order_by("pk"))
    if lacking and not confirmed:
        raise ValidationError(
            {
                "photos": _(
                    "%(names)s的监护人尚未同意使用照片：请确认照片中没有以上儿童并勾选，"
                    "或换一张没有他们的照片。"
                )
                % {"names": "、".join(pupil.name for pupil in lacking)}
            }
        )
    photos: list[EventPhoto] = []
    try:
        for name, content_type, content, thumbnail in prepared:
            photo = EventPhoto(
                event=event,
                original_name=name,
                content_type=content_type,
                size=content.size,
                confirmed_absent=bool(lacking),
                uploaded_by=actor,
            )
            photo.file.save(name, content, save=False)
            photos.append(photo)
            photo.thumbnail.save(name, thumbnail, save=False)
            photo.full_clean()
            photo.save()
        detail = _("上传活动照片%(n)d张") % {"n": len(photos)}
        if lacking:
            detail += _("（确认照片中没有：%(names)s）") % {
                "names": "、".join(pupil.name for pupil in lacking)
            }
        log_access(
            actor=actor,
            action=AccessLog.Action.RECORD,
            pupils=event.pupils.all(),
            detail=detail,
            request=request,
        )
    except BaseException:
        # The rows roll back with the transaction; the files written so far must go with them.
        for photo in photos:
            photo.file.delete(save=False)
            photo.thumbnail.delete(save=False)
        raise
    return photos


@transaction.atomic
def event_photo_void(
    *, actor: User, photo: EventPhoto, reason: str, request: HttpRequest | None = None
) -> EventPhoto:
    """Void a photo (wrong photo, a child without consent in it): kept, no longer shown."""
    if not can_change_event(actor, photo.event):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"void_reason": _("请填写作废原因。")})
    photo = EventPhoto.objects.select_for_update().get(pk=photo.pk)
    if photo.voided_at is not None:
        raise ValidationError(_("这张照片已经作废。"))
    photo.voided_at = timezone.now()
    photo.voided_by = actor
    photo.void_reason = reason.strip()
    photo.save(update_fields=["voided_at", "voided_by", "void_reason"])
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        pupils=photo.event.pupils.all(),
        detail=_("作废活动照片：%(reason)s") % {"reason": photo.void_reason},
        request=request,
    )
    return photo


@transaction.atomic
def event_quotas_set(*, actor: User, rules: dict[str, tuple[int, str]]) -> list[EventQuota]:
    """Set how many events of each kind the school wants a term, and for whom (school or
    class); what is due follows at once (nothing is stored)."""
    if not actor.organises_events:
        raise PermissionDenied
    quotas = []
    for kind, (count, per) in rules.items():
        quota = EventQuota.objects.filter(school_id=actor.school_id, kind=kind).first()
        quota = quota or EventQuota(school_id=actor.school_id, kind=kind)
        quota.per_term, quota.per = count, per
        quota.full_clean()
        quota.save()
        quotas.append(quota)
    log_access(actor=actor, action=AccessLog.Action.RECORD, detail=_("修改活动次数要求"))
    return quotas
