"""PostgreSQL search: names are matched word by word, and with their words joined.

- `directory_search_name(text)`: the unaccented lower-case name followed by its letters and digits
  joined (« Inser'Eco 93 » → « inser'eco 93 insereco93 »), IMMUTABLE so that an index may use it;
- the GIN trigram index on names (`directory_actor_name_trgm_idx`, migration 0006) is rebuilt on it,
  so that trigram word similarity finds « garrance » (a typo in one word of the name) as well as
  « insereco » or « frenchimpact » (words typed together).

`directory.models.ActorSearchName` calls the function. Nothing happens on other databases.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION directory_search_name(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
        SELECT public.directory_unaccent(lower($1)) || ' '
            || regexp_replace(public.directory_unaccent(lower($1)), '[^a-z0-9]+', '', 'g')
    $$
    """,
    "DROP INDEX IF EXISTS directory_actor_name_trgm_idx",
    "CREATE INDEX directory_actor_name_trgm_idx ON directory_actor USING gin (directory_search_name(name) gin_trgm_ops)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS directory_actor_name_trgm_idx",
    """
    CREATE INDEX directory_actor_name_trgm_idx ON directory_actor
    USING gin (directory_unaccent(lower(name)) gin_trgm_ops)
    """,
    "DROP FUNCTION IF EXISTS directory_search_name(text)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0014_moderators_moderate"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
