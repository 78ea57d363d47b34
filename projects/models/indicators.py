"""What an initiative measures, and the dated measurements."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from projects.models.initiatives import Initiative


class IndicatorQuerySet(models.QuerySet):
    def with_latest_measurement(self):
        """Annotate `latest_value`, `latest_measured_on` (None when never measured) and `measurement_count`.

        One subquery each: no query per indicator, whatever the number of measurements.
        """
        latest = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-measured_on", "-pk")
        return self.annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_measured_on=Subquery(latest.values("measured_on")[:1]),
            measurement_count=Count("measurements", distinct=True),
        )


class Indicator(models.Model):
    """What an initiative measures (jobs created, m² occupied, people reached, tonnes reused…)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("projet")
    )
    name = models.CharField(_("nom"), max_length=150)
    unit = models.CharField(_("unité"), max_length=30, help_text=_("Par exemple : emplois, m², personnes, tonnes."))
    baseline = models.DecimalField(_("valeur de départ"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("cible"), max_digits=14, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique de l'indicateur"))

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="indicator_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    @property
    def aims_lower(self) -> bool:
        """The target is below the baseline: the indicator should go down (waste, vacant m²…)."""
        return self.baseline is not None and self.target is not None and self.target < self.baseline

    def is_target_reached(self, value: Decimal | None) -> bool | None:
        """Whether `value` reaches the target (at or below it when the indicator aims lower); None without both."""
        if self.target is None or value is None:
            return None
        return value <= self.target if self.aims_lower else value >= self.target


class Measurement(models.Model):
    """A dated value of an indicator."""

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("projet"),
        help_text=_("Celui de l'indicateur ; renseigné automatiquement."),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("indicateur")
    )
    measured_on = models.DateField(_("date de la mesure"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique de la mesure"))

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "measured_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "measured_on"], name="measurement_unique_date"),
        ]

    def __str__(self):
        return f"{self.indicator.name} : {self.value} ({self.measured_on})"

    def save(self, *args, **kwargs):
        if not self.initiative_id and self.indicator_id:
            self.initiative_id = self.indicator.initiative_id
        super().save(*args, **kwargs)

    def clean(self):
        if self.indicator_id and self.initiative_id and self.indicator.initiative_id != self.initiative_id:
            raise ValidationError(
                {"indicator": _("Cet indicateur appartient à un autre projet : choisissez un indicateur de ce projet.")}
            )
        if self.measured_on and self.measured_on > timezone.localdate():
            raise ValidationError({"measured_on": _("Une mesure ne peut pas être datée dans le futur.")})
