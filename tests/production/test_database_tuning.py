import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit_compilation():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
