"""The year's rhythm of the schools' own plans (seeds: 工作安排 二月份 … 七月份, and the autumn
terms' 九月 … 一月): what a drafted plan starts with, by calendar month."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from events.models import Event
from plans.models import Task


@dataclass(frozen=True)
class Planned:
    month: int  # calendar month, 1-12
    kind: str
    title: Promise
    who: str  # "principal", "moral_lead" or "admin": the role that usually answers for it


SPRING = (
    Planned(2, Task.PLAN, _("讨论并制定学校关爱留守儿童工作计划"), "principal"),
    Planned(2, Task.VISITS, _("开学家访和学生谈心活动"), "moral_lead"),
    Planned(3, Task.CENSUS, _("留守儿童摸底普查，更新档案和联系卡"), "admin"),
    Planned(3, Event.Kind.SYMPOSIUM, _("帮扶教师、留守儿童和监护人座谈会"), "moral_lead"),
    Planned(4, Task.PAIRING, _("开展师生结对帮扶活动"), "principal"),
    Planned(4, Task.PHONE, _("开通留守儿童亲情电话，公布亲情聊天室开放时间"), "moral_lead"),
    Planned(4, Event.Kind.MENTAL_HEALTH, _("心理健康教育课"), "moral_lead"),
    Planned(5, Event.Kind.PARENT_MEETING, _("召开留守儿童家长会"), "principal"),
    Planned(5, Event.Kind.PARENT_SCHOOL, _("家长学校：监护人培训"), "moral_lead"),
    Planned(6, Event.Kind.CARE_ACTIVITY, _("留守儿童“六一”庆祝活动"), "moral_lead"),
    Planned(6, Event.Kind.SAFETY, _("防溺水安全教育"), "moral_lead"),
    Planned(6, Task.AID_CHECK, _("留守儿童减免、资助落实情况检查"), "principal"),
    Planned(7, Task.SUMMARY, _("班级及学校留守儿童工作总结"), "principal"),
    Planned(7, Task.ARCHIVE, _("留守儿童工作档案整理"), "admin"),
)

AUTUMN = (
    Planned(9, Task.PLAN, _("讨论并制定学校关爱留守儿童工作计划"), "principal"),
    Planned(9, Task.CENSUS, _("开学摸底普查，更新档案和联系卡"), "admin"),
    Planned(9, Event.Kind.PARENT_MEETING, _("开学家长会"), "principal"),
    Planned(10, Task.PAIRING, _("调整师生结对，落实帮扶计划"), "principal"),
    Planned(10, Event.Kind.SYMPOSIUM, _("帮扶教师、留守儿童和监护人座谈会"), "moral_lead"),
    Planned(10, Event.Kind.MENTAL_HEALTH, _("心理健康教育课"), "moral_lead"),
    Planned(11, Event.Kind.PARENT_SCHOOL, _("家长学校：监护人培训"), "moral_lead"),
    Planned(11, Event.Kind.SAFETY, _("冬季安全教育"), "moral_lead"),
    Planned(12, Event.Kind.CARE_ACTIVITY, _("“迎元旦”关爱活动"), "moral_lead"),
    Planned(12, Task.AID_CHECK, _("留守儿童资助、减免落实情况检查"), "principal"),
    Planned(1, Task.SUMMARY, _("班级及学校留守儿童工作总结"), "principal"),
    Planned(1, Task.ARCHIVE, _("留守儿童工作档案整理"), "admin"),
)

# What each kind of item leaves behind, as a drafted item says it.
PRODUCES = {
    Task.PLAN: _("工作计划"),
    Task.CENSUS: _("普查名单、更新后的档案"),
    Task.PAIRING: _("结对名单、帮扶计划"),
    Task.PHONE: _("亲情电话登记"),
    Task.AID_CHECK: _("减免、资助落实情况表"),
    Task.VISITS: _("家访、谈心记录"),
    Task.SUMMARY: _("工作总结"),
    Task.ARCHIVE: _("归档的工作档案"),
}
EVENT_PRODUCES = _("活动记录、签到表、照片")

INTRO = _(
    "指导思想：以关爱留守儿童健康成长为中心，发挥学校主阵地作用，做到学习上优先辅导、"
    "生活上优先照顾、心理上优先疏导、活动上优先安排。\n"
    "工作目标：留守儿童底数清、档案全；每名留守儿童都有帮扶教师；每月谈心、亲情电话，"
    "每学期家访，按计划开展座谈会、家长会和关爱活动。"
)
