"""The deals ledger: deals between ESS actors and conventional businesses or public buyers, and their programmes."""

import directory.models
import directory.validators
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0020_search_at_scale'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DealProgramme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=150, unique=True, verbose_name='nom')),
                ('slug', models.SlugField(max_length=160, unique=True, verbose_name="identifiant d'URL")),
                ('year', models.PositiveSmallIntegerField(blank=True, help_text="Année de l'édition, s'il y en a une.", null=True, validators=[django.core.validators.MinValueValidator(2000)], verbose_name='année')),
                ('description', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='description')),
                ('is_fictional', models.BooleanField(default=False, verbose_name='fictif')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'programme ou événement',
                'verbose_name_plural': 'programmes et événements',
                'ordering': ['name', 'pk'],
                'constraints': [directory.models.TextLengthConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('description'), 2000)), name='dealprogramme_text_lengths')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalDeal',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_source', models.CharField(blank=True, choices=[('admin', 'administration'), ('api', 'API partenaire'), ('import', 'import'), ('contribution', 'contribution publique'), ('account', 'compte de la structure'), ('command', 'commande')], max_length=20, verbose_name='provenance')),
                ('history_source_detail', models.CharField(blank=True, max_length=200, verbose_name='précision sur la provenance')),
                ('history_batch', models.UUIDField(blank=True, db_index=True, editable=False, null=True, verbose_name='lot de suppression')),
                ('kind', models.CharField(choices=[('procurement', 'marché avec clause sociale'), ('subcontracting', 'sous-traitance'), ('co_development', 'co-développement'), ('mentoring', 'mentorat'), ('skills_sponsorship', 'mécénat de compétences')], max_length=20, verbose_name='nature')),
                ('partner_name', models.CharField(blank=True, help_text="S'il n'est pas dans l'annuaire.", max_length=200, verbose_name='nom du partenaire')),
                ('partner_siret', models.CharField(blank=True, help_text="14 chiffres, s'il n'est pas dans l'annuaire.", max_length=14, validators=[directory.validators.validate_siret], verbose_name='SIRET du partenaire')),
                ('partner_kind', models.CharField(choices=[('business', 'entreprise'), ('public_buyer', 'acheteur public')], max_length=20, verbose_name='type de partenaire')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, help_text="En euros hors taxes ; vide si la transaction n'a pas de montant (mentorat…).", max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100000000)], verbose_name='montant (€)')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000)], verbose_name='année')),
                ('integration_hours', models.PositiveIntegerField(blank=True, help_text='Heures de travail de personnes en insertion que la transaction a permises.', null=True, validators=[django.core.validators.MaxValueValidator(1000000)], verbose_name="heures d'insertion")),
                ('jobs_created', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(10000)], verbose_name='emplois créés')),
                ('outcome', models.CharField(choices=[('ongoing', 'en cours'), ('completed', 'réalisée'), ('renewed', 'reconduite'), ('stopped', 'interrompue')], default='ongoing', max_length=20, verbose_name='issue')),
                ('outcome_note', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='résultat')),
                ('is_fictional', models.BooleanField(default=False, verbose_name='fictif')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='modifié le')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('ess_actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.actor', verbose_name="acteur de l'ESS")),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('partner_actor', models.ForeignKey(blank=True, db_constraint=False, help_text="L'entreprise ou l'acheteur, s'il est dans l'annuaire ; sinon, son nom et son SIRET.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.actor', verbose_name='partenaire (annuaire)')),
                ('programme', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.dealprogramme', verbose_name='programme ou événement')),
            ],
            options={
                'verbose_name': 'historique de la transaction',
                'verbose_name_plural': 'historical transactions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDealProgramme',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_source', models.CharField(blank=True, choices=[('admin', 'administration'), ('api', 'API partenaire'), ('import', 'import'), ('contribution', 'contribution publique'), ('account', 'compte de la structure'), ('command', 'commande')], max_length=20, verbose_name='provenance')),
                ('history_source_detail', models.CharField(blank=True, max_length=200, verbose_name='précision sur la provenance')),
                ('history_batch', models.UUIDField(blank=True, db_index=True, editable=False, null=True, verbose_name='lot de suppression')),
                ('name', models.CharField(db_index=True, max_length=150, verbose_name='nom')),
                ('slug', models.SlugField(max_length=160, verbose_name="identifiant d'URL")),
                ('year', models.PositiveSmallIntegerField(blank=True, help_text="Année de l'édition, s'il y en a une.", null=True, validators=[django.core.validators.MinValueValidator(2000)], verbose_name='année')),
                ('description', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='description')),
                ('is_fictional', models.BooleanField(default=False, verbose_name='fictif')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='modifié le')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historique du programme',
                'verbose_name_plural': 'historical programmes et événements',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Deal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('procurement', 'marché avec clause sociale'), ('subcontracting', 'sous-traitance'), ('co_development', 'co-développement'), ('mentoring', 'mentorat'), ('skills_sponsorship', 'mécénat de compétences')], max_length=20, verbose_name='nature')),
                ('partner_name', models.CharField(blank=True, help_text="S'il n'est pas dans l'annuaire.", max_length=200, verbose_name='nom du partenaire')),
                ('partner_siret', models.CharField(blank=True, help_text="14 chiffres, s'il n'est pas dans l'annuaire.", max_length=14, validators=[directory.validators.validate_siret], verbose_name='SIRET du partenaire')),
                ('partner_kind', models.CharField(choices=[('business', 'entreprise'), ('public_buyer', 'acheteur public')], max_length=20, verbose_name='type de partenaire')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, help_text="En euros hors taxes ; vide si la transaction n'a pas de montant (mentorat…).", max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100000000)], verbose_name='montant (€)')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000)], verbose_name='année')),
                ('integration_hours', models.PositiveIntegerField(blank=True, help_text='Heures de travail de personnes en insertion que la transaction a permises.', null=True, validators=[django.core.validators.MaxValueValidator(1000000)], verbose_name="heures d'insertion")),
                ('jobs_created', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(10000)], verbose_name='emplois créés')),
                ('outcome', models.CharField(choices=[('ongoing', 'en cours'), ('completed', 'réalisée'), ('renewed', 'reconduite'), ('stopped', 'interrompue')], default='ongoing', max_length=20, verbose_name='issue')),
                ('outcome_note', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='résultat')),
                ('is_fictional', models.BooleanField(default=False, verbose_name='fictif')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='modifié le')),
                ('ess_actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='directory.actor', verbose_name="acteur de l'ESS")),
                ('partner_actor', models.ForeignKey(blank=True, help_text="L'entreprise ou l'acheteur, s'il est dans l'annuaire ; sinon, son nom et son SIRET.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='partner_deals', to='directory.actor', verbose_name='partenaire (annuaire)')),
                ('programme', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='directory.dealprogramme', verbose_name='programme ou événement')),
            ],
            options={
                'verbose_name': 'transaction',
                'verbose_name_plural': 'transactions',
                'ordering': ['-year', '-pk'],
                'indexes': [models.Index(fields=['year', 'id'], name='deal_year_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('ess_actor', models.F('partner_actor')), _negated=True), name='deal_distinct_parties'), models.CheckConstraint(condition=models.Q(models.Q(('partner_actor__isnull', False), ('partner_name', ''), ('partner_siret', '')), models.Q(('partner_actor__isnull', True), models.Q(('partner_name', ''), _negated=True), models.Q(('partner_siret', ''), _negated=True)), _connector='OR'), name='deal_partner_from_directory_or_named'), models.CheckConstraint(condition=models.Q(('amount__isnull', True), models.Q(('amount__gte', 0), ('amount__lte', 100000000)), _connector='OR'), name='deal_amount_range'), models.CheckConstraint(condition=models.Q(('year__gte', 2000)), name='deal_year_range'), directory.models.TextLengthConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('outcome_note'), 2000)), name='deal_text_lengths')],
            },
        ),
    ]
