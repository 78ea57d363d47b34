"""« Modérateurs » decide on the moderation queue (contributions, partner changes, claims).

Superusers hold every permission already. Reversible: the permission is taken back from the group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Modérateurs"
CODENAMES = ["moderate_changerequest", "view_changerequest"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("directory")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="directory", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="directory", codename__in=CODENAMES)
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0013_stewardship"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
