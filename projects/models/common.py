"""Values several models of the tracker share."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# A local ESS project above this is a typo (an extra zero or two), not a budget.
MAX_AMOUNT = Decimal("100000000")
ZERO = Decimal("0")


class Source(models.TextChoices):
    STAFF = "staff", _("saisie par l'équipe")
    REFERENCE = "reference", _("données de référence")
    IMPORT = "import", _("import")
    PARTNER_API = "api", _("API partenaire")
    DEMO = "demo", _("démonstration (fictif)")
