"""Actors of the directory: read by everyone (what `.published()` allows), written with a partner token.

Writes go through `Model.full_clean()` — the validators the admin uses — and record the token's
organisation in the history. An update of a published record by a token without the `trusted`
scope is checked the same way, then waits for a moderator as a change request
(`directory.moderation`): the answer is a 202 pointing to it.
"""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from directory import moderation
from directory.api.change_requests import ChangeRequestSerializer
from directory.api.refs import CommuneRefSerializer, public_url
from directory.exports import ActorRows
from directory.filters import ActorFilterSet
from directory.merge import merged_survivor
from directory.models import (
    Actor,
    ApiToken,
    ChangeRequest,
    Commune,
    Neighbourhood,
    PublicationStatus,
    Role,
    Sector,
    Typology,
)
from directory.versions import current_version
from ess_portal.api.auth import history_reason, visible
from ess_portal.api.conditional import GuardedUpdateMixin, etag_for
from ess_portal.api.errors import django_validation_error_to_drf
from ess_portal.api.filters import SlugRelatedField as SafeSlugRelatedField
from ess_portal.api.filters import bbox_filter
from ess_portal.api.formats import StreamedListMixin, csv_converter, csv_value
from ess_portal.api.schema import (
    LIST_RESPONSES,
    WRITE_ERRORS,
    error_responses,
    format_parameter,
    read_responses,
)
from ess_portal.api.serializers import StrictCharField, WriteSerializer, model_bounds
from ess_portal.api.sync import SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ApiViewMixin, RecordRetrieveMixin
from ess_portal.csv_export import (
    INSEE_CODE_PATTERN,
    PLAIN,
    POSTAL_CODE_PATTERN,
    RNA_PATTERN,
    SIREN_PATTERN,
    SIRET_PATTERN,
    Column,
    CsvTable,
    code_column,
    text_cell,
)


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
        max_digits=7,
        decimal_places=1,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        **model_bounds(Actor, "fte"),
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


