"""What each person is told: worked out from what is due (visits/due.py) and the principal's
views (visits.due.compliance, reports.selectors.teacher_table), never respelled here.

A message names no child: it is kept after the person's class or pairs change, and it goes
out by e-mail and to a group chat. It says only that something needs the person, counts by
kind of work, and a link to the page that names the children for whoever may see them.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from caresys.lib.periods import Period
from registry.models import Role, School, Term, User
from reminders.models import Notification, ReminderSettings
from reports.selectors import teacher_table
from rooms.selectors import rooms_in
from visits import due
from visits.models import CareSettings, Emergency, WatchEvent
from visits.selectors import high_risk_alerts, work_of


@dataclass
class Message:
    kind: str
    key: str
    title: str
    body: str
    link: str
    items: list[str] = field(default_factory=list)


def _identity(item: due.DueItem) -> str:
    """An item as a short hash: the same work on the same day gives the same identity, and
    the stored notification holds nothing readable about the child."""
    raw = f"{item.pupil.pk if item.pupil else '-'}|{item.kind}|{item.label}|{item.due_on}|"
    raw += "overdue" if item.overdue else "due"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _counted(items: list[due.DueItem]) -> str:
    """The kinds of work and how many ("五必访 2、谈心 3"), no names."""
    counts = Counter(_("五必访") if item.watch else item.label for item in items)
    return _("、").join(f"{label} {n}" for label, n in counts.items())


def work_due(*, user: User, today: datetime.date, within_days: int) -> Message | None:
    """A teacher's reminder: what is overdue and what falls due within the days given; None
    when nothing is, or when all of it was told in the last reminder. A few queries."""
    work = work_of(user=user, today=today)
    soon = today + datetime.timedelta(days=within_days)
    upcoming = [item for item in work.due if item.due_on <= soon]
    items = work.overdue + upcoming
    if not items:
        return None
    identities = sorted(_identity(item) for item in items)
    last = (
        Notification.objects.filter(recipient=user, kind=Notification.Kind.WORK_DUE)
        .order_by("-created_at", "-pk")
        .values_list("items", flat=True)
        .first()
    )
    if last is not None and set(identities) <= set(last):
        return None
    lines = []
    if work.overdue:
        lines.append(
            _("已逾期 %(n)d 项：%(kinds)s。")
            % {"n": len(work.overdue), "kinds": _counted(work.overdue)}
        )
    if upcoming:
        lines.append(
            _("%(days)d天内到期 %(n)d 项：%(kinds)s。")
            % {"days": within_days, "n": len(upcoming), "kinds": _counted(upcoming)}
        )
    lines.append(_("请打开“我的待办”查看是哪些孩子，记录后即从待办中消除。"))
    if work.overdue:
        title = _("您有 %(overdue)d 项关爱工作已逾期，%(soon)d 项即将到期") % {
            "overdue": len(work.overdue),
            "soon": len(upcoming),
        }
    else:
        title = _("您有 %(soon)d 项关爱工作即将到期") % {"soon": len(upcoming)}
    return Message(
        kind=Notification.Kind.WORK_DUE,
        key=f"work_due:{today.isoformat()}",
        title=title,
        body="\n".join(lines),
        link=reverse("visits:work_list"),
        items=identities,
    )


def high_risk(*, user: User) -> Message | None:
    """A principal told at once of high-risk counselling records not yet marked seen: how many
    and a link, never who or what; once for each new set of records. One query."""
    records = list(high_risk_alerts(user).values_list("pk", flat=True))
    if not records:
        return None
    return Message(
        kind=Notification.Kind.HIGH_RISK,
        key=f"high_risk:{records[-1]}",
        title=_("有%(n)d条高风险心理辅导记录需要关注") % {"n": len(records)},
        body=_("请尽快登录查看，并在首页提示中标记已阅。"),
        link=reverse("home"),
    )


def _listed(pairs: list[tuple[str, int]]) -> str:
    return _("、").join(f"{label} {n}" for label, n in pairs if n) or _("无")


def digest(*, school: School, today: datetime.date) -> Message:
    """The principal's weekly digest: overdue 五必访 by class and by teacher, open 五必访 and
    emergencies, children not contacted for the school's no_contact_days, the rooms' openings
    missed in the last seven days. Counts only."""
    settings = CareSettings.for_school(school)
    report = due.compliance(school_id=school.pk, settings=settings, today=today)
    term = Term.objects.current(school.pk, today)
    teachers = teacher_table(
        school=school, period=term.period if term else report.month, today=today
    )
    overdue = sum(row.overdue_events for row in report.classes)
    open_watch = WatchEvent.objects.filter(school=school, answered_by=None).count()
    emergencies = Emergency.objects.filter(school=school, closed_at=None).count()
    by_class = [(row.label, row.overdue_events) for row in report.classes]
    by_teacher = [(str(row.teacher), row.overdue) for row in teachers]
    week = Period(today - datetime.timedelta(days=7), today - datetime.timedelta(days=1))
    missed = rooms_in(school_id=school.pk, period=week, today=today).missed
    lines = [
        _("逾期未访的五必访：%(n)d 项。") % {"n": overdue},
        _("　按班级：%(list)s") % {"list": _listed(by_class)},
        _("　按教师：%(list)s") % {"list": _listed(by_teacher)},
        _("尚未回应的五必访共 %(n)d 项。") % {"n": open_watch},
        _("未结案的突发事件：%(n)d 起。") % {"n": emergencies},
        _("超过%(days)d天没有任何联系记录的留守儿童：%(n)d 名（%(list)s）。")
        % {
            "days": settings.no_contact_days,
            "n": report.no_contact_count,
            "list": _listed([(c.label, c.no_contact) for c in report.classes]),
        },
    ]
    if missed:
        # The only thing here not on the compliance page: where to find it.
        lines.append(
            _("过去7天活动室未按计划开放：%(n)d 次（留守儿童之家 → 未按计划开放）。")
            % {"n": missed}
        )
    year, week, _day = today.isocalendar()
    return Message(
        kind=Notification.Kind.DIGEST,
        key=f"digest:{year}-W{week:02d}",
        title=_("关爱工作周报（%(day)s）") % {"day": f"{today:%Y-%m-%d}"},
        body="\n".join(lines),
        link=reverse("visits:compliance"),
    )


def principals(school: School) -> list[User]:
    """The school's active principals (roles are a list on the row: chosen here). One query."""
    staff = User.objects.filter(school=school, is_active=True).order_by("pk")
    return [user for user in staff if user.has_role(Role.PRINCIPAL)]


def digest_is_due(settings: ReminderSettings, today: datetime.date) -> bool:
    return today.weekday() == settings.digest_weekday
