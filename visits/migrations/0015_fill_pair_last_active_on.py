"""Fill pairing's new Pair.last_active_on (pairing 0003) from the checks and the records."""

from django.db import migrations
from django.db.models import DateField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def fill_last_active_on(apps, schema_editor) -> None:
    """last_active_on of every pair, by the rule as visits.tallies.pair_activity_refresh spelt
    it when this migration was written (frozen here; `manage.py recount_tallies` applies the
    live one): the later of the pair's latest check and its teacher's latest care record not
    voided about the child. One UPDATE."""
    Pair = apps.get_model("pairing", "Pair")
    PairCheck = apps.get_model("pairing", "PairCheck")
    CareRecord = apps.get_model("visits", "CareRecord")

    def latest() -> tuple[Subquery, Subquery]:
        checks = PairCheck.objects.filter(pair=OuterRef("pk")).order_by("-checked_on")
        records = CareRecord.objects.filter(
            voided_at=None, pupils=OuterRef("pupil_id"), author=OuterRef("teacher_id")
        ).order_by("-occurred_on")
        return (
            Subquery(checks.values("checked_on")[:1], output_field=DateField()),
            Subquery(records.values("occurred_on")[:1], output_field=DateField()),
        )

    (check, record), (check_again, record_again) = latest(), latest()
    Pair.objects.update(
        last_active_on=Greatest(Coalesce(check, record), Coalesce(record_again, check_again))
    )


class Migration(migrations.Migration):

    dependencies = [
        ("pairing", "0003_pair_last_active_on"),
        ("visits", "0014_record_day_count"),
    ]

    operations = [
        migrations.RunPython(fill_last_active_on, migrations.RunPython.noop, elidable=True),
    ]