class ActorWriteSerializer(WriteSerializer):
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
    siret = StrictCharField(required=False, allow_blank=True, max_length=40, help_text=_("14 chiffres."))
    siren = StrictCharField(
        required=False, allow_blank=True, max_length=40, help_text=_("9 chiffres ; déduit du SIRET s'il est donné.")
    )
    rna = StrictCharField(
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


def proposed_changes(actor: Actor, validated: dict) -> dict:
    """What a validated update would change in `actor`, in the representation of change requests.

    The update is checked on a copy as a direct write is (`Actor.full_clean()`: the same 400s), and
    normalised as saving would (compact SIRET, tidy phone number), so that a value sent in another
    format is no change. The serializer's validated data is keyed by actor field (each field's source).
    """
    candidate = copy.copy(actor)
    for name, value in validated.items():
        if name not in M2M_ACTOR_FIELDS:
            setattr(candidate, name, value)
    try:
        candidate.full_clean()
    except DjangoValidationError as exc:
        raise django_validation_error_to_drf(exc) from None
    candidate.normalise()
    proposed = {
        name: moderation.encode(name, value if name in M2M_ACTOR_FIELDS else getattr(candidate, name))
        for name, value in validated.items()
    }
    return {name: value for name, value in proposed.items() if moderation.represent(actor, name) != value}


class ActorApiFilterSet(ActorFilterSet):
    """The directory page's FilterSet, plus `bbox`."""

    bbox = bbox_filter()


def actor_queryset():
    """Actors with everything their payload shows, in a fixed number of queries."""
    return Actor.objects.for_list().prefetch_related("roles", "labels", "communes_served")


ACTOR_CSV = CsvTable(
    name="actors",
    title=_("Acteurs de l'ESS (API)"),
    description=_(
        "GET /api/v1/actors/?format=csv : les acteurs publiés (tous avec read:unpublished), CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM), plusieurs valeurs d'une cellule séparées par « | »."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("slug", description=_("Identifiant public (adresse de la fiche).")),
        Column("name", description=_("Nom.")),
        code_column("siret", SIRET_PATTERN, _("SIRET, 14 chiffres.")),
        code_column("siren", SIREN_PATTERN, _("SIREN, 9 chiffres.")),
        code_column("rna", RNA_PATTERN, _("Numéro RNA des associations.")),
        Column("legal_form", description=_("Forme juridique (code)."), constraints={"enum": Actor.LegalForm.values}),
        Column("ess_status", description=_("Statut ESS (code)."), constraints={"enum": Actor.EssStatus.values}),
        Column("typology", description=_("Typologie (code)."), constraints={"enum": Typology.values}),
        Column("sectors", description=_("Identifiants des secteurs, séparés par « | ».")),
        Column("roles", description=_("Identifiants des rôles, séparés par « | ».")),
        Column("labels", description=_("Identifiants des labels et agréments, séparés par « | ».")),
        code_column("commune_insee_code", INSEE_CODE_PATTERN, _("Code INSEE de la commune.")),
        Column("commune_name", description=_("Nom de la commune.")),
        Column("neighbourhood", description=_("Identifiant du quartier prioritaire.")),
        code_column("postal_code", POSTAL_CODE_PATTERN, _("Code postal.")),
        Column("address", description=_("Adresse.")),
        Column("latitude", "number", _("Latitude WGS 84."), constraints={"minimum": -90, "maximum": 90}),
        Column("longitude", "number", _("Longitude WGS 84."), constraints={"minimum": -180, "maximum": 180}),
        Column("serves_whole_territory", "boolean", _("Intervient sur tout le territoire.")),
        Column("communes_served", description=_("Codes INSEE des communes d'intervention, séparés par « | ».")),
        Column("website", description=_("Site web.")),
        Column("email", description=_("E-mail public."), format="email"),
        Column("phone", description=_("Téléphone public.")),
        Column("short_description", description=_("Description courte.")),
        Column("description", description=_("Description.")),
        Column("offer", description=_("Offre.")),
        Column("employees", "integer", _("Salariés."), constraints={"minimum": 0}),
        Column("fte", "number", _("Équivalents temps plein."), constraints={"minimum": 0}),
        Column("volunteers", "integer", _("Bénévoles."), constraints={"minimum": 0}),
        Column("founded_year", "integer", _("Année de création.")),
        Column("opening_hours", description=_("Horaires (format OpenStreetMap opening_hours).")),
        Column("status", description=_("État de publication."), constraints={"enum": PublicationStatus.values}),
        Column("source", description=_("Origine de la fiche (code)."), constraints={"enum": Actor.Source.values}),
        Column("is_fictional", "boolean", _("Fiche de démonstration.")),
        Column("last_verified_at", "date", _("Dernière vérification.")),
        Column("created_at", "datetime", _("Créée le (ISO 8601).")),
        Column("updated_at", "datetime", _("Modifiée le (ISO 8601).")),
        Column("url", description=_("Adresse de la fiche publique."), format="uri"),
    ),
)


_ACTOR_CSV_HEADER = tuple(ACTOR_CSV.header())


def actor_csv_row(data: dict) -> dict:
    """A serialized actor as CSV cells (commune split in two columns, lists joined with « | »)."""
    commune = data.get("commune") or {}
    row = {column: csv_value(data.get(column)) for column in _ACTOR_CSV_HEADER}
    row["commune_insee_code"] = commune.get("insee_code", "")
    row["commune_name"] = commune.get("name", "")
    return row


def _commune_insee_code(commune: dict | None) -> str:
    return "" if commune is None else text_cell(commune["insee_code"])


def _commune_name(commune: dict | None) -> str:
    return "" if commune is None else text_cell(commune["name"])


def actor_csv_columns(serializer: ActorSerializer) -> list[tuple[str, object]]:
    """Per column of `ACTOR_CSV`, the key of the serialized actor it shows and its converter.

    The cells are those of `actor_csv_row` through `safe_cell`, each converter chosen once for its column.
    """
    fields = serializer.fields
    special = {"commune_insee_code": ("commune", _commune_insee_code), "commune_name": ("commune", _commune_name)}
    return [special.get(column) or (column, csv_converter(fields[column])) for column in _ACTOR_CSV_HEADER]


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text=_("Valeur du paramètre de filtre (code INSEE, identifiant, code)."))
    label = serializers.CharField(help_text=_("Libellé en français."))
    level = serializers.IntegerField(min_value=0, max_value=1, help_text=_("1 pour un sous-secteur, 0 sinon."))
    count = serializers.IntegerField(
        min_value=0, help_text=_("Acteurs trouvés avec cette option, les autres options du groupe ignorées.")
    )
    selected = serializers.BooleanField(help_text=_("L'option est dans la requête."))


def facet_group(label):
    return FacetOptionSerializer(many=True, help_text=label)


