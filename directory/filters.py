"""FilterSets shared by the HTML pages and the API (one per list)."""

from collections import defaultdict

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override

from directory.models import (
    DEAL_FIRST_YEAR,
    Actor,
    ChangeRequest,
    Commune,
    Cooperation,
    Deal,
    DealProgramme,
    Label,
    Neighbourhood,
    Role,
    Sector,
    Stage,
    SupportOffer,
    Typology,
)
from ess_portal.api.auth import visible
from ess_portal.response_cache import remembered

# Bounds on what a query string may carry: longer values or more repetitions say nothing useful
# and only cost work. NUL characters are refused by PostgreSQL in text parameters.
MAX_VALUE_LENGTH = 200
MAX_VALUES_PER_PARAMETER = 50


class _PublicCodeSchema:
    """In the API schema, a record chosen by its public code (INSEE code, slug) is a described string."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_override(self, "field", {"type": "string", "description": self.extra.get("help_text") or self.label})


class CodeChoiceFilter(_PublicCodeSchema, django_filters.ModelChoiceFilter):
    """A record chosen by its public code."""


class CodeMultipleChoiceFilter(_PublicCodeSchema, django_filters.ModelMultipleChoiceFilter):
    """Records chosen by their public codes (a repeatable parameter)."""


def sanitize_query(data):
    """A copy of `data` without NUL characters, with each value and repetition count capped."""
    if data is None:
        return None
    clean = QueryDict(mutable=True)
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        clean.setlist(
            key[:MAX_VALUE_LENGTH],
            [str(value).replace("\x00", "")[:MAX_VALUE_LENGTH] for value in values[:MAX_VALUES_PER_PARAMETER]],
        )
    return clean


class StrictNullBooleanField(forms.NullBooleanField):
    """`true`, `false`, or nothing; anything else (« null », « yes », « 2 ») is an error, not « no filter »."""

    # The raw text reaches to_python (Django's NullBooleanSelect would read « null » as « no value »).
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(_("Indiquez true ou false."), code="invalid_boolean")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class TrueCheckbox(forms.CheckboxInput):
    """A checkbox for a strict boolean filter: ticked sends `true`, unticked sends nothing (no filter)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: value in (True, "true"))

    def format_value(self, value):
        return "true"

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class YearFilter(django_filters.NumberFilter):
    """A year: a whole number (« 2024 »), never a decimal."""

    field_class = forms.IntegerField


def updated_since_filter() -> django_filters.IsoDateTimeFilter:
    """`updated_since` (ISO 8601), the incremental sync of every list."""
    return django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : seulement ce qui a changé depuis (synchronisation incrémentale)."),
    )


def actors_in_sectors(sectors) -> "QuerySet":
    """The ids of the actors in `sectors` or their sub-sectors (a main sector includes them), from the link table."""
    ids = sorted({sector.pk for sector in sectors})
    return Actor.sectors.through.objects.filter(Q(sector_id__in=ids) | Q(sector__parent_id__in=ids)).values("actor_id")


