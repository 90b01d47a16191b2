"""Writes of the work plan: drafting it, editing its intro and items, marking a task done,
voiding an item. Each is audited in the same transaction; nothing is deleted."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import pattern
from plans.models import PlanItem, WorkPlan, months_of
from plans.selectors import can_edit_plans, can_mark_done, draft_items, staff_of
from registry.models import AccessLog, Term, User
from registry.services import log_access

ITEM_FIELDS = ("month", "on_date", "kind", "title", "responsible", "produces")


def _log(actor: User, detail: str, request: HttpRequest | None) -> None:
    log_access(actor=actor, action=AccessLog.Action.UPDATE, detail=detail, request=request)


@transaction.atomic
def plan_draft(*, actor: User, term: Term, request: HttpRequest | None = None) -> WorkPlan:
    """Draft the term's plan from the schools' pattern and last year's events."""
    if not can_edit_plans(actor):
        raise PermissionDenied
    if term.school_year.school_id != actor.school_id:
        raise PermissionDenied
    if WorkPlan.objects.filter(school_id=actor.school_id, term=term).exists():
        raise ValidationError(_("这个学期已有工作计划。"))
    plan = WorkPlan(
        school_id=actor.school_id,
        term=term,
        title=_("%(term)s关爱留守儿童工作计划") % {"term": term},
        intro=str(pattern.INTRO),
        author=actor,
    )
    plan.full_clean()
    plan.save()
    items = draft_items(school_id=actor.school_id, term=term)
    for item in items:
        item.plan = plan
        # Fields only: the plan was just saved, the responsible read from the staff, and a new
        # item (nothing done, voided or dated) meets the check constraints, which the database
        # enforces anyway. Checking them here cost five queries an item (a county's 200 plans:
        # 37,000 queries).
        item.full_clean(exclude=["plan", "responsible"], validate_constraints=False)
    PlanItem.objects.bulk_create(items)
    _log(actor, _("起草工作计划：%(t)s") % {"t": plan}, request)
    return plan


@transaction.atomic
def plan_update(
    *, actor: User, plan: WorkPlan, title: str, intro: str, request: HttpRequest | None = None
) -> WorkPlan:
    if not can_edit_plans(actor):
        raise PermissionDenied
    plan.title, plan.intro, plan.updated_at = title, intro, timezone.now()
    plan.full_clean()
    plan.save()
    _log(actor, _("修改工作计划：%(t)s") % {"t": plan}, request)
    return plan


def _check_responsible(actor: User, item: PlanItem) -> None:
    if not staff_of(actor.school_id).filter(pk=item.responsible_id).exists():
        raise ValidationError({"responsible": _("负责人须是本校教职工。")})


@transaction.atomic
def item_save(
    *,
    actor: User,
    plan: WorkPlan,
    item: PlanItem | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> PlanItem:
    """Add an item to the plan, or change one (``item``)."""
    if not can_edit_plans(actor) or plan.school_id != actor.school_id:
        raise PermissionDenied
    item = item or PlanItem(plan=plan)
    if item.voided_at is not None:
        raise ValidationError(_("这一项已经作废。"))
    for name, value in fields.items():
        if name not in ITEM_FIELDS:
            raise TypeError(f"item_save() got an unexpected field {name!r}")
        setattr(item, name, value)
    if item.month:
        item.month = item.month.replace(day=1)
        if item.month not in months_of(plan.term):
            raise ValidationError({"month": _("月份须在本学期内。")})
    _check_responsible(actor, item)
    item.full_clean()
    item.save()
    _log(actor, _("修改工作计划事项：%(t)s") % {"t": item}, request)
    return item


@transaction.atomic
def item_mark_done(
    *,
    actor: User,
    item: PlanItem,
    done_on,
    note: str,
    request: HttpRequest | None = None,
) -> PlanItem:
    """落实: a task held, by its responsible person or an editor, with the day and a note."""
    if not can_mark_done(actor, item):
        raise PermissionDenied
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if item.voided_at is not None:
        raise ValidationError(_("这一项已经作废。"))
    if item.is_event:
        raise ValidationError(_("活动类事项请登记活动，登记后自动算作已落实。"))
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("落实日期不能晚于今天。")})
    item.done_on, item.done_note, item.done_by = done_on, note.strip(), actor
    item.full_clean()
    item.save(update_fields=["done_on", "done_note", "done_by"])
    _log(actor, _("落实工作计划事项：%(t)s") % {"t": item}, request)
    return item


@transaction.atomic
def item_void(
    *, actor: User, item: PlanItem, reason: str, request: HttpRequest | None = None
) -> PlanItem:
    """Take an item off the plan: it stays, marked, with the reason."""
    if not can_edit_plans(actor):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"void_reason": _("请填写作废原因。")})
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if item.voided_at is not None:
        raise ValidationError(_("这一项已经作废。"))
    item.voided_at, item.void_reason = timezone.now(), reason.strip()
    item.save(update_fields=["voided_at", "void_reason"])
    _log(actor, _("作废工作计划事项：%(t)s（%(r)s）") % {"t": item, "r": item.void_reason}, request)
    return item
