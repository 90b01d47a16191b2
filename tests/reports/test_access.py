"""Who reaches a term's summary and its versions: the school's care leads; another school's
term or version is not found, and others are refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from registry.models import SchoolYear, Term
from reports.models import TermReport
from reports.selectors import get_term_for_user, get_version_for_user
from tests.factories import SchoolFactory
from tests.reports.test_compare import _generate


@pytest.fixture
def other_schools_term(db) -> Term:
    year = SchoolYear.objects.create(
        school=SchoolFactory(name="外校"),
        name="2026—2027学年",
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2027, 7, 10),
    )
    return Term.objects.create(
        school_year=year,
        number=1,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2027, 1, 20),
    )


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "reports:term_report_edit"),
        ("post", "reports:term_report_edit"),
        ("get", "reports:term_report_preview"),
        ("post", "reports:term_report_generate"),
    ],
)
def test_another_schools_term_is_not_found_and_gets_no_summary(
    client, principal, other_schools_term, method, url_name
):
    client.force_login(principal)

    response = getattr(client, method)(reverse(url_name, args=[other_schools_term.pk]))

    assert response.status_code == 404
    assert not TermReport.objects.exists()


def test_another_schools_version_is_not_found(client, principal, known_school):
    version = _generate(principal, known_school)
    version.report.school = SchoolFactory(name="外校")
    version.report.save()
    client.force_login(principal)

    response = client.get(reverse("reports:term_report_version", args=[version.pk]))

    assert response.status_code == 404


def test_the_access_helpers_find_the_schools_own_term_and_version(principal, known_school):
    version = _generate(principal, known_school)

    assert get_term_for_user(principal, known_school.pk) == known_school
    assert get_version_for_user(principal, version.pk) == version
    with pytest.raises(Http404):
        get_version_for_user(principal, version.pk + 1)


def test_the_access_helpers_refuse_those_who_do_not_lead_the_care_work(class_teacher, known_school):
    with pytest.raises(PermissionDenied):
        get_term_for_user(class_teacher, known_school.pk)
    with pytest.raises(PermissionDenied):
        get_version_for_user(class_teacher, 1)
