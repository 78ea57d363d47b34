"""The directory's partner API: serializers and viewsets (routes in `ess_portal.api`).

Reads show what `.published()` allows (everything to staff and to tokens with
`read:unpublished`); writes go through `Model.full_clean()` — the validators the admin
uses — and record the token's organisation in the history.
"""

import django_filters
import email_validator
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from directory.filters import ActorFilterSet, SupportOfferFilterSet
from directory.models import (
    Actor,
    ApiToken,
    Commune,
    Neighbourhood,
    PublicationStatus,
    Role,
    Sector,
    Stage,
    SupportOffer,
)
from ess_portal.api import (
    STREAM_CHUNK_SIZE,
    WRITE_ERRORS,
    ApiViewMixin,
    CSVRenderer,
    GeoJSONRenderer,
    GuardedUpdateMixin,
    bbox_filter,
    can_read_unpublished,
    csv_value,
    django_validation_error_to_drf,
    error_responses,
    etag_for,
    format_parameter,
    geojson_feature,
    history_reason,
    read_responses,
    stream_csv,
    stream_geojson,
)
from ess_portal.api import SlugRelatedField as SafeSlugRelatedField

# data·inclusion: who produces the records, and Est Ensemble's EPCI code (its SIREN).
DATA_INCLUSION_SOURCE = "ess-portal-est-ensemble"
EST_ENSEMBLE_EPCI = "200057875"


def public_url(obj) -> str:
    """The absolute address of a record's public page (SITE_URL + its path)."""
    return settings.SITE_URL + obj.get_absolute_url()


# ---------------------------------------------------------------------------
# Serializers


class CommuneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["insee_code", "name"]


class ActorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["slug", "name"]


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


class ActorSerializer(serializers.ModelSerializer):
    """An actor as partners read it (the contract's fields first)."""

    sectors = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text=_("Identifiants des secteurs.")
    )
    commune = CommuneRefSerializer(read_only=True, allow_null=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    # Plain strings: empty when unknown (an empty string is not a valid e-mail address or URL).
    website = serializers.CharField(read_only=True, help_text=_("Adresse du site web, ou vide."))
    email = serializers.CharField(read_only=True, help_text=_("E-mail public, ou vide."))
    url = serializers.SerializerMethodField(help_text=_("Adresse de la fiche publique."))
    roles = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    neighbourhood = serializers.SlugRelatedField(
        read_only=True, slug_field="slug", allow_null=True, help_text=_("Identifiant du quartier prioritaire.")
    )
    communes_served = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="insee_code", help_text=_("Codes INSEE des communes d'intervention.")
    )
    fte = serializers.DecimalField(
        max_digits=7, decimal_places=1, coerce_to_string=False, read_only=True, allow_null=True
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "slug",
            "name",
            "siret",
            "legal_form",
            "typology",
            "sectors",
            "commune",
            "postal_code",
            "address",
            "latitude",
            "longitude",
            "website",
            "email",
            "phone",
            "description",
            "updated_at",
            "url",
            "siren",
            "rna",
            "ess_status",
            "roles",
            "labels",
            "neighbourhood",
            "serves_whole_territory",
            "communes_served",
            "short_description",
            "offer",
            "employees",
            "fte",
            "volunteers",
            "founded_year",
            "opening_hours",
            "status",
            "source",
            "is_fictional",
            "last_verified_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return public_url(obj)


class ActorWriteSerializer(serializers.ModelSerializer):
    """What a partner may send. Publication state, source, labels and verification stay with the staff."""

    sectors = SafeSlugRelatedField(many=True, slug_field="slug", queryset=Sector.objects.all(), required=False)
    roles = SafeSlugRelatedField(many=True, slug_field="slug", queryset=Role.objects.all(), required=False)
    commune = SafeSlugRelatedField(
        slug_field="insee_code",
        queryset=Commune.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Code INSEE de la commune."),
    )
    neighbourhood = SafeSlugRelatedField(
        slug_field="slug", queryset=Neighbourhood.objects.all(), allow_null=True, required=False
    )
    communes_served = SafeSlugRelatedField(
        many=True, slug_field="insee_code", queryset=Commune.objects.all(), required=False
    )
    # Identifiers may be sent as printed (« 732 829 320 00074 »): the model compacts, then checks them.
    siret = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text=_("14 chiffres."))
    siren = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("9 chiffres ; déduit du SIRET s'il est donné.")
    )
    rna = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=_("Associations : W suivi de 9 chiffres.")
    )

    class Meta:
        model = Actor
        fields = [
            "name",
            "siret",
            "siren",
            "rna",
            "legal_form",
            "ess_status",
            "typology",
            "sectors",
            "roles",
            "address",
            "postal_code",
            "commune",
            "neighbourhood",
            "latitude",
            "longitude",
            "serves_whole_territory",
            "communes_served",
            "website",
            "email",
            "phone",
            "short_description",
            "description",
            "offer",
            "employees",
            "fte",
            "volunteers",
            "founded_year",
            "opening_hours",
        ]
        # Uniqueness (SIRET) and every other rule are checked by Actor.full_clean(), as in the admin.
        validators = []


