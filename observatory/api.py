"""The observatory in the partner API: `/api/v1/observatory/figures/`, the page's aggregates.

The same breakdowns as `/observatoire/` (`by`, `year`: `observatory.filters.ObservatoryFilterSet`),
the same small-group suppression (`observatory.services`), in JSON or CSV. Per-actor figures are
not served: only aggregates are public (docs/api.md).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from ess_portal.api.formats import CSVRenderer
from ess_portal.api.renderers import JSONRenderer
from ess_portal.api.schema import format_parameter, read_responses
from ess_portal.api.views import ApiViewMixin
from ess_portal.csv_export import PLAIN, Column, CsvTable
from observatory import services
from observatory.filters import ObservatoryFilterSet
from observatory.models import METRICS, YearlyFigures


def _metric_fields() -> dict:
    fields = {}
    for metric in METRICS:
        number = (
            serializers.FloatField if metric.name in ("fte", "local_purchasing_share") else serializers.IntegerField
        )
        how = _("moyenne des parts") if metric.aggregate == "mean" else _("somme")
        fields[metric.name] = number(
            allow_null=True,
            help_text=_("%(label)s (%(how)s) ; null si le chiffre repose sur trop peu d'acteurs ou n'est pas connu.")
            % {"label": metric.label, "how": how},
        )
        fields[f"{metric.name}_actors"] = serializers.IntegerField(
            help_text=_("Nombre d'acteurs sur lesquels repose « %(label)s ».") % {"label": metric.label}
        )
    return fields


class GroupSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Année des chiffres."))
    by = serializers.ChoiceField(choices=list(services.BREAKDOWNS), help_text=_("Le regroupement demandé."))
    group = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "Code public du groupe : code INSEE, identifiant du quartier ou du secteur, famille juridique, "
            "typologie ; vide pour « non renseigné » et pour l'ensemble du territoire."
        ),
    )
    label = serializers.CharField(help_text=_("Nom du groupe."))
    actors = serializers.IntegerField(
        help_text=_("Nombre d'acteurs publiés ayant des chiffres validés dans le groupe.")
    )


GroupFiguresSerializer = type(
    "GroupFiguresSerializer",
    (GroupSerializer,),
    {
        "__doc__": "One group of one year: its figures, each with how many actors it rests on.",
        "__module__": __name__,
        **_metric_fields(),
    },
)


def group_payload(group: services.Group) -> dict:
    data = {"year": group.year, "by": group.by, "group": group.key, "label": group.label, "actors": group.actors}
    for metric in METRICS:
        cell = group.cells[metric.name]
        value = None if cell.hidden or cell.value is None else cell.value
        if value is not None and metric.name in ("fte", "local_purchasing_share"):
            value = float(value)
        data[metric.name] = value
        data[f"{metric.name}_actors"] = cell.actors
    return data


FIGURES_CSV = CsvTable(
    name="observatory-figures",
    title=_("Observatoire de l'ESS : chiffres agrégés (API)"),
    description=_(
        "GET /api/v1/observatory/figures/?format=csv : les chiffres annuels des acteurs publiés, agrégés par "
        "année et par le regroupement demandé (by), les groupes de trop peu d'acteurs retirés, CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM)."
    ),
    csv_format=PLAIN,
    columns=(
        Column("year", "integer", _("Année des chiffres.")),
        Column("by", description=_("Le regroupement (code)."), constraints={"enum": list(services.BREAKDOWNS)}),
        Column("group", description=_("Code public du groupe (vide : non renseigné, ou tout le territoire).")),
        Column("label", description=_("Nom du groupe.")),
        Column("actors", "integer", _("Nombre d'acteurs du groupe.")),
        *(
            column
            for metric in METRICS
            for column in (
                Column(
                    metric.name,
                    "number" if metric.name in ("fte", "local_purchasing_share") else "integer",
                    _("%(label)s ; vide si masqué ou inconnu.") % {"label": metric.label},
                ),
                Column(f"{metric.name}_actors", "integer", _("Acteurs sur lesquels repose le chiffre.")),
            )
        ),
    ),
)


def _csv_cell(value) -> str:
    return "" if value is None else str(value)


@extend_schema_serializer(many=False)  # one envelope with the groups in `results`, not an array of groups
class ObservatoryFiguresListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Nombre de groupes montrés."))
    next = serializers.URLField(allow_null=True, help_text=_("Toujours null : tous les groupes tiennent en une page."))
    previous = serializers.URLField(allow_null=True, help_text=_("Toujours null."))
    min_actors = serializers.IntegerField(help_text=_("Seuil : un groupe ou un chiffre de moins d'acteurs est masqué."))
    hidden_groups = serializers.IntegerField(help_text=_("Nombre de groupes masqués."))
    results = GroupFiguresSerializer(many=True)


@extend_schema_view(
    list=extend_schema(
        summary=_("Observatoire : chiffres agrégés par année et par regroupement"),
        description=_(
            "Les chiffres annuels validés des acteurs publiés (salariés, ETP, bénévoles, adhérents, budget, heures "
            "d'insertion : sommes ; part des achats locaux : moyenne), par année et selon `by`, comme la page "
            "/observatoire/. Un groupe de moins de `min_actors` acteurs est retiré, un chiffre reposant sur moins "
            "d'acteurs vaut null ; quand un seul groupe serait masqué, un deuxième l'est aussi. Les chiffres de "
            "chaque acteur ne sont pas publiés."
        ),
        parameters=[format_parameter(geojson=False)],
        responses={
            (200, "application/json"): ObservatoryFiguresListSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=str(_("CSV UTF-8, tous les groupes."))),
            **read_responses(),
        },
        tags=["observatory"],
    ),
)
class ObservatoryFiguresViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The observatory's aggregates: public, read-only, the page's suppression rule."""

    filterset_class = ObservatoryFilterSet
    serializer_class = GroupFiguresSerializer
    pagination_class = None
    csv_table = FIGURES_CSV

    def get_renderers(self):
        return [JSONRenderer(), CSVRenderer()]

    def get_queryset(self):
        return YearlyFigures.objects.public()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        by = request.query_params.get("by") or "year"
        result = services.breakdown(by, services.figure_rows(queryset))
        rows = [group_payload(group) for group in result.visible]
        if getattr(request.accepted_renderer, "format", "json") == "csv":
            header = FIGURES_CSV.header()
            return FIGURES_CSV.response(
                ([_csv_cell(row[name]) for name in header] for row in rows), filename="observatoire.csv"
            )
        return Response(
            {
                "count": len(rows),
                "next": None,
                "previous": None,
                "min_actors": services.min_actors(),
                "hidden_groups": result.hidden_groups,
                "results": rows,
            }
        )


def register(router) -> None:
    router.register("observatory/figures", ObservatoryFiguresViewSet, basename="observatory-figures")
