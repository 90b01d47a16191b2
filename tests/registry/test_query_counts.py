"""Pages cost the same number of queries with one pupil as with a full class (no N+1).

Every page's count includes one for the menu's unread notifications (reminders)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services as events_services
from pairing import services as pairing_services
from registry import services
from tests.factories import UserFactory, consent_to, make_pupil
from visits import services as visits_services

SURNAMES = "赵钱孙李周吴郑冯陈褚"
GIVEN_NAMES = "明红华丽强"


def add_pupils(actor, classes, count: int) -> None:
    """`count` more pupils with complete archives, spread over `classes` in turn."""
    names = itertools.product(SURNAMES, GIVEN_NAMES)
    for school_class, (surname, given) in zip(itertools.cycle(classes), names):
        if count == 0:
            return
        make_pupil(actor=actor, school_class=school_class, name=f"{surname}小{given}")
        count -= 1


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def rows_in(response, marker: str) -> int:
    return response.content.decode().count(marker)


# The missing-item counts of the page are one query by its keys (+1 since issue 19), and the
# page is found by its keys before its rows are read (+1, KeysFirstPaginator); the class
# filter's options are read as rows, with no COUNT of the classes before them (-1). A list
# whose count is not kept (a class teacher's, a search) counts its rows in the query of the
# page's keys (-1). The missing-item counts are asked only of the pupils whose kept
# archive_complete is False: none here, complete archives (-1).
@pytest.mark.parametrize(
    ("role", "search", "expected"),
    [("class_teacher", "", 9), ("principal", "", 9), ("admin", "?q=xiao", 8)],
)
def test_the_pupil_list_uses_as_many_queries_for_fifty_pupils_as_for_one(
    client,
    django_assert_num_queries,
    users_by_role,
    admin_user,
    school_class,
    pupil,
    role,
    search,
    expected,
):
    client.force_login(users_by_role[role])
    url = reverse("registry:pupil_list") + search
    with_one = queries_for(client, url)
    add_pupils(admin_user, [school_class], 49)

    with django_assert_num_queries(expected) as with_fifty:
        response = client.get(url)

    assert rows_in(response, 'class="pupil-row-name"') == 50
    assert with_one == len(with_fifty)


def test_the_archive_page_uses_as_many_queries_with_fifty_pupils_in_the_school_as_with_one(
    client, django_assert_num_queries, principal, admin_user, school_class, other_class, pupil
):
    client.force_login(principal)
    url = reverse("registry:pupil_detail", args=[pupil.pk])
    with_one = queries_for(client, url)
    add_pupils(admin_user, [school_class, other_class], 49)
    # Pairs, past and present, are one query however many the child has had.
    for teacher in UserFactory.create_batch(3, school=pupil.school):
        pairing_services.pair_create(actor=admin_user, pupil=pupil, kind="teacher", teacher=teacher)
    # Care records and open 五必访 are a query each, however many there are.
    for kind in ("talk", "home_visit", "tutoring"):
        visits_services.record_create(actor=admin_user, pupils=[pupil], kind=kind, content="x")
    visits_services.watch_event_create(actor=admin_user, pupil=pupil, kind="ill")
    # Open emergencies and dropout cases: a query each.
    for kind in ("injury", "missing"):
        visits_services.emergency_create(
            actor=admin_user, pupils=[pupil], kind=kind, occurred_at=timezone.now(), description="x"
        )
    visits_services.dropout_case_open(actor=admin_user, pupil=pupil, reason="x")
    # The consent panel is one query, however many consents were given and withdrawn.
    for consent in consent_to(pupil):
        services.consent_withdraw(actor=admin_user, consent=consent, on=consent.given_on)
    consent_to(pupil)
    # The events the child joined: one query, however many.
    for place in ("操场", "礼堂"):
        events_services.event_create(
            actor=admin_user, pupils=[pupil], kind="safety", place=place, led_by=admin_user,
            content="安全教育",
        )  # fmt: skip

    # 15: a complete archive (its kept archive_complete) needs no query of its missing items.
    with django_assert_num_queries(15) as with_fifty:
        client.get(url)

    assert with_one == len(with_fifty)


def test_the_history_page_does_not_grow_with_pupils_or_with_revisions(
    client, django_assert_num_queries, class_teacher, admin_user, school_class, pupil
):
    client.force_login(class_teacher)
    url = reverse("registry:pupil_history", args=[pupil.pk])
    with_one = queries_for(client, url)
    add_pupils(admin_user, [school_class], 49)
    # Twenty revisions in all (one page), by two people, so every row is drawn.
    for number in range(19):
        services.archive_update(
            actor=(admin_user, class_teacher)[number % 2],
            pupil=pupil,
            data={"guardian": {"phone": f"139000000{number:02d}"}},
        )

    with django_assert_num_queries(7) as with_twenty:
        response = client.get(url)

    assert rows_in(response, 'class="card mb-2 revision"') == 20
    assert with_one == len(with_twenty)


def test_the_contact_card_uses_as_many_queries_with_fifty_pupils_in_the_class_as_with_one(
    client, django_assert_num_queries, class_teacher, admin_user, school_class, pupil
):
    client.force_login(class_teacher)
    url = reverse("registry:contact_card", args=[pupil.pk])
    with_one = queries_for(client, url)
    add_pupils(admin_user, [school_class], 49)
    for teacher in UserFactory.create_batch(2, school=pupil.school):
        pairing_services.pair_create(actor=admin_user, pupil=pupil, kind="teacher", teacher=teacher)

    # The card's pair teachers are one query (they were one with no pair as well).
    with django_assert_num_queries(7) as with_fifty:
        client.get(url)

    assert with_one == len(with_fifty)


def test_the_access_log_uses_as_many_queries_for_fifty_rows_as_for_one(
    client, django_assert_num_queries, admin_user, school_class, other_class, pupil
):
    client.force_login(admin_user)
    url = reverse("registry:access_log")
    with_one = queries_for(client, url)
    add_pupils(admin_user, [school_class, other_class], 49)

    with django_assert_num_queries(6) as with_fifty:
        response = client.get(url)

    assert rows_in(response, 'data-label="操作人"') == 50
    assert with_one == len(with_fifty)
