"""Pairing: the rules of a pair, coverage, suggestions that balance load, scope, idle pairs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pairing import selectors, services
from pairing.models import Pair, PairingSettings
from registry import services as registry_services
from registry.models import AccessLog, Pupil, Role, TeachingAssignment, User
from registry.selectors import pupils_visible_to
from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory, make_pupil
from visits import selectors as visits_selectors

TODAY = timezone.localdate


def teacher_pair(actor, pupil, teacher, **kwargs) -> Pair:
    return services.pair_create(actor=actor, pupil=pupil, kind="teacher", teacher=teacher, **kwargs)


@pytest.fixture
def teachers(school):
    """Three teachers who teach no class, lightest first by name."""
    return [
        UserFactory(school=school, full_name=name, roles=[Role.CLASS_TEACHER])
        for name in ("赵老师", "钱老师", "孙老师")
    ]


def children(admin_user, school_class, count: int, **fields) -> list[Pupil]:
    names = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"]
    return [
        make_pupil(actor=admin_user, school_class=school_class, name=f"王小{names[i]}", **fields)
        for i in range(count)
    ]


# --- the rules of a pair ---------------------------------------------------------------------


def test_a_teacher_pair_begins_today_with_an_empty_plan_and_makes_a_pair_teacher(
    admin_user, pupil, other_teacher
):
    pair = teacher_pair(admin_user, pupil, other_teacher)

    assert (pair.started_on, pair.ended_on, pair.kind) == (TODAY(), None, "teacher")
    assert pair.plan.goals == ""
    other_teacher.refresh_from_db()
    assert Role.PAIR_TEACHER in other_teacher.roles
    log = AccessLog.objects.get(action=AccessLog.Action.PAIRING, pupil=pupil)
    assert log.actor == admin_user and "李老师" in log.detail


def test_a_teacher_cannot_take_more_children_than_the_school_allows(
    admin_user, school, school_class, other_teacher
):
    PairingSettings.objects.create(school=school, max_children_per_teacher=2)
    first, second, third = children(admin_user, school_class, 3)
    teacher_pair(admin_user, first, other_teacher)
    teacher_pair(admin_user, second, other_teacher)

    with pytest.raises(ValidationError) as caught:
        teacher_pair(admin_user, third, other_teacher)

    assert caught.value.message_dict == {"teacher": ["李老师已结对2名儿童，达到每人2名的上限。"]}
    assert not Pair.objects.filter(pupil=third).exists()


def test_the_same_active_pair_cannot_be_made_twice(admin_user, pupil, other_teacher):
    teacher_pair(admin_user, pupil, other_teacher)

    with pytest.raises(ValidationError) as caught:
        teacher_pair(admin_user, pupil, other_teacher)

    assert caught.value.message_dict == {"teacher": ["这一结对已经存在。"]}


def test_a_buddy_is_another_pupil_of_the_school(admin_user, pupil, other_pupil):
    pair = services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=other_pupil)
    assert pair.partner_name == "李小红"

    with pytest.raises(ValidationError):
        services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=pupil)
    stranger = make_pupil(
        actor=admin_user, school_class=SchoolClassFactory(school=SchoolFactory()), name="外校生"
    )
    with pytest.raises(ValidationError) as caught:
        services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=stranger)
    assert caught.value.message_dict == {"buddy": ["学生伙伴应是本校在校学生。"]}


def test_a_teacher_of_another_school_or_who_left_cannot_be_paired(admin_user, pupil):
    outsider = UserFactory(school=SchoolFactory(), roles=[Role.CLASS_TEACHER])
    gone = UserFactory(school=pupil.school, roles=[Role.CLASS_TEACHER], is_active=False)

    for teacher in (outsider, gone):
        with pytest.raises(ValidationError) as caught:
            teacher_pair(admin_user, pupil, teacher)
        assert caught.value.message_dict == {"teacher": ["只能与本校在职教师结对。"]}


def test_a_pupil_who_has_left_cannot_be_paired(admin_user, pupil, other_teacher):
    Pupil.objects.filter(pk=pupil.pk).update(status=Pupil.Status.LEFT)
    pupil.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        teacher_pair(admin_user, pupil, other_teacher)

    assert caught.value.message_dict == {"pupil": ["该学生已不在校，不能新建结对。"]}


def test_a_volunteer_pair_needs_a_volunteer_of_the_school(admin_user, pupil):
    volunteer = services.volunteer_create(
        actor=admin_user, name="刘阿姨", kind="caring_mother", phone="13512345678"
    )

    pair = services.pair_create(
        actor=admin_user, pupil=pupil, kind="volunteer", volunteer=volunteer
    )

    assert (pair.partner_name, pair.partner_phone) == ("刘阿姨", "13512345678")


def test_an_ended_pair_stays_in_the_history_with_its_reason(admin_user, pupil, other_teacher):
    pair = teacher_pair(admin_user, pupil, other_teacher)

    services.pair_end(actor=admin_user, pair=pair, reason="reassigned", note="换班")

    pair.refresh_from_db()
    assert (pair.ended_on, pair.end_reason, pair.end_note) == (TODAY(), "reassigned", "换班")
    assert selectors.pairs_of_pupil(pupil) == [pair]
    with pytest.raises(ValidationError):
        services.pair_end(actor=admin_user, pair=pair, reason="other")


def test_the_database_refuses_a_pair_whose_partner_does_not_match_its_kind(
    admin_user, pupil, other_teacher
):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Pair.objects.create(school=pupil.school, pupil=pupil, kind="buddy", teacher=other_teacher)


def test_a_check_cannot_be_dated_in_the_future_or_before_the_pair(admin_user, pupil, other_teacher):
    pair = teacher_pair(admin_user, pupil, other_teacher)

    for day in (TODAY() + datetime.timedelta(days=1), TODAY() - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            services.pair_check_create(actor=admin_user, pair=pair, checked_on=day, progress="好")
        assert list(caught.value.message_dict) == ["checked_on"]


# --- coverage and suggestions ----------------------------------------------------------------


def test_coverage_counts_left_behind_children_with_an_active_teacher_pair(
    admin_user, school, school_class, other_class, other_teacher
):
    first, second = children(admin_user, school_class, 2)
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    third = make_pupil(actor=admin_user, school_class=other_class, name="陈小华")
    teacher_pair(admin_user, first, other_teacher)
    ended = teacher_pair(admin_user, second, UserFactory(school=school))
    services.pair_end(actor=admin_user, pair=ended, reason="other")
    gone = UserFactory(school=school)
    teacher_pair(admin_user, third, gone)
    # Through the service, which keeps the children's teacher_paired that coverage reads.
    registry_services.staff_deactivate(actor=admin_user, user=gone)

    total, per_class = selectors.coverage(school)

    assert (total.children, total.paired, total.share) == (3, 1, 33.3)
    assert [(row.label, row.children, row.paired) for row in per_class] == [
        ("三年级(1)班", 2, 1),
        ("四年级(2)班", 1, 0),
    ]
    assert list(selectors.unpaired_children(school)) == [second, third]


def test_priority_children_are_listed_first(admin_user, school, school_class, other_class):
    ordinary = make_pupil(actor=admin_user, school_class=school_class, name="王小甲")
    orphan = make_pupil(actor=admin_user, school_class=other_class, name="李小乙", is_orphan=True)
    priority = make_pupil(
        actor=admin_user, school_class=other_class, name="赵小丙", is_priority=True
    )

    assert list(selectors.unpaired_children(school)) == [priority, orphan, ordinary]


def test_a_required_buddy_makes_a_child_without_one_unpaired(
    admin_user, school, pupil, other_pupil, other_teacher
):
    teacher_pair(admin_user, pupil, other_teacher)
    settings = PairingSettings(school=school, buddy_required=True)

    assert pupil in selectors.unpaired_children(school, settings)
    services.pair_create(actor=admin_user, pupil=pupil, kind="buddy", buddy=other_pupil)
    assert pupil not in selectors.unpaired_children(school, settings)


def suggested(school) -> list[tuple[str, str, str]]:
    board = selectors.board(school, idle=[])
    return [(s.pupil.name, str(s.teacher), s.reason) for s in board.suggestions]


def test_the_childs_class_teacher_is_suggested_first(admin_user, school, pupil, teachers):
    assert suggested(school) == [("王小明", "张老师", "本班班主任")]


def test_a_subject_teacher_of_the_class_comes_next_then_the_least_loaded(
    admin_user, school, school_class, class_teacher, teachers
):
    PairingSettings.objects.create(school=school, max_children_per_teacher=1)
    TeachingAssignment.objects.create(
        school_class=school_class, teacher=teachers[2], subject="数学"
    )
    teacher_pair(
        admin_user,
        make_pupil(actor=admin_user, school_class=school_class, name="刘一"),
        teachers[0],
    )
    children(admin_user, school_class, 3)

    rows = suggested(school)

    assert [(teacher, reason) for _name, teacher, reason in rows] == [
        ("张老师", "本班班主任"),
        ("孙老师", "本班任课教师"),
        ("钱老师", "结对最少的教师"),
    ]


def test_suggestions_never_pass_the_maximum_and_serve_priority_children_first(
    admin_user, school, school_class, class_teacher
):
    PairingSettings.objects.create(school=school, max_children_per_teacher=2)
    ordinary = children(admin_user, school_class, 2)
    priority = make_pupil(
        actor=admin_user, school_class=school_class, name="赵小丙", is_priority=True
    )

    rows = suggested(school)

    # Only the class teacher teaches here: two places, the priority child takes the first.
    assert [name for name, _t, _r in rows] == [priority.name, ordinary[0].name]


def test_confirming_every_suggestion_covers_the_school(admin_user, school, school_class, teachers):
    children(admin_user, school_class, 5)
    board = selectors.board(school, idle=[])
    # The board's suggestions name the child and the teacher by key, as 全部确认 sends them.
    pupils, teachers = Pupil.objects.in_bulk(), User.objects.in_bulk()
    proposals = [(pupils[s.pupil.pk], teachers[s.teacher.pk]) for s in board.suggestions]

    services.pairs_create(actor=admin_user, proposals=proposals)

    assert selectors.coverage(school)[0].share == 100.0
    loads = [entry.load for entry in selectors.board(school, idle=[]).loads]
    assert max(loads) <= 3 and sum(loads) == 5


def test_the_board_names_each_teacher_as_their_account_does(
    client, admin_user, school, school_class, class_teacher
):
    """Its loads and suggestions are rows, not users: the same names, the username where a
    teacher has no full name."""
    nameless = UserFactory(school=school, full_name="", roles=[Role.PAIR_TEACHER])
    children(admin_user, school_class, 1)

    board = selectors.board(school, idle=[])

    names = {entry.teacher.pk: str(entry.teacher) for entry in board.loads}
    assert names == {class_teacher.pk: str(class_teacher), nameless.pk: nameless.username}
    [suggestion] = board.suggestions
    assert (suggestion.teacher.pk, str(suggestion.teacher)) == (class_teacher.pk, "张老师")
    client.force_login(admin_user)
    page = client.get(reverse("pairing:board")).content.decode()
    assert f"<td>{nameless.username}</td>" in page


def test_the_board_offers_those_who_teach_or_hold_a_teachers_role_at_work(
    school, school_class, class_teacher
):
    """Roles are found in the roles' text by the database: whole role names only."""
    subject = UserFactory(school=school, full_name="任课老师", roles=[Role.COUNSELLOR])
    TeachingAssignment.objects.create(school_class=school_class, teacher=subject, subject="语文")
    UserFactory(school=school, full_name="帮扶老师", roles=[Role.PRINCIPAL, Role.PAIR_TEACHER])
    UserFactory(school=school, full_name="兼班主任", roles=[Role.CLASS_TEACHER, Role.COUNSELLOR])
    UserFactory(school=school, full_name="心理老师", roles=[Role.COUNSELLOR])
    UserFactory(school=school, full_name="德育主任", roles=[Role.MORAL_LEAD])
    UserFactory(school=school, full_name="已离职", roles=[Role.PAIR_TEACHER], is_active=False)
    UserFactory(school=SchoolFactory(), full_name="外校老师", roles=[Role.CLASS_TEACHER])

    offered = {str(entry.teacher) for entry in selectors.board(school, idle=[]).loads}

    assert offered == {str(class_teacher), "任课老师", "帮扶老师", "兼班主任"}


