"""The CPV 2008 divisions and groups (`purchasing.cpv`, from Règlement (CE) n° 213/2008).

Idempotent: codes are matched on their code and their labels updated in place. Reversible.
"""

from django.db import migrations

from purchasing import cpv


def load(apps, schema_editor):
    CpvCode = apps.get_model("purchasing", "CpvCode")
    divisions = {}
    for digits, check, label in cpv.DIVISIONS:
        divisions[digits], _ = CpvCode.objects.update_or_create(
            code=f"{digits}-{check}", defaults={"label": label, "level": "division", "parent": None}
        )
    for digits, check, label in cpv.GROUPS:
        CpvCode.objects.update_or_create(
            code=f"{digits}-{check}",
            defaults={"label": label, "level": "group", "parent": divisions[cpv.division_of(digits)]},
        )


def unload(apps, schema_editor):
    CpvCode = apps.get_model("purchasing", "CpvCode")
    CpvCode.objects.filter(level="group").delete()
    CpvCode.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("purchasing", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
