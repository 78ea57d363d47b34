"""The strategy tracker's partner API: initiatives and sites (routes in `ess_portal.api_urls`).

Status changes of initiatives go through `projects.services.change_status`, the path the
admin takes, so the lifecycle and the energy-transition gate hold for partners too.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, viewsets

from directory.api.refs import ActorRefSerializer, CommuneRefSerializer, public_url
from directory.models import Actor, ApiToken, Neighbourhood, PublicationStatus
from ess_portal.api.auth import can_read_unpublished, history_reason, visible
from ess_portal.api.conditional import GuardedUpdateMixin
from ess_portal.api.errors import django_validation_error_to_drf
from ess_portal.api.filters import bbox_filter
from ess_portal.api.formats import CSVRenderer, StreamedListMixin, csv_value
from ess_portal.api.renderers import JSONRenderer
from ess_portal.api.schema import (
    CSV_RESPONSES,
    LIST_RESPONSES,
    WRITE_ERRORS,
    error_responses,
    format_parameter,
    read_responses,
)
from ess_portal.api.serializers import StrictCharField, WriteSerializer, model_bounds
from ess_portal.api.sync import WITHDRAWN, SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ApiViewMixin, RecordRetrieveMixin
from ess_portal.csv_export import INSEE_CODE_PATTERN, PLAIN, POSTAL_CODE_PATTERN, Column, CsvTable, code_column
from projects import services
from projects.filters import ConsultationFilterSet, EventFilterSet, InitiativeFilterSet, SiteFilterSet
from projects.models import (
    Consultation,
    ConsultationEffect,
    ConsultationParticipant,
    EnergyReview,
    Event,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    Measurement,
    Milestone,
    Site,
    StatusChange,
    StrategyAxis,
)

# ---------------------------------------------------------------------------
# Serializers


class AxisRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StrategyAxis
        fields = ["number", "slug", "title"]


class FundingTotalsSerializer(serializers.Serializer):
    requested = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    secured = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, help_text=_("Acquis, y compris versé.")
    )
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    refused = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    gap = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=_("Reste à financer (budget cible − acquis), absent sans budget cible."),
    )


class InitiativeSerializer(serializers.ModelSerializer):
    """An initiative as listed (the contract's fields first)."""

    axis = AxisRefSerializer(read_only=True)
    progress = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Avancement en % (jalons pondérés ou saisi).")
    )
    communes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="insee_code", help_text=_("Codes INSEE.")
    )
    lead_actor = ActorRefSerializer(read_only=True, allow_null=True)
    energy_review = serializers.SerializerMethodField(
        help_text=_("Décision de la revue de transition énergétique (absente : pas encore de revue).")
    )
    progress_source = serializers.ChoiceField(
        choices=["manual", "milestones", "none"],
        read_only=True,
        help_text=_("manual : saisi à la main ; milestones : jalons pondérés ; none : inconnu."),
    )
    url = serializers.SerializerMethodField(help_text=_("Page publique du projet."))
    objective = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    target_budget = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        **model_bounds(Initiative, "target_budget"),
    )
    funding = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "id",
            "slug",
            "title",
            "axis",
            "status",
            "progress",
            "communes",
            "lead_actor",
            "energy_review",
            "updated_at",
            "url",
            "objective",
            "kind",
            "summary",
            "health",
            "progress_source",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "target_budget",
            "funding",
            "publication_status",
            "is_fictional",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=EnergyReview.Decision.choices, allow_null=True))
    def get_energy_review(self, obj) -> str | None:
        return obj.energy_review_decision

    def get_url(self, obj) -> str:
        return public_url(obj)

    @extend_schema_field(FundingTotalsSerializer)
    def get_funding(self, obj) -> dict:
        totals = obj.funding_totals()
        return FundingTotalsSerializer(
            {
                "requested": totals.requested,
                "secured": totals.secured,
                "paid": totals.paid,
                "refused": totals.refused,
                "gap": totals.gap,
            }
        ).data


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "planned_on", "done_on", "weight"]


class MeasurementSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = Measurement
        fields = ["measured_on", "value"]


