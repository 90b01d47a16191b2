"""Care records: who writes what, confidential counselling, corrections kept, 五必访 opening
and closing. (The pages come with the rest of issue 5.)"""

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing import services as pairing_services
from registry.models import AccessLog
from visits import selectors, services
from visits.models import CareRecord, CareSettings, Emergency, WatchEvent

TODAY = timezone.localdate


def talk(actor, pupils, **fields) -> CareRecord:
    return services.record_create(
        actor=actor, pupils=pupils, kind="talk", content="谈了学习和想念父母的事", **fields
    )


# --- who writes what -------------------------------------------------------------------------


def test_a_class_teacher_records_a_talk_with_a_child_of_their_class(class_teacher, pupil):
    record = talk(class_teacher, [pupil], guides_mind=True)

    assert list(record.pupils.all()) == [pupil]
    assert record.guides == ["心理上疏导"]
    log = AccessLog.objects.get(action=AccessLog.Action.RECORD)
    assert (log.actor, log.pupil, log.detail) == (class_teacher, pupil, "新建谈心记录")


def test_no_one_records_care_for_a_child_outside_their_scope(class_teacher, pupil, other_pupil):
    with pytest.raises(ValidationError) as caught:
        talk(class_teacher, [pupil, other_pupil])

    assert caught.value.message_dict == {"pupils": ["您不能为李小红记录这一类关爱。"]}
    assert not CareRecord.objects.exists()


def test_a_pair_teacher_records_for_their_paired_child(admin_user, pair_teacher, pupil):
    with pytest.raises(ValidationError):
        talk(pair_teacher, [pupil])
    pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
    )

    assert talk(pair_teacher, [pupil]).author == pair_teacher


def test_only_counsellors_and_the_administrator_record_counselling(
    class_teacher, counsellor, pupil
):
    with pytest.raises(ValidationError):
        services.record_create(actor=class_teacher, pupils=[pupil], kind="counselling", content="x")

    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="说起父母离家时哭了"
    )
    assert record.is_confidential


def test_counselling_content_is_read_only_by_counsellors_and_the_principal(
    users_by_role, counsellor, pupil
):
    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="保密内容"
    )

    readers = {
        role for role, user in users_by_role.items() if selectors.shows_content(user, record)
    }

    assert readers == {"principal", "counsellor"}
    # Those in scope still see that a session took place.
    assert record in selectors.records_visible_to(user=users_by_role["class_teacher"])


def test_records_are_visible_to_those_who_read_one_of_their_children(
    admin_user, class_teacher, other_teacher, pupil, other_pupil
):
    record = services.record_create(
        actor=admin_user, pupils=[pupil, other_pupil], kind="symposium", content="座谈会"
    )
    own = talk(class_teacher, [pupil])

    assert list(selectors.records_visible_to(user=other_teacher)) == [record]
    assert set(selectors.records_visible_to(user=class_teacher)) == {record, own}


# --- the record's own rules ------------------------------------------------------------------


def test_a_record_cannot_be_dated_in_the_future(class_teacher, pupil):
    with pytest.raises(ValidationError) as caught:
        talk(class_teacher, [pupil], occurred_on=TODAY() + datetime.timedelta(days=1))

    assert list(caught.value.message_dict) == ["occurred_on"]


def test_assistance_has_an_amount_in_yuan_or_items(admin_user, pupil):
    with pytest.raises(ValidationError):
        services.record_create(actor=admin_user, pupils=[pupil], kind="assistance", content="发放")

    record = services.record_create(
        actor=admin_user,
        pupils=[pupil],
        kind="assistance",
        content="生活补助",
        programme="两免一补",
        amount=decimal.Decimal("625.00"),
    )
    assert record.amount == decimal.Decimal("625.00")
    with pytest.raises(ValidationError):
        talk(admin_user, [pupil], amount=decimal.Decimal("10"))


def test_a_correction_keeps_the_old_value_in_the_history(class_teacher, pupil):
    record = talk(class_teacher, [pupil], problems="")

    revision = services.record_correct(
        actor=class_teacher, record=record, changes={"problems": "作业常不交"}
    )

    assert revision.changes == [
        {"key": "problems", "field": "发现的问题", "old": "", "new": "作业常不交"}
    ]
    assert services.record_correct(actor=class_teacher, record=record, changes={}) is None


