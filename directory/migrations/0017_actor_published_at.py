"""When each actor was first published: the feed of newly published actors follows this date.

Filled from the history (the first version seen published), else from the creation date of the
actors published today.
"""

from django.db import migrations, models
from django.db.models import Min


def fill_published_at(apps, schema_editor):
    Actor = apps.get_model("directory", "Actor")
    HistoricalActor = apps.get_model("directory", "HistoricalActor")
    first_seen = dict(
        HistoricalActor.objects.filter(status="published")
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    batch = []
    for actor in Actor.objects.only("pk", "status", "created_at").iterator(chunk_size=2000):
        when = first_seen.get(actor.pk) or (actor.created_at if actor.status == "published" else None)
        if when is None:
            continue
        actor.published_at = when
        batch.append(actor)
        if len(batch) == 2000:
            Actor.objects.bulk_update(batch, ["published_at"])
            batch = []
    Actor.objects.bulk_update(batch, ["published_at"])


FIELD = models.DateTimeField(
    blank=True,
    db_index=True,
    editable=False,
    help_text="Première publication de la fiche (le flux des nouveaux acteurs suit cette date).",
    null=True,
    verbose_name="publié le",
)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0016_search_names"),
    ]

    operations = [
        migrations.AddField(model_name="actor", name="published_at", field=FIELD.clone()),
        migrations.AddField(model_name="historicalactor", name="published_at", field=FIELD.clone()),
        migrations.RunPython(fill_published_at, migrations.RunPython.noop),
    ]
