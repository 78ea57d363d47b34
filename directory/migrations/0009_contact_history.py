"""History of contacts (staff-only), so that a contact deleted with its actor can be restored with it."""

import directory.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_history_provenance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalContact",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "history_source",
                    models.CharField(
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
                (
                    "history_source_detail",
                    models.CharField(blank=True, max_length=200, verbose_name="précision sur la provenance"),
                ),
                (
                    "history_batch",
                    models.UUIDField(
                        blank=True, db_index=True, editable=False, null=True, verbose_name="lot de suppression"
                    ),
                ),
                ("first_name", models.CharField(blank=True, max_length=100, verbose_name="prénom")),
                ("last_name", models.CharField(max_length=100, verbose_name="nom")),
                ("job_title", models.CharField(blank=True, max_length=150, verbose_name="fonction")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=20,
                        validators=[directory.validators.validate_phone],
                        verbose_name="téléphone",
                    ),
                ),
                ("is_public", models.BooleanField(default=False, verbose_name="affiché publiquement")),
                (
                    "consent_date",
                    models.DateField(
                        blank=True,
                        help_text="Obligatoire pour un affichage public (RGPD).",
                        null=True,
                        verbose_name="date du consentement",
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="créé le")),
                ("updated_at", models.DateTimeField(blank=True, editable=False, verbose_name="modifié le")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historique du contact",
                "verbose_name_plural": "historical contacts",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="directory.actor",
                verbose_name="acteur",
            ),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
    ]
