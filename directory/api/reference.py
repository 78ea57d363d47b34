"""Reference data of the directory: sectors, communes and priority neighbourhoods (read-only)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from directory.models import Commune, Neighbourhood, Sector
from ess_portal.api.schema import read_responses
from ess_portal.api.views import ReadOnlyViewSet


class CommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["insee_code", "name", "slug", "postal_codes", "department_code", "in_territory"]


class NeighbourhoodSerializer(serializers.ModelSerializer):
    communes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="insee_code", help_text=_("Codes INSEE des communes.")
    )

    class Meta:
        model = Neighbourhood
        fields = ["slug", "name", "code", "npnru_status", "communes", "description"]


class SectorSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        read_only=True,
        slug_field="slug",
        allow_null=True,
        help_text=_("Secteur principal (absent pour un secteur principal)."),
    )

    class Meta:
        model = Sector
        fields = ["slug", "name", "parent", "description", "position"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Secteurs d'activité"),
        description=_("La nomenclature des secteurs, à deux niveaux (parent)."),
        responses={200: SectorSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Un secteur"),
        description=_("Un secteur, par son identifiant."),
        responses={200: SectorSerializer, **read_responses()},
    ),
)
class SectorViewSet(ReadOnlyViewSet):
    """The two-level nomenclature of sectors."""

    queryset = Sector.objects.select_related("parent").order_by("position", "name", "pk")
    serializer_class = SectorSerializer
    lookup_field = "slug"


@extend_schema_view(
    list=extend_schema(
        summary=_("Communes (codes INSEE)"),
        description=_("Les communes, avec in_territory pour les neuf d'Est Ensemble."),
        responses={200: CommuneSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une commune"),
        description=_("Une commune, par son code INSEE."),
        responses={200: CommuneSerializer, **read_responses()},
    ),
)
class CommuneViewSet(ReadOnlyViewSet):
    """Communes, looked up by INSEE code; `in_territory` marks the nine of Est Ensemble."""

    queryset = Commune.objects.order_by("name", "pk")
    serializer_class = CommuneSerializer
    lookup_field = "insee_code"


@extend_schema_view(
    list=extend_schema(
        summary=_("Quartiers prioritaires"),
        description=_("Les quartiers prioritaires de la politique de la ville et leurs communes."),
        responses={200: NeighbourhoodSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Un quartier prioritaire"),
        description=_("Un quartier prioritaire, par son identifiant."),
        responses={200: NeighbourhoodSerializer, **read_responses()},
    ),
)
class NeighbourhoodViewSet(ReadOnlyViewSet):
    queryset = Neighbourhood.objects.prefetch_related("communes").order_by("name", "pk")
    serializer_class = NeighbourhoodSerializer
    lookup_field = "slug"
