"""Fixtures of the registry's tests shared by several files."""

import datetime

import pytest

from tests.factories import make_pupil


@pytest.fixture
def disabled(admin_user, school_class):
    """A disabled child whose parents are at home: not left-behind."""
    return make_pupil(
        actor=admin_user, school_class=school_class, name="孙小残", left_behind="none",
        is_disabled=True, birth_date=datetime.date(2017, 2, 2),
    )  # fmt: skip
