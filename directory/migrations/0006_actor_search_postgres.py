"""PostgreSQL search: a French full-text vector kept by a trigger, and a trigram index on names.

- extensions `unaccent` and `pg_trgm` (both trusted: the database owner may create them);
- `directory_unaccent(text)`: unaccent wrapped as IMMUTABLE so that an index may use it;
- `directory_actor.search_vector` (tsvector), filled by a BEFORE INSERT/UPDATE trigger from the
  name (weight A), short description and offer (B) and description (C), each as French stems and as
  plain words (for prefix matching), with a GIN index;
- a GIN trigram index on `directory_unaccent(lower(name))` for names typed with a typo.

The column is not a Django field (Django never writes it); `directory.models.ActorSearchVector`
reads it. Nothing happens on other databases: SQLite uses `search_text` (migration 0005).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE OR REPLACE FUNCTION directory_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    "ALTER TABLE directory_actor ADD COLUMN search_vector tsvector",
    """
    CREATE OR REPLACE FUNCTION directory_actor_search_vector() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        name_text text := directory_unaccent(coalesce(NEW.name, ''));
        summary_text text := directory_unaccent(coalesce(NEW.short_description, '') || ' ' || coalesce(NEW.offer, ''));
        body_text text := directory_unaccent(coalesce(NEW.description, ''));
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('french', name_text), 'A') || setweight(to_tsvector('simple', name_text), 'A')
            || setweight(to_tsvector('french', summary_text), 'B') || setweight(to_tsvector('simple', summary_text), 'B')
            || setweight(to_tsvector('french', body_text), 'C') || setweight(to_tsvector('simple', body_text), 'C');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER directory_actor_search_vector_update
    BEFORE INSERT OR UPDATE OF name, short_description, offer, description ON directory_actor
    FOR EACH ROW EXECUTE FUNCTION directory_actor_search_vector()
    """,
    "UPDATE directory_actor SET name = name",
    "CREATE INDEX directory_actor_search_vector_idx ON directory_actor USING gin (search_vector)",
    """
    CREATE INDEX directory_actor_name_trgm_idx ON directory_actor
    USING gin (directory_unaccent(lower(name)) gin_trgm_ops)
    """,
]

BACKWARD = [
    "DROP INDEX IF EXISTS directory_actor_name_trgm_idx",
    "DROP INDEX IF EXISTS directory_actor_search_vector_idx",
    "DROP TRIGGER IF EXISTS directory_actor_search_vector_update ON directory_actor",
    "DROP FUNCTION IF EXISTS directory_actor_search_vector()",
    "ALTER TABLE directory_actor DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS directory_unaccent(text)",
    # The extensions stay: other objects may use them.
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
        ("directory", "0005_actor_search_text"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
