"""Plans of the pairing pages' queries that must not walk the school: the board's unpaired
children from their own index on PostgreSQL."""

import pytest
from django.db import connection, transaction

from pairing.models import PairingSettings
from pairing.selectors import unpaired_children
from tests.factories import make_pupil
from tests.registry.test_search import without_indexes


def explained(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index (0022)")
def test_the_boards_unpaired_children_are_read_from_their_own_index(
    admin_user, school, school_class
):
    """At 20,000 pupils PostgreSQL read the whole table for 310 unpaired children (31 ms);
    pupil_unpaired holds them alone (EXPLAIN there: 0.5 ms). On a few rows the planner weighs
    any index that leads with the school alike, so that this one serves the query as Django
    writes it: with the pupils' other indexes gone and scans of the table off, the plan reads
    it."""
    make_pupil(actor=admin_user, school_class=school_class)
    query = unpaired_children(school, PairingSettings.for_school(school))
    sql, params = query.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_pupil' AND indexname "
            "NOT IN ('pupil_unpaired', 'registry_pupil_pkey') AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'registry_pupil'::regclass)"
        )
        others = [name for (name,) in cursor.fetchall()]

    with transaction.atomic(), without_indexes(others):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = explained(sql, params)

    assert "pupil_unpaired" in plan and "Seq Scan on registry_pupil" not in plan
