"""demo/bulk.insert saves what bulk_create saves (COPY on PostgreSQL, executemany on SQLite):
the same stored values, and pks after every one the table ever gave, as the sequence would."""

import datetime

import pytest
from django.utils import timezone

from demo.bulk import insert
from tests.factories import SchoolFactory, UserFactory
from visits.models import CareRecord

pytestmark = pytest.mark.django_db


def records(school, author) -> list[CareRecord]:
    aware = timezone.make_aware(datetime.datetime(2026, 9, 14, 8, 30, 15, 250))
    return [
        CareRecord(
            school=school, author=author, kind="talk", occurred_on=datetime.date(2026, 9, 14),
            content="谈心", voided_at=voided, void_reason="记错" if voided else "",
            guides_mind=index % 2 == 0,
        )
        for index, voided in enumerate([None, aware, None])
    ]  # fmt: skip


def stored(pks) -> list[tuple]:
    fields = [f.attname for f in CareRecord._meta.concrete_fields if f.attname != "id"]
    return list(CareRecord.objects.filter(pk__in=pks).order_by("pk").values_list(*fields))


def test_insert_stores_what_bulk_create_stores():
    school = SchoolFactory()
    author = UserFactory(school=school)
    made = CareRecord.objects.bulk_create(records(school, author))
    inserted = insert(CareRecord, records(school, author))
    assert [record.pk for record in inserted] == [made[-1].pk + n for n in (1, 2, 3)]
    assert all(not record._state.adding for record in inserted)
    with_times = {"created_at", "updated_at"}
    names = [f.attname for f in CareRecord._meta.concrete_fields if f.attname != "id"]
    keep = [i for i, name in enumerate(names) if name not in with_times]
    before = [[row[i] for i in keep] for row in stored([r.pk for r in made])]
    after = [[row[i] for i in keep] for row in stored([r.pk for r in inserted])]
    assert after == before
    assert CareRecord.objects.get(pk=inserted[1].pk).voided_at == made[1].voided_at


def test_insert_draws_pks_after_every_one_the_table_gave():
    school = SchoolFactory()
    author = UserFactory(school=school)
    made = CareRecord.objects.bulk_create(records(school, author))
    CareRecord.objects.filter(pk=made[-1].pk).delete()  # the largest pk, gone
    inserted = insert(CareRecord, records(school, author)[:1])
    assert inserted[0].pk == made[-1].pk + 1
