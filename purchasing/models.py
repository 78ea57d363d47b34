"""What ESS actors sell (structured offers, by CPV category) and what buyers need (the board of needs).

The CPV reference table comes from `purchasing.cpv` (data migration 0002). Offers belong to directory
actors; a need is posted by a buyer without an account and is public only once a moderator approved
it and until its deadline. The buyer's e-mail is private: never shown, only used to send the matches,
and erased after `NEED_CONTACT_RETENTION_DAYS` (`expire_needs`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.history import ProvenanceHistoricalModel
from directory.models import (
    TEXT_MAX_LENGTH,
    Actor,
    Commune,
    PublicationStatus,
    text_field,
    text_length_constraint,
)
from directory.search import STOP_WORDS, normalize_search_text, search_words, vocabulary_stem
from purchasing import validators

# The largest order amount an offer may state (euros excluding tax): beyond it, a typing mistake.
MAX_ORDER_AMOUNT = 100_000_000


class CpvCodeQuerySet(models.QuerySet):
    def divisions(self):
        return self.filter(level=CpvCode.Level.DIVISION)

    def scope(self, codes):
        """The ids of `codes` and of their sub-groups: a division includes its groups."""
        ids = sorted({code.pk for code in codes})
        return self.filter(Q(pk__in=ids) | Q(parent_id__in=ids)).values("pk")


class CpvCode(models.Model):
    """A division or group of the Common Procurement Vocabulary (CPV 2008)."""

    class Level(models.TextChoices):
        DIVISION = "division", _("division")
        GROUP = "group", _("groupe")

    code = models.CharField(
        _("code CPV"),
        max_length=10,
        unique=True,
        help_text=_("Huit chiffres, un tiret et le chiffre de contrôle, par exemple 45000000-7."),
    )
    label = models.CharField(_("libellé"), max_length=250)
    level = models.CharField(_("niveau"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("division"),
        limit_choices_to={"level": "division"},
    )

    objects = CpvCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("code CPV")
        verbose_name_plural = _("codes CPV")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="division", parent__isnull=True) | Q(level="group", parent__isnull=False)),
                name="cpvcode_level_parent",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.label}"

    @property
    def digits(self) -> str:
        return self.code[:8]

    def clean(self):
        validators.validate_cpv_code_format(self.code)


class SocialClause(models.TextChoices):
    """What makes a supplier relevant to a social clause of a public contract, read from its listing."""

    WORK_INTEGRATION = "siae", _("structure d'insertion par l'activité économique (SIAE)")
    DISABILITY = "handicap", _("entreprise adaptée ou ESAT (travailleurs handicapés)")
    ESUS = "esus", _("agrément ESUS")


# The directory's labels behind each social clause (kinds or slugs of `directory.Label`).
DISABILITY_LABEL_SLUGS = ("ea", "esat")
ESUS_LABEL_SLUG = "esus"


def actors_with_clause(clause: str):
    """The ids of the actors relevant to `clause`, from their labels (and ESS status for ESUS)."""
    links = Actor.labels.through.objects
    if clause == SocialClause.WORK_INTEGRATION:
        return links.filter(label__kind="work_integration").values("actor_id")
    if clause == SocialClause.DISABILITY:
        return links.filter(label__slug__in=DISABILITY_LABEL_SLUGS).values("actor_id")
    if clause == SocialClause.ESUS:
        labelled = links.filter(label__slug=ESUS_LABEL_SLUG).values("actor_id")
        return Actor.objects.filter(Q(ess_status=Actor.EssStatus.ESUS) | Q(pk__in=labelled)).values("pk")
    return Actor.objects.none().values("pk")


def clauses_of(actor: Actor) -> list[str]:
    """The social clauses `actor` is relevant to (its labels prefetched), in the choices' order."""
    slugs = {label.slug for label in actor.labels.all()}
    kinds = {label.kind for label in actor.labels.all()}
    found = []
    if "work_integration" in kinds:
        found.append(SocialClause.WORK_INTEGRATION.value)
    if slugs & set(DISABILITY_LABEL_SLUGS):
        found.append(SocialClause.DISABILITY.value)
    if ESUS_LABEL_SLUG in slugs or actor.ess_status == Actor.EssStatus.ESUS:
        found.append(SocialClause.ESUS.value)
    return found


class SupplierOfferQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: approved (published) offers of published actors."""
        return self.filter(status=PublicationStatus.PUBLISHED, actor__status=PublicationStatus.PUBLISHED)

    def withdrawn_since(self, since):
        """Offers once public (a published row in their history) that are no longer, changed since `since`.

        An offer is withdrawn with its actor too: the actor's change counts.
        """
        was_published = Exists(self.model.history.filter(id=OuterRef("pk"), status=PublicationStatus.PUBLISHED))
        return (
            self.exclude(pk__in=self.model.objects.published().values("pk"))
            .filter(Q(updated_at__gte=since) | Q(actor__updated_at__gte=since))
            .filter(was_published)
        )

    def in_categories(self, codes):
        """Offers in these CPV categories or their sub-groups."""
        return self.filter(cpv__in=CpvCode.objects.scope(codes))

    def serving(self, communes):
        """Offers that serve one of `communes` (or the whole territory)."""
        ids = sorted({commune.pk for commune in communes})
        links = SupplierOffer.communes.through.objects.filter(commune_id__in=ids).values("supplieroffer_id")
        return self.filter(Q(whole_territory=True) | Q(pk__in=links))

    def search(self, text: str):
        """Offers whose words (or their actor's name) contain each word of `text`, accents and plurals aside.

        The directory's conventions (`directory.search`): normalised words, stop words dropped, each word
        without its plural mark matched at a word start (« jardins » finds « jardin » and « jardinage »).
        """
        words = [vocabulary_stem(word) for word in search_words(text or "") if word not in STOP_WORDS]
        if not words:
            return self if not (text or "").strip() else self.none()
        for word in words:
            self = self.filter(Q(search_text__contains=f" {word}") | Q(actor__name_words__contains=word))
        return self

    def for_list(self):
        return self.select_related("actor", "actor__commune", "cpv").prefetch_related("communes", "actor__labels")


class SupplierOffer(models.Model):
    """A product or service an actor sells, in a CPV category, with where and how much it can deliver."""

    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="supplier_offers", verbose_name=_("acteur qui propose")
    )
    title = models.CharField(_("intitulé"), max_length=200, validators=[validators.validate_plain_text])
    description = text_field(
        _("description"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Ce qui est fourni, comment, dans quels délais."),
    )
    cpv = models.ForeignKey(
        CpvCode,
        on_delete=models.PROTECT,
        related_name="supplier_offers",
        verbose_name=_("catégorie CPV"),
        help_text=_("Division ou groupe du vocabulaire commun des marchés publics (CPV)."),
    )
    whole_territory = models.BooleanField(
        _("tout le territoire"), default=False, help_text=_("Sinon, choisissez les communes servies.")
    )
    communes = models.ManyToManyField(
        Commune,
        blank=True,
        related_name="supplier_offers",
        verbose_name=_("communes servies"),
        limit_choices_to={"in_territory": True},
    )
    capacity = text_field(
        _("capacité"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Volumes, effectifs mobilisables, délais : ce que la structure peut assurer."),
    )
    max_order_amount = models.DecimalField(
        _("montant de commande maximal (€ HT)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Le montant d'une commande que la structure peut honorer seule, en euros hors taxes."),
    )
    references = text_field(
        _("références"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Clients et marchés passés (publics ou privés)."),
    )
    url = models.URLField(_("lien"), blank=True)
    status = models.CharField(
        _("état de publication"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text=_("« Publié » : approuvée par l'équipe. Une offre modifiée depuis le compte attend « à valider »."),
    )
    review_note = text_field(
        _("note de l'équipe"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Ce que l'équipe dit à la structure de son offre (motif d'un refus) ; jamais public."),
    )
    is_fictional = models.BooleanField(_("fictif"), default=False)
    search_text = models.TextField(
        _("texte de recherche"),
        blank=True,
        editable=False,
        help_text=_("Intitulé, description, capacité, références et catégorie sans accents, tenus à jour."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(
        m2m_fields=[communes],
        excluded_fields=["search_text"],
        verbose_name=_("historique de l'offre"),
        bases=[ProvenanceHistoricalModel],
    )

    objects = SupplierOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offre aux acheteurs")
        verbose_name_plural = _("offres aux acheteurs")
        # No join in the default order: lists order by actor name explicitly where they show it.
        ordering = ["title", "pk"]
        permissions = [("publish_supplieroffer", _("Peut approuver ou archiver une offre aux acheteurs"))]
        constraints = [
            text_length_constraint(
                "supplieroffer_text_lengths",
                description=TEXT_MAX_LENGTH,
                capacity=TEXT_MAX_LENGTH,
                references=TEXT_MAX_LENGTH,
                review_note=TEXT_MAX_LENGTH,
            ),
            models.CheckConstraint(
                condition=Q(max_order_amount__isnull=True)
                | Q(max_order_amount__gte=0, max_order_amount__lte=MAX_ORDER_AMOUNT),
                name="supplieroffer_amount_range",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.actor.get_absolute_url()

    def build_search_text(self) -> str:
        """This offer's words, normalised, each after a space (a word start is « space + word »)."""
        parts = [self.title, self.description, self.capacity, self.references]
        if self.cpv_id:
            parts.append(self.cpv.label)
        text = " ".join(normalize_search_text(part) for part in parts if part)
        return f" {text} " if text else ""

    def clean(self):
        errors = {}
        for name in ("description", "capacity", "references"):
            try:
                validators.validate_plain_text(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if self.max_order_amount is not None and self.max_order_amount > MAX_ORDER_AMOUNT:
            errors["max_order_amount"] = [
                _("Au plus %(max)s € : vérifiez le montant.") % {"max": f"{MAX_ORDER_AMOUNT:,}".replace(",", " ")}
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


def validate_area(*, whole_territory: bool, communes) -> None:
    """An offer serves the whole territory or at least one commune (checked by forms and services)."""
    if not whole_territory and not list(communes or []):
        raise ValidationError(
            {"communes": _("Choisissez au moins une commune servie, ou cochez « tout le territoire ».")},
            code="no_area",
        )


class BuyerNeedQuerySet(models.QuerySet):
    def published(self):
        """The board of needs: approved needs whose deadline is not past."""
        return self.filter(status=PublicationStatus.PUBLISHED, deadline__gte=timezone.localdate())

    def pending(self):
        return self.filter(status=PublicationStatus.PENDING)

    def in_categories(self, codes):
        return self.filter(cpv__in=CpvCode.objects.scope(codes))

    def delivered_in(self, communes):
        ids = sorted({commune.pk for commune in communes})
        return self.filter(pk__in=BuyerNeed.communes.through.objects.filter(commune_id__in=ids).values("buyerneed_id"))

    def for_list(self):
        return self.select_related("cpv").prefetch_related("communes")


class BuyerNeed(models.Model):
    """A need posted by a public or private buyer, shown on the board once approved, until its deadline."""

    class BuyerKind(models.TextChoices):
        PUBLIC = "public", _("acheteur public")
        BUSINESS = "business", _("entreprise")
        OTHER = "other", _("autre organisation")

    title = models.CharField(_("intitulé du besoin"), max_length=200, validators=[validators.validate_plain_text])
    description = text_field(
        _("description"),
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Ce qu'il faut fournir, les quantités, le calendrier ; en texte simple."),
    )
    cpv = models.ForeignKey(
        CpvCode, on_delete=models.PROTECT, related_name="buyer_needs", verbose_name=_("catégorie CPV")
    )
    communes = models.ManyToManyField(
        Commune,
        related_name="buyer_needs",
        verbose_name=_("communes de livraison"),
        limit_choices_to={"in_territory": True},
    )
    deadline = models.DateField(_("date limite"), help_text=_("Le besoin quitte le tableau après cette date."))
    buyer_name = models.CharField(_("organisation de l'acheteur"), max_length=200)
    buyer_kind = models.CharField(_("type d'acheteur"), max_length=10, choices=BuyerKind.choices)
    # Private: never shown, never in the API or the history; erased by `expire_needs`.
    contact_email = models.EmailField(
        _("e-mail de contact"), blank=True, help_text=_("Privé : sert seulement à envoyer les fournisseurs trouvés.")
    )
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    submitter_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.PENDING
    )
    decision_reason = text_field(_("motif de la décision"), max_length=TEXT_MAX_LENGTH, blank=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    contact_purged_at = models.DateTimeField(_("contact effacé le"), null=True, blank=True)
    is_fictional = models.BooleanField(_("fictif"), default=False)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(
        m2m_fields=[communes],
        excluded_fields=["contact_email", "secret_hash", "submitter_key"],
        verbose_name=_("historique du besoin"),
        bases=[ProvenanceHistoricalModel],
    )

    objects = BuyerNeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("besoin d'acheteur")
        verbose_name_plural = _("besoins des acheteurs")
        ordering = ["deadline", "pk"]
        permissions = [("publish_buyerneed", _("Peut approuver, refuser ou archiver un besoin d'acheteur"))]
        constraints = [
            text_length_constraint(
                "buyerneed_text_lengths", description=TEXT_MAX_LENGTH, decision_reason=TEXT_MAX_LENGTH
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("purchasing:need_list") + f"#besoin-{self.pk}"

    def clean(self):
        errors = {}
        for name in ("buyer_name", "description"):
            try:
                validators.validate_plain_text(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if self.status == PublicationStatus.PENDING or self._state.adding:
            try:
                validators.validate_deadline(self.deadline)
            except ValidationError as exc:
                errors["deadline"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED and self.deadline >= timezone.localdate()


class NeedMatchNotice(models.Model):
    """A supplier told of a need that matches it: once per need and actor."""

    need = models.ForeignKey(BuyerNeed, on_delete=models.CASCADE, related_name="notices")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("fournisseur prévenu d'un besoin")
        verbose_name_plural = _("fournisseurs prévenus des besoins")
        constraints = [models.UniqueConstraint(fields=["need", "actor"], name="needmatchnotice_once")]

    def __str__(self):
        return f"{self.need} → {self.actor}"