class PortalFilterSet(django_filters.FilterSet):
    """The base of every FilterSet: a sanitized query string, and each record once when `distinct`."""

    # Joins on many-valued relations (sectors, communes…) may repeat a row; lists need each record once.
    distinct = False

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(sanitize_query(data), *args, **kwargs)

    @property
    def qs(self):
        queryset = super().qs
        return queryset.distinct() if self.distinct else queryset

    @classmethod
    def repeatable(cls) -> frozenset[str]:
        """The parameters that may be given several times (one value each)."""
        return frozenset(
            name
            for name, item in cls.base_filters.items()
            if issubclass(item.field_class, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
        )


class ActorFilterSet(PortalFilterSet):
    # Model choice filters filter on `<field_name>=<option's to_field_name value>`: field_name must
    # therefore name that public code (commune__insee_code, labels__slug…), not the foreign key.
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Nom, activité, produits et services ; accepte aussi un SIRET ou un SIREN."),
    )
    commune = CodeMultipleChoiceFilter(
        field_name="commune__insee_code",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE de la commune (répétable)."),
    )
    neighbourhood = CodeMultipleChoiceFilter(
        field_name="neighbourhood__slug",
        to_field_name="slug",
        queryset=Neighbourhood.objects.all(),
        label=_("Quartier prioritaire"),
        help_text=_("Identifiant du quartier (répétable)."),
    )
    sector = CodeMultipleChoiceFilter(
        method="filter_sector",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Secteur"),
        help_text=_("Identifiant du secteur (répétable) ; un secteur principal inclut ses sous-secteurs."),
    )
    legal_form = django_filters.MultipleChoiceFilter(
        choices=Actor.LegalForm.choices, label=_("Forme juridique"), help_text=_("Forme juridique (répétable).")
    )
    typology = django_filters.MultipleChoiceFilter(
        choices=Actor._meta.get_field("typology").choices, label=_("Typologie"), help_text=_("Typologie (répétable).")
    )
    label = CodeMultipleChoiceFilter(
        method="filter_label",
        to_field_name="slug",
        queryset=Label.objects.all(),
        label=_("Label ou agrément"),
        help_text=_("Identifiant du label (répétable)."),
    )
    role = CodeMultipleChoiceFilter(
        method="filter_role",
        to_field_name="slug",
        queryset=Role.objects.all(),
        label=_("Rôle"),
        help_text=_("Rôle dans l'écosystème (répétable)."),
    )
    support = django_filters.MultipleChoiceFilter(
        method="filter_support",
        choices=SupportOffer.Kind.choices,
        label=_("Appui proposé"),
        help_text=_("Acteurs proposant ce type d'accompagnement (répétable)."),
    )
    siret = django_filters.CharFilter(
        method="filter_siret", label=_("SIRET ou SIREN"), help_text=_("14 chiffres (SIRET) ou 9 (SIREN).")
    )
    updated_since = updated_since_filter()

    # Many-valued criteria (sectors, labels, roles, offers) are subqueries on their link tables, never
    # joins: each actor comes once without DISTINCT, whose cost grows with the width of the rows.
    distinct = False

    class Meta:
        model = Actor
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    @staticmethod
    def linked_to(queryset, relation: str, ids):
        """Actors with at least one link of the many-to-many `relation` to one of `ids`."""
        through = Actor._meta.get_field(relation).remote_field.through
        target = f"{Actor._meta.get_field(relation).related_model._meta.model_name}_id__in"
        return queryset.filter(pk__in=through.objects.filter(**{target: ids}).values("actor_id"))

    def filter_sector(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=actors_in_sectors(value))

    def filter_label(self, queryset, name, value):
        return self.linked_to(queryset, "labels", sorted(label.pk for label in value)) if value else queryset

    def filter_role(self, queryset, name, value):
        return self.linked_to(queryset, "roles", sorted(role.pk for role in value)) if value else queryset

    def filter_support(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=SupportOffer.objects.published().filter(kind__in=value).values("provider"))

    def filter_siret(self, queryset, name, value):
        return queryset.with_siret(value)

    # The filters shown as checkbox groups (facets) on the directory page and in the API.
    FACETS = ("commune", "neighbourhood", "sector", "legal_form", "typology", "label", "role", "support")

    def filter_queryset(self, queryset, *, ignore: str | None = None):
        """The queryset filtered by every valid criterion, except the filter named `ignore`."""
        for name, value in self.form.cleaned_data.items():
            if name != ignore:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facets(self) -> dict[str, dict]:
        """Result counts per option of each facet, disjunctive: each group ignores its own filter.

        The count of an option is the number of results with every criterion applied except the
        option's own group, so that ticking Montreuil leaves the other communes with the results
        they would add (« Montreuil ou Bagnolet »). One aggregate query per group, whatever the
        number of options or results, grouping the actor table (communes, neighbourhoods, legal
        forms, typologies) or the link tables (sectors, labels, roles, offers) restricted to the
        results: rows are counted, never made distinct. Counts are exact; they are kept for the
        data version (`ess_portal.response_cache.remembered`), so the next write recounts them.
        Keys are the filter names; values map an option's public code (INSEE code, slug, choice
        value) to the number of matching actors. Invalid criteria count nothing.
        """
        if not self.is_valid():
            return {name: {} for name in self.FACETS}
        # Records by their ids (a model's repr is its name, which two records may share).
        criteria = sorted(
            (
                name,
                repr(
                    sorted(getattr(item, "pk", item) for item in value)
                    if isinstance(value, list | QuerySet)
                    else getattr(value, "pk", value)
                ),
            )
            for name, value in self.form.cleaned_data.items()
            if value
        )
        try:
            visible_sql = self.queryset.order_by().query.sql_with_params()
        except EmptyResultSet:
            return {name: {} for name in self.FACETS}
        return remembered("facets", (visible_sql, criteria), self._count_facets, request=self.request)

    def _count_facets(self) -> dict[str, dict]:
        def results(name):
            return self.filter_queryset(self.queryset.all(), ignore=name).order_by().values("pk")

        def count_by(name, option):
            # The criteria are subqueries, never joins: each actor is one row, counted as it is.
            rows = (
                self.filter_queryset(self.queryset.all(), ignore=name).values(option).annotate(n=Count("pk")).order_by()
            )
            return {row[option]: row["n"] for row in rows if row[option] is not None}

        def count_links(name, relation, code):
            through = Actor._meta.get_field(relation).remote_field.through
            rows = (
                through.objects.filter(actor_id__in=results(name)).values(code).annotate(n=Count("actor_id")).order_by()
            )
            return {row[code]: row["n"] for row in rows}

        # A main sector counts the actors filed under it or under any of its sub-sectors, once each
        # (an actor may have two sub-sectors of one sector); a sub-sector its own. One query.
        sector_links = Actor.sectors.through.objects.filter(actor_id__in=results("sector"))
        main_sectors = (
            sector_links.annotate(option=Coalesce("sector__parent__slug", "sector__slug"))
            .values("option")
            .annotate(n=Count("actor_id", distinct=True))
            .order_by()
        )
        sub_sectors = (
            sector_links.filter(sector__parent__isnull=False)
            .annotate(option=F("sector__slug"))
            .values("option")
            .annotate(n=Count("actor_id"))
            .order_by()
        )
        providers = SupportOffer.objects.published().filter(provider__in=results("support"))
        return {
            "commune": count_by("commune", "commune__insee_code"),
            "neighbourhood": count_by("neighbourhood", "neighbourhood__slug"),
            "sector": {row["option"]: row["n"] for row in main_sectors.union(sub_sectors, all=True)},
            "legal_form": count_by("legal_form", "legal_form"),
            "typology": count_by("typology", "typology"),
            "label": count_links("label", "labels", "label__slug"),
            "role": count_links("role", "roles", "role__slug"),
            "support": {
                row["kind"]: row["n"]
                for row in providers.values("kind").annotate(n=Count("provider", distinct=True)).order_by()
            },
        }

    def facet_options(self) -> dict[str, list[tuple[str, str, int]]]:
        """Every option of each facet, in display order: (public code, label, level); sub-sectors are level 1."""
        sectors = list(Sector.objects.order_by("position", "name"))
        children = defaultdict(list)
        for sector in sectors:
            if sector.parent_id:
                children[sector.parent_id].append(sector)
        return {
            "commune": [(c.insee_code, c.name, 0) for c in Commune.objects.in_territory()],
            "neighbourhood": [(n.slug, n.name, 0) for n in Neighbourhood.objects.all()],
            "sector": [
                item
                for parent in sectors
                if parent.parent_id is None
                for item in [(parent.slug, parent.name, 0)] + [(c.slug, c.name, 1) for c in children[parent.pk]]
            ],
            "legal_form": [(value, label, 0) for value, label in Actor.LegalForm.choices],
            "typology": [(value, label, 0) for value, label in Typology.choices],
            "label": [(label.slug, label.name, 0) for label in Label.objects.all()],
            "role": [(role.slug, role.name, 0) for role in Role.objects.all()],
            "support": [(value, label, 0) for value, label in SupportOffer.Kind.choices],
        }


