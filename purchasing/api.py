"""The buyers' partner API: `/api/v1/supplier-offers/` (the suppliers' search) and `/api/v1/cpv/` (reference).

Only approved offers of published actors are read, unless the caller may read unpublished records
(`ess_portal.api.auth.visible`). Needs are not in the API: their buyers' contacts are private, and the
board is a page (`/acheteurs/besoins/`).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.renderers import JSONRenderer

from directory.api.refs import ActorRefSerializer, public_url
from directory.models import Commune, Label, PublicationStatus
from ess_portal.api.auth import visible
from ess_portal.api.formats import CSVRenderer, StreamedListMixin, csv_value
from ess_portal.api.schema import CSV_RESPONSES, format_parameter, read_responses
from ess_portal.api.sync import SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ApiViewMixin, ReadOnlyViewSet, RecordRetrieveMixin
from ess_portal.csv_export import PLAIN, Column, CsvTable, code_column
from purchasing.filters import CpvFilterSet, SupplierOfferFilterSet
from purchasing.models import MAX_ORDER_AMOUNT, CpvCode, SocialClause, SupplierOffer, clauses_of

CPV_PATTERN = r"^\d{8}-\d$"


class CpvSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True, help_text=_("Code de la division d'un groupe ; null sinon.")
    )

    class Meta:
        model = CpvCode
        fields = ["code", "label", "level", "parent"]
        read_only_fields = fields


class CpvRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CpvCode
        fields = ["code", "label"]
        read_only_fields = fields


class SupplierOfferSerializer(serializers.ModelSerializer):
    actor = ActorRefSerializer(read_only=True, help_text=_("La structure qui propose l'offre."))
    cpv = CpvRefSerializer(read_only=True, help_text=_("Catégorie CPV (division ou groupe)."))
    communes = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="insee_code",
        help_text=_("Codes INSEE servis ; vide si tout le territoire."),
    )
    max_order_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        min_value=0,
        max_value=MAX_ORDER_AMOUNT,
        help_text=_("Montant de commande maximal, en euros hors taxes ; null s'il n'est pas indiqué."),
    )
    url = serializers.CharField(read_only=True, help_text=_("Lien vers l'offre chez la structure, ou vide."))
    social_clauses = serializers.SerializerMethodField(
        help_text=_("siae, handicap, esus : lus dans les labels et le statut ESS de la structure.")
    )
    page_url = serializers.SerializerMethodField(help_text=_("Fiche publique de la structure."))

    class Meta:
        model = SupplierOffer
        fields = [
            "id",
            "title",
            "actor",
            "cpv",
            "description",
            "whole_territory",
            "communes",
            "capacity",
            "max_order_amount",
            "references",
            "url",
            "social_clauses",
            "status",
            "is_fictional",
            "updated_at",
            "page_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=SocialClause.choices)))
    def get_social_clauses(self, obj) -> list[str]:
        return clauses_of(obj.actor)

    def get_page_url(self, obj) -> str:
        return public_url(obj.actor)


SUPPLIER_OFFER_CSV = CsvTable(
    name="supplier-offers",
    title=_("Offres des acteurs de l'ESS aux acheteurs (API)"),
    description=_(
        "GET /api/v1/supplier-offers/?format=csv : les offres approuvées des acteurs publiés, CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM)."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("title", description=_("Intitulé de l'offre.")),
        Column("actor", description=_("Identifiant public de la structure.")),
        Column("actor_name", description=_("Nom de la structure.")),
        code_column("cpv", CPV_PATTERN, _("Code CPV.")),
        Column("cpv_label", description=_("Libellé CPV.")),
        Column("whole_territory", "boolean", _("Sert tout le territoire.")),
        Column(
            "communes",
            description=_("Codes INSEE servis, séparés par « | »."),
            constraints={"pattern": r"^((\d{2}|2A|2B)\d{3})?(\|(\d{2}|2A|2B)\d{3})*$"},
        ),
        Column("max_order_amount", "number", _("Montant de commande maximal (€ HT)."), constraints={"minimum": 0}),
        Column("capacity", description=_("Capacité.")),
        Column("references", description=_("Références.")),
        Column("description", description=_("Description.")),
        Column("url", description=_("Lien de l'offre.")),
        Column("social_clauses", description=_("Clauses sociales (siae, handicap, esus), séparées par « | ».")),
        Column("is_fictional", "boolean", _("Offre de démonstration.")),
        Column("updated_at", "datetime", _("Modifiée le (ISO 8601).")),
        Column("page_url", description=_("Fiche publique de la structure.")),
    ),
)


def supplier_offer_csv_row(data: dict) -> dict:
    row = {column: csv_value(data.get(column)) for column in SUPPLIER_OFFER_CSV.header()}
    row["actor"] = data["actor"]["slug"] or ""
    row["actor_name"] = data["actor"]["name"]
    row["cpv"] = data["cpv"]["code"]
    row["cpv_label"] = data["cpv"]["label"]
    row["communes"] = "|".join(data["communes"])
    row["social_clauses"] = "|".join(data["social_clauses"])
    return row


def supplier_offer_queryset():
    return SupplierOffer.objects.select_related("actor", "cpv").prefetch_related(
        Prefetch("communes", queryset=Commune.objects.order_by("insee_code")),
        Prefetch("actor__labels", queryset=Label.objects.order_by("slug")),
    )


def offer_tombstones(since) -> list[dict]:
    """Tombstones of the offers withdrawn since `since`, themselves or with their actor (one query)."""
    rows = SupplierOffer.objects.withdrawn_since(since).values(
        "pk", "status", "updated_at", "actor__status", "actor__updated_at"
    )
    tombstones = []
    for row in rows:
        itself = row["status"] != PublicationStatus.PUBLISHED
        when = row["updated_at"] if itself else max(row["updated_at"], row["actor__updated_at"])
        tombstones.append(
            tombstone(
                identifier=row["pk"],
                slug=None,
                reason=reason_for(row["status"] if itself else row["actor__status"]),
                updated_at=when,
            )
        )
    return sorted(tombstones, key=lambda item: (item["updated_at"], item["id"]))


class SupplierOfferSyncPagination(SyncPagination):
    """Offers have no public slug: their tombstones' `slug` is null."""

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["withdrawn"]["items"]["properties"]["slug"]["nullable"] = True
        return paginated


