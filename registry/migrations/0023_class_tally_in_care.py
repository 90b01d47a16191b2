"""ClassTally's counts of each class's 关爱对象 (the kept Pupil.in_care) and of those of them paired
with a teacher (teacher_paired), which the pairing board's coverage reads instead of walking the
school's children in care (issue 19): added to every kept row."""

from django.db import migrations
from django.db.models import Count, Q


def fill_in_care_counts(apps, schema_editor) -> None:
    """Each kept row's "care" and "care_paired", counted from its enrolled pupils (pending
    imports left out) as registry.selectors.class_tally_counts counted them when this migration
    was written (`manage.py recount_flags` applies the live rule). One grouped query."""
    ClassTally = apps.get_model("registry", "ClassTally")
    Pupil = apps.get_model("registry", "Pupil")
    counted = {
        (row["school"], row["school_class"]): (row["care"], row["care_paired"])
        for row in Pupil.objects.filter(status="enrolled", pending_import=None)
        .values("school", "school_class")
        .annotate(
            care=Count("pk", filter=Q(in_care=True)),
            care_paired=Count("pk", filter=Q(in_care=True, teacher_paired=True)),
        )
        .order_by()
    }
    rows = []
    for tally in ClassTally.objects.exclude(counts={}).order_by("pk"):
        care, paired = counted.get((tally.school_id, tally.school_class_id), (0, 0))
        tally.counts = {**tally.counts, "care": care, "care_paired": paired}
        rows.append(tally)
    ClassTally.objects.bulk_update(rows, ["counts"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0022_pupil_unpaired"),
    ]

    operations = [
        migrations.RunPython(fill_in_care_counts, migrations.RunPython.noop, elidable=True),
    ]
