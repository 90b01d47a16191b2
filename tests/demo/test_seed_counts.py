"""seed_demo writes its rows in bulk (demo/bulk.py; COPY on PostgreSQL): a county of two schools
on a fixed day has as many rows of each kind as when they were saved one by one."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from events.models import Event
from plans.models import PlanItem, WorkPlan
from registry.models import AccessLog, Consent, Guardian, Parent, Pupil
from rooms.models import Opening, Room, Slot, Use
from visits.models import CareRecord

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 12)  # a Tuesday in the spring term


@pytest.fixture
def county(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, tz=None: DAY if value is None else real(value)
    )
    call_command(
        "seed_demo", schools=2, pupils=400, seed=5, stdout=io.StringIO(), stderr=io.StringIO()
    )


def test_a_seeded_county_has_the_rows_it_had_when_they_were_saved_one_by_one(county):
    counts = {
        "pupils": Pupil.objects.count(),
        "parents": Parent.objects.count(),
        "guardians": Guardian.objects.count(),
        "consents": Consent.objects.count(),
        "records": CareRecord.objects.count(),
        "rooms": Room.objects.count(),
        "slots": Slot.objects.count(),
        "on_duty": Slot.on_duty.through.objects.count(),
        "openings": Opening.objects.count(),
        "uses": Use.objects.count(),
        "plans": WorkPlan.objects.count(),
        "plan_items": PlanItem.objects.count(),
        "plan_items_done": PlanItem.objects.exclude(done_on=None).count(),
        "events": Event.objects.count(),
        "access_log": AccessLog.objects.count(),
    }
    assert counts == EXPECTED


def test_each_chat_room_use_is_its_childs_family_call_record(county):
    uses = Use.objects.select_related("record", "opening").annotate(
        children=Count("record__pupils")
    )
    assert uses.exists()
    for use in uses:
        assert use.record.kind == CareRecord.Kind.FAMILY_CALL
        assert use.record.occurred_on == use.opening.opened_on
        assert use.children == 1
        assert use.record.pupils.get() == use.pupil


# Counted with the rows saved one by one (before demo/bulk.py), on DAY.
EXPECTED = {
    "pupils": 400, "parents": 800, "guardians": 400, "consents": 1236, "records": 1083,
    "rooms": 4, "slots": 4, "on_duty": 8, "openings": 37, "uses": 190, "plans": 2,
    "plan_items": 30, "plan_items_done": 8, "events": 22, "access_log": 12,
}  # fmt: skip
