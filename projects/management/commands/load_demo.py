"""`python manage.py load_demo`: reference data, the fictional demo data set and a demo staff account.

Development only: refuses to run unless DEBUG is on, so demo data never reaches production.
Idempotent: a second run creates nothing new and resets the demo account's password.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from awards.demo import load_awards_demo
from directory.demo import load_directory_demo
from directory.demo.deals import load_deals_demo
from directory.history import Origin, provenance
from observatory.demo import load_figures_demo
from projects.demo import load_events_demo, load_projects_demo
from purchasing.demo import load_purchasing_demo

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-ess-2026"  # Documented in README.md; the account exists only under DEBUG.

# Demo loaders, run in order after load_reference. Each takes no argument, is idempotent and
# returns {what: how many were created}. Append the tracker's demo loader here.
DEMO_LOADERS = [
    load_directory_demo,
    load_deals_demo,
    load_projects_demo,
    load_events_demo,
    load_figures_demo,
    load_awards_demo,
    load_purchasing_demo,
]


class Command(BaseCommand):
    help = (
        "Charge les données de référence, le jeu de démonstration fictif et un compte d'équipe « demo » "
        "(développement seulement : DEBUG doit être activé)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo ne s'exécute qu'en développement (DEBUG=1) : "
                "les données de démonstration ne doivent jamais aller en production."
            )
        call_command("load_reference", stdout=self.stdout, stderr=self.stderr)
        # Every historical record written here says it came from this command.
        with provenance(Origin.COMMAND, "load_demo"):
            for loader in DEMO_LOADERS:
                for what, created in loader().items():
                    self.stdout.write(f"{what} : {created} créé(s)")
            self._demo_account()

    def _demo_account(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"email": "demo@example.org", "first_name": "Compte de démonstration"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Compte de démonstration {'créé' if created else 'remis à zéro'} : "
                f"{settings.SITE_URL}/admin/ — identifiant « {DEMO_USERNAME} », mot de passe « {DEMO_PASSWORD} »."
            )
        )
