"""The navigation: what each role can do, computed once per page from the user's roles."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Role


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("home", _("首页")),
        ("registry:pupil_list", _("学生档案")),
        ("registry:class_list", pgettext_lazy("plural", "班级")),
        ("registry:statistics", _("统计台账")),
    ]
    if user.has_role(Role.PAIR_TEACHER) or user.has_role(Role.CLASS_TEACHER):
        items.append(("pairing:my_children", _("我的结对儿童")))
    # The principal and the 德育主任 have the school's event quotas (and plans) to do.
    answers = {Role.ADMIN, Role.CLASS_TEACHER, Role.PAIR_TEACHER, Role.COUNSELLOR}
    if (answers | {Role.PRINCIPAL, Role.MORAL_LEAD}) & set(user.roles):
        items.append(("visits:work_list", _("我的待办")))
    items.append(("visits:record_list", _("关爱记录")))
    items.append(("visits:emergency_list", _("突发事件")))
    items.append(("rooms:room_list", _("留守儿童之家")))
    if user.organises_events or user.has_role(Role.CLASS_TEACHER):
        items.append(("events:event_list", _("学校活动")))
    if user.leads_care:
        items.append(("reports:dashboard", _("工作概况")))
        items.append(("pairing:board", _("结对帮扶")))
        items.append(("visits:compliance", _("关爱落实")))
        items.append(("visits:dropout_list", _("控辍保学")))
        items.append(("reports:teacher_table", _("教师考核")))
        items.append(("reports:term_report_list", _("工作总结")))
    if user.leads_care:
        items.append(("registry:census_list", _("摸底普查")))
    if user.has_role(Role.ADMIN):
        items.append(("registry:access_log", _("访问日志")))
    return {"nav_items": items, "nav_is_admin": user.has_role(Role.ADMIN)}
