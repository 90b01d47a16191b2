"""Creating and changing archives: checks across fields, history, left-behind periods, audit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from registry import services
from registry.models import (
    AccessLog,
    ArchiveRevision,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    Role,
    SchoolClass,
    User,
)
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    UserFactory,
    make_id_number,
    make_pupil,
)

BIRTH = datetime.date(2017, 3, 12)


def archive_data(school_class, *, guardian_phone="13812341234", **pupil_fields) -> dict:
    """A complete archive as the forms hand it to the service."""
    id_number = make_id_number(BIRTH, "M")
    return {
        "pupil": {
            "name": "王小明",
            "gender": "M",
            "birth_date": BIRTH,
            "id_number": id_number,
            "student_number": f"G{id_number}",
            "school_class": school_class,
            "address": "青山镇青山村3组",
            "guardianship_type": Pupil.Guardianship.GRANDPARENTS,
            "left_behind": "both",
            **pupil_fields,
        },
        "father": {"name": "王建国", "phone": "13700001111", "work_place": "广东省东莞市"},
        "mother": {"name": "李秀英", "phone": "13600002222", "work_place": "浙江省义乌市"},
        "guardian": {"name": "王德福", "relation": "祖父", "phone": guardian_phone},
    }


def row_counts() -> dict[str, int]:
    models = (Pupil, Parent, Guardian, LeftBehindPeriod, ArchiveRevision, AccessLog)
    return {model.__name__: model.objects.count() for model in models}


def change(revision: ArchiveRevision, key: str) -> dict:
    return next(item for item in revision.changes if item["key"] == key)


@pytest.fixture
def pupil_away_since_2023(admin_user, school_class):
    """Both parents away since September 2023, so a later change has room in the history."""
    return services.pupil_create(
        actor=admin_user,
        school=school_class.school,
        data=archive_data(school_class),
        left_behind_since=datetime.date(2023, 9, 1),
    )


# --- checks across fields --------------------------------------------------------------------


def test_a_birth_date_that_disagrees_with_the_id_number_is_rejected_beside_the_birth_date(
    admin_user, school_class
):
    with pytest.raises(ValidationError) as excinfo:
        make_pupil(
            actor=admin_user,
            school_class=school_class,
            birth_date=BIRTH,
            id_number=make_id_number(datetime.date(2016, 1, 1), "M"),
        )
    errors = excinfo.value.message_dict
    assert errors["pupil.birth_date"] == ["出生日期与身份证号中的出生日期（2016-01-01）不一致。"]


def test_a_gender_that_disagrees_with_the_id_number_is_rejected_beside_the_gender(
    admin_user, school_class
):
    with pytest.raises(ValidationError) as excinfo:
        make_pupil(
            actor=admin_user,
            school_class=school_class,
            gender="F",
            id_number=make_id_number(BIRTH, "M"),
        )
    assert excinfo.value.message_dict["pupil.gender"] == [
        "性别与身份证号不一致（身份证号显示为男）。"
    ]


def test_an_id_number_already_in_the_school_is_rejected(admin_user, school_class, pupil):
    with pytest.raises(ValidationError) as excinfo:
        make_pupil(
            actor=admin_user, school_class=school_class, name="王小刚", id_number=pupil.id_number
        )
    assert excinfo.value.message_dict["pupil.id_number"] == [
        "该身份证号已登记在本校另一名学生的档案中。"
    ]
    assert Pupil.objects.filter(id_number=pupil.id_number).count() == 1


def test_an_id_number_typed_with_a_lower_case_x_is_still_recognised_as_a_duplicate(
    admin_user, school_class
):
    number = "43052520170312003X"  # born 2017-03-12, male, check character X
    make_pupil(actor=admin_user, school_class=school_class, id_number=number)
    with pytest.raises(ValidationError) as excinfo:
        make_pupil(
            actor=admin_user,
            school_class=school_class,
            name="王小刚",
            id_number=number.lower(),
            student_number="G2",
        )
    assert "pupil.id_number" in excinfo.value.message_dict


def test_the_same_id_number_may_be_registered_by_another_school(pupil):
    other_school = SchoolFactory(name="石门乡小学")
    registrar = UserFactory(school=other_school, roles=[Role.ADMIN])
    other_class = SchoolClassFactory(school=other_school, grade=3, number=1)
    moved = make_pupil(actor=registrar, school_class=other_class, id_number=pupil.id_number)
    assert moved.school == other_school
    assert Pupil.objects.filter(id_number=pupil.id_number).count() == 2


def test_an_invalid_guardian_phone_is_rejected_and_nothing_is_written(admin_user, school_class):
    before = row_counts()
    with pytest.raises(ValidationError) as excinfo:
        services.pupil_create(
            actor=admin_user,
            school=school_class.school,
            data=archive_data(school_class, guardian_phone="1381234"),
        )
    assert list(excinfo.value.message_dict) == ["guardian.phone"]
    assert "11位" in excinfo.value.message_dict["guardian.phone"][0]
    assert row_counts() == before


def test_a_new_archive_opens_its_first_left_behind_period_on_the_date_given(
    pupil_away_since_2023, admin_user
):
    period = LeftBehindPeriod.objects.get(pupil=pupil_away_since_2023)
    assert (period.status, period.started_on, period.ended_on) == (
        "both",
        datetime.date(2023, 9, 1),
        None,
    )
    assert period.recorded_by == admin_user


# --- changing an archive ---------------------------------------------------------------------


def test_saving_an_archive_without_changes_writes_nothing(admin_user, pupil):
    before = row_counts()
    updated_at = Pupil.objects.get(pk=pupil.pk).updated_at
    revision = services.archive_update(
        actor=admin_user,
        pupil=pupil,
        data={
            "pupil": {"name": "王小明", "left_behind": "both"},
            "guardian": {"phone": "13812341234"},
        },
    )
    assert revision is None
    assert row_counts() == before
    assert Pupil.objects.get(pk=pupil.pk).updated_at == updated_at


def test_a_change_records_old_and_new_values_as_a_person_reads_them(
    admin_user, pupil_away_since_2023, other_class
):
    revision = services.archive_update(
        actor=admin_user,
        pupil=pupil_away_since_2023,
        data={
            "pupil": {"left_behind": "father", "is_boarding": True, "school_class": other_class},
            "guardian": {"phone": "13912345678"},
        },
        left_behind_since=datetime.date(2025, 3, 1),
    )
    assert revision.actor == admin_user
    assert revision.summary == "修改档案"
    assert change(revision, "pupil.left_behind") == {
        "key": "pupil.left_behind",
        "field": "留守情况",
        "old": "双亲外出",
        "new": "父亲外出",
    }
    assert change(revision, "pupil.is_boarding")["old"] == "否"
    assert change(revision, "pupil.is_boarding")["new"] == "是"
    assert change(revision, "pupil.school_class")["old"] == "三年级(1)班"
    assert change(revision, "pupil.school_class")["new"] == "四年级(2)班"
    assert change(revision, "guardian.phone") == {
        "key": "guardian.phone",
        "field": "监护人·电话",
        "old": "13812341234",
        "new": "13912345678",
    }
    assert len(revision.changes) == 4


def test_a_change_names_its_fields_in_the_language_it_is_made_in(admin_user, pupil):
    with translation.override("en"):
        english = services.archive_update(
            actor=admin_user, pupil=pupil, data={"guardian": {"phone": "13912345678"}}
        )
    chinese = services.archive_update(
        actor=admin_user, pupil=pupil, data={"guardian": {"phone": "13712345678"}}
    )
    assert change(english, "guardian.phone")["field"] == "Guardian · Phone"
    assert change(chinese, "guardian.phone")["field"] == "监护人·电话"


def test_a_change_is_written_to_the_access_log_with_the_fields_changed(admin_user, pupil):
    services.archive_update(actor=admin_user, pupil=pupil, data={"pupil": {"health": "有哮喘"}})
    log = AccessLog.objects.get(pupil=pupil, action=AccessLog.Action.UPDATE)
    assert log.actor == admin_user
    assert log.detail == "健康状况"


def test_a_change_of_left_behind_status_closes_the_open_period_and_opens_a_new_one(
    admin_user, pupil_away_since_2023
):
    services.archive_update(
        actor=admin_user,
        pupil=pupil_away_since_2023,
        data={"pupil": {"left_behind": "father"}},
        left_behind_since=datetime.date(2025, 3, 1),
    )
    periods = LeftBehindPeriod.objects.filter(pupil=pupil_away_since_2023).order_by("started_on")
    assert [(p.status, p.started_on, p.ended_on) for p in periods] == [
        ("both", datetime.date(2023, 9, 1), datetime.date(2025, 2, 28)),
        ("father", datetime.date(2025, 3, 1), None),
    ]


def test_a_change_of_left_behind_status_dated_before_the_current_period_is_rejected(
    admin_user, pupil_away_since_2023
):
    with pytest.raises(ValidationError) as excinfo:
        services.archive_update(
            actor=admin_user,
            pupil=pupil_away_since_2023,
            data={"pupil": {"left_behind": "father"}},
            left_behind_since=datetime.date(2023, 8, 31),
        )
    assert excinfo.value.message_dict["pupil.left_behind_since"] == [
        "变更日期应晚于当前留守情况的开始日期（2023-09-01）。"
    ]
    assert Pupil.objects.get(pk=pupil_away_since_2023.pk).left_behind == "both"
    assert LeftBehindPeriod.objects.get(pupil=pupil_away_since_2023).ended_on is None


def test_a_change_dated_the_day_the_period_began_corrects_that_period(
    admin_user, class_teacher, pupil_away_since_2023
):
    revision = services.archive_update(
        actor=class_teacher,
        pupil=pupil_away_since_2023,
        data={"pupil": {"left_behind": "father"}},
        left_behind_since=datetime.date(2023, 9, 1),
    )
    periods = LeftBehindPeriod.objects.filter(pupil=pupil_away_since_2023)
    assert [(p.status, p.started_on, p.ended_on) for p in periods] == [
        ("father", datetime.date(2023, 9, 1), None)
    ]
    assert periods.get().recorded_by == class_teacher
    assert change(revision, "pupil.left_behind")["old"] == "双亲外出"


def test_the_database_refuses_a_second_open_left_behind_period(pupil):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeftBehindPeriod.objects.create(
            pupil=pupil, status="father", started_on=datetime.date(2030, 1, 1)
        )
    assert LeftBehindPeriod.objects.filter(pupil=pupil, ended_on=None).count() == 1


def test_renaming_a_pupil_refreshes_the_pinyin_used_by_search(admin_user, pupil):
    services.archive_update(actor=admin_user, pupil=pupil, data={"pupil": {"name": "曾思琪"}})
    pupil.refresh_from_db()
    assert (pupil.name_pinyin, pupil.name_initials) == ("zengsiqi", "zsq")


def test_an_invalid_phone_in_a_change_is_rejected_and_the_archive_is_unchanged(admin_user, pupil):
    before = row_counts()
    with pytest.raises(ValidationError) as excinfo:
        services.archive_update(
            actor=admin_user,
            pupil=pupil,
            data={"pupil": {"health": "有哮喘"}, "father": {"phone": "12345"}},
        )
    assert "father.phone" in excinfo.value.message_dict
    assert row_counts() == before
    assert Pupil.objects.get(pk=pupil.pk).health == ""


# --- the access log --------------------------------------------------------------------------


def test_logging_access_writes_one_row_per_pupil(principal, pupil, other_pupil):
    written = services.log_access(
        actor=principal, action=AccessLog.Action.EXPORT, pupils=[pupil, other_pupil]
    )
    logs = AccessLog.objects.filter(actor=principal, action=AccessLog.Action.EXPORT)
    assert written == 2
    assert sorted(log.pupil.name for log in logs) == ["李小红", "王小明"]
    assert {log.school_id for log in logs} == {principal.school_id}


def test_logging_access_to_no_pupil_still_writes_one_row(principal):
    services.log_access(actor=principal, action=AccessLog.Action.EXPORT, detail="统计表")
    log = AccessLog.objects.get(actor=principal)
    assert (log.pupil, log.detail) == (None, "统计表")


def test_a_pupil_cannot_be_put_into_a_class_of_another_school(admin_user, school_class):
    from tests.factories import SchoolClassFactory, SchoolFactory

    foreign_class = SchoolClassFactory(school=SchoolFactory(name="外校"), grade=3, number=9)
    with pytest.raises(ValidationError) as excinfo:
        make_pupil(actor=admin_user, school_class=school_class, name="甲")
        services.pupil_create(
            actor=admin_user,
            school=school_class.school,
            data={"pupil": {"name": "乙", "gender": "M", "school_class": foreign_class}},
        )
    assert "pupil.school_class" in excinfo.value.message_dict


# --- leaving, graduating, the year's end -----------------------------------------------------


def status_revisions(pupil: Pupil) -> list[tuple[str, list[dict]]]:
    return [
        (revision.summary, revision.changes)
        for revision in ArchiveRevision.objects.filter(pupil=pupil).order_by("pk")
        if any(entry["key"] == "pupil.status" for entry in revision.changes)
    ]


LEFT = {"key": "pupil.status", "field": "在校状态", "old": "在校", "new": "已离校"}
GRADUATED = {"key": "pupil.status", "field": "在校状态", "old": "在校", "new": "已毕业"}


def test_a_status_change_is_recorded_as_any_other_edit_of_the_archive(admin_user, pupil):
    edit = services.archive_update(
        actor=admin_user, pupil=pupil, data={"pupil": {"left_behind": "father"}}
    )

    revision = services.pupil_status_change(actor=admin_user, pupil=pupil, status="left")

    assert revision.changes == [LEFT]
    assert [set(entry) for entry in revision.changes] == [set(entry) for entry in edit.changes]
    assert (revision.actor, revision.summary) == (edit.actor, edit.summary)
    logs = AccessLog.objects.filter(pupil=pupil, action=AccessLog.Action.UPDATE).order_by("pk")
    assert [log.detail for log in logs] == ["留守情况", "在校状态"]
    assert Pupil.objects.get(pk=pupil.pk).status == Pupil.Status.LEFT


def test_a_pupil_who_left_may_come_back_but_not_leave_again(admin_user, pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status="left")
    before = row_counts()

    with pytest.raises(ValidationError, match="该学生已不在校。"):
        services.pupil_status_change(actor=admin_user, pupil=pupil, status="graduated")
    assert row_counts() == before

    back = services.pupil_status_change(actor=admin_user, pupil=pupil, status="enrolled")
    assert back.changes == [LEFT | {"old": "已离校", "new": "在校"}]
    assert services.pupil_status_change(actor=admin_user, pupil=pupil, status="enrolled") is None


def test_a_status_the_archive_does_not_know_is_rejected(admin_user, pupil):
    with pytest.raises(ValidationError) as excinfo:
        services.pupil_status_change(actor=admin_user, pupil=pupil, status="expelled")
    assert list(excinfo.value.message_dict) == ["status"]
    assert Pupil.objects.get(pk=pupil.pk).status == Pupil.Status.ENROLLED


def test_graduating_many_pupils_writes_a_revision_each_in_the_same_queries_for_two_or_five(
    admin_user, school
):
    def graduate(count: int, number: int) -> int:
        sixth = SchoolClassFactory(school=school, grade=6, number=number)
        pupils = [
            make_pupil(actor=admin_user, school_class=sixth, name=f"毕业生{i}")
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            revisions = services.pupils_status_change(
                actor=admin_user,
                pupils=Pupil.objects.filter(school_class=sixth),
                status="graduated",
                summary="学年升级：毕业",
            )
        assert len(revisions) == count
        for pupil in pupils:
            assert status_revisions(pupil) == [("学年升级：毕业", [GRADUATED])]
            assert AccessLog.objects.get(pupil=pupil, action="update").detail == "在校状态"
        return len(captured)

    assert graduate(2, number=1) == graduate(5, number=2)


@pytest.fixture
def six_grades(school, school_class, other_class):
    """三(1) and 四(2), and a class in each of grades 5 and 6."""
    return (
        SchoolClassFactory(school=school, grade=5, number=1),
        SchoolClassFactory(school=school, grade=6, number=1),
    )


def test_the_year_end_graduates_the_top_grade_with_history_and_moves_the_others_up(
    admin_user, school_class, other_class, six_grades, principal
):
    fifth, sixth = six_grades
    graduate = make_pupil(actor=admin_user, school_class=sixth, name="毕业生")
    gone = make_pupil(actor=admin_user, school_class=sixth, name="转学生")
    services.pupil_status_change(actor=admin_user, pupil=gone, status="left")
    staying = make_pupil(actor=admin_user, school_class=fifth, name="五年级生")

    promotion = services.classes_promote(
        actor=admin_user, top_grade=6, head_teachers={fifth.pk: principal}
    )

    assert promotion == (3, [graduate.pk])
    assert status_revisions(graduate) == [("学年升级：毕业", [GRADUATED])]
    assert Pupil.objects.get(pk=gone.pk).status == Pupil.Status.LEFT
    assert Pupil.objects.get(pk=staying.pk).status == Pupil.Status.ENROLLED
    classes = {c.pk: c for c in SchoolClass.objects.all()}
    assert [classes[c.pk].grade for c in (school_class, other_class, fifth)] == [4, 5, 6]
    assert classes[fifth.pk].head_teacher == principal
    assert not classes[sixth.pk].is_active


def test_a_failed_promotion_leaves_nothing_half_written(
    admin_user, school, school_class, six_grades
):
    _fifth, sixth = six_grades
    graduate = make_pupil(actor=admin_user, school_class=sixth, name="毕业生")
    # 三(1) moves up last: its head teacher's account is removed while the page was open.
    removed = UserFactory(school=school)
    removed_pk = removed.pk
    removed.delete()
    before = row_counts()

    with pytest.raises(ValidationError):
        services.classes_promote(
            actor=admin_user, top_grade=6, head_teachers={school_class.pk: User(pk=removed_pk)}
        )

    assert row_counts() == before
    assert Pupil.objects.get(pk=graduate.pk).status == Pupil.Status.ENROLLED
    assert list(SchoolClass.objects.order_by("grade").values_list("grade", "is_active")) == [
        (3, True),
        (4, True),
        (5, True),
        (6, True),
    ]


def test_closing_a_staff_account_is_logged_once(admin_user, pair_teacher):
    assert services.staff_deactivate(actor=admin_user, user=pair_teacher)
    assert not services.staff_deactivate(actor=admin_user, user=pair_teacher)

    pair_teacher.refresh_from_db()
    assert not pair_teacher.is_active
    log = AccessLog.objects.get(actor=admin_user)
    assert (log.pupil, log.detail) == (None, f"停用教师账号：{pair_teacher}")
