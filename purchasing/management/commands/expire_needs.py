"""`python manage.py expire_needs [--dry-run]`: close the needs past their deadline, erase old buyers' contacts."""

from django.conf import settings
from django.core.management.base import BaseCommand

from purchasing import services


class Command(BaseCommand):
    help = (
        "Archive les besoins publiés dont la date limite est passée et efface l'e-mail de contact des "
        "acheteurs NEED_CONTACT_RETENTION_DAYS jours après la date limite ou le refus. À lancer chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter ce qui serait fait, sans rien changer.")

    def handle(self, *args, dry_run, **options):
        report = services.expire_needs(dry_run=dry_run)
        self.stdout.write(f"Conservation des contacts : {settings.NEED_CONTACT_RETENTION_DAYS} jours.")
        for what, n in report.as_dict().items():
            self.stdout.write(f"{what} : {n}")
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été changé.")
