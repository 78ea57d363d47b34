"""Where each historical record of actors, support offers and cooperations came from, and its deletion batch."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_actor_ess_status_unknown"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalactor",
            name="history_batch",
            field=models.UUIDField(
                blank=True, db_index=True, editable=False, null=True, verbose_name="lot de suppression"
            ),
        ),
        migrations.AddField(
            model_name="historicalactor",
            name="history_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("admin", "administration"),
                    ("api", "API partenaire"),
                    ("import", "import"),
                    ("contribution", "contribution publique"),
                    ("command", "commande"),
                ],
                max_length=20,
                verbose_name="provenance",
            ),
        ),
        migrations.AddField(
            model_name="historicalactor",
            name="history_source_detail",
            field=models.CharField(blank=True, max_length=200, verbose_name="précision sur la provenance"),
        ),
        migrations.AddField(
            model_name="historicalcooperation",
            name="history_batch",
            field=models.UUIDField(
                blank=True, db_index=True, editable=False, null=True, verbose_name="lot de suppression"
            ),
        ),
        migrations.AddField(
            model_name="historicalcooperation",
            name="history_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("admin", "administration"),
                    ("api", "API partenaire"),
                    ("import", "import"),
                    ("contribution", "contribution publique"),
                    ("command", "commande"),
                ],
                max_length=20,
                verbose_name="provenance",
            ),
        ),
        migrations.AddField(
            model_name="historicalcooperation",
            name="history_source_detail",
            field=models.CharField(blank=True, max_length=200, verbose_name="précision sur la provenance"),
        ),
        migrations.AddField(
            model_name="historicalsupportoffer",
            name="history_batch",
            field=models.UUIDField(
                blank=True, db_index=True, editable=False, null=True, verbose_name="lot de suppression"
            ),
        ),
        migrations.AddField(
            model_name="historicalsupportoffer",
            name="history_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("admin", "administration"),
                    ("api", "API partenaire"),
                    ("import", "import"),
                    ("contribution", "contribution publique"),
                    ("command", "commande"),
                ],
                max_length=20,
                verbose_name="provenance",
            ),
        ),
        migrations.AddField(
            model_name="historicalsupportoffer",
            name="history_source_detail",
            field=models.CharField(blank=True, max_length=200, verbose_name="précision sur la provenance"),
        ),
    ]
