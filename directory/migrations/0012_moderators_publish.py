"""« Modérateurs » publish and archive actors and support offers; « Éditeurs » propose (draft, « à valider »).

Superusers hold every permission already. Reversible: the permissions are taken back from the group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Modérateurs"
CODENAMES = ["publish_actor", "publish_supportoffer"]


def grant_publish(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    app_config = apps.get_app_config("directory")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="directory", codename__in=CODENAMES))


def revoke_publish(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="directory", codename__in=CODENAMES)
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0011_publish_permissions"),
    ]

    operations = [migrations.RunPython(grant_publish, revoke_publish)]
