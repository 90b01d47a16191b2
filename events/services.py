"""Writes of events: recording one with its attendance, and voiding it. Each logs the children
it names in the access log, in the same transaction."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from events.selectors import (
    can_record_events,
    can_void_event,
    children_for_events,
    children_of_scope,
    classes_for_events,
)
from registry.models import AccessLog, Pupil, User
from registry.services import log_access

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
)


@transaction.atomic
def event_create(
    *,
    actor: User,
    pupils: Iterable[Pupil] | None = None,
    excluded: Iterable[Pupil] = (),
    request: HttpRequest | None = None,
    **fields: Any,
) -> Event:
    """Record an event. Without ``pupils``, every child in care of its class, grade or (neither)
    the school attended, but the ``excluded``; the children must be ones the actor may name."""
    if not can_record_events(actor):
        raise PermissionDenied
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
    if not can_void_event(actor, event):
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
