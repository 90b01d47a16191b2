"""Fill the pupils' kept dates of their newest live care records (Pupil.last_contact_on,
last_talk_on, last_home_visit_on; registry's migration 0021), which visits.tallies keeps from
now on (issue 19)."""

from django.db import migrations
from django.db.models import DateField, F, OuterRef, Subquery


def fill_contact_dates(apps, schema_editor) -> None:
    """The rule of visits.tallies.contact_dates_refresh as this migration was written, frozen
    here as a migration runs against the models of its time (`manage.py recount_tallies`
    applies the live one): the newest live record of the pupil's school naming the pupil, of
    any kind, a talk, a home visit. One UPDATE."""
    Pupil = apps.get_model("registry", "Pupil")
    Link = apps.get_model("visits", "CareRecord").pupils.through

    def newest(kind: str | None) -> Subquery:
        # The school as an expression, or SQLite without statistics walks the school's
        # records for each pupil (see tallies._newest_record_on).
        links = (
            Link.objects.filter(carerecord__voided_at=None, pupil_id=OuterRef("pk"))
            .alias(record_school=F("carerecord__school_id") + 0)
            .filter(record_school=OuterRef("school_id"))
        )
        if kind:
            links = links.filter(carerecord__kind=kind)
        dates = links.order_by("-carerecord__occurred_on").values("carerecord__occurred_on")
        return Subquery(dates[:1], output_field=DateField())

    Pupil.objects.update(
        last_contact_on=newest(None),
        last_talk_on=newest("talk"),
        last_home_visit_on=newest("home_visit"),
    )


def analyze_pupils(apps, schema_editor) -> None:
    """Statistics of the filled columns and the widened pupil_in_care now, where the database
    keeps statistics (as registry's 0020 does, and why); a SQLite database without any is
    left so."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE registry_pupil")
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("ANALYZE registry_pupil")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0021_pupil_contact_dates"),
        ("visits", "0016_tally_recent_indexes"),
    ]

    operations = [
        migrations.RunPython(fill_contact_dates, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(analyze_pupils, migrations.RunPython.noop, elidable=True),
    ]