def test_a_voided_record_stays_with_its_reason_and_reopens_what_it_answered(class_teacher, pupil):
    event = services.watch_event_create(actor=class_teacher, pupil=pupil, kind="low_mood")
    record = talk(class_teacher, [pupil])

    services.record_void(actor=class_teacher, record=record, reason="记错了学生")

    record.refresh_from_db()
    event.refresh_from_db()
    assert record.voided_at is not None and record.void_reason == "记错了学生"
    assert event.answered_by is None
    assert CareRecord.objects.count() == 1
    with pytest.raises(ValidationError):
        services.record_correct(actor=class_teacher, record=record, changes={"content": "x"})


# --- 五必访 ----------------------------------------------------------------------------------


def test_a_watch_event_makes_a_visit_due_within_the_schools_days(school, class_teacher, pupil):
    CareSettings.objects.create(school=school, watch_due_days=5)
    noticed = TODAY() - datetime.timedelta(days=7)

    event = services.watch_event_create(
        actor=class_teacher, pupil=pupil, kind="low_mood", noticed_on=noticed
    )

    assert event.due_on == noticed + datetime.timedelta(days=5)
    assert event.is_overdue()
    assert list(selectors.open_watch_events(user=class_teacher)) == [event]


def test_a_home_visit_or_talk_answers_the_open_events_and_other_kinds_do_not(class_teacher, pupil):
    event = services.watch_event_create(actor=class_teacher, pupil=pupil, kind="ill")

    services.record_create(actor=class_teacher, pupils=[pupil], kind="tutoring", content="辅导数学")
    assert WatchEvent.objects.get(pk=event.pk).answered_by is None

    visit = services.record_create(
        actor=class_teacher, pupils=[pupil], kind="home_visit", content="到家中看望"
    )
    assert WatchEvent.objects.get(pk=event.pk).answered_by == visit
    assert list(selectors.open_watch_events(user=class_teacher)) == []


def test_a_record_dated_before_the_event_does_not_answer_it(class_teacher, pupil):
    services.watch_event_create(actor=class_teacher, pupil=pupil, kind="quarrel")

    talk(class_teacher, [pupil], occurred_on=TODAY() - datetime.timedelta(days=3))

    assert WatchEvent.objects.get().answered_by is None


# --- pages -----------------------------------------------------------------------------------


def test_a_class_teacher_records_a_home_visit_on_the_form(client, class_teacher, pupil):
    client.force_login(class_teacher)
    form = client.get(reverse("visits:record_create") + f"?pupil={pupil.pk}")
    assert [str(pk) for pk in form.context["form"]["pupils"].value()] == [str(pupil.pk)]

    response = client.post(
        reverse("visits:record_create"),
        {
            "kind": "home_visit",
            "occurred_on": TODAY(),
            "pupils": [pupil.pk],
            "content": "和奶奶谈了孩子的作业",
            "guides_study": "on",
        },
    )

    record = CareRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:record_detail", args=[record.pk])
    assert record.guides == ["学习上辅导"]


def test_a_record_with_an_error_keeps_what_was_typed(client, class_teacher, pupil):
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:record_create"),
        {
            "kind": "talk",
            "occurred_on": TODAY() + datetime.timedelta(days=2),
            "pupils": [pupil.pk],
            "content": "很长的一段谈话内容",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["occurred_on"] == ["日期不能晚于今天。"]
    assert "很长的一段谈话内容" in response.content.decode()
    assert not CareRecord.objects.exists()


def test_a_teacher_cannot_pick_a_child_of_another_class(
    client, class_teacher, school_class, other_pupil
):
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:record_create"),
        {"kind": "talk", "occurred_on": TODAY(), "pupils": [other_pupil.pk], "content": "x"},
    )

    assert "pupils" in response.context["form"].errors
    assert not CareRecord.objects.exists()


def test_the_archive_shows_that_counselling_took_place_but_not_what_was_said(
    client, counsellor, class_teacher, principal, pupil
):
    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="说起父母离家时哭了"
    )

    for user, sees in ((class_teacher, False), (principal, True), (counsellor, True)):
        client.force_login(user)
        archive = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
        detail = client.get(reverse("visits:record_detail", args=[record.pk])).content.decode()
        assert "心理辅导" in archive
        assert ("说起父母离家时哭了" in archive) is sees
        assert ("说起父母离家时哭了" in detail) is sees