class SupportOfferFilterSet(PortalFilterSet):
    """The support finder's criteria: stage, kind of support, commune, typology, sector."""

    stage = CodeChoiceFilter(
        field_name="stages",
        to_field_name="slug",
        queryset=Stage.objects.all(),
        label=_("Votre étape"),
        help_text=_("Où en est votre projet ?"),
        empty_label=_("Toutes les étapes"),
    )
    kind = django_filters.ChoiceFilter(
        choices=SupportOffer.Kind.choices,
        label=_("Votre besoin"),
        help_text=_("Le type d'appui recherché."),
        empty_label=_("Tous les types d'appui"),
    )
    commune = CodeChoiceFilter(
        method="filter_commune",
        to_field_name="insee_code",
        queryset=Commune.objects.in_territory(),
        label=_("Votre commune"),
        help_text=_("Offres ouvertes à tout le territoire ou à cette commune."),
        empty_label=_("Tout le territoire"),
    )
    typology = django_filters.ChoiceFilter(
        method="filter_typology",
        choices=[choice for choice in Typology.choices if choice[0] != Typology.UNDETERMINED],
        label=_("Votre structure"),
        help_text=_("Les offres ouvertes à tous les acteurs sont toujours incluses."),
        empty_label=_("Tous les profils"),
    )
    sector = CodeChoiceFilter(
        method="filter_sector",
        to_field_name="slug",
        queryset=Sector.objects.filter(parent__isnull=True),
        label=_("Votre secteur"),
        help_text=_("Les offres ouvertes à tous les secteurs sont toujours incluses."),
        empty_label=_("Tous les secteurs"),
    )
    free = StrictBooleanFilter(
        method="filter_free",
        widget=TrueCheckbox,
        label=_("Gratuit"),
        help_text=_("Seulement les offres gratuites, y compris celles qui le sont selon les cas."),
    )

    distinct = True

    class Meta:
        model = SupportOffer
        fields = []

    def filter_commune(self, queryset, name, value):
        return queryset.for_commune(value) if value else queryset

    def filter_typology(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(target_typology__in=[SupportOffer.TargetTypology.ALL, value])

    def filter_free(self, queryset, name, value):
        # An offer free or paid « selon les cas » answers both ways.
        if value is None:
            return queryset
        cost = SupportOffer.Cost.FREE if value else SupportOffer.Cost.PAID
        return queryset.filter(cost__in=[cost, SupportOffer.Cost.MIXED])

    def filter_sector(self, queryset, name, value):
        if not value:
            return queryset
        # Offers open to every sector have none listed; others name the sector or one of its sub-sectors.
        matching = SupportOffer.objects.filter(Q(sectors=value) | Q(sectors__parent=value)).values("pk")
        return queryset.filter(Q(sectors__isnull=True) | Q(pk__in=matching))


class ChangeRequestFilterSet(PortalFilterSet):
    """A partner's change requests (API): by state, and those made or decided since a date."""

    state = django_filters.MultipleChoiceFilter(
        choices=ChangeRequest.State.choices, label=_("État"), help_text=_("État de la demande (répétable).")
    )
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : seulement les demandes faites ou décidées depuis."),
    )

    class Meta:
        model = ChangeRequest
        fields = []

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(Q(created_at__gte=value) | Q(decided_at__gte=value))


