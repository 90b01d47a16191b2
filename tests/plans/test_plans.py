"""The work plan: drafted to fit the term, items held by events or marked done, 未落实 once
their month is over, due items in the responsible person's 我的待办, the plan as a PDF, and
the summary's 五 drafted from the next term's plan."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from events import services as events_services
from plans import selectors, services
from plans.models import PlanItem
from registry.models import SchoolYear, Term
from reports.selectors import term_report_of
from tests.registry.test_pdf import fonts_of, is_embedded, text_of
from visits.selectors import work_of


def _term(school, start, end, number=1):
    year = SchoolYear.objects.create(
        school=school, name=f"{start.year}—{start.year + 1}学年", start_date=start,
        end_date=end + datetime.timedelta(days=30),
    )  # fmt: skip
    return Term.objects.create(school_year=year, number=number, start_date=start, end_date=end)


def _event(actor, kind, day, **fields):
    return events_services.event_create(
        actor=actor, kind=kind, occurred_on=day, place="会议室", led_by=actor, content="内容",
        pupils=[], **fields,
    )  # fmt: skip


# Drafting ----------------------------------------------------------------------------------


def test_an_autumn_plan_is_drafted_month_by_month_from_september_to_january(
    principal, moral_lead, admin_user
):
    term = _term(principal.school, datetime.date(2027, 9, 1), datetime.date(2028, 1, 17))

    plan = services.plan_draft(actor=principal, term=term)

    items = list(plan.items.all())
    assert {item.month for item in items} == {
        datetime.date(2027, 9, 1), datetime.date(2027, 10, 1), datetime.date(2027, 11, 1),
        datetime.date(2027, 12, 1), datetime.date(2028, 1, 1),
    }  # fmt: skip
    census = next(item for item in items if item.kind == "census")
    assert census.month == datetime.date(2027, 9, 1) and census.responsible == admin_user
    assert next(i for i in items if i.kind == "summary").month == datetime.date(2028, 1, 1)
    assert next(i for i in items if i.kind == "symposium").responsible == moral_lead
    assert all(item.produces for item in items)


def test_a_spring_plan_follows_the_schools_rhythm_and_last_springs_events(principal, moral_lead):
    last = _term(principal.school, datetime.date(2026, 2, 20), datetime.date(2026, 7, 10), 2)
    _event(moral_lead, "birthday", datetime.date(2026, 4, 15))
    _event(moral_lead, "parent_meeting", datetime.date(2026, 5, 8))  # already in the pattern
    term = _term(principal.school, datetime.date(2027, 2, 16), datetime.date(2027, 7, 5), 2)
    assert last.start_date < term.start_date

    items = selectors.draft_items(school_id=principal.school_id, term=term)

    by_kind = {(item.month.month, item.kind) for item in items}
    assert (2, "plan") in by_kind and (3, "census") in by_kind and (4, "pairing") in by_kind
    assert (4, "phone") in by_kind and (5, "parent_meeting") in by_kind
    assert (6, "care_activity") in by_kind and (6, "aid_check") in by_kind
    assert (7, "summary") in by_kind and (7, "archive") in by_kind
    assert (4, "birthday") in by_kind  # held last April: planned again
    assert sum(1 for item in items if item.kind == "parent_meeting") == 1
    assert all(item.month.month in range(2, 8) for item in items)


def test_a_term_is_drafted_once(principal, plan_term):
    services.plan_draft(actor=principal, term=plan_term)

    with pytest.raises(ValidationError):
        services.plan_draft(actor=principal, term=plan_term)


def test_the_principal_drafts_from_the_plan_list(client, principal, plan_term):
    client.force_login(principal)

    response = client.post(reverse("plans:plan_draft", args=[plan_term.pk]))

    plan = plan_term.work_plans.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:plan_detail", args=[plan.pk]
    )
    assert plan.items.exists()


def test_a_class_teacher_cannot_add_an_item(client, class_teacher, plan, this_month):
    client.force_login(class_teacher)

    response = client.post(
        reverse("plans:item_create", args=[plan.pk]),
        {"month": this_month.isoformat(), "kind": "safety", "title": "安全教育",
         "responsible": class_teacher.pk},
    )  # fmt: skip

    assert response.status_code == 403
    assert not plan.items.exists()


def test_a_date_outside_the_items_month_is_refused_beside_the_field(
    client, principal, plan, this_month
):
    client.force_login(principal)
    outside = this_month - datetime.timedelta(days=3)

    response = client.post(
        reverse("plans:item_create", args=[plan.pk]),
        {"month": this_month.isoformat(), "on_date": outside.isoformat(), "kind": "safety",
         "title": "安全教育", "responsible": principal.pk},
    )  # fmt: skip

    assert response.status_code == 200
    assert "日期须在所选月份内" in response.content.decode()
    assert not plan.items.exists()


# Held, due, 未落实 -------------------------------------------------------------------------


def test_an_event_of_the_items_kind_in_its_month_holds_it_and_an_unheld_one_is_missed(
    client, principal, moral_lead, plan, add_item, last_month
):
    held = add_item(last_month, "symposium", "监护人座谈会", moral_lead)
    missed = add_item(last_month, "parent_meeting", "期中家长会")
    event = _event(moral_lead, "symposium", last_month + datetime.timedelta(days=9))
    client.force_login(principal)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    held_row = page.split(f'data-item="{held.pk}"')[1].split("</li>")[0]
    missed_row = page.split(f'data-item="{missed.pk}"')[1].split("</li>")[0]
    assert 'data-status="held"' in held_row and "✓" in held_row
    assert reverse("events:event_detail", args=[event.pk]) in held_row
    assert 'data-status="missed"' in missed_row and "未落实" in missed_row
    assert "未落实 1 项" in page


def test_the_principals_dashboard_names_the_items_not_held(
    client, principal, plan, add_item, last_month, this_month
):
    add_item(last_month, "mental_health", "心理健康教育课")
    add_item(this_month, "safety", "冬季安全教育")  # its month is not over
    client.force_login(principal)

    page = client.get(reverse("reports:dashboard")).content.decode()

    alert = page.split("data-plan-missed")[1].split("</div>")[0]
    assert "工作计划 1 项未落实" in alert and "心理健康教育课" in alert
    assert "冬季安全教育" not in alert
    assert reverse("plans:plan_detail", args=[plan.pk]) in alert


def test_a_voided_event_holds_nothing(principal, moral_lead, plan, add_item, last_month):
    item = add_item(last_month, "symposium", "座谈会")
    event = _event(moral_lead, "symposium", last_month)
    events_services.event_void(actor=moral_lead, event=event, reason="登记错了")

    view = selectors.plan_view(plan=plan, today=timezone.localdate())

    assert [row.status for month in view.months for row in month.rows if row.item == item] == [
        "missed"
    ]


def test_one_event_holds_one_item_of_its_kind(principal, moral_lead, plan, add_item, last_month):
    add_item(last_month, "safety", "防溺水安全教育")
    add_item(last_month, "safety", "交通安全教育")
    _event(moral_lead, "safety", last_month)

    view = selectors.plan_view(plan=plan, today=timezone.localdate())

    assert sorted(row.status for m in view.months for row in m.rows) == ["held", "missed"]


def test_the_responsible_teacher_marks_a_task_done(
    client, class_teacher, plan, add_item, this_month
):
    item = add_item(this_month, "aid_check", "减免落实情况检查", class_teacher)
    client.force_login(class_teacher)

    response = client.post(
        reverse("plans:item_done", args=[item.pk]),
        {"done_on": timezone.localdate().isoformat(), "done_note": "减免名单已核对"},
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_by == class_teacher and item.done_note == "减免名单已核对"
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    row = page.split(f'data-item="{item.pk}"')[1].split("</li>")[0]
    assert 'data-status="held"' in row and "减免名单已核对" in row


def test_another_teacher_cannot_mark_it_done(
    client, other_teacher, class_teacher, add_item, this_month
):
    item = add_item(this_month, "aid_check", "减免检查", class_teacher)
    client.force_login(other_teacher)

    response = client.post(
        reverse("plans:item_done", args=[item.pk]), {"done_on": timezone.localdate()}
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.done_on is None


def test_an_event_item_is_not_marked_done_by_hand(principal, add_item, this_month):
    item = add_item(this_month, "parent_meeting", "家长会")

    with pytest.raises(ValidationError):
        services.item_mark_done(
            actor=principal, item=item, done_on=timezone.localdate(), note="开了"
        )


def test_a_census_round_opened_in_the_month_holds_the_census_item(
    admin_user, plan, add_item, this_month
):
    from registry import services as registry_services

    item = add_item(this_month, "census", "摸底普查")
    registry_services.census_round_open(
        actor=admin_user, name="普查", closes_on=timezone.localdate()
    )

    view = selectors.plan_view(plan=plan, today=timezone.localdate())

    row = next(row for m in view.months for row in m.rows if row.item == item)
    assert row.status == "held" and row.census


def test_a_voided_item_leaves_the_calendar_and_keeps_its_reason(
    client, principal, add_item, this_month
):
    item = add_item(this_month, "safety", "冬季安全教育")
    client.force_login(principal)

    client.post(reverse("plans:item_void", args=[item.pk]), {"void_reason": "并入家长会"})

    item.refresh_from_db()
    assert item.voided_at is not None and item.void_reason == "并入家长会"
    assert PlanItem.objects.filter(pk=item.pk).exists()
    assert "冬季安全教育" not in client.get(reverse("plans:calendar")).content.decode()


# The calendar ------------------------------------------------------------------------------


def test_the_calendar_shows_the_months_items_and_events(
    client, class_teacher, moral_lead, add_item, this_month, last_month
):
    add_item(this_month, "mental_health", "心理健康教育课", moral_lead)
    add_item(last_month, "parent_meeting", "期中家长会")
    _event(moral_lead, "birthday", this_month)
    client.force_login(class_teacher)

    page = client.get(reverse("plans:calendar")).content.decode()
    earlier = client.get(
        reverse("plans:calendar"), {"month": last_month.strftime("%Y-%m")}
    ).content.decode()

    assert "心理健康教育课" in page and "生日会" in page and "期中家长会" not in page
    assert "期中家长会" in earlier and 'data-status="missed"' in earlier
    assert "data-mine" not in page  # the class teacher answers for none of them


def test_the_responsible_person_finds_a_button_on_the_calendar(
    client, class_teacher, add_item, this_month
):
    item = add_item(this_month, "aid_check", "减免检查", class_teacher)
    client.force_login(class_teacher)

    page = client.get(reverse("plans:calendar")).content.decode()

    assert reverse("plans:item_done", args=[item.pk]) in page


def test_the_calendar_shows_the_days_a_room_was_open(client, admin_user, class_teacher):
    from rooms import services as rooms_services

    today = timezone.localdate()
    room = rooms_services.room_save(actor=admin_user, name="亲情聊天室", kind="chat")
    slot = rooms_services.slot_create(
        actor=admin_user, room=room, weekday=today.weekday(), starts_at=datetime.time(15),
        ends_at=datetime.time(16), on_duty=[class_teacher],
    )  # fmt: skip
    rooms_services.opening_record(actor=class_teacher, slot=slot, day=today)
    client.force_login(class_teacher)

    page = client.get(reverse("plans:calendar")).content.decode()

    assert "亲情聊天室开放" in page


def _calendar_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(reverse("plans:calendar")).status_code == 200


def test_the_calendar_takes_the_same_queries_however_many_items_and_events(
    client, principal, moral_lead, add_item, this_month, django_assert_num_queries
):
    client.force_login(principal)
    add_item(this_month, "census", "普查", on_date=this_month)
    _event(moral_lead, "safety", this_month)
    # session, user; events, items, census rounds, room openings; the term; unread
    # notifications (the menu)
    _calendar_queries(client, django_assert_num_queries, 8)
    for day in range(3):
        add_item(this_month, "safety", f"安全{day}", on_date=this_month)
        add_item(this_month, "aid_check", f"检查{day}")
        _event(moral_lead, "symposium", this_month)
    _calendar_queries(client, django_assert_num_queries, 8)


def test_the_plan_page_takes_the_same_queries_however_many_items(
    client, principal, moral_lead, add_item, plan, this_month, last_month,
    django_assert_num_queries,
):  # fmt: skip
    client.force_login(principal)
    add_item(this_month, "census", "普查")
    url = reverse("plans:plan_detail", args=[plan.pk])
    # session, user; the plan; its items; events; census rounds; unread notifications (menu)
    with django_assert_num_queries(7):
        client.get(url)
    for month in (this_month, last_month):
        add_item(month, "safety", "安全", moral_lead)
        add_item(month, "aid_check", "检查", moral_lead)
        _event(moral_lead, "safety", month)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


# 我的待办 ----------------------------------------------------------------------------------


def test_the_responsible_person_finds_this_months_items_in_the_work_list(
    class_teacher, other_teacher, moral_lead, add_item, this_month, last_month
):
    add_item(this_month, "aid_check", "减免检查", class_teacher)
    add_item(this_month, "safety", "安全教育", class_teacher)
    add_item(this_month, "symposium", "座谈会", other_teacher)
    add_item(last_month, "archive", "档案整理", class_teacher)  # its month is over
    held = add_item(this_month, "mental_health", "心理课", class_teacher)
    _event(moral_lead, "mental_health", held.period.start)
    today = timezone.localdate()

    items = selectors.due_plan_items(class_teacher, today)

    assert sorted(item.label for item in items) == ["工作计划：减免检查", "工作计划：安全教育"]
    safety = next(item for item in items if "安全" in item.label)
    assert safety.url.startswith(reverse("events:event_create") + "?kind=safety&occurred_on=")
    assert safety.action == "登记活动"
    aid = next(item for item in items if "减免" in item.label)
    assert aid.url == reverse("plans:item_done", args=[aid_pk(class_teacher)])
    assert any(i.label == "工作计划：减免检查" for i in work_of(user=class_teacher).due)
    assert [i.label for i in selectors.due_plan_items(other_teacher, today)] == ["工作计划：座谈会"]


def aid_pk(user):
    return PlanItem.objects.get(responsible=user, kind="aid_check").pk


def test_the_work_list_provider_takes_the_same_queries_however_many_items(
    class_teacher, add_item, this_month, django_assert_num_queries
):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        assert selectors.due_plan_items(class_teacher, today) == []
    add_item(this_month, "census", "普查", class_teacher)
    with django_assert_num_queries(3):  # items, events, census rounds
        selectors.due_plan_items(class_teacher, today)
    for n in range(4):
        add_item(this_month, "safety", f"安全{n}", class_teacher)
        add_item(this_month, "census", f"普查{n}", class_teacher)
    with django_assert_num_queries(3):
        assert len(selectors.due_plan_items(class_teacher, today)) == 9


# The PDF and the summary -------------------------------------------------------------------


def test_the_plan_prints_in_embedded_fonts_with_its_items_month_by_month(
    client, principal, moral_lead, plan, add_item, this_month, last_month
):
    add_item(last_month, "symposium", "帮扶教师和监护人座谈会", moral_lead, produces="会议记录")
    add_item(last_month, "parent_meeting", "期中家长会")
    add_item(this_month, "aid_check", "减免落实情况检查")
    _event(moral_lead, "symposium", last_month + datetime.timedelta(days=4))
    client.force_login(principal)

    response = client.get(reverse("plans:plan_pdf", args=[plan.pk]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    fonts = fonts_of(reader)
    assert fonts and all(is_embedded(font) for font in fonts)
    text = text_of(reader).replace("\n", "")
    assert "本学期关爱留守儿童工作计划" in text
    assert "一、指导思想与工作目标" in text and "二、工作安排" in text
    assert f"{last_month.month}月" in text and "帮扶教师和监护人座谈会" in text
    assert "会议记录" in text and "✓" in text and "未落实" in text
    assert text.index("期中家长会") < text.index("减免落实情况检查")


def test_the_summarys_next_steps_are_drafted_from_the_next_terms_plan(principal, plan_term):
    following = Term.objects.create(
        school_year=plan_term.school_year, number=2,
        start_date=plan_term.end_date + datetime.timedelta(days=20),
        end_date=plan_term.end_date + datetime.timedelta(days=160),
    )  # fmt: skip
    before = term_report_of(school=principal.school, term=plan_term).plans
    plan = services.plan_draft(actor=principal, term=following)
    first = plan.items.order_by("month", "pk").first()

    drafted = term_report_of(school=principal.school, term=plan_term).plans

    assert "做到底数清" in before  # the usual wording without a plan
    assert drafted.startswith(f"下学期按《{plan.title}》逐月落实以下工作：")
    assert f"1、{selectors.month_label(first.month)}：{first.title}" in drafted


def test_the_demo_school_has_this_terms_plan_mostly_held_and_a_draft_for_the_next(db):
    from demo.school import seed_demo

    result = seed_demo(pupils=200, seed=3, replace=False)
    today = timezone.localdate()
    term = Term.objects.current(result.school.pk, today)
    plan = term.work_plans.get()

    view = selectors.plan_view(plan=plan, today=today)

    past = [row for m in view.months for row in m.rows if row.item.period.end < today]
    if past:  # the demo seeded on the first days of a term has no past month yet
        assert view.missed <= 2 and view.held >= len(past) - 2
    teacher = result.school.staff.get(username="teacher")
    if today <= term.end_date:
        assert selectors.due_plan_items(teacher, today)
    following = Term.objects.filter(
        school_year__school=result.school, start_date__gt=term.end_date
    ).first()
    if following is not None:
        assert following.work_plans.get().items.exists()


def test_an_item_outside_the_term_is_refused(principal, plan, plan_term):
    after = (plan_term.end_date + datetime.timedelta(days=62)).replace(day=1)

    with pytest.raises(ValidationError) as caught:
        services.item_save(
            actor=principal, plan=plan, month=after, kind="safety", title="安全教育",
            responsible=principal,
        )  # fmt: skip

    assert "month" in caught.value.message_dict


def test_the_moral_lead_moves_an_item_to_another_month_and_another_teacher(
    client, moral_lead, class_teacher, add_item, this_month, last_month
):
    item = add_item(last_month, "mental_health", "心理健康教育课")
    client.force_login(moral_lead)

    response = client.post(
        reverse("plans:item_edit", args=[item.pk]),
        {"month": this_month.isoformat(), "kind": "mental_health", "title": "心理健康教育课",
         "responsible": class_teacher.pk, "produces": "教案、照片"},
    )  # fmt: skip

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.month, item.responsible, item.produces) == (
        this_month,
        class_teacher,
        "教案、照片",
    )
    assert [i.label for i in selectors.due_plan_items(class_teacher, timezone.localdate())] == [
        "工作计划：心理健康教育课"
    ]


def test_the_edit_form_shows_the_items_own_month_and_responsible(
    client, moral_lead, class_teacher, add_item, last_month
):
    item = add_item(last_month, "mental_health", "心理健康教育课", class_teacher)
    client.force_login(moral_lead)

    form = client.get(reverse("plans:item_edit", args=[item.pk])).context["form"]

    assert form.initial["month"] == last_month.isoformat()
    assert form.initial["responsible"] == class_teacher.pk


def test_another_schools_plan_is_not_found(client, plan):
    from registry.models import Role, School, User

    elsewhere = School.objects.create(name="别的学校")
    stranger = User.objects.create(
        username="stranger", school=elsewhere, roles=[Role.PRINCIPAL], password="x"
    )
    item = plan.items.create(
        month=plan.term.start_date.replace(day=1), kind="task", title="其他",
        responsible=plan.author,
    )  # fmt: skip
    client.force_login(stranger)

    for url in (
        reverse("plans:plan_detail", args=[plan.pk]),
        reverse("plans:plan_pdf", args=[plan.pk]),
        reverse("plans:item_done", args=[item.pk]),
        reverse("plans:item_edit", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404
    assert "其他" not in client.get(reverse("plans:calendar")).content.decode()


@pytest.mark.parametrize(
    ("method", "name", "takes"),
    [
        ("get", "plans:plan_draft", "term"),
        ("post", "plans:calendar", None),
        ("post", "plans:plan_detail", "plan"),
        ("post", "plans:plan_pdf", "plan"),
        ("put", "plans:item_done", "item"),
    ],
)
def test_a_request_with_the_wrong_method_is_refused(
    client, principal, plan, add_item, this_month, method, name, takes
):
    item = add_item(this_month, "task", "其他")
    args = {"term": [plan.term_id], "plan": [plan.pk], "item": [item.pk], None: []}[takes]
    client.force_login(principal)

    assert getattr(client, method)(reverse(name, args=args)).status_code == 405


def test_printing_the_plan_is_logged(client, principal, plan):
    from registry.models import AccessLog

    client.force_login(principal)
    client.get(reverse("plans:plan_pdf", args=[plan.pk]))

    log = AccessLog.objects.filter(actor=principal, action=AccessLog.Action.PDF).get()
    assert plan.title in log.detail