class IndicatorSerializer(serializers.ModelSerializer):
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)
    target = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)
    measurements = MeasurementSerializer(
        many=True,
        read_only=True,
        help_text=_("Valeurs mesurées de l'indicateur, de la plus ancienne à la plus récente."),
    )

    class Meta:
        model = Indicator
        fields = ["name", "unit", "baseline", "target", "measurements"]


class InvolvementSerializer(serializers.ModelSerializer):
    actor = ActorRefSerializer(read_only=True)

    class Meta:
        model = Involvement
        fields = ["actor", "role", "description"]


class FundingLineSerializer(serializers.ModelSerializer):
    funder = ActorRefSerializer(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = FundingLine
        fields = ["funder", "amount", "kind", "status", "year", "note"]


class EnergyReviewDetailSerializer(serializers.Serializer):
    decision = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    conditions = serializers.CharField(allow_blank=True)


class InitiativeDetailSerializer(InitiativeSerializer):
    """An initiative with what hangs off it: milestones, indicators, who takes part, money, review."""

    neighbourhoods = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    sites = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    milestones = MilestoneSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)
    involvements = InvolvementSerializer(many=True, read_only=True)
    funding_lines = FundingLineSerializer(many=True, read_only=True)
    energy_review_detail = serializers.SerializerMethodField()

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "description",
            "neighbourhoods",
            "sites",
            "milestones",
            "indicators",
            "involvements",
            "funding_lines",
            "energy_review_detail",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EnergyReviewDetailSerializer(allow_null=True))
    def get_energy_review_detail(self, obj) -> dict | None:
        decision = obj.energy_review_decision
        if decision is None:
            return None
        review = obj.energy_review
        return {
            "decision": review.decision,
            "decided_on": review.decided_on.isoformat() if review.decided_on else None,
            "conditions": review.conditions,
        }


class InitiativeWriteSerializer(WriteSerializer):
    """What the organisation leading an initiative may change. `status` goes through the lifecycle service."""

    status = serializers.ChoiceField(
        choices=Initiative.Status.choices,
        required=False,
        help_text=_("Nouveau statut : suit le cycle de vie ; validé, en cours et terminé exigent une revue approuvée."),
    )
    status_reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        write_only=True,
        help_text=_("Motif du changement de statut (consigné dans l'historique)."),
    )

    class Meta:
        model = Initiative
        fields = [
            "title",
            "summary",
            "description",
            "planned_start",
            "planned_end",
            "target_budget",
            "health",
            "progress_is_manual",
            "manual_progress",
            "status",
            "status_reason",
        ]
        validators = []


class SiteSerializer(serializers.ModelSerializer):
    commune = CommuneRefSerializer(read_only=True)
    neighbourhood = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    owner = ActorRefSerializer(read_only=True, allow_null=True)
    occupants = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text=_("Identifiants des acteurs occupants.")
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    surface_m2 = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        **model_bounds(Site, "surface_m2"),
    )
    negotiated_rent = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        **model_bounds(Site, "negotiated_rent"),
    )
    url = serializers.SerializerMethodField(help_text=_("Page publique des lieux."))

    class Meta:
        model = Site
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "description",
            "address",
            "postal_code",
            "commune",
            "neighbourhood",
            "latitude",
            "longitude",
            "owner",
            "surface_m2",
            "available_from",
            "available_until",
            "negotiated_rent",
            "pipeline_stage",
            "occupants",
            "publication_status",
            "is_fictional",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return public_url(obj)


