"""关爱对象 beyond the left-behind: a school that chooses difficulty categories cares for their
children too (paired, due, cleared) and counts them as their own group, 困境儿童（非留守）, on the
dashboard and in the summary; a school that chooses none sees nothing change."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing import selectors as pairing_selectors
from pairing import services as pairing_services
from registry import services as registry_services
from reports.selectors import term_numbers
from tests.factories import make_pupil
from tests.reports.test_term_summary import generate
from visits import due
from visits import services as visits_services
from visits.models import CareSettings


def choose(school, *categories: str) -> None:
    registry_services.school_care_categories_set(school=school, categories=list(categories))


@pytest.fixture
def orphan(admin_user, school_class):
    """An orphan living with the grandparents: not left-behind, in 三年级(1)班."""
    return make_pupil(
        actor=admin_user, school_class=school_class, name="孙小孤", left_behind="none",
        is_orphan=True, birth_date=datetime.date(2017, 2, 2),
    )  # fmt: skip


def work_of(teacher) -> due.WorkList:
    from registry.selectors import own_children

    settings = CareSettings.for_school(teacher.school)
    settings.teacher_visits_per_month = 0
    return due.work_list(
        user=teacher, pupils=own_children(user=teacher), settings=settings,
        today=timezone.localdate(),
    )  # fmt: skip


def due_for(work: due.WorkList, pupil) -> set[str]:
    return {item.label for item in work.due + work.overdue if item.pupil == pupil}


def test_a_child_in_a_chosen_category_who_is_not_left_behind_is_paired_and_covered(
    school, admin_user, orphan, pupil, other_teacher
):
    assert orphan not in pairing_selectors.unpaired_children(school)
    choose(school, "is_orphan")

    assert list(pairing_selectors.unpaired_children(school)) == [orphan, pupil]
    pairing_services.pair_create(
        actor=admin_user, pupil=orphan, kind="teacher", teacher=other_teacher
    )
    total, _per_class = pairing_selectors.coverage(school)
    assert (total.children, total.paired) == (2, 1)
    assert orphan not in pairing_selectors.unpaired_children(school)


def test_the_pairing_board_offers_the_child_once_the_school_chooses_the_category(
    client, admin_user, school, orphan
):
    client.force_login(admin_user)
    assert "孙小孤" not in client.get(reverse("pairing:board")).content.decode()

    choose(school, "is_orphan", "is_disabled")
    page = client.get(reverse("pairing:board")).content.decode()

    assert "孙小孤" in page and "未结对的关爱对象" in page


def test_a_child_in_care_gets_due_items_and_clears_them_by_doing_the_work(
    school, class_teacher, orphan, term
):
    choose(school, "is_disabled")  # another category: still nothing for the orphan
    assert due_for(work_of(class_teacher), orphan) == set()
    choose(school, "is_disabled", "is_orphan")
    assert due_for(work_of(class_teacher), orphan) == {"谈心", "亲情电话", "电话家访", "家访"}

    for kind in ("talk", "family_call", "phone_visit", "home_visit"):
        visits_services.record_create(
            actor=class_teacher, pupils=[orphan], kind=kind, content="关爱"
        )

    assert due_for(work_of(class_teacher), orphan) == set()


def test_the_class_overview_and_compliance_list_the_child_in_care(
    client, principal, class_teacher, school, school_class, orphan, pupil, term
):
    choose(school, "is_orphan")
    client.force_login(class_teacher)
    overview = client.get(reverse("visits:class_overview", args=[school_class.pk]))
    assert [row.pupil.name for row in overview.context["overview"].children] == [
        "孙小孤",
        "王小明",
    ]
    client.force_login(principal)
    report = client.get(reverse("visits:compliance")).context["report"]
    assert [row.children for row in report.classes] == [2]


def test_the_dashboard_counts_them_as_their_own_group_beside_the_left_behind(
    client, principal, admin_user, class_teacher, school, orphan, known_school, other_teacher
):
    client.force_login(principal)
    before = client.get(reverse("reports:dashboard"))
    assert before.context["n"].needy is None and "困境儿童（非留守）" not in before.content.decode()

    choose(school, "is_orphan", "is_unsupported")
    pairing_services.pair_create(
        actor=admin_user, pupil=orphan, kind="teacher", teacher=other_teacher
    )
    visits_services.record_create(
        actor=class_teacher, pupils=[orphan], kind="home_visit", content="家访"
    )
    response = client.get(reverse("reports:dashboard"))

    numbers, page = response.context["n"], response.content.decode()
    assert numbers.basic.away == before.context["n"].basic.away == 3  # not mixed in
    assert numbers.pairing.covered == before.context["n"].pairing.covered
    needy = numbers.needy
    assert (needy.children, needy.paired, needy.visited, needy.talked) == (1, 1, 1, 0)
    assert [(row.label, row.n) for row in needy.categories] == [("事实上无人抚养", 0), ("孤儿", 1)]
    assert "困境儿童（非留守）1人" in page
    assert 'href="/registry/pupils/?left_behind=none&amp;category=is_orphan">1</a>' in page


def test_the_dashboard_with_the_group_costs_the_same_queries_as_without_for_more_children(
    client, principal, admin_user, school, school_class, orphan, known_school
):
    """The group is counted in the dashboard's one walk of the children in care."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:dashboard")).status_code == 200
        return len(captured)

    client.force_login(principal)
    without = queries()
    choose(school, "is_orphan")
    assert queries() == without
    for day in range(10, 14):
        make_pupil(actor=admin_user, school_class=school_class, name="孙小甲", left_behind="none",
                   is_orphan=True, birth_date=datetime.date(2016, 5, day))  # fmt: skip
    assert queries() == without
    assert "困境儿童（非留守）5人" in client.get(reverse("reports:dashboard")).content.decode()


