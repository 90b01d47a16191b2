"""The 留守儿童之家 and 亲情聊天室: schedule, openings, uses as 亲情电话, the missed list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rooms import selectors, services
from rooms.models import Opening, Room, Slot, Use
from tests.factories import make_pupil
from visits.models import CareRecord
from visits.selectors import work_of

TODAY = timezone.localdate


@pytest.fixture
def room(admin_user):
    return services.room_save(
        actor=admin_user, name="亲情聊天室", kind=Room.Kind.CHAT, place="二楼"
    )


def slot_on(admin_user, room, day, on_duty):
    return services.slot_create(
        actor=admin_user,
        room=room,
        weekday=day.weekday(),
        starts_at=datetime.time(15, 30),
        ends_at=datetime.time(16, 30),
        on_duty=on_duty,
    )


@pytest.fixture
def slot(admin_user, room, class_teacher, other_teacher):
    return slot_on(admin_user, room, TODAY(), [class_teacher, other_teacher])


@pytest.fixture
def opening(class_teacher, slot):
    return services.opening_record(actor=class_teacher, slot=slot, day=TODAY())


def family_call_items(teacher):
    work = work_of(user=teacher)
    return [
        (item.pupil.name, item.kind)
        for item in work.overdue + work.due
        if item.kind == CareRecord.Kind.FAMILY_CALL
    ]


def test_a_call_in_the_chat_room_is_the_childs_family_call_and_clears_it_from_the_work_list(
    class_teacher, pupil, opening
):
    assert family_call_items(class_teacher) == [("王小明", "family_call")]

    use = services.use_record(
        actor=class_teacher,
        opening=opening,
        pupil=pupil,
        mode="video",
        with_whom="mother",
        minutes=12,
    )

    record = use.record
    assert (record.kind, record.author, record.place) == (
        "family_call",
        class_teacher,
        "亲情聊天室",
    )
    assert list(record.pupils.all()) == [pupil]
    assert family_call_items(class_teacher) == []


def test_voiding_a_use_voids_its_family_call_and_the_call_is_due_again(
    class_teacher, pupil, opening
):
    use = services.use_record(
        actor=class_teacher,
        opening=opening,
        pupil=pupil,
        mode="call",
        with_whom="father",
        minutes=5,
    )

    services.use_void(actor=class_teacher, use=use, reason="记错了孩子")

    assert CareRecord.objects.get(pk=use.record_id).voided_at is not None
    assert family_call_items(class_teacher) == [("王小明", "family_call")]


def test_the_teacher_logs_a_call_on_the_opening_page_by_typing_part_of_the_name(
    client, class_teacher, pupil, opening
):
    client.force_login(class_teacher)

    response = client.post(
        reverse("rooms:opening", args=[opening.pk]),
        {"q": "wxm", "mode": "video", "with_whom": "mother", "minutes": "10", "save": "1"},
    )

    assert response.status_code == 302
    assert Use.objects.get().pupil == pupil


def test_a_teacher_on_duty_cannot_log_a_child_they_do_not_write_for(
    client, class_teacher, admin_user, other_class, opening
):
    stranger = make_pupil(actor=admin_user, school_class=other_class, name="李小红", gender="F")
    client.force_login(class_teacher)

    response = client.post(
        reverse("rooms:opening", args=[opening.pk]),
        {"pick": str(stranger.pk), "mode": "video", "with_whom": "mother", "minutes": "10"},
    )

    assert response.status_code == 404
    assert not Use.objects.exists()
    assert not CareRecord.objects.exists()


def test_a_teacher_not_on_duty_gets_404_for_the_opening(client, pair_teacher, opening):
    client.force_login(pair_teacher)

    assert client.get(reverse("rooms:opening", args=[opening.pk])).status_code == 404


def test_a_missed_opening_shows_on_the_principals_list_and_goes_when_recorded(
    client, admin_user, principal, class_teacher, room
):
    last_week = TODAY() - datetime.timedelta(days=7)
    Room.objects.filter(pk=room.pk).update(created_on=last_week)
    slot = slot_on(admin_user, room, last_week, [class_teacher])
    Slot.objects.filter(pk=slot.pk).update(starts_on=last_week)
    client.force_login(principal)

    response = client.get(reverse("rooms:missed"))
    assert [(row.slot, row.day) for row in response.context["rows"]] == [(slot, last_week)]
    assert "未安排" not in response.content.decode()

    services.opening_record(actor=class_teacher, slot=slot, day=last_week)

    response = client.get(reverse("rooms:missed"))
    assert response.context["rows"] == []
    assert "近期都按计划开放了" in response.content.decode()


def test_a_slot_with_fewer_than_two_on_duty_is_warned_about(
    client, admin_user, class_teacher, room
):
    client.force_login(admin_user)

    response = client.post(
        reverse("rooms:slot_create", args=[room.pk]),
        {"weekday": "1", "starts_at": "15:30", "ends_at": "16:30", "on_duty": [class_teacher.pk]},
        follow=True,
    )

    assert "值班教师少于两名" in response.content.decode()
    assert Slot.objects.get().on_duty.count() == 1


def test_a_slot_ending_before_it_starts_is_refused_beside_the_field(client, admin_user, room):
    client.force_login(admin_user)

    response = client.post(
        reverse("rooms:slot_create", args=[room.pk]),
        {"weekday": "1", "starts_at": "16:30", "ends_at": "15:30"},
    )

    assert "结束时间要晚于开始时间" in response.content.decode()
    assert not Slot.objects.exists()


def test_the_schedule_pins_its_queries_whatever_the_number_of_slots(
    client, admin_user, room, class_teacher, other_teacher, django_assert_num_queries
):
    for weekday in range(5):
        slot_on(
            admin_user,
            room,
            TODAY() + datetime.timedelta(days=weekday),
            [class_teacher, other_teacher],
        )
    client.force_login(admin_user)

    with django_assert_num_queries(6):
        client.get(reverse("rooms:room_list"))


def test_the_room_log_pins_its_queries_whatever_the_number_of_uses(
    client, admin_user, class_teacher, pupil, opening, django_assert_num_queries
):
    for minutes in (5, 10, 15):
        services.use_record(
            actor=class_teacher,
            opening=opening,
            pupil=pupil,
            mode="call",
            with_whom="other",
            minutes=minutes,
        )
    client.force_login(admin_user)

    with django_assert_num_queries(7):
        response = client.get(reverse("rooms:room_log", args=[opening.slot.room_id]))

    assert response.content.decode().count("王小明") == 3


def test_an_opening_is_recorded_once_a_day(class_teacher, slot):
    first = services.opening_record(actor=class_teacher, slot=slot, day=TODAY())
    again = services.opening_record(actor=class_teacher, slot=slot, day=TODAY())

    assert first == again
    assert Opening.objects.count() == 1


def test_the_missed_list_runs_in_a_fixed_number_of_queries(
    principal, admin_user, room, class_teacher, django_assert_num_queries
):
    for weekday in range(7):
        slot_on(admin_user, room, TODAY() + datetime.timedelta(days=weekday), [class_teacher])
    Room.objects.filter(pk=room.pk).update(created_on=TODAY() - datetime.timedelta(days=60))
    Slot.objects.filter(room=room).update(starts_on=TODAY() - datetime.timedelta(days=60))

    with django_assert_num_queries(3):
        rows = selectors.missed_openings(user=principal)

    assert len(rows) == 28


def test_the_demo_school_has_a_chat_room_open_twice_a_week_with_uses_and_a_few_missed(db):
    from demo.school import seed_demo
    from registry.models import User

    seed_demo(pupils=200, seed=3)

    slots = Slot.objects.filter(room__kind=Room.Kind.CHAT)
    assert sorted(slot.weekday for slot in slots) == [1, 3]
    assert all(slot.on_duty.count() == 2 for slot in slots)
    assert Use.objects.filter(record__kind=CareRecord.Kind.FAMILY_CALL).exists()
    assert selectors.missed_openings(user=User.objects.get(username="principal"))


def test_find_lists_the_matching_children_without_complaining_about_the_rest(
    client, class_teacher, pupil, opening
):
    client.force_login(class_teacher)

    response = client.post(reverse("rooms:opening", args=[opening.pk]), {"q": "王", "find": "1"})

    assert [child.name for child in response.context["matches"]] == ["王小明"]
    assert "必填" not in response.content.decode()
    assert not Use.objects.exists()


def test_a_slot_added_later_is_not_missed_before_it_was_set(
    admin_user, principal, room, class_teacher
):
    Room.objects.filter(pk=room.pk).update(created_on=TODAY() - datetime.timedelta(days=60))
    slot_on(admin_user, room, TODAY() - datetime.timedelta(days=7), [class_teacher])

    assert selectors.missed_openings(user=principal) == []


def test_a_teacher_on_duty_records_a_missed_opening_late_from_the_list(
    client, admin_user, principal, class_teacher, room
):
    last_week = TODAY() - datetime.timedelta(days=7)
    Room.objects.filter(pk=room.pk).update(created_on=last_week)
    slot = slot_on(admin_user, room, last_week, [class_teacher])
    Slot.objects.filter(pk=slot.pk).update(starts_on=last_week)
    client.force_login(class_teacher)
    assert "补登开放" in client.get(reverse("rooms:today")).content.decode()

    response = client.post(
        reverse("rooms:opening_create", args=[slot.pk]), {"day": last_week.isoformat()}
    )

    opening = Opening.objects.get(slot=slot)
    assert opening.opened_on == last_week
    assert response["Location"] == reverse("rooms:opening", args=[opening.pk])
    assert selectors.missed_openings(user=principal) == []
