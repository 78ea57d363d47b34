"""Staff groups of the directory: editors, moderators and read-only staff.

Each app grants its own models' permissions to these groups in its own migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    # Editors keep records right: add and change, never delete (archive instead).
    "Éditeurs": {"add", "change", "view"},
    # Moderators review contributions and publish; they may delete what was wrongly created.
    "Modérateurs": {"add", "change", "delete", "view"},
    "Lecture seule": {"view"},
}
MODELS = ["actor", "contact", "supportoffer", "cooperation", "sector", "label", "neighbourhood", "commune",
          "role", "stage", "apitoken"]
# Editors may remove a contact (a person withdrawing consent must disappear, GDPR).
EDITOR_EXTRA = {"delete_contact"}
# Reference data and API tokens are the moderators' business, not the editors'.
EDITOR_READ_ONLY = {"sector", "label", "neighbourhood", "commune", "role", "stage", "apitoken"}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    app_config = apps.get_app_config("directory")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, actions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = []
        for model in MODELS:
            allowed = {"view"} if group_name == "Éditeurs" and model in EDITOR_READ_ONLY else actions
            codenames += [f"{action}_{model}" for action in allowed]
        if group_name == "Éditeurs":
            codenames += sorted(EDITOR_EXTRA)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="directory", codename__in=codenames))


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="directory")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_reference_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
