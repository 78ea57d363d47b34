"""Give the staff groups their permissions on yearly figures: editors record them, moderators also decide proposals."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Éditeurs": ["add_yearlyfigures", "change_yearlyfigures", "view_yearlyfigures"],
    "Modérateurs": ["add_yearlyfigures", "change_yearlyfigures", "view_yearlyfigures", "moderate_yearlyfigures"],
    "Lecture seule": ["view_yearlyfigures"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("observatory")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="observatory", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        perms = Permission.objects.filter(content_type__app_label="observatory", codename__in=codenames)
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("observatory", "0001_yearly_figures")]

    operations = [migrations.RunPython(grant, revoke)]
