"""`manage.py backup` and `manage.py restore`, run as an operator runs them: in subprocesses, on
databases of their own (SQLite files, or PostgreSQL databases made for the test when the suite
runs on PostgreSQL), compared by reading both databases back.

The source database is migrated, then loaded with the demo data set (`load_demo`) and a few
records made with the factories: a staff user with a direct permission, an actor with a history
written by that user, an initiative in progress with its energy review, an API token, an admin log
entry, and a content type whose id differs from a fresh database's.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings

from ess_portal.backups import FILLED_BY_MIGRATE, tables_holding_data
from tests.conftest import is_postgres

BASE_DIR = Path(settings.BASE_DIR)
SUITE_ENGINE = "postgres" if is_postgres() else "sqlite"
needs_postgres = pytest.mark.skipif(
    not is_postgres(), reason="cross-engine restore needs PostgreSQL: run the suite with DATABASE_URL=postgres://…"
)

SETUP = """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")
import django
django.setup()
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from directory.models import Actor
from tests import factories


def snapshot():
    # Every row of every table (historical and many-to-many tables included) as comparable JSON.
    # Content types and permissions have ids of each database's own: they, and references to them,
    # are compared by natural key. Rows of automatic many-to-many tables get new ids on restore
    # (the relations are restored, not those ids): they are compared without them.
    natural = {
        ContentType: {ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.all()},
        Permission: {
            p.pk: [p.codename, p.content_type.app_label, p.content_type.model]
            for p in Permission.objects.select_related("content_type")
        },
    }
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label_lower == "sessions.session" or model._meta.proxy or not model._meta.managed:
            continue
        translated = {
            field.attname: natural[field.related_model]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model in natural
        }
        without_id = model in natural or model._meta.auto_created
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for attname, names in translated.items():
                row[attname] = names.get(row[attname], row[attname])
            if without_id:
                del row[model._meta.pk.attname]
            rows.append(json.dumps(row, default=str, sort_keys=True))
        tables[model._meta.label] = sorted(rows) if without_id else rows
    return tables


def add_actor_missing_from_backup():
    factories.actor(name="Acteur absent de la sauvegarde")
"""

POPULATE = (
    SETUP
    + """
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.contenttypes.management import create_contenttypes
from django.core.management import call_command
from tests.projects import factories as project_factories

transaction.set_autocommit(False)  # one commit at the end: much faster on SQLite
call_command("load_demo", stdout=io.StringIO())

# The actor's content type gets an id that a fresh database gives to another model: references to
# it must be restored by natural key.
ContentType.objects.get_for_model(Actor).delete()
ContentType.objects.clear_cache()
create_contenttypes(apps.get_app_config("directory"), verbosity=0)
create_permissions(apps.get_app_config("directory"), verbosity=0)
view_actor = Permission.objects.get(codename="view_actor")
Group.objects.get(name="Éditeurs").permissions.add(view_actor)

staff = factories.staff_user(group="Éditeurs", username="agent-sauvegarde")
staff.user_permissions.add(view_actor)
actor = factories.actor(name="Régie de quartier fictive des Lilas", description="Ressourcerie et atelier Brindavoine.")
actor.offer = "Réparation de vélos"
actor._history_user = staff
actor.save()
LogEntry.objects.create(
    user=staff,
    content_type=ContentType.objects.get_for_model(Actor),
    object_id=str(actor.pk),
    object_repr=str(actor),
    action_flag=CHANGE,
    change_message="Offre complétée.",
)
factories.api_token(organisation=actor, scopes=["write:actors"])
initiative = project_factories.initiative_in("in_progress", title="Ressourcerie fictive de Bondy")
project_factories.milestone(initiative)
project_factories.funding_line(initiative, funder=actor)
transaction.commit()
print(json.dumps(snapshot()))
"""
)

# The restored records, then what a restored database must do: give new rows fresh ids, keep
# history, and find restored actors (on PostgreSQL through the search vector its trigger fills).
RESTORED = (
    SETUP
    + """
from django.contrib.auth.models import User

tables = snapshot()
restored_max = Actor.objects.order_by("-pk").values_list("pk", flat=True).first()
new = factories.actor(name="Structure créée après la restauration")
user = User.objects.create_user(username="nouvel-agent", password="mot-de-passe-de-test")
unindexed = None
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM directory_actor WHERE search_vector IS NULL")
        unindexed = cursor.fetchone()[0]
