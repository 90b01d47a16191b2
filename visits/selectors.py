"""Reads of care records: who may write what, who reads counselling, what is open."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

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
    if not user.has_role(Role.PAIR_TEACHER):  # pairing gives every paired teacher the role
        return False
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


def pupils_writable_by(*, user: User) -> QuerySet[Pupil]:
    """Enrolled children the user may record care for: the whole school for the administrator
    and counsellors (counselling), their class and paired children for teachers."""
    from pairing.models import Pair

    pupils = Pupil.objects.filter(school_id=user.school_id, status=Pupil.Status.ENROLLED)
    if user.is_school_admin or user.has_role(Role.COUNSELLOR):
        return pupils.select_related("school_class")
    paired = Pair.objects.filter(
        pupil=OuterRef("pk"), teacher=user, kind=Pair.Kind.TEACHER, ended_on=None
    )
    return pupils.filter(Q(school_class__head_teacher=user) | Q(Exists(paired))).select_related(
        "school_class"
    )


def kinds_writable_by(user: User) -> list[tuple[str, str]]:
    """The kinds of record the user may write, as form choices."""
    if user.is_school_admin:
        return list(CareRecord.Kind.choices)
    kinds = [] if not user.has_role(Role.COUNSELLOR) else [CareRecord.Kind.COUNSELLING]
    teaches = user.headed_classes.exists() or user.pairs.filter(ended_on=None).exists()
    if teaches:
        kinds += [kind for kind in CareRecord.Kind if kind != CareRecord.Kind.COUNSELLING]
    return [(kind.value, kind.label) for kind in kinds]


def get_record_for_user(user: User, pk: int) -> CareRecord:
    """A record about a child in the user's scope (else 404)."""
    try:
        return records_visible_to(user=user).get(pk=pk)
    except CareRecord.DoesNotExist as exc:
        raise Http404 from exc


def can_change_record(user: User, record: CareRecord) -> bool:
    return record.voided_at is None and (user.is_school_admin or record.author_id == user.pk)


def records_of_pupil(pupil: Pupil) -> QuerySet[CareRecord]:
    return pupil.care_records.select_related("author").order_by("-occurred_on", "-pk")


@dataclass
class PupilCare:
    """What the archive page shows of a child's care: recent records, open 五必访, rights."""

    records: list[CareRecord]
    open_events: list[WatchEvent]
    can_record: bool
    reads_counselling: bool


def care_of_pupil(user: User, pupil: Pupil, limit: int = 20) -> PupilCare:
    """Three queries (two for a pair teacher who is not the class teacher)."""
    records = list(records_of_pupil(pupil)[:limit])
    events = list(pupil.watch_events.filter(answered_by=None).order_by("due_on", "pk"))
    return PupilCare(
        records=records,
        open_events=events,
        can_record=any(can_write_record(user, kind, pupil) for kind in ("talk", "counselling")),
        reads_counselling=reads_counselling(user),
    )


def own_children(*, user: User) -> QuerySet[Pupil]:
    """The enrolled children a teacher answers for: their class and their paired children."""
    from pairing.models import Pair

    paired = Pair.objects.filter(
        pupil=OuterRef("pk"), teacher=user, kind=Pair.Kind.TEACHER, ended_on=None
    )
    return Pupil.objects.filter(
        Q(school_class__head_teacher=user) | Q(Exists(paired)),
        school_id=user.school_id,
        status=Pupil.Status.ENROLLED,
    )
