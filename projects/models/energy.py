"""The energy-transition review of an initiative: the condition of its approval."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from projects import lifecycle
from projects.enums import EnergyDecision
from projects.models.common import NOTE_MAX_LENGTH, bounded_text
from projects.models.initiatives import Initiative


class EnergyCriterion(models.Model):
    """A criterion of the energy-transition review (energy sobriety, building performance…)."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant d'URL"), max_length=150, unique=True)
    description = bounded_text(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère énergétique")
        verbose_name_plural = _("critères énergétiques")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class EnergyReview(models.Model):
    """The energy-transition review of an initiative: the condition of its approval."""

    Decision = EnergyDecision

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="energy_review", verbose_name=_("projet")
    )
    evidence = bounded_text(
        _("éléments probants"), blank=True, help_text=_("Études, diagnostics, engagements qui fondent l'avis.")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relecteur"),
    )
    decision = models.CharField(_("décision"), max_length=30, choices=Decision.choices, default=Decision.PENDING)
    conditions = bounded_text(
        _("conditions"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Obligatoires pour une approbation sous conditions."),
    )
    decided_on = models.DateField(_("date de la décision"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique de la revue énergétique"))

    class Meta:
        verbose_name = _("revue de transition énergétique")
        verbose_name_plural = _("revues de transition énergétique")
        ordering = ["-updated_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_on__isnull=False), name="energyreview_decision_dated"
            ),
            models.CheckConstraint(
                condition=~Q(decision="approved_with_conditions") | ~Q(conditions=""),
                name="energyreview_conditions_stated",
            ),
        ]

    def __str__(self):
        return _("Revue énergétique de %(initiative)s") % {"initiative": self.initiative}

    def save(self, *args, **kwargs):
        # The one invariant no caller may skip (a script, a history revert): the gate of the
        # initiative it would leave would be emptied.
        if not kwargs.get("force_insert"):
            self.validate_initiative_unchanged()
        super().save(*args, **kwargs)
        self._stored_initiative_id = self.initiative_id

    def delete(self, *args, **kwargs):
        self.validate_deletion()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if "initiative_id" in field_names:
            instance._stored_initiative_id = values[field_names.index("initiative_id")]
        return instance

    @property
    def is_approving(self) -> bool:
        return self.decision in lifecycle.APPROVING_DECISIONS

    def clean(self):
        errors = {}
        if self.decision != self.Decision.PENDING and not self.decided_on:
            errors["decided_on"] = _("Datez la décision.")
        if self.decided_on and self.decided_on > timezone.localdate():
            errors["decided_on"] = _("La date de la décision ne peut pas être dans le futur.")
        if self.decision == self.Decision.APPROVED_WITH_CONDITIONS and not self.conditions.strip():
            errors["conditions"] = _("Précisez les conditions de l'approbation.")
        try:
            self.validate_initiative_unchanged()
        except ValidationError as exc:
            errors["initiative"] = exc.messages
        if self.initiative_id:
            stored_status = self.initiative.stored_status()
            try:
                lifecycle.validate_energy_gate(self.initiative, stored_status, review=self)
            except ValidationError:
                errors["decision"] = _(
                    "Le projet est « %(status)s » : sa revue ne peut plus être que approuvée. "
                    "Suspendez d'abord le projet pour revoir la décision."
                ) % {"status": Initiative.Status(stored_status).label}
        if errors:
            raise ValidationError(errors)

    def stored_initiative_id(self) -> int | None:
        """The initiative the review belongs to in the database (None for a new review)."""
        if not self.pk:
            return None
        if not hasattr(self, "_stored_initiative_id"):
            self._stored_initiative_id = (
                EnergyReview.objects.filter(pk=self.pk).values_list("initiative_id", flat=True).first()
            )
        return self._stored_initiative_id

    def validate_initiative_unchanged(self) -> None:
        """A review never moves to another initiative: the one it leaves would stay approved without review."""
        stored = self.stored_initiative_id()
        if stored is not None and stored != self.initiative_id:
            raise ValidationError(
                _(
                    "Une revue énergétique reste attachée à son projet : elle ne peut pas être déplacée vers "
                    "un autre projet. Créez une revue pour l'autre projet."
                ),
                code="energy_review_retargeted",
            )

    def validate_deletion(self) -> None:
        """A review may go only while its initiative is in no status that needs it (the energy gate)."""
        status = Initiative.objects.filter(pk=self.initiative_id).values_list("status", flat=True).first()
        if status is None:
            return
        try:
            lifecycle.validate_energy_gate(self.initiative, status, review=None)
        except ValidationError:
            raise ValidationError(
                _(
                    "La revue énergétique de « %(initiative)s » ne peut pas être supprimée : le projet est "
                    "« %(status)s » et ce statut exige une revue approuvée. Suspendez d'abord le projet."
                )
                % {"initiative": self.initiative, "status": Initiative.Status(status).label},
                code="energy_review_required",
            ) from None


class EnergyAssessment(models.Model):
    """How an initiative fares on one criterion of its energy review."""

    class Level(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", _("sans objet")
        INSUFFICIENT = "insufficient", _("insuffisant")
        SATISFACTORY = "satisfactory", _("satisfaisant")
        EXEMPLARY = "exemplary", _("exemplaire")

    review = models.ForeignKey(
        EnergyReview, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("revue")
    )
    criterion = models.ForeignKey(
        EnergyCriterion, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("critère")
    )
    level = models.CharField(_("appréciation"), max_length=20, choices=Level.choices)
    comment = bounded_text(_("commentaire"), max_length=NOTE_MAX_LENGTH, blank=True)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique de l'appréciation"))

    class Meta:
        verbose_name = _("appréciation d'un critère")
        verbose_name_plural = _("appréciations par critère")
        ordering = ["criterion__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="energyassessment_unique_criterion"),
        ]

    def __str__(self):
        return f"{self.criterion} : {self.get_level_display()}"