SITE_CSV = CsvTable(
    name="sites",
    title=_("Lieux et locaux (API)"),
    description=_(
        "GET /api/v1/sites/?format=csv : les lieux publiés (tous avec read:unpublished), CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM), plusieurs valeurs d'une cellule séparées par « | »."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("slug", description=_("Identifiant public.")),
        Column("name", description=_("Nom.")),
        Column("kind", description=_("Type de lieu (code)."), constraints={"enum": Site.Kind.values}),
        Column("description", description=_("Description.")),
        Column("address", description=_("Adresse.")),
        code_column("postal_code", POSTAL_CODE_PATTERN, _("Code postal.")),
        code_column("commune_insee_code", INSEE_CODE_PATTERN, _("Code INSEE de la commune.")),
        Column("commune_name", description=_("Nom de la commune.")),
        Column("neighbourhood", description=_("Identifiant du quartier prioritaire.")),
        Column("latitude", "number", _("Latitude WGS 84."), constraints={"minimum": -90, "maximum": 90}),
        Column("longitude", "number", _("Longitude WGS 84."), constraints={"minimum": -180, "maximum": 180}),
        Column("owner", description=_("Identifiant public de l'acteur propriétaire.")),
        Column("surface_m2", "number", _("Surface en m²."), constraints={"minimum": 0}),
        Column("available_from", "date", _("Disponible à partir du.")),
        Column("available_until", "date", _("Disponible jusqu'au.")),
        Column("negotiated_rent", "number", _("Loyer négocié (€ HT par mois)."), constraints={"minimum": 0}),
        Column(
            "pipeline_stage", description=_("Étape d'occupation (code)."), constraints={"enum": Site.Pipeline.values}
        ),
        Column("occupants", description=_("Identifiants publics des acteurs occupants, séparés par « | ».")),
        Column(
            "publication_status", description=_("État de publication."), constraints={"enum": PublicationStatus.values}
        ),
        Column("is_fictional", "boolean", _("Lieu de démonstration.")),
        Column("updated_at", "datetime", _("Modifié le (ISO 8601).")),
        Column("url", description=_("Page publique des lieux."), format="uri"),
    ),
)


def site_csv_row(data: dict) -> dict:
    commune = data.get("commune") or {}
    owner = data.get("owner") or {}
    row = {column: csv_value(data.get(column)) for column in SITE_CSV.header()}
    row["commune_insee_code"] = commune.get("insee_code", "")
    row["commune_name"] = commune.get("name", "")
    row["owner"] = owner.get("slug", "")
    return row


# ---------------------------------------------------------------------------
# FilterSets of the API


class SiteApiFilterSet(SiteFilterSet):
    """The sites page's FilterSet, plus `bbox`."""

    bbox = bbox_filter()


# ---------------------------------------------------------------------------
# Viewsets


def initiative_queryset():
    return Initiative.objects.for_list()


def initiative_detail_queryset(request):
    """Initiatives with what their detail shows; the actors and sites `request`'s caller may not see are left out."""
    return initiative_queryset().prefetch_related(
        Prefetch("neighbourhoods", queryset=Neighbourhood.objects.order_by("slug")),
        Prefetch("sites", queryset=visible(Site.objects.order_by("slug"), request)),
        "milestones",
        Prefetch(
            "indicators",
            queryset=Indicator.objects.prefetch_related(
                Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on", "pk"))
            ),
        ),
        Prefetch(
            "involvements",
            queryset=Involvement.objects.filter(actor__in=visible(Actor.objects.all(), request)).select_related(
                "actor"
            ),
        ),
        Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder")),
    )


def site_queryset(request):
    """Sites with what their payload shows; occupants `request`'s caller may not see are left out."""
    return Site.objects.for_list().prefetch_related(
        Prefetch("occupants", queryset=visible(Actor.objects.order_by("slug"), request))
    )


def publication_tombstones(withdrawn) -> list[dict]:
    """Tombstones of withdrawn initiatives or sites (their `publication_status` says why), in one query."""
    rows = withdrawn.order_by("updated_at", "pk").values("pk", "slug", "publication_status", "updated_at")
    return [
        tombstone(
            identifier=row["pk"],
            slug=row["slug"],
            reason=reason_for(row["publication_status"]),
            updated_at=row["updated_at"],
        )
        for row in rows
    ]


# What PUT and PATCH of an initiative share in the schema.
INITIATIVE_UPDATE = {
    "description": _(
        "Jeton avec le droit write:initiatives, sur un projet que son organisation porte : porteur du projet, "
        "ou impliquée avec le rôle « porteur ». Une organisation impliquée dans un autre rôle (partenaire, "
        "financeur, bénéficiaire…) ne modifie rien du projet (403). If-Match obligatoire (absent : 428 ; "
        "périmé : 412). Un changement de statut suit le cycle de vie ; validé, en cours et terminé exigent une "
        "revue énergétique approuvée (sinon 400). Les textes longs ont une taille maximale (sinon 400)."
    ),
    "request": InitiativeWriteSerializer,
    "responses": {200: InitiativeDetailSerializer, **error_responses(*WRITE_ERRORS)},
}