M2M_ACTOR_FIELDS = ("sectors", "roles", "communes_served")


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


# ---------------------------------------------------------------------------
# data·inclusion v1 (https://schema.data.inclusion.beta.gouv.fr): French field names


def _e164(phone: str) -> str | None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"+33{digits[1:]}" if len(digits) == 10 and digits.startswith("0") else None


def _text(value: str, *, min_length: int, max_length: int) -> str | None:
    value = (value or "").strip()
    if len(value) < min_length:
        return None
    return value[:max_length]


def _http_url(value: str) -> str | None:
    # The standard wants http(s) links; the directory's URL fields also accept ftp.
    return value if (value or "").lower().startswith(("http://", "https://")) else None


def _email(value: str) -> str | None:
    # The standard's e-mail check (email-validator) is stricter than Django's (e.g. « x@localhost »).
    if not value:
        return None
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return value


def _name(value: str, fallback: str) -> str:
    # The standard wants 3 to 150 characters.
    value = (value or "").strip()
    if len(value) < 3:
        value = f"{value} — {fallback}".strip(" —")
    return value[:150]


def data_inclusion_structure(actor: Actor) -> dict:
    """An actor as a data·inclusion v1 `Structure`."""
    return {
        "source": DATA_INCLUSION_SOURCE,
        "id": f"{DATA_INCLUSION_SOURCE}--{actor.slug}",
        "nom": _name(actor.name, str(actor.get_legal_form_display())),
        "date_maj": timezone.localdate(actor.updated_at).isoformat(),
        "description": _text(actor.description or actor.short_description, min_length=5, max_length=10000),
        "lien_source": public_url(actor),
        "siret": actor.siret or None,
        "commune": actor.commune.name if actor.commune_id else None,
        "code_postal": actor.postal_code or None,
        "code_insee": actor.commune.insee_code if actor.commune_id else None,
        "adresse": actor.address or None,
        "complement_adresse": None,
        "longitude": float(actor.longitude) if actor.longitude is not None else None,
        "latitude": float(actor.latitude) if actor.latitude is not None else None,
        "telephone": _e164(actor.phone),
        "courriel": _email(actor.email),
        "site_web": _http_url(actor.website),
        "horaires_accueil": actor.opening_hours or None,
        "accessibilite_lieu": None,
        "reseaux_porteurs": None,
    }


