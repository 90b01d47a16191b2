"""The national registers across schools: the 学籍 and 民政 layouts of every school in reach,
numbers masked, each export in each school's own access log; the two 口径 side by side."""

import pytest
from django.urls import reverse

from registry.models import AccessLog, Pupil, Role
from tests.county.test_dashboard import build_school
from tests.factories import TownshipFactory, UserFactory
from tests.registry.test_national_layouts import as_dicts, workbook_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    qingshan, shimen = TownshipFactory(name="青山镇"), TownshipFactory(name="石门乡")
    first, _ = build_school(qingshan, "青山镇中心小学", left_behind=2, others=1)
    second, _ = build_school(shimen, "石门乡中心小学", left_behind=1, others=2)
    return {"first": first, "second": second, "qingshan": qingshan}


def test_the_bureau_exports_every_schools_pupils_in_the_xueji_layout_masked_and_logged_by_school(
    client, county
):
    bureau = UserFactory(school=None, roles=[Role.BUREAU])
    client.force_login(bureau)

    rows = as_dicts(workbook_rows(client.get(reverse("county:registers_xueji_xlsx"))))

    enrolled = Pupil.objects.filter(status=Pupil.Status.ENROLLED)
    assert sorted(row["姓名"] for row in rows) == sorted(enrolled.values_list("name", flat=True))
    assert {row["学校"] for row in rows} == {"青山镇中心小学", "石门乡中心小学"}
    by_name = {(row["学校"], row["姓名"]): row for row in rows}
    assert by_name[("青山镇中心小学", "留守0")]["是否留守儿童"] == "2"
    assert by_name[("石门乡中心小学", "同学0")]["是否留守儿童"] == "0"
    whole = Pupil.objects.exclude(id_number="").values_list("id_number", flat=True)
    assert not {row["身份证号"] for row in rows} & set(whole)
    logged = AccessLog.objects.filter(actor=bureau, action=AccessLog.Action.EXPORT)
    for school in (county["first"], county["second"]):
        assert set(logged.filter(school=school).values_list("pupil__name", flat=True)) == set(
            enrolled.filter(school=school).values_list("name", flat=True)
        )


def test_a_township_reader_exports_and_counts_only_their_townships_schools(client, county):
    client.force_login(UserFactory(school=None, township=county["qingshan"], roles=[Role.TOWNSHIP]))

    rows = as_dicts(workbook_rows(client.get(reverse("county:registers_civil_affairs_xlsx"))))
    page = client.get(reverse("county:registers"))

    assert all(row.get("学校", "青山镇中心小学") == "青山镇中心小学" for row in rows)
    definitions = page.context["definitions"]
    left_behind = Pupil.objects.filter(school=county["first"], status=Pupil.Status.ENROLLED)
    assert definitions.school == left_behind.exclude(left_behind="none").count() == 2
    assert definitions.adds_up


def test_the_counts_side_by_side_cost_one_query_whatever_the_schools(
    client, county, django_assert_max_num_queries
):
    client.force_login(UserFactory(school=None, roles=[Role.BUREAU]))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("county:registers")).status_code == 200
