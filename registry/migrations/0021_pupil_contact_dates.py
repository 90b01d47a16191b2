"""Each pupil's kept dates of the newest live care record naming them (of any kind, a 谈心谈话,
a 家访), and the index pupil_in_care widened by what the dashboard's walk of the children in
care counts, so that walk reads the index alone (issue 19). visits' migration 0017 fills the
dates, after this one (they are read from the records)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0020_pupil_search"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pupil",
            name="pupil_in_care",
        ),
        migrations.AddField(
            model_name="pupil",
            name="last_contact_on",
            field=models.DateField(editable=False, null=True, verbose_name="最近关爱日期"),
        ),
        migrations.AddField(
            model_name="pupil",
            name="last_home_visit_on",
            field=models.DateField(editable=False, null=True, verbose_name="最近家访日期"),
        ),
        migrations.AddField(
            model_name="pupil",
            name="last_talk_on",
            field=models.DateField(editable=False, null=True, verbose_name="最近谈心日期"),
        ),
        migrations.AddIndex(
            model_name="pupil",
            index=models.Index(
                condition=models.Q(
                    ("in_care", True), ("pending_import", None), ("status", "enrolled")
                ),
                fields=[
                    "school",
                    "status",
                    "school_class",
                    "teacher_paired",
                    "left_behind",
                    "last_home_visit_on",
                    "last_contact_on",
                    "last_talk_on",
                    "is_hardship",
                    "lacks_guardian",
                    "is_unsupported",
                    "is_disabled",
                    "is_orphan",
                    "is_priority",
                ],
                include=("id",),
                name="pupil_in_care",
            ),
        ),
    ]