def test_a_watch_event_shows_on_the_archive_until_a_home_visit_answers_it_not_a_talk(
    client, counsellor, class_teacher, pupil
):
    client.force_login(counsellor)  # anyone who reads the child notes what they saw
    client.post(
        reverse("visits:watch_create", args=[pupil.pk]),
        {"kind": "low_mood", "noticed_on": TODAY(), "note": "课上一直低头"},
    )
    client.force_login(class_teacher)
    url = reverse("registry:pupil_detail", args=[pupil.pk])
    assert "必访：情绪不好" in client.get(url).content.decode()

    talk(class_teacher, [pupil])
    services.record_create(
        actor=class_teacher, pupils=[pupil], kind="phone_visit", content="电话询问奶奶"
    )
    assert "必访：情绪不好" in client.get(url).content.decode()

    services.record_create(actor=class_teacher, pupils=[pupil], kind="home_visit", content="家访")
    assert "必访：情绪不好" not in client.get(url).content.decode()


def test_a_phone_visit_answers_a_watch_event_where_the_school_allows(class_teacher, pupil, school):
    CareSettings.objects.create(school=school, phone_visits_answer_watch=True)
    event = services.watch_event_create(actor=class_teacher, pupil=pupil, kind="ill")

    call = services.record_create(
        actor=class_teacher, pupils=[pupil], kind="phone_visit", content="电话询问病情"
    )

    event.refresh_from_db()
    assert event.answered_by == call


def test_the_record_page_costs_the_same_queries_for_many_children_and_corrections(
    client, admin_user, class_teacher, school_class, pupil
):
    from tests.factories import make_pupil

    record = talk(class_teacher, [pupil])
    url = reverse("visits:record_detail", args=[record.pk])
    client.force_login(class_teacher)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    classmates = [make_pupil(actor=admin_user, school_class=school_class) for _ in range(3)]
    many = talk(class_teacher, [pupil, *classmates])
    for words in ("一", "二", "三"):
        services.record_correct(actor=class_teacher, record=many, changes={"problems": words})

    with CaptureQueriesContext(connection) as more:
        client.get(reverse("visits:record_detail", args=[many.pk]))

    assert len(more) == len(one)


# --- what a reader learns of counselling and of other children -----------------------------


def test_the_administrator_can_neither_open_nor_send_the_correction_of_a_counselling_record(
    client, admin_user, counsellor, pupil
):
    """The correction form shows the content: only someone who reads counselling opens it."""
    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="说起父母离家时哭了"
    )
    client.force_login(admin_user)

    form = client.get(reverse("visits:record_correct", args=[record.pk]))
    sent = client.post(reverse("visits:record_correct", args=[record.pk]), {"content": "改写"})
    void = client.get(reverse("visits:record_void", args=[record.pk]))

    assert (form.status_code, sent.status_code, void.status_code) == (403, 403, 403)
    assert "说起父母离家时哭了" not in form.content.decode()
    with pytest.raises(PermissionDenied):
        services.record_correct(actor=admin_user, record=record, changes={"content": "改写"})
    record.refresh_from_db()
    assert record.content == "说起父母离家时哭了"


def test_the_counsellor_who_wrote_it_corrects_a_counselling_record(counsellor, pupil):
    record = services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="第一次谈话"
    )

    services.record_correct(actor=counsellor, record=record, changes={"content": "第一次辅导"})

    record.refresh_from_db()
    assert record.content == "第一次辅导"


def test_a_record_about_children_of_two_classes_names_to_a_class_teacher_only_their_own(
    client, admin_user, class_teacher, pupil, other_pupil
):
    record = services.record_create(
        actor=admin_user, pupils=[pupil, other_pupil], kind="symposium", content="座谈会"
    )
    client.force_login(class_teacher)

    page = client.get(reverse("visits:record_detail", args=[record.pk])).content.decode()

    assert pupil.name in page
    assert other_pupil.name not in page


def test_an_emergency_about_children_of_two_classes_names_to_a_class_teacher_only_their_own(
    client, admin_user, class_teacher, pupil, other_pupil
):
    emergency = services.emergency_create(
        actor=admin_user,
        pupils=[pupil, other_pupil],
        kind=Emergency.Kind.MISSING,
        occurred_at=timezone.now(),
        description="两名学生放学后未回家",
    )
    client.force_login(class_teacher)

    page = client.get(reverse("visits:emergency_detail", args=[emergency.pk])).content.decode()

    assert pupil.name in page
    assert other_pupil.name not in page
