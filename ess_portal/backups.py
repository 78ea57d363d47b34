"""Back up the whole database to one portable file, and restore it on either engine.

The file is Django's own serialization, JSON Lines (one object per line), compressed with gzip
(`.jsonl.gz`) or xz (`.jsonl.xz`). It does not depend on the engine, so a backup of SQLite
restores into PostgreSQL and the reverse, and both sides stream: rows are read with iterators
and written line by line, and `loaddata` reads JSON Lines line by line.

What goes in: every row of every model of every installed app (users, groups, partner tokens,
the admin's log, django-simple-history's tables…), with its primary key, so that references
between rows, history included, survive as they are. Two exceptions:

- volatile rows are left out: sessions and login-lockout counters (`EXCLUDED_MODELS`);
- content types and permissions are rows that `migrate` creates itself, with ids that differ
  from one database to the next: they are written without their ids, and every reference to
  them by natural key (`["directory", "actor"]`, `["view_actor", "directory", "actor"]`), so
  that restoring matches them with the target's own rows (and creates any that are missing).

Uploaded files (documents under MEDIA_ROOT) are not in the database, hence not in the file.
"""

import datetime
import gzip
import json
import lzma
import os
import tempfile
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonLinesSerializer
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model, Prefetch


@contextmanager
def _history_disabled():
    """django-simple-history off for this block (it reads SIMPLE_HISTORY_ENABLED at each save)."""
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous


def _open_gzip(path, mode, **kwargs):
    # Level 6 rather than gzip's default 9: nearly as small, several times faster.
    return gzip.open(path, mode, compresslevel=6, **kwargs) if "w" in mode else gzip.open(path, mode, **kwargs)


# What `backup` writes and `restore` reads, recognised by suffix (`loaddata` goes by it too).
OPENERS = {".jsonl.gz": _open_gzip, ".jsonl.xz": lzma.open}
DEFAULT_SUFFIX = ".jsonl.gz"

# Volatile rows, left out: sessions (restoring them could sign someone in as whoever owns the same
# user id in the restored data) and django-axes' lockout counters (they expire within the hour).
EXCLUDED_MODELS = {"sessions.session", "axes.accessattempt"}

# Rows that `migrate` creates in every database, with ids of its own: referred to by natural key.
MATCHED_BY_NATURAL_KEY = (ContentType, Permission)

# Tables that a freshly migrated database already fills: content types and permissions, and the
# vocabularies and staff groups of the data migrations. Rows there do not make a database "hold
# data": restore replaces them without --force. tests/ess_portal/test_backup.py checks this list
# against a freshly migrated database; add a table here when a new data migration fills one.
FILLED_BY_MIGRATE = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "directory.commune",
    "directory.neighbourhood",
    "directory.neighbourhood_communes",
    "directory.sector",
    "directory.label",
    "directory.role",
    "directory.stage",
    "directory.searchsynonym",
    "projects.strategyaxis",
    "projects.objective",
    "projects.energycriterion",
    "purchasing.cpvcode",
}
# Nor are volatile rows data worth keeping.
NOT_DATA = FILLED_BY_MIGRATE | EXCLUDED_MODELS

