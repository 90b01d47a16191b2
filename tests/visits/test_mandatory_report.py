"""疑似遭受侵害: a suspected abuse is reported to 公安 or 民政 (强制报告, 未成年人保护法 art. 11)
as a timed step, and the emergency cannot be closed until it is."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from registry.models import AccessLog
from tests.visits.test_emergencies import emergency, step
from visits import services
from visits.models import EmergencyStep

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def abuse(class_teacher, principal, pupil):
    """A suspected abuse three hours ago, with steps A and B done."""
    item = emergency(class_teacher, [pupil], kind="abuse", description="身上多处淤青，说是被打的")
    step(class_teacher, item, "A")
    step(principal, item, "B", hours_ago=1)
    return item


def _close(client, principal, item):
    client.force_login(principal)
    return client.post(
        reverse("visits:emergency_close", args=[item.pk]),
        {"outcome": "已交公安处理", "not_reported_reason": "已报公安"},
    )


def test_an_abuse_emergency_cannot_be_closed_without_the_mandatory_report(
    client, principal, abuse
):
    with pytest.raises(ValidationError) as caught:
        services.emergency_close(
            actor=principal, emergency=abuse, outcome="已处理", not_reported_reason="已报公安"
        )
    page = _close(client, principal, abuse)

    assert "必须先向公安或民政报告（强制报告）" in str(caught.value)
    assert page.status_code == 200
    assert "必须先向公安或民政报告（强制报告）" in page.content.decode()
    assert "data-close-error" in page.content.decode()
    abuse.refresh_from_db()
    assert abuse.is_open


def test_once_reported_to_the_police_an_abuse_emergency_can_be_closed(
    client, class_teacher, principal, pupil, abuse
):
    client.force_login(class_teacher)
    # Two hours after the abuse (its time has seconds, the form minutes).
    reported_at = timezone.localtime() - HOUR
    response = client.post(
        reverse("visits:emergency_report", args=[abuse.pk]),
        {
            "authorities": "both",
            "done_at": reported_at.strftime("%Y-%m-%dT%H:%M"),
            "persons": "李校长",
            "receipt": "JJ2026-0412",
        },
    )
    page = client.get(reverse("visits:emergency_detail", args=[abuse.pk])).content.decode()
    closed = _close(client, principal, abuse)

    assert response.status_code == 302
    report = abuse.steps.get(step=EmergencyStep.Step.MANDATORY)
    assert (report.authorities, report.persons, report.receipt) == ("both", "李校长", "JJ2026-0412")
    assert "data-reported" in page and "报告公安和民政，在事件发生后 1\xa0小时，59\xa0分钟" in page
    assert "JJ2026-0412" in page
    assert AccessLog.objects.filter(
        actor=class_teacher, pupil=pupil, detail="强制报告：已报告公安和民政"
    ).exists()
    assert closed.status_code == 302
    abuse.refresh_from_db()
    assert not abuse.is_open


def test_the_report_says_to_whom_and_gives_a_receipt_or_a_note(client, class_teacher, abuse):
    client.force_login(class_teacher)
    response = client.post(
        reverse("visits:emergency_report", args=[abuse.pk]),
        {"done_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "persons": "李校长"},
    )

    errors = response.context["report_form"].errors
    assert "authorities" in errors and "receipt" in errors
    assert not abuse.steps.filter(step="R").exists()
    with pytest.raises(ValidationError):
        services.emergency_step_record(
            actor=class_teacher, emergency=abuse, step="R", done_at=timezone.now(),
            persons="李校长", authorities="police",
        )  # fmt: skip
    services.emergency_step_record(
        actor=class_teacher, emergency=abuse, step="R", done_at=timezone.now(),
        persons="李校长", authorities="police", note="电话报告派出所，接报民警王警官",
    )  # fmt: skip
    assert abuse.steps.filter(step="R", authorities="police").exists()


def test_the_page_shows_how_long_an_unreported_abuse_has_waited(client, principal, abuse):
    client.force_login(principal)

    page = client.get(reverse("visits:emergency_detail", args=[abuse.pk])).content.decode()

    assert "data-mandatory-report" in page
    assert "尚未报告公安或民政：事件发生已 3" in page
    assert "尚未登记强制报告，不能结案。" in page


def test_only_a_suspected_abuse_takes_the_mandatory_report(client, class_teacher, pupil):
    injury = emergency(class_teacher, [pupil])

    with pytest.raises(ValidationError):
        services.emergency_step_record(
            actor=class_teacher, emergency=injury, step="R", done_at=timezone.now(),
            persons="李校长", authorities="police", receipt="1",
        )  # fmt: skip
    client.force_login(class_teacher)
    page = client.get(reverse("visits:emergency_detail", args=[injury.pk])).content.decode()
    assert "data-mandatory-report" not in page and "强制报告" not in page
