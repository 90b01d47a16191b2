"""Event quotas per school or per class, as the school sets them: counted from the term's
events that cover the class (its own, its grade's, the whole school's) and the care records
of the same kind written before events existed; due in 我的待办 to whoever answers for them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import quotas, services
from events.models import EventQuota
from tests.factories import SchoolClassFactory
from visits import services as visits_services
from visits.selectors import work_of

SCHOOL_RULES = {
    "symposium": (1, "school"),
    "parent_meeting": (2, "class"),
    "safety": (1, "class"),
}


@pytest.fixture
def rules(moral_lead):
    return services.event_quotas_set(actor=moral_lead, rules=SCHOOL_RULES)


def hold(actor, kind, **scope):
    return services.event_create(
        actor=actor, kind=kind, place="礼堂", led_by=actor, content="活动", **scope
    )


def own_items(user):
    return [(item.label, item.done, item.wanted) for item in work_of(user=user).due if item.url]


def test_the_moral_lead_sets_the_quotas_and_a_wrong_number_is_refused_beside_it(
    client, moral_lead, school
):
    client.force_login(moral_lead)
    data = {f"{kind}_count": 0 for kind, _label in EventQuota._meta.get_field("kind").choices}
    data |= {f"{kind}_per": "class" for kind, _label in EventQuota._meta.get_field("kind").choices}
    data |= {"symposium_count": 1, "symposium_per": "school", "parent_meeting_count": 2}

    saved = client.post(reverse("events:quota_settings"), data)
    refused = client.post(reverse("events:quota_settings"), data | {"safety_count": 21})

    assert saved.status_code == 302
    assert [(rule.kind, rule.per_term, rule.per) for rule in quotas.school_rules(school.pk)] == [
        ("symposium", 1, "school"),
        ("parent_meeting", 2, "class"),
    ]
    assert refused.status_code == 200
    assert "20" in str(refused.context["form"].errors["safety_count"])
    assert 'class="form-control form-control-sm is-invalid"' in refused.content.decode()


@pytest.mark.parametrize("school_wide", [True, False], ids=["with the school", "classes only"])
def test_a_class_counts_its_own_its_grades_and_the_schools_events_and_old_records(
    class_teacher, moral_lead, admin_user, school, school_class, other_class, pupil, other_pupil,
    term, rules, school_wide,
):  # fmt: skip
    same_grade = SchoolClassFactory(school=school, grade=3, number=2)
    hold(class_teacher, "parent_meeting", school_class=school_class)
    hold(moral_lead, "parent_meeting", grade=3)
    hold(moral_lead, "parent_meeting", school_class=same_grade)  # another class: not ours
    hold(moral_lead, "parent_meeting", grade=4)  # another grade
    hold(moral_lead, "safety")  # the whole school
    voided = hold(class_teacher, "safety", school_class=school_class)
    services.event_void(actor=class_teacher, event=voided, reason="重复")
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="parent_meeting", content="旧记录"
    )

    visits_services.record_create(
        actor=admin_user, pupils=[other_pupil], kind="parent_meeting", content="另一班的旧记录"
    )

    status = quotas.quota_status(
        school_id=school.pk,
        period=term.period,
        classes=[school_class, other_class],
        school_wide=school_wide,
    )

    ours = {count.rule.kind: count.done for count in status.classes[school_class.pk]}
    theirs = {count.rule.kind: count.done for count in status.classes[other_class.pk]}
    assert ours == {"parent_meeting": 3, "safety": 1}
    assert theirs == {"parent_meeting": 2, "safety": 1}
    school_counts = [(count.rule.kind, count.done) for count in status.school]
    assert school_counts == ([("symposium", 0)] if school_wide else [])


def test_the_schools_count_takes_the_old_records_of_the_days_that_have_them(
    class_teacher, admin_user, school, school_class, other_class, pupil, other_pupil, term, rules
):
    """Each live record of the term once, on whatever day: a record naming children of two
    classes counts for each class and once for the school; a voided one, another kind's and
    one before the term do not count."""
    today = timezone.localdate()
    visits_services.record_create(
        actor=admin_user, pupils=[pupil, other_pupil], kind="symposium", content="两个班"
    )
    visits_services.record_create(
        actor=admin_user, pupils=[pupil], kind="symposium", content="上周",
        occurred_on=today - datetime.timedelta(days=6),
    )  # fmt: skip
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="parent_meeting", content="同一天的家长会"
    )
    voided = visits_services.record_create(
        actor=admin_user, pupils=[pupil], kind="symposium", content="重复",
        occurred_on=today - datetime.timedelta(days=3),
    )  # fmt: skip
    visits_services.record_void(actor=admin_user, record=voided, reason="重复")
    visits_services.record_create(
        actor=admin_user, pupils=[pupil], kind="symposium", content="上学期",
        occurred_on=term.start_date - datetime.timedelta(days=1),
    )  # fmt: skip
    visits_services.record_create(actor=class_teacher, pupils=[pupil], kind="talk", content="谈心")

    status = quotas.quota_status(
        school_id=school.pk, period=term.period, classes=[school_class, other_class]
    )

    assert [(count.rule.kind, count.done) for count in status.school] == [("symposium", 2)]
    ours = {count.rule.kind: count.done for count in status.classes[school_class.pk]}
    theirs = {count.rule.kind: count.done for count in status.classes[other_class.pk]}
    assert (ours["parent_meeting"], theirs["parent_meeting"]) == (1, 0)


def test_the_work_list_asks_the_principal_for_the_school_and_the_teacher_for_the_class(
    principal, moral_lead, class_teacher, school_class, pupil, term, rules
):
    hold(class_teacher, "parent_meeting", school_class=school_class)

    [school_item] = work_of(user=principal).due
    assert (school_item.label, school_item.action) == ("全校座谈会", "登记活动")
    assert school_item.url == "/events/new/?kind=symposium"
    assert own_items(class_teacher) == [
        ("三年级(1)班 家长会", 1, 2),
        ("三年级(1)班 安全教育", 0, 1),
    ]
    item = next(item for item in work_of(user=class_teacher).due if item.url)
    assert item.url == f"/events/new/?kind=parent_meeting&school_class={school_class.pk}"

    hold(moral_lead, "symposium")
    hold(moral_lead, "parent_meeting", grade=3)

    assert work_of(user=principal).due == []
    assert own_items(class_teacher) == [("三年级(1)班 安全教育", 0, 1)]


def test_the_event_form_opens_prefilled_from_the_work_list(
    client, class_teacher, school_class, pupil, term, rules
):
    client.force_login(class_teacher)

    response = client.get(f"/events/new/?kind=safety&school_class={school_class.pk}")

    form = response.context["form"]
    assert (form.initial["kind"], form.initial["school_class"]) == ("safety", school_class)


def test_the_class_overview_shows_the_classs_event_quotas(
    client, class_teacher, moral_lead, school_class, pupil, term, rules
):
    hold(moral_lead, "safety", grade=3)
    client.force_login(class_teacher)

    page = client.get(reverse("visits:class_overview", args=[school_class.pk])).content.decode()

    assert "本学期家长会：0 / 2 次" in page
    assert "本学期安全教育：1 / 1 次" in page
    assert "座谈会" not in page  # one for the school, not the class's


def test_a_school_that_set_nothing_has_one_symposium_a_school_and_two_meetings_a_class(school):
    assert [(rule.kind, rule.per_term, rule.per) for rule in quotas.school_rules(school.pk)] == [
        ("symposium", 1, "school"),
        ("parent_meeting", 2, "class"),
    ]


def test_the_work_list_costs_the_same_queries_with_more_classes_and_events(
    client, django_assert_num_queries, moral_lead, class_teacher, school, school_class, pupil,
    term, rules,
):  # fmt: skip
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("visits:work_list")).status_code == 200
        return len(captured)

    client.force_login(class_teacher)
    one = queries()
    second = SchoolClassFactory(school=school, grade=5, number=1, head_teacher=class_teacher)
    for school_class_ in (school_class, second):
        hold(class_teacher, "safety", school_class=school_class_)
    hold(moral_lead, "parent_meeting", grade=3)

    # The event quotas add five: the term, the rules, the classes, the events, the records; the
    # work plan's provider one (the person's items due this month), the events done this week
    # one, and the children's keys are read before their counts (one more, for PostgreSQL).
    with django_assert_num_queries(19):
        client.get(reverse("visits:work_list"))
    assert queries() == one


def test_the_care_settings_quotas_become_event_quotas_per_class(transactional_db, school):
    executor = MigrationExecutor(connection)
    old = [("events", "0003_event_quotas"), ("visits", "0008_counselling_and_mandatory_report")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    apps.get_model("visits", "CareSettings").objects.create(
        school_id=school.pk, symposia_per_term=3, parent_meetings_per_term=1
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = EventQuota.objects.filter(school=school).values_list("kind", "per_term", "per")
    assert sorted(rows) == [("parent_meeting", 1, "class"), ("symposium", 3, "class")]


def test_no_quota_is_due_in_the_holidays(principal, school, rules):
    assert quotas.work_items(principal, timezone.localdate() + datetime.timedelta(days=400)) == []


def test_the_principals_work_list_offers_to_record_the_event_not_a_care_record(
    client, principal, class_teacher, term, rules
):
    client.force_login(principal)
    theirs = client.get(reverse("visits:work_list")).content.decode()
    client.force_login(class_teacher)
    teachers = client.get(reverse("visits:work_list")).content.decode()

    assert "登记活动" in theirs and "记录关爱" not in theirs
    assert "记录关爱" in teachers


def test_an_event_held_clears_the_moral_leads_item_and_shows_as_done_this_week(
    client, moral_lead, pupil, term, rules
):
    assert [item.label for item in work_of(user=moral_lead).due] == ["全校座谈会"]

    event = hold(moral_lead, "symposium")

    work = work_of(user=moral_lead)
    assert work.due == []
    assert [(item.label, item.url) for item in work.done_elsewhere] == [
        ("座谈会", reverse("events:event_detail", args=[event.pk]))
    ]
    client.force_login(moral_lead)
    page = client.get(reverse("visits:work_list")).content.decode()
    assert "本周已完成（1）" in page and "全校 · 参加儿童" in page
