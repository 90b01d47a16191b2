"""Who reaches which schools from above: the bureau every school, a 中心学校 reader their
township's, a school's own staff none; someone with no school gets no school's page."""

import pytest
from django.urls import reverse

from registry.models import Role
from registry.selectors import schools_visible_to
from tests.factories import SchoolFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    baishui, shimen = TownshipFactory(name="白水镇"), TownshipFactory(name="石门乡")
    return {
        "baishui": [
            SchoolFactory(name="白水镇中心小学", township=baishui),
            SchoolFactory(name="白水镇龙潭村小", township=baishui),
        ],
        "shimen": [SchoolFactory(name="石门乡中心小学", township=shimen)],
        "townships": (baishui, shimen),
    }


def test_the_bureau_reads_every_school_and_a_township_reader_their_townships(county):
    bureau = UserFactory(school=None, roles=[Role.BUREAU])
    baishui, _shimen = county["townships"]
    township = UserFactory(
        school=county["baishui"][0], township=baishui, roles=[Role.TOWNSHIP, Role.PRINCIPAL]
    )
    principal = UserFactory(school=county["shimen"][0], roles=[Role.PRINCIPAL])

    assert set(schools_visible_to(user=bureau)) == {*county["baishui"], *county["shimen"]}
    assert set(schools_visible_to(user=township)) == set(county["baishui"])
    assert list(schools_visible_to(user=principal)) == []


def test_someone_with_no_school_is_sent_to_the_county_and_refused_the_schools_pages(client, county):
    client.force_login(UserFactory(school=None, roles=[Role.BUREAU]))

    assert client.get(reverse("home"))["Location"] == reverse("county:home")
    for name in (
        "registry:pupil_list",
        "visits:record_list",
        "reports:dashboard",
        "plans:calendar",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    page = client.get(reverse("county:home"))
    assert page.status_code == 200
    assert "石门乡中心小学" in page.content.decode()


def test_a_schools_own_staff_do_not_reach_the_county(client, county):
    client.force_login(UserFactory(school=county["shimen"][0], roles=[Role.PRINCIPAL]))

    assert client.get(reverse("county:home")).status_code == 403
