"""The directory at national scale: stored name words for the search, and a covering index for the facets.

- `Actor.name_words`: the name normalised as `directory.search.normalize_search_text` does it
  (« Inser'Eco 93 » → « inser eco 93 »), kept by `Actor.normalise()`; filled here for existing rows.
- PostgreSQL: `directory_search_key(text)` appends the words joined (« inser eco 93 insereco93 »),
  and the GIN trigram index on names is rebuilt on `directory_search_key(name_words)`: a search no
  longer unaccents every matching name (migration 0016 indexed `directory_search_name(name)`).
- `actor_facets_idx`: the published actors' ids and single-valued facets, read from the index alone
  by the facet counts and the lists' subqueries (the included columns are PostgreSQL's only).
"""

from django.db import migrations, models

from directory.search import normalize_search_text

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION directory_search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT $1 || ' ' || replace($1, ' ', '') $$
    """,
    "DROP INDEX IF EXISTS directory_actor_name_trgm_idx",
    "CREATE INDEX directory_actor_name_trgm_idx ON directory_actor "
    "USING gin (directory_search_key(name_words) gin_trgm_ops)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS directory_actor_name_trgm_idx",
    "CREATE INDEX directory_actor_name_trgm_idx ON directory_actor USING gin (directory_search_name(name) gin_trgm_ops)",
    "DROP FUNCTION IF EXISTS directory_search_key(text)",
]


def fill_name_words(apps, schema_editor):
    Actor = apps.get_model("directory", "Actor")
    batch = []
    for pk, name in Actor.objects.using(schema_editor.connection.alias).values_list("pk", "name").iterator(2000):
        batch.append(Actor(pk=pk, name_words=normalize_search_text(name)))
        if len(batch) == 2000:
            Actor.objects.using(schema_editor.connection.alias).bulk_update(batch, ["name_words"])
            batch = []
    if batch:
        Actor.objects.using(schema_editor.connection.alias).bulk_update(batch, ["name_words"])


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_seed_search_synonyms")]

    operations = [
        migrations.AddField(
            model_name="actor",
            name="name_words",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Le nom sans accents, majuscules ni ponctuation, tenu à jour à l'enregistrement (recherche).",
                verbose_name="mots du nom",
            ),
        ),
        migrations.RunPython(fill_name_words, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
        migrations.AddIndex(
            model_name="actor",
            index=models.Index(
                fields=["status"],
                include=("id", "commune", "neighbourhood", "legal_form", "typology"),
                name="actor_facets_idx",
            ),
        ),
    ]
