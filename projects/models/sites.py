"""Sites and premises that ESS projects may occupy."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import validators as directory_validators
from directory.history import ProvenanceHistoricalModel
from directory.models import Actor, Commune, Neighbourhood, PublicationStatus, unique_slug
from projects.models.common import ZERO, PublishableQuerySet, Source, bounded_text


class SiteQuerySet(PublishableQuerySet):
    def available(self):
        """Sites still looking for an occupant (the others are engaged, occupied or done)."""
        return self.filter(pipeline_stage__in=Site.AVAILABLE_STAGES)

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

    # The stages of a site still looking for an occupant.
    AVAILABLE_STAGES = (Pipeline.IDENTIFIED, Pipeline.NEGOTIATING)

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    kind = models.CharField(_("type de lieu"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = bounded_text(_("description"), blank=True)
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

    history = HistoricalRecords(
        m2m_fields=[occupants], bases=[ProvenanceHistoricalModel], verbose_name=_("historique du lieu")
    )

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        permissions = [("publish_site", _("Peut publier ou dépublier un lieu"))]
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
        try:
            directory_validators.validate_neighbourhood_in_commune(
                self.neighbourhood if self.neighbourhood_id else None, self.commune if self.commune_id else None
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
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
