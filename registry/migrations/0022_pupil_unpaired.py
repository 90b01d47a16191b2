"""pupil_unpaired, on PostgreSQL only: the pairing board's unpaired children (pairing.selectors.
unpaired_children), a school's few hundred, read from their own index (issue 19). PostgreSQL,
guessing from in_care and teacher_paired apart (3,200 of 20,000 where there are 310), read the
whole pupil table (31 ms) rather than pupil_in_care; even told the true number (extended
statistics) it costed pupil_in_care's wide entries above the table. SQLite reads pupil_in_care
well, and given this index too it chose pupil_search's 20,000 entries with or without statistics
(SQLite 3.40), so it does not get it: made here, not in Pupil.Meta.indexes."""

from django.db import migrations

UNPAIRED_INDEX = """
    CREATE INDEX pupil_unpaired ON registry_pupil (school_id)
    WHERE in_care AND pending_import_id IS NULL AND status = 'enrolled' AND NOT teacher_paired
"""


def create_unpaired_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPAIRED_INDEX)
        schema_editor.execute("ANALYZE registry_pupil")


def drop_unpaired_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pupil_unpaired")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0021_pupil_contact_dates"),
    ]

    operations = [
        migrations.RunPython(create_unpaired_index, drop_unpaired_index),
    ]
