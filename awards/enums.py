"""Vocabulary shared by the awards' models, services, forms and views."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The group of jury-only accounts: no staff flag, no admin access, only the jury pages.
JURY_GROUP = "Jurys"


class Eligibility(models.TextChoices):
    PENDING = "pending", _("à examiner")
    ELIGIBLE = "eligible", _("recevable")
    INELIGIBLE = "ineligible", _("irrecevable")


class SubmittedVia(models.TextChoices):
    ACCOUNT = "account", _("compte de la structure")
    PUBLIC = "public", _("formulaire public")
    ADMIN = "admin", _("administration")
    COMMAND = "command", _("commande")


class Phase(models.TextChoices):
    """Where an edition stands, computed from its dates and its two decisions (see `Edition.phase`)."""

    DRAFT = "draft", _("en préparation")
    UPCOMING = "upcoming", _("appel à venir")
    CALL_OPEN = "call_open", _("appel à candidatures ouvert")
    JURY = "jury", _("évaluation par le jury")
    DELIBERATION = "deliberation", _("délibération")
    PUBLISHED = "published", _("palmarès publié")
