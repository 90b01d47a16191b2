"""Writing the demo's many rows: on PostgreSQL by COPY, which a county of 100,000 pupils and a
million rows beside them needs (an INSERT of 2,000 rows a statement spends most of its time
binding and parsing parameters); on SQLite by one prepared INSERT run for every row
(executemany), where bulk_create writes at most 999 values a statement and prepares each value
through the query compiler (about half of topping the 20,000-pupil school up to 200,000
records); elsewhere bulk_create."""

import datetime
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

BATCH = 2000
M = TypeVar("M", bound=models.Model)
# The Python types a field of each class stores as they are (no conversion for the database):
# most of a row's values, left to psycopg without Django's per-value preparation.
AS_IS = (
    (models.DateTimeField, datetime.datetime),
    (models.DateField, datetime.date),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.CharField, str),
    (models.TextField, str),
    (models.ForeignKey, int),
)


def insert(model: type[M], objs: Iterable[M], batch_size: int = BATCH) -> list[M]:
    """Save new objects as bulk_create does (pks set, defaults and auto_now_add applied), in
    the order given; on PostgreSQL by COPY and on SQLite by executemany, their pks drawn first
    (_new_pks)."""
    objs = list(objs)
    connection = connections[DEFAULT_DB_ALIAS]
    if not objs or connection.vendor not in ("postgresql", "sqlite"):
        return model.objects.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    values = [_value_of(field, connection) for field in meta.concrete_fields]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in meta.concrete_fields)
    new = [obj for obj in objs if obj.pk is None]
    with connection.cursor() as cursor:
        if new:
            for obj, pk in zip(new, _new_pks(cursor, meta, len(new)), strict=True):
                obj.pk = pk
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row([value(obj) for value in values])
        else:
            placeholders = ", ".join(["%s"] * len(values))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                [[value(obj) for value in values] for obj in objs],
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _new_pks(cursor, meta, count: int) -> list[int]:
    """The pks `count` new rows of the table get, as bulk_create would give them: on PostgreSQL
    the next ones of the table's sequence, moved on past them in one statement (a demo is seeded
    alone: seed_demo refuses a database with another school; drawing them one by one took ~10 %
    of a county's SQL time); on SQLite the ones after the largest the table ever had
    (AUTOINCREMENT's sqlite_sequence, which an explicit pk moves on as a drawn one would)."""
    if cursor.db.vendor == "postgresql":
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s))"
            " + %s - 1)",
            [meta.db_table, meta.pk.column, meta.db_table, meta.pk.column, count],
        )
        (last,) = cursor.fetchone()
        return list(range(last - count + 1, last + 1))
    cursor.execute("SELECT MAX(seq) FROM sqlite_sequence WHERE name = %s", [meta.db_table])
    (used,) = cursor.fetchone()
    cursor.execute(f"SELECT MAX({meta.pk.column}) FROM {meta.db_table}")
    (largest,) = cursor.fetchone()
    first = max(used or 0, largest or 0) + 1
    return list(range(first, first + count))


def _value_of(field: models.Field, connection) -> Callable[[models.Model], Any]:
    """How to read the field's database value from an object, as bulk_create would."""
    attname = field.attname

    def prepared(obj: models.Model) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, True), connection)

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return prepared
    kinds = tuple(kind for cls, kind in AS_IS if isinstance(field, cls))
    if not kinds or isinstance(field, models.FileField):
        return prepared
    kind = kinds[0]
    if connection.vendor == "sqlite" and kind in (datetime.datetime, datetime.date):
        return _as_sqlite_text(attname, kind, prepared, connection.timezone)

    def as_is(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) is kind:
            if kind is datetime.datetime and value is not None and value.tzinfo is None:
                return prepared(obj)
            return value
        return prepared(obj)

    return as_is


def _as_sqlite_text(attname: str, kind: type, prepared, zone) -> Callable[[models.Model], Any]:
    """A date's or an aware datetime's text as Django's SQLite backend stores it (a datetime
    made naive in the connection's time zone), without its per-value preparation; anything else
    prepared."""

    def as_text(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None:
            return None
        if type(value) is kind and (kind is datetime.date or value.tzinfo is not None):
            if kind is datetime.datetime:
                value = value.astimezone(zone).replace(tzinfo=None)
            return str(value)
        return prepared(obj)

    return as_text