# --- scope and idle pairs --------------------------------------------------------------------


def test_a_pair_teacher_reads_only_their_active_pairs_children(
    admin_user, pair_teacher, pupil, other_pupil
):
    pair = teacher_pair(admin_user, pupil, pair_teacher)

    assert list(pupils_visible_to(user=pair_teacher)) == [pupil]

    services.pair_end(actor=admin_user, pair=pair, reason="reassigned")
    assert list(pupils_visible_to(user=pair_teacher)) == []


def flagged_idle(pair: Pair, settings: PairingSettings) -> bool:
    """is_idle on the pair's latest activity, and the database's choice (idle_pairs) agrees."""
    annotated = visits_selectors.with_last_activity(Pair.objects.filter(pk=pair.pk)).get()
    idle = visits_selectors.is_idle(annotated, settings)
    assert (pair in visits_selectors.idle_pairs(Pair.objects.all(), settings)) is idle
    return idle


def test_a_pair_without_activity_for_the_set_days_is_idle(admin_user, school, pupil, other_teacher):
    settings = PairingSettings(school=school, idle_days=30)
    long_ago = TODAY() - datetime.timedelta(days=40)
    pair = teacher_pair(admin_user, pupil, other_teacher, started_on=long_ago)

    def idle() -> bool:
        return flagged_idle(pair, settings)

    assert idle()
    services.pair_check_create(
        actor=other_teacher,
        pair=pair,
        checked_on=TODAY() - datetime.timedelta(days=31),
        progress="好",
    )
    assert idle()
    services.pair_check_create(
        actor=other_teacher, pair=pair, checked_on=TODAY(), progress="进步明显"
    )
    assert not idle()


