"""The Trophées de l'ESS: editions and their call, applications, the jury's scores, laureates.

An edition goes through phases (`Phase`) computed from its dates and two decisions taken by
staff in the admin: opening the deliberation, then publishing the results. The rules of each step
live in `awards.services`; the models check what concerns one row (`clean`) and the database
what it can (constraints).
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from awards.enums import Eligibility, Phase, SubmittedVia
from directory.history import ProvenanceHistoricalModel
from directory.models import TEXT_MAX_LENGTH, Actor
from projects.validators import validate_document_file

# A criterion is scored out of at most this much (a sanity bound kept by the database too).
MAX_SCORE_CAP = 100
ANSWER_MAX_LENGTH = 5_000


def _history(name):
    return HistoricalRecords(bases=[ProvenanceHistoricalModel], verbose_name=name)


class EditionQuerySet(models.QuerySet):
    def public(self):
        """Editions the public may see (their call and categories); laureates need `results_published` too."""
        return self.filter(is_public=True)

    def results_published(self):
        """Public editions whose laureates are published: the one visibility rule of the palmarès."""
        return self.public().filter(results_published_at__isnull=False)


class Edition(models.Model):
    year = models.PositiveSmallIntegerField(_("année"), unique=True)
    title = models.CharField(_("titre"), max_length=200, help_text=_("Par exemple « Trophées de l'ESS 2026 »."))
    introduction = models.TextField(_("présentation"), max_length=TEXT_MAX_LENGTH, blank=True)
    is_public = models.BooleanField(
        _("publiée"),
        default=False,
        help_text=_(
            "L'édition, son appel et ses catégories sont visibles sur /trophees/ ; "
            "le palmarès l'est après sa publication."
        ),
    )
    opens_at = models.DateTimeField(_("ouverture de l'appel"))
    deadline = models.DateTimeField(_("date limite de candidature"))
    jury_date = models.DateField(_("date du jury"), null=True, blank=True)
    ceremony_date = models.DateField(_("date de la cérémonie"), null=True, blank=True)
    deliberation_opened_at = models.DateTimeField(_("délibération ouverte le"), null=True, blank=True, editable=False)
    results_published_at = models.DateTimeField(_("palmarès publié le"), null=True, blank=True, editable=False)
    is_fictional = models.BooleanField(_("fictif"), default=False)

    objects = EditionQuerySet.as_manager()
    history = _history(_("historique de l'édition"))

    class Meta:
        verbose_name = _("édition")
        verbose_name_plural = _("éditions")
        ordering = ["-year"]
        permissions = [
            ("deliberate_edition", _("Peut ouvrir la délibération et choisir les lauréats")),
            ("publish_edition", _("Peut publier le palmarès")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opens_at")), name="awards_deadline_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(results_published_at__isnull=True) | Q(deliberation_opened_at__isnull=False),
                name="awards_published_after_deliberation",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("awards:edition_detail", kwargs={"year": self.year})

    def clean(self):
        if self.opens_at and self.deadline and self.deadline <= self.opens_at:
            raise ValidationError({"deadline": _("La date limite doit suivre l'ouverture de l'appel.")})

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if self.results_published_at:
            return Phase.PUBLISHED
        if self.deliberation_opened_at:
            return Phase.DELIBERATION
        if not self.is_public:
            return Phase.DRAFT
        if now < self.opens_at:
            return Phase.UPCOMING
        if now <= self.deadline:
            return Phase.CALL_OPEN
        return Phase.JURY

    def get_phase_display(self):
        return Phase(self.phase()).label

    def is_call_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now <= self.deadline and not self.deliberation_opened_at

    def deadline_display(self) -> str:
        return date_format(timezone.localtime(self.deadline), "j F Y à H:i")


class Category(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="categories", verbose_name=_("édition"))
    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=150)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    history = _history(_("historique de la catégorie"))

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["edition", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="awards_category_slug_per_edition")]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("édition"))
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("coefficient"), default=1, help_text=_("Poids du critère dans la moyenne pondérée (1 au moins).")
    )
    max_score = models.PositiveSmallIntegerField(
        _("note maximale"), default=10, help_text=_("Chaque juré note ce critère de 0 à cette valeur (100 au plus).")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    history = _history(_("historique du critère"))

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["edition", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="awards_criterion_weight_positive"),
            models.CheckConstraint(
                condition=Q(max_score__gte=1, max_score__lte=MAX_SCORE_CAP), name="awards_criterion_max_score_bounds"
            ),
        ]

    def __str__(self):
        return self.name


class Question(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="questions", verbose_name=_("édition"))
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("aide"), max_length=500, blank=True)
    required = models.BooleanField(_("obligatoire"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    history = _history(_("historique de la question"))

    class Meta:
        verbose_name = _("question de l'appel")
        verbose_name_plural = _("questions de l'appel")
        ordering = ["edition", "position", "pk"]

    def __str__(self):
        return self.label


def deadline_error(edition: Edition, at=None) -> str:
    """Why an application to `edition` made at `at` (now by default) is refused, or "" when it may be made.

    The one rule of the deadline: public form, account, admin and services all ask it.
    """
    at = at or timezone.now()
    if edition.deliberation_opened_at or at > edition.deadline:
        return _(
            "L'appel à candidatures de cette édition est clos depuis le %(deadline)s : "
            "les candidatures ne sont plus acceptées."
        ) % {"deadline": edition.deadline_display()}
    if at < edition.opens_at:
        return _("L'appel à candidatures de cette édition n'est pas encore ouvert (ouverture le %(date)s).") % {
            "date": date_format(timezone.localtime(edition.opens_at), "j F Y à H:i")
        }
    return ""


class Application(models.Model):
    """A candidacy of a structure to one category of an edition (never shown to the public)."""

    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="applications", verbose_name=_("édition")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="applications", verbose_name=_("catégorie")
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_applications",
        verbose_name=_("structure de l'annuaire"),
        help_text=_("La fiche de l'annuaire, quand la structure y figure."),
    )
    structure_name = models.CharField(_("nom de la structure"), max_length=200)
    project_title = models.CharField(_("titre du projet présenté"), max_length=200)
    contact_name = models.CharField(_("personne à contacter"), max_length=150)
    contact_email = models.EmailField(_("e-mail de contact"))
    submitted_via = models.CharField(_("déposée par"), max_length=20, choices=SubmittedVia.choices, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("compte"),
    )
    submitter_key = models.CharField(_("clé de l'expéditeur"), max_length=64, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("déposée le"), default=timezone.now, editable=False)
    eligibility = models.CharField(
        _("recevabilité"), max_length=20, choices=Eligibility.choices, default=Eligibility.PENDING
    )
    eligibility_reason = models.TextField(
        _("motif"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Obligatoire pour une candidature irrecevable ; gardé dans l'historique."),
    )
    is_fictional = models.BooleanField(_("fictif"), default=False)

    history = _history(_("historique de la candidature"))

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["edition", "category", "structure_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(eligibility=Eligibility.INELIGIBLE) | ~Q(eligibility_reason=""),
                name="awards_ineligible_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.structure_name} — {self.project_title}"

    def clean(self):
        errors = {}
        if self.category_id and self.edition_id and self.category.edition_id != self.edition_id:
            errors["category"] = _("Cette catégorie n'appartient pas à cette édition.")
        if self.eligibility == Eligibility.INELIGIBLE and not (self.eligibility_reason or "").strip():
            errors["eligibility_reason"] = _("Une candidature irrecevable demande un motif.")
        if not self._state.adding and self.edition_id and self.edition.deliberation_opened_at:
            stored = Application.objects.filter(pk=self.pk).values_list("eligibility", flat=True).first()
            if stored != self.eligibility:
                errors["eligibility"] = _("La délibération est ouverte : la recevabilité ne change plus.")
        if self._state.adding and self.edition_id:
            message = deadline_error(self.edition, self.submitted_at)
            if message:
                errors["edition"] = message
        if errors:
            raise ValidationError(errors)


class Answer(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name=_("candidature")
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question"))
    text = models.TextField(_("réponse"), max_length=ANSWER_MAX_LENGTH, blank=True)

    history = _history(_("historique de la réponse"))

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "question"], name="awards_one_answer_per_question")
        ]

    def __str__(self):
        return str(self.question)


# Under MEDIA_ROOT but never served as plain media: `awards.views.attachment_file` checks who may read it.
ATTACHMENTS_DIR = "awards/attachments/"


def attachment_upload_to(instance, filename: str) -> str:
    return f"{ATTACHMENTS_DIR}{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("candidature")
    )
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(
        _("fichier"),
        upload_to=attachment_upload_to,
        max_length=255,
        validators=[validate_document_file],
        help_text=_("PDF, image (PNG, JPEG), bureautique (ODF, Office) ou texte/CSV ; 10 Mo au plus."),
    )
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0, editable=False)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    history = _history(_("historique de la pièce jointe"))

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["application", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file:
            with contextlib.suppress(FileNotFoundError, OSError):
                self.size = self.file.size
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("awards:attachment_file", kwargs={"pk": self.pk})


class JuryMember(models.Model):
    """A juror of one edition: a staff member, or an external person with a jury-only account."""

    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="jury_members", verbose_name=_("édition")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_memberships", verbose_name=_("compte")
    )
    display_name = models.CharField(_("nom affiché"), max_length=150)
    affiliation = models.CharField(_("organisme"), max_length=200, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    history = _history(_("historique du juré"))

    class Meta:
        verbose_name = _("juré")
        verbose_name_plural = _("jurés")
        ordering = ["edition", "display_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="awards_one_membership_per_edition")]

    def __str__(self):
        return self.display_name


class Conflict(models.Model):
    """A juror's declared conflict of interest on one application: they may not score it."""

    member = models.ForeignKey(JuryMember, on_delete=models.PROTECT, related_name="conflicts", verbose_name=_("juré"))
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="conflicts", verbose_name=_("candidature")
    )
    reason = models.TextField(_("nature du lien"), max_length=TEXT_MAX_LENGTH)
    declared_at = models.DateTimeField(_("déclaré le"), default=timezone.now, editable=False)

    history = _history(_("historique du conflit d'intérêts"))

    class Meta:
        verbose_name = _("conflit d'intérêts")
        verbose_name_plural = _("conflits d'intérêts")
        ordering = ["member", "application"]
        constraints = [models.UniqueConstraint(fields=["member", "application"], name="awards_one_conflict_per_pair")]

    def __str__(self):
        return f"{self.member} — {self.application}"

    def clean(self):
        if self.member_id and self.application_id and self.member.edition_id != self.application.edition_id:
            raise ValidationError(_("Ce juré ne siège pas pour l'édition de cette candidature."))


