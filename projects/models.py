"""The strategy tracker: axes, initiatives and what hangs off them, sites and premises."""

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import validators as directory_validators
from directory.models import Actor, Commune, Neighbourhood, PublicationStatus, unique_slug
from projects import validators

# A local ESS project above this is a typo (an extra zero or two), not a budget.
MAX_AMOUNT = Decimal("100000000")
ZERO = Decimal("0")


class Source(models.TextChoices):
    STAFF = "staff", _("saisie par l'équipe")
    REFERENCE = "reference", _("données de référence")
    IMPORT = "import", _("import")
    PARTNER_API = "api", _("API partenaire")
    DEMO = "demo", _("démonstration (fictif)")


# ---------------------------------------------------------------------------
# Strategy


class StrategyAxis(models.Model):
    """A line of the ESS strategy (2019), under which initiatives are filed."""

    number = models.PositiveSmallIntegerField(_("numéro"), unique=True, help_text=_("Ordre d'affichage de l'axe."))
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("axe stratégique")
        verbose_name_plural = _("axes stratégiques")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Objective(models.Model):
    """An optional objective under an axis (e.g. « occupations temporaires »)."""

    axis = models.ForeignKey(
        StrategyAxis, on_delete=models.PROTECT, related_name="objectives", verbose_name=_("axe stratégique")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["axis__number", "position", "title"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------------------
# Sites and premises


class SiteQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the one visibility rule of pages, API, sitemap and exports."""
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def for_list(self):
        return self.select_related("commune", "neighbourhood", "owner")


class Site(models.Model):
    """A site or premises that ESS projects may occupy (vacant land, ground-floor shop, building…)."""

    class Kind(models.TextChoices):
        VACANT_LAND = "vacant_land", _("terrain vacant ou friche")
        GROUND_FLOOR = "ground_floor", _("local en rez-de-chaussée")
        BUILDING = "building", _("bâtiment")
        OFFICE = "office", _("bureaux")
        WAREHOUSE = "warehouse", _("entrepôt ou atelier")
        PUBLIC_SPACE = "public_space", _("espace public")
        OTHER = "other", _("autre")

    class Pipeline(models.TextChoices):
        IDENTIFIED = "identified", _("repéré")
        NEGOTIATING = "negotiating", _("en négociation")
        AGREEMENT_SIGNED = "agreement_signed", _("convention signée")
        OCCUPIED = "occupied", _("occupé")
        ENDED = "ended", _("occupation terminée")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    kind = models.CharField(_("type de lieu"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[directory_validators.validate_postal_code]
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="sites", verbose_name=_("commune"))
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("quartier prioritaire"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    owner = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_sites",
        verbose_name=_("propriétaire"),
        help_text=_("Bailleur social, promoteur, ville… tel qu'il figure dans l'annuaire."),
    )
    surface_m2 = models.DecimalField(
        _("surface (m²)"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1000000"))],
    )
    available_from = models.DateField(_("disponible à partir du"), null=True, blank=True)
    available_until = models.DateField(_("disponible jusqu'au"), null=True, blank=True)
    negotiated_rent = models.DecimalField(
        _("loyer négocié (€ HT par mois)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1000000"))],
        help_text=_("Laisser vide si le loyer n'est pas encore négocié ; 0 pour une mise à disposition gratuite."),
    )
    pipeline_stage = models.CharField(
        _("étape d'occupation"), max_length=20, choices=Pipeline.choices, default=Pipeline.IDENTIFIED
    )
    occupants = models.ManyToManyField(Actor, blank=True, related_name="occupied_sites", verbose_name=_("occupants"))
    publication_status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    is_fictional = models.BooleanField(
        _("fictif"), default=False, help_text=_("Lieu de démonstration : n'existe pas dans la réalité.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(m2m_fields=[occupants], verbose_name=_("historique du lieu"))

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_pair",
            ),
            models.CheckConstraint(
                condition=Q(surface_m2__isnull=True) | Q(surface_m2__gt=0), name="site_surface_positive"
            ),
            models.CheckConstraint(
                condition=Q(negotiated_rent__isnull=True) | Q(negotiated_rent__gte=0), name="site_rent_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gte=F("available_from")),
                name="site_availability_window",
            ),
        ]
        indexes = [models.Index(fields=["publication_status", "name"], name="site_status_name_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Site, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # Sites are listed on one page; each has an anchor there.
        return f"{reverse('projects:site_list')}#{self.slug}"

    def clean(self):
        errors = {}
        try:
            directory_validators.validate_postal_code_in_commune(
                self.postal_code, self.commune if self.commune_id else None
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            directory_validators.validate_coordinates(self.latitude, self.longitude)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if (
            self.neighbourhood_id
            and self.commune_id
            and not self.neighbourhood.communes.filter(pk=self.commune_id).exists()
        ):
            errors["neighbourhood"] = _("Ce quartier n'est pas situé dans la commune choisie.")
        if self.available_from and self.available_until and self.available_until < self.available_from:
            errors["available_until"] = _("La fin de disponibilité précède son début.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


# ---------------------------------------------------------------------------
# Initiatives


@dataclass(frozen=True)
class FundingTotals:
    """Money of one initiative. `secured` counts secured and paid lines; `gap` is target − secured."""

    requested: Decimal
    secured: Decimal
    paid: Decimal
    refused: Decimal
    target: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        if self.target is None:
            return None
        return max(self.target - self.secured, ZERO)

    @property
    def secured_percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, int(self.secured * 100 / self.target))


def _funding_sum(*statuses: str):
    lines = (
        FundingLine.objects.filter(initiative=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("initiative")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(lines), ZERO, output_field=models.DecimalField(max_digits=14, decimal_places=2))


def _milestone_weight(done: bool | None = None):
    milestones = Milestone.objects.filter(initiative=OuterRef("pk"))
    if done is not None:
        milestones = milestones.filter(done_on__isnull=not done)
    weights = milestones.order_by().values("initiative").annotate(total=Sum("weight")).values("total")
    return Coalesce(Subquery(weights), 0, output_field=models.IntegerField())


class InitiativeQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the one visibility rule of pages, API, sitemap and exports."""
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def with_progress(self):
        """Annotate `milestone_weight_total` and `milestone_weight_done` (one subquery each, no per-row query)."""
        return self.annotate(
            milestone_weight_total=_milestone_weight(), milestone_weight_done=_milestone_weight(done=True)
        )

    def with_funding(self):
        """Annotate `funding_requested`, `funding_secured` (secured + paid), `funding_paid` and `funding_refused`."""
        return self.annotate(
            funding_requested=_funding_sum(FundingLine.Status.REQUESTED),
            funding_secured=_funding_sum(FundingLine.Status.SECURED, FundingLine.Status.PAID),
            funding_paid=_funding_sum(FundingLine.Status.PAID),
            funding_refused=_funding_sum(FundingLine.Status.REFUSED),
        )

    def for_list(self):
        """What a list row shows (axis, lead, review, progress, money) without a query per row."""
        return (
            self.select_related("axis", "lead_actor", "energy_review")
            .prefetch_related("communes")
            .with_progress()
            .with_funding()
        )


class Initiative(models.Model):
    """An initiative of the strategy: a project, a scheme, an occupation… with its lifecycle."""

    class Kind(models.TextChoices):
        TEMPORARY_OCCUPATION = "temporary_occupation", _("occupation temporaire")
        NPNRU = "npnru", _("ESS dans le renouvellement urbain (NPNRU)")
        ACTIVE_GROUND_FLOOR = "active_ground_floor", _("rez-de-chaussée actif")
        REVITALISATION = "revitalisation", _("revitalisation urbaine")
        SUPPORT_SCHEME = "support_scheme", _("dispositif d'accompagnement ou prix")
        COOPERATION = "cooperation", _("coopération entre entreprises")
        RESPONSIBLE_PURCHASING = "responsible_purchasing", _("achats responsables / Jeux 2024")
        OTHER = "other", _("autre")

    class Status(models.TextChoices):
        IDEA = validators.IDEA, _("idée")
        CONSULTATION = validators.CONSULTATION, _("en concertation")
        APPROVED = validators.APPROVED, _("validé")
        IN_PROGRESS = validators.IN_PROGRESS, _("en cours")
        COMPLETED = validators.COMPLETED, _("terminé")
        SUSPENDED = validators.SUSPENDED, _("suspendu")
        ABANDONED = validators.ABANDONED, _("abandonné")

    class Health(models.TextChoices):
        ON_TRACK = "on_track", _("dans les temps")
        AT_RISK = "at_risk", _("à surveiller")
        LATE = "late", _("en retard")
        BLOCKED = "blocked", _("bloqué")

    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    axis = models.ForeignKey(
        StrategyAxis, on_delete=models.PROTECT, related_name="initiatives", verbose_name=_("axe stratégique")
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name=_("objectif"),
        help_text=_("Facultatif ; doit appartenir à l'axe choisi."),
    )
    kind = models.CharField(_("type de projet"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    summary = models.CharField(
        _("résumé"), max_length=300, blank=True, help_text=_("Une ou deux phrases, affichées en liste.")
    )
    description = models.TextField(_("description"), blank=True)
    communes = models.ManyToManyField(Commune, blank=True, related_name="initiatives", verbose_name=_("communes"))
    neighbourhoods = models.ManyToManyField(
        Neighbourhood, blank=True, related_name="initiatives", verbose_name=_("quartiers prioritaires")
    )
    sites = models.ManyToManyField(Site, blank=True, related_name="initiatives", verbose_name=_("lieux"))
    lead_actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_initiatives",
        verbose_name=_("porteur"),
        help_text=_("La structure qui porte le projet (Est Ensemble, un acteur de l'annuaire…)."),
    )
    planned_start = models.DateField(_("début prévu"), null=True, blank=True)
    planned_end = models.DateField(_("fin prévue"), null=True, blank=True)
    actual_start = models.DateField(_("début effectif"), null=True, blank=True)
    actual_end = models.DateField(_("fin effective"), null=True, blank=True)
    target_budget = models.DecimalField(
        _("budget cible (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(MAX_AMOUNT)],
        help_text=_("Montant total à réunir ; sert à calculer le reste à financer."),
    )
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=Status.choices,
        default=Status.IDEA,
        help_text=_("Se change par les actions de changement de statut, qui vérifient la revue énergétique."),
    )
    health = models.CharField(_("santé"), max_length=10, choices=Health.choices, default=Health.ON_TRACK)
    manual_progress = models.PositiveSmallIntegerField(
        _("avancement saisi (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Utilisé seulement si « avancement saisi à la main » est coché."),
    )
    progress_is_manual = models.BooleanField(
        _("avancement saisi à la main"),
        default=False,
        help_text=_("Sinon, l'avancement est calculé à partir des jalons pondérés."),
    )
    publication_status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    is_fictional = models.BooleanField(
        _("fictif"), default=False, help_text=_("Projet de démonstration : n'existe pas dans la réalité.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(m2m_fields=[communes, neighbourhoods, sites], verbose_name=_("historique du projet"))

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["axis__number", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(manual_progress__isnull=True) | Q(manual_progress__lte=100),
                name="initiative_manual_progress_range",
            ),
            models.CheckConstraint(
                condition=Q(progress_is_manual=False) | Q(manual_progress__isnull=False),
                name="initiative_manual_progress_set",
            ),
            models.CheckConstraint(
                condition=Q(target_budget__isnull=True) | Q(target_budget__gte=0, target_budget__lte=MAX_AMOUNT),
                name="initiative_target_budget_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="initiative_planned_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="initiative_actual_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(validators.ALLOWED_TRANSITIONS)),
                name="initiative_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["publication_status", "status"], name="initiative_pub_status_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Initiative, self.title, exclude_pk=self.pk)
        if not self.progress_is_manual:
            self.manual_progress = None
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def get_absolute_url(self):
        return reverse("projects:initiative_detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember the stored status: clean() checks that a change follows the lifecycle.
        if "status" in field_names:
            instance._stored_status = values[field_names.index("status")]
        return instance

    def clean(self):
        errors = {}
        if self.objective_id and self.axis_id and self.objective.axis_id != self.axis_id:
            errors["objective"] = _("Cet objectif appartient à un autre axe stratégique.")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("La fin prévue précède le début prévu.")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _("La fin effective précède le début effectif.")
        today = timezone.localdate()
        if self.actual_start and self.actual_start > today:
            errors["actual_start"] = _("Le début effectif ne peut pas être dans le futur ; utilisez le début prévu.")
        if self.actual_end and self.actual_end > today:
            errors["actual_end"] = _("La fin effective ne peut pas être dans le futur ; utilisez la fin prévue.")
        if self.progress_is_manual and self.manual_progress is None:
            errors["manual_progress"] = _("Indiquez l'avancement (0 à 100 %) ou décochez la saisie à la main.")
        try:
            self.validate_status()
        except ValidationError as exc:
            errors["status"] = exc.error_list
        if errors:
            raise ValidationError(errors)

    def validate_status(self) -> None:
        """The status must follow the lifecycle from the stored one and pass the energy gate."""
        stored = self.stored_status()
        if stored is not None and stored != self.status:
            validators.validate_transition(stored, self.status)
        validators.validate_energy_gate(self, self.status)

    def stored_status(self) -> str | None:
        """The status in the database (None for a new initiative)."""
        if not self.pk:
            return None
        if not hasattr(self, "_stored_status"):
            self._stored_status = Initiative.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return self._stored_status

    # -- lifecycle

    def allowed_next_statuses(self) -> list[str]:
        return validators.allowed_next_statuses(self.status)

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED

    @property
    def start_date(self):
        """The earliest known start (planned or actual); milestones may not be planned before it."""
        dates = [d for d in (self.planned_start, self.actual_start) if d]
        return min(dates) if dates else None

    @property
    def energy_review_decision(self) -> str | None:
        """The review's decision, or None when there is no review yet."""
        try:
            return self.energy_review.decision
        except EnergyReview.DoesNotExist:
            return None

    # -- progress

    def milestone_weights(self) -> tuple[int, int]:
        """(done weight, total weight), from `with_progress()` annotations when present."""
        if hasattr(self, "milestone_weight_total"):
            return self.milestone_weight_done, self.milestone_weight_total
        totals = self.milestones.aggregate(
            total=Coalesce(Sum("weight"), 0), done=Coalesce(Sum("weight", filter=Q(done_on__isnull=False)), 0)
        )
        return totals["done"], totals["total"]

    @property
    def progress(self) -> int | None:
        """Progress in percent: the weighted share of milestones done, or the value set by hand.

        None when neither is known (no milestone and no manual value).
        """
        if self.progress_is_manual:
            return self.manual_progress
        done, total = self.milestone_weights()
        if not total:
            return None
        return round(done * 100 / total)

    @property
    def progress_source(self) -> str:
        """How `progress` was obtained: "manual", "milestones" or "none"."""
        if self.progress_is_manual:
            return "manual"
        return "milestones" if self.milestone_weights()[1] else "none"

    # -- money

    def funding_totals(self) -> FundingTotals:
        """Requested, secured (incl. paid), paid and refused money; from `with_funding()` when annotated."""
        if hasattr(self, "funding_secured"):
            return FundingTotals(
                requested=self.funding_requested,
                secured=self.funding_secured,
                paid=self.funding_paid,
                refused=self.funding_refused,
                target=self.target_budget,
            )
        S = FundingLine.Status
        sums = self.funding_lines.aggregate(
            requested=Coalesce(Sum("amount", filter=Q(status=S.REQUESTED)), ZERO),
            secured=Coalesce(Sum("amount", filter=Q(status__in=[S.SECURED, S.PAID])), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(status=S.PAID)), ZERO),
            refused=Coalesce(Sum("amount", filter=Q(status=S.REFUSED)), ZERO),
        )
        return FundingTotals(target=self.target_budget, **sums)


class StatusChange(models.Model):
    """One step of an initiative's lifecycle: who moved it, when, why."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("projet")
    )
    from_status = models.CharField(_("ancien statut"), max_length=20, choices=Initiative.Status.choices)
    to_status = models.CharField(_("nouveau statut"), max_length=20, choices=Initiative.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    reason = models.TextField(_("motif"), help_text=_("Pourquoi le statut change."))

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.initiative} : {self.get_from_status_display()} → {self.get_to_status_display()}"


# ---------------------------------------------------------------------------
# Energy-transition review


class EnergyCriterion(models.Model):
    """A criterion of the energy-transition review (energy sobriety, building performance…)."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant d'URL"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère énergétique")
        verbose_name_plural = _("critères énergétiques")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class EnergyReview(models.Model):
    """The energy-transition review of an initiative: the condition of its approval."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPROVED = "approved", _("approuvée")
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("approuvée sous conditions")
        REJECTED = "rejected", _("refusée")

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="energy_review", verbose_name=_("projet")
    )
    evidence = models.TextField(
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
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("Obligatoires pour une approbation sous conditions.")
    )
    decided_on = models.DateField(_("date de la décision"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historique de la revue énergétique"))

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

    @property
    def is_approving(self) -> bool:
        return self.decision in validators.APPROVING_DECISIONS

    def clean(self):
        errors = {}
        if self.decision != self.Decision.PENDING and not self.decided_on:
            errors["decided_on"] = _("Datez la décision.")
        if self.decided_on and self.decided_on > timezone.localdate():
            errors["decided_on"] = _("La date de la décision ne peut pas être dans le futur.")
        if self.decision == self.Decision.APPROVED_WITH_CONDITIONS and not self.conditions.strip():
            errors["conditions"] = _("Précisez les conditions de l'approbation.")
        if (
            self.initiative_id
            and not self.is_approving
            and self.initiative.stored_status() in validators.ENERGY_GATED_STATUSES
        ):
            errors["decision"] = _(
                "Le projet est « %(status)s » : sa revue ne peut plus être que approuvée. "
                "Suspendez d'abord le projet pour revoir la décision."
            ) % {"status": self.initiative.get_status_display()}
        if errors:
            raise ValidationError(errors)


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
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("appréciation d'un critère")
        verbose_name_plural = _("appréciations par critère")
        ordering = ["criterion__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="energyassessment_unique_criterion"),
        ]

    def __str__(self):
        return f"{self.criterion} : {self.get_level_display()}"


# ---------------------------------------------------------------------------
# Who, with which money, how far


class Involvement(models.Model):
    """An actor of the directory taking part in an initiative, in a given role."""

    class Role(models.TextChoices):
        LEAD = "lead", _("porteur")
        PARTNER = "partner", _("partenaire")
        FUNDER = "funder", _("financeur")
        SOCIAL_LANDLORD = "social_landlord", _("bailleur social")
        PROPERTY_DEVELOPER = "property_developer", _("promoteur immobilier")
        SUPPORT_PROVIDER = "support_provider", _("structure d'accompagnement")
        OCCUPANT = "occupant", _("occupant")
        BENEFICIARY = "beneficiary", _("bénéficiaire")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="involvements", verbose_name=_("projet")
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="involvements", verbose_name=_("acteur"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    description = models.CharField(_("précisions"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("implication d'un acteur")
        verbose_name_plural = _("acteurs impliqués")
        ordering = ["role", "actor__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "actor", "role"], name="involvement_unique_role"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"


class FundingLine(models.Model):
    """Money asked for or obtained for an initiative, from one funder."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("subvention")
        LOAN = "loan", _("prêt")
        IN_KIND = "in_kind", _("apport en nature")
        PUBLIC_CONTRACT = "public_contract", _("marché public")
        OWN_FUNDS = "own_funds", _("fonds propres")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("demandé")
        SECURED = "secured", _("acquis")
        PAID = "paid", _("versé")
        REFUSED = "refused", _("refusé")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="funding_lines", verbose_name=_("projet")
    )
    funder = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="funding_lines", verbose_name=_("financeur")
    )
    amount = models.DecimalField(
        _("montant (€)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)],
        help_text=_("Strictement positif, 100 millions d'euros au plus."),
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, default=Kind.GRANT)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)], help_text=_("Exercice concerné.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords(verbose_name=_("historique du financement"))

    class Meta:
        verbose_name = _("ligne de financement")
        verbose_name_plural = _("financements")
        ordering = ["year", "funder__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="fundingline_amount_range"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="fundingline_year_range"),
        ]

    def __str__(self):
        return f"{self.funder} — {self.amount} € ({self.get_status_display()}, {self.year})"


class Milestone(models.Model):
    """A step of an initiative; its weight counts in the progress once it is done."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("projet")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    planned_on = models.DateField(_("date prévue"))
    done_on = models.DateField(_("réalisé le"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("poids"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Importance relative du jalon dans l'avancement (1 à 100)."),
    )

    history = HistoricalRecords(verbose_name=_("historique du jalon"))

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["planned_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="milestone_weight_range"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def clean(self):
        errors = {}
        start = self.initiative.start_date if self.initiative_id else None
        if self.planned_on and start and self.planned_on < start:
            errors["planned_on"] = _("Le jalon est prévu avant le début du projet (%(start)s).") % {
                "start": start.strftime("%d/%m/%Y")
            }
        if self.done_on and self.done_on > timezone.localdate():
            errors["done_on"] = _("Un jalon ne peut pas être réalisé à une date future.")
        if self.done_on and start and self.done_on < start:
            errors["done_on"] = _("Le jalon est réalisé avant le début du projet (%(start)s).") % {
                "start": start.strftime("%d/%m/%Y")
            }
        if errors:
            raise ValidationError(errors)


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

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="indicator_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


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


class JournalEntryQuerySet(models.QuerySet):
    def public(self):
        """Updates anyone may read: marked public, on a published initiative."""
        return self.filter(is_public=True, initiative__publication_status=PublicationStatus.PUBLISHED)


class JournalEntry(models.Model):
    """A dated update on an initiative, public or internal."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="journal_entries", verbose_name=_("projet")
    )
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Affiché sur la page publique du projet ; sinon interne.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal")
        ordering = ["-entry_date", "-pk"]

    def __str__(self):
        return self.title


# Where documents are stored, under MEDIA_ROOT (and served by `projects.views.document_file`).
DOCUMENTS_DIR = "projects/documents/"


def document_upload_to(instance, filename: str) -> str:
    return f"{DOCUMENTS_DIR}{timezone.now():%Y/%m}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def public(self):
        """Documents anyone may download: marked public, on a published initiative."""
        return self.filter(is_public=True, initiative__publication_status=PublicationStatus.PUBLISHED)


class Document(models.Model):
    """A file attached to an initiative (report, minutes, plan…), public or internal.

    Files are never served as plain media: `projects.views.document_file` checks who may read them.
    """

    class Kind(models.TextChoices):
        REPORT = "report", _("rapport ou bilan")
        MINUTES = "minutes", _("compte rendu")
        AGREEMENT = "agreement", _("convention")
        PLAN = "plan", _("plan ou étude")
        PHOTO = "photo", _("photo")
        OTHER = "other", _("autre")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="documents", verbose_name=_("projet")
    )
    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("type de document"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(
        _("fichier"),
        upload_to=document_upload_to,
        max_length=255,
        validators=[validators.validate_document_file],
        help_text=_("PDF, image (PNG, JPEG), bureautique (ODF, Office) ou texte/CSV ; 10 Mo au plus."),
    )
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0, editable=False)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Téléchargeable depuis la page publique du projet ; sinon interne.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file:
            with contextlib.suppress(FileNotFoundError, OSError):
                self.size = self.file.size
        super().save(*args, **kwargs)


class Consultation(models.Model):
    """An event of the consultation ledger: who took part, what was decided, what changed."""

    class Format(models.TextChoices):
        PUBLIC_MEETING = "public_meeting", _("réunion publique")
        WORKSHOP = "workshop", _("atelier")
        STEERING_COMMITTEE = "steering_committee", _("comité de pilotage")
        SURVEY = "survey", _("questionnaire ou enquête")
        SITE_VISIT = "site_visit", _("visite de site")
        ONLINE = "online", _("consultation en ligne")
        OTHER = "other", _("autre")

    class Level(models.TextChoices):
        INFORMATION = "information", _("information")
        CONSULTATION = "consultation", _("consultation")
        CONCERTATION = "concertation", _("concertation")
        CO_CONSTRUCTION = "co_construction", _("co-construction")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("projet")
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("intitulé"), max_length=200)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    participation_level = models.CharField(
        _("niveau de participation"),
        max_length=20,
        choices=Level.choices,
        help_text=_("De la simple information à la co-construction."),
    )
    participants_count = models.PositiveIntegerField(
        _("nombre de participants"), null=True, blank=True, validators=[MaxValueValidator(100000)]
    )
    actors = models.ManyToManyField(
        Actor, blank=True, related_name="consultations", verbose_name=_("acteurs participants")
    )
    outcomes = models.TextField(_("ce qui en est ressorti"), blank=True)
    decisions = models.TextField(_("décisions"), blank=True)
    changes = models.TextField(
        _("ce qui a changé dans le projet"), blank=True, help_text=_("Les effets de la consultation sur le projet.")
    )
    is_public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants_count__isnull=True) | Q(participants_count__lte=100000),
                name="consultation_participants_range",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on})"