# Conservative mappings: only what plainly matches; anything else is left empty.
DATA_INCLUSION_TYPES = {
    SupportOffer.Kind.COACHING: "accompagnement",
    SupportOffer.Kind.GRANT: "aide-financiere",
    SupportOffer.Kind.LOAN: "aide-financiere",
    SupportOffer.Kind.GUARANTEE: "aide-financiere",
    SupportOffer.Kind.EQUITY: "aide-financiere",
    SupportOffer.Kind.PREMISES: "aide-materielle",
    SupportOffer.Kind.TRAINING: "formation",
}
DATA_INCLUSION_THEMES_BY_STAGE = {
    "emergence": "creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
    "creation": "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
    "developpement": "creer-une-entreprise--developper-son-entreprise",
    "consolidation": "creer-une-entreprise--developper-son-entreprise",
    "changement-echelle": "creer-une-entreprise--developper-son-entreprise",
}
DATA_INCLUSION_FEES = {SupportOffer.Cost.FREE: "gratuit", SupportOffer.Cost.PAID: "payant"}


def data_inclusion_service(offer: SupportOffer) -> dict:
    """A support offer as a data·inclusion v1 `Service` (its provider is the structure)."""
    themes = sorted(
        {DATA_INCLUSION_THEMES_BY_STAGE[s.slug] for s in offer.stages.all() if s.slug in DATA_INCLUSION_THEMES_BY_STAGE}
    )
    fallback = _("%(kind)s proposé par %(provider)s") % {
        "kind": offer.get_kind_display(),
        "provider": offer.provider.name,
    }
    zone = [EST_ENSEMBLE_EPCI] if offer.whole_territory else sorted(c.insee_code for c in offer.communes.all())
    return {
        "source": DATA_INCLUSION_SOURCE,
        "structure_id": f"{DATA_INCLUSION_SOURCE}--{offer.provider.slug}",
        "id": f"{DATA_INCLUSION_SOURCE}--{offer.slug}",
        "nom": _name(offer.title, str(offer.get_kind_display())),
        "description": _text(offer.description, min_length=5, max_length=10000) or str(fallback)[:10000],
        "lien_source": public_url(offer.provider),
        "date_maj": timezone.localdate(offer.updated_at).isoformat(),
        "type": DATA_INCLUSION_TYPES.get(offer.kind),
        "thematiques": themes or None,
        "frais": DATA_INCLUSION_FEES.get(offer.cost),
        "frais_precisions": str(offer.get_cost_display()) if offer.cost == SupportOffer.Cost.MIXED else None,
        "publics": None,
        "publics_precisions": str(offer.get_target_typology_display()),
        "conditions_acces": offer.eligibility or None,
        "zone_eligibilite": zone or None,
        "lien_mobilisation": _http_url(offer.url),
    }


class DataInclusionStructureSerializer(serializers.Serializer):
    """data·inclusion v1 structure (field names of the standard)."""

    source = serializers.CharField()
    id = serializers.CharField()
    nom = serializers.CharField()
    date_maj = serializers.DateField()
    description = serializers.CharField(allow_null=True)
    lien_source = serializers.URLField()
    siret = serializers.CharField(allow_null=True)
    commune = serializers.CharField(allow_null=True)
    code_postal = serializers.CharField(allow_null=True)
    code_insee = serializers.CharField(allow_null=True)
    adresse = serializers.CharField(allow_null=True)
    complement_adresse = serializers.CharField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    telephone = serializers.CharField(allow_null=True)
    courriel = serializers.CharField(allow_null=True)
    site_web = serializers.CharField(allow_null=True)
    horaires_accueil = serializers.CharField(allow_null=True)
    accessibilite_lieu = serializers.CharField(allow_null=True)
    reseaux_porteurs = serializers.ListField(child=serializers.CharField(), allow_null=True)

    def to_representation(self, instance):
        return data_inclusion_structure(instance)


class DataInclusionServiceSerializer(serializers.Serializer):
    """data·inclusion v1 service (field names of the standard)."""

    source = serializers.CharField()
    structure_id = serializers.CharField()
    id = serializers.CharField()
    nom = serializers.CharField()
    description = serializers.CharField()
    lien_source = serializers.URLField()
    date_maj = serializers.DateField()
    type = serializers.CharField(allow_null=True)
    thematiques = serializers.ListField(child=serializers.CharField(), allow_null=True)
    frais = serializers.CharField(allow_null=True)
    frais_precisions = serializers.CharField(allow_null=True)
    publics = serializers.ListField(child=serializers.CharField(), allow_null=True)
    publics_precisions = serializers.CharField(allow_null=True)
    conditions_acces = serializers.CharField(allow_null=True)
    zone_eligibilite = serializers.ListField(child=serializers.CharField(), allow_null=True)
    lien_mobilisation = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        return data_inclusion_service(instance)


