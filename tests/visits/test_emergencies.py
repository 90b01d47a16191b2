"""Emergencies in three steps, open until the principal closes them; the dropout watch."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from pairing import services as pairing_services
from registry.models import AccessLog
from visits import services
from visits.models import DropoutCase, Emergency

HOUR = datetime.timedelta(hours=1)


def emergency(actor, pupils, **fields) -> Emergency:
    values = {"kind": "injury", "occurred_at": timezone.now() - 3 * HOUR, "description": "课间摔倒"}
    return services.emergency_create(actor=actor, pupils=pupils, **(values | fields))


def step(actor, item, which, hours_ago=2, persons="张老师、李校长") -> None:
    services.emergency_step_record(
        actor=actor,
        emergency=item,
        step=which,
        done_at=timezone.now() - hours_ago * HOUR,
        persons=persons,
    )


# --- emergencies -----------------------------------------------------------------------------


def test_an_open_emergency_stands_out_on_the_principals_home_page_until_closed(
    client, class_teacher, principal, pupil
):
    item = emergency(class_teacher, [pupil], place="操场")
    client.force_login(principal)

    before = client.get(reverse("home")).content.decode()
    step(class_teacher, item, "A")
    step(principal, item, "B", hours_ago=1)
    services.emergency_close(
        actor=principal, emergency=item, outcome="已送医，无大碍", not_reported_reason="轻微擦伤"
    )
    after = client.get(reverse("home")).content.decode()

    assert "1 起突发事件正在处置" in before and "操场" in before
    assert "突发事件正在处置" not in after


def test_steps_are_recorded_once_each_with_a_time_after_the_event(class_teacher, pupil):
    item = emergency(class_teacher, [pupil])
    step(class_teacher, item, "A")

    with pytest.raises(ValidationError) as twice:
        step(class_teacher, item, "A")
    with pytest.raises(ValidationError) as too_early:
        step(class_teacher, item, "B", hours_ago=5)
    with pytest.raises(ValidationError) as in_future:
        step(class_teacher, item, "B", hours_ago=-1)

    assert twice.value.message_dict == {"step": ["这一步已经登记过了。"]}
    assert too_early.value.message_dict == {"done_at": ["处置时间不能早于事件发生时间。"]}
    assert in_future.value.message_dict == {"done_at": ["时间不能晚于现在。"]}


def test_closing_needs_steps_a_and_b_and_a_reason_when_c_was_not_taken(
    principal, class_teacher, pupil
):
    item = emergency(class_teacher, [pupil])
    step(class_teacher, item, "A")

    with pytest.raises(ValidationError) as refused:
        services.emergency_close(actor=principal, emergency=item, outcome="处理完毕")

    assert refused.value.message_dict == {
        "outcome": ["结案前请先登记：B. 第一时间联系在外父母。"],
        "not_reported_reason": ["没有报告教育办和当地政府的，请说明原因。"],
    }
    step(principal, item, "B", hours_ago=1)
    step(principal, item, "C", hours_ago=1, persons="李校长")
    closed = services.emergency_close(actor=principal, emergency=item, outcome="处理完毕")
    assert closed.closed_by == principal and not closed.is_open
    with pytest.raises(ValidationError, match="已结案"):
        step(principal, closed, "A")


def test_a_step_with_an_error_keeps_what_was_typed_on_the_page(client, class_teacher, pupil):
    item = emergency(class_teacher, [pupil])
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:emergency_step", args=[item.pk]),
        {"step": "A", "done_at": "", "persons": "张老师", "note": "送卫生院"},
    )

    assert response.status_code == 200
    form = response.context["step_form"]
    assert "done_at" in form.errors and form["note"].value() == "送卫生院"
    assert item.steps.count() == 0


def test_a_teacher_reports_an_emergency_in_the_browser_and_the_steps_follow(
    client, class_teacher, principal, pupil
):
    client.force_login(class_teacher)
    now = timezone.localtime()

    created = client.post(
        reverse("visits:emergency_create"),
        {
            "kind": "missing",
            "occurred_at": (now - HOUR).strftime("%Y-%m-%dT%H:%M"),
            "place": "放学路上",
            "pupils": [pupil.pk],
            "description": "放学后未到家，奶奶来电",
        },
    )
    item = Emergency.objects.get()
    client.post(
        reverse("visits:emergency_step", args=[item.pk]),
        {"step": "A", "done_at": now.strftime("%Y-%m-%dT%H:%M"), "persons": "张老师"},
    )
    page = client.get(reverse("visits:emergency_detail", args=[item.pk])).content.decode()

    assert created["Location"] == reverse("visits:emergency_detail", args=[item.pk])
    assert item.steps.get().persons == "张老师"
    assert "尚未登记" in page  # B and C
    assert AccessLog.objects.filter(pupil=pupil, detail="登记突发事件：走失或未到校").exists()


def test_an_emergency_is_read_only_within_the_childs_scope(
    client, class_teacher, other_teacher, pupil
):
    item = emergency(class_teacher, [pupil])
    client.force_login(other_teacher)

    assert client.get(reverse("visits:emergency_detail", args=[item.pk])).status_code == 404
    assert item.pk not in [
        e.pk for e in client.get(reverse("visits:emergency_list")).context["page"]
    ]


def test_a_closed_emergency_needs_an_outcome_in_the_database(class_teacher, pupil):
    item = emergency(class_teacher, [pupil])

    with pytest.raises(IntegrityError):
        Emergency.objects.filter(pk=item.pk).update(closed_at=timezone.now())


# --- dropout watch ---------------------------------------------------------------------------


def test_a_class_teacher_watches_reports_and_persuades_a_child_back(class_teacher, pupil):
    case = services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="常缺课，想去打工")
    services.dropout_action_add(
        actor=class_teacher, case=case, kind="report", note="报告教育办", status_after="dropped_out"
    )
    services.dropout_action_add(
        actor=class_teacher, case=case, kind="persuade", note="家访劝返", status_after="returned"
    )

    case.refresh_from_db()
    assert (case.status, case.closed_on) == ("returned", timezone.localdate())
    assert [a.kind for a in case.actions.all()] == ["report", "persuade"]
    with pytest.raises(ValidationError, match="个案已结束"):
        services.dropout_action_add(
            actor=class_teacher, case=case, kind="monitor", note="x", status_after="at_risk"
        )
    # A child at risk again gets a new case; the old one stays.
    services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="又开始缺课")
    assert DropoutCase.objects.filter(pupil=pupil).count() == 2


def test_a_child_has_one_open_dropout_case(class_teacher, pupil):
    services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="厌学")

    with pytest.raises(ValidationError, match="已在控辍保学名单中"):
        services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="厌学")
    with pytest.raises(IntegrityError):
        DropoutCase.objects.create(
            school=pupil.school, pupil=pupil, reason="x", opened_by=class_teacher
        )


def test_a_counsellor_reads_a_dropout_case_but_does_not_manage_it(
    client, class_teacher, counsellor, admin_user, pair_teacher, pupil
):
    case = services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="厌学")
    pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
    )

    with pytest.raises(PermissionDenied):
        services.dropout_action_add(
            actor=counsellor, case=case, kind="monitor", note="x", status_after="at_risk"
        )
    services.dropout_action_add(
        actor=pair_teacher, case=case, kind="persuade", note="电话劝说父母", status_after="at_risk"
    )
    client.force_login(counsellor)
    page = client.get(reverse("visits:dropout_detail", args=[case.pk]))
    refused = client.post(
        reverse("visits:dropout_detail", args=[case.pk]),
        {"kind": "monitor", "done_on": "2026-11-01", "note": "x", "status_after": "at_risk"},
    )
    assert page.status_code == 200 and "电话劝说父母" in page.content.decode()
    assert refused.status_code == 403


def test_a_dropout_action_with_an_error_keeps_what_was_typed(client, class_teacher, pupil):
    case = services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="厌学")
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:dropout_detail", args=[case.pk]),
        {
            "kind": "persuade",
            "done_on": "2000-01-01",
            "note": "到家劝返",
            "status_after": "at_risk",
        },
    )

    assert response.context["form"].errors == {"done_on": ["日期不能早于发现日期。"]}
    assert response.context["form"]["note"].value() == "到家劝返"
    assert case.actions.count() == 0


def test_the_archive_shows_the_open_emergency_and_the_dropout_case(client, class_teacher, pupil):
    emergency(class_teacher, [pupil])
    services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="厌学")
    client.force_login(class_teacher)

    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    assert "突发事件处置中" in page and "意外伤害" in page
    assert "控辍保学：有辍学风险" in page
