"""The « Jurys » group (jury-only accounts: no permission at all) and the staff groups' rights on the awards.

Editors prepare editions and check eligibility; moderators also open the deliberation, record the
laureates and publish the results; read-only staff view. Score values stay confidential until the
deliberation opens whatever the permission (`awards.services.may_read_scores`).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["edition", "category", "criterion", "question", "application", "answer", "attachment", "jurymember"]
GROUPS = {
    "Éditeurs": [f"{action}_{model}" for model in MODELS for action in ("add", "change", "view")]
    + ["view_conflict", "view_evaluation", "view_laureate"],
    "Modérateurs": [f"{action}_{model}" for model in MODELS for action in ("add", "change", "view")]
    + ["view_conflict", "view_evaluation", "view_laureate", "add_laureate", "change_laureate", "delete_laureate"]
    + ["deliberate_edition", "publish_edition"],
    "Lecture seule": [f"view_{model}" for model in MODELS] + ["view_conflict", "view_evaluation", "view_laureate"],
}
JURY_GROUP = "Jurys"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("awards")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=JURY_GROUP)
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="awards", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        perms = Permission.objects.filter(content_type__app_label="awards", codename__in=codenames)
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*perms)
    Group.objects.filter(name=JURY_GROUP, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0001_awards_editions_jury_laureates"),
        ("directory", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
