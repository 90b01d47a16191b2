"""Writes of the pairing app: pairs begun and ended, plans, checks and the school's settings.

Each write logs the pupil it concerns in the access log, in the same transaction.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from caresys.lib.hooks import Hooks
from pairing.models import ClassPairCount, HelpPlan, Pair, PairCheck, PairingSettings, Volunteer
from pairing.selectors import has_teacher_pair
from registry.models import SCRUBBED, AccessLog, Pupil, Role, School, User
from registry.services import (
    archive_flags_refresh,
    class_tallies_recount,
    class_tallies_refresh,
    classes_promote,
    in_care_refresh,
    in_classes,
    log_access,
    pupil_status_change,
    staff_deactivate,
)


def _log(actor: User, pupil: Pupil, detail: str, request: HttpRequest | None) -> None:
    log_access(
        actor=actor, action=AccessLog.Action.PAIRING, pupils=[pupil], detail=detail, request=request
    )


def teacher_paired_refresh(*, pupil_ids: Iterable[int] | QuerySet, tallies: bool = True) -> None:
    """Set the kept Pupil.teacher_paired of these pupils (pks, or a queryset of them) by the
    rule itself (has_teacher_pair: an active teacher pair now): one UPDATE, in the transaction
    of the write that called it, which every write of a teacher pair or of a pair teacher's
    account does; then their classes' kept counts (unless `tallies` is False: a recount). Only
    the rows the rule changes are written (most children of a recount have no pair, and keep
    their False)."""
    Pupil.with_pending.filter(pk__in=pupil_ids).exclude(teacher_paired=has_teacher_pair()).update(
        teacher_paired=has_teacher_pair()
    )
    if tallies:
        class_tallies_refresh(pupil_ids=pupil_ids)


# Apps above pairing keep figures about a pair from their own data (visits: its last
# activity, from its teacher's care records); each registers a listener from AppConfig.ready(),
# called with the new pair's pk inside the transaction that made it.
PairListener = Callable[[int], Any]
_pair_listeners: Hooks[PairListener] = Hooks()
register_pair_listener = _pair_listeners.register


def _pair_counts(pairs: QuerySet[Pair]) -> QuerySet:
    """The pairs counted by school and class as ClassPairCount keeps them (pending imports'
    children left out, as the register leaves them)."""
    return (
        pairs.filter(pupil__pending_import=None)
        .values("school", "pupil__school_class")
        .annotate(active=Count("pk", filter=Q(ended_on=None)), total=Count("pk"))
        .order_by()
    )


def pair_counts_refresh(classes: set[tuple[int, int | None]]) -> None:
    """Recount the kept ClassPairCount rows of these (school, class) pairs from their pairs, in
    the transaction of the write that changed them: every pair begun or ended (pair_create,
    pair_end, through which every other write of a pair goes) and every write of a pupil's
    class (the registry's class listeners). Rows locked before the count, as ClassTally's.
    Three queries."""
    if not classes:
        return
    ClassPairCount.objects.bulk_create(
        [
            ClassPairCount(school_id=school, school_class_id=pk)
            for school, pk in sorted(classes, key=str)
        ],
        ignore_conflicts=True,
    )
    chosen = ClassPairCount.objects.filter(in_classes(classes))
    rows = list(chosen.select_for_update().order_by("pk"))
    pairs = Pair.objects.filter(in_classes(classes, "pupil__school_class"))
    counted = {
        (row["school"], row["pupil__school_class"]): (row["active"], row["total"])
        for row in _pair_counts(pairs)
    }
    for row in rows:
        row.active, row.total = counted.get((row.school_id, row.school_class_id), (0, 0))
    ClassPairCount.objects.bulk_update(rows, ["active", "total"])


def pair_counts_recount(*, school_id: int | None = None) -> None:
    """Rebuild every ClassPairCount row of the school, or of every school, from its pairs."""
    pairs, rows = Pair.objects.all(), ClassPairCount.objects.all()
    if school_id is not None:
        pairs, rows = pairs.filter(school_id=school_id), rows.filter(school_id=school_id)
    counted = list(_pair_counts(pairs))
    rows.delete()
    ClassPairCount.objects.bulk_create(
        ClassPairCount(
            school_id=row["school"],
            school_class_id=row["pupil__school_class"],
            active=row["active"],
            total=row["total"],
        )
        for row in counted
    )


def _pair_changed(pair: Pair) -> None:
    """A pair begun or ended: the child's kept teacher_paired and its class's kept counts
    (ClassTally; and ClassPairCount through the registry's class listener, so counted once),
    or for another kind of pair its class's ClassPairCount alone."""
    if pair.kind == Pair.Kind.TEACHER:
        teacher_paired_refresh(pupil_ids=[pair.pupil_id])
    else:
        pair_counts_refresh({(pair.school_id, pair.pupil.school_class_id)})


def teacher_account_changed(user_id: int) -> None:
    """The registry closed or reopened an account (registry.services.staff_active_changed):
    the children of the teacher's open pairs count as paired or not with it."""
    teacher_paired_refresh(
        pupil_ids=Pair.objects.teachers().active().filter(teacher_id=user_id).values("pupil_id")
    )


def pupil_flags_recount(*, school_id: int | None = None) -> int:
    """Rebuild the kept flags (Pupil.archive_complete, teacher_paired, and in_care school by
    school: its rule reads the school's categories) of the school's pupils, or of every pupil,
    from their rules, then the classes' kept counts (ClassTally): after writes past the
    services (the demo, a restore). Returns how many pupils. Every pupil at once rather than
    school by school when all are wanted: PostgreSQL answers the guardian items of even one
    school by hashing the whole guardian table, so a county of 100 schools took a minute, all
    at once about two seconds."""
    pupils = Pupil.with_pending.all()
    if school_id is not None:
        pupils = pupils.filter(school_id=school_id)
    pupils = pupils.values("pk")
    archive_flags_refresh(pupil_ids=pupils, tallies=False)
    teacher_paired_refresh(pupil_ids=pupils, tallies=False)
    schools = School.objects.all() if school_id is None else School.objects.filter(pk=school_id)
    for school in schools:
        in_care_refresh(school=school, tallies=False)
    class_tallies_recount(school_id=school_id)
    pair_counts_recount(school_id=school_id)
    return pupils.count()


def teacher_load(teacher: User) -> int:
    """The teacher's active pairs (one query)."""
    return Pair.objects.teachers().active().filter(teacher=teacher).count()


def _check_partner(pair: Pair) -> None:
    """The partner must be an active member of the same school, within the rules."""
    errors: dict[str, str] = {}
    pupil = pair.pupil
    if pupil.status != Pupil.Status.ENROLLED:
        errors["pupil"] = _("该学生已不在校，不能新建结对。")
    if pair.kind == Pair.Kind.TEACHER:
        teacher = pair.teacher
        if teacher.school_id != pair.school_id or not teacher.is_active:
            errors["teacher"] = _("只能与本校在职教师结对。")
        else:
            limit = PairingSettings.for_school(pair.school).max_children_per_teacher
            if teacher_load(teacher) >= limit:
                errors["teacher"] = _("%(name)s已结对%(n)d名儿童，达到每人%(n)d名的上限。") % {
                    "name": teacher,
                    "n": limit,
                }
    elif pair.kind == Pair.Kind.BUDDY:
        buddy = pair.buddy
        if buddy.school_id != pair.school_id or buddy.status != Pupil.Status.ENROLLED:
            errors["buddy"] = _("学生伙伴应是本校在校学生。")
        elif buddy.pk == pupil.pk:
            errors["buddy"] = _("学生伙伴不能是本人。")
    elif pair.kind == Pair.Kind.VOLUNTEER:
        volunteer = pair.volunteer
        if volunteer.school_id != pair.school_id or not volunteer.is_active:
            errors["volunteer"] = _("只能与本校在册的志愿者结对。")
    if errors:
        raise ValidationError(errors)


def _duplicate_error(pair: Pair) -> None:
    partner_field = {"teacher": "teacher", "buddy": "buddy", "volunteer": "volunteer"}[pair.kind]
    exists = Pair.objects.filter(
        pupil=pair.pupil,
        kind=pair.kind,
        ended_on=None,
        **{f"{partner_field}_id": getattr(pair, f"{partner_field}_id")},
    ).exists()
    if exists:
        raise ValidationError({partner_field: _("这一结对已经存在。")})


@transaction.atomic
def pair_create(
    *,
    actor: User,
    pupil: Pupil,
    kind: str,
    teacher: User | None = None,
    buddy: Pupil | None = None,
    volunteer: Volunteer | None = None,
    started_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Pair:
    """Pair a child with a teacher, a pupil buddy or a volunteer.

    A teacher paired with a child becomes a 帮扶教师 (the role is added), so that the child's
    archive is in their scope.
    """
    # Locks the teacher's row, so two people pairing the same teacher at once keep the limit.
    if teacher is not None:
        teacher = User.objects.select_for_update().get(pk=teacher.pk)
    pair = Pair(
        school_id=pupil.school_id,
        pupil=pupil,
        kind=kind,
        teacher=teacher,
        buddy=buddy,
        volunteer=volunteer,
        started_on=started_on or timezone.localdate(),
        created_by=actor,
    )
    _duplicate_error(pair)
    pair.full_clean(exclude=["school"])
    _check_partner(pair)
    pair.save()
    _pair_changed(pair)
    _pair_listeners.call(pair.pk)
    HelpPlan.objects.create(pair=pair, updated_by=actor)
    if teacher is not None and not teacher.has_role(Role.PAIR_TEACHER):
        teacher.roles = [*teacher.roles, Role.PAIR_TEACHER]
        teacher.save(update_fields=["roles"])
    _log(
        actor,
        pupil,
        _("新建结对：%(kind)s %(name)s")
        % {"kind": pair.get_kind_display(), "name": pair.partner_name},
        request,
    )
    return pair


@transaction.atomic
def pairs_create(
    *,
    actor: User,
    proposals: Iterable[tuple[Pupil, User]],
    request: HttpRequest | None = None,
) -> list[Pair]:
    """Confirm several suggested teacher pairs at once: all of them, or none if one fails."""
    return [
        pair_create(
            actor=actor, pupil=pupil, kind=Pair.Kind.TEACHER, teacher=teacher, request=request
        )
        for pupil, teacher in proposals
    ]


@transaction.atomic
def pair_end(
    *,
    actor: User,
    pair: Pair,
    reason: str,
    ended_on: datetime.date | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Pair:
    """End a pair; it stays in the child's history with the date and the reason."""
    pair = Pair.objects.select_for_update().select_related("pupil").get(pk=pair.pk)
    if pair.ended_on is not None:
        raise ValidationError(_("这一结对已于%(day)s结束。") % {"day": pair.ended_on.isoformat()})
    pair.ended_on = ended_on or timezone.localdate()
    pair.end_reason = reason
    pair.end_note = note
    if pair.ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("结束日期不能晚于今天。")})
    pair.full_clean(exclude=["school"])
    pair.save(update_fields=["ended_on", "end_reason", "end_note"])
    _pair_changed(pair)
    _log(
        actor,
        pair.pupil,
        _("结束结对：%(name)s（%(reason)s）")
        % {"name": pair.partner_name, "reason": pair.get_end_reason_display()},
        request,
    )
    return pair


@transaction.atomic
def help_plan_update(
    *,
    actor: User,
    pair: Pair,
    goals: str,
    content: str,
    schedule: str,
    request: HttpRequest | None = None,
) -> HelpPlan:
    plan, _created = HelpPlan.objects.select_for_update().get_or_create(pair=pair)
    plan.goals, plan.content, plan.schedule = goals, content, schedule
    plan.updated_by = actor
    plan.updated_at = timezone.now()
    plan.full_clean()
    plan.save()
    _log(actor, pair.pupil, _("修改帮扶计划"), request)
    return plan


@transaction.atomic
def pair_check_create(
    *,
    actor: User,
    pair: Pair,
    checked_on: datetime.date,
    progress: str,
    problems: str = "",
    next_steps: str = "",
    request: HttpRequest | None = None,
) -> PairCheck:
    check = PairCheck(
        pair=pair,
        checked_on=checked_on,
        progress=progress,
        problems=problems,
        next_steps=next_steps,
        checked_by=actor,
    )
    check.full_clean()
    check.save()
    # A check only moves the pair's last activity later (checks are never voided or deleted).
    Pair.objects.filter(pk=pair.pk).filter(
        Q(last_active_on=None) | Q(last_active_on__lt=checked_on)
    ).update(last_active_on=checked_on)
    _log(actor, pair.pupil, _("定期检查：%(day)s") % {"day": checked_on.isoformat()}, request)
    return check


@transaction.atomic
def pairing_settings_update(*, actor: User, **values) -> PairingSettings:
    settings, _created = PairingSettings.objects.get_or_create(school_id=actor.school_id)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    log_access(actor=actor, action=AccessLog.Action.PAIRING, detail=_("修改结对设置"))
    return settings


@transaction.atomic
def volunteer_create(
    *, actor: User, name: str, kind: str, phone: str, organisation: str = ""
) -> Volunteer:
    volunteer = Volunteer(
        school_id=actor.school_id, name=name, kind=kind, phone=phone, organisation=organisation
    )
    volunteer.full_clean()
    volunteer.save()
    log_access(
        actor=actor,
        action=AccessLog.Action.PAIRING,
        detail=_("登记志愿者：%(name)s") % {"name": name},
    )
    return volunteer


# --- teachers and pupils who leave, the year's end --------------------------------------------


@transaction.atomic
def teacher_leave(
    *,
    actor: User,
    teacher: User,
    reassignments: dict[int, User | None],
    deactivate: bool,
    request: HttpRequest | None = None,
) -> tuple[int, int]:
    """A teacher leaves or moves: each of their pairs ends and, where a replacement is chosen,
    the child is paired with that teacher. A child left without one appears on the board as
    unpaired. Returns (pairs ended, pairs made)."""
    pairs = list(
        Pair.objects.select_for_update(of=("self",))
        .teachers()
        .active()
        .filter(teacher=teacher)
        .select_related("pupil")
    )
    made = 0
    for pair in pairs:
        pair_end(actor=actor, pair=pair, reason=Pair.EndReason.TEACHER_LEFT, request=request)
        replacement = reassignments.get(pair.pk)
        if replacement is not None:
            pair_create(
                actor=actor,
                pupil=pair.pupil,
                kind=Pair.Kind.TEACHER,
                teacher=replacement,
                request=request,
            )
            made += 1
    if deactivate:
        staff_deactivate(actor=actor, user=teacher, request=request)
    return len(pairs), made


def _end_pairs_of_pupils(
    *, actor: User, pupil_ids: list[int], reason: str, request: HttpRequest | None
) -> int:
    """End the active pairs of these pupils, and those in which they are the buddy."""
    pairs = Pair.objects.filter(ended_on=None).filter(
        models.Q(pupil_id__in=pupil_ids) | models.Q(buddy_id__in=pupil_ids)
    )
    ended = 0
    for pair in pairs.select_related("pupil"):
        pair_end(actor=actor, pair=pair, reason=reason, request=request)
        ended += 1
    return ended


@transaction.atomic
def pupil_leave(
    *,
    actor: User,
    pupil: Pupil,
    status: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> int:
    """A pupil leaves or graduates: the registry keeps the archive, marked, and their pairs
    end. Returns the pairs ended."""
    if status not in (Pupil.Status.LEFT, Pupil.Status.GRADUATED):
        raise ValidationError({"status": _("请选择离校或毕业。")})
    summary = _("办理离校：%(status)s") % {"status": Pupil.Status(status).label}
    if note:
        summary = f"{summary}（{note}）"[:100]
    pupil_status_change(actor=actor, pupil=pupil, status=status, summary=summary, request=request)
    return _end_pairs_of_pupils(
        actor=actor, pupil_ids=[pupil.pk], reason=Pair.EndReason.PUPIL_LEFT, request=request
    )


@transaction.atomic
def year_end_promote(
    *,
    actor: User,
    top_grade: int,
    keep_pairs: bool,
    head_teachers: dict[int, User | None],
    request: HttpRequest | None = None,
) -> dict[str, int]:
    """The year's end: the registry graduates the top grade and moves every other class up;
    the graduates' pairs end, and the remaining pairs are kept or end with the year."""
    promotion = classes_promote(
        actor=actor, top_grade=top_grade, head_teachers=head_teachers, request=request
    )
    ended = _end_pairs_of_pupils(
        actor=actor,
        pupil_ids=promotion.graduates,
        reason=Pair.EndReason.PUPIL_LEFT,
        request=request,
    )
    if not keep_pairs:
        for pair in Pair.objects.filter(school_id=actor.school_id, ended_on=None).select_related(
            "pupil"
        ):
            pair_end(actor=actor, pair=pair, reason=Pair.EndReason.YEAR_END, request=request)
            ended += 1
    counts = {
        "promoted": promotion.promoted,
        "graduated": len(promotion.graduates),
        "pairs_ended": ended,
    }
    log_access(
        actor=actor,
        action=AccessLog.Action.PAIRING,
        detail=_("学年升级：班级升级%(promoted)d个、毕业%(graduated)d人、结束结对%(pairs_ended)d对")
        % counts,
        request=request,
    )
    return counts


def pupils_scrub_plans(pupil_ids: list[int]) -> None:
    """Clear the help plans and checks of scrubbed children's pairs (registry.pupil_scrub);
    the pairs, their dates and the checks' dates stay for the counts."""
    HelpPlan.objects.filter(pair__pupil_id__in=pupil_ids).update(goals="", content="", schedule="")
    PairCheck.objects.filter(pair__pupil_id__in=pupil_ids).update(
        progress=str(SCRUBBED), problems="", next_steps=""
    )
    Pair.objects.filter(pupil_id__in=pupil_ids).update(end_note="")
