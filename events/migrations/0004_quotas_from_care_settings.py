"""The symposia and parents' meetings a school asked for in its care settings become event
quotas, counted per class as they were (the school may then say per school)."""

from django.db import migrations

OLD_DEFAULTS = {"symposium": 1, "parent_meeting": 2}
FIELDS = {"symposium": "symposia_per_term", "parent_meeting": "parent_meetings_per_term"}


def forwards(apps, schema_editor):
    School = apps.get_model("registry", "School")
    CareSettings = apps.get_model("visits", "CareSettings")
    EventQuota = apps.get_model("events", "EventQuota")
    settings = {row.school_id: row for row in CareSettings.objects.all()}
    quotas = []
    for school_id in School.objects.values_list("pk", flat=True):
        row = settings.get(school_id)
        for kind, field in FIELDS.items():
            count = getattr(row, field) if row else OLD_DEFAULTS[kind]
            quotas.append(
                EventQuota(school_id=school_id, kind=kind, per_term=count, per="class")
            )
    EventQuota.objects.bulk_create(quotas, ignore_conflicts=True)


def backwards(apps, schema_editor):
    CareSettings = apps.get_model("visits", "CareSettings")
    EventQuota = apps.get_model("events", "EventQuota")
    for quota in EventQuota.objects.filter(kind__in=FIELDS):
        CareSettings.objects.filter(school_id=quota.school_id).update(
            **{FIELDS[quota.kind]: quota.per_term}
        )
    EventQuota.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_event_quotas"),
        ("visits", "0008_counselling_and_mandatory_report"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
