"""Initiatives of the strategy, their lifecycle log, who takes part, their money and milestones."""

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

from directory.history import ProvenanceHistoricalModel
from directory.models import Actor, Commune, Neighbourhood, PublicationStatus, unique_slug
from projects import lifecycle
from projects.enums import InitiativeStatus
from projects.models.common import MAX_AMOUNT, NOTE_MAX_LENGTH, ZERO, PublishableQuerySet, Source, bounded_text
from projects.models.sites import Site
from projects.models.strategy import Objective, StrategyAxis


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


class InitiativeQuerySet(PublishableQuerySet):
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

    Status = InitiativeStatus

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
    description = bounded_text(_("description"), blank=True)
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

    history = HistoricalRecords(
        m2m_fields=[communes, neighbourhoods, sites],
        bases=[ProvenanceHistoricalModel],
        verbose_name=_("historique du projet"),
    )

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        # Editors propose (draft, to validate); publishing and unpublishing is the moderators' call.
        permissions = [("publish_initiative", _("Peut publier ou dépublier un projet"))]
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
                condition=Q(status__in=list(lifecycle.ALLOWED_TRANSITIONS)),
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
            lifecycle.validate_transition(stored, self.status)
        lifecycle.validate_energy_gate(self, self.status)

    def stored_status(self) -> str | None:
        """The status in the database (None for a new initiative)."""
        if not self.pk:
            return None
        if not hasattr(self, "_stored_status"):
            self._stored_status = Initiative.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return self._stored_status

    def is_led_by(self, actor_id: int | None) -> bool:
        """The actor leads the initiative: its lead actor, or involved with the role « porteur »."""
        if actor_id is None:
            return False
        return (
            self.lead_actor_id == actor_id
            or self.involvements.filter(actor_id=actor_id, role=Involvement.Role.LEAD).exists()
        )

    # -- lifecycle

    def allowed_next_statuses(self) -> list[str]:
        return lifecycle.allowed_next_statuses(self.status)

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
        review = lifecycle.review_of(self)
        return review.decision if review is not None else None

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
    reason = bounded_text(_("motif"), max_length=NOTE_MAX_LENGTH, help_text=_("Pourquoi le statut change."))

    history = HistoricalRecords(
        bases=[ProvenanceHistoricalModel], verbose_name=_("historique des changements de statut")
    )

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.initiative} : {self.get_from_status_display()} → {self.get_to_status_display()}"


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

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique des implications"))

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

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique du financement"))

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

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique du jalon"))

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
