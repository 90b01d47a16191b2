"""Pupil.in_care, the kept flag of the school's 关爱对象 and the index the care pages find a
school's or class's children in care by (issue 19)."""

from django.db import migrations, models
from django.db.models import Q


def fill_in_care(apps, schema_editor) -> None:
    """in_care of every row, by the rule as registry.models.in_care() spelt it when this
    migration was written (left-behind, or in a category the school chose), frozen here as a
    migration runs against the models of its time (`manage.py recount_flags` applies the live
    one). One UPDATE a set of chosen categories."""
    School = apps.get_model("registry", "School")
    Pupil = apps.get_model("registry", "Pupil")
    by_categories: dict[tuple[str, ...], list[int]] = {}
    for pk, categories in School.objects.values_list("pk", "care_categories"):
        by_categories.setdefault(tuple(sorted(categories or [])), []).append(pk)
    for categories, schools in by_categories.items():
        rule = ~Q(left_behind="none")
        for field in categories:
            rule |= Q(**{field: True})
        Pupil.objects.filter(rule, school_id__in=schools).update(in_care=True)


def analyze_pupils(apps, schema_editor) -> None:
    """PostgreSQL: statistics of the new column now, as autovacuum would later, so the care
    pages' first queries are not planned on a default guess of how many are in care."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE registry_pupil")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0018_class_tally"),
    ]

    operations = [
        migrations.AddField(
            model_name="pupil",
            name="in_care",
            field=models.BooleanField(default=False, editable=False, verbose_name="关爱对象"),
        ),
        migrations.AddIndex(
            model_name="pupil",
            index=models.Index(
                condition=models.Q(
                    ("in_care", True), ("pending_import", None), ("status", "enrolled")
                ),
                fields=["school", "status", "school_class", "teacher_paired"],
                include=["id"],
                name="pupil_in_care",
            ),
        ),
        # After the index: created over rows this transaction just updated, PostgreSQL would
        # keep it from queries until every older transaction had ended (indcheckxmin).
        migrations.RunPython(fill_in_care, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(analyze_pupils, migrations.RunPython.noop, elidable=True),
    ]
