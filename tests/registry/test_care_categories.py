"""The school's 关爱对象: the registrar chooses difficulty categories on the school's settings
page; the pupil list filters the children in care and the register marks them."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Pupil
from tests.factories import make_pupil
from tests.registry.test_export import REGISTER, register_rows

SCHOOL_PAGE = "admin:registry_school_change"


def test_no_category_is_chosen_until_the_school_chooses(school, pupil, disabled):
    assert school.care_categories == []
    assert list(Pupil.objects.in_care_enrolled(school)) == [pupil]


def test_the_registrar_chooses_the_categories_on_the_schools_settings_page(
    client, admin_user, school
):
    client.force_login(admin_user)
    page = client.get(reverse(SCHOOL_PAGE, args=[school.pk])).content.decode()
    assert "纳入关爱对象的困境儿童类别" in page and "事实上无人抚养" in page
    assert 'value="is_dropout"' not in page  # a dropout is the dropout watch's

    response = client.post(
        reverse(SCHOOL_PAGE, args=[school.pk]),
        {
            "name": school.name,
            "leaver_retention_years": 3,
            "idle_timeout_minutes": 30,
            "care_categories": ["is_orphan", "is_disabled"],
        },
    )

    assert response.status_code == 302
    school.refresh_from_db()
    assert school.care_categories == ["is_disabled", "is_orphan"]


def test_a_category_that_is_not_offered_is_refused(client, admin_user, school):
    client.force_login(admin_user)

    response = client.post(
        reverse(SCHOOL_PAGE, args=[school.pk]),
        {"name": school.name, "leaver_retention_years": 3, "idle_timeout_minutes": 30,
         "care_categories": ["is_dropout"]},
    )  # fmt: skip

    assert response.status_code == 200
    school.refresh_from_db()
    assert school.care_categories == []


def test_the_pupil_list_filters_the_children_in_care(client, principal, school, pupil, disabled):
    client.force_login(principal)
    url = reverse("registry:pupil_list") + "?left_behind=care"
    assert [p.name for p in client.get(url).context["page"]] == ["王小明"]

    school.care_categories = ["is_disabled"]
    school.save()

    assert [p.name for p in client.get(url).context["page"]] == ["孙小残", "王小明"]


def test_the_register_of_the_children_in_care_marks_each_one(
    client, principal, school, pupil, disabled
):
    school.care_categories = ["is_disabled"]
    school.save()
    client.force_login(principal)

    rows = register_rows(client.get(REGISTER + "?left_behind=care"))

    assert [(row["姓名"], row["留守情况"], row["关爱对象"]) for row in rows] == [
        ("孙小残", "非留守", "是"),
        ("王小明", "双亲外出", "是"),
    ]


def test_the_pupil_list_in_care_costs_the_same_queries_for_more_children(
    client, principal, admin_user, school, school_class, disabled, django_assert_num_queries
):
    school.care_categories = ["is_disabled"]
    school.save()
    make_pupil(actor=admin_user, school_class=school_class, name="刘小军", left_behind="none")
    client.force_login(principal)
    url = reverse("registry:pupil_list") + "?left_behind=care"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for day in range(3, 7):
        make_pupil(actor=admin_user, school_class=school_class, name="孙小甲", left_behind="none",
                   is_disabled=True, birth_date=datetime.date(2016, 5, day))  # fmt: skip

    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["page"]) == 5  # not 刘小军, who is neither
