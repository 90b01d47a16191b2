"""seed_demo --schools: a county of demo schools under their townships, its readers, and each
school's staff kept to their own school."""

import io
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.county import SIZES, plan_county
from demo.school import DEMO_PASSWORD
from registry.models import Pupil, Role, School, Township, User

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def county():
    return seed(schools=3, pupils=600, seed=5)


def sign_in(client, username: str):
    response = client.post(
        reverse("login"), {"username": username, "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def test_a_county_of_three_schools_under_a_township_shares_the_pupils(county):
    schools = list(School.objects.select_related("township").order_by("pk"))
    assert len(schools) == 3
    assert all(school.township is not None and school.is_demo for school in schools)
    assert schools[0].kind == School.Kind.CENTRAL
    assert len({school.code for school in schools}) == 3
    assert Pupil.objects.count() == 600
    assert all(Pupil.objects.filter(school=school).count() >= 6 for school in schools)
    assert "3 所学校，600 名学生" in county and "bureau" in county and "zx01" in county


def test_the_county_readers_sign_in_and_reach_the_county_page_with_every_school(client, county):
    for username in ("bureau", "zx01"):
        client.logout()
        sign_in(client, username)
        response = client.get(reverse("county:home"), follow=True)
        assert response.redirect_chain == [(reverse("county:dashboard"), 302)]
        assert response.status_code == 200
        page = response.content.decode()
        assert all(school.name in page for school in School.objects.all())
        # Reading only: no school's pages.
        assert client.get(reverse("registry:pupil_list")).status_code == 403
    assert User.objects.get(username="zx01").has_role(Role.TOWNSHIP)


def test_each_schools_staff_see_only_their_own_school(client, county):
    first, second, _third = School.objects.order_by("pk")
    # The first school's staff keep the demo names; the others' carry the school's number.
    assert User.objects.get(username="principal").school == first
    assert User.objects.get(username="principal002").school == second
    sign_in(client, "principal002")
    page = client.get(reverse("registry:pupil_list") + "?per_page=1000").content.decode()
    theirs = Pupil.objects.filter(school=second).order_by("pk").first()
    other = Pupil.objects.filter(school=first).order_by("pk").first()
    assert f"/registry/pupils/{theirs.pk}/" in page or second.name in page
    assert f"/registry/pupils/{other.pk}/" not in page
    assert client.get(reverse("registry:pupil_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("registry:pupil_detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("county:home")).status_code == 403


def test_replacing_a_county_with_one_demo_school_leaves_no_township_or_county_reader():
    seed(schools=2, pupils=60, seed=5)
    seed(pupils=60, seed=5, replace=True)
    assert School.objects.count() == 1
    assert not Township.objects.exists()
    assert not User.objects.filter(school=None).exists()


def test_a_county_of_a_hundred_schools_has_realistic_sizes_and_the_same_seed_the_same_plan():
    plans = plan_county(schools=100, pupils=100_000, rng=random.Random(7))
    assert len(plans) == 100
    assert sum(plan.pupils for plan in plans) == 100_000
    assert len({plan.township for plan in plans}) == 12
    assert len({plan.name for plan in plans}) == 100
    by_kind = {kind: [p.pupils for p in plans if p.kind == kind] for kind in SIZES}
    assert min(by_kind[School.Kind.CENTRAL]) > max(by_kind[School.Kind.VILLAGE])
    assert max(by_kind[School.Kind.TEACHING_POINT]) < 200
    assert plans == plan_county(schools=100, pupils=100_000, rng=random.Random(7))
