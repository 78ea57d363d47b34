"""The deals ledger: deals of published ESS actors with businesses and public buyers, and their roll-up.

A deal's other party, when it is an unpublished directory actor, reads as every unpublished actor
named in another record does (`{"slug": null, "name": "Structure non publiée"}`, `directory.api.refs`).
"""

from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from directory import rollups
from directory.api.refs import ActorRefSerializer
from directory.filters import DealFilterSet
from directory.models import DEAL_MAX_AMOUNT, Deal, DealProgramme, Typology
from ess_portal.api.auth import visible
from ess_portal.api.formats import CSVRenderer, StreamedListMixin, csv_value
from ess_portal.api.schema import CSV_RESPONSES, format_parameter, read_responses
from ess_portal.api.sync import WITHDRAWN, SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ApiViewMixin, RecordRetrieveMixin
from ess_portal.csv_export import PLAIN, SIRET_PATTERN, Column, CsvTable, code_column


class ProgrammeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealProgramme
        fields = ["slug", "name", "year"]


class DealSerializer(serializers.ModelSerializer):
    ess_actor = ActorRefSerializer(
        read_only=True, help_text=_("L'acteur de l'ESS (toujours publié, sauf droit read:unpublished).")
    )
    partner_actor = ActorRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Le partenaire s'il est dans l'annuaire (« Structure non publiée » si sa fiche ne l'est pas), sinon null."
        ),
    )
    partner_name = serializers.SerializerMethodField(
        help_text=_(
            "Nom du partenaire : le sien, ou « Structure non publiée » pour une fiche non publiée de l'annuaire."
        )
    )
    partner_siret = serializers.SerializerMethodField(help_text=_("SIRET du partenaire hors annuaire, sinon null."))
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        min_value=0,
        max_value=DEAL_MAX_AMOUNT,
        help_text=_("Montant en euros hors taxes ; null si la transaction n'en a pas."),
    )
    programme = ProgrammeRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "kind",
            "ess_actor",
            "partner_kind",
            "partner_actor",
            "partner_name",
            "partner_siret",
            "amount",
            "year",
            "integration_hours",
            "jobs_created",
            "programme",
            "outcome",
            "outcome_note",
            "is_fictional",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_partner_name(self, obj) -> str:
        if obj.partner_actor_id:
            return ActorRefSerializer(obj.partner_actor, context=self.context).data["name"]
        return obj.partner_name

    def get_partner_siret(self, obj) -> str | None:
        return obj.partner_siret or None


DEAL_CSV = CsvTable(
    name="deals",
    title=_("Transactions entre l'ESS et les entreprises (API)"),
    description=_(
        "GET /api/v1/deals/?format=csv : les transactions des acteurs de l'ESS publiés, CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM)."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("kind", description=_("Nature (code)."), constraints={"enum": Deal.Kind.values}),
        Column("ess_actor", description=_("Identifiant public de l'acteur de l'ESS.")),
        Column("ess_actor_name", description=_("Nom de l'acteur de l'ESS.")),
        Column(
            "partner_kind", description=_("Type de partenaire (code)."), constraints={"enum": Deal.PartnerKind.values}
        ),
        Column("partner_actor", description=_("Identifiant public du partenaire s'il est dans l'annuaire et publié.")),
        Column("partner_name", description=_("Nom du partenaire, ou « Structure non publiée ».")),
        code_column("partner_siret", SIRET_PATTERN, _("SIRET du partenaire hors annuaire.")),
        Column("amount", "number", _("Montant en euros hors taxes."), constraints={"minimum": 0}),
        Column("year", "integer", _("Année.")),
        Column("integration_hours", "integer", _("Heures d'insertion."), constraints={"minimum": 0}),
        Column("jobs_created", "integer", _("Emplois créés."), constraints={"minimum": 0}),
        Column("programme", description=_("Identifiant du programme ou de l'événement.")),
        Column("outcome", description=_("Issue (code)."), constraints={"enum": Deal.Outcome.values}),
        Column("outcome_note", description=_("Résultat.")),
        Column("is_fictional", "boolean", _("Transaction de démonstration.")),
        Column("updated_at", "datetime", _("Modifié le (ISO 8601).")),
    ),
)


def deal_csv_row(data: dict) -> dict:
    row = {column: csv_value(data.get(column)) for column in DEAL_CSV.header()}
    row["ess_actor"] = data["ess_actor"]["slug"] or ""
    row["ess_actor_name"] = data["ess_actor"]["name"]
    row["partner_actor"] = (data["partner_actor"] or {}).get("slug") or ""
    row["programme"] = (data["programme"] or {}).get("slug", "")
    return row


# ---------------------------------------------------------------------------
# The roll-up


class FiguresSerializer(serializers.Serializer):
    deals = serializers.IntegerField(help_text=_("Nombre de transactions."))
    with_amount = serializers.IntegerField(help_text=_("Transactions dont le montant est connu."))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    integration_hours = serializers.IntegerField()
    jobs_created = serializers.IntegerField()


