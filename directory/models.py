"""The directory of ESS actors: territory reference data, actors and what links them."""

import contextlib
import re

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Concat, Length
from django.db.models.lookups import Contains, Exact, GreaterThanOrEqual, LessThanOrEqual, StartsWith
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import quality, validators
from directory import search as search_plan
from directory.history import ProvenanceHistoricalModel
from directory.search import (
    SEARCH_MAX_LENGTH,
    SEARCHED_FIELDS,
    SEARCHED_FIELDS_ORDER,
    names_match_with_typos,  # noqa: F401  (the typo rule, imported from here by its tests)
    normalize_search_text,
    search_words,
    word_in_name,
)

# Free texts have a maximum, so that a pasted document (or a 4 MB request) is refused, not stored.
# Django's TextField does not check max_length by itself: each field also has a MaxLengthValidator
# (full_clean, hence forms, admin, API and importers) and the table a CheckConstraint on length.
LONG_TEXT_MAX_LENGTH = 10_000  # an actor's description and offer, a support offer's description
TEXT_MAX_LENGTH = 2_000  # every other free text


def text_field(verbose_name, *, max_length: int, **kwargs) -> models.TextField:
    """A TextField whose maximum length is checked by full_clean (and declared to forms and the API)."""
    return models.TextField(verbose_name, max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


class TextLengthConstraint(models.CheckConstraint):
    """The database's guard on the length of free texts: `LENGTH(field) <= max_length` for each field.

    full_clean does not ask the database again: the fields' MaxLengthValidator already said the
    same thing, without the query (and savepoint) a CheckConstraint's validation costs.
    """

    def validate(self, model, instance, exclude=None, using=None):
        return


def text_length_constraint(name: str, **max_lengths: int) -> TextLengthConstraint:
    condition = Q()
    for field, max_length in max_lengths.items():
        condition &= Q(LessThanOrEqual(Length(field), max_length))
    return TextLengthConstraint(condition=condition, name=name)


# ---------------------------------------------------------------------------
# Territory reference data


class CommuneQuerySet(models.QuerySet):
    def in_territory(self):
        """The nine member communes of Est Ensemble."""
        return self.filter(in_territory=True)


class Commune(models.Model):
    insee_code = models.CharField(
        _("code INSEE"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^(\d{5}|2[AB]\d{3})$", _("Un code INSEE compte 5 caractères."))],
        help_text=_("Code officiel géographique de la commune (COG), par exemple 93048 pour Montreuil."),
    )
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant d'URL"), max_length=100, unique=True)
    postal_codes = models.JSONField(
        _("codes postaux"),
        default=list,
        help_text=_("Codes postaux de distribution de la commune (hors CEDEX)."),
    )
    department_code = models.CharField(_("département"), max_length=3, default="93")
    in_territory = models.BooleanField(
        _("membre d'Est Ensemble"), default=False, help_text=_("Commune membre du territoire.")
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        for code in self.postal_codes or []:
            validators.validate_postal_code(code)


class Neighbourhood(models.Model):
    class NpnruStatus(models.TextChoices):
        NATIONAL = "national", _("NPNRU d'intérêt national")
        REGIONAL = "regional", _("NPNRU d'intérêt régional")
        UNSPECIFIED = "unspecified", _("NPNRU, intérêt non précisé")
        NONE = "none", _("hors NPNRU")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    code = models.CharField(
        _("code QPV"),
        max_length=12,
        blank=True,
        help_text=_("Code officiel du quartier prioritaire (QN093…), laissé vide s'il n'est pas connu."),
    )
    communes = models.ManyToManyField(Commune, related_name="neighbourhoods", verbose_name=_("communes"))
    npnru_status = models.CharField(
        _("statut NPNRU"), max_length=12, choices=NpnruStatus.choices, default=NpnruStatus.NONE
    )
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("quartier prioritaire")
        verbose_name_plural = _("quartiers prioritaires")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="neighbourhood_code_unique"),
            text_length_constraint("neighbourhood_text_lengths", description=TEXT_MAX_LENGTH),
        ]

    def __str__(self):
        return self.name


class Sector(models.Model):
    """A sector of activity, on two levels (e.g. « Alimentation » › « Épicerie solidaire »)."""

    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant d'URL"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("secteur parent"),
        limit_choices_to={"parent__isnull": True},
    )
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("secteur")
        verbose_name_plural = _("secteurs")
        ordering = ["position", "name"]
        constraints = [text_length_constraint("sector_text_lengths", description=TEXT_MAX_LENGTH)]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("Un secteur ne peut pas être son propre parent.")})
            if self.parent.parent_id:
                raise ValidationError(
                    {"parent": _("La nomenclature a deux niveaux : choisissez un secteur principal.")}
                )


class Label(models.Model):
    class Kind(models.TextChoices):
        APPROVAL = "approval", _("agrément")
        WORK_INTEGRATION = "work_integration", _("structure d'insertion (SIAE)")
        PLACE = "place", _("lieu")
        AWARD = "award", _("prix et distinction")
        OTHER = "other", _("autre")

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant d'URL"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    url = models.URLField(_("lien"), blank=True)

    class Meta:
        verbose_name = _("label ou agrément")
        verbose_name_plural = _("labels et agréments")
        ordering = ["name"]
        constraints = [text_length_constraint("label_text_lengths", description=TEXT_MAX_LENGTH)]

    def __str__(self):
        return self.name


class Role(models.Model):
    """A role in the ecosystem (ESS structure, funder, network…); an actor may have several."""

    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant d'URL"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("rôle dans l'écosystème")
        verbose_name_plural = _("rôles dans l'écosystème")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Stage(models.Model):
    """A stage of an enterprise's life (emergence → scaling up), used by support offers."""

    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant d'URL"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("étape de développement")
        verbose_name_plural = _("étapes de développement")
        ordering = ["position"]
        constraints = [text_length_constraint("stage_text_lengths", description=TEXT_MAX_LENGTH)]

    def __str__(self):
        return self.name


