"""Consultations that leave a trace: participants by kind, other initiatives concerned, effects, dates.

The participants move from the plain many-to-many `actors` to `ConsultationParticipant` in the next
two migrations (the rows, then the field itself).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0020_search_at_scale"),
        ("projects", "0010_journal_entry_public_date_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="créé le"),
        ),
        migrations.AddField(
            model_name="consultation",
            name="other_initiatives",
            field=models.ManyToManyField(
                blank=True,
                help_text="Les autres projets dont la consultation a traité, s'il y en a.",
                related_name="shared_consultations",
                to="projects.initiative",
                verbose_name="autres projets concernés",
            ),
        ),
        migrations.AddField(
            model_name="consultation",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now, verbose_name="modifié le"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalconsultation",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="créé le"),
        ),
        migrations.AddField(
            model_name="historicalconsultation",
            name="updated_at",
            field=models.DateTimeField(
                blank=True, db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="modifié le"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="consultation",
            name="changes",
            field=models.TextField(
                blank=True,
                help_text="Les effets sur le projet, en mots ; reliez aussi chaque changement ci-dessous.",
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="ce qui a changé dans le projet",
            ),
        ),
        migrations.AlterField(
            model_name="consultation",
            name="initiative",
            field=models.ForeignKey(
                help_text="Le projet principal : la consultation figure dans son registre.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="consultations",
                to="projects.initiative",
                verbose_name="projet",
            ),
        ),
        migrations.AlterField(
            model_name="historicalconsultation",
            name="changes",
            field=models.TextField(
                blank=True,
                help_text="Les effets sur le projet, en mots ; reliez aussi chaque changement ci-dessous.",
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="ce qui a changé dans le projet",
            ),
        ),
        migrations.AlterField(
            model_name="historicalconsultation",
            name="initiative",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Le projet principal : la consultation figure dans son registre.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="projects.initiative",
                verbose_name="projet",
            ),
        ),
        migrations.CreateModel(
            name="ConsultationEffect",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "description",
                    models.CharField(
                        blank=True,
                        help_text="En une phrase, pour la page publique.",
                        max_length=300,
                        verbose_name="ce qui a changé",
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="effects",
                        to="projects.consultation",
                        verbose_name="consultation",
                    ),
                ),
                (
                    "initiative_version",
                    models.ForeignKey(
                        blank=True,
                        help_text="Une version de la fiche du projet (son historique) modifiée à la suite de la consultation.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consultation_effects",
                        to="projects.historicalinitiative",
                        verbose_name="version du projet",
                    ),
                ),
                (
                    "milestone",
                    models.ForeignKey(
                        blank=True,
                        help_text="Un jalon ajouté ou revu à la suite de la consultation.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consultation_effects",
                        to="projects.milestone",
                        verbose_name="jalon",
                    ),
                ),
                (
                    "status_change",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consultation_effects",
                        to="projects.statuschange",
                        verbose_name="changement de statut",
                    ),
                ),
            ],
            options={
                "verbose_name": "effet de la consultation",
                "verbose_name_plural": "effets de la consultation",
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="ConsultationParticipant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("ess", "acteur de l'ESS"),
                            ("public_body", "acteur public"),
                            ("business", "entreprise"),
                            ("residents", "habitants (collectif, conseil citoyen…)"),
                        ],
                        default="ess",
                        max_length=20,
                        verbose_name="en tant que",
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consultation_participations",
                        to="directory.actor",
                        verbose_name="acteur",
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participants",
                        to="projects.consultation",
                        verbose_name="consultation",
                    ),
                ),
            ],
            options={
                "verbose_name": "participant",
                "verbose_name_plural": "participants",
                "ordering": ["kind", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalConsultation_other_initiatives",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "consultation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.consultation",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="projects.historicalconsultation",
                    ),
                ),
                (
                    "initiative",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.initiative",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalConsultation_other_initiatives",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalConsultationEffect",
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
                            ("account", "compte de la structure"),
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
                (
                    "description",
                    models.CharField(
                        blank=True,
                        help_text="En une phrase, pour la page publique.",
                        max_length=300,
                        verbose_name="ce qui a changé",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.consultation",
                        verbose_name="consultation",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "initiative_version",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Une version de la fiche du projet (son historique) modifiée à la suite de la consultation.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.historicalinitiative",
                        verbose_name="version du projet",
                    ),
                ),
                (
                    "milestone",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Un jalon ajouté ou revu à la suite de la consultation.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.milestone",
                        verbose_name="jalon",
                    ),
                ),
                (
                    "status_change",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.statuschange",
                        verbose_name="changement de statut",
                    ),
                ),
            ],
            options={
                "verbose_name": "historique des effets",
                "verbose_name_plural": "historical effets de la consultation",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalConsultationParticipant",
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
                            ("account", "compte de la structure"),
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
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("ess", "acteur de l'ESS"),
                            ("public_body", "acteur public"),
                            ("business", "entreprise"),
                            ("residents", "habitants (collectif, conseil citoyen…)"),
                        ],
                        default="ess",
                        max_length=20,
                        verbose_name="en tant que",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="directory.actor",
                        verbose_name="acteur",
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.consultation",
                        verbose_name="consultation",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historique des participants",
                "verbose_name_plural": "historical participants",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="consultationeffect",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("initiative_version__isnull", True),
                        ("milestone__isnull", True),
                        ("status_change__isnull", False),
                    ),
                    models.Q(
                        ("initiative_version__isnull", True),
                        ("milestone__isnull", False),
                        ("status_change__isnull", True),
                    ),
                    models.Q(
                        ("initiative_version__isnull", False),
                        ("milestone__isnull", True),
                        ("status_change__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="consultation_effect_one_target",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationeffect",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status_change__isnull", False)),
                fields=("consultation", "status_change"),
                name="consultation_effect_status_change_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationeffect",
            constraint=models.UniqueConstraint(
                condition=models.Q(("milestone__isnull", False)),
                fields=("consultation", "milestone"),
                name="consultation_effect_milestone_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationeffect",
            constraint=models.UniqueConstraint(
                condition=models.Q(("initiative_version__isnull", False)),
                fields=("consultation", "initiative_version"),
                name="consultation_effect_version_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationparticipant",
            constraint=models.UniqueConstraint(
                fields=("consultation", "actor"), name="consultation_participant_unique"
            ),
        ),
    ]