@extend_schema_view(
    list=extend_schema(
        summary=_("Projets de la stratégie (liste filtrable)"),
        description=_("Les projets publiés de la stratégie ESS, filtrés par les mêmes paramètres que leur page."),
        responses={200: InitiativeSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Un projet, avec jalons, indicateurs et leurs mesures, acteurs, financements et revue énergétique"),
        description=_("Un projet publié, par son identifiant, avec tout son détail."),
        responses={200: InitiativeDetailSerializer, **read_responses()},
    ),
    update=extend_schema(
        summary=_("Modifier un projet que son organisation porte (If-Match obligatoire)"), **INITIATIVE_UPDATE
    ),
    partial_update=extend_schema(
        summary=_("Modifier en partie un projet que son organisation porte (If-Match obligatoire)"), **INITIATIVE_UPDATE
    ),
)
class InitiativeViewSet(
    ApiViewMixin,
    GuardedUpdateMixin,
    WithdrawnListMixin,
    mixins.ListModelMixin,
    RecordRetrieveMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Initiatives of the strategy. Updates need a token with `write:initiatives` of the leading organisation."""

    lookup_field = "slug"
    filterset_class = InitiativeFilterSet
    ordering_fields = ["title", "updated_at", "created_at"]
    write_scope = ApiToken.Scope.WRITE_INITIATIVES
    detail_serializer_class = InitiativeDetailSerializer
    write_serializer_class = InitiativeWriteSerializer
    pagination_class = SyncPagination

    def get_queryset(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            # Writes find the record (404), check the token's rights (403), then re-read it locked.
            return Initiative.objects.all()
        queryset = initiative_detail_queryset(self.request) if self.action != "list" else initiative_queryset()
        return visible(queryset, self.request)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return InitiativeWriteSerializer
        return InitiativeDetailSerializer if self.action == "retrieve" else InitiativeSerializer

    def can_write_object(self, token, obj) -> bool:
        # Only who leads an initiative changes it (status, title, texts, dates, budget…): a partner,
        # funder or beneficiary reads it but does not rewrite another organisation's project.
        if obj.is_led_by(token.organisation_id):
            return True
        if obj.involvements.filter(actor_id=token.organisation_id).exists():
            raise exceptions.PermissionDenied(
                _(
                    "Seule l'organisation qui porte ce projet (porteur, ou impliquée comme « porteur ») peut le "
                    "modifier ; votre organisation y est impliquée dans un autre rôle."
                )
            )
        return False

    def list(self, request, *args, **kwargs):
        # Over what this caller may see: a change to a hidden record does not show in the header.
        self.last_modified = visible(Initiative.objects.all(), request).aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)

    def detail_queryset(self):
        return initiative_detail_queryset(self.request)

    def withdrawn_tombstones(self, since):
        return publication_tombstones(Initiative.objects.withdrawn_since(since))

    @staticmethod
    def apply_update(initiative: Initiative, validated: dict, token: ApiToken) -> None:
        to_status = validated.pop("status", None)
        reason = validated.pop("status_reason", "").strip()
        for field, value in validated.items():
            setattr(initiative, field, value)
        try:
            initiative.full_clean()
        except DjangoValidationError as exc:
            raise django_validation_error_to_drf(exc) from None
        initiative._change_reason = history_reason(token)
        initiative.save()
        if to_status is None or to_status == initiative.status:
            return
        try:
            services.change_status(
                initiative=initiative,
                to_status=to_status,
                by=None,
                reason=f"{history_reason(token)} — {reason}" if reason else history_reason(token),
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise django_validation_error_to_drf(exc) from None
            raise django_validation_error_to_drf(DjangoValidationError({"status": exc.messages})) from None


@extend_schema_view(
    list=extend_schema(
        summary=_("Lieux et locaux (liste filtrable)"),
        description=_("Les lieux publiés, paginés en JSON ou entiers en GeoJSON et CSV."),
        parameters=[format_parameter()],
        responses={
            (200, "application/json"): SiteSerializer(many=True),
            **LIST_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(
        summary=_("Un lieu"),
        description=_("Un lieu publié, par son identifiant."),
        responses={200: SiteSerializer, **read_responses()},
    ),
)
class SiteViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    RecordRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Sites and premises that ESS projects may occupy."""

    serializer_class = SiteSerializer
    lookup_field = "slug"
    filterset_class = SiteApiFilterSet
    ordering_fields = ["name", "updated_at"]
    csv_table = SITE_CSV
    csv_filename = "lieux.csv"
    pagination_class = SyncPagination

    def get_queryset(self):
        return visible(site_queryset(self.request), self.request)

    def csv_row(self, data):
        return site_csv_row(data)

    def withdrawn_tombstones(self, since):
        return publication_tombstones(Site.objects.withdrawn_since(since))


# ---------------------------------------------------------------------------
# Consultations


class InitiativeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Initiative
        fields = ["slug", "title"]


class ParticipantSerializer(serializers.ModelSerializer):
    actor = ActorRefSerializer(read_only=True)
    kind = serializers.ChoiceField(
        choices=ConsultationParticipant.Kind.choices,
        read_only=True,
        help_text=_(
            "ess : acteur de l'ESS ; public_body : acteur public ; business : entreprise ; residents : habitants."
        ),
    )

    class Meta:
        model = ConsultationParticipant
        fields = ["actor", "kind"]


class StatusChangeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "changed_at"]


class MilestoneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "planned_on", "done_on"]


