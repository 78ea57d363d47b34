"""Staff groups and the buyers' models: editors keep offers, moderators also approve offers and needs.

« Éditeurs » add and change offers and needs (never publish them); « Modérateurs » may also approve,
refuse or archive them; « Lecture seule » reads. Reversible: the permissions are taken back.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Éditeurs": ["add_supplieroffer", "change_supplieroffer", "view_supplieroffer", "view_buyerneed", "view_cpvcode"],
    "Modérateurs": [
        "add_supplieroffer",
        "change_supplieroffer",
        "view_supplieroffer",
        "publish_supplieroffer",
        "change_buyerneed",
        "view_buyerneed",
        "publish_buyerneed",
        "view_cpvcode",
    ],
    "Lecture seule": ["view_supplieroffer", "view_buyerneed", "view_cpvcode"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("purchasing")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="purchasing", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="purchasing")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("purchasing", "0002_cpv_reference"),
        ("directory", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
