"""The record of an initiative: its journal, its documents and its consultations."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from directory.models import Actor, PublicationStatus
from projects import validators
from projects.models.common import NOTE_MAX_LENGTH, bounded_text
from projects.models.initiatives import Initiative, Milestone, StatusChange


class JournalEntryQuerySet(models.QuerySet):
    def public(self):
        """Updates anyone may read: marked public, on a published initiative."""
        return self.filter(is_public=True, initiative__in=Initiative.objects.published())


class JournalEntry(models.Model):
    """A dated update on an initiative, public or internal."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="journal_entries", verbose_name=_("projet")
    )
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    title = models.CharField(_("titre"), max_length=200)
    body = bounded_text(_("texte"), blank=True)
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

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique du journal"))

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal")
        ordering = ["-entry_date", "-pk"]
        indexes = [
            # The latest public updates (home page, feeds) read backwards, without sorting every entry.
            models.Index(fields=["entry_date", "id"], condition=Q(is_public=True), name="journalentry_public_date_idx"),
        ]

    def __str__(self):
        return self.title


# Where documents are stored, under MEDIA_ROOT (and served by `projects.views.document_file`).
DOCUMENTS_DIR = "projects/documents/"


def document_upload_to(instance, filename: str) -> str:
    return f"{DOCUMENTS_DIR}{timezone.now():%Y/%m}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def public(self):
        """Documents anyone may download: marked public, on a published initiative."""
        return self.filter(is_public=True, initiative__in=Initiative.objects.published())


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

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique du document"))

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


class ConsultationQuerySet(models.QuerySet):
    def published(self):
        """Consultations anyone may read: marked public, on a published initiative (the one visibility rule)."""
        return self.filter(is_public=True, initiative__in=Initiative.objects.published())

    def public(self):
        """The same rule as `published`, named as the journal's and the documents' is."""
        return self.published()

    def withdrawn_since(self, since):
        """Consultations once public, no longer readable (made internal, or their initiative withdrawn), since `since`.

        « Once public »: a public row in their history while their initiative had a published one.
        """
        was_public = models.Exists(self.model.history.filter(id=models.OuterRef("pk"), is_public=True))
        initiative_was_published = models.Exists(
            Initiative.history.filter(
                id=models.OuterRef("initiative_id"), publication_status=PublicationStatus.PUBLISHED
            )
        )
        return (
            self.exclude(pk__in=self.model.objects.published().values("pk"))
            .filter(Q(updated_at__gte=since) | Q(initiative__updated_at__gte=since))
            .filter(was_public, initiative_was_published)
        )


class Consultation(models.Model):
    """An event of the consultation ledger: who took part, what was decided, what changed.

    It belongs to one initiative (`initiative`, whose page lists it) and may concern others
    (`other_initiatives`). Who took part: directory actors, each with the kind of participant it
    was (`ConsultationParticipant`). What it changed: links to status changes, milestones and
    versions of the initiatives' history (`ConsultationEffect`); `changes` says it in words.
    """

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
        Initiative,
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("projet"),
        help_text=_("Le projet principal : la consultation figure dans son registre."),
    )
    other_initiatives = models.ManyToManyField(
        Initiative,
        blank=True,
        related_name="shared_consultations",
        verbose_name=_("autres projets concernés"),
        help_text=_("Les autres projets dont la consultation a traité, s'il y en a."),
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
        Actor,
        through="ConsultationParticipant",
        blank=True,
        related_name="consultations",
        verbose_name=_("acteurs participants"),
    )
    outcomes = bounded_text(_("ce qui en est ressorti"), blank=True)
    decisions = bounded_text(_("décisions"), max_length=NOTE_MAX_LENGTH, blank=True)
    changes = bounded_text(
        _("ce qui a changé dans le projet"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Les effets sur le projet, en mots ; reliez aussi chaque changement ci-dessous."),
    )
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    objects = ConsultationQuerySet.as_manager()

    history = HistoricalRecords(
        m2m_fields=[other_initiatives],
        bases=[ProvenanceHistoricalModel],
        verbose_name=_("historique de la consultation"),
    )

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

    def clean(self):
        if self.held_on and self.held_on.year < 1990:
            raise ValidationError({"held_on": _("Indiquez une date à partir de 1990.")})

    def initiative_ids(self) -> set[int]:
        """The initiatives it concerned: its own and the others (one query for the others)."""
        return {self.initiative_id, *self.other_initiatives.values_list("pk", flat=True)}


class ConsultationParticipant(models.Model):
    """A directory actor that took part in a consultation, and as what kind of participant."""

    class Kind(models.TextChoices):
        ESS = "ess", _("acteur de l'ESS")
        PUBLIC_BODY = "public_body", _("acteur public")
        BUSINESS = "business", _("entreprise")
        RESIDENTS = "residents", _("habitants (collectif, conseil citoyen…)")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants", verbose_name=_("consultation")
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="consultation_participations", verbose_name=_("acteur")
    )
    kind = models.CharField(_("en tant que"), max_length=20, choices=Kind.choices, default=Kind.ESS)

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique des participants"))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "actor"], name="consultation_participant_unique"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_kind_display()})"

    @staticmethod
    def kind_of(actor: Actor) -> str:
        """The kind of participant an actor most likely was, from its record (a default staff may change)."""
        if actor.legal_form == Actor.LegalForm.PUBLIC_BODY:
            return ConsultationParticipant.Kind.PUBLIC_BODY
        if actor.ess_status == Actor.EssStatus.PARTNER:
            return ConsultationParticipant.Kind.BUSINESS
        return ConsultationParticipant.Kind.ESS


