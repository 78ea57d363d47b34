"""A normalised search text on actors (accents and case removed), filled for existing rows.

`Actor.save()` keeps it up to date; the SQLite search matches it word by word.
"""

import re
import unicodedata

from django.db import migrations, models

FIELDS = ("name", "short_description", "offer", "description", "siret", "rna")
WORD_RE = re.compile(r"[a-z0-9]+")


def normalize(text):
    # Same rule as directory.models.normalize_search_text, frozen here for this migration.
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("œ", "oe").replace("Œ", "oe").lower())
    return " ".join(WORD_RE.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def fill(apps, schema_editor):
    Actor = apps.get_model("directory", "Actor")
    for actor in Actor.objects.only("pk", *FIELDS).iterator():
        text = " ".join(normalize(getattr(actor, field)) for field in FIELDS if getattr(actor, field))
        Actor.objects.filter(pk=actor.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0004_actor_siret_unique_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="actor",
            name="search_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Nom, descriptions et offre sans accents ni majuscules, tenu à jour à l'enregistrement.",
                verbose_name="texte de recherche",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