class Evaluation(models.Model):
    """One juror's scores on one application (one `Score` per criterion) and their comment.

    Confidential until the deliberation opens: see `awards.services.may_read_scores`.
    """

    member = models.ForeignKey(JuryMember, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("juré"))
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("candidature")
    )
    comment = models.TextField(_("commentaire"), max_length=TEXT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)

    history = _history(_("historique de l'évaluation"))

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["application", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "application"], name="awards_one_evaluation_per_pair")]

    def __str__(self):
        return f"{self.member} — {self.application}"


class Score(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name=_("évaluation")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("critère"))
    value = models.PositiveSmallIntegerField(_("note"))

    history = _history(_("historique de la note"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["evaluation", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="awards_one_score_per_criterion"),
            models.CheckConstraint(condition=Q(value__lte=MAX_SCORE_CAP), name="awards_score_capped"),
        ]

    def __str__(self):
        return f"{self.criterion} : {self.value}"

    def clean(self):
        if self.criterion_id and self.value is not None and self.value > self.criterion.max_score:
            raise ValidationError(
                {"value": _("La note ne peut pas dépasser %(max)s.") % {"max": self.criterion.max_score}}
            )


class LaureateQuerySet(models.QuerySet):
    def published(self):
        """Laureates the public may see (the one visibility rule of the palmarès and the actor badges).

        Their edition's results are published, and their structure is not an unpublished listing of the
        directory: a laureate whose actor was unpublished since is not named at all.
        """
        return self.filter(application__edition__in=Edition.objects.results_published()).filter(
            Q(application__actor__isnull=True) | Q(application__actor__in=Actor.objects.published())
        )


class Laureate(models.Model):
    """An application the jury chose in its category, with the jury's decision as recorded by staff."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="laureate", verbose_name=_("candidature")
    )
    distinction = models.CharField(
        _("distinction"),
        max_length=150,
        default=_("Lauréat"),
        help_text=_("Par exemple « Lauréat », « Prix spécial du jury »."),
    )
    jury_decision = models.TextField(_("décision du jury"), max_length=TEXT_MAX_LENGTH)
    decided_at = models.DateTimeField(_("décidé le"), default=timezone.now, editable=False)

    objects = LaureateQuerySet.as_manager()
    history = _history(_("historique du lauréat"))

    class Meta:
        verbose_name = _("lauréat")
        verbose_name_plural = _("lauréats")
        ordering = ["application__category__position", "application__structure_name", "pk"]

    def __str__(self):
        return str(self.application)
