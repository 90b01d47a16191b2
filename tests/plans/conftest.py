"""A plan for a term that began two months ago: last month is over, this month is running."""

import datetime

import pytest
from django.utils import timezone

from plans import services
from plans.models import WorkPlan
from registry.models import SchoolYear, Term


def first_of_month(day: datetime.date, months_back: int = 0) -> datetime.date:
    day = day.replace(day=1)
    for _ in range(months_back):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


@pytest.fixture
def this_month():
    return first_of_month(timezone.localdate())


@pytest.fixture
def last_month():
    return first_of_month(timezone.localdate(), 1)


@pytest.fixture
def plan_term(school):
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        school=school,
        name="本学年",
        start_date=first_of_month(today, 3),
        end_date=today + datetime.timedelta(days=300),
    )
    return Term.objects.create(
        school_year=year,
        number=1,
        start_date=first_of_month(today, 2),
        end_date=today + datetime.timedelta(days=45),
    )


@pytest.fixture
def plan(plan_term, principal):
    return WorkPlan.objects.create(
        school=principal.school, term=plan_term, title="本学期关爱留守儿童工作计划",
        intro="指导思想：关爱每一名留守儿童。", author=principal,
    )  # fmt: skip


@pytest.fixture
def add_item(plan, principal):
    def add(month, kind, title, responsible=None, **fields):
        return services.item_save(
            actor=principal, plan=plan, month=month, kind=kind, title=title,
            responsible=responsible or principal, **fields,
        )  # fmt: skip

    return add