def test_the_board_shows_an_idle_pairs_last_check_not_never(
    client, principal, admin_user, school, pupil, other_teacher
):
    """The board's idle pairs once all read 从未 under 最近活动: the rows it lists carried no
    activity; they show the kept last activity."""
    PairingSettings.objects.update_or_create(school=school, defaults={"idle_days": 30})
    pair = teacher_pair(
        admin_user, pupil, other_teacher, started_on=TODAY() - datetime.timedelta(days=60)
    )
    checked = TODAY() - datetime.timedelta(days=45)
    services.pair_check_create(actor=other_teacher, pair=pair, checked_on=checked, progress="好")
    client.force_login(principal)

    page = client.get(reverse("pairing:board")).content.decode()

    row = page[page.index(reverse("pairing:pair_detail", args=[pair.pk])) :].split("</tr>")[0]
    assert f"{checked:%Y-%m-%d}" in row and "从未" not in row


# --- pages -----------------------------------------------------------------------------------


def test_the_principal_confirms_one_suggestion_from_the_board(
    client, principal, school, pupil, class_teacher
):
    client.force_login(principal)
    page = client.get(reverse("pairing:board"))
    assert page.context["board"].school.share == 0.0

    response = client.post(
        reverse("pairing:suggestions_confirm"), {"proposal": f"{pupil.pk}-{class_teacher.pk}"}
    )

    assert response.status_code == 302
    assert Pair.objects.get(pupil=pupil).teacher == class_teacher
    assert client.get(reverse("pairing:board")).context["board"].school.share == 100.0


