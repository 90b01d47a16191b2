"""Writes of the county's pages: the bureau's 评比 weights, and the log of a read from above."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from county.models import AppraisalMeasure
from registry.models import AccessLog, Role, School, User
from registry.services import client_ip, log_access


def school_read_log(
    *, actor: User, school: School, detail: str, request: HttpRequest | None = None
) -> AccessLog:
    """A county reader read one school's page: the row carries that school, so the school's own
    access log shows who from above read it. (log_access writes the actor's school; the `multi`
    branch gives it a `school=` keyword, and this becomes a call to it.)"""
    return AccessLog.objects.create(
        school=school,
        actor=actor,
        at=timezone.now(),
        action=AccessLog.Action.READ,
        detail=detail[:200],
        ip_address=client_ip(request),
    )


@transaction.atomic
def appraisal_weights_set(
    *, actor: User, weights: dict[str, int], request: HttpRequest | None = None
) -> list[AppraisalMeasure]:
    """The education bureau sets the 评比's weights (0 leaves a measure out); logged."""
    if not actor.has_role(Role.BUREAU):
        raise PermissionDenied
    saved = []
    for key, weight in weights.items():
        measure = AppraisalMeasure.objects.filter(key=key).first() or AppraisalMeasure(key=key)
        measure.weight, measure.updated_by, measure.updated_at = weight, actor, timezone.now()
        measure.full_clean()
        measure.save()
        saved.append(measure)
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        detail=_("修改评比指标权重：%(weights)s")
        % {"weights": "，".join(str(measure) for measure in saved)},
        request=request,
    )
    return saved
