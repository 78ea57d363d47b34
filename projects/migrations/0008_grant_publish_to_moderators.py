"""Give the publish permissions of initiatives and sites to the moderators.

Editors keep proposing (draft, to validate); moderators publish, unpublish and archive published records.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["publish_initiative", "publish_site"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("projects")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Modérateurs")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="projects", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="projects", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Modérateurs"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_publish_permissions"),
        ("projects", "0003_staff_groups_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
