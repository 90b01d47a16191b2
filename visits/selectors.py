"""Reads of care records: who may write what, who reads counselling, what is open."""

from django.db.models import Exists, OuterRef, QuerySet

from registry.models import Pupil, Role, User
from registry.selectors import pupils_visible_to
from visits.models import CareRecord, WatchEvent


def can_write_record(user: User, kind: str, pupil: Pupil) -> bool:
    """The administrator for anyone; a counsellor writes counselling; a class teacher for their
    class and a pair teacher for their paired children write every other kind.

    Causes a query for a pair teacher who is not the child's class teacher.
    """
    if user.school_id != pupil.school_id or pupil.status != Pupil.Status.ENROLLED:
        return False
    if user.is_school_admin:
        return True
    if kind == CareRecord.Kind.COUNSELLING:
        return user.has_role(Role.COUNSELLOR)
    if pupil.school_class is not None and pupil.school_class.head_teacher_id == user.pk:
        return True
    from pairing.models import Pair  # pairing and visits both build on the registry

    return Pair.objects.filter(
        pupil=pupil, teacher=user, kind=Pair.Kind.TEACHER, ended_on=None
    ).exists()


def reads_counselling(user: User) -> bool:
    """Counselling content is confidential: counsellors and the principal read it."""
    return user.has_role(Role.COUNSELLOR) or user.has_role(Role.PRINCIPAL)


def shows_content(user: User, record: CareRecord) -> bool:
    return not record.is_confidential or reads_counselling(user)


def records_visible_to(*, user: User) -> QuerySet[CareRecord]:
    """Records about at least one child the user reads (counselling content is hidden
    separately, with shows_content), newest first."""
    visible = pupils_visible_to(user=user).filter(pk=OuterRef("pupils"))
    return (
        CareRecord.objects.filter(school_id=user.school_id)
        .filter(Exists(visible))
        .distinct()
        .select_related("author")
        .order_by("-occurred_on", "-pk")
    )


def open_watch_events(*, user: User) -> QuerySet[WatchEvent]:
    """五必访 events not yet answered by a visit or talk, for children the user reads."""
    return (
        WatchEvent.objects.filter(
            school_id=user.school_id,
            answered_by=None,
            pupil__in=pupils_visible_to(user=user).values("pk"),
        )
        .select_related("pupil", "pupil__school_class")
        .order_by("due_on", "pk")
    )
