"""data·inclusion v1 exports (https://schema.data.inclusion.beta.gouv.fr), with the standard's French names.

Published actors are its *structures*, published support offers its *services*. Mappings are
conservative: a value without a plain equivalent in the standard's vocabularies is left empty.
"""

import email_validator
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from directory.api.actors import actor_tombstones
from directory.api.refs import public_url
from directory.api.support import offer_tombstones, support_offer_queryset
from directory.filters import PortalFilterSet, updated_since_filter
from directory.models import Actor, SupportOffer
from ess_portal.api.schema import read_responses
from ess_portal.api.sync import SyncPagination, WithdrawnListMixin
from ess_portal.api.views import ApiViewMixin

# Who produces the records, and Est Ensemble's EPCI code (its SIREN).
DATA_INCLUSION_SOURCE = "ess-portal-est-ensemble"
EST_ENSEMBLE_EPCI = "200057875"


def data_inclusion_id(slug: str) -> str:
    """The data·inclusion identifier of a structure or service of this source."""
    return f"{DATA_INCLUSION_SOURCE}--{slug}"


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
        "id": data_inclusion_id(actor.slug),
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
        "structure_id": data_inclusion_id(offer.provider.slug),
        "id": data_inclusion_id(offer.slug),
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


def structure_tombstones(since) -> list[dict]:
    """Tombstones of the structures withdrawn since `since`, with data·inclusion identifiers (one query)."""
    return [
        {
            **item,
            "id": data_inclusion_id(item["slug"]),
            "merged_into": data_inclusion_id(item["merged_into"]) if item["merged_into"] else None,
        }
        for item in actor_tombstones(since)
    ]


def service_tombstones(since) -> list[dict]:
    """Tombstones of the services withdrawn since `since`, with data·inclusion identifiers (one query)."""
    return [{**item, "id": data_inclusion_id(item["slug"])} for item in offer_tombstones(since)]


class DataInclusionFilterSet(PortalFilterSet):
    """The exports' one filter: `updated_since`."""

    updated_since = updated_since_filter()


class DataInclusionPagination(SyncPagination):
    """Tombstones of the exports carry data·inclusion identifiers (strings)."""

    identifier_type = "string"


class _DataInclusionViewSet(ApiViewMixin, WithdrawnListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A data·inclusion export: published records only, whoever asks (the standard is for open data).

    The standard has no deletion: with `updated_since`, the first page adds the `withdrawn` side list
    (`ess_portal.api.sync`), whoever asks, since nobody reads unpublished records here.
    """

    filter_backends = [DjangoFilterBackend]
    filterset_class = DataInclusionFilterSet
    pagination_class = DataInclusionPagination

    def published_records(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.published_records().order_by("pk")

    def list(self, request, *args, **kwargs):
        self.last_modified = self.published_records().aggregate(last=Max("updated_at"))["last"]
        return super().list(request, *args, **kwargs)

    def caller_reads_everything(self) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        summary=_("Export data·inclusion : structures"),
        description=_("Les acteurs publiés au format structures du schéma data·inclusion v1, pour tous."),
        responses={200: DataInclusionStructureSerializer(many=True), **read_responses()},
    )
)
class DataInclusionStructureViewSet(_DataInclusionViewSet):
    """Published actors as data·inclusion v1 structures."""

    serializer_class = DataInclusionStructureSerializer

    def published_records(self):
        return Actor.objects.published().select_related("commune")

    def withdrawn_tombstones(self, since):
        return structure_tombstones(since)


@extend_schema_view(
    list=extend_schema(
        summary=_("Export data·inclusion : services"),
        description=_(
            "Les offres d'accompagnement publiées au format services du schéma data·inclusion v1, pour tous."
        ),
        responses={200: DataInclusionServiceSerializer(many=True), **read_responses()},
    )
)
class DataInclusionServiceViewSet(_DataInclusionViewSet):
    """Published support offers as data·inclusion v1 services."""

    serializer_class = DataInclusionServiceSerializer

    def published_records(self):
        return support_offer_queryset().published()

    def withdrawn_tombstones(self, since):
        return service_tombstones(since)