# ---------------------------------------------------------------------------
# FilterSets of the API (the pages' FilterSet plus what only the API needs)


class ActorApiFilterSet(ActorFilterSet):
    """The directory page's FilterSet, plus `bbox`."""

    bbox = bbox_filter()


class SupportOfferApiFilterSet(SupportOfferFilterSet):
    """The support finder's FilterSet, plus `updated_since`."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : offres modifiées depuis (synchronisation incrémentale)."),
    )


# ---------------------------------------------------------------------------
# Viewsets


def actor_queryset():
    """Actors with everything their payload shows, in a fixed number of queries."""
    return Actor.objects.for_list().prefetch_related("roles", "labels", "communes_served")


ACTOR_CSV_COLUMNS = [
    "id",
    "slug",
    "name",
    "siret",
    "siren",
    "rna",
    "legal_form",
    "ess_status",
    "typology",
    "sectors",
    "roles",
    "labels",
    "commune_insee_code",
    "commune_name",
    "neighbourhood",
    "postal_code",
    "address",
    "latitude",
    "longitude",
    "serves_whole_territory",
    "communes_served",
    "website",
    "email",
    "phone",
    "short_description",
    "description",
    "offer",
    "employees",
    "fte",
    "volunteers",
    "founded_year",
    "opening_hours",
    "status",
    "source",
    "is_fictional",
    "last_verified_at",
    "created_at",
    "updated_at",
    "url",
]


def actor_csv_row(data: dict) -> dict:
    """A serialized actor as CSV cells (commune split in two columns, lists joined with « | »)."""
    commune = data.get("commune") or {}
    row = {column: csv_value(data.get(column)) for column in ACTOR_CSV_COLUMNS}
    row["commune_insee_code"] = commune.get("insee_code", "")
    row["commune_name"] = commune.get("name", "")
    return row


class StreamedListMixin:
    """`?format=geojson` / `?format=csv` on a list: the whole filtered set, streamed, unpaginated."""

    csv_columns: list[str] = []
    csv_filename = "export.csv"

    def get_renderers(self):
        if self.action == "list":
            return [JSONRenderer(), GeoJSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def csv_row(self, data: dict) -> dict:
        raise NotImplementedError

    def stream_if_asked(self, queryset):
        renderer_format = getattr(self.request.accepted_renderer, "format", "json")
        if renderer_format not in ("geojson", "csv"):
            return None
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        rows = queryset.iterator(chunk_size=STREAM_CHUNK_SIZE)
        if renderer_format == "geojson":

            def feature(obj):
                data = serializer_class(obj, context=context).data
                return geojson_feature(data, obj.latitude, obj.longitude)

            return stream_geojson(rows, feature)
        return stream_csv(
            rows,
            self.csv_columns,
            lambda obj: self.csv_row(serializer_class(obj, context=context).data),
            self.csv_filename,
        )


LIST_RESPONSES = {
    (200, "application/geo+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description=str(_("FeatureCollection RFC 7946 ([lon, lat]), tout l'ensemble filtré."))
    ),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=str(_("CSV UTF-8, tout l'ensemble filtré."))),
}


@extend_schema_view(
    list=extend_schema(
        summary=_("Acteurs (liste filtrable)"),
        parameters=[format_parameter()],
        responses={
            (200, "application/json"): ActorSerializer(many=True),
            **LIST_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(summary=_("Un acteur"), responses={200: ActorSerializer, **read_responses()}),
    create=extend_schema(
        summary=_("Proposer un acteur (entre « à valider »)"),
        description=_(
            "Jeton avec le droit write:actors. La fiche entre « à valider » (status pending, source api), "
            "quels que soient les champs envoyés ; l'équipe la publie. Mêmes règles que l'administration "
            "(SIRET, code postal de la commune, coordonnées en France…)."
        ),
        request=ActorWriteSerializer,
        responses={201: ActorSerializer, **error_responses(400, 401, 403, 406, 415, 429)},
    ),
    update=extend_schema(
        summary=_("Modifier la fiche de son organisation (If-Match obligatoire)"),
        description=_(
            "Jeton avec le droit write:actors, sur la fiche de son organisation seulement (sinon 403). "
            "If-Match obligatoire avec l'ETag lu (absent : 428 ; périmé : 412). Consigné dans l'historique."
        ),
        request=ActorWriteSerializer,
        responses={200: ActorSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary=_("Modifier en partie la fiche de son organisation (If-Match obligatoire)"),
        description=_(
            "Jeton avec le droit write:actors, sur la fiche de son organisation seulement (sinon 403). "
            "If-Match obligatoire avec l'ETag lu (absent : 428 ; périmé : 412). Consigné dans l'historique."
        ),
        request=ActorWriteSerializer,
        responses={200: ActorSerializer, **error_responses(*WRITE_ERRORS)},
    ),
)
class ActorViewSet(
    ApiViewMixin,
    GuardedUpdateMixin,
    StreamedListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Actors of the directory. Writes need a token with `write:actors`."""

    lookup_field = "slug"
    filterset_class = ActorApiFilterSet
    ordering_fields = ["name", "updated_at", "created_at"]
    write_scope = ApiToken.Scope.WRITE_ACTORS
    detail_serializer_class = ActorSerializer
    write_serializer_class = ActorWriteSerializer
    csv_columns = ACTOR_CSV_COLUMNS
    csv_filename = "acteurs.csv"

    def get_queryset(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            # Writes find the record (404), check the token's rights (403), then re-read it locked.
            return Actor.objects.all()
        queryset = actor_queryset()
        return queryset if can_read_unpublished(self.request) else queryset.published()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ActorWriteSerializer
        return ActorSerializer

    def csv_row(self, data):
        return actor_csv_row(data)

    def can_write_object(self, token, obj) -> bool:
        return obj.pk == token.organisation_id

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        streamed = self.stream_if_asked(queryset)
        if streamed is not None:
            return streamed
        self.last_modified = Actor.objects.aggregate(last=Max("updated_at"))["last"]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ActorSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        actor = self.get_object()
        self.last_modified = actor.updated_at
        return Response(ActorSerializer(actor).data)

    def create(self, request, *args, **kwargs):
        token = request.auth
        serializer = ActorWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Whatever was sent, a partner's proposal waits for the staff's review.
        actor = Actor(status=PublicationStatus.PENDING, source=Actor.Source.PARTNER_API)
        with transaction.atomic():
            self.apply_update(actor, serializer.validated_data, token)
        actor = actor_queryset().get(pk=actor.pk)
        data = ActorSerializer(actor).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{actor.slug}/")
        response["ETag"] = etag_for(data)
        return response

    def detail_queryset(self):
        return actor_queryset()

    @staticmethod
    def apply_update(actor: Actor, validated: dict, token: ApiToken) -> None:
        m2m = {field: validated.pop(field) for field in M2M_ACTOR_FIELDS if field in validated}
        for field, value in validated.items():
            setattr(actor, field, value)
        try:
            actor.full_clean()
        except DjangoValidationError as exc:
            raise django_validation_error_to_drf(exc) from None
        actor._change_reason = history_reason(token)
        actor.save()
        for field, values in m2m.items():
            getattr(actor, field).set(values)


class _ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.last_modified = getattr(obj, "updated_at", None)
        return Response(self.get_serializer(obj).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Secteurs d'activité"), responses={200: SectorSerializer(many=True), **read_responses()}
    ),
    retrieve=extend_schema(summary=_("Un secteur"), responses={200: SectorSerializer, **read_responses()}),
)
class SectorViewSet(_ReadOnlyViewSet):
    """The two-level nomenclature of sectors."""

    queryset = Sector.objects.select_related("parent").order_by("position", "name", "pk")
    serializer_class = SectorSerializer
    lookup_field = "slug"


