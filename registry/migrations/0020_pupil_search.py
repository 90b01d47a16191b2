"""The indexes the pupil list's search reads (registry.selectors._search_q, issue 19): on both
databases pupil_search, whose narrow entries the LIKE '%…%' tests are run on rather than the
school's wide rows; on PostgreSQL also pupil_search_trigram, a pg_trgm GIN index that finds a
search of three characters or more among the matching pupils alone."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# Each column as _search_q spells its test: Django casts a LIKE's column to text, and an
# icontains compares UPPER(column::text). A search too short for a trigram (one or two
# characters) is not served by this index (pg_trgm's documentation: a full index scan); the
# planner reads pupil_search for those.
TRIGRAM_INDEX = """
    CREATE INDEX pupil_search_trigram ON registry_pupil USING gin (
        name gin_trgm_ops,
        name_pinyin gin_trgm_ops,
        name_initials gin_trgm_ops,
        (UPPER(student_number::text)) gin_trgm_ops,
        id_number gin_trgm_ops
    ) WHERE pending_import_id IS NULL
"""


class PostgreSQLTrigramExtension(TrigramExtension):
    """pg_trgm, on PostgreSQL only both ways: Django's operation skips other databases going
    forwards, but going backwards it asks them for pg_extension."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM_INDEX)


def drop_trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pupil_search_trigram")


def analyze_pupils(apps, schema_editor) -> None:
    """Statistics of the new indexes now, where the database keeps statistics: without them
    SQLite guessed pupil_search's (school, status) entries few and read a page's fifty rows by
    it rather than by their keys. The whole table at once, so that its indexes' statistics are
    taken alike (pupil_search's taken whole beside pupil_list_filter's sampled by `PRAGMA
    optimize`, SQLite took the sampled one for the more selective and scanned the table). A
    SQLite database without any (a fresh install) is left so: `PRAGMA optimize` writes them
    as connections close (caresys.lib.sqlite)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE registry_pupil")
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("ANALYZE registry_pupil")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0019_pupil_in_care"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pupil",
            index=models.Index(
                condition=models.Q(("pending_import", None)),
                fields=[
                    "school",
                    "status",
                    "left_behind",
                    "name_initials",
                    "name_pinyin",
                    "name",
                    "student_number",
                    "id_number",
                    "school_class",
                    "pending_import",
                ],
                include=["id"],
                name="pupil_search",
            ),
        ),
        PostgreSQLTrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(analyze_pupils, migrations.RunPython.noop, elidable=True),
    ]
