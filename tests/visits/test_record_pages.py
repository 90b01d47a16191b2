"""The records page, correcting and voiding on the record's page, and a class's overview."""

import datetime

from django.urls import reverse
from django.utils import timezone

from caresys.lib.http import valid_filters
from pairing import services as pairing_services
from pairing.models import Pair
from tests.factories import make_pupil
from visits import selectors, services
from visits.models import CareRecord

D = datetime.date


def talk(actor, pupils, **fields) -> CareRecord:
    return services.record_create(actor=actor, pupils=pupils, kind="talk", content="谈心", **fields)


def test_the_author_corrects_a_record_and_the_old_value_stays_in_its_history(
    client, class_teacher, pupil
):
    record = talk(class_teacher, [pupil], place="教室")
    client.force_login(class_teacher)
    form = client.get(reverse("visits:record_correct", args=[record.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = client.post(
        reverse("visits:record_correct", args=[record.pk]), data | {"place": "操场"}, follow=True
    )

    record.refresh_from_db()
    assert record.place == "操场"
    page = response.content.decode()
    assert "记录已更正" in page and "地点或方式 教室 → 操场" in page


def test_a_correction_with_an_error_keeps_what_was_typed(client, class_teacher, pupil):
    record = talk(class_teacher, [pupil])
    client.force_login(class_teacher)

    response = client.post(
        reverse("visits:record_correct", args=[record.pk]),
        {"occurred_on": "2999-01-01", "content": "改过的内容", "met_with": "child"},
    )

    assert response.context["form"].errors["occurred_on"] == ["日期不能晚于今天。"]
    assert response.context["form"]["content"].value() == "改过的内容"
    record.refresh_from_db()
    assert record.content == "谈心"


def test_voiding_on_the_page_keeps_the_record_with_its_reason(client, class_teacher, pupil):
    record = talk(class_teacher, [pupil])
    client.force_login(class_teacher)

    empty = client.post(reverse("visits:record_void", args=[record.pk]), {"void_reason": ""})
    client.post(reverse("visits:record_void", args=[record.pk]), {"void_reason": "记错了孩子"})

    assert "void_reason" in empty.context["form"].errors
    record.refresh_from_db()
    assert record.void_reason == "记错了孩子" and record.voided_at is not None
    detail = client.get(reverse("visits:record_detail", args=[record.pk])).content.decode()
    assert "这条记录已作废：记错了孩子" in detail
    assert client.get(reverse("visits:record_correct", args=[record.pk])).status_code == 403


def test_the_records_page_filters_and_hides_counselling_content(
    client, class_teacher, counsellor, pupil, admin_user
):
    talk(class_teacher, [pupil], occurred_on=D(2026, 10, 8))
    services.record_create(
        actor=counsellor, pupils=[pupil], kind="counselling", content="保密的谈话内容"
    )
    voided = talk(class_teacher, [pupil], occurred_on=D(2026, 10, 9))
    services.record_void(actor=class_teacher, record=voided, reason="重复")
    client.force_login(class_teacher)

    everything = client.get(reverse("visits:record_list")).content.decode()
    talks = client.get(reverse("visits:record_list"), {"kind": "talk"}).context["page"]
    with_voided = client.get(reverse("visits:record_list"), {"voided": "on"}).context["page"]
    october = client.get(reverse("visits:record_list"), {"end": "2026-10-31"}).context["page"]

    assert "保密的谈话内容" not in everything and "（内容保密）" in everything
    assert [r.kind for r in talks] == ["talk"]
    assert len(with_voided) == 3
    assert [r.occurred_on for r in october] == [D(2026, 10, 8)]


def test_the_whole_schools_records_page_counts_from_the_day_counts_what_the_list_holds(
    client, principal, class_teacher, admin_user, pupil, other_pupil, other_class
):
    talk(class_teacher, [pupil], occurred_on=D(2026, 10, 8))
    moved = talk(class_teacher, [pupil], occurred_on=D(2026, 10, 20))
    services.record_correct(
        actor=class_teacher, record=moved, changes={"occurred_on": D(2026, 11, 3)}
    )
    voided = talk(class_teacher, [pupil], occurred_on=D(2026, 10, 9))
    services.record_void(actor=class_teacher, record=voided, reason="重复")
    services.record_create(
        actor=admin_user, pupils=[pupil, other_pupil], kind="symposium", content="座谈会"
    )
    client.force_login(principal)

    for query in (
        {},
        {"kind": "talk"},
        {"start": "2026-10-01", "end": "2026-10-31"},
        {"kind": "symposium", "start": "2026-11-01"},
        {"voided": "on"},
        {"school_class": other_class.pk},
        {"author": class_teacher.pk},
    ):
        response = client.get(reverse("visits:record_list"), query)
        filters = valid_filters(response.context["form"])
        listed = selectors.record_list(user=principal, filters=filters).count()
        assert response.context["page"].paginator.count == listed, query
        assert f"共 {listed} 条记录" in response.content.decode(), query


def test_a_record_about_several_children_lists_only_those_the_reader_sees(
    client, admin_user, class_teacher, pupil, other_pupil
):
    services.record_create(
        actor=admin_user, pupils=[pupil, other_pupil], kind="symposium", content="座谈会"
    )
    client.force_login(class_teacher)

    [record] = client.get(reverse("visits:record_list")).context["page"]

    assert [child.name for child in record.visible_pupils] == [pupil.name]


def test_the_records_page_costs_the_same_queries_for_more_records(
    client, django_assert_max_num_queries, admin_user, class_teacher, school_class, pupil
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(class_teacher)
    talk(class_teacher, [pupil])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("visits:record_list")).status_code == 200
        return len(captured)

    one = queries()
    for name in ("王小甲", "王小乙", "王小丙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        talk(class_teacher, [child, pupil])
    assert queries() == one


def test_a_class_teacher_sees_each_left_behind_childs_care_in_the_class_overview(
    client, admin_user, class_teacher, school_class, pupil
):
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    other = make_pupil(actor=admin_user, school_class=school_class, name="王小甲")
    talk(class_teacher, [pupil])
    services.watch_event_create(actor=class_teacher, pupil=other, kind="ill")
    client.force_login(class_teacher)

    overview = client.get(reverse("visits:class_overview", args=[school_class.pk])).context[
        "overview"
    ]

    rows = {row.pupil.name: row for row in overview.children}
    assert set(rows) == {"王小甲", "王小明"}  # only left-behind children
    assert rows["王小明"].last_contact == timezone.localdate()
    assert "谈心" not in rows["王小明"].missing and "谈心" in rows["王小甲"].missing
    assert (rows["王小甲"].open_events, rows["王小甲"].last_contact) == (1, None)
    assert overview.met["talks_per_month"] == 1


def test_the_class_overview_costs_the_same_queries_for_a_bigger_class(
    client, admin_user, class_teacher, school_class, pupil, pair_teacher
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pairing import services as pairing_services

    client.force_login(class_teacher)
    url = reverse("visits:class_overview", args=[school_class.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for name in ("王小甲", "王小乙", "王小丙"):
        child = make_pupil(actor=admin_user, school_class=school_class, name=name)
        talk(class_teacher, [child])
        pairing_services.pair_create(
            actor=admin_user, pupil=child, kind="teacher", teacher=pair_teacher
        )
        services.watch_event_create(actor=class_teacher, pupil=child, kind="ill")
    assert queries() == one


def test_the_class_overview_names_no_pair_teacher_who_has_left(
    client, admin_user, class_teacher, school_class, pupil, pair_teacher
):
    """The overview, the board and the summary agree on who looks after a child: a pair whose
    teacher's account was closed no longer counts (the board lists it as orphaned)."""
    pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind=Pair.Kind.TEACHER, teacher=pair_teacher
    )
    pair_teacher.is_active = False
    pair_teacher.save()
    client.force_login(class_teacher)

    overview = client.get(reverse("visits:class_overview", args=[school_class.pk])).context[
        "overview"
    ]

    assert [row.pair_teachers for row in overview.children] == [[]]