CHUNK_SIZE = 2000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator, in French."""


def backup_suffix(path: Path) -> str | None:
    """The recognised suffix of `path` (`.jsonl.gz` or `.jsonl.xz`), or None."""
    return next((suffix for suffix in OPENERS if path.name.endswith(suffix)), None)


def describe_database(using: str = DEFAULT_DB_ALIAS) -> str:
    """The database `using` in words, for messages (never its password)."""
    connection = connections[using]
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        host = connection.settings_dict.get("HOST") or "localhost"
        port = connection.settings_dict.get("PORT") or 5432
        return f"PostgreSQL « {name} » sur {host}:{port}"
    return f"{connection.display_name} « {name} »"


def _has_pending_migrations(using: str) -> bool:
    executor = MigrationExecutor(connections[using])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# Backup


def backed_up_models(using: str = DEFAULT_DB_ALIAS) -> list[type[Model]]:
    """Every concrete model whose rows a backup holds, content types and permissions first.

    Those two come first because rows refer to them by natural key, which restore resolves
    as it goes. Every other reference is by primary key and needs no order: foreign keys are
    checked when the restore commits.
    """
    candidates = [
        model
        for model in apps.get_models()
        if model._meta.label_lower not in EXCLUDED_MODELS
        and model._meta.managed
        and not model._meta.proxy
        and router.allow_migrate_model(using, model)
    ]
    return [model for model in MATCHED_BY_NATURAL_KEY if model in candidates] + [
        model for model in candidates if model not in MATCHED_BY_NATURAL_KEY
    ]


class _FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; a backup keeps the microseconds the database has."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _PortableSerializer(JsonLinesSerializer):
    """JSON Lines, with natural keys for references to content types and permissions only.

    Django's `use_natural_foreign_keys` would also apply to users and groups (they have natural
    keys); their ids are kept instead, like every other row's, so that nothing else moves.
    """

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in MATCHED_BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in MATCHED_BY_NATURAL_KEY
        super().handle_m2m_field(obj, field)


def _rows(model: type[Model], using: str):
    """All rows of `model` by primary key, with what their serialization reads fetched in bulk."""
    queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
    natural_fks = [
        field.name
        for field in model._meta.fields
        if field.is_relation and field.related_model in MATCHED_BY_NATURAL_KEY
    ]
    if natural_fks:
        queryset = queryset.select_related(*natural_fks)
    prefetches = []
    for field in model._meta.many_to_many:
        if not field.remote_field.through._meta.auto_created:
            continue  # an explicit through model is backed up as a model of its own
        if field.related_model is Permission:
            prefetches.append(Prefetch(field.name, Permission.objects.using(using).select_related("content_type")))
        else:
            prefetches.append(field.name)
    if prefetches:
        queryset = queryset.prefetch_related(*prefetches)
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def _counting(rows, counts: Counter, label: str):
    for row in rows:
        counts[label] += 1
        yield row


def write_backup(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> Counter:
    """Write every backed-up row of database `using` to `path`; return the row count per model label.

    The rows are read in one transaction (REPEATABLE READ, read only on PostgreSQL), so the file
    is a consistent snapshot even while the site is in use. The file appears only once complete:
    it is written under a temporary name next to `path`, then renamed; an existing file at `path`
    is replaced.
    """
    suffix = backup_suffix(path)
    if suffix is None:
        raise BackupError(f"Nom de fichier non reconnu « {path.name} » : attendu *{' ou *'.join(OPENERS)}.")
    if _has_pending_migrations(using):
        raise BackupError(
            f"La base ({describe_database(using)}) n'est pas à jour de ses migrations : "
            "lancez « python manage.py migrate » avant de la sauvegarder."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    counts = Counter()
    # mkstemp creates the file readable by its owner only: it holds password hashes and token digests.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(descriptor)
    try:
        with OPENERS[suffix](temporary, "wt", encoding="utf-8") as stream, transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            serializer = _PortableSerializer()
            for model in backed_up_models(using):
                serializer.serialize(
                    _counting(_rows(model, using), counts, model._meta.label),
                    stream=stream,
                    use_natural_foreign_keys=True,
                    use_natural_primary_keys=model in MATCHED_BY_NATURAL_KEY,
                    cls=_FullPrecisionEncoder,
                )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return counts


# Restore


def read_backup(path: Path) -> Counter:
    """Read the backup at `path` to its end and return its object count per model label.

    Touches no database. Raises BackupError unless the file is a complete backup that this code
    can read: a truncated or damaged file fails its compression checks or a line's JSON, and an
    object of a model that does not exist here is refused too.
    """
    suffix = backup_suffix(path)
    if suffix is None:
        raise BackupError(f"Nom de fichier non reconnu « {path.name} » : attendu *{' ou *'.join(OPENERS)}.")
    if not path.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {path}.")
    counts = Counter()
    line_number = 0
    try:
        with OPENERS[suffix](path, "rt", encoding="utf-8") as stream:
            for line_number, line in enumerate(stream, start=1):  # noqa: B007 (the error message reads it)
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
                    raise ValueError("objet sans champs")
                counts[apps.get_model(record["model"])._meta.label] += 1
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, KeyError, LookupError, TypeError) as exc:
        # Damaged: zlib.error, lzma.LZMAError or OSError (gzip's BadGzipFile, a bad CRC); truncated:
        # EOFError; bad JSON or UTF-8: ValueError; unknown model: LookupError.
        cause = str(exc) or type(exc).__name__
        raise BackupError(
            f"Fichier de sauvegarde illisible ou incomplet ({path.name}, ligne {line_number}) : {cause}."
        ) from exc
    if not counts:
        raise BackupError(f"Le fichier de sauvegarde {path.name} ne contient aucun objet.")
    return counts


def tables_holding_data(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Labels of the models whose table in database `using` has rows other than migrate's own.

    A database without the tables (new, or not yet migrated that far) holds nothing there.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            label = model._meta.label_lower
            if label in NOT_DATA or not model._meta.managed or model._meta.proxy:
                continue
            if connection.introspection.identifier_converter(model._meta.db_table) not in existing:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(model._meta.db_table)} LIMIT 1")
            if cursor.fetchone():
                found.append(label)
    # Models first, then the automatic many-to-many tables: the message names what matters first.
    return sorted(found, key=lambda label: apps.get_model(label)._meta.auto_created is not False)


def restore_backup(*, path: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> Counter:
    """Replace the content of database `using` with the backup at `path`; return its object count per model.

    In order: read the whole file (refused if damaged: nothing touched); refuse if the database
    holds data, unless `force`; run `migrate` (creates the schema of a new database); then, in
    one transaction, empty every table but content types and permissions, load the file with
    `loaddata` (content types and permissions are matched by natural key) and reset PostgreSQL's
    sequences so that new rows get fresh ids. Any error there rolls the whole transaction back.
    """
    counts = read_backup(path)
    occupied = tables_holding_data(using)
    if occupied and not force:
        shown = ", ".join(occupied[:6]) + (", …" if len(occupied) > 6 else "")
        raise BackupError(
            f"La base cible ({describe_database(using)}) contient déjà des données ({shown}) : "
            "restauration refusée, rien n'a été modifié. Pour les remplacer par la sauvegarde, "
            "relancez avec --force (make restore FILE=… FORCE=1)."
        )
    schema_changes = _has_pending_migrations(using)
    call_command("migrate", database=using, interactive=False, verbosity=0)
    connection = connections[using]
    try:
        with transaction.atomic(using=using):
            keep = {model._meta.db_table for model in MATCHED_BY_NATURAL_KEY}
            tables = [
                table
                for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
                if table not in keep
            ]
            connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
            # The history is in the file: django-simple-history must not add rows of its own as the
            # many-to-many relations are set (it skips `raw` saves, but not m2m_changed).
            with _history_disabled():
                call_command("loaddata", str(path), database=using, verbosity=0)
            # loaddata resets the sequences of what it loaded; do it for every table, as sqlsequencereset would.
            statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    except Exception as exc:
        schema = " (seul son schéma a été mis à jour par migrate)" if schema_changes else ""
        raise BackupError(
            f"La sauvegarde n'a pas pu être chargée ; les données de la base sont restées telles qu'elles "
            f"étaient{schema}. Cause : {exc}"
        ) from exc
    return counts
