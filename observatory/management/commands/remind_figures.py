"""The yearly campaign: e-mail the structures' accounts whose actor has no figures for last year."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from observatory import services
from observatory.models import FIRST_YEAR


class Command(BaseCommand):
    help = (
        "Campagne annuelle de l'observatoire : écrit aux représentants des acteurs publiés qui n'ont pas de "
        "chiffres pour l'année passée (ou --year), une fois par acteur et par année. Avec --dry-run, liste "
        "sans rien envoyer. Exemple : remind_figures --year 2025 --dry-run"
    )

    def add_arguments(self, parser):
        # Read as text: a bad value gets this command's French message rather than argparse's.
        parser.add_argument("--year", default="", help="Année des chiffres demandés (l'année passée par défaut).")
        parser.add_argument("--dry-run", action="store_true", help="Lister sans envoyer ni rien enregistrer.")

    def handle(self, *args, year, dry_run, **options):
        last_year = timezone.localdate().year - 1
        text = str(year).strip()
        if not text:
            year = last_year
        elif text.isdigit() and FIRST_YEAR <= int(text) <= last_year + 1:
            year = int(text)
        else:
            raise CommandError(
                f"--year attend une année de {FIRST_YEAR} à {last_year + 1}, en chiffres : « {year} » ne convient pas."
            )

        actors = list(services.actors_to_remind(year).prefetch_related("representatives__user"))
        for actor in actors:
            emails = [
                representative.user.email or f"{representative.user.get_username()} (sans e-mail)"
                for representative in actor.representatives.all()
            ]
            self.stdout.write(f"{actor.name} ({actor.slug}) — {', '.join(emails)}")
        self.stdout.write(f"{len(actors)} acteur(s) sans chiffres {year} à qui écrire.")
        if dry_run:
            if actors:
                self.stdout.write("Rien n'est envoyé ni enregistré avec --dry-run.")
            return
        sent = services.run_campaign(year=year, actors=actors)
        self.stdout.write(
            self.style.SUCCESS(f"{sent} e-mail(s) envoyé(s) ; ces acteurs ne seront plus relancés pour {year}.")
        )
