"""Custom permissions: publishing (and archiving) actors and support offers."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_text_max_lengths"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="actor",
            options={
                "ordering": ["name", "pk"],
                "permissions": [("publish_actor", "Peut publier ou archiver un acteur")],
                "verbose_name": "acteur",
                "verbose_name_plural": "acteurs",
            },
        ),
        migrations.AlterModelOptions(
            name="supportoffer",
            options={
                "ordering": ["title", "pk"],
                "permissions": [("publish_supportoffer", "Peut publier ou archiver une offre d'accompagnement")],
                "verbose_name": "offre d'accompagnement",
                "verbose_name_plural": "offres d'accompagnement",
            },
        ),
    ]