@extend_schema_view(
    list=extend_schema(
        summary=_("Offres des acteurs de l'ESS aux acheteurs (recherche de fournisseurs)"),
        description=_(
            "Les offres approuvées des acteurs publiés : produits et services par catégorie CPV, communes servies, "
            "capacité, clauses sociales. Mêmes filtres que la page /acheteurs/ ; paginées en JSON, entières en CSV."
        ),
        parameters=[format_parameter(geojson=False)],
        responses={(200, "application/json"): SupplierOfferSerializer(many=True), **CSV_RESPONSES, **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une offre aux acheteurs"),
        description=_("Une offre approuvée d'un acteur publié, par son identifiant."),
        responses={200: SupplierOfferSerializer, **read_responses()},
    ),
)
class SupplierOfferViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    RecordRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The suppliers' search: read-only; offers are written by staff and by the structures' accounts."""

    serializer_class = SupplierOfferSerializer
    filterset_class = SupplierOfferFilterSet
    ordering_fields = ["title", "updated_at"]
    csv_table = SUPPLIER_OFFER_CSV
    csv_filename = "offres-fournisseurs.csv"
    pagination_class = SupplierOfferSyncPagination

    def get_queryset(self):
        return visible(supplier_offer_queryset().order_by("actor__name", "title", "pk"), self.request)

    def get_renderers(self):
        # No coordinates: JSON and CSV only (`?format=geojson` is a 406).
        return [JSONRenderer(), CSVRenderer()] if self.action == "list" else [JSONRenderer()]

    def csv_row(self, data):
        return supplier_offer_csv_row(data)

    def withdrawn_tombstones(self, since):
        return offer_tombstones(since)


@extend_schema_view(
    list=extend_schema(
        summary=_("Nomenclature CPV (divisions et groupes)"),
        description=_(
            "Les codes CPV 2008 des offres et des besoins : les 45 divisions et les groupes retenus "
            "(Règlement (CE) n° 213/2008). Un groupe nomme sa division (parent)."
        ),
        responses={200: CpvSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Un code CPV"),
        description=_("Un code CPV, par son code (45000000-7)."),
        responses={200: CpvSerializer, **read_responses()},
    ),
)
class CpvViewSet(ReadOnlyViewSet):
    """The CPV reference table, looked up by code."""

    queryset = CpvCode.objects.select_related("parent").order_by("code")
    serializer_class = CpvSerializer
    filterset_class = CpvFilterSet
    lookup_field = "code"
    ordering_fields = ["code"]


def register(router) -> None:
    router.register("supplier-offers", SupplierOfferViewSet, basename="supplier-offer")
    router.register("cpv", CpvViewSet, basename="cpv")
