"""Support offers of every provider: published offers of published providers."""

from django.db.models import Max, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from directory.api.refs import ActorRefSerializer, public_url
from directory.filters import SupportOfferFilterSet, updated_since_filter
from directory.models import Commune, PublicationStatus, Sector, Stage, SupportOffer
from ess_portal.api.auth import visible
from ess_portal.api.schema import read_responses
from ess_portal.api.sync import SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ReadOnlyViewSet


class SupportOfferSerializer(serializers.ModelSerializer):
    provider = ActorRefSerializer(read_only=True)
    stages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    sectors = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text=_("Vide : tous les secteurs.")
    )
    communes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="insee_code", help_text=_("Codes INSEE ; vide si tout le territoire.")
    )
    url = serializers.CharField(read_only=True, help_text=_("Lien vers l'offre chez la structure, ou vide."))
    page_url = serializers.SerializerMethodField(help_text=_("Fiche publique de la structure qui propose l'offre."))

    class Meta:
        model = SupportOffer
        fields = [
            "id",
            "slug",
            "title",
            "provider",
            "kind",
            "stages",
            "target_typology",
            "sectors",
            "whole_territory",
            "communes",
            "description",
            "eligibility",
            "cost",
            "url",
            "status",
            "is_fictional",
            "updated_at",
            "page_url",
        ]
        read_only_fields = fields

    def get_page_url(self, obj) -> str:
        return public_url(obj.provider)


class SupportOfferApiFilterSet(SupportOfferFilterSet):
    """The support finder's FilterSet, plus `updated_since`."""

    updated_since = updated_since_filter()


def support_offer_queryset():
    return SupportOffer.objects.select_related("provider").prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "pk")),
        Prefetch("sectors", queryset=Sector.objects.order_by("slug")),
        Prefetch("communes", queryset=Commune.objects.order_by("insee_code")),
    )


def offer_tombstones(since) -> list[dict]:
    """Tombstones of the offers withdrawn since `since`, themselves or with their provider (one query).

    An offer withdrawn with its provider takes the provider's reason, and the later of their dates.
    """
    rows = SupportOffer.objects.withdrawn_since(since).values(
        "pk", "slug", "status", "updated_at", "provider__status", "provider__updated_at"
    )
    tombstones = []
    for row in rows:
        withdrawn_itself = row["status"] != PublicationStatus.PUBLISHED
        withdrawn_at = row["updated_at"] if withdrawn_itself else max(row["updated_at"], row["provider__updated_at"])
        tombstones.append(
            tombstone(
                identifier=row["pk"],
                slug=row["slug"],
                reason=reason_for(row["status"] if withdrawn_itself else row["provider__status"]),
                updated_at=withdrawn_at,
            )
        )
    return sorted(tombstones, key=lambda item: (item["updated_at"], item["id"]))


@extend_schema_view(
    list=extend_schema(
        summary=_("Offres d'accompagnement"),
        description=_("Les offres publiées des acteurs publiés qui accompagnent les structures de l'ESS."),
        responses={200: SupportOfferSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une offre d'accompagnement"),
        description=_("Une offre d'accompagnement publiée, par son identifiant."),
        responses={200: SupportOfferSerializer, **read_responses()},
    ),
)
class SupportOfferViewSet(WithdrawnListMixin, ReadOnlyViewSet):
    """Support offers of every provider (published offers of published providers)."""

    serializer_class = SupportOfferSerializer
    pagination_class = SyncPagination
    lookup_field = "slug"
    filterset_class = SupportOfferApiFilterSet
    ordering_fields = ["title", "updated_at"]

    def get_queryset(self):
        return visible(support_offer_queryset().order_by("title", "pk"), self.request)

    def list(self, request, *args, **kwargs):
        self.last_modified = visible(SupportOffer.objects.all(), request).aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)

    def withdrawn_tombstones(self, since):
        return offer_tombstones(since)