class VersionRefSerializer(serializers.Serializer):
    history_id = serializers.IntegerField(help_text=_("Identifiant de la version dans l'historique du projet."))
    history_date = serializers.DateTimeField(help_text=_("Date de la version."))


class EffectSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=ConsultationEffect.Kind.choices,
        read_only=True,
        help_text=_(
            "status_change : changement de statut ; milestone : jalon ; version : version de la fiche du projet."
        ),
    )
    initiative = serializers.SerializerMethodField(help_text=_("Identifiant du projet que le changement concerne."))
    status_change = StatusChangeRefSerializer(read_only=True, allow_null=True)
    milestone = MilestoneRefSerializer(read_only=True, allow_null=True)
    version = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationEffect
        fields = ["kind", "initiative", "status_change", "milestone", "version", "description"]

    def get_initiative(self, obj) -> str:
        if obj.status_change_id:
            return obj.status_change.initiative.slug
        if obj.milestone_id:
            return obj.milestone.initiative.slug
        return obj.initiative_version.slug

    @extend_schema_field(VersionRefSerializer(allow_null=True))
    def get_version(self, obj) -> dict | None:
        if not obj.initiative_version_id:
            return None
        return VersionRefSerializer(obj.initiative_version).data


class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation with its links: initiatives, participants by kind (published actors), effects."""

    initiative = InitiativeRefSerializer(read_only=True, help_text=_("Le projet principal."))
    other_initiatives = serializers.SerializerMethodField(
        help_text=_("Identifiants des autres projets concernés (publiés).")
    )
    participants = ParticipantSerializer(
        source="visible_participants",
        many=True,
        read_only=True,
        help_text=_("Les acteurs de l'annuaire qui y ont pris part (fiches publiées seulement), avec leur type."),
    )
    effects = EffectSerializer(
        source="visible_effects",
        many=True,
        read_only=True,
        help_text=_("Les changements qui en ont découlé : statut, jalon ou version d'un projet concerné."),
    )
    url = serializers.SerializerMethodField(help_text=_("La consultation sur la page publique de son projet."))

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "held_on",
            "format",
            "participation_level",
            "participants_count",
            "initiative",
            "other_initiatives",
            "participants",
            "effects",
            "outcomes",
            "decisions",
            "changes",
            "is_public",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_other_initiatives(self, obj) -> list[str]:
        return [initiative.slug for initiative in obj.visible_other_initiatives]

    def get_url(self, obj) -> str:
        return f"{public_url(obj.initiative)}#consultation-{obj.pk}"


CONSULTATION_CSV = CsvTable(
    name="consultations",
    title=_("Consultations des projets (API)"),
    description=_(
        "GET /api/v1/consultations/?format=csv : les consultations publiques des projets publiés, CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM), plusieurs valeurs d'une cellule séparées par « | »."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("title", description=_("Intitulé.")),
        Column("held_on", "date", _("Date.")),
        Column("format", description=_("Format (code)."), constraints={"enum": Consultation.Format.values}),
        Column(
            "participation_level",
            description=_("Niveau de participation (code)."),
            constraints={"enum": Consultation.Level.values},
        ),
        Column("participants_count", "integer", _("Nombre de participants."), constraints={"minimum": 0}),
        Column("initiative", description=_("Identifiant du projet principal.")),
        Column("other_initiatives", description=_("Identifiants des autres projets concernés, séparés par « | ».")),
        *(
            Column(
                f"participants_{kind}",
                description=_("Identifiants des acteurs participants de type « %(kind)s », séparés par « | ».")
                % {"kind": label},
            )
            for kind, label in ConsultationParticipant.Kind.choices
        ),
        Column(
            "effects",
            description=_("Changements qui en ont découlé, « type:projet:date », séparés par « | »."),
        ),
        Column("outcomes", description=_("Ce qui en est ressorti.")),
        Column("decisions", description=_("Décisions.")),
        Column("changes", description=_("Ce qui a changé dans le projet.")),
        Column("is_public", "boolean", _("Consultation publique.")),
        Column("updated_at", "datetime", _("Modifié le (ISO 8601).")),
        Column("url", description=_("La consultation sur la page publique de son projet."), format="uri"),
    ),
)


def _effect_cell(effect: dict) -> str:
    date = ""
    if effect["status_change"]:
        date = effect["status_change"]["changed_at"][:10]
    elif effect["milestone"]:
        date = effect["milestone"]["done_on"] or effect["milestone"]["planned_on"]
    elif effect["version"]:
        date = effect["version"]["history_date"][:10]
    return f"{effect['kind']}:{effect['initiative']}:{date}"


def consultation_csv_row(data: dict) -> dict:
    row = {column: csv_value(data.get(column)) for column in CONSULTATION_CSV.header()}
    row["initiative"] = data["initiative"]["slug"]
    for kind in ConsultationParticipant.Kind.values:
        row[f"participants_{kind}"] = csv_value(
            [item["actor"]["slug"] for item in data["participants"] if item["kind"] == kind]
        )
    row["effects"] = csv_value([_effect_cell(effect) for effect in data["effects"]])
    return row


def consultation_queryset(request):
    """Consultations with their links; the actors and initiatives `request`'s caller may not see are left out."""
    initiatives = visible(Initiative.objects.all(), request)
    return Consultation.objects.select_related("initiative").prefetch_related(
        Prefetch(
            "other_initiatives",
            queryset=initiatives.order_by("slug"),
            to_attr="visible_other_initiatives",
        ),
        Prefetch(
            "participants",
            queryset=ConsultationParticipant.objects.filter(actor__in=visible(Actor.objects.all(), request))
            .select_related("actor")
            .order_by("kind", "actor__slug", "pk"),
            to_attr="visible_participants",
        ),
        Prefetch(
            "effects",
            queryset=ConsultationEffect.objects.filter(
                Q(status_change__initiative__in=initiatives)
                | Q(milestone__initiative__in=initiatives)
                | Q(initiative_version__id__in=initiatives.values("pk"))
            )
            .select_related("status_change__initiative", "milestone__initiative", "initiative_version")
            .order_by("pk"),
            to_attr="visible_effects",
        ),
    )


