import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, EventPhoto
from events.quotas import school_overview
from reports.selectors import term_numbers
from tests.factories import SchoolClassFactory, make_pupil
from visits import services as visits_services


@pytest.fixture
def grade_three(admin_user, school, school_class, pupil):
    """三年级: 王小明 and three more left-behind children in (1)班, two in (2)班, one child not
    left-behind."""
    second = SchoolClassFactory(school=school, grade=3, number=2)
    children = [pupil]
    for name, school_class_ in (
        ("李芳", school_class), ("张伟", school_class), ("刘洋", school_class),
        ("陈静", second), ("杨帆", second),
    ):  # fmt: skip
        children.append(make_pupil(actor=admin_user, school_class=school_class_, name=name))
    make_pupil(actor=admin_user, school_class=second, name="赵强", left_behind="none")
    return children


def test_an_event_for_a_whole_grade_takes_its_children_in_care_but_the_two_unticked(
    moral_lead, grade_three, other_pupil
):
    absent = grade_three[1:3]

    event = services.event_create(
        actor=moral_lead, kind=Event.Kind.CARE_ACTIVITY, grade=3, place="操场",
        led_by=moral_lead, content="六一游园", excluded=absent,
    )  # fmt: skip

    names = set(event.pupils.values_list("name", flat=True))
    assert names == {"王小明", "刘洋", "陈静", "杨帆"}


def test_the_event_form_lists_a_grade_ticked_and_saves_what_is_left_ticked(
    client, moral_lead, grade_three
):
    client.force_login(moral_lead)

    listed = client.post(reverse("events:event_create"), {"grade": 3, "list": "1"})
    ticked = listed.context["form"].initial["pupils"]
    kept = [pk for pk in ticked if pk not in {grade_three[1].pk, grade_three[2].pk}]
    response = client.post(
        reverse("events:event_create"),
        {
            "kind": "care_activity", "occurred_on": "2026-06-01", "grade": 3, "place": "操场",
            "led_by": moral_lead.pk, "content": "六一游园", "pupils": kept, "guardians": 12,
            "save": "1",
        },
    )  # fmt: skip

    assert len(ticked) == 6
    event = Event.objects.get()
    assert response.status_code == 302
    assert event.pupils.count() == 4
    assert event.guardians == 12


def test_a_class_teacher_records_events_for_their_own_class_only(
    class_teacher, other_class, pupil, other_pupil
):
    with pytest.raises(Exception, match="不能为这个班"):
        services.event_create(
            actor=class_teacher, kind="safety", school_class=other_class, place="教室",
            led_by=class_teacher, content="防溺水",
        )  # fmt: skip
    event = services.event_create(
        actor=class_teacher, kind="safety", school_class=pupil.school_class, place="教室",
        led_by=class_teacher, content="防溺水",
    )  # fmt: skip
    assert list(event.pupils.all()) == [pupil]


def test_the_summary_counts_each_child_once_across_events_and_old_records(
    moral_lead, class_teacher, grade_three, term
):
    pupil = grade_three[0]
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="activity", content="手工课"
    )
    for content in ("六一游园", "中秋晚会"):
        services.event_create(
            actor=moral_lead, kind="care_activity", grade=3, place="操场",
            led_by=moral_lead, content=content,
        )  # fmt: skip
    services.event_create(
        actor=moral_lead, kind="birthday", place="会议室", led_by=moral_lead, content="生日会",
        pupils=[pupil],
    )  # fmt: skip

    kinds = {
        k.kind: k
        for k in term_numbers(school=term.school_year.school, period=term.period).care.kinds
    }

    assert kinds["activity"].records == 4  # one record, three events
    assert kinds["activity"].children == 6


def test_a_voided_event_no_longer_counts(moral_lead, grade_three, term):
    event = services.event_create(
        actor=moral_lead, kind="symposium", place="会议室", led_by=moral_lead, content="座谈"
    )

    services.event_void(actor=moral_lead, event=event, reason="重复登记")

    kinds = {
        k.kind: k
        for k in term_numbers(school=term.school_year.school, period=term.period).care.kinds
    }
    assert kinds["symposium"].records == 0
    assert Event.objects.get().void_reason == "重复登记"


