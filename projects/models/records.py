"""The record of an initiative: its journal, its documents and its consultations."""

import contextlib

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from directory.models import Actor
from projects import validators
from projects.models.common import NOTE_MAX_LENGTH, bounded_text
from projects.models.initiatives import Initiative


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
    outcomes = bounded_text(_("ce qui en est ressorti"), blank=True)
    decisions = bounded_text(_("décisions"), max_length=NOTE_MAX_LENGTH, blank=True)
    changes = bounded_text(
        _("ce qui a changé dans le projet"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Les effets de la consultation sur le projet."),
    )
    is_public = models.BooleanField(_("public"), default=True)

    history = HistoricalRecords(
        m2m_fields=[actors], bases=[ProvenanceHistoricalModel], verbose_name=_("historique de la consultation")
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
