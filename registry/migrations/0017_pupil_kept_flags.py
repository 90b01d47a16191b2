"""Pupil.archive_complete and teacher_paired, the kept flags the county's dashboard counts
(issue 20); archive_complete is filled here, teacher_paired by pairing's migration 0002."""

from django.db import migrations, models
from django.db.models import Case, Exists, OuterRef, Q, Value, When


def fill_archive_complete(apps, schema_editor) -> None:
    """archive_complete of every row, by the rule as registry.selectors.ARCHIVE_ITEMS spelt it
    when this migration was written: a migration runs against the models of its time, so the
    rule is frozen here rather than imported (`manage.py recount_flags` applies the live one).
    One UPDATE."""
    Pupil = apps.get_model("registry", "Pupil")
    Parent = apps.get_model("registry", "Parent")
    Guardian = apps.get_model("registry", "Guardian")

    def related_missing(model, field: str, **match) -> Q:
        present = model.objects.filter(pupil=OuterRef("pk"), **match).exclude(**{field: ""})
        return ~Q(Exists(present))

    incomplete = (
        Q(id_number="") | Q(student_number="") | Q(birth_date=None) | Q(school_class=None)
        | Q(address="") | Q(guardianship_type="") | Q(left_behind="one")
    )  # fmt: skip
    for relation, away in (("father", ["both", "father"]), ("mother", ["both", "mother"])):
        for field in ("name", "phone", "work_place"):
            incomplete |= Q(left_behind__in=away, is_orphan=False) & related_missing(
                Parent, field, relation=relation
            )
    for field in ("name", "relation", "phone", "address"):
        incomplete |= ~Q(guardianship_type="none") & related_missing(Guardian, field)
    Pupil.objects.update(
        archive_complete=Case(When(incomplete, then=Value(False)), default=Value(True))
    )


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0016_dropout_schooling_agree"),
    ]

    operations = [
        migrations.AddField(
            model_name="pupil",
            name="archive_complete",
            field=models.BooleanField(default=False, editable=False, verbose_name="档案完整"),
        ),
        migrations.AddField(
            model_name="pupil",
            name="teacher_paired",
            field=models.BooleanField(default=False, editable=False, verbose_name="已结对"),
        ),
        migrations.RunPython(fill_archive_complete, migrations.RunPython.noop, elidable=True),
    ]