def _group_serializer(name: str, code_field: serializers.Field, with_name: bool) -> type[serializers.Serializer]:
    fields = {"code": code_field, "figures": FiguresSerializer()}
    if with_name:
        fields["name"] = serializers.CharField(allow_null=True, allow_blank=True)
    return type(name, (serializers.Serializer,), fields)


YearGroup = _group_serializer("DealYearGroup", serializers.IntegerField(help_text=_("Année.")), False)
ProgrammeGroup = _group_serializer(
    "DealProgrammeGroup",
    serializers.CharField(allow_null=True, help_text=_("Identifiant ; null : hors programme.")),
    True,
)
SectorGroup = _group_serializer(
    "DealSectorGroup", serializers.CharField(allow_null=True, help_text=_("Identifiant du secteur.")), True
)
CommuneGroup = _group_serializer(
    "DealCommuneGroup", serializers.CharField(allow_null=True, help_text=_("Code INSEE.")), True
)
TypologyGroup = _group_serializer("DealTypologyGroup", serializers.ChoiceField(choices=Typology.choices), False)
KindGroup = _group_serializer("DealKindGroup", serializers.ChoiceField(choices=Deal.Kind.choices), False)


class DealRollupSerializer(serializers.Serializer):
    totals = FiguresSerializer()
    by_year = YearGroup(many=True)
    by_programme = ProgrammeGroup(many=True)
    by_sector = SectorGroup(many=True, help_text=_("Une transaction compte dans chacun des secteurs de son acteur."))
    by_commune = CommuneGroup(many=True)
    by_typology = TypologyGroup(many=True)
    by_kind = KindGroup(many=True)


class DealSyncPagination(SyncPagination):
    """The deals' pages: deals have no public slug, their tombstones' `slug` is null."""

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"][WITHDRAWN]["items"]["properties"]["slug"]["nullable"] = True
        return paginated


def deal_queryset():
    return Deal.objects.for_list()


@extend_schema_view(
    list=extend_schema(
        summary=_("Transactions entre l'ESS et les entreprises (liste filtrable)"),
        description=_(
            "Les transactions des acteurs de l'ESS publiés avec des entreprises et des acheteurs publics. Mêmes "
            "filtres que la page /annuaire/transactions/ ; paginées en JSON, entières en CSV."
        ),
        parameters=[format_parameter(geojson=False)],
        responses={(200, "application/json"): DealSerializer(many=True), **CSV_RESPONSES, **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une transaction"),
        description=_("Une transaction d'un acteur de l'ESS publié, par son identifiant."),
        responses={200: DealSerializer, **read_responses()},
    ),
)
class DealViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    RecordRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The deals ledger: read-only; staff record deals in the admin."""

    serializer_class = DealSerializer
    filterset_class = DealFilterSet
    ordering_fields = ["year", "updated_at"]
    csv_table = DEAL_CSV
    csv_filename = "transactions.csv"
    pagination_class = DealSyncPagination

    def get_queryset(self):
        return visible(deal_queryset(), self.request)

    def get_renderers(self):
        # No coordinates: JSON and CSV only (`?format=geojson` is a 406).
        return [JSONRenderer(), CSVRenderer()] if self.action == "list" else [JSONRenderer()]

    def csv_row(self, data):
        return deal_csv_row(data)

    def withdrawn_tombstones(self, since):
        rows = Deal.objects.withdrawn_since(since).order_by("updated_at", "pk").values("pk", "ess_actor__updated_at")
        return [
            tombstone(
                identifier=row["pk"],
                slug=None,
                reason=reason_for("unpublished"),
                updated_at=row["ess_actor__updated_at"],
            )
            for row in rows
        ]

    @extend_schema(
        summary=_("Les transactions en chiffres (par année, programme, secteur, commune, typologie, nature)"),
        description=_(
            "Mêmes paramètres que la liste des transactions. totals : nombre, montant, heures d'insertion et "
            "emplois des transactions trouvées ; puis les mêmes chiffres par dimension. Seules les transactions "
            "des acteurs de l'ESS publiés sont comptées, sauf avec le droit read:unpublished."
        ),
        filters=True,
        responses={200: DealRollupSerializer, **read_responses()},
    )
    @action(detail=False, methods=["get"], filter_backends=[DjangoFilterBackend], pagination_class=None)
    def rollup(self, request):
        """The ledger's figures for the list's query parameters."""
        filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            # The list's answer to the same parameters: a 400 naming each invalid one.
            raise filter_utils.translate_validation(filterset.errors)
        figures = rollups.deal_rollup(filterset.qs)
        self.last_modified = visible(Deal.objects.all(), request).aggregate(last=Max("updated_at"))["last"]
        data = {
            "totals": figures.totals,
            **{
                name: [{"code": group.code, "name": group.name, "figures": group.figures} for group in groups]
                for name, groups in (
                    ("by_year", figures.by_year),
                    ("by_programme", figures.by_programme),
                    ("by_sector", figures.by_sector),
                    ("by_commune", figures.by_commune),
                    ("by_typology", figures.by_typology),
                    ("by_kind", figures.by_kind),
                )
            },
        }
        return Response(DealRollupSerializer(data).data)
