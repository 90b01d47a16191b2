"""Fill registry's new Pupil.teacher_paired (registry 0017) from the pairs."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def fill_teacher_paired(apps, schema_editor) -> None:
    """teacher_paired of every row, by the rule as Pair.objects.active_teacher() spelt it when
    this migration was written (frozen here: a migration runs against the models of its time;
    `manage.py recount_flags` applies the live one): a teacher pair, not ended, with the
    teacher's account active. One UPDATE."""
    Pupil = apps.get_model("registry", "Pupil")
    Pair = apps.get_model("pairing", "Pair")
    active = Pair.objects.filter(
        pupil=OuterRef("pk"), kind="teacher", ended_on=None, teacher__is_active=True
    )
    Pupil.objects.update(teacher_paired=Exists(active))


class Migration(migrations.Migration):

    dependencies = [
        ("pairing", "0001_initial"),
        ("registry", "0017_pupil_kept_flags"),
    ]

    operations = [
        migrations.RunPython(fill_teacher_paired, migrations.RunPython.noop, elidable=True),
    ]
