"""The data version: a number that changes whenever anything the public may read changes.

Caches and conditional answers are keyed by it (`ess_portal.response_cache`, the directory's facet
counts, the home page's figures): a cached answer made at version N is only served while the
version is N, so that every write — admin, API, import, moderation decision, management command,
or SQL typed by hand — makes every cached answer stale at once, without knowing which ones.

It is kept by the database itself, so that no write path can forget it:

- on PostgreSQL, a sequence advanced by a statement-level trigger on every table of the content
  apps (`CONTENT_APPS`, but `EXCLUDED_MODELS`): `SELECT last_value` reads it without a lock, and
  writers never wait for each other on it. A sequence moves when the statement runs, before its
  transaction commits: a reader between the two would label the old data with the new version.
  So Django's writes also advance it once more right after their transaction commits
  (`VersionAfterCommit`, installed on each connection): readers from then on see the data
  committed and a version no cached answer carries;
- on SQLite, one row of `ess_portal_dataversion`, incremented by a trigger on each written row, in
  the writer's transaction (SQLite has one writer at a time).

The triggers are (re)installed after every `migrate` (`install_triggers`, connected to
`post_migrate`), so tables added or rebuilt by later migrations are covered too.
"""

import re
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

CONTENT_APPS = ("directory", "projects", "observatory", "awards", "purchasing")
# Written on every use of a partner token (its last use): not content anyone reads.
EXCLUDED_MODELS = ("directory.ApiToken",)

SEQUENCE = "ess_portal_data_version"
TABLE = "ess_portal_dataversion"
FUNCTION = "ess_portal_bump_data_version"
TRIGGER_PREFIX = "ess_data_version_"


def content_tables() -> list[str]:
    """The tables whose writes change the data version, in a stable order."""
    excluded = {apps.get_model(label)._meta.db_table for label in EXCLUDED_MODELS}
    tables = {
        model._meta.db_table
        for label in CONTENT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }
    return sorted(tables - excluded)


def current(using: str = "default", request=None) -> int:
    """The data version of the database `using` (one query, no lock).

    Given the request being answered, the version is read once for it: what the answer is made of and
    kept under is labelled with the version its request started at.

    A read replica's alias reads the primary's version: a sequence is replicated in steps of 32 values,
    a replica's would lag behind writes. (A kept answer made from a replica that had not replayed a
    write yet may then trail it until the next write, or `RESPONSE_CACHE_SECONDS` at most.)
    """
    if using != "default" and settings.DATABASES.get(using, {}).get("TEST", {}).get("MIRROR") == "default":
        using = "default"
    if request is not None:
        versions = request.__dict__.setdefault("_data_versions", {})
        if using not in versions:
            versions[using] = current(using)
        return versions[using]
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT last_value FROM {SEQUENCE}")
        else:
            cursor.execute(f"SELECT version FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump(using: str = "default") -> None:
    """Advance the data version (after writes the triggers cannot see, e.g. a COPY into a new table)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{SEQUENCE}')")
        else:
            cursor.execute(f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1")


def _trigger_name(table: str) -> str:
    # PostgreSQL names are at most 63 bytes; the content tables' names are far shorter.
    return f"{TRIGGER_PREFIX}{table}"[:63]


# While `migrate` runs, the version's storage may not exist yet (a new database): Django's writes then
# leave it alone, and `install_triggers` makes it (and its triggers) once every migration is applied.
_migrating = False


def pause_during_migrate(**kwargs) -> None:
    """`pre_migrate`: writes of the migrations do not advance the version (see `install_triggers`)."""
    global _migrating
    _migrating = True


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create the version's storage if needed, and a trigger on every content table (idempotent).

    Connected to `post_migrate`; it also ends the pause of `pause_during_migrate`.
    """
    global _migrating
    _migrating = False
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [table for table in content_tables() if table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN PERFORM nextval('{SEQUENCE}'); RETURN NULL; END $$"
            )
            for table in tables:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {_trigger_name(table)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()'
                )
        elif connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, version integer NOT NULL)")
            cursor.execute(f"INSERT OR IGNORE INTO {TABLE} (id, version) VALUES (1, 0)")
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {_trigger_name(table)}_{event.lower()} AFTER {event} "
                        f'ON "{table}" BEGIN UPDATE {TABLE} SET version = version + 1 WHERE id = 1; END'
                    )


def installed_triggers(using: str = "default") -> set[str]:
    """The content tables that have the version's trigger (for tests and checks)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE %s",
                [f"{TRIGGER_PREFIX}%"],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER_PREFIX}%"],
            )
        return {row[0] for row in cursor.fetchall()}


@lru_cache(maxsize=1)
def _write_statement() -> re.Pattern:
    prefixes = "|".join(re.escape(label) for label in CONTENT_APPS)
    return re.compile(rf'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(?:{prefixes})_', re.IGNORECASE)


class VersionAfterCommit:
    """An execute wrapper (PostgreSQL): a write to a content table advances the version after its commit."""

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not _migrating and _write_statement().match(sql):
            connection = context["connection"]
            if not connection.in_atomic_block:
                bump(connection.alias)  # autocommit: the statement is already committed
            elif not any(callback == self.after_commit for _sids, callback, _robust in connection.run_on_commit):
                transaction.on_commit(self.after_commit, using=connection.alias, robust=True)
        return result

    # Each connection has its own wrapper: its bound method, registered once per transaction.
    def after_commit(self):
        bump(self.alias)


def watch_connection(sender, connection, **kwargs) -> None:
    """`connection_created`: install `VersionAfterCommit` on each new PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return
    if not any(isinstance(wrapper, VersionAfterCommit) for wrapper in connection.execute_wrappers):
        wrapper = VersionAfterCommit()
        wrapper.alias = connection.alias
        connection.execute_wrappers.append(wrapper)
