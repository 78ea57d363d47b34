"""`python manage.py load_reference`: seed the real organisations of the reference file.

Reference vocabularies (communes, neighbourhoods, sectors, labels, roles, stages) come from
data migrations; this command adds the records that are not vocabularies. Idempotent and safe
in production: what exists is left alone, only what is missing is created.
"""

from django.core.management.base import BaseCommand

from directory.history import Origin, provenance
from directory.reference import load_reference_organisations
from projects.reference import load_reference_initiatives

# Reference loaders, run in order. Each takes no argument, is idempotent and returns
# {what: how many were created}. Append the tracker's reference loader here.
REFERENCE_LOADERS = [
    load_reference_organisations,
    load_reference_initiatives,
]


class Command(BaseCommand):
    help = "Charge les données de référence qui ne sont pas des vocabulaires (organisations réelles citées)."

    def handle(self, *args, **options):
        # Every historical record written here says it came from this import.
        with provenance(Origin.IMPORT, "load_reference"):
            for loader in REFERENCE_LOADERS:
                for what, created in loader().items():
                    self.stdout.write(f"{what} : {created} créé(s)")
        self.stdout.write(self.style.SUCCESS("Données de référence à jour."))
