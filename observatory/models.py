"""The observatory's record: yearly figures of each actor (employees, FTE, volunteers, budget…).

One row per actor and year holds a column per figure, each with its own source (declared by the
structure, SIRENE, the team's estimate, an import): a figure never stands without its year and its
source, and the aggregates of the public page are plain SQL sums over the columns.

A row has a moderation state. Staff record approved figures directly; a structure's account
proposes its figures for a year, which wait « proposé » until a moderator approves them
(`services.approve_figures`): the proposal then becomes the actor's approved row for that year, the
previous one kept as « remplacé ». Only approved rows of published actors count anywhere public.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from directory.models import Actor

FIRST_YEAR = 1900
NOTE_MAX_LENGTH = 2_000
# Full-time equivalents above twice the headcount are a typing error (hours typed as FTE…).
FTE_PER_EMPLOYEE_MAX = 2

NEGATIVE_MESSAGE = _("Un chiffre ne peut pas être négatif.")


class FigureSource(models.TextChoices):
    DECLARED = "declared", _("déclaré par la structure")
    SIRENE = "sirene", _("répertoire SIRENE (INSEE)")
    ESTIMATE = "estimate", _("estimation de l'équipe")
    IMPORT = "import", _("import")


@dataclass(frozen=True)
class Metric:
    """One yearly figure: its column, its label, its unit, and how the observatory adds it up."""

    name: str
    label: str
    short_label: str
    unit: str = ""
    # "sum" over the actors, or "mean" (a share: the mean of the actors' shares).
    aggregate: str = "sum"

    @property
    def source_field(self) -> str:
        return f"{self.name}_source"


METRICS = (
    Metric("employees", _("salariés"), _("Salariés")),
    Metric("fte", _("équivalents temps plein"), _("ETP")),
    Metric("volunteers", _("bénévoles"), _("Bénévoles")),
    Metric("members", _("adhérents ou sociétaires"), _("Adhérents")),
    Metric("budget", _("budget ou chiffre d'affaires"), _("Budget"), unit="€"),
    Metric("integration_hours", _("heures d'insertion"), _("Heures d'insertion"), unit="h"),
    Metric(
        "local_purchasing_share",
        _("part des achats locaux"),
        _("Achats locaux"),
        unit="%",
        aggregate="mean",
    ),
)
METRIC_NAMES = tuple(metric.name for metric in METRICS)
METRICS_BY_NAME = {metric.name: metric for metric in METRICS}


class GuardConstraint(models.CheckConstraint):
    """A database guard whose rule `YearlyFigures.clean()` already checks, with a French message per field.

    full_clean does not ask the database again (the query and savepoint a CheckConstraint's
    validation costs): the same rule already spoke, on the right field.
    """

    def validate(self, model, instance, exclude=None, using=None):
        return


def _source_field():
    return models.CharField(_("source"), max_length=10, choices=FigureSource.choices, blank=True)


def _value_and_source_paired(name: str) -> GuardConstraint:
    return GuardConstraint(
        condition=Q(**{f"{name}__isnull": True, f"{name}_source": ""})
        | (Q(**{f"{name}__isnull": False}) & ~Q(**{f"{name}_source": ""})),
        name=f"figures_{name}_has_source",
    )


class YearlyFiguresQuerySet(models.QuerySet):
    def approved(self):
        """The figures that count: approved by staff (or recorded by them)."""
        return self.filter(status=YearlyFigures.Status.APPROVED)

    def public(self):
        """What the public aggregates read: approved figures of published actors (the one visibility rule)."""
        return self.approved().filter(actor__in=Actor.objects.published())

    def pending(self):
        return self.filter(status=YearlyFigures.Status.PROPOSED)


class YearlyFigures(models.Model):
    """An actor's figures for one year, each value with its source."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposé, en attente de validation")
        APPROVED = "approved", _("validé")
        REFUSED = "refused", _("refusé")
        REPLACED = "replaced", _("remplacé par des chiffres plus récents")

    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="yearly_figures", verbose_name=_("acteur"))
    year = models.PositiveSmallIntegerField(
        _("année"),
        validators=[MinValueValidator(FIRST_YEAR, _("L'année doit être %(limit_value)s ou après."))],
        help_text=_("L'année sur laquelle portent les chiffres (exercice clos)."),
    )

    employees = models.PositiveIntegerField(
        _("salariés"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0, NEGATIVE_MESSAGE)],
        help_text=_("Nombre de salariés au 31 décembre."),
    )
    employees_source = _source_field()
    fte = models.DecimalField(
        _("équivalents temps plein"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, NEGATIVE_MESSAGE)],
        help_text=_("Au plus deux fois le nombre de salariés."),
    )
    fte_source = _source_field()
    volunteers = models.PositiveIntegerField(
        _("bénévoles"), null=True, blank=True, validators=[MinValueValidator(0, NEGATIVE_MESSAGE)]
    )
    volunteers_source = _source_field()
    members = models.PositiveIntegerField(
        _("adhérents ou sociétaires"), null=True, blank=True, validators=[MinValueValidator(0, NEGATIVE_MESSAGE)]
    )
    members_source = _source_field()
    budget = models.PositiveBigIntegerField(
        _("budget ou chiffre d'affaires (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0, NEGATIVE_MESSAGE)],
        help_text=_("En euros, sans centimes : le budget d'une association, le chiffre d'affaires d'une entreprise."),
    )
    budget_source = _source_field()
    integration_hours = models.PositiveIntegerField(
        _("heures d'insertion"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0, NEGATIVE_MESSAGE)],
        help_text=_("Heures de travail de salariés en parcours d'insertion dans l'année."),
    )
    integration_hours_source = _source_field()
    local_purchasing_share = models.DecimalField(
        _("part des achats locaux (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, _("Un pourcentage est compris entre 0 et 100.")),
            MaxValueValidator(100, _("Un pourcentage est compris entre 0 et 100.")),
        ],
        help_text=_("Part des achats faits auprès de fournisseurs du territoire, de 0 à 100."),
    )
    local_purchasing_share_source = _source_field()

    note = models.TextField(
        _("commentaire"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text=_("Comment les chiffres ont été établis ; jamais publié."),
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.APPROVED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposé par"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décision de"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    refusal_reason = models.TextField(
        _("motif du refus"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text=_("Envoyé à la structure avec le refus."),
    )
    is_fictional = models.BooleanField(
        _("fictif"), default=False, help_text=_("Chiffres de démonstration : n'existent pas dans la réalité.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique des chiffres"))

    objects = YearlyFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("chiffres annuels")
        verbose_name_plural = _("chiffres annuels")
        ordering = ["actor__name", "-year", "pk"]
        permissions = [("moderate_yearlyfigures", _("Peut valider ou refuser des chiffres proposés"))]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "year"],
                condition=Q(status="approved"),
                name="figures_one_approved_per_actor_year",
                violation_error_message=_(
                    "Cet acteur a déjà des chiffres validés pour cette année : modifiez-les plutôt que d'en ajouter."
                ),
            ),
            models.UniqueConstraint(
                fields=["actor", "year"],
                condition=Q(status="proposed"),
                name="figures_one_proposal_per_actor_year",
                violation_error_message=_("Des chiffres proposés pour cette année attendent déjà une validation."),
            ),
            GuardConstraint(condition=Q(year__gte=FIRST_YEAR), name="figures_year_floor"),
            GuardConstraint(condition=Q(fte__isnull=True) | Q(fte__gte=0), name="figures_fte_not_negative"),
            GuardConstraint(
                condition=Q(local_purchasing_share__isnull=True)
                | Q(local_purchasing_share__gte=0, local_purchasing_share__lte=100),
                name="figures_share_percentage",
            ),
            GuardConstraint(
                condition=Q(fte__isnull=True)
                | Q(employees__isnull=True)
                | Q(fte__lte=F("employees") * FTE_PER_EMPLOYEE_MAX),
                name="figures_fte_within_employees",
            ),
            GuardConstraint(
                condition=Q(employees__isnull=False)
                | Q(fte__isnull=False)
                | Q(volunteers__isnull=False)
                | Q(members__isnull=False)
                | Q(budget__isnull=False)
                | Q(integration_hours__isnull=False)
                | Q(local_purchasing_share__isnull=False),
                name="figures_not_empty",
            ),
            *(_value_and_source_paired(name) for name in METRIC_NAMES),
        ]
        indexes = [models.Index(fields=["status", "year"], name="figures_status_year_idx")]

    def __str__(self):
        return f"{self.actor} — {self.year}"

    def values(self) -> dict:
        """The figures given, by metric name (the empty ones left out)."""
        return {name: getattr(self, name) for name in METRIC_NAMES if getattr(self, name) is not None}

    def sources(self) -> dict:
        return {name: getattr(self, f"{name}_source") for name in METRIC_NAMES if getattr(self, name) is not None}

    def clean(self):
        errors = validate_figures(self, today=timezone.localdate())
        if errors:
            raise ValidationError(errors)


