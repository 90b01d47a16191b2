"""Malformed query parameters (a huge number, a bad date, a NUL byte) get a page, never a 500."""

import pytest
from django.urls import reverse

from tests.registry.test_permissions import POST_DATA, URL_PATTERNS, _summary_version

# Every name a page reads from its query string.
PARAMETERS = (
    "q", "grade", "school_class", "left_behind", "pupil", "pupil_id", "actor", "action",
    "date_from", "date_to", "kind", "start", "end", "voided", "author", "page", "show", "all",
    "ended", "teacher", "to", "download", "status", "month", "term",
)  # fmt: skip
HOSTILE = (
    "99999999999999999999",
    "-9223372036854775809",
    "abc",
    "2026-13-45",
    "99999-01-01",
    "\x00",
)
LIST_PAGES = sorted(
    name
    for name, pattern in URL_PATTERNS.items()
    if not pattern.pattern.converters and name not in POST_DATA
)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", LIST_PAGES)
def test_a_malformed_parameter_never_crashes_a_page(client, known_school, admin_user, name, value):
    client.force_login(admin_user)

    response = client.get(reverse(name), dict.fromkeys(PARAMETERS, value))

    assert response.status_code < 500



@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_a_malformed_version_to_compare_with_is_not_found(client, admin_user, principal, value):
    version = _summary_version(admin_user.school, admin_user)
    client.force_login(principal)

    url = reverse("reports:term_report_compare", args=[version.pk])

    assert client.get(url, {"to": value}).status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "٣", "-1", "1e3", ""])
def test_a_record_form_asked_for_a_strange_child_is_the_empty_form(
    client, class_teacher, pupil, value
):
    client.force_login(class_teacher)

    assert client.get(reverse("visits:record_create"), {"pupil": value}).status_code == 200
