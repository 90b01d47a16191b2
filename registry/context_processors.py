"""The navigation: what each role can do, computed once per page from the user's roles.

A few entries stand alone (首页, 我的待办, 工作概况); the rest sit in three menus, so the bar
holds on one line at 1,280 px whatever the roles: 学生 (the register), 关爱工作 (the work with
the children) and 学校管理 (what the leadership checks and sends)."""

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Role


@dataclass
class NavGroup:
    label: str = ""  # empty: the items stand alone on the bar
    items: list[tuple[str, str]] = field(default_factory=list)  # (url name, label)
    links: list[tuple[str, str, bool]] = field(default_factory=list)  # (url, label, current)

    @property
    def current(self) -> bool:
        """The page shown is one of the group's: its menu is marked on the bar."""
        return any(current for _url, _label, current in self.links)


def nav_groups(user) -> list[NavGroup]:
    """The menu of a signed-in user: groups with at least one entry, in the bar's order."""
    leads = user.leads_care
    # The county's pages (their app sits above this one; named, not imported).
    county = NavGroup(
        items=[("county:dashboard", _("各校概况")), ("county:appraisal", _("评比"))]
        if user.reads_county
        else []
    )
    # A county reader with no school has room on the bar for the roll-up; the staff of a
    # 中心学校 reach it from 各校概况 (their bar is full with the school's menus).
    rollup_writer = user.has_role(Role.BUREAU) or user.has_role(Role.TOWNSHIP)
    if rollup_writer and user.school_id is None:
        county.items.append(("county:rollup_list", _("汇总总结")))
        county.items.append(("county:registers", _("学籍与民政")))
    if user.has_role(Role.SYSTEM_ADMIN):
        county.items.append(("county:schools", _("学校与账号")))
    if user.school_id is None:
        return [county] if county.items else []
    alone = NavGroup(items=[("home", _("首页"))])
    # The principal and the 德育主任 have the school's event quotas and planned items to do.
    answers = {Role.ADMIN, Role.CLASS_TEACHER, Role.PAIR_TEACHER, Role.COUNSELLOR}
    if (answers | {Role.PRINCIPAL, Role.MORAL_LEAD}) & set(user.roles):
        alone.items.append(("visits:work_list", _("我的待办")))
    if leads:
        alone.items.append(("reports:dashboard", _("工作概况")))
    pupils = NavGroup(
        pgettext_lazy("plural", "学生"),
        [
            ("registry:pupil_list", _("学生档案")),
            ("registry:class_list", pgettext_lazy("plural", "班级")),
        ],
    )
    if user.has_role(Role.PAIR_TEACHER) or user.has_role(Role.CLASS_TEACHER):
        pupils.items.append(("pairing:my_children", _("我的结对儿童")))
    pupils.items.append(("registry:statistics", _("统计台账")))
    if leads:
        pupils.items.append(("registry:census_list", _("摸底普查")))
    care = NavGroup(
        _("关爱工作"),
        [
            ("visits:record_list", _("关爱记录")),
            ("visits:emergency_list", _("突发事件")),
        ],
    )
    if user.organises_events or user.has_role(Role.CLASS_TEACHER):
        care.items.append(("events:event_list", _("学校活动")))
    care.items.append(("rooms:room_list", _("留守儿童之家")))
    # The school's calendar and work plan: every staff member reads them.
    if user.school_id is not None:
        care.items.append(("plans:calendar", _("校历")))
    manage = NavGroup(_("学校管理"))
    if leads:
        care.items.append(("pairing:board", _("结对帮扶")))
        care.items.append(("visits:dropout_list", _("控辍保学")))
        manage.items += [
            ("visits:compliance", _("关爱落实")),
            ("reports:teacher_table", _("教师考核")),
            ("reports:term_report_list", _("工作总结")),
        ]
    if user.has_role(Role.ADMIN):
        manage.items += [("registry:access_log", _("访问日志")), ("admin:index", _("系统设置"))]
    return [group for group in (alone, pupils, care, manage, county) if group.items]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    groups = nav_groups(user)
    for group in groups:
        for name, label in group.items:
            url = reverse(name)
            group.links.append((url, label, url == request.path))
    return {"nav_groups": groups}
