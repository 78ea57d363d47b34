"""Give the staff groups their permissions on events: editors add and change, moderators also publish and delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Éditeurs": ["add_event", "change_event", "view_event"],
    "Modérateurs": ["add_event", "change_event", "delete_event", "view_event", "publish_event"],
    "Lecture seule": ["view_event"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("projects")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="projects", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        perms = Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("projects", "0015_agenda_events")]

    operations = [migrations.RunPython(grant, revoke)]