def validate_figures(figures: YearlyFigures, *, today) -> dict:
    """The rules of one row, as {field: [message]}: the one home of the checks (Model.clean calls it).

    A year in the past (or this year), every value with its source and every source with its
    value, FTE within twice the headcount, at least one figure. The ranges of each value are the
    fields' validators.
    """
    errors: dict[str, list] = {}
    year = figures.year
    if isinstance(year, int) and year > today.year:
        errors.setdefault("year", []).append(_("L'année ne peut pas être dans le futur."))
    given = False
    for name in METRIC_NAMES:
        value = getattr(figures, name)
        source = getattr(figures, f"{name}_source")
        if value is not None:
            given = True
            if not source:
                errors.setdefault(f"{name}_source", []).append(_("Indiquez la source de ce chiffre."))
        elif source:
            errors.setdefault(name, []).append(_("Une source est indiquée sans chiffre : donnez le chiffre."))
    if not given:
        errors.setdefault("__all__", []).append(_("Indiquez au moins un chiffre."))
    employees, fte = figures.employees, figures.fte
    if (
        isinstance(employees, int)
        and isinstance(fte, Decimal | int | float)
        and Decimal(str(fte)) > employees * FTE_PER_EMPLOYEE_MAX
    ):
        errors.setdefault("fte", []).append(
            _("Les équivalents temps plein ne peuvent pas dépasser deux fois le nombre de salariés.")
        )
    return errors


class CampaignReminder(models.Model):
    """The yearly campaign's reminder sent to an actor for a year: once per actor and year (`remind_figures`)."""

    actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="figures_reminders", verbose_name=_("acteur")
    )
    year = models.PositiveSmallIntegerField(_("année des chiffres demandés"))
    recipients = models.PositiveSmallIntegerField(_("e-mails envoyés"), default=0)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rappel de la campagne des chiffres")
        verbose_name_plural = _("rappels de la campagne des chiffres")
        ordering = ["-year", "actor__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["actor", "year"], name="figures_reminder_once_per_year")]

    def __str__(self):
        return f"{self.actor} — {self.year}"
