"""The agenda: events of the ESS (Mois de l'ESS, workshops, open days, juries, consultation meetings).

An event is attached to actors (its organisers), initiatives and sites. Its times are stored aware (UTC
in the database) and shown in Paris time (TIME_ZONE); the iCalendar feeds give them with Europe/Paris.
The public proposes events (`projects.forms.EventProposalForm`): they wait « à valider » until a
moderator publishes them (`services.set_publication`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from directory.models import Actor, Commune, PublicationStatus, unique_slug
from projects import validators
from projects.models.common import NOTE_MAX_LENGTH, PublishableQuerySet, Source, bounded_text
from projects.models.initiatives import Initiative
from projects.models.sites import Site


class HttpUrlFormField(forms.URLField):
    default_validators = [validators.validate_http_url]


class HttpUrlField(models.URLField):
    """A web address: http or https only (no javascript:, ftp:, mailto:…), with the reason in French."""

    default_validators = [validators.validate_http_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": HttpUrlFormField, "assume_scheme": "https", **kwargs})


# How many upcoming events the pages of an actor, an initiative or a site list (the agenda has them all).
SHORTLIST_LENGTH = 5


class EventQuerySet(PublishableQuerySet):
    def shortlist(self):
        """Published events not over yet, soonest first, with their commune: the short lists of other pages.

        Slice it (`[:SHORTLIST_LENGTH]`), in a `Prefetch` too: Django then limits each record's events in SQL.
        """
        return self.published().upcoming().select_related("commune")

    def upcoming(self, now=None):
        """Events not over yet (in progress or to come), soonest first."""
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None):
        """Events over, the latest first."""
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")

    def for_list(self):
        """What a list row, a feed entry or the API shows, without a query per row: place and published organisers."""
        return self.select_related("commune", "site", "site__commune").prefetch_related(
            Prefetch("actors", queryset=Actor.objects.published().order_by("name", "pk"), to_attr="public_actors")
        )


class Event(models.Model):
    """An event of the agenda, with its dates, its place (or its online address) and who organises it."""

    class Kind(models.TextChoices):
        MOIS_ESS = "mois_ess", _("Mois de l'ESS")
        WORKSHOP = "workshop", _("atelier")
        OPEN_DAY = "open_day", _("portes ouvertes")
        JURY = "jury", _("jury ou remise de prix")
        CONSULTATION = "consultation", _("réunion de concertation")
        MEETING = "meeting", _("rencontre ou conférence")
        OTHER = "other", _("autre")

    class Attendance(models.TextChoices):
        IN_PERSON = "in_person", _("sur place")
        ONLINE = "online", _("en ligne")
        MIXED = "mixed", _("sur place et en ligne")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("prévu")
        CANCELLED = "cancelled", _("annulé")

    title = models.CharField(_("titre"), max_length=200, validators=[validators.validate_plain_text])
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    kind = models.CharField(_("type d'événement"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = bounded_text(_("description"), blank=True)
    starts_at = models.DateTimeField(_("début"), help_text=_("Date et heure de Paris."))
    ends_at = models.DateTimeField(_("fin"), help_text=_("Date et heure de Paris ; après le début."))
    event_status = models.CharField(
        _("statut de l'événement"),
        max_length=10,
        choices=Status.choices,
        default=Status.SCHEDULED,
        help_text=_("Un événement annulé reste affiché, marqué « annulé »."),
    )
    attendance_mode = models.CharField(
        _("participation"), max_length=10, choices=Attendance.choices, default=Attendance.IN_PERSON
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("lieu de la liste des lieux"),
        help_text=_("Facultatif : un des lieux et locaux du portail."),
    )
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("commune"),
        help_text=_("Obligatoire sur place ; reprise du lieu choisi si elle est vide."),
    )
    online_url = HttpUrlField(
        _("adresse en ligne"), max_length=500, blank=True, help_text=_("Obligatoire pour un événement en ligne.")
    )
    accessibility = bounded_text(
        _("accessibilité"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Accès en fauteuil roulant, boucle magnétique, interprétation en LSF, sous-titres…"),
    )
    registration_url = HttpUrlField(_("lien d'inscription"), max_length=500, blank=True)
    actors = models.ManyToManyField(Actor, blank=True, related_name="events", verbose_name=_("organisateurs"))
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="events", verbose_name=_("projets liés"))
    publication_status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    is_fictional = models.BooleanField(
        _("fictif"), default=False, help_text=_("Événement de démonstration : n'existe pas dans la réalité.")
    )
    proposal_message = bounded_text(
        _("message de la proposition"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Ce que la personne qui a proposé l'événement a dit à l'équipe ; jamais publié."),
    )
    # A keyed hash of a proposal's sender address (`directory.moderation.submitter_key`): the rate limit.
    submitter_key = models.CharField(_("clé d'expéditeur"), max_length=64, blank=True, editable=False)
    sequence = models.PositiveIntegerField(
        _("révision"), default=0, editable=False, help_text=_("Augmente à chaque modification (SEQUENCE iCalendar).")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(
        m2m_fields=[actors, initiatives],
        bases=[ProvenanceHistoricalModel],
        excluded_fields=["submitter_key"],
        verbose_name=_("historique de l'événement"),
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        permissions = [("publish_event", _("Peut publier ou dépublier un événement"))]
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(attendance_mode="in_person") | ~Q(online_url=""), name="event_online_has_url"
            ),
        ]
        indexes = [models.Index(fields=["publication_status", "ends_at"], name="event_status_ends_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Event, self.title, exclude_pk=self.pk)
        if self.site_id and not self.commune_id:
            self.commune_id = self.site.commune_id
        if self.pk:
            # Each change is a new revision for calendar clients (SEQUENCE), whatever wrote it.
            self.sequence = (self.sequence or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "sequence", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:event_detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = validators.validate_event_window(self.starts_at, self.ends_at, now=timezone.now())
        site = self.site if self.site_id else None
        if site is not None and not self.commune_id:
            self.commune_id = site.commune_id
        if self.attendance_mode != self.Attendance.ONLINE and not self.commune_id:
            errors["commune"] = _("Indiquez la commune où se tient l'événement (ou choisissez un lieu).")
        if site is not None and self.commune_id and site.commune_id != self.commune_id:
            errors["site"] = _("Ce lieu est dans une autre commune que celle de l'événement.")
        if self.attendance_mode != self.Attendance.IN_PERSON and not self.online_url:
            errors["online_url"] = _("Indiquez l'adresse où suivre l'événement en ligne.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.event_status == self.Status.CANCELLED

    @property
    def is_in_person(self) -> bool:
        return self.attendance_mode != self.Attendance.ONLINE

    @property
    def is_online(self) -> bool:
        return self.attendance_mode != self.Attendance.IN_PERSON

    @property
    def place_name(self) -> str:
        """The place in one line: the site's name, the address, the commune (what is known of them)."""
        if not self.is_in_person:
            return ""
        parts = []
        if self.site_id and self.site.is_published:
            parts.append(self.site.name)
        address = self.address or (self.site.address if self.site_id and self.site.is_published else "")
        if address:
            parts.append(address)
        if self.commune_id:
            parts.append(self.commune.name)
        return ", ".join(parts)

    def is_over(self, now=None) -> bool:
        return self.ends_at < (now or timezone.now())