def test_the_walk_of_the_children_in_care_counts_as_the_walks_of_each_group(
    admin_user, class_teacher, other_teacher, school, school_class, other_class, orphan,
    known_school,
):  # fmt: skip
    """The dashboard's one walk of the children in care (the kept in_care) against the walks
    of the left-behind children and of the school's 困境儿童 it stands for."""
    from reports.selectors import _children_in_care, _needy, _reached, children_by_class
    from visits.tallies import reached_since

    choose(school, "is_orphan", "is_disabled")
    left_orphan = make_pupil(
        actor=admin_user, school_class=other_class, name="孙小走", left_behind="none",
        is_orphan=True, birth_date=datetime.date(2017, 3, 3),
    )  # fmt: skip
    registry_services.pupil_status_change(actor=admin_user, pupil=left_orphan, status="left")
    make_pupil(
        actor=admin_user, school_class=other_class, name="孙小残", left_behind="father",
        is_disabled=True, birth_date=datetime.date(2017, 3, 4),
    )  # fmt: skip
    make_pupil(
        actor=admin_user, school_class=other_class, name="孙小困", left_behind="none",
        is_unsupported=True, birth_date=datetime.date(2017, 3, 5),
    )  # fmt: skip  # a category the school did not choose
    pairing_services.pair_create(
        actor=admin_user, pupil=orphan, kind="teacher", teacher=other_teacher
    )
    for kind in ("home_visit", "talk"):
        visits_services.record_create(
            actor=class_teacher, pupils=[orphan], kind=kind, content="关爱"
        )
    term = known_school
    today = timezone.localdate()
    visited = _reached(school.pk, term.period, term.pk, "home_visit")
    talked = reached_since(school.pk, today.replace(day=1), term=term, today=today, kind="talk")
    school.refresh_from_db()

    children, needy = _children_in_care(school, term.period, term.pk, today, talked=talked)

    by_class = children_by_class(school.pk, visited, talked=Count("pk", filter=talked))
    assert children == {
        key: sum(row[key] for row in by_class.values()) for key in ("visited", "talked")
    }
    walked = _needy(school, term.period, today, term.pk)
    assert _needy(school, term.period, today, term.pk, needy) == walked
    assert (walked.children, walked.paired, walked.visited, walked.talked) == (1, 1, 1, 1)


def test_the_summary_states_the_group_and_who_of_it_is_not_yet_paired(
    principal, school, orphan, known_school
):
    choose(school, "is_orphan")

    _version, text, _reader = generate(principal, known_school)

    assert "其中留守儿童3人，占学生总数的" in text  # the left-behind figures as they were
    assert "另有困境儿童（非留守）1人" in text and "孤儿1人" in text
    assert "1名困境儿童（非留守）还没有结对帮扶教师" in text


def test_a_stored_version_keeps_the_group_and_one_without_it_keeps_its_shape(
    principal, school, orphan, known_school
):
    plain = term_numbers(school=school, period=known_school.period)
    assert "needy" not in plain.to_json()

    choose(school, "is_orphan")
    numbers = term_numbers(school=school, period=known_school.period)

    assert type(numbers).from_json(numbers.to_json()) == numbers
    assert numbers.needy.children == 1