@extend_schema_view(
    list=extend_schema(
        summary=_("Communes (codes INSEE)"),
        responses={200: CommuneSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(summary=_("Une commune"), responses={200: CommuneSerializer, **read_responses()}),
)
class CommuneViewSet(_ReadOnlyViewSet):
    """Communes, looked up by INSEE code; `in_territory` marks the nine of Est Ensemble."""

    queryset = Commune.objects.order_by("name", "pk")
    serializer_class = CommuneSerializer
    lookup_field = "insee_code"


@extend_schema_view(
    list=extend_schema(
        summary=_("Quartiers prioritaires"),
        responses={200: NeighbourhoodSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Un quartier prioritaire"),
        responses={200: NeighbourhoodSerializer, **read_responses()},
    ),
)
class NeighbourhoodViewSet(_ReadOnlyViewSet):
    queryset = Neighbourhood.objects.prefetch_related("communes").order_by("name", "pk")
    serializer_class = NeighbourhoodSerializer
    lookup_field = "slug"


def support_offer_queryset():
    return SupportOffer.objects.select_related("provider").prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "pk")),
        Prefetch("sectors", queryset=Sector.objects.order_by("slug")),
        Prefetch("communes", queryset=Commune.objects.order_by("insee_code")),
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Offres d'accompagnement"),
        responses={200: SupportOfferSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une offre d'accompagnement"),
        responses={200: SupportOfferSerializer, **read_responses()},
    ),
)
class SupportOfferViewSet(_ReadOnlyViewSet):
    """Support offers of every provider (published offers of published providers)."""

    serializer_class = SupportOfferSerializer
    lookup_field = "slug"
    filterset_class = SupportOfferApiFilterSet
    ordering_fields = ["title", "updated_at"]

    def get_queryset(self):
        queryset = support_offer_queryset().order_by("title", "pk")
        return queryset if can_read_unpublished(self.request) else queryset.published()

    def list(self, request, *args, **kwargs):
        self.last_modified = SupportOffer.objects.aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary=_("Export data·inclusion : structures"),
        responses={200: DataInclusionStructureSerializer(many=True), **read_responses()},
    )
)
class DataInclusionStructureViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published actors as data·inclusion v1 structures."""

    serializer_class = DataInclusionStructureSerializer
    filter_backends = []

    def get_queryset(self):
        return Actor.objects.published().select_related("commune").order_by("pk")

    def list(self, request, *args, **kwargs):
        self.last_modified = Actor.objects.aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary=_("Export data·inclusion : services"),
        responses={200: DataInclusionServiceSerializer(many=True), **read_responses()},
    )
)
class DataInclusionServiceViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published support offers as data·inclusion v1 services."""

    serializer_class = DataInclusionServiceSerializer
    filter_backends = []

    def get_queryset(self):
        return support_offer_queryset().published().order_by("pk")

    def list(self, request, *args, **kwargs):
        self.last_modified = SupportOffer.objects.aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)


def register(router) -> None:
    router.register("actors", ActorViewSet, basename="actor")
    router.register("sectors", SectorViewSet, basename="sector")
    router.register("communes", CommuneViewSet, basename="commune")
    router.register("neighbourhoods", NeighbourhoodViewSet, basename="neighbourhood")
    router.register("support-offers", SupportOfferViewSet, basename="support-offer")
    router.register(
        "exports/data-inclusion/structures", DataInclusionStructureViewSet, basename="data-inclusion-structure"
    )
    router.register("exports/data-inclusion/services", DataInclusionServiceViewSet, basename="data-inclusion-service")
