"""The term summary's sections drafted from data the system holds: 检查考核 from the teachers'
work table, 安全教育 and the guardians' 责任书, and one typical case chosen by the principal,
its child named as she chooses. Each is left out when there is nothing to say."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services as events_services
from events.models import Event
from registry.models import AccessLog
from reports import drafts
from reports.models import TermReport
from reports.numbers import Inspection, SafetyEducation
from reports.selectors import summary_numbers, teacher_table, term_numbers
from tests.reports.test_summary_form import generate
from visits import services as visits_services
from visits.models import CareRecord


def _numbers(principal, term, report=None):
    return summary_numbers(
        term_numbers(school=principal.school, period=term.period),
        school=principal.school,
        period=term.period,
        report=report,
    )


def _section(text: str, heading: str) -> str:
    """The PDF text of one measure: from its heading to the next （…） heading or 三、."""
    after = text.split(heading, 1)[1]
    return after.split("三、取得的成绩")[0].split("（", 1)[0]


def _event(actor, kind, **fields):
    return events_services.event_create(
        actor=actor, kind=kind, occurred_on=timezone.localdate(), place="操场", led_by=actor,
        content="内容", **fields,
    )  # fmt: skip


# 检查考核 ------------------------------------------------------------------------------------


def test_the_inspection_counts_the_teachers_of_the_work_table_and_names_none(
    principal, class_teacher, known_school
):
    rows = teacher_table(
        school=principal.school, period=known_school.period, today=timezone.localdate()
    )
    inspection = _numbers(principal, known_school).inspection

    assert inspection.teachers == len(rows) == 2
    assert inspection.complete == sum(1 for r in rows if r.visits_met and r.quotas_met) == 0
    text, _reader = generate(principal, known_school)
    section = _section(text, "检查考核")
    assert "本学期2名教师均未全部完成家访和班级活动任务" in section
    assert "考核结果纳入教师考核" in section
    assert str(class_teacher) not in section  # a number, never a colleague's name


def test_the_inspection_says_how_many_did_not_complete_and_is_left_out_without_teachers(
    principal, known_school
):
    numbers = _numbers(principal, known_school)
    some = dataclasses.replace(numbers, inspection=Inspection(5, 3, 2, 1))
    none = dataclasses.replace(numbers, inspection=Inspection(0, 0, 0, 0))

    assert (
        "本学期3名教师全部完成家访和班级活动任务，2名教师未全部完成"
        in (drafts.draft_sections(some)["inspection"])
    )
    assert "家访未达要求2人，班级活动未达要求1人" in drafts.draft_sections(some)["inspection"]
    assert drafts.draft_sections(none)["inspection"] == ""


# 安全教育和责任书 -------------------------------------------------------------------------------


def test_safety_lessons_and_letters_signed_are_drafted_from_the_terms_events(
    principal, admin_user, pupil, other_pupil, known_school
):
    _event(admin_user, Event.Kind.SAFETY, pupils=[pupil, other_pupil])
    _event(admin_user, Event.Kind.PARENT_MEETING, pupils=[pupil], letters_signed=3)
    _event(admin_user, Event.Kind.SAFETY, pupils=[pupil], letters_signed=1)

    education = _numbers(principal, known_school).safety_education
    text, _reader = generate(principal, known_school)

    assert education == SafetyEducation(lessons=2, children=2, letters=4)
    assert "开展安全教育2次，覆盖留守儿童2人；与监护人签订安全责任书4份。" in text


def test_no_safety_section_without_lessons_or_letters(principal, known_school):
    text, _reader = generate(principal, known_school)

    assert "安全教育和责任书" not in text and "责任书" not in text


def test_letters_are_signed_only_at_meetings_lessons_and_parent_schools(admin_user, school):
    birthday = Event(
        school=school, kind=Event.Kind.BIRTHDAY, place="操场", led_by=admin_user,
        content="生日会", author=admin_user, letters_signed=2,
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        birthday.full_clean()
    assert "letters_signed" in refused.value.message_dict


# 典型案例 ------------------------------------------------------------------------------------


def _visit(actor, pupil, **fields):
    return visits_services.record_create(
        actor=actor,
        pupils=[pupil],
        kind=fields.pop("kind", "home_visit"),
        content=fields.pop(
            "content",
            "王小明父母在外务工，跟着奶奶生活，作业常拖欠。奶奶电话13812341234。小明说想妈妈。",
        ),
        problems="学习习惯差，缺少陪伴",
        measures="班主任每周辅导两次，安排亲情电话",
        **fields,
    )


def _choose(client, term, record, naming, alias=""):
    """Post the edit form as the page has it, the case chosen."""
    url = reverse("reports:term_report_edit", args=[term.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"case_record": record.pk, "case_naming": naming, "case_alias": alias}
    return client.post(url, data)


def test_the_chosen_case_is_told_with_the_name_masked_as_chosen(
    client, principal, class_teacher, pupil, known_school
):
    record = _visit(class_teacher, pupil)
    client.force_login(principal)

    _choose(client, known_school, record, TermReport.Naming.SURNAME)
    report = TermReport.objects.get(term=known_school)
    text, _reader = generate(principal, known_school)

    case = text.split("典型案例", 1)[1].split("三、取得的成绩")[0]
    assert report.case_record == record
    assert "三年级学生王某某，男，父母均在外务工" in case
    assert "本学期共为其开展家访2次、谈心1次" in case  # the term's care of the child
    assert "跟着奶奶生活" in case and "班主任每周辅导两次" in case
    assert "王小明" not in case and "小明" not in case.replace("王某某", "")
    assert "13812341234" not in case and "（略）" in case
    assert "王某某" in report.sections["case"]  # the saved text is masked too


def test_an_alias_or_the_full_name_is_printed_when_chosen(
    client, principal, class_teacher, pupil, known_school
):
    record = _visit(class_teacher, pupil)
    client.force_login(principal)

    _choose(client, known_school, record, TermReport.Naming.ALIAS, alias="小雨")
    alias_text, _reader = generate(principal, known_school)
    _choose(client, known_school, record, TermReport.Naming.FULL)
    full_text, _reader = generate(principal, known_school)

    assert "三年级学生小雨" in alias_text and "王小明" not in alias_text.split("典型案例")[1]
    assert "三年级学生王小明" in full_text


def test_choosing_a_case_is_logged_as_a_read_of_that_child(
    client, principal, class_teacher, pupil, known_school
):
    record = _visit(class_teacher, pupil)
    client.force_login(principal)

    _choose(client, known_school, record, TermReport.Naming.SURNAME)

    assert AccessLog.objects.filter(
        actor=principal, pupil=pupil, action=AccessLog.Action.READ, detail__contains="典型案例"
    ).exists()


def test_no_case_section_until_one_is_chosen(principal, known_school):
    text, _reader = generate(principal, known_school)

    assert "典型案例" not in text


def test_a_counselling_record_is_not_choosable_by_someone_who_may_not_read_it(
    client, admin_user, counsellor, principal, pupil, known_school
):
    confidential = _visit(counsellor, pupil, kind=CareRecord.Kind.COUNSELLING)
    assert not admin_user.reads_counselling and principal.reads_counselling

    client.force_login(admin_user)
    url = reverse("reports:term_report_edit", args=[known_school.pk])
    listed = client.get(url).context["form"].fields["case_record"].choices
    refused = _choose(client, known_school, confidential, TermReport.Naming.SURNAME)
    client.force_login(principal)
    offered = client.get(url).context["form"].fields["case_record"].choices

    assert confidential.pk not in [pk for pk, _label in listed]
    assert refused.status_code == 200 and "case_record" in refused.context["form"].errors
    assert not TermReport.objects.filter(case_record=confidential).exists()
    assert confidential.pk in [pk for pk, _label in offered]  # the principal reads counselling


def test_the_case_list_is_searched_by_a_childs_name(
    client, principal, class_teacher, other_teacher, pupil, other_pupil, known_school
):
    mine = _visit(class_teacher, pupil)
    hers = _visit(other_teacher, other_pupil, content="李小红想念外出的爸爸，常常一个人发呆。")
    client.force_login(principal)

    url = reverse("reports:term_report_edit", args=[known_school.pk])
    choices = client.get(url, {"case_q": "小红"}).context["form"].fields["case_record"].choices

    pks = [pk for pk, _label in choices]
    assert hers.pk in pks and mine.pk not in pks


def test_the_edit_pages_queries_do_not_grow_with_the_terms_records(
    client, principal, class_teacher, other_teacher, pupil, other_pupil, known_school
):
    record = _visit(class_teacher, pupil)
    client.force_login(principal)
    _choose(client, known_school, record, TermReport.Naming.SURNAME)
    url = reverse("reports:term_report_edit", args=[known_school.pk])

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 8):
        _visit(
            other_teacher, other_pupil, occurred_on=timezone.localdate() - datetime.timedelta(day)
        )
        _visit(class_teacher, pupil, kind="talk")
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(few) == len(many) == EDIT_PAGE_QUERIES


# The texts, the numbers as of the term's end, the teachers' work table (检查考核), the safety
# events, the chosen case and the list of records to choose from: whatever the records (the
# children each kind reached from the term's tallies: the term and its tallies, two queries;
# the boarders, the children paired and the archives complete counted in the walk of the
# left-behind children by class, from the kept flags: the archives' query and the coverage's
# two gone; the day's teacher pairs a query apart from the buddies and volunteers; that walk
# is the 统计表's walk of the pupils by class; the teachers who answer for children one query,
# their rule in SQL).
EDIT_PAGE_QUERIES = 48
