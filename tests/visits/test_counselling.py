"""Counselling records: their structure (presented, risk, plan, referral, follow-up), as
confidential as their content; the follow-up on the counsellor's list; a high-risk record
alerts the principal, without content, until marked seen."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from registry.models import AccessLog
from tests.registry.test_pdf import text_of
from tests.reports.test_growth_archive import growth_pdf
from visits import selectors, services
from visits.models import CareRecord, RiskAcknowledgement

TODAY = timezone.localdate()
PRESENTED = "夜里常哭，说不想回家"
PLAN = "每周一次个别辅导，联系在外的妈妈"


def _ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def counselling(counsellor, pupils, **fields) -> CareRecord:
    values = {"content": "个别辅导", "presented": PRESENTED, "risk_level": "medium", "plan": PLAN}
    return services.record_create(
        actor=counsellor, pupils=pupils, kind="counselling", **(values | fields)
    )


# --- the structure ---------------------------------------------------------------------------


def test_a_counsellor_records_a_sessions_structure_on_the_form(client, counsellor, pupil):
    client.force_login(counsellor)
    response = client.post(
        reverse("visits:record_create"),
        {
            "kind": "counselling",
            "occurred_on": _ago(2).isoformat(),
            "pupils": [pupil.pk],
            "content": "第一次个别辅导",
            "presented": PRESENTED,
            "risk_level": "high",
            "plan": PLAN,
            "referral_to": "hospital",
            "referral_note": "县人民医院心理科",
            "referred_on": _ago(1).isoformat(),
            "next_session_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
        },
    )

    record = CareRecord.objects.get()
    assert response.status_code == 302
    assert (record.presented, record.risk_level, record.plan) == (PRESENTED, "high", PLAN)
    assert (record.referral_to, record.referral_note) == ("hospital", "县人民医院心理科")
    assert record.referred_on == _ago(1)
    assert record.next_session_on == TODAY + datetime.timedelta(days=7)


def test_the_form_asks_a_counselling_record_what_was_presented_and_its_risk(
    client, counsellor, pupil
):
    client.force_login(counsellor)
    response = client.post(
        reverse("visits:record_create"),
        {"kind": "counselling", "occurred_on": TODAY.isoformat(), "pupils": [pupil.pk],
         "content": "辅导", "referral_to": "police"},
    )  # fmt: skip

    errors = response.context["form"].errors
    assert errors["presented"] == ["请填写主诉和表现。"]
    assert errors["risk_level"] == ["请选择风险等级。"]
    assert errors["referred_on"] == ["请填写转介日期。"]
    assert not CareRecord.objects.exists()


def test_only_a_counselling_record_has_a_risk_level_or_a_follow_up_date(class_teacher, pupil):
    with pytest.raises(ValidationError) as caught:
        services.record_create(
            actor=class_teacher, pupils=[pupil], kind="talk", content="谈心", risk_level="high"
        )

    assert "只有心理辅导记录" in str(caught.value)


def test_the_structure_is_shown_only_to_those_who_read_counselling(
    client, users_by_role, counsellor, pupil
):
    record = counselling(counsellor, [pupil], referral_to="womens_federation", referred_on=TODAY)
    url = reverse("visits:record_detail", args=[record.pk])

    seen = {}
    for role in ("admin", "principal", "class_teacher", "pair_teacher", "counsellor"):
        client.force_login(users_by_role[role])
        page = client.get(url).content.decode()
        listed = client.get(reverse("visits:record_list")).content.decode()
        archive = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
        shown = [PRESENTED in page, PLAN in page, "妇联" in page]
        assert PRESENTED not in listed and PRESENTED not in archive
        seen[role] = all(shown) if any(shown) else False

    assert seen == {
        "admin": False,
        "principal": True,
        "class_teacher": False,
        "pair_teacher": False,
        "counsellor": True,
    }


def test_the_growth_archive_prints_the_structure_only_for_its_readers(
    client, principal, counsellor, class_teacher, admin_user, pupil
):
    counselling(counsellor, [pupil], risk_level="high", referral_to="police", referred_on=TODAY)

    for reader in (principal, counsellor):
        text = text_of(growth_pdf(client, reader, pupil))
        assert PRESENTED in text and PLAN in text and "风险等级" in text
    for other in (class_teacher, admin_user):
        text = text_of(growth_pdf(client, other, pupil))
        assert PRESENTED not in text and PLAN not in text and "风险等级" not in text
        assert "心理辅导内容保密" in text


def test_a_correction_of_the_risk_level_is_kept_in_the_records_history(counsellor, pupil):
    record = counselling(counsellor, [pupil], risk_level="low")

    revision = services.record_correct(
        actor=counsellor, record=record, changes={"risk_level": "high"}
    )

    assert revision.changes == [
        {"key": "risk_level", "field": "风险等级", "old": "低", "new": "高"}
    ]


# --- the follow-up on the counsellor's list -----------------------------------------------


def _follow_ups(work) -> list:
    return [item for item in work.overdue + work.due if item.kind == "counselling"]


def test_the_follow_up_date_is_on_the_counsellors_list_until_the_follow_up_is_recorded(
    counsellor, pupil
):
    due_on = TODAY + datetime.timedelta(days=5)
    counselling(counsellor, [pupil], occurred_on=_ago(2), next_session_on=due_on)

    before = selectors.work_of(user=counsellor)
    counselling(counsellor, [pupil], occurred_on=TODAY)
    after = selectors.work_of(user=counsellor)

    [item] = _follow_ups(before)
    assert (item.pupil, item.due_on, item.label) == (pupil, due_on, "心理辅导随访")
    assert not item.overdue and item in before.due
    assert _follow_ups(after) == []


def test_a_follow_up_is_overdue_after_its_date_and_a_void_follow_up_does_not_clear_it(
    counsellor, pupil
):
    counselling(counsellor, [pupil], occurred_on=_ago(10), next_session_on=_ago(3))
    follow_up = counselling(counsellor, [pupil], occurred_on=TODAY)
    services.record_void(actor=counsellor, record=follow_up, reason="记错了")

    work = selectors.work_of(user=counsellor)

    [item] = _follow_ups(work)
    assert item.overdue and item in work.overdue


def test_the_counsellors_home_page_leads_with_the_follow_up(client, counsellor, pupil):
    counselling(counsellor, [pupil], occurred_on=_ago(10), next_session_on=_ago(1))
    client.force_login(counsellor)

    page = client.get(reverse("home")).content.decode()

    assert "data-work-summary" in page and "心理辅导随访" in page
    assert f"pupil={pupil.pk}&amp;kind=counselling" in page


# --- the principal's alert ------------------------------------------------------------------


def test_a_high_risk_record_alerts_the_principal_without_its_content_until_marked_seen(
    client, principal, counsellor, pupil
):
    record = counselling(counsellor, [pupil], risk_level="high", content="说起想轻生")
    client.force_login(principal)

    before = client.get(reverse("home")).content.decode()
    seen = client.post(reverse("visits:record_seen", args=[record.pk]))
    after = client.get(reverse("home")).content.decode()

    assert "有1条高风险心理辅导记录需要关注" in before
    assert reverse("visits:record_detail", args=[record.pk]) in before
    for secret in ("说起想轻生", PRESENTED, PLAN, pupil.name):
        assert secret not in before
    assert seen.status_code == 302
    assert "高风险心理辅导记录" not in after
    assert RiskAcknowledgement.objects.filter(record=record, user=principal).exists()
    log = AccessLog.objects.get(actor=principal, detail="已阅高风险心理辅导提醒")
    assert log.pupil == pupil


def test_the_principal_marks_it_seen_from_the_record_itself(client, principal, counsellor, pupil):
    record = counselling(counsellor, [pupil], risk_level="high")
    client.force_login(principal)
    url = reverse("visits:record_detail", args=[record.pk])

    before = client.get(url).content.decode()
    client.post(reverse("visits:record_seen", args=[record.pk]))
    after = client.get(url).content.decode()

    assert "data-awaits-seen" in before and PRESENTED in before
    assert "data-awaits-seen" not in after


def test_only_the_principal_is_alerted_and_only_about_high_risk(
    users_by_role, principal, counsellor, pupil
):
    counselling(counsellor, [pupil], risk_level="medium")
    high = counselling(counsellor, [pupil], risk_level="high")

    alerted = {role for role, user in users_by_role.items() if selectors.high_risk_alerts(user)}

    assert alerted == {"principal"}
    assert list(selectors.high_risk_alerts(principal)) == [high]


def test_a_record_raised_to_high_risk_by_a_correction_alerts_the_principal(
    principal, counsellor, pupil
):
    record = counselling(counsellor, [pupil], risk_level="low")
    services.record_correct(actor=counsellor, record=record, changes={"risk_level": "high"})

    assert list(selectors.high_risk_alerts(principal)) == [record]


def test_only_a_live_high_risk_record_is_acknowledged_and_only_by_a_principal(
    principal, counsellor, pupil
):
    medium = counselling(counsellor, [pupil], risk_level="medium")
    high = counselling(counsellor, [pupil], risk_level="high")

    with pytest.raises(ValidationError):
        services.high_risk_acknowledge(actor=principal, record=medium)
    with pytest.raises(PermissionDenied):
        services.high_risk_acknowledge(actor=counsellor, record=high)


def test_the_alerts_take_one_query_however_many(
    django_assert_num_queries, principal, counsellor, pupil
):
    for _ in range(3):
        counselling(counsellor, [pupil], risk_level="high")

    with django_assert_num_queries(1):
        assert len(list(selectors.high_risk_alerts(principal))) == 3
