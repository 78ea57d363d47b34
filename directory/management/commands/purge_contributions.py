"""`python manage.py purge_contributions [--dry-run]`: apply the retention periods to contributions and claims."""

from django.conf import settings
from django.core.management.base import BaseCommand

from directory import personal_data


class Command(BaseCommand):
    help = (
        "Efface les contributions et revendications décidées depuis plus de CONTRIBUTION_RETENTION_DAYS jours "
        f"(avec le nom et l'e-mail de leur auteur) et les empreintes anti-abus de plus de "
        f"{personal_data.SUBMITTER_KEY_RETENTION_DAYS} jours. À lancer chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter ce qui serait effacé, sans rien effacer.")
        parser.add_argument("--operator", default="", help=personal_data.OPERATOR_HELP)

    def handle(self, *args, dry_run, operator, **options):
        report = personal_data.purge_contributions(operator=personal_data.operator_name(operator), dry_run=dry_run)
        self.stdout.write(
            f"Conservation : {settings.CONTRIBUTION_RETENTION_DAYS} jours après la décision, "
            f"{personal_data.SUBMITTER_KEY_RETENTION_DAYS} jours pour les empreintes anti-abus."
        )
        for what, n in report.as_dict().items():
            self.stdout.write(f"{what} : {n}")
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été effacé.")