class ConsultationEffect(models.Model):
    """One concrete change a consultation caused: a status change, a milestone, or a version of an initiative.

    Exactly one of the three is set; it belongs to one of the initiatives the consultation concerned.
    """

    class Kind(models.TextChoices):
        STATUS_CHANGE = "status_change", _("changement de statut")
        MILESTONE = "milestone", _("jalon")
        VERSION = "version", _("version du projet")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="effects", verbose_name=_("consultation")
    )
    status_change = models.ForeignKey(
        StatusChange,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consultation_effects",
        verbose_name=_("changement de statut"),
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consultation_effects",
        verbose_name=_("jalon"),
        help_text=_("Un jalon ajouté ou revu à la suite de la consultation."),
    )
    initiative_version = models.ForeignKey(
        "projects.HistoricalInitiative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consultation_effects",
        verbose_name=_("version du projet"),
        help_text=_("Une version de la fiche du projet (son historique) modifiée à la suite de la consultation."),
    )
    description = models.CharField(
        _("ce qui a changé"), max_length=300, blank=True, help_text=_("En une phrase, pour la page publique.")
    )

    history = HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=_("historique des effets"))

    class Meta:
        verbose_name = _("effet de la consultation")
        verbose_name_plural = _("effets de la consultation")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status_change__isnull=False, milestone__isnull=True, initiative_version__isnull=True)
                    | Q(status_change__isnull=True, milestone__isnull=False, initiative_version__isnull=True)
                    | Q(status_change__isnull=True, milestone__isnull=True, initiative_version__isnull=False)
                ),
                name="consultation_effect_one_target",
            ),
            models.UniqueConstraint(
                fields=["consultation", "status_change"],
                condition=Q(status_change__isnull=False),
                name="consultation_effect_status_change_unique",
            ),
            models.UniqueConstraint(
                fields=["consultation", "milestone"],
                condition=Q(milestone__isnull=False),
                name="consultation_effect_milestone_unique",
            ),
            models.UniqueConstraint(
                fields=["consultation", "initiative_version"],
                condition=Q(initiative_version__isnull=False),
                name="consultation_effect_version_unique",
            ),
        ]

    def __str__(self):
        return self.description or str(self.target)

    @property
    def kind(self) -> str:
        if self.status_change_id:
            return self.Kind.STATUS_CHANGE
        if self.milestone_id:
            return self.Kind.MILESTONE
        return self.Kind.VERSION

    @property
    def target(self):
        return self.status_change or self.milestone or self.initiative_version

    @property
    def target_initiative_id(self) -> int | None:
        target = self.target
        if target is None:
            return None
        return target.id if self.kind == self.Kind.VERSION else target.initiative_id

    @property
    def target_date(self):
        """When the change happened: the status change's or the version's date, the milestone's planned date."""
        if self.status_change_id:
            return timezone.localdate(self.status_change.changed_at)
        if self.milestone_id:
            return self.milestone.done_on or self.milestone.planned_on
        if self.initiative_version_id:
            return timezone.localdate(self.initiative_version.history_date)
        return None

    def clean(self):
        targets = [self.status_change_id, self.milestone_id, self.initiative_version_id]
        chosen = sum(target is not None for target in targets)
        if chosen != 1:
            raise ValidationError(
                _("Choisissez exactement un changement : un changement de statut, un jalon ou une version du projet.")
            )
        if not self.consultation_id:
            return
        consultation = self.consultation
        if self.target_initiative_id not in consultation.initiative_ids():
            field = {
                self.Kind.STATUS_CHANGE: "status_change",
                self.Kind.MILESTONE: "milestone",
                self.Kind.VERSION: "initiative_version",
            }[self.kind]
            raise ValidationError({field: _("Ce changement concerne un projet dont la consultation n'a pas traité.")})
        if self.kind != self.Kind.MILESTONE and consultation.held_on and self.target_date < consultation.held_on:
            field = "status_change" if self.kind == self.Kind.STATUS_CHANGE else "initiative_version"
            raise ValidationError(
                {
                    field: _("Ce changement date du %(date)s, avant la consultation : il n'en découle pas.")
                    % {"date": self.target_date.strftime("%d/%m/%Y")}
                }
            )
