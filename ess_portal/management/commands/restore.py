"""`python manage.py restore FILE [--force]`: load a backup into the database that DATABASE_URL names.

The database may be new and empty (restore runs the migrations) and of either engine, whatever
the engine of the backup. See ess_portal/backups.py and docs/operations.md.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ess_portal.backups import BackupError, describe_database, restore_backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par « backup » dans la base de DATABASE_URL (SQLite ou PostgreSQL, "
        "même vide : le schéma est créé par les migrations). Refuse si la base contient déjà des données, "
        "sauf avec --force, qui les remplace. Tout ou rien : un fichier abîmé ne modifie rien."
    )
    # Restoring is how one repairs a broken installation: do not let a failing system check stop it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier de sauvegarde (.jsonl.gz ou .jsonl.xz) écrit par « backup ».")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Remplacer les données que la base contient déjà (elles sont effacées, puis la sauvegarde chargée).",
        )

    def handle(self, *args, file, force, **options):
        path = Path(file).expanduser().absolute()
        started = time.monotonic()
        try:
            counts = restore_backup(path=path, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Sauvegarde {path.name} restaurée dans {describe_database()} : {counts.total()} objets "
                    f"de {len(+counts)} modèles, en {time.monotonic() - started:.1f} s."
                )
            )
