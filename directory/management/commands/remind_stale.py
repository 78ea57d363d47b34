"""List the published actors whose listing was not verified for months; with --send, e-mail their representatives."""

from django.core.management.base import BaseCommand, CommandError

from directory import freshness

MAX_MONTHS = 120


class Command(BaseCommand):
    help = (
        "Liste les fiches publiées jamais vérifiées ou vérifiées il y a plus de N mois (12 par défaut), "
        "avec leurs représentants. Avec --send, envoie à chaque représentant un lien « Ces informations "
        f"sont toujours exactes » valable {freshness.LINK_MAX_AGE.days} jours. "
        "Exemple : remind_stale --months 18 --send"
    )

    def add_arguments(self, parser):
        # Read as text: a bad value gets this command's French message rather than argparse's.
        parser.add_argument("--months", default="12", help=f"Ancienneté en mois, de 1 à {MAX_MONTHS} (12 par défaut).")
        parser.add_argument("--send", action="store_true", help="Envoyer les e-mails aux représentants.")

    def handle(self, *args, months, send, **options):
        text = str(months).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_MONTHS:
            raise CommandError(
                f"--months attend un nombre entier de mois, de 1 à {MAX_MONTHS} : « {months} » ne convient pas."
            )
        months = int(text)

        actors = list(freshness.stale_actors(months=months))
        for actor in actors:
            verified = f"vérifiée le {actor.last_verified_at:%d/%m/%Y}" if actor.last_verified_at else "jamais vérifiée"
            emails = [
                representative.user.email or f"{representative.user.get_username()} (sans e-mail)"
                for representative in actor.representatives.all()
            ]
            who = ", ".join(emails) if emails else "aucun représentant"
            self.stdout.write(f"{actor.name} ({actor.slug}) — {verified} — {who}")
        self.stdout.write(f"{len(actors)} fiche(s) publiée(s) non vérifiée(s) depuis {months} mois.")

        if send:
            sent = freshness.send_reminders(actors)
            self.stdout.write(self.style.SUCCESS(f"{sent} e-mail(s) envoyé(s)."))
        elif actors:
            self.stdout.write("Rien n'est envoyé sans --send.")