class RecordSyncPagination(SyncPagination):
    """The API's pages for records without a public slug: their tombstones' `slug` is null."""

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"][WITHDRAWN]["items"]["properties"]["slug"]["nullable"] = True
        return paginated


@extend_schema_view(
    list=extend_schema(
        summary=_("Consultations des projets (liste filtrable)"),
        description=_(
            "Les consultations publiques des projets publiés, avec leurs liens : projets concernés, acteurs "
            "participants par type (fiches publiées seulement), changements qui en ont découlé. Mêmes filtres que "
            "la page /strategie/consultations/ ; paginées en JSON, entières en CSV."
        ),
        parameters=[format_parameter(geojson=False)],
        responses={
            (200, "application/json"): ConsultationSerializer(many=True),
            **CSV_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(
        summary=_("Une consultation"),
        description=_("Une consultation publique d'un projet publié, par son identifiant."),
        responses={200: ConsultationSerializer, **read_responses()},
    ),
)
class ConsultationViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    RecordRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The consultation ledger across initiatives: read-only."""

    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilterSet
    ordering_fields = ["held_on", "updated_at"]
    csv_table = CONSULTATION_CSV
    csv_filename = "consultations.csv"
    pagination_class = RecordSyncPagination

    def get_queryset(self):
        return visible(consultation_queryset(self.request), self.request)

    def get_renderers(self):
        # No coordinates: JSON and CSV only (`?format=geojson` is a 406).
        return [JSONRenderer(), CSVRenderer()] if self.action == "list" else [JSONRenderer()]

    def csv_row(self, data):
        return consultation_csv_row(data)

    def withdrawn_tombstones(self, since):
        rows = Consultation.objects.withdrawn_since(since).order_by("updated_at", "pk").values("pk", "updated_at")
        return [
            tombstone(identifier=row["pk"], slug=None, reason=reason_for("unpublished"), updated_at=row["updated_at"])
            for row in rows
        ]


# ---------------------------------------------------------------------------
# The agenda


class EventPlaceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Le lieu en une ligne : lieu, adresse, commune."))
    address = serializers.CharField(allow_blank=True)
    commune = CommuneRefSerializer(allow_null=True)
    site = serializers.SlugField(
        allow_null=True, help_text=_("Identifiant du lieu de /api/v1/sites/, s'il est publié.")
    )


class EventSerializer(serializers.ModelSerializer):
    """An event of the agenda. Times are ISO 8601 with their offset, in Paris time."""

    place = serializers.SerializerMethodField(
        help_text=_("Où se tient l'événement ; null s'il est en ligne seulement.")
    )
    organisers = serializers.SerializerMethodField(help_text=_("Les organisateurs publiés."))
    initiatives = serializers.SerializerMethodField(help_text=_("Identifiants des projets liés publiés."))
    url = serializers.SerializerMethodField(help_text=_("Page publique de l'événement."))
    ics_url = serializers.SerializerMethodField(help_text=_("L'événement en iCalendar."))
    sequence = serializers.IntegerField(read_only=True, help_text=_("Révision : augmente à chaque modification."))
    # Blank when unset: plain strings, not `uri`, for clients that validate answers against the schema.
    online_url = serializers.CharField(
        read_only=True, help_text=_("Adresse où suivre l'événement en ligne (http ou https), ou vide.")
    )
    registration_url = serializers.CharField(
        read_only=True, help_text=_("Lien d'inscription (http ou https), ou vide.")
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "slug",
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "event_status",
            "attendance_mode",
            "place",
            "online_url",
            "accessibility",
            "registration_url",
            "organisers",
            "initiatives",
            "publication_status",
            "is_fictional",
            "sequence",
            "created_at",
            "updated_at",
            "url",
            "ics_url",
        ]
        read_only_fields = fields

    @extend_schema_field(EventPlaceSerializer(allow_null=True))
    def get_place(self, obj) -> dict | None:
        if not obj.is_in_person:
            return None
        site = obj.site if obj.site_id else None
        if site is not None and not (site.is_published or can_read_unpublished(self.context.get("request"))):
            site = None
        commune = obj.commune
        return {
            "name": obj.place_name,
            "address": obj.address or (site.address if site else ""),
            "commune": {"insee_code": commune.insee_code, "name": commune.name} if commune else None,
            "site": site.slug if site else None,
        }

    @extend_schema_field(ActorRefSerializer(many=True))
    def get_organisers(self, obj) -> list[dict]:
        return [{"slug": actor.slug, "name": actor.name} for actor in obj.public_actors]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_initiatives(self, obj) -> list[str]:
        return [initiative.slug for initiative in obj.public_initiatives]

    def get_url(self, obj) -> str:
        return public_url(obj)

    def get_ics_url(self, obj) -> str:
        return public_url(obj).removesuffix("/") + ".ics"


EVENT_CSV = CsvTable(
    name="events",
    title=_("Agenda (API)"),
    description=_(
        "GET /api/v1/events/?format=csv : les événements publiés (tous avec read:unpublished), CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM), plusieurs valeurs d'une cellule séparées par « | »."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("slug", description=_("Identifiant public.")),
        Column("title", description=_("Titre.")),
        Column("kind", description=_("Type d'événement (code)."), constraints={"enum": Event.Kind.values}),
        Column("starts_at", "datetime", _("Début (ISO 8601, heure de Paris avec son décalage).")),
        Column("ends_at", "datetime", _("Fin (ISO 8601, heure de Paris avec son décalage).")),
        Column("event_status", description=_("Prévu ou annulé (code)."), constraints={"enum": Event.Status.values}),
        Column(
            "attendance_mode",
            description=_("Sur place, en ligne ou les deux (code)."),
            constraints={"enum": Event.Attendance.values},
        ),
        Column("place", description=_("Le lieu en une ligne.")),
        code_column("commune_insee_code", INSEE_CODE_PATTERN, _("Code INSEE de la commune.")),
        Column("online_url", description=_("Adresse en ligne."), format="uri"),
        Column("registration_url", description=_("Lien d'inscription."), format="uri"),
        Column("organisers", description=_("Identifiants publics des organisateurs, séparés par « | ».")),
        Column("updated_at", "datetime", _("Modifié le (ISO 8601).")),
        Column("url", description=_("Page publique de l'événement."), format="uri"),
    ),
)


def event_csv_row(data: dict) -> dict:
    place = data.get("place") or {}
    commune = place.get("commune") or {}
    row = {column: csv_value(data.get(column)) for column in EVENT_CSV.header()}
    row["place"] = place.get("name", "")
    row["commune_insee_code"] = commune.get("insee_code", "")
    row["organisers"] = csv_value([actor["slug"] for actor in data.get("organisers") or []])
    return row


def event_queryset(request):
    """Events with their place, organisers and initiatives, leaving out what `request`'s caller may not see."""
    return Event.objects.select_related("commune", "site", "site__commune").prefetch_related(
        Prefetch("actors", queryset=visible(Actor.objects.order_by("name", "pk"), request), to_attr="public_actors"),
        Prefetch(
            "initiatives",
            queryset=visible(Initiative.objects.order_by("slug"), request),
            to_attr="public_initiatives",
        ),
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Agenda : les événements (liste filtrable)"),
        description=_(
            "Les événements publiés, filtrés par les mêmes paramètres que la page /agenda/ et le flux /agenda.ics "
            "(sans `when` : tous, passés et à venir), paginés en JSON ou entiers en CSV."
        ),
        parameters=[format_parameter(geojson=False)],
        responses={
            (200, "application/json"): EventSerializer(many=True),
            **CSV_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(
        summary=_("Un événement"),
        description=_("Un événement publié, par son identifiant."),
        responses={200: EventSerializer, **read_responses()},
    ),
)
class EventViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    RecordRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The agenda's events, with their published organisers."""

    serializer_class = EventSerializer
    lookup_field = "slug"
    filterset_class = EventFilterSet
    ordering_fields = ["starts_at", "updated_at"]
    csv_table = EVENT_CSV
    csv_filename = "agenda.csv"
    pagination_class = SyncPagination

    def get_renderers(self):
        # No GeoJSON: an event has no point of its own.
        if self.action == "list":
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def get_queryset(self):
        return visible(event_queryset(self.request), self.request)

    def csv_row(self, data):
        return event_csv_row(data)

    def withdrawn_tombstones(self, since):
        return publication_tombstones(Event.objects.withdrawn_since(since))


def register(router) -> None:
    router.register("initiatives", InitiativeViewSet, basename="initiative")
    router.register("sites", SiteViewSet, basename="site")
    router.register("consultations", ConsultationViewSet, basename="consultation")
    router.register("events", EventViewSet, basename="event")
