"""`python manage.py backup [DESTINATION]`: write the whole database to one compressed, portable file.

See ess_portal/backups.py for what the file holds and docs/operations.md for how to use it.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ess_portal.backups import DEFAULT_SUFFIX, BackupError, backup_suffix, describe_database, write_backup


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base de données (celle de DATABASE_URL) dans un seul fichier compressé et portable "
        "(JSON Lines de Django, .jsonl.gz ou .jsonl.xz), restaurable sur SQLite comme sur PostgreSQL avec "
        "« restore ». Affiche le chemin du fichier. Les fichiers envoyés (MEDIA_ROOT) n'y sont pas."
    )
    # A backup must run even when a system check fails (a half-deployed release, say).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "destination",
            nargs="?",
            default=str(settings.BASE_DIR / "backups"),
            help=(
                "Dossier où écrire un fichier horodaté (créé au besoin ; par défaut : backups/), "
                f"ou chemin d'un fichier se terminant par {DEFAULT_SUFFIX} ou .jsonl.xz (remplacé s'il existe)."
            ),
        )

    def handle(self, *args, destination, **options):
        path = Path(destination).expanduser()
        if backup_suffix(path) is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = path / f"ess-portal-{stamp}{DEFAULT_SUFFIX}"
        path = path.absolute()
        started = time.monotonic()
        try:
            counts = write_backup(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"] >= 1:
            # The summary goes to stderr: stdout is only the path, for scripts (FILE=$(manage.py backup)).
            self.stderr.write(
                f"Sauvegarde de {describe_database()} : {counts.total()} objets de {len(+counts)} modèles, "
                f"{path.stat().st_size / 1024:.0f} Kio, en {time.monotonic() - started:.1f} s. "
                f"Les fichiers envoyés ne sont pas dans la base : sauvegardez aussi {settings.MEDIA_ROOT}."
            )
        self.stdout.write(str(path))
