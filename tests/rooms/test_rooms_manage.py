"""Changing rooms and slots, stopping a slot from a day (its openings stay), and the rooms on
the principal's dashboard: openings held against planned, missed, calls and minutes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rooms import selectors, services
from rooms.models import Opening, Room, Slot
from tests.factories import make_pupil

TODAY = timezone.localdate


@pytest.fixture
def room(admin_user):
    room = services.room_save(actor=admin_user, name="亲情聊天室", kind=Room.Kind.CHAT)
    Room.objects.filter(pk=room.pk).update(created_on=TODAY() - datetime.timedelta(weeks=8))
    return Room.objects.get(pk=room.pk)


@pytest.fixture
def slot(admin_user, room, class_teacher, other_teacher):
    """Today's weekday, set up three weeks ago (so three past days were planned)."""
    slot = services.slot_create(
        actor=admin_user, room=room, weekday=TODAY().weekday(), starts_at=datetime.time(15),
        ends_at=datetime.time(16), on_duty=[class_teacher, other_teacher],
    )  # fmt: skip
    Slot.objects.filter(pk=slot.pk).update(starts_on=TODAY() - datetime.timedelta(weeks=3))
    return Slot.objects.select_related("room").get(pk=slot.pk)


def weeks_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(weeks=n)


def test_the_principal_renames_a_room_and_an_empty_name_is_refused_beside_the_field(
    client, principal, room
):
    client.force_login(principal)
    url = reverse("rooms:room_edit", args=[room.pk])

    saved = client.post(url, {"name": "留守儿童之家", "kind": "home", "place": "一楼东"})
    refused = client.post(url, {"name": "", "kind": "home", "place": ""})

    room.refresh_from_db()
    assert saved.status_code == 302
    assert (room.name, room.kind, room.place) == ("留守儿童之家", "home", "一楼东")
    assert refused.status_code == 200
    assert "这个字段是必填项" in str(refused.context["form"].errors["name"])


def test_changing_the_times_and_teachers_keeps_the_slot_and_its_openings(
    client, principal, class_teacher, moral_lead, slot
):
    services.opening_record(actor=class_teacher, slot=slot, day=weeks_ago(1))
    client.force_login(principal)

    response = client.post(
        reverse("rooms:slot_edit", args=[slot.pk]),
        {"weekday": slot.weekday, "starts_at": "16:00", "ends_at": "17:00",
         "on_duty": [class_teacher.pk, moral_lead.pk]},
    )  # fmt: skip

    slot.refresh_from_db()
    assert response.status_code == 302
    assert slot.starts_at == datetime.time(16) and slot.stopped_from is None
    assert set(slot.on_duty.all()) == {class_teacher, moral_lead}
    assert slot.openings.count() == 1


def test_an_end_before_the_start_is_refused_in_chinese_beside_the_field(client, principal, slot):
    client.force_login(principal)

    response = client.post(
        reverse("rooms:slot_edit", args=[slot.pk]),
        {"weekday": slot.weekday, "starts_at": "16:00", "ends_at": "15:00"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == ["结束时间要晚于开始时间。"]


def test_a_new_weekday_stops_the_old_slot_today_so_past_days_are_not_missed_again(
    principal, class_teacher, slot
):
    services.opening_record(actor=class_teacher, slot=slot, day=weeks_ago(1))
    new_weekday = (slot.weekday + 1) % 7

    new = services.slot_update(
        actor=principal, slot=slot, weekday=new_weekday, starts_at=slot.starts_at,
        ends_at=slot.ends_at, on_duty=list(slot.on_duty.all()),
    )  # fmt: skip

    slot.refresh_from_db()
    assert new.pk != slot.pk and new.weekday == new_weekday and new.starts_on == TODAY()
    assert slot.stopped_from == TODAY() and slot.openings.count() == 1
    assert new.on_duty.count() == 2
    # The old weekday's past days stay as they were: two missed, one opened.
    missed = [(row.slot.pk, row.day) for row in selectors.missed_openings(user=principal)]
    assert missed == [(slot.pk, weeks_ago(2)), (slot.pk, weeks_ago(3))]


def test_a_stopped_slot_is_no_longer_planned_nor_opened_and_keeps_its_openings(
    client, principal, class_teacher, slot
):
    services.opening_record(actor=class_teacher, slot=slot, day=weeks_ago(3))
    client.force_login(principal)

    response = client.post(
        reverse("rooms:slot_stop", args=[slot.pk]), {"stopped_from": weeks_ago(2).isoformat()}
    )

    slot.refresh_from_db()
    assert response.status_code == 302 and slot.stopped_from == weeks_ago(2)
    assert Opening.objects.filter(slot=slot).count() == 1
    assert selectors.missed_openings(user=principal) == []
    assert selectors.today_of(user=class_teacher) == []
    with pytest.raises(Exception, match="已停用"):
        services.opening_record(actor=class_teacher, slot=slot, day=TODAY())
    page = client.get(reverse("rooms:room_list")).content.decode()
    assert f"自 {weeks_ago(2):%Y-%m-%d} 起停用" in page


def test_a_slot_cannot_be_stopped_before_it_started(client, principal, slot):
    client.force_login(principal)

    response = client.post(
        reverse("rooms:slot_stop", args=[slot.pk]), {"stopped_from": weeks_ago(5).isoformat()}
    )

    assert response.status_code == 200
    assert "停用日期要晚于开始日期" in str(response.context["form"].errors["stopped_from"])


def test_a_teacher_on_duty_cannot_change_the_slot(client, class_teacher, slot):
    client.force_login(class_teacher)

    response = client.post(
        reverse("rooms:slot_stop", args=[slot.pk]), {"stopped_from": TODAY().isoformat()}
    )

    assert response.status_code == 403
    assert Slot.objects.get(pk=slot.pk).stopped_from is None


def test_the_dashboard_shows_the_terms_openings_missed_and_calls(
    client, principal, admin_user, class_teacher, school_class, slot, term
):
    child = make_pupil(actor=admin_user, school_class=school_class, name="王小明")
    opening = services.opening_record(actor=class_teacher, slot=slot, day=weeks_ago(1))
    for mode, minutes in (("video", 12), ("call", 5)):
        services.use_record(
            actor=class_teacher, opening=opening, pupil=child, mode=mode, with_whom="mother",
            minutes=minutes,
        )  # fmt: skip
    client.force_login(principal)

    response = client.get(reverse("reports:dashboard"))

    rooms = response.context["board"].rooms
    assert (rooms.held, rooms.planned, rooms.missed) == (1, 4, 2)
    assert (rooms.calls, rooms.videos, rooms.minutes, rooms.children) == (1, 1, 17, 1)
    page = response.content.decode()
    assert "未按计划开放 2 次" in page and reverse("rooms:missed") in page


def test_a_slot_is_not_stopped_by_a_delete_request(client, principal, slot):
    client.force_login(principal)

    response = client.delete(reverse("rooms:slot_stop", args=[slot.pk]))

    assert response.status_code == 405
    assert Slot.objects.filter(pk=slot.pk, stopped_from=None).exists()