class CooperationFilterSet(PortalFilterSet):
    """The cooperation network's criteria: the page /annuaire/reseau/ and the API /api/v1/cooperations/.

    Commune and sector choose actors (`scoped_actors`): a link is kept when one of its two ends is one
    of them, so that a link from Montreuil to Bagnolet counts for both communes. Kind and formality
    choose links. Callers give the queryset of published links (`Cooperation.objects.published()`).
    """

    commune = CodeMultipleChoiceFilter(
        method="filter_actors",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE (répétable) : les liens dont au moins un des deux acteurs est dans la commune."),
    )
    sector = CodeMultipleChoiceFilter(
        method="filter_actors",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Secteur"),
        help_text=_(
            "Identifiant du secteur (répétable) ; un secteur principal inclut ses sous-secteurs : les liens dont "
            "au moins un des deux acteurs est du secteur."
        ),
    )
    kind = django_filters.MultipleChoiceFilter(
        # One value per link: no DISTINCT needed.
        distinct=False,
        choices=Cooperation.Kind.choices,
        label=_("Nature du lien"),
        help_text=_("Nature de la coopération (répétable)."),
    )
    formal = StrictBooleanFilter(
        field_name="is_formal",
        label=_("Formalisée"),
        help_text=_(
            "true : seulement les coopérations formalisées (convention, contrat, adhésion écrite) ; "
            "false : seulement les informelles."
        ),
    )
    updated_since = updated_since_filter()

    class Meta:
        model = Cooperation
        fields = []

    def scoped_actors(self, actors: QuerySet) -> QuerySet:
        """`actors` in the chosen communes and sectors (all of them without either criterion)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        communes = data.get("commune")
        if communes:
            actors = actors.filter(commune__in=sorted(commune.pk for commune in communes))
        sectors = data.get("sector")
        if sectors:
            actors = actors.filter(pk__in=actors_in_sectors(sectors))
        return actors

    def has_actor_criteria(self) -> bool:
        return self.is_valid() and bool(self.form.cleaned_data.get("commune") or self.form.cleaned_data.get("sector"))

    def filter_actors(self, queryset, name, value):
        # Both actor criteria are applied together, once (by the first one that has a value).
        data = self.form.cleaned_data
        first = "commune" if data.get("commune") else "sector"
        if not value or name != first:
            return queryset
        scope = self.scoped_actors(Actor.objects.all()).values("pk")
        return queryset.filter(Q(source__in=scope) | Q(target__in=scope))


def _readable_actors(request):
    # An unpublished actor's slug answers as an unknown one, unless the caller may read unpublished records.
    return visible(Actor.objects.all(), request)


class DealFilterSet(PortalFilterSet):
    """The deals ledger: the page `/annuaire/transactions/` and `/api/v1/deals/` (and its roll-up)."""

    year = YearFilter(
        field_name="year",
        min_value=DEAL_FIRST_YEAR,
        max_value=2100,
        label=_("Année"),
        help_text=_("Année de la transaction (par exemple 2024)."),
    )
    programme = CodeMultipleChoiceFilter(
        field_name="programme__slug",
        to_field_name="slug",
        queryset=DealProgramme.objects.all(),
        label=_("Programme ou événement"),
        help_text=_("Identifiant du programme ou de l'événement (répétable)."),
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Deal.Kind.choices, label=_("Nature"), help_text=_("Nature de la transaction (répétable).")
    )
    partner_kind = django_filters.MultipleChoiceFilter(
        choices=Deal.PartnerKind.choices,
        label=_("Type de partenaire"),
        help_text=_("Entreprise ou acheteur public (répétable)."),
    )
    sector = CodeMultipleChoiceFilter(
        method="filter_sector",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Secteur"),
        help_text=_("Identifiant d'un secteur de l'acteur de l'ESS, sous-secteurs compris (répétable)."),
    )
    commune = CodeMultipleChoiceFilter(
        field_name="ess_actor__commune__insee_code",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE de la commune de l'acteur de l'ESS (répétable)."),
    )
    typology = django_filters.MultipleChoiceFilter(
        field_name="ess_actor__typology",
        choices=Typology.choices,
        label=_("Typologie"),
        help_text=_("Typologie de l'acteur de l'ESS (répétable)."),
    )
    actor = CodeMultipleChoiceFilter(
        method="filter_actor",
        to_field_name="slug",
        queryset=_readable_actors,
        label=_("Acteur"),
        help_text=_("Identifiant d'un acteur, partie ESS ou partenaire (répétable)."),
    )
    updated_since = updated_since_filter()

    class Meta:
        model = Deal
        fields = []

    def filter_sector(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(ess_actor__in=actors_in_sectors(value))

    def filter_actor(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(ess_actor__in=value) | Q(partner_actor__in=value))