def test_a_proposal_outside_the_school_is_ignored(client, principal, pupil):
    outsider = UserFactory(school=SchoolFactory())
    client.force_login(principal)

    client.post(reverse("pairing:suggestions_confirm"), {"proposal": f"{pupil.pk}-{outsider.pk}"})

    assert not Pair.objects.exists()


def test_a_pair_the_rules_refuse_is_shown_beside_the_teacher_field(
    client, admin_user, school, school_class, other_teacher
):
    PairingSettings.objects.create(school=school, max_children_per_teacher=1)
    first, second = children(admin_user, school_class, 2)
    teacher_pair(admin_user, first, other_teacher)
    client.force_login(admin_user)

    response = client.post(
        reverse("pairing:pair_create"),
        {"pupil": second.pk, "kind": "teacher", "teacher": other_teacher.pk, "started_on": TODAY()},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["teacher"] == [
        "李老师已结对1名儿童，达到每人1名的上限。"
    ]
    assert not Pair.objects.filter(pupil=second).exists()


def test_a_pair_kind_needs_its_partner(client, admin_user, pupil):
    client.force_login(admin_user)

    response = client.post(
        reverse("pairing:pair_create"), {"pupil": pupil.pk, "kind": "buddy", "started_on": TODAY()}
    )

    assert response.context["form"].errors["buddy"] == ["请选择学生伙伴。"]


def test_the_pair_teacher_writes_the_plan_and_a_check(client, admin_user, pupil, pair_teacher):
    pair = teacher_pair(admin_user, pupil, pair_teacher)
    client.force_login(pair_teacher)

    client.post(
        reverse("pairing:plan_edit", args=[pair.pk]),
        {"goals": "按时完成作业", "content": "每周谈心", "schedule": "周三课后"},
    )
    client.post(
        reverse("pairing:check_create", args=[pair.pk]),
        {"checked_on": TODAY(), "progress": "作业按时交了"},
    )

    page = client.get(reverse("pairing:pair_detail", args=[pair.pk])).content.decode()
    assert "按时完成作业" in page and "作业按时交了" in page


def test_a_check_dated_tomorrow_is_refused_beside_the_date(client, admin_user, pupil, pair_teacher):
    pair = teacher_pair(admin_user, pupil, pair_teacher)
    client.force_login(pair_teacher)

    response = client.post(
        reverse("pairing:check_create", args=[pair.pk]),
        {"checked_on": TODAY() + datetime.timedelta(days=1), "progress": "好"},
    )

    assert response.context["form"].errors["checked_on"] == ["检查日期不能晚于今天。"]


def test_ending_a_pair_from_its_page_keeps_it_on_the_archive(
    client, principal, pupil, pair_teacher
):
    pair = teacher_pair(principal, pupil, pair_teacher)
    client.force_login(principal)

    client.post(
        reverse("pairing:pair_end", args=[pair.pk]),
        {"reason": "teacher_left", "ended_on": TODAY(), "note": ""},
    )

    archive = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    assert "教师调离或离职" in archive and "尚未结对" not in archive


def test_an_ended_pairs_plan_can_no_longer_be_edited(client, admin_user, pupil, pair_teacher):
    pair = teacher_pair(admin_user, pupil, pair_teacher)
    services.pair_end(actor=admin_user, pair=pair, reason="other")
    client.force_login(admin_user)

    assert client.get(reverse("pairing:plan_edit", args=[pair.pk])).status_code == 403


def test_the_administrator_changes_the_schools_settings(client, admin_user, school):
    client.force_login(admin_user)

    client.post(
        reverse("pairing:settings"),
        {"coverage_target": 100, "max_children_per_teacher": 4, "idle_days": 21},
    )

    settings = PairingSettings.objects.get(school=school)
    assert (settings.max_children_per_teacher, settings.idle_days, settings.buddy_required) == (
        4,
        21,
        False,
    )


def test_a_setting_out_of_range_is_refused(client, admin_user, school):
    client.force_login(admin_user)

    response = client.post(
        reverse("pairing:settings"),
        {"coverage_target": 100, "max_children_per_teacher": 0, "idle_days": 30},
    )

    assert "max_children_per_teacher" in response.context["form"].errors
    assert not PairingSettings.objects.exists()


@pytest.mark.parametrize(
    ("method", "name"), [("post", "pairing:board"), ("get", "pairing:suggestions_confirm")]
)
def test_the_board_refuses_the_wrong_method(client, principal, method, name):
    client.force_login(principal)

    assert getattr(client, method)(reverse(name)).status_code == 405


def test_the_boards_coverage_is_read_from_the_classes_kept_counts_as_a_walk_counts_it(
    admin_user, principal, school, school_class, teachers
):
    """Today's coverage from ClassTally's kept counts, no pupil read: the same rows as a walk
    of the children in care, after pairs begun and ended and a category chosen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kids = children(admin_user, school_class, 3)
    teacher_pair(admin_user, kids[0], teachers[0])
    ended = teacher_pair(admin_user, kids[1], teachers[1])
    services.pair_end(actor=principal, pair=ended, reason="reassigned")
    make_pupil(actor=admin_user, school_class=school_class, name="孤儿甲", left_behind="none",
               is_orphan=True)  # fmt: skip
    registry_services.school_care_categories_set(school=school, categories=["is_orphan"])

    with CaptureQueriesContext(connection) as queries:
        kept = selectors.coverage(school)
    walked = selectors.coverage(school, children=Pupil.objects.in_care_enrolled(school))

    assert kept == walked
    assert (kept[0].children, kept[0].paired) == (4, 1)
    assert not any('"registry_pupil"' in query["sql"] for query in queries)


def test_the_board_costs_the_same_queries_for_many_children_and_pairs(
    client, admin_user, principal, school, school_class, teachers
):
    def board_queries() -> int:
        client.force_login(principal)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("pairing:board")).status_code == 200
        return len(captured)

    # One child left unpaired: the board then reads the subject teachers of its class.
    few = children(admin_user, school_class, 2)
    teacher_pair(admin_user, few[0], teachers[0])
    before = board_queries()
    more = children(admin_user, school_class, 6)
    for child, teacher in zip(more[:3], teachers, strict=True):
        teacher_pair(admin_user, child, teacher)
    after = board_queries()

    # session, user, settings, the idle pairs' keys (none idle: no rows read), coverage (the
    # classes' kept counts), the unpaired children, the teachers' loads (their open pairs
    # counted, then the teachers), their classes' subject teachers, orphaned pairs,
    # notifications
    assert after == before == 11


def test_the_registrar_corrects_a_volunteer_in_the_settings_pages(client, admin_user, principal):
    volunteer = services.volunteer_create(
        actor=admin_user, name="刘阿姨", kind="caring_mother", phone="13512345678"
    )
    other_school = SchoolFactory()
    services.volunteer_create(
        actor=UserFactory(school=other_school), name="外校志愿者", kind="other", phone="13512345679"
    )
    client.force_login(admin_user)

    listing = client.get(reverse("admin:pairing_volunteer_changelist")).content.decode()
    client.post(
        reverse("admin:pairing_volunteer_change", args=[volunteer.pk]),
        {"name": "刘阿姨", "kind": "caring_mother", "organisation": "", "phone": "13512345678"},
    )

    assert "刘阿姨" in listing and "外校志愿者" not in listing
    volunteer.refresh_from_db()
    assert not volunteer.is_active
    client.force_login(principal)  # not a registrar: sent to the admin's sign-in
    refused = client.get(reverse("admin:pairing_volunteer_changelist"))
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_a_care_record_by_the_pair_teacher_counts_as_the_pairs_activity(
    admin_user, school, pupil, pair_teacher
):
    from visits import services as visits_services

    settings = PairingSettings(school=school, idle_days=30)
    long_ago = TODAY() - datetime.timedelta(days=40)
    pair = teacher_pair(admin_user, pupil, pair_teacher, started_on=long_ago)
    visits_services.record_create(
        actor=admin_user, pupils=[pupil], kind="talk", content="别人的谈心不算"
    )

    def annotated() -> Pair:
        return visits_selectors.with_last_activity(Pair.objects.filter(pk=pair.pk)).get()

    assert flagged_idle(pair, settings)
    visits_services.record_create(
        actor=pair_teacher, pupils=[pupil], kind="home_visit", content="家访"
    )
    assert annotated().last_activity_on == TODAY()
    assert not flagged_idle(pair, settings)
    # Voided, it no longer counts; one from before the cutoff keeps the pair idle.
    visits_services.record_void(
        actor=pair_teacher, record=pupil.care_records.get(author=pair_teacher), reason="记错"
    )
    visits_services.record_create(
        actor=pair_teacher, pupils=[pupil], kind="talk", content="很久以前的谈心",
        occurred_on=TODAY() - datetime.timedelta(days=35),
    )  # fmt: skip
    assert flagged_idle(pair, settings)


def test_a_new_pair_is_idle_only_after_the_set_days(admin_user, school, pupil, pair_teacher):
    settings = PairingSettings(school=school, idle_days=30)
    recent = teacher_pair(
        admin_user, pupil, pair_teacher, started_on=TODAY() - datetime.timedelta(days=10)
    )
    assert not flagged_idle(recent, settings)
    # The teacher's talk with the child before they were paired is its only, old, activity.
    from visits import services as visits_services

    visits_services.record_create(
        actor=pair_teacher, pupils=[pupil], kind="talk", content="结对前的谈心",
        occurred_on=TODAY() - datetime.timedelta(days=45),
    )  # fmt: skip
    assert flagged_idle(recent, settings)


def test_the_boards_coverage_names_the_children_it_counts(
    client, principal, admin_user, school, school_class, teachers
):
    """Over the left-behind children by default; over the 关爱对象 when the school cares for a
    difficulty category too (they are the children the board pairs)."""
    away, orphan = children(admin_user, school_class, 2)
    registry_services.archive_update(
        actor=admin_user, pupil=orphan, data={"pupil": {"left_behind": "none", "is_orphan": True}}
    )
    teacher_pair(admin_user, away, teachers[0])
    client.force_login(principal)

    page = client.get(reverse("pairing:board")).content.decode()
    assert "1 / 1 名留守儿童有帮扶教师" in page

    registry_services.school_care_categories_set(school=school, categories=["is_orphan"])
    page = client.get(reverse("pairing:board")).content.decode()
    assert "1 / 2 名关爱对象有帮扶教师" in page


def test_the_board_shows_every_grades_coverage_and_one_grades_classes_at_a_time(
    client, principal, admin_user, pupil, other_pupil, teachers
):
    """A large school has 400 classes: a coverage row a grade, then the classes of the grade
    chosen (the first by default); the teachers' pages keep the grade."""
    teacher_pair(admin_user, other_pupil, teachers[0])
    client.force_login(principal)

    first = client.get(reverse("pairing:board"))
    fourth = client.get(reverse("pairing:board") + "?grade=4")

    grades = [(row.label, row.children, row.paired) for row in first.context["grades"]]
    assert grades == [("三年级", 1, 0), ("四年级", 1, 1)]
    assert [row.label for row in first.context["grade_classes"]] == ["三年级(1)班"]
    assert [row.label for row in fourth.context["grade_classes"]] == ["四年级(2)班"]
    assert "<td>四年级(2)班</td>" in fourth.content.decode()
    assert "<td>四年级(2)班</td>" not in first.content.decode()
    assert fourth.context["query"] == "grade=4"