def test_the_moral_lead_reads_events_but_not_archives_nor_counselling(
    client, moral_lead, counsellor, grade_three
):
    pupil = grade_three[0]
    event = services.event_create(
        actor=moral_lead, kind="safety", place="操场", led_by=moral_lead, content="防溺水"
    )
    visits_services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="保密",
        presented="情绪低落", risk_level="low",
    )  # fmt: skip
    client.force_login(moral_lead)

    detail = client.get(reverse("events:event_detail", args=[event.pk]))
    archive = client.get(reverse("registry:pupil_detail", args=[pupil.pk]))
    records = client.get(reverse("visits:record_list"))

    assert detail.status_code == 200
    assert "王小明" in detail.content.decode()
    assert archive.status_code == 404
    assert "保密" not in records.content.decode()
    assert "情绪低落" not in records.content.decode()


def test_the_childs_archive_lists_the_events_they_joined(client, class_teacher, moral_lead, pupil):
    services.event_create(
        actor=moral_lead, kind="parent_meeting", place="礼堂", led_by=moral_lead, content="家长会"
    )
    client.force_login(class_teacher)

    response = client.get(reverse("registry:pupil_detail", args=[pupil.pk]))

    assert "参加的学校活动（1 次）" in response.content.decode()


def test_birthdays_this_month_list_the_class_teachers_children_in_care(
    client, admin_user, class_teacher, school_class, other_class
):
    today = timezone.localdate()
    born = datetime.date(2017, today.month, min(today.day, 28))
    make_pupil(actor=admin_user, school_class=school_class, name="寿星", birth_date=born)
    make_pupil(actor=admin_user, school_class=other_class, name="别班寿星", birth_date=born)
    make_pupil(
        actor=admin_user, school_class=school_class, name="不在关爱", birth_date=born,
        left_behind="none",
    )  # fmt: skip
    client.force_login(class_teacher)

    response = client.get(reverse("events:birthday_list"))

    assert [b.pupil.name for b in response.context["birthdays"]] == ["寿星"]
    assert "kind=birthday" in response.context["party"]


def test_the_event_list_keeps_its_queries_as_events_grow(
    client, moral_lead, grade_three, django_assert_num_queries
):
    client.force_login(moral_lead)
    for _n in range(3):
        services.event_create(
            actor=moral_lead, kind="safety", place="操场", led_by=moral_lead, content="安全"
        )
    with django_assert_num_queries(5) as few:
        client.get(reverse("events:event_list"))
    for _n in range(5):
        services.event_create(
            actor=moral_lead, kind="safety", grade=3, place="操场", led_by=moral_lead,
            content="安全",
        )  # fmt: skip

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("events:event_list"))


def test_the_demo_school_has_a_term_of_events_so_the_summary_shows_no_zeros_for_them(
    db, media_root
):
    from demo.school import seed_demo
    from registry.models import Term

    result = seed_demo(pupils=200, seed=3, replace=False)
    today = timezone.localdate()
    term = Term.objects.current(result.school.pk, today)

    kinds = {k.kind: k for k in term_numbers(school=result.school, period=term.period).care.kinds}
    assert kinds["parent_meeting"].records >= 2
    assert kinds["symposium"].records >= 1
    assert kinds["activity"].children > 0
    # Photos of some events, and quotas as a school would set them: some met, some not yet.
    photos = EventPhoto.objects.filter(event__school=result.school)
    assert photos.exists() and all(photo.file.size and photo.thumbnail.size for photo in photos)
    lines = {line.kind: line for line in school_overview(school_id=result.school.pk,
                                                          period=term.period)}  # fmt: skip
    assert lines["symposium"].per == "school" and lines["parent_meeting"].per == "class"
    assert not lines["mental_health"].met
