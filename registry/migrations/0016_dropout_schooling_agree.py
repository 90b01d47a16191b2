"""A pupil ticked 辍学 before 就学情况 existed was given 在校 by its column's default: say 辍学, so
that the archive form and the roster import, which now refuse the two disagreeing, accept them."""

from django.db import migrations


def dropouts_out_of_school(apps, schema_editor):
    Pupil = apps.get_model("registry", "Pupil")
    Pupil.objects.filter(is_dropout=True, schooling="in_school").update(schooling="dropped_out")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0015_national_layout_fields"),
    ]

    operations = [
        migrations.RunPython(dropouts_out_of_school, migrations.RunPython.noop, elidable=True),
    ]
