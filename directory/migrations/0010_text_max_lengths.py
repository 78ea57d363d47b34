"""Maximum lengths of free texts: declared on the fields, checked by the database on length."""

import directory.models
import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_contact_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="actor",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="actor",
            name="offer",
            field=models.TextField(
                blank=True,
                help_text="Ce que l'acteur vend ou propose (acheteurs publics et privés y cherchent des fournisseurs).",
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="produits et services proposés",
            ),
        ),
        migrations.AlterField(
            model_name="cooperation",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactor",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactor",
            name="offer",
            field=models.TextField(
                blank=True,
                help_text="Ce que l'acteur vend ou propose (acheteurs publics et privés y cherchent des fournisseurs).",
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="produits et services proposés",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcooperation",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="historicalsupportoffer",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="historicalsupportoffer",
            name="eligibility",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="conditions d'accès",
            ),
        ),
        migrations.AlterField(
            model_name="label",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="neighbourhood",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="sector",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="stage",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="supportoffer",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="supportoffer",
            name="eligibility",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="conditions d'accès",
            ),
        ),
        migrations.AddConstraint(
            model_name="actor",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 10000
                    ),
                    django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length("offer"), 10000),
                ),
                name="actor_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="cooperation",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 2000
                    )
                ),
                name="cooperation_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="label",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 2000
                    )
                ),
                name="label_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="neighbourhood",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 2000
                    )
                ),
                name="neighbourhood_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="sector",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 2000
                    )
                ),
                name="sector_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 2000
                    )
                ),
                name="stage_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="supportoffer",
            constraint=directory.models.TextLengthConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("description"), 10000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("eligibility"), 2000
                    ),
                ),
                name="supportoffer_text_lengths",
            ),
        ),
    ]