print(json.dumps({"tables": tables, "after": {
    "new_actor_is_new": new.pk > restored_max,
    "new_actor_history": new.history.count(),
    "new_user_is_new": user.pk > User.objects.exclude(pk=user.pk).order_by("-pk").values_list("pk", flat=True)[0],
    # A word found only in a restored actor's description: on PostgreSQL, only in its search vector.
    "search": list(Actor.objects.search("brindavoine").values_list("name", flat=True)),
    "unindexed": unindexed,
}}))
"""
)


def _environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEBUG"}}
    return {**env, "DATABASE_URL": database_url, "SECRET_KEY": "insecure-test-key-not-for-production", **extra}


def run(database_url: str, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=_environment(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def manage(database_url: str, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
    return run(database_url, "manage.py", *args, check=check, **extra)


def python(database_url: str, script: str, **extra: str):
    """Run `script` against the database and return what it prints, read as JSON."""
    return json.loads(run(database_url, "-c", script, **extra).stdout)


def snapshot(database_url: str) -> dict[str, list[str]]:
    return python(database_url, SETUP + "print(json.dumps(snapshot()))")


class Databases:
    """Scratch databases: SQLite files in a temporary folder, or PostgreSQL databases on the suite's server."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.postgres_names: list[str] = []

    def new(self, engine: str, name: str) -> str:
        """The URL of a new, empty database (for SQLite, a file that does not exist yet)."""
        if engine == "sqlite":
            return f"sqlite:///{self.folder / name}.sqlite3"
        return self._create_postgres(name, template=None)

    def copy(self, engine: str, url: str, name: str) -> str:
        """The URL of a new database holding what the database at `url` holds."""
        if engine == "sqlite":
            target = self.folder / f"{name}.sqlite3"
            shutil.copy(url.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        return self._create_postgres(name, template=url.rsplit("/", 1)[1])

    def _admin(self):
        import psycopg

        conf = settings.DATABASES["default"]
        return psycopg.connect(
            host=conf["HOST"] or None,
            port=conf["PORT"] or None,
            user=conf["USER"] or None,
            password=conf["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

    def _create_postgres(self, name: str, *, template: str | None) -> str:
        conf = settings.DATABASES["default"]
        database = f"ess_backup_test_{os.getpid()}_{name}"
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.execute(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.postgres_names.append(database)
        credentials = quote(conf["USER"] or "") + (f":{quote(conf['PASSWORD'])}" if conf["PASSWORD"] else "")
        return f"postgres://{credentials}@{conf['HOST'] or 'localhost'}:{conf['PORT'] or 5432}/{database}"

    def drop_all(self):
        if self.postgres_names:
            with self._admin() as admin:
                for database in self.postgres_names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


class Source:
    """A populated database of one engine, its backup, and a copy holding one more actor than the backup."""

    def __init__(self, databases: Databases, engine: str):
        self.engine = engine
        self.url = databases.new(engine, f"source_{engine}")
        manage(self.url, "migrate", "--noinput", "-v0")
        self.snapshot = python(self.url, POPULATE, DEBUG="1")
        backup = manage(self.url, "backup", str(databases.folder / f"{engine}.jsonl.gz"))
        self.backup = Path(backup.stdout.strip())
        self.backup_summary = backup.stderr
        self.occupied_url = databases.copy(engine, self.url, f"occupied_{engine}")
        self.occupied_snapshot = python(
            self.occupied_url, SETUP + "add_actor_missing_from_backup()\nprint(json.dumps(snapshot()))"
        )


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    databases = Databases(tmp_path_factory.mktemp("backups"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def sources(databases):
    """Populated source databases, made on first use: sources(engine) is a Source."""
    made = {}

    def source(engine: str) -> Source:
        if engine not in made:
            made[engine] = Source(databases, engine)
        return made[engine]

    return source


def assert_same_records(restored: dict[str, list[str]], original: dict[str, list[str]]):
    assert {label: len(rows) for label, rows in restored.items()} == {
        label: len(rows) for label, rows in original.items()
    }
    for label, rows in original.items():
        assert restored[label] == rows, label


def assert_restored(url: str, source: Source):
    restored = python(url, RESTORED)
    assert_same_records(restored["tables"], source.snapshot)
    assert restored["after"] == {
        "new_actor_is_new": True,
        "new_actor_history": 1,
        "new_user_is_new": True,
        "search": ["Régie de quartier fictive des Lilas"],
        "unindexed": 0 if url.startswith("postgres") else None,
    }


def test_a_freshly_migrated_database_holds_no_data_and_the_tables_migrate_fills_are_declared(db):
    filled = {
        model._meta.label_lower
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._base_manager.exists()
    }

    assert filled == FILLED_BY_MIGRATE
    assert tables_holding_data() == []


def test_backup_writes_one_compressed_file_of_every_model_and_prints_its_path(sources):
    source = sources(SUITE_ENGINE)

    assert source.backup.name == f"{SUITE_ENGINE}.jsonl.gz"
    assert source.backup.stat().st_mode & 0o777 == 0o600  # password hashes are in there
    assert [path.name for path in source.backup.parent.iterdir() if path.name.endswith(".partial")] == []
    assert "Kio" in source.backup_summary and str(settings.MEDIA_ROOT) in source.backup_summary
    with gzip.open(source.backup, "rt", encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream]
    labels = {record["model"] for record in records}
    assert {"auth.user", "auth.group", "directory.actor", "directory.historicalactor", "directory.apitoken"} <= labels
    assert {"projects.initiative", "projects.historicalinitiative", "projects.energyreview", "admin.logentry"} <= labels
    assert "sessions.session" not in labels
    content_types = [record for record in records if record["model"] == "contenttypes.contenttype"]
    assert content_types and all("pk" not in record for record in content_types)
    log_entry = next(record for record in records if record["model"] == "admin.logentry")
    assert log_entry["fields"]["content_type"] == ["directory", "actor"]
    assert isinstance(log_entry["fields"]["user"], int)


def test_backup_into_a_folder_names_the_file_with_a_timestamp(sources, tmp_path):
    result = manage(sources(SUITE_ENGINE).url, "backup", str(tmp_path / "nightly"))

    path = Path(result.stdout.strip())
    assert path.parent == tmp_path / "nightly"
    assert path.name.startswith("ess-portal-") and path.name.endswith(".jsonl.gz")
    assert path.is_file()


def test_restore_into_a_new_empty_database_gives_back_every_record(sources, databases):
    source = sources(SUITE_ENGINE)
    target = databases.new(SUITE_ENGINE, "restored")

    result = manage(target, "restore", str(source.backup))

    assert "restaurée" in result.stdout
    assert len(source.snapshot["directory.HistoricalActor"]) > len(source.snapshot["directory.Actor"]) > 300
    assert source.snapshot["projects.HistoricalInitiative"] and source.snapshot["projects.EnergyReview"]
    assert_restored(target, source)


@needs_postgres
@pytest.mark.parametrize(("from_engine", "to_engine"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_restore_across_engines_gives_back_every_record(sources, databases, from_engine, to_engine):
    source = sources(from_engine)
    target = databases.new(to_engine, f"from_{from_engine}")

    manage(target, "restore", str(source.backup))

    assert_restored(target, source)


def test_restore_refuses_a_database_that_holds_data_and_replaces_it_when_forced(sources, databases):
    source = sources(SUITE_ENGINE)
    target = databases.copy(SUITE_ENGINE, source.occupied_url, "refused")

    refused = manage(target, "restore", str(source.backup), check=False)

    assert refused.returncode == 1
    assert "contient déjà des données" in refused.stderr and "--force" in refused.stderr
    assert snapshot(target) == source.occupied_snapshot

    manage(target, "restore", str(source.backup), "--force")

    assert_same_records(snapshot(target), source.snapshot)


def test_restore_of_a_truncated_or_corrupt_file_changes_nothing(sources, databases, tmp_path):
    source = sources(SUITE_ENGINE)
    content = source.backup.read_bytes()
    middle = len(content) // 2
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(content[:middle])
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(
        content[:middle] + bytes(byte ^ 0xFF for byte in content[middle : middle + 64]) + content[middle + 64 :]
    )
    new = databases.new(SUITE_ENGINE, "untouched")
    occupied = databases.copy(SUITE_ENGINE, source.occupied_url, "forced")

    results = [
        manage(url, "restore", str(damaged), *force, check=False)
        for damaged in (truncated, corrupt)
        for url, force in ((new, []), (occupied, ["--force"]))
    ]

    for result in results:
        assert result.returncode == 1
        assert "illisible ou incomplet" in result.stderr
    assert python(new, SETUP + "print(json.dumps(connection.introspection.table_names()))") == []
    assert snapshot(occupied) == source.occupied_snapshot


def test_restore_that_fails_while_loading_rolls_everything_back(sources, databases, tmp_path):
    source = sources(SUITE_ENGINE)
    with gzip.open(source.backup, "rt", encoding="utf-8") as stream:
        lines = stream.readlines()
    # A second user with the first one's name: the database refuses it once restore has emptied
    # the tables and loaded the first users.
    first_user = next(index for index, line in enumerate(lines) if json.loads(line)["model"] == "auth.user")
    duplicate = {**json.loads(lines[first_user]), "pk": 999_999}
    lines.insert(first_user + 1, json.dumps(duplicate) + "\n")
    broken = tmp_path / "duplicate-user.jsonl.gz"
    with gzip.open(broken, "wt", encoding="utf-8") as stream:
        stream.writelines(lines)
    occupied = databases.copy(SUITE_ENGINE, source.occupied_url, "rolled_back")

    result = manage(occupied, "restore", str(broken), "--force", check=False)

    assert result.returncode == 1
    assert "n'a pas pu être chargée" in result.stderr and "restées telles qu'elles étaient" in result.stderr
    assert snapshot(occupied) == source.occupied_snapshot


def test_restore_refuses_a_file_it_does_not_recognise(databases, tmp_path):
    other = tmp_path / "dump.json"
    other.write_text("[]")

    result = manage(databases.new(SUITE_ENGINE, "unknown_file"), "restore", str(other), check=False)

    assert result.returncode == 1
    assert "Nom de fichier non reconnu" in result.stderr