class ActorFacetGroupsSerializer(serializers.Serializer):
    """One list of options per facet of ActorFilterSet.FACETS, in display order."""

    commune = facet_group(_("Communes du territoire."))
    neighbourhood = facet_group(_("Quartiers prioritaires."))
    sector = facet_group(_("Secteurs, chacun suivi de ses sous-secteurs (level 1)."))
    legal_form = facet_group(_("Formes juridiques."))
    typology = facet_group(_("Typologies."))
    label = facet_group(_("Labels et agréments."))
    role = facet_group(_("Rôles dans l'écosystème."))
    support = facet_group(_("Types d'accompagnement proposés."))


class ActorFacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, help_text=_("Nombre d'acteurs trouvés avec tous les filtres."))
    facets = ActorFacetGroupsSerializer(help_text=_("Décomptes disjonctifs par option de chaque filtre."))


def facet_groups(filterset: ActorFilterSet) -> dict[str, list[dict]]:
    """Every option of each facet with its disjunctive count and whether the query selects it."""
    counts = filterset.facets()
    return {
        name: [
            {
                "value": value,
                "label": label,
                "level": level,
                "count": counts[name].get(value, 0),
                "selected": value in filterset.data.getlist(name),
            }
            for value, label, level in options
        ]
        for name, options in filterset.facet_options().items()
    }


def actor_tombstones(since) -> list[dict]:
    """Tombstones of the actors withdrawn from the public since `since` (one query)."""
    rows = (
        Actor.objects.withdrawn_since(since)
        .order_by("updated_at", "pk")
        .values("pk", "slug", "status", "updated_at", "merged_into_id", "merged_into__slug", "merged_into__status")
    )
    return [
        tombstone(
            identifier=row["pk"],
            slug=row["slug"],
            reason=reason_for(row["status"], merged=row["merged_into_id"] is not None),
            merged_into=row["merged_into__slug"] if row["merged_into__status"] == PublicationStatus.PUBLISHED else None,
            updated_at=row["updated_at"],
        )
        for row in rows
    ]


# What PUT and PATCH of an actor share in the schema.
ACTOR_UPDATE = {
    "description": _(
        "Jeton avec le droit write:actors, sur la fiche de son organisation seulement (sinon 403). "
        "If-Match obligatoire avec l'ETag lu (absent : 428 ; périmé : 412, avec qui a modifié quoi). "
        "Une fiche publiée n'est modifiée qu'après validation par l'équipe : la réponse est alors 202, "
        "avec la demande de modification (Location : son adresse), et la fiche reste telle quelle "
        "jusqu'à la décision. Avec le droit trusted, ou sur une fiche pas encore publiée, la "
        "modification est immédiate (200). Rien à changer : 200, sans demande. Consigné dans l'historique."
    ),
    "request": ActorWriteSerializer,
    "parameters": [
        OpenApiParameter(
            "Location",
            OpenApiTypes.URI,
            location=OpenApiParameter.HEADER,
            response=[202],
            description=str(_("Adresse de la demande de modification dans l'API.")),
        )
    ],
    "responses": {
        200: ActorSerializer,
        202: OpenApiResponse(
            ChangeRequestSerializer,
            description=str(_("Modification en attente de l'équipe (fiche publiée, jeton sans le droit trusted).")),
        ),
        **error_responses(*WRITE_ERRORS),
    },
}


