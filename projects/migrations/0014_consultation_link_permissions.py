"""Grant the staff groups the permissions of the new models: participants et effets des consultations.

As the groups' other records: editors add and change (no deletion), moderators may also delete,
read-only staff view.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Éditeurs": {"add", "change", "view"},
    "Modérateurs": {"add", "change", "delete", "view"},
    "Lecture seule": {"view"},
}
MODELS = ["consultationparticipant", "consultationeffect"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("projects")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, actions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for model in MODELS for action in actions]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="projects", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    perms = Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0013_consultation_actors_through_participants"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
