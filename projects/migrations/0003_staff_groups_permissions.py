"""Grant the strategy tracker's permissions to the staff groups created by the directory.

Editors run initiatives day to day (no deletion: abandon or archive instead); moderators may
also delete; read-only staff only view. The axes, objectives and energy criteria are the
strategy's vocabulary: editors only read them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Éditeurs": {"add", "change", "view"},
    "Modérateurs": {"add", "change", "delete", "view"},
    "Lecture seule": {"view"},
}
MODELS = [
    "strategyaxis",
    "objective",
    "site",
    "initiative",
    "statuschange",
    "energycriterion",
    "energyreview",
    "energyassessment",
    "involvement",
    "fundingline",
    "milestone",
    "indicator",
    "measurement",
    "journalentry",
    "document",
    "consultation",
]
EDITOR_READ_ONLY = {"strategyaxis", "objective", "energycriterion"}
# Status changes are written by the lifecycle service only: nobody edits or deletes them by hand.
LOG_ONLY = {"statuschange"}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("projects")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, actions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = []
        for model in MODELS:
            if model in LOG_ONLY or (group_name == "Éditeurs" and model in EDITOR_READ_ONLY):
                allowed = {"view"}
            else:
                allowed = actions
            codenames += [f"{action}_{model}" for action in allowed]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="projects", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="projects")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_strategy_axes"),
        ("directory", "0003_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