@extend_schema_view(
    list=extend_schema(
        summary=_("Acteurs (liste filtrable)"),
        description=_(
            "Acteurs publiés (et, avec le droit read:unpublished, ceux de son organisation), filtrés par les "
            "mêmes paramètres que l'annuaire, paginés en JSON ou entiers en GeoJSON et CSV."
        ),
        parameters=[format_parameter()],
        responses={
            (200, "application/json"): ActorSerializer(many=True),
            **LIST_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(
        summary=_("Un acteur"),
        description=_(
            "Une fiche publiée, par son identifiant ; une fiche fusionnée renvoie (301) vers celle conservée."
        ),
        responses={
            200: ActorSerializer,
            301: OpenApiResponse(
                description=_("Fiche fusionnée dans une autre : Location donne l'adresse de la fiche conservée.")
            ),
            **read_responses(),
        },
    ),
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
    update=extend_schema(summary=_("Modifier la fiche de son organisation (If-Match obligatoire)"), **ACTOR_UPDATE),
    partial_update=extend_schema(
        summary=_("Modifier en partie la fiche de son organisation (If-Match obligatoire)"), **ACTOR_UPDATE
    ),
)
class ActorViewSet(
    ApiViewMixin,
    GuardedUpdateMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    mixins.ListModelMixin,
    RecordRetrieveMixin,
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
    csv_table = ACTOR_CSV
    csv_filename = "acteurs.csv"
    pagination_class = SyncPagination

    def get_queryset(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            # Writes find the record (404), check the token's rights (403), then re-read it locked.
            return Actor.objects.all()
        return visible(actor_queryset(), self.request)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ActorWriteSerializer
        return ActorSerializer

    def csv_row(self, data):
        return actor_csv_row(data)

    def csv_columns(self):
        return actor_csv_columns(self.get_serializer())

    def serialized_rows(self, queryset):
        return ActorRows(queryset, self.get_serializer())

    def page_queryset(self, queryset):
        # The page's rows only carry what the cursor reads (the order's fields); the records are read in bulk.
        ordering = queryset.query.order_by or Actor._meta.ordering
        columns = {field.name for field in Actor._meta.concrete_fields}
        read = ["pk", *(item.lstrip("-") for item in ordering if isinstance(item, str) and item.lstrip("-") in columns)]
        return queryset.select_related(None).prefetch_related(None).only(*read)

    def page_records(self, page):
        return ActorRows.of_page(page, self.get_serializer())

    def withdrawn_tombstones(self, since):
        return actor_tombstones(since)

    @extend_schema(
        summary=_("Décompte des acteurs par filtre (facettes)"),
        description=_(
            "Mêmes paramètres que la liste des acteurs. count : les acteurs trouvés ; facets : pour chaque "
            "filtre, toutes ses options avec le nombre d'acteurs trouvés si on l'ajoutait, les autres options "
            "du même filtre ignorées (« Montreuil ou Bagnolet ») : cocher une commune laisse aux autres "
            "communes leurs décomptes. Seuls les acteurs publiés sont comptés, sauf avec le droit read:unpublished."
        ),
        filters=True,
        responses={200: ActorFacetsSerializer, **read_responses()},
    )
    @action(detail=False, methods=["get"], filter_backends=[DjangoFilterBackend], pagination_class=None)
    def facets(self, request):
        """Disjunctive counts of the directory's facets, for the list's query parameters."""
        backend = DjangoFilterBackend()
        filterset = backend.get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            # The list's answer to the same parameters: a 400 naming each invalid one.
            raise filter_utils.translate_validation(filterset.errors)
        data = {"count": filterset.qs.count(), "facets": facet_groups(filterset)}
        return Response(ActorFacetsSerializer(data).data)

    def retrieve(self, request, *args, **kwargs):
        """An actor; an actor merged into another answers 301 with the address of the one kept."""
        slug = kwargs.get(self.lookup_field, "")
        readable = visible(Actor.objects.all(), request)
        try:
            obj = self.get_object()
        except Http404:
            survivor = merged_survivor(slug, readable)
            if survivor is None:
                raise
            return self.moved_to(request, survivor)
        if obj.merged_into_id:
            survivor = readable.filter(pk=obj.merged_into_id).first()
            if survivor is not None:
                return self.moved_to(request, survivor)
        self.last_modified = obj.updated_at
        self.record = obj
        return Response(self.get_serializer(obj).data)

    def moved_to(self, request, survivor: Actor) -> HttpResponsePermanentRedirect:
        location = request.build_absolute_uri(reverse("actor-detail", kwargs={"slug": survivor.slug}))
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)

    def can_write_object(self, token, obj) -> bool:
        return obj.pk == token.organisation_id

    def create(self, request, *args, **kwargs):
        token = request.auth
        serializer = ActorWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Whatever was sent, a partner's proposal waits for the staff's review.
        actor = Actor(status=PublicationStatus.PENDING, source=Actor.Source.PARTNER_API)
        with transaction.atomic():
            self.apply_update(actor, serializer.validated_data, token)
        actor = actor_queryset().get(pk=actor.pk)
        data = ActorSerializer(actor, context=self.get_serializer_context()).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{actor.slug}/")
        response["ETag"] = etag_for(data, current_version(actor))
        return response

    def detail_queryset(self):
        return actor_queryset()

    def submit_update(self, actor: Actor, validated: dict, token: ApiToken) -> Response | None:
        if not token.update_needs_review(actor):
            return super().submit_update(actor, validated, token)
        changes = proposed_changes(actor, validated)
        if not changes:
            # Nothing to review: the record as it is, unchanged (no history row, the same ETag).
            return None
        change_request = moderation.submit(kind=ChangeRequest.Kind.PARTNER, actor=actor, changes=changes, token=token)
        data = ChangeRequestSerializer(change_request, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

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