class SearchSynonym(models.Model):
    """A group of equivalent terms for the directory's search (« recyclerie, ressourcerie »).

    A query naming one term finds what the others name (a sector, a label…) and the texts using them.
    """

    terms = text_field(
        _("termes équivalents"),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Termes considérés comme équivalents par la recherche, séparés par des virgules "
            "(par exemple : recyclerie, ressourcerie). Accents et majuscules sont ignorés."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Pourquoi ces termes vont ensemble."))

    class Meta:
        verbose_name = _("synonymes de recherche")
        verbose_name_plural = _("synonymes de recherche")
        ordering = ["terms"]
        constraints = [text_length_constraint("searchsynonym_text_lengths", terms=TEXT_MAX_LENGTH)]

    def __str__(self):
        return ", ".join(search_plan.split_terms(self.terms))

    def clean(self):
        if len({search_plan.phrase_key(term) for term in search_plan.split_terms(self.terms)} - {()}) < 2:
            raise ValidationError({"terms": _("Indiquez au moins deux termes différents, séparés par des virgules.")})


# ---------------------------------------------------------------------------
# Actors


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    PENDING = "pending", _("à valider")
    PUBLISHED = "published", _("publié")
    ARCHIVED = "archived", _("archivé")


class Typology(models.TextChoices):
    """The audit's two kinds of ESS actors."""

    ENTREPRENEURIAL = "entrepreneurial", _("entrepreneuriale, modèle économique robuste")
    MILITANT = "militant", _("militante et ancrée localement, modèle économique fragile")
    UNDETERMINED = "undetermined", _("non déterminée")


class Presence(models.TextChoices):
    """How an actor is on the territory: it decides what its listing needs before publication."""

    LOCATED = "located", _("implantée sur le territoire")
    PARTNER = "partner", _("partenaire intervenant sur le territoire")


class ImmutableUnaccent(models.Func):
    """`directory_unaccent()`: PostgreSQL's unaccent wrapped as IMMUTABLE so that indexes may use it."""

    function = "directory_unaccent"
    output_field = models.TextField()


class ActorSearchName(models.Func):
    """`directory_search_key(name_words)` (migration 0021): the name's words, then the same words joined.

    « Inser'Eco 93 » → « inser eco 93 insereco93 »: trigram word similarity finds a word of the name
    with a typo, and a query that joins the name's words (« insereco »). A GIN trigram index covers it;
    it reads the stored `name_words`, so that no row is unaccented at query time.
    """

    function = "directory_search_key"
    output_field = models.TextField()

    def __init__(self, **extra):
        super().__init__(models.F("name_words"), **extra)


class ActorJoinedName(models.Func):
    """The name's letters and digits only (« insereco93 »): the rank's name bonus."""

    function = "REPLACE"
    output_field = models.TextField()

    def __init__(self, **extra):
        super().__init__(models.F("name_words"), models.Value(" "), models.Value(""), **extra)


class ActorSearchVector(models.Expression):
    """The `search_vector` column that PostgreSQL keeps on the actor table (trigger of migration 0005).

    It is not a model field, so that SQLite and Django's writes never see it; this expression
    names it on whichever alias the actor table has in the query being compiled.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name('search_vector')}", []


class ActorQuerySet(models.QuerySet):
    # A costly search's first results, kept per data version (`directory.search.KeptRanking`).
    _kept_ranking = None

    def _clone(self):
        clone = super()._clone()
        clone._kept_ranking = self._kept_ranking
        return clone

    def _fetch_all(self):
        if self._result_cache is None and self._kept_ranking is not None:
            rows = self._kept_ranking.window(self)
            if rows is not None:
                self._result_cache = rows
                self._prefetch_done = True
        super()._fetch_all()

    def published(self):
        """What the public may see: the one visibility rule of pages, API, sitemap and exports."""
        return self.filter(status=PublicationStatus.PUBLISHED)

    def withdrawn_since(self, since):
        """Actors once public, no longer published (archived, back to draft or pending, merged), changed since `since`.

        « Once public »: a publication date, or a published row in the history (records published
        before the date was kept). The incremental sync reports them as tombstones.
        """
        was_published = models.Exists(
            self.model.history.filter(id=models.OuterRef("pk"), status=PublicationStatus.PUBLISHED)
        )
        return (
            self.exclude(status=PublicationStatus.PUBLISHED)
            .filter(updated_at__gte=since)
            .filter(Q(published_at__isnull=False) | was_published)
        )

    def with_siret(self, value: str):
        """Actors matching a SIRET, or every establishment of a SIREN."""
        compact = validators.digits_only(value)
        if len(compact) == 14:
            return self.filter(siret=compact)
        if len(compact) == 9:
            return self.filter(siren=compact)
        return self.none()

    def search(self, text: str):
        """Actors matching a free-text query, best matches first (or a SIRET/SIREN typed in the search box).

        The query is planned against the directory's vocabulary (`directory.search_plan.plan_query`): words
        naming a sector, label, commune or neighbourhood (or one of their synonyms) also find the actors
        linked to it. Tolerates accents, case, plurals, partial words and small typos. On PostgreSQL it
        uses the stored French full-text vector (kept by a trigger, see migration 0005) and trigram word
        similarity on the unaccented name, both index-backed; elsewhere it matches word starts in the
        normalised `search_text` column and compares names with a small edit tolerance in Python. Both
        rank with the same integer points (`directory.search.POINTS_*`), in `search_rank`.
        """
        text = (text or "").strip()[:SEARCH_MAX_LENGTH]
        if not text:
            return self
        compact = validators.digits_only(text)
        if compact.isdigit() and len(compact) in (9, 14):
            return self.with_siret(compact)
        words = search_words(text)
        if not words:
            return self.none()
        terms = search_plan.plan_query(words)
        if connections[self.db].vendor == "postgresql":
            return self._search_postgres(words, terms)
        return self._search_fallback(words, terms)

    def _named_relations(self, term: search_plan.Term) -> Q | None:
        """Actors in what `term` names (sectors, labels, communes, neighbourhoods), or None."""
        through = {"sector": self.model.sectors.through, "label": self.model.labels.through}
        fields = {"commune": "commune_id", "neighbourhood": "neighbourhood_id", "legal_form": "legal_form"}
        conditions = []
        for relation, ids in sorted(term.targets.items()):
            if relation in through:
                links = through[relation].objects.filter(**{f"{relation}_id__in": sorted(ids)})
                conditions.append(Q(pk__in=links.values("actor_id")))
            else:
                conditions.append(Q(**{f"{fields[relation]}__in": sorted(ids)}))
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined

    @staticmethod
    def _points(condition: Q, points: int) -> models.Case:
        return models.Case(
            models.When(condition, then=models.Value(points)),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )

    def common_words(self, words: set[str]) -> frozenset[str]:
        """The words that begin a word of at least `TYPO_FREE_MATCHES` actors' searched text (one query).

        Kept per data version (`ess_portal.response_cache.remembered`). On SQLite, the normalised
        `search_text`; on PostgreSQL, the full-text vector (index-backed, each count capped).
        """
        from ess_portal.response_cache import remembered

        words = sorted(word for word in words if len(word) >= 2)
        if not words:
            return frozenset()
        limit = search_plan.TYPO_FREE_MATCHES
        model = self.model
        postgres = connections[self.db].vendor == "postgresql"

        def candidates(word):
            if postgres:
                from django.contrib.postgres.search import SearchQuery

                return model.objects.alias(search_vector=ActorSearchVector()).filter(
                    search_vector=SearchQuery(f"{word}:*", search_type="raw", config="simple")
                )
            return model.objects.filter(
                Contains(Concat(models.Value(" "), "search_text", output_field=models.TextField()), f" {word}")
            )

        def compute():
            selects, params = [], []
            for index, word in enumerate(words):
                sql, word_params = candidates(word).order_by().values("pk")[:limit].query.sql_with_params()
                selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{index})")
                params.extend(word_params)
            with connections[self.db].cursor() as cursor:
                cursor.execute("SELECT " + ", ".join(selects), params)
                counts = cursor.fetchone()
            return frozenset(word for word, count in zip(words, counts, strict=True) if count >= limit)

        return remembered("common-words", (self.db, words), compute, self.db)

    def _search_postgres(self, words: list[str], terms: list[search_plan.Term]):
        from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity

        def text_match(word: str) -> SearchQuery:
            # The French stem, or the word as a prefix of any word (« jardi » finds « jardins »).
            return SearchQuery(word, config="french") | SearchQuery(f"{word}:*", search_type="raw", config="simple")

        def words_match(sequence, condition) -> Q:
            match = Q()
            for word in sequence:
                match &= condition(word)
            return match

        name_words = Concat(models.Value(" "), "name_words", output_field=models.TextField())
        # A word found as it is typed in very many records is not a typo: it is matched as it is, and the
        # costly similarity of names (computed on each candidate row) is left out for it.
        common = self.common_words({word for term in terms for variant in term.text_variants for word in variant})
        # Words typed together (« insereco ») are a name's words joined, unless they name something.
        joined_words = len(words) > 1 and not any(term.targets for term in terms)
        match = Q()
        rank = []
        for term in terms:
            text = Q()
            for variant in term.text_variants:
                text |= words_match(
                    variant,
                    lambda w: (
                        Q(search_vector=text_match(w))
                        if w in common
                        else Q(search_vector=text_match(w)) | Q(search_name__trigram_word_similar=w)
                    ),
                )
            named = self._named_relations(term)
            match &= text | named if named is not None else text
            in_name = words_match(term.words, lambda w: Q(Contains(name_words, f" {w}")))
            # The words typed count more than their synonyms: the summary points are theirs only.
            in_summary = words_match(
                term.words, lambda w: Q(search_vector=SearchQuery(f"{w}:*AB", search_type="raw", config="simple"))
            )
            in_text = Q()
            for variant in term.text_variants:
                in_text |= words_match(variant, lambda w: Q(search_vector=text_match(w)))
            # A term of common words only, naming nothing, is in the text of every actor the search keeps
            # (unless the words joined may match a name instead): its points are a constant, not a second
            # reading of each kept row's full-text vector.
            in_every_match = (
                not joined_words and named is None and all(w in common for v in term.text_variants for w in v)
            )
            rank += [
                self._points(in_name, search_plan.POINTS_WORD_IN_NAME),
                self._points(in_summary, search_plan.POINTS_WORD_IN_SUMMARY),
                models.Value(search_plan.POINTS_WORD_IN_TEXT, output_field=models.IntegerField())
                if in_every_match
                else self._points(in_text, search_plan.POINTS_WORD_IN_TEXT),
            ]
            if named is not None:
                rank.append(self._points(named, search_plan.POINTS_NAMED_RELATION))

        def close_in_name(word: str) -> Q:
            if word in common:
                return Q(Contains(name_words, f" {word}"))
            # A word of the name within a typo: the index-backed similarity, or a looser one for a name
            # word with the same first letters (« epicrie » is « epicerie »; « reemploi » is not « emploi »).
            # A name word that begins with the word is similar enough already (from two letters on, its
            # word similarity is at least 2/3): that cheap test comes first and spares the others.
            looser = Q(Contains(name_words, f" {word[:2]}")) & Q(
                GreaterThanOrEqual(TrigramWordSimilarity(word, "search_name"), 0.5)
            )
            similar = Q(search_name__trigram_word_similar=word) | looser
            return Q(Contains(name_words, f" {word}")) | similar if len(word) >= 2 else similar

        joined = "".join(words)
        typo = words_match(words, close_in_name)
        if joined_words:
            typo |= Q(search_name__trigram_word_similar=joined)
            match |= Q(search_name__trigram_word_similar=joined)
        joined_name = ActorJoinedName()
        rank += [
            self._points(typo, search_plan.POINTS_NAME_TYPO),
            models.Case(
                models.When(Q(Exact(joined_name, joined)), then=models.Value(search_plan.POINTS_NAME_EXACT)),
                models.When(Q(StartsWith(joined_name, joined)), then=models.Value(search_plan.POINTS_NAME_START)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            ),
        ]
        found = (
            self.alias(search_vector=ActorSearchVector(), search_name=ActorSearchName())
            .filter(match)
            .annotate(search_rank=sum(rank[1:], rank[0]))
            .order_by(*search_plan.SEARCH_ORDERING)
        )
        if set(words) <= common:  # very many matches: their first results are kept for the data version
            with contextlib.suppress(EmptyResultSet):
                found._kept_ranking = search_plan.KeptRanking(found._chain(), found.query.sql_with_params())
        return found

    def _search_fallback(self, words: list[str], terms: list[search_plan.Term]):
        """The search without PostgreSQL's indexes: word starts in SQL, typos in names over a bounded set.

        Every prefix match is a LIKE on the stored normalised columns (`search_text`, `name_words`) or on
        the normalised summary (`directory_normalize()`, `directory.search.register_sqlite_functions`).
        Names are compared with typos in Python only for the names that may hold a close word and do not
        begin one with the query word (`directory.search.typo_candidates`, at most `TYPO_CANDIDATES_MAX`
        per query word), and not at all for a word typed in very many records (`common_words`).
        """
        name_words = search_plan.spaced("name_words")
        searched = search_plan.spaced("search_text")
        summary = Concat(
            models.Value(" "),
            search_plan.NormalizedText(
                Concat(
                    "name",
                    models.Value(" "),
                    "short_description",
                    models.Value(" "),
                    "offer",
                    output_field=models.TextField(),
                )
            ),
            output_field=models.TextField(),
        )

        def all_words(sequence, condition) -> Q:
            match = Q()
            for word in sequence:
                match &= condition(word)
            return match

        common = self.common_words({word for term in terms for variant in term.text_variants for word in variant})

        def candidates(condition: Q) -> list[tuple[int, list[str]]]:
            rows = self.filter(condition).order_by("pk").values_list("pk", "name_words")
            return [(pk, stored.split()) for pk, stored in rows[: search_plan.TYPO_CANDIDATES_MAX]]

        close_ids: dict[str, list[int]] = {}

        def close_in_name(word: str) -> Q:
            """`word_in_name(word, …)`: a name word begins with it (SQL), or a candidate name is close (Python)."""
            in_name = search_plan.starts_a_word(name_words, word)
            if word in common:
                return in_name
            if word not in close_ids:
                rows = candidates(search_plan.typo_candidates(name_words, word) & ~in_name)
                close_ids[word] = [pk for pk, stored in rows if word_in_name(word, stored)]
            return in_name | Q(pk__in=close_ids[word])

        match = Q()
        rank = []
        for term in terms:
            text = all_words(term.words, lambda w: search_plan.starts_a_word(searched, w) | close_in_name(w))
            in_text = Q()
            for variant in term.text_variants:
                in_text |= all_words(variant, lambda w: search_plan.starts_a_word(searched, w))
            text |= in_text
            named = self._named_relations(term)
            match &= text | named if named is not None else text
            in_name = all_words(term.words, lambda w: search_plan.starts_a_word(name_words, w))
            in_summary = all_words(term.words, lambda w: search_plan.starts_a_word(summary, w))
            rank += [
                self._points(in_name, search_plan.POINTS_WORD_IN_NAME),
                self._points(in_summary, search_plan.POINTS_WORD_IN_SUMMARY),
                self._points(in_text, search_plan.POINTS_WORD_IN_TEXT),
            ]
            if named is not None:
                rank.append(self._points(named, search_plan.POINTS_NAMED_RELATION))
        # The name within typos (`names_match_with_typos`): each word is in the name, or the words joined are.
        joined = not any(term.targets for term in terms)
        typo = all_words(words, close_in_name)
        if joined and len(words) > 1:
            typo |= close_in_name("".join(words))
        joined_query, joined_name = "".join(words), ActorJoinedName()
        rank += [
            self._points(typo, search_plan.POINTS_NAME_TYPO),
            models.Case(
                models.When(
                    typo & Q(Exact(joined_name, joined_query)), then=models.Value(search_plan.POINTS_NAME_EXACT)
                ),
                models.When(
                    typo & Q(StartsWith(joined_name, joined_query)), then=models.Value(search_plan.POINTS_NAME_START)
                ),
                default=models.Value(0),
                output_field=models.IntegerField(),
            ),
        ]
        return (
            self.filter(match | typo)
            .annotate(search_rank=sum(rank[1:], rank[0]))
            .order_by("-search_rank", "name", "pk")
        )

    def for_list(self):
        """What a list row shows, without a query per row."""
        return self.select_related("commune", "neighbourhood").prefetch_related("sectors")


class Actor(models.Model):
    class LegalForm(models.TextChoices):
        ASSOCIATION = "association", _("association")
        SCOP = "scop", _("SCOP")
        SCIC = "scic", _("SCIC")
        CAE = "cae", _("coopérative d'activité et d'emploi (CAE)")
        COOPERATIVE = "cooperative", _("autre coopérative")
        MUTUAL = "mutual", _("mutuelle")
        FOUNDATION = "foundation", _("fondation")
        ESS_COMPANY = "ess_company", _("société commerciale de l'ESS")
        PUBLIC_BODY = "public_body", _("personne publique")
        OTHER = "other", _("autre")

    class EssStatus(models.TextChoices):
        STATUTORY = "statutory", _("ESS de statut")
        ESUS = "esus", _("agréée ESUS")
        PARTNER = "partner", _("partenaire hors ESS")
        # Records seeded from public sources that do not state it: staff complete it later.
        UNKNOWN = "unknown", _("non renseigné")

    class Source(models.TextChoices):
        STAFF = "staff", _("saisie par l'équipe")
        REFERENCE = "reference", _("données de référence")
        IMPORT = "import", _("import")
        PARTNER_API = "api", _("API partenaire")
        CONTRIBUTION = "contribution", _("contribution publique")
        DEMO = "demo", _("démonstration (fictif)")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validators.validate_siret],
        help_text=_("14 chiffres, sans espaces. Unique dans l'annuaire."),
    )
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        validators=[validators.validate_siren],
        help_text=_("Déduit du SIRET quand il est connu ; à saisir seul sinon."),
    )
    rna = models.CharField(
        _("numéro RNA"),
        max_length=10,
        blank=True,
        validators=[validators.validate_rna],
        help_text=_("Associations : W suivi de 9 chiffres."),
    )
    legal_form = models.CharField(_("forme juridique"), max_length=20, choices=LegalForm.choices)
    ess_status = models.CharField(
        _("statut ESS"), max_length=20, choices=EssStatus.choices, default=EssStatus.STATUTORY
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="actors", verbose_name=_("rôles"))
    typology = models.CharField(
        _("typologie"),
        max_length=20,
        choices=Typology.choices,
        default=Typology.UNDETERMINED,
        help_text=_("Les deux profils d'acteurs relevés par le diagnostic de la stratégie ESS."),
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="actors", verbose_name=_("secteurs"))
    labels = models.ManyToManyField(Label, blank=True, related_name="actors", verbose_name=_("labels et agréments"))

    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[validators.validate_postal_code]
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="actors", verbose_name=_("commune")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
        verbose_name=_("quartier prioritaire"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    serves_whole_territory = models.BooleanField(
        _("intervient sur tout le territoire"), default=False, help_text=_("Sinon, précisez les communes servies.")
    )
    communes_served = models.ManyToManyField(
        Commune, blank=True, related_name="actors_serving", verbose_name=_("communes d'intervention")
    )

    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(_("e-mail public"), blank=True)
    phone = models.CharField(_("téléphone public"), max_length=20, blank=True, validators=[validators.validate_phone])
    short_description = models.CharField(
        _("description courte"), max_length=280, blank=True, help_text=_("Une ou deux phrases, affichées en liste.")
    )
    description = text_field(_("description"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    offer = text_field(
        _("produits et services proposés"),
        max_length=LONG_TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Ce que l'acteur vend ou propose (acheteurs publics et privés y cherchent des fournisseurs)."),
    )
    employees = models.PositiveIntegerField(_("salariés"), null=True, blank=True)
    fte = models.DecimalField(
        _("équivalents temps plein"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    volunteers = models.PositiveIntegerField(_("bénévoles"), null=True, blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("année de création"), null=True, blank=True, validators=[MinValueValidator(1800)]
    )
    opening_hours = models.CharField(
        _("horaires d'ouverture"),
        max_length=255,
        blank=True,
        validators=[validators.validate_opening_hours],
        help_text=_("Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-18:00; Sa 10:00-12:00 »."),
    )

    presence = models.CharField(
        _("présence"),
        max_length=10,
        choices=Presence.choices,
        default=Presence.LOCATED,
        help_text=_(
            "Une structure implantée se publie avec sa commune ; un partenaire qui intervient sur le territoire "
            "sans y être implanté se publie avec la source de ce que la fiche en dit."
        ),
    )
    status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    source_id = models.CharField(_("identifiant dans la source"), max_length=100, blank=True)
    source_reference = models.CharField(
        _("référence de la source"),
        max_length=300,
        blank=True,
        help_text=_("D'où viennent les informations publiées, par exemple un document public et son titre."),
    )
    source_date = models.DateField(_("date de la source"), null=True, blank=True)
    to_complete = models.BooleanField(
        _("fiche à compléter"),
        default=False,
        help_text=_("Affiché au public : la fiche ne dit que ce que sa source établit et attend d'être complétée."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_actors",
        verbose_name=_("fusionné dans"),
        help_text=_("Fiche en double archivée : son adresse publique mène à celle-ci."),
    )
    is_fictional = models.BooleanField(
        _("fictif"), default=False, help_text=_("Fiche de démonstration : n'existe pas dans la réalité.")
    )
    last_verified_at = models.DateField(_("dernière vérification"), null=True, blank=True)
    completeness = models.PositiveSmallIntegerField(
        _("complétude"),
        default=0,
        editable=False,
        help_text=_(
            "Part (sur 100) des informations utiles au public et à data·inclusion, calculée à l'enregistrement."
        ),
    )
    search_text = models.TextField(
        _("texte de recherche"),
        blank=True,
        editable=False,
        # No maximum of its own: it is made from bounded fields and never typed.
        help_text=_("Nom, descriptions et offre sans accents ni majuscules, tenu à jour à l'enregistrement."),
    )
    name_words = models.TextField(
        _("mots du nom"),
        blank=True,
        editable=False,
        help_text=_("Le nom sans accents, majuscules ni ponctuation, tenu à jour à l'enregistrement (recherche)."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)
    published_at = models.DateTimeField(
        _("publié le"),
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("Première publication de la fiche (le flux des nouveaux acteurs suit cette date)."),
    )

    history = HistoricalRecords(
        m2m_fields=[sectors, labels, roles],
        excluded_fields=["search_text", "name_words"],
        verbose_name=_("historique de l'acteur"),
        bases=[ProvenanceHistoricalModel],
    )

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("acteur")
        verbose_name_plural = _("acteurs")
        ordering = ["name", "pk"]
        # Publishing (and archiving: what the public sees) is the moderators' decision.
        permissions = [("publish_actor", _("Peut publier ou archiver un acteur"))]
        constraints = [
            text_length_constraint("actor_text_lengths", description=LONG_TEXT_MAX_LENGTH, offer=LONG_TEXT_MAX_LENGTH),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="actor_siret_unique",
                # Code "unique" puts the message on the SIRET field of forms (see Model.validate_constraints).
                violation_error_code="unique",
                violation_error_message=_("Un acteur avec ce SIRET existe déjà dans l'annuaire."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="actor_coordinates_pair",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="actor_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="actor_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__startswith=models.F("siren")), name="actor_siren_from_siret"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="actor_status_name_idx"),
            models.Index(fields=["siren"], name="actor_siren_idx"),
            # The directory's facet counts and the lists' subqueries read the published actors' ids and
            # single-valued facets from this index alone (PostgreSQL; elsewhere an index on status).
            models.Index(
                fields=["status"],
                include=["id", "commune", "neighbourhood", "legal_form", "typology"],
                name="actor_facets_idx",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalise()
        if not self.slug:
            self.slug = unique_slug(Actor, self.name, exclude_pk=self.pk)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "completeness", "published_at"}
            if set(update_fields) & SEARCHED_FIELDS:
                kwargs["update_fields"].add("search_text")
            if "name" in update_fields:
                kwargs["update_fields"].add("name_words")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:actor_detail", kwargs={"slug": self.slug})

    @property
    def public_ess_status(self) -> str:
        """The ESS status in the public's words (the admin's labels are the field's shorthand), or ""."""
        return {
            self.EssStatus.STATUTORY: _("structure de l'ESS par son statut juridique"),
            self.EssStatus.ESUS: _("entreprise solidaire d'utilité sociale (agrément ESUS)"),
            self.EssStatus.PARTNER: _("partenaire, hors ESS"),
        }.get(self.ess_status, "")

    def normalise(self) -> None:
        """Tidy this row only: compact identifiers, derived SIREN, phone, search text, completeness.

        `save()` calls it (and gives a unique slug); bulk writers, which bypass `save()`, call it too.
        """
        self.siret = validators.digits_only(self.siret)
        self.siren = self.siret[:9] if len(self.siret) == 14 else validators.digits_only(self.siren)
        self.rna = (self.rna or "").strip().upper()
        if self.phone:
            # full_clean() reports a bad number; save() only tidies valid ones.
            with contextlib.suppress(ValidationError):
                self.phone = validators.normalize_phone(self.phone)
        self.search_text = self.build_search_text()
        self.name_words = normalize_search_text(self.name)
        self.completeness = quality.completeness(self)
        if self.status == PublicationStatus.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def clean_fields(self, exclude=None):
        # Identifiers are often typed as printed (« 123 456 782 00010 »): compact them before the length checks.
        self.siret = validators.digits_only(self.siret)
        self.siren = validators.digits_only(self.siren)
        self.rna = (self.rna or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self):
        self.siret = validators.digits_only(self.siret)
        errors = {}
        if self.siret and self.siren and not self.siret.startswith(self.siren):
            errors["siren"] = _("Le SIREN doit être les 9 premiers chiffres du SIRET.")
        try:
            validators.validate_postal_code_in_commune(self.postal_code, self.commune if self.commune_id else None)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            validators.validate_coordinates(self.latitude, self.longitude)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            validators.validate_neighbourhood_in_commune(
                self.neighbourhood if self.neighbourhood_id else None, self.commune if self.commune_id else None
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.founded_year and self.founded_year > timezone.now().year:
            errors["founded_year"] = _("L'année de création ne peut pas être dans le futur.")
        if self.rna and self.legal_form and self.legal_form != self.LegalForm.ASSOCIATION:
            errors["rna"] = _("Seules les associations ont un numéro RNA.")
        if self.status == PublicationStatus.PUBLISHED:
            problems = self.publication_problems()
            if problems:
                errors["status"] = problems
        if errors:
            raise ValidationError(errors)

    def build_search_text(self) -> str:
        """This row's searchable words, normalised (the SQLite search matches them)."""
        parts = (getattr(self, field) for field in SEARCHED_FIELDS_ORDER)
        return " ".join(normalize_search_text(part) for part in parts if part)

    def publication_problems(self) -> list[str]:
        """What is missing before this actor may be shown to the public (empty when ready)."""
        problems = []
        if self.merged_into_id:
            problems.append(_("Une fiche fusionnée dans une autre ne peut pas être publiée."))
        if not self.short_description and not self.description:
            problems.append(_("Une description est nécessaire pour publier la fiche."))
        if self.presence == Presence.PARTNER:
            # A partner working across the territory has no address here: what is said of it must be sourced.
            if not self.source_reference:
                problems.append(_("Indiquez la source des informations d'un partenaire pour publier sa fiche."))
        elif not self.commune_id and not self.serves_whole_territory:
            problems.append(_("Indiquez la commune ou cochez « intervient sur tout le territoire » pour publier."))
        return problems

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ContactQuerySet(models.QuerySet):
    def public(self):
        """Contacts that may be shown: flagged public and with a recorded consent."""
        return self.filter(is_public=True, consent_date__isnull=False)


class Contact(models.Model):
    """A person at an actor. Personal data: shown publicly only with a dated consent."""

    actor = models.ForeignKey(
        # Owned by the actor: contacts go with it (actors are archived, rarely deleted).
        Actor,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("acteur"),
    )
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True, validators=[validators.validate_phone])
    is_public = models.BooleanField(_("affiché publiquement"), default=False)
    consent_date = models.DateField(
        _("date du consentement"),
        null=True,
        blank=True,
        help_text=_("Obligatoire pour un affichage public (RGPD)."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    # Personal data, but staff-only: who changed or removed a contact is part of the record, and a
    # contact deleted with its actor comes back with it (`directory.history.restore_batch`).
    history = HistoricalRecords(verbose_name=_("historique du contact"), bases=[ProvenanceHistoricalModel])

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(consent_date__isnull=False), name="contact_public_needs_consent"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        if self.phone:
            with contextlib.suppress(ValidationError):
                self.phone = validators.normalize_phone(self.phone)
        super().save(*args, **kwargs)

    def clean(self):
        if self.is_public and not self.consent_date:
            raise ValidationError(
                {"consent_date": _("Un contact ne peut être affiché publiquement sans la date de son consentement.")}
            )
        if self.consent_date and self.consent_date > timezone.localdate():
            raise ValidationError({"consent_date": _("La date du consentement ne peut pas être dans le futur.")})


class SupportOfferQuerySet(models.QuerySet):
    def published(self):
        """Offers the public may see: published, from a published provider."""
        return self.filter(status=PublicationStatus.PUBLISHED, provider__status=PublicationStatus.PUBLISHED)

    def withdrawn_since(self, since):
        """Offers once public (a published row in their history) that are no longer, changed since `since`.

        An offer is withdrawn with its provider too: the provider's change counts.
        """
        was_published = models.Exists(
            self.model.history.filter(id=models.OuterRef("pk"), status=PublicationStatus.PUBLISHED)
        )
        published = self.model.objects.published().values("pk")
        return (
            self.exclude(pk__in=published)
            .filter(Q(updated_at__gte=since) | Q(provider__updated_at__gte=since))
            .filter(was_published)
        )

    def for_commune(self, commune):
        """Offers available in a commune: those covering the whole territory or naming it."""
        return self.filter(Q(whole_territory=True) | Q(communes=commune)).distinct()


class SupportOffer(models.Model):
    class Kind(models.TextChoices):
        COACHING = "coaching", _("accompagnement")
        GRANT = "grant", _("subvention")
        LOAN = "loan", _("prêt")
        GUARANTEE = "guarantee", _("garantie")
        EQUITY = "equity", _("fonds propres")
        PREMISES = "premises", _("locaux")
        TRAINING = "training", _("formation")
        NETWORKING = "networking", _("mise en réseau")
        PUBLIC_PURCHASING = "public_purchasing", _("commande publique")

    class TargetTypology(models.TextChoices):
        ALL = "all", _("tous les acteurs")
        ENTREPRENEURIAL = Typology.ENTREPRENEURIAL.value, Typology.ENTREPRENEURIAL.label
        MILITANT = Typology.MILITANT.value, Typology.MILITANT.label

    class Cost(models.TextChoices):
        FREE = "free", _("gratuit")
        PAID = "paid", _("payant")
        MIXED = "mixed", _("gratuit ou payant selon les cas")

    provider = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="support_offers", verbose_name=_("structure qui propose")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True, blank=True)
    kind = models.CharField(_("type d'appui"), max_length=20, choices=Kind.choices)
    stages = models.ManyToManyField(Stage, related_name="support_offers", verbose_name=_("étapes visées"))
    target_typology = models.CharField(
        _("acteurs visés"), max_length=20, choices=TargetTypology.choices, default=TargetTypology.ALL
    )
    sectors = models.ManyToManyField(
        Sector,
        blank=True,
        related_name="support_offers",
        verbose_name=_("secteurs visés"),
        help_text=_("Laisser vide si l'offre est ouverte à tous les secteurs."),
    )
    whole_territory = models.BooleanField(_("tout le territoire"), default=True)
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="support_offers", verbose_name=_("communes couvertes")
    )
    description = text_field(_("description"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    eligibility = text_field(_("conditions d'accès"), max_length=TEXT_MAX_LENGTH, blank=True)
    cost = models.CharField(_("coût"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    url = models.URLField(_("lien"), blank=True)
    status = models.CharField(
        _("état de publication"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    is_fictional = models.BooleanField(_("fictif"), default=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    history = HistoricalRecords(
        m2m_fields=[stages], verbose_name=_("historique de l'offre"), bases=[ProvenanceHistoricalModel]
    )

    objects = SupportOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offre d'accompagnement")
        verbose_name_plural = _("offres d'accompagnement")
        ordering = ["title", "pk"]
        permissions = [("publish_supportoffer", _("Peut publier ou archiver une offre d'accompagnement"))]
        constraints = [
            text_length_constraint(
                "supportoffer_text_lengths", description=LONG_TEXT_MAX_LENGTH, eligibility=TEXT_MAX_LENGTH
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(SupportOffer, self.title, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        """The title without a trailing « — provider name », which the page shows next to it anyway."""
        for separator in (" — ", " - ", " – "):
            stem, found, tail = self.title.rpartition(separator)
            if found and stem and normalize_search_text(tail) == normalize_search_text(self.provider.name):
                return stem
        return self.title


class CooperationQuerySet(models.QuerySet):
    def published(self):
        """Links the public may see: both ends published (the rule of `Actor.objects.published()`).

        Joined rather than `source__in=<published actors>`: SQLite would then look every pair of
        published actors up in the (source, target, kind) index, hundreds of millions at 20,000 actors.
        """
        return self.filter(source__status=PublicationStatus.PUBLISHED, target__status=PublicationStatus.PUBLISHED)


class Cooperation(models.Model):
    class Kind(models.TextChoices):
        PARTNERSHIP = "partnership", _("partenariat")
        MEMBERSHIP = "membership", _("adhésion à un réseau")
        SUPPLY = "supply", _("relation fournisseur / client")
        SHARED_PROJECT = "shared_project", _("projet commun")
        POOLING = "pooling", _("mutualisation de moyens")

    source = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="cooperations_out", verbose_name=_("acteur")
    )
    target = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="cooperations_in", verbose_name=_("coopère avec")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    is_formal = models.BooleanField(
        _("formalisée"), default=False, help_text=_("Convention, contrat ou adhésion écrite ; sinon informelle.")
    )
    since = models.DateField(_("depuis"), null=True, blank=True)
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historique de la coopération"), bases=[ProvenanceHistoricalModel])

    objects = CooperationQuerySet.as_manager()

    class Meta:
        verbose_name = _("coopération")
        verbose_name_plural = _("coopérations")
        ordering = ["source__name", "target__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="cooperation_distinct_actors"),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="cooperation_unique"),
            text_length_constraint("cooperation_text_lengths", description=TEXT_MAX_LENGTH),
        ]

    def __str__(self):
        return f"{self.source} ↔ {self.target} ({self.get_kind_display()})"

    def clean(self):
        if self.source_id and self.source_id == self.target_id:
            raise ValidationError({"target": _("Un acteur ne peut pas coopérer avec lui-même.")})
        if self.since and self.since > timezone.localdate():
            raise ValidationError({"since": _("La date de début ne peut pas être dans le futur.")})


# The deals ledger: above this, an amount is a typo (an extra zero or two), not a deal of the territory.
DEAL_MAX_AMOUNT = 100_000_000
# The first year the ledger records.
DEAL_FIRST_YEAR = 2000


class DealProgramme(models.Model):
    """An event or programme deals are made in (« Impact 2024 », a buyers' meeting…), edited by staff."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=160, unique=True)
    year = models.PositiveSmallIntegerField(
        _("année"),
        null=True,
        blank=True,
        validators=[MinValueValidator(DEAL_FIRST_YEAR)],
        help_text=_("Année de l'édition, s'il y en a une."),
    )
    description = text_field(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    is_fictional = models.BooleanField(_("fictif"), default=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historique du programme"), bases=[ProvenanceHistoricalModel])

    class Meta:
        verbose_name = _("programme ou événement")
        verbose_name_plural = _("programmes et événements")
        ordering = ["name", "pk"]
        constraints = [text_length_constraint("dealprogramme_text_lengths", description=TEXT_MAX_LENGTH)]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = base_slug(self.name, max_length=160)
        super().save(*args, **kwargs)


class DealQuerySet(models.QuerySet):
    def published(self):
        """Deals the public may see: those whose ESS actor is published (the one visibility rule)."""
        return self.filter(ess_actor__in=Actor.objects.published())

    def for_list(self):
        """What a row shows (both parties, the ESS actor's commune, the programme) without a query per row."""
        return self.select_related("ess_actor", "ess_actor__commune", "partner_actor", "programme")

    def withdrawn_since(self, since):
        """Deals once public whose ESS actor is no longer published, that actor changed since `since`."""
        return self.exclude(ess_actor__in=Actor.objects.published()).filter(
            ess_actor__in=Actor.objects.withdrawn_since(since)
        )


class Deal(models.Model):
    """A deal between an ESS actor of the directory and a conventional business or a public buyer."""

    class Kind(models.TextChoices):
        PROCUREMENT = "procurement", _("marché avec clause sociale")
        SUBCONTRACTING = "subcontracting", _("sous-traitance")
        CO_DEVELOPMENT = "co_development", _("co-développement")
        MENTORING = "mentoring", _("mentorat")
        SKILLS_SPONSORSHIP = "skills_sponsorship", _("mécénat de compétences")

    class PartnerKind(models.TextChoices):
        BUSINESS = "business", _("entreprise")
        PUBLIC_BUYER = "public_buyer", _("acheteur public")

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", _("en cours")
        COMPLETED = "completed", _("réalisée")
        RENEWED = "renewed", _("reconduite")
        STOPPED = "stopped", _("interrompue")

    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    ess_actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="deals", verbose_name=_("acteur de l'ESS")
    )
    partner_actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_deals",
        verbose_name=_("partenaire (annuaire)"),
        help_text=_("L'entreprise ou l'acheteur, s'il est dans l'annuaire ; sinon, son nom et son SIRET."),
    )
    partner_name = models.CharField(
        _("nom du partenaire"), max_length=200, blank=True, help_text=_("S'il n'est pas dans l'annuaire.")
    )
    partner_siret = models.CharField(
        _("SIRET du partenaire"),
        max_length=14,
        blank=True,
        validators=[validators.validate_siret],
        help_text=_("14 chiffres, s'il n'est pas dans l'annuaire."),
    )
    partner_kind = models.CharField(_("type de partenaire"), max_length=20, choices=PartnerKind.choices)
    amount = models.DecimalField(
        _("montant (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(DEAL_MAX_AMOUNT)],
        help_text=_("En euros hors taxes ; vide si la transaction n'a pas de montant (mentorat…)."),
    )
    year = models.PositiveSmallIntegerField(_("année"), validators=[MinValueValidator(DEAL_FIRST_YEAR)])
    integration_hours = models.PositiveIntegerField(
        _("heures d'insertion"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Heures de travail de personnes en insertion que la transaction a permises."),
    )
    jobs_created = models.PositiveIntegerField(
        _("emplois créés"), null=True, blank=True, validators=[MaxValueValidator(10_000)]
    )
    programme = models.ForeignKey(
        DealProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("programme ou événement"),
    )
    outcome = models.CharField(_("issue"), max_length=20, choices=Outcome.choices, default=Outcome.ONGOING)
    outcome_note = text_field(_("résultat"), max_length=TEXT_MAX_LENGTH, blank=True)
    is_fictional = models.BooleanField(_("fictif"), default=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    objects = DealQuerySet.as_manager()

    history = HistoricalRecords(verbose_name=_("historique de la transaction"), bases=[ProvenanceHistoricalModel])

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(ess_actor=models.F("partner_actor")), name="deal_distinct_parties"),
            models.CheckConstraint(
                condition=Q(partner_actor__isnull=False, partner_name="", partner_siret="")
                | (Q(partner_actor__isnull=True) & ~Q(partner_name="") & ~Q(partner_siret="")),
                name="deal_partner_from_directory_or_named",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0, amount__lte=DEAL_MAX_AMOUNT),
                name="deal_amount_range",
            ),
            models.CheckConstraint(condition=Q(year__gte=DEAL_FIRST_YEAR), name="deal_year_range"),
            text_length_constraint("deal_text_lengths", outcome_note=TEXT_MAX_LENGTH),
        ]
        indexes = [models.Index(fields=["year", "id"], name="deal_year_idx")]

    def __str__(self):
        return f"{self.ess_actor} ↔ {self.partner_display} ({self.year})"

    def save(self, *args, **kwargs):
        self.partner_siret = validators.digits_only(self.partner_siret)
        self.partner_name = self.partner_name.strip()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        # A SIRET typed with spaces or dots is 14 digits once compact: checked as such.
        self.partner_siret = validators.digits_only(self.partner_siret)
        super().clean_fields(exclude=exclude)

    @property
    def partner_display(self) -> str:
        return self.partner_actor.name if self.partner_actor_id else self.partner_name

    def clean(self):
        """The ledger's rules, for the admin, the API and the demo alike (through `full_clean`)."""
        errors = {}
        self.partner_siret = validators.digits_only(self.partner_siret)
        self.partner_name = (self.partner_name or "").strip()
        if self.year and self.year > timezone.localdate().year:
            errors["year"] = _("L'année ne peut pas être dans le futur.")
        if self.partner_actor_id:
            if self.partner_actor_id == self.ess_actor_id:
                errors["partner_actor"] = _("Les deux parties sont le même acteur : choisissez un autre partenaire.")
            if self.partner_name or self.partner_siret:
                errors["partner_name"] = _(
                    "Le partenaire est choisi dans l'annuaire : laissez vides son nom et son SIRET."
                )
        else:
            if not self.partner_name:
                errors["partner_name"] = _(
                    "Choisissez le partenaire dans l'annuaire, ou indiquez son nom et son SIRET."
                )
            if not self.partner_siret:
                errors["partner_siret"] = _("Indiquez le SIRET du partenaire qui n'est pas dans l'annuaire.")
            elif self.ess_actor_id and self.partner_siret == self.ess_actor.siret:
                errors["partner_siret"] = _(
                    "Ce SIRET est celui de l'acteur de l'ESS : les deux parties sont le même acteur."
                )
            elif "partner_siret" not in errors:
                listed = Actor.objects.filter(siret=self.partner_siret).first() if self.partner_siret else None
                if listed is not None:
                    errors["partner_siret"] = _(
                        "Ce SIRET est celui de « %(name)s », dans l'annuaire : choisissez-le comme partenaire."
                    ) % {"name": listed.name}
        if self.ess_actor_id and self.ess_actor.ess_status == Actor.EssStatus.PARTNER:
            errors["ess_actor"] = _(
                "Cet acteur est enregistré comme partenaire hors ESS : il ne peut pas être la partie ESS."
            )
        if errors:
            raise ValidationError(errors)


def base_slug(text: str, *, max_length: int = 200) -> str:
    """The slug of `text`, keeping ligatures and elisions readable: « L'Œuvre » → « l-oeuvre »."""
    text = (text or "").replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    return slugify(re.sub(r"['’]", " ", text))[:max_length].strip("-") or "fiche"


# Addresses under /annuaire/ that are pages, and /api/v1/actors/facets/: an actor never gets one as its slug.
RESERVED_SLUGS = frozenset(
    {"proposer", "reseau", "export", "revendiquer", "carte", "recherche", "facets", "transactions"}
)


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """A slug for `text` not yet used by `model` (suffixing -2, -3… when taken, or when reserved)."""
    base = base_slug(text, max_length=max_length)
    candidate, n = base, 2
    taken = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while candidate in RESERVED_SLUGS or taken.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _token_active_condition() -> Q:
    """The one rule of a token's validity: not revoked, and not past its expiry."""
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Tokens that open the API now."""
        return self.filter(_token_active_condition())

    def with_activity(self):
        """Annotate `active` (the same rule as `active()`), for lists that show every token."""
        return self.annotate(
            active=models.ExpressionWrapper(_token_active_condition(), output_field=models.BooleanField())
        )


class ApiToken(models.Model):
    """A partner organisation's key to the API. Only a hash of the secret is stored."""

    class Scope(models.TextChoices):
        READ_UNPUBLISHED = "read:unpublished", _("lire les fiches non publiées")
        WRITE_ACTORS = "write:actors", _("créer et modifier des acteurs")
        WRITE_INITIATIVES = "write:initiatives", _("modifier des projets")
        # Given by staff to a partner whose edits they trust: its updates to published records go live at once.
        TRUSTED = "trusted", _("modifications publiées sans modération")

    organisation = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("organisation partenaire")
    )
    name = models.CharField(
        _("nom"), max_length=100, help_text=_("Pour s'y retrouver, par exemple « synchro nocturne ».")
    )
    prefix = models.CharField(_("préfixe"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(_("empreinte"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("droits"), default=list, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créé par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"{self.organisation} — {self.name} ({self.prefix}…)"

    def clean(self):
        unknown = set(self.scopes or []) - set(self.Scope.values)
        if unknown:
            raise ValidationError(
                {"scopes": _("Droits inconnus : %(scopes)s.") % {"scopes": ", ".join(sorted(unknown))}}
            )

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def update_needs_review(self, actor: Actor) -> bool:
        """Whether this token's update of `actor` waits for a moderator: a published record, without `trusted`."""
        return actor.is_published and not self.has_scope(self.Scope.TRUSTED)


# ---------------------------------------------------------------------------
# Stewardship: contributions, claims and imports (see directory.moderation and directory.imports)


class ChangeRequest(models.Model):
    """A change to the directory waiting for a moderator: a proposal, a correction, a partner's or owner's edit.

    `changes` holds the proposed values, field by field, in the export's representation (slugs for
    sectors, labels and roles, the INSEE code for a commune); `base` the record's values when the
    request was made, so that the moderator sees old → new even if the record moved since.
    """

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("proposition d'une organisation")
        CORRECTION = "correction", _("correction d'une fiche")
        ACCOUNT = "account", _("modification par la structure")
        PARTNER = "partner", _("modification par un partenaire (API)")

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPROVED = "approved", _("acceptée")
        PARTIAL = "partial", _("acceptée en partie")
        REJECTED = "rejected", _("refusée")
        MERGED = "merged", _("versée à une fiche existante")

    kind = models.CharField(_("nature"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    actor = models.ForeignKey(
        Actor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_requests",
        verbose_name=_("acteur"),
        help_text=_("La fiche concernée ; pour une proposition, celle qui en est née une fois acceptée."),
    )
    changes = models.JSONField(_("modifications proposées"), default=dict)
    base = models.JSONField(_("valeurs au moment de la demande"), default=dict, blank=True)
    message = text_field(_("message"), max_length=TEXT_MAX_LENGTH, blank=True)
    author_name = models.CharField(_("nom de l'auteur"), max_length=150, blank=True)
    author_email = models.EmailField(
        _("e-mail de l'auteur"), blank=True, help_text=_("Facultatif, gardé pour la réponse seulement.")
    )
    token = models.ForeignKey(
        "ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("jeton d'API")
    )
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("compte")
    )
    # A keyed hash of the sender's address, to limit contributions per address; erased with the request.
    submitter_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("décidée par")
    )
    decision_reason = text_field(_("motif"), max_length=TEXT_MAX_LENGTH, blank=True)
    applied_fields = models.JSONField(_("champs acceptés"), default=list, blank=True)

    class Meta:
        verbose_name = _("demande de modification")
        verbose_name_plural = _("demandes de modification")
        ordering = ["created_at", "pk"]
        permissions = [("moderate_changerequest", _("Peut décider des contributions et des demandes"))]
        indexes = [models.Index(fields=["state", "created_at"], name="changerequest_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="correction") | Q(actor__isnull=False) | ~Q(state="pending"),
                name="changerequest_correction_has_actor",
            ),
            text_length_constraint(
                "changerequest_text_lengths", message=TEXT_MAX_LENGTH, decision_reason=TEXT_MAX_LENGTH
            ),
        ]

    def __str__(self):
        target = self.actor.name if self.actor_id else self.changes.get("name", "")
        return f"{self.get_kind_display()} — {target}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class Claim(models.Model):
    """A person asking to represent an actor: proved by a link sent to the actor's public e-mail, or by a moderator."""

    class Method(models.TextChoices):
        EMAIL_LINK = "link", _("lien envoyé à l'e-mail public de la structure")
        REVIEW = "review", _("demande examinée par l'équipe")

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPROVED = "approved", _("acceptée")
        REJECTED = "rejected", _("refusée")
        EXPIRED = "expired", _("expirée")

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="claims", verbose_name=_("acteur"))
    method = models.CharField(_("preuve"), max_length=10, choices=Method.choices)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"), help_text=_("L'adresse du compte qui sera créé."))
    job_title = models.CharField(_("fonction dans la structure"), max_length=150, blank=True)
    message = text_field(_("message"), max_length=TEXT_MAX_LENGTH, blank=True)
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    expires_at = models.DateTimeField(_("lien valable jusqu'au"), null=True, blank=True)
    used_at = models.DateTimeField(_("lien utilisé le"), null=True, blank=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("compte")
    )
    submitter_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("décidée par")
    )
    decision_reason = text_field(_("motif"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("revendication de fiche")
        verbose_name_plural = _("revendications de fiche")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.name} — {self.actor}"


class Representative(models.Model):
    """A signed-in person who represents an actor (a claim accepted): edits its public information."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="represented_actors")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="representatives", verbose_name=_("acteur"))
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("représentant d'une structure")
        verbose_name_plural = _("représentants des structures")
        ordering = ["actor__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "actor"], name="representative_unique")]

    def __str__(self):
        return f"{self.user} — {self.actor}"


class SourceRecord(models.Model):
    """What an import source last said about an actor: a field staff changed since is not overwritten."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="source_records", verbose_name=_("acteur"))
    source = models.CharField(_("source"), max_length=100)
    source_id = models.CharField(_("identifiant dans la source"), max_length=100, blank=True)
    values = models.JSONField(_("valeurs importées"), default=dict)
    imported_at = models.DateTimeField(_("importé le"))

    class Meta:
        verbose_name = _("valeurs d'une source")
        verbose_name_plural = _("valeurs des sources")
        constraints = [models.UniqueConstraint(fields=["actor", "source"], name="sourcerecord_actor_source_unique")]
        indexes = [models.Index(fields=["source", "source_id"], name="sourcerecord_source_id_idx")]

    def __str__(self):
        return f"{self.source} — {self.actor}"


class ImportRun(models.Model):
    """One import of a file, from the admin or the command: what it found and what it did."""

    class Format(models.TextChoices):
        EXPORT = "export", _("export de l'annuaire")
        SIRENE = "sirene", _("stock SIRENE de l'INSEE")

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("aperçu")
        DONE = "done", _("importé")
        REFUSED = "refused", _("refusé")

    source = models.CharField(_("source"), max_length=100)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    file_name = models.CharField(_("fichier"), max_length=255)
    state = models.CharField(_("état"), max_length=10, choices=State.choices)
    counts = models.JSONField(_("décompte"), default=dict)
    report = models.JSONField(_("rapport"), default=list, blank=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"
