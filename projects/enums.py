"""Vocabulary of the strategy tracker that models, the lifecycle rules, forms and the API share."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InitiativeStatus(models.TextChoices):
    """Where an initiative is in its lifecycle (see `projects.lifecycle`)."""

    IDEA = "idea", _("idée")
    CONSULTATION = "consultation", _("en concertation")
    APPROVED = "approved", _("validé")
    IN_PROGRESS = "in_progress", _("en cours")
    COMPLETED = "completed", _("terminé")
    SUSPENDED = "suspended", _("suspendu")
    ABANDONED = "abandoned", _("abandonné")


class EnergyDecision(models.TextChoices):
    """The decision of an energy-transition review."""

    PENDING = "pending", _("en attente")
    APPROVED = "approved", _("approuvée")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("approuvée sous conditions")
    REJECTED = "rejected", _("refusée")
