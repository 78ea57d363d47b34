"""The cooperation network: links between published actors, as a list (JSON, CSV, GeoJSON lines) and as a graph.

Every answer reads `Cooperation.objects.published()` (both ends published), whatever the caller's
token may otherwise read, with the criteria of the page /annuaire/reseau/ (`CooperationFilterSet`).
The whole network, for graph tools, is `graph/`: JSON Graph Format v2 by default, GraphML with
`?format=graphml`, both streamed, with an ETag made of the data version (a 304 costs one query).
"""

import hashlib
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from django.db.models import Q
from django.http import HttpResponseNotModified, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer

from directory.api.refs import ActorRefSerializer
from directory.filters import CooperationFilterSet
from directory.models import Actor, Cooperation, PublicationStatus, Typology
from ess_portal import dataversion
from ess_portal.api.formats import StreamedListMixin, json_bytes, json_number, stream_geojson
from ess_portal.api.schema import LIST_RESPONSES, read_responses
from ess_portal.api.sync import Reason, SyncPagination, WithdrawnListMixin, reason_for, tombstone
from ess_portal.api.views import ApiViewMixin, RecordRetrieveMixin
from ess_portal.csv_export import CHUNK_SIZE, PLAIN, Column, CsvTable, number_cell, text_cell
from ess_portal.streams import logged_if_interrupted, server_side_rows

GRAPHML_MEDIA_TYPE = "application/graphml+xml"
JGF_SCHEMA = "https://jsongraphformat.info/v2.1/json-graph-schema.json"


class CooperationSerializer(serializers.ModelSerializer):
    source = ActorRefSerializer(read_only=True, help_text=_("L'acteur qui a déclaré la coopération."))
    target = ActorRefSerializer(read_only=True, help_text=_("L'acteur avec qui il coopère."))

    class Meta:
        model = Cooperation
        fields = ["id", "source", "target", "kind", "is_formal", "since", "description", "created_at", "updated_at"]
        read_only_fields = fields


def cooperation_queryset():
    """Published links (both ends published) with what their payload shows, in one query."""
    return (
        Cooperation.objects.published()
        .select_related("source", "target")
        .only(
            *(field.name for field in Cooperation._meta.concrete_fields),
            *(f"{end}__{name}" for end in ("source", "target") for name in ("slug", "name", "status")),
        )
        .order_by("pk")
    )


COOPERATION_CSV = CsvTable(
    name="cooperations",
    title=_("Coopérations entre acteurs de l'ESS (API)"),
    description=_(
        "GET /api/v1/cooperations/?format=csv : les coopérations entre acteurs publiés, CSV RFC 4180 "
        "(virgules, UTF-8 sans BOM)."
    ),
    csv_format=PLAIN,
    columns=(
        Column("id", "integer", _("Identifiant interne.")),
        Column("source_slug", description=_("Identifiant public de l'acteur qui a déclaré la coopération.")),
        Column("source_name", description=_("Nom de cet acteur.")),
        Column("target_slug", description=_("Identifiant public de l'acteur avec qui il coopère.")),
        Column("target_name", description=_("Nom de cet acteur.")),
        Column("kind", description=_("Nature (code)."), constraints={"enum": Cooperation.Kind.values}),
        Column("is_formal", "boolean", _("Formalisée (convention, contrat, adhésion écrite).")),
        Column("since", "date", _("Depuis (ISO 8601).")),
        Column("description", description=_("Description.")),
        Column("created_at", "datetime", _("Créée le (ISO 8601).")),
        Column("updated_at", "datetime", _("Modifiée le (ISO 8601).")),
    ),
)

_DATETIME = serializers.DateTimeField()


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


# What every streamed format reads of a link, in one query (no model instances).
_ROW_FIELDS = (
    "pk",
    "source__slug",
    "source__name",
    "target__slug",
    "target__name",
    "kind",
    "is_formal",
    "since",
    "description",
    "created_at",
    "updated_at",
)
_POINT_FIELDS = ("source__latitude", "source__longitude", "target__latitude", "target__longitude")


def _record(row) -> dict:
    """A link as `CooperationSerializer` gives it, from the values of `_ROW_FIELDS`."""
    pk, source_slug, source_name, target_slug, target_name, kind, formal, since, text, created, updated = row[:11]
    return {
        "id": pk,
        "source": {"slug": source_slug, "name": source_name},
        "target": {"slug": target_slug, "name": target_name},
        "kind": kind,
        "is_formal": formal,
        "since": _date(since),
        "description": text,
        "created_at": _DATETIME.to_representation(created),
        "updated_at": _DATETIME.to_representation(updated),
    }


def csv_rows(queryset) -> Iterator[list]:
    for row in server_side_rows(queryset.values_list(*_ROW_FIELDS)):
        pk, source_slug, source_name, target_slug, target_name, kind, formal, since, text, created, updated = row
        yield [
            number_cell(pk),
            text_cell(source_slug),
            text_cell(source_name),
            text_cell(target_slug),
            text_cell(target_name),
            kind,
            "true" if formal else "false",
            _date(since) or "",
            text_cell(text),
            _DATETIME.to_representation(created),
            _DATETIME.to_representation(updated),
        ]


def _same(feature: dict) -> dict:
    return feature


def geojson_features(queryset) -> Iterator[dict]:
    """A LineString from the source to the target, for each link whose two ends are on the map."""
    located = queryset.filter(
        source__latitude__isnull=False,
        source__longitude__isnull=False,
        target__latitude__isnull=False,
        target__longitude__isnull=False,
    )
    for row in server_side_rows(located.values_list(*_ROW_FIELDS, *_POINT_FIELDS)):
        source_lat, source_lon, target_lat, target_lon = row[11:]
        yield {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [json_number(float(source_lon)), json_number(float(source_lat))],
                    [json_number(float(target_lon)), json_number(float(target_lat))],
                ],
            },
            "properties": _record(row),
        }


def _chunked(parts: Iterable[bytes]) -> Iterator[bytes]:
    """`parts` joined in chunks of about `CHUNK_SIZE` bytes."""
    buffer, size = [], 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size > CHUNK_SIZE:
            yield b"".join(buffer)
            buffer, size = [], 0
    yield b"".join(buffer)


# -- the whole network as a graph

_NODE_VALUES = ("pk", "slug", "name", "typology", "commune__insee_code", "commune__name", "latitude", "longitude")
_EDGE_VALUES = ("pk", "source__slug", "target__slug", "kind", "is_formal", "since", "updated_at")


def graph_rows(links) -> tuple[Iterator[tuple], Iterator[tuple]]:
    """The actors the links touch (by name) and the links (by id): two queries, read as they are written."""
    ends = links.order_by()
    actors = (
        Actor.objects.published()
        .filter(Q(pk__in=ends.values("source_id")) | Q(pk__in=ends.values("target_id")))
        .order_by("pk")
        .values_list(*_NODE_VALUES)
    )
    return server_side_rows(actors), server_side_rows(links.order_by("pk").values_list(*_EDGE_VALUES))


def _node_metadata(row) -> dict:
    _pk, _slug, _name, typology, insee_code, commune, latitude, longitude = row
    return {
        "typology": typology,
        "commune_insee_code": insee_code,
        "commune_name": commune,
        "latitude": json_number(float(latitude)) if latitude is not None else None,
        "longitude": json_number(float(longitude)) if longitude is not None else None,
    }


def jgf_chunks(links, base_url: str) -> Iterator[bytes]:
    """JSON Graph Format v2: one directed graph, nodes keyed by the actors' slugs, edges source → target."""
    nodes, edges = graph_rows(links)
    head = {
        "directed": True,
        "type": "cooperation",
        "label": str(_("Réseau des coopérations entre acteurs de l'ESS d'Est Ensemble")),
        "metadata": {"kinds": dict(Cooperation.Kind.choices), "typologies": dict(Typology.choices)},
    }

    def parts() -> Iterator[bytes]:
        yield b'{"$schema":' + json_bytes(JGF_SCHEMA) + b',"graph":' + json_bytes(head)[:-1] + b',"nodes":{'
        separator = b""
        for row in nodes:
            node = {"label": row[2], "metadata": {**_node_metadata(row), "url": f"{base_url}/annuaire/{row[1]}/"}}
            yield separator + json_bytes(row[1]) + b":" + json_bytes(node)
            separator = b","
        yield b'},"edges":['
        separator = b""
        for pk, source, target, kind, formal, since, updated in edges:
            edge = {
                "id": str(pk),
                "source": source,
                "target": target,
                "relation": kind,
                "directed": True,
                "metadata": {
                    "is_formal": formal,
                    "since": _date(since),
                    "updated_at": _DATETIME.to_representation(updated),
                },
            }
            yield separator + json_bytes(edge)
            separator = b","
        yield b"]}}"

    return _chunked(parts())


_GRAPHML_KEYS = (
    ("name", "node", "string"),
    ("typology", "node", "string"),
    ("commune_insee_code", "node", "string"),
    ("commune_name", "node", "string"),
    ("latitude", "node", "double"),
    ("longitude", "node", "double"),
    ("url", "node", "string"),
    ("kind", "edge", "string"),
    ("is_formal", "edge", "boolean"),
    ("since", "edge", "string"),
    ("updated_at", "edge", "string"),
)


def _graphml_data(key: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f'<data key="{key}">{escape(str(value))}</data>'


def graphml_chunks(links, base_url: str) -> Iterator[bytes]:
    """GraphML (http://graphml.graphdrawing.org/): one directed graph, node ids the actors' slugs."""
    nodes, edges = graph_rows(links)

    def parts() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            b'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            b'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for name, domain, kind in _GRAPHML_KEYS:
            yield f'<key id="{name}" for="{domain}" attr.name="{name}" attr.type="{kind}"/>\n'.encode()
        yield b'<graph id="cooperations" edgedefault="directed">\n'
        for row in nodes:
            metadata = _node_metadata(row)
            data = "".join(
                _graphml_data(key, value)
                for key, value in (("name", row[2]), *metadata.items(), ("url", f"{base_url}/annuaire/{row[1]}/"))
            )
            yield f"<node id={quoteattr(row[1])}>{data}</node>\n".encode()
        for pk, source, target, kind, formal, since, updated in edges:
            data = (
                _graphml_data("kind", kind)
                + _graphml_data("is_formal", formal)
                + _graphml_data("since", _date(since))
                + _graphml_data("updated_at", _DATETIME.to_representation(updated))
            )
            yield f'<edge id="e{pk}" source={quoteattr(source)} target={quoteattr(target)}>{data}</edge>\n'.encode()
        yield b"</graph>\n</graphml>\n"

    return _chunked(parts())


class JGFRenderer(BaseRenderer):
    """Negotiates the graph's JSON Graph Format (the default); the view streams the body itself."""

    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class GraphMLRenderer(BaseRenderer):
    """Negotiates `?format=graphml`; the view streams the body itself."""

    media_type = GRAPHML_MEDIA_TYPE
    format = "graphml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


def graph_format_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "format",
        str,
        enum=["json", "graphml"],
        description=str(
            _(
                "json (JSON Graph Format v2, par défaut) ou graphml (GraphML, pour Gephi, Cytoscape, yEd, "
                "NetworkX, igraph) : tout le réseau filtré, en flux, sans pagination."
            )
        ),
    )


def cooperation_tombstones(since) -> list[dict]:
    """Links that left the list since `since`: an actor at one end withdrawn, or the link deleted.

    Only links whose two ends were public at some point (published, or withdrawn after being public),
    so that a tombstone never names a link nobody could read; each says why, and when.
    """
    # Subqueries, not lists of ids: an old `since` may name more withdrawn actors than SQLite takes variables.
    withdrawn = Actor.objects.withdrawn_since(since).values("pk")
    published = Actor.objects.published().values("pk")

    def once_public(end: str) -> Q:
        return Q(**{f"{end}__in": published}) | Q(**{f"{end}__in": withdrawn})

    ends = ("status", "merged_into_id", "updated_at")
    left = (
        Cooperation.objects.filter(Q(source__in=withdrawn) | Q(target__in=withdrawn))
        .filter(once_public("source"), once_public("target"))
        .values_list("pk", *(f"source__{name}" for name in ends), *(f"target__{name}" for name in ends))
    )
    rows = []
    for pk, *both in left:
        # The end that left the list (the later one when both did) gives the reason and the date.
        gone = max(
            (end for end in (both[:3], both[3:]) if end[0] != PublicationStatus.PUBLISHED), key=lambda end: end[2]
        )
        status, merged_into, updated_at = gone
        rows.append((pk, reason_for(status, merged=merged_into is not None), updated_at))
    deleted = (
        Cooperation.history.filter(history_type="-", history_date__gte=since)
        .filter(once_public("source_id"), once_public("target_id"))
        .exclude(id__in=Cooperation.objects.values("pk"))
        .values_list("id", "history_date")
    )
    rows += [(pk, Reason.DELETED, date) for pk, date in deleted]
    return [
        tombstone(identifier=pk, slug=None, reason=reason, updated_at=date)
        for pk, reason, date in sorted(rows, key=lambda row: (row[2], row[0]))
    ]


@extend_schema_view(
    list=extend_schema(
        summary=_("Coopérations entre acteurs (liste filtrable)"),
        description=_(
            "Les coopérations dont les deux acteurs sont publiés, avec les filtres de la page du réseau "
            "(/annuaire/reseau/) : commune et secteur (au moins un des deux acteurs), nature, formalisation, "
            "updated_since. JSON paginé (curseurs next et previous) ; CSV en flux ; GeoJSON : une ligne "
            "(LineString) de l'acteur source à l'acteur cible, seulement quand les deux sont localisés."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "geojson", "csv"],
                description=str(
                    _(
                        "json (paginé, par défaut) ; geojson (FeatureCollection RFC 7946 de LineString [lon, lat], "
                        "les liens entre acteurs localisés) ou csv : tout l'ensemble filtré, en flux, sans pagination."
                    )
                ),
            )
        ],
        responses={
            (200, "application/json"): CooperationSerializer(many=True),
            **LIST_RESPONSES,
            **read_responses(),
        },
    ),
    retrieve=extend_schema(
        summary=_("Une coopération"),
        description=_("Une coopération entre deux acteurs publiés, par son identifiant."),
        responses={200: CooperationSerializer, **read_responses()},
    ),
)
class CooperationViewSet(
    ApiViewMixin,
    WithdrawnListMixin,
    StreamedListMixin,
    mixins.ListModelMixin,
    RecordRetrieveMixin,
    viewsets.GenericViewSet,
):
    """Links between published actors (read-only, for everyone)."""

    serializer_class = CooperationSerializer
    pagination_class = SyncPagination
    filterset_class = CooperationFilterSet
    ordering_fields = ["updated_at", "created_at"]
    csv_table = COOPERATION_CSV
    csv_filename = "cooperations.csv"

    def get_queryset(self):
        return cooperation_queryset()

    def get_renderers(self):
        if self.action == "graph":
            return [JGFRenderer(), GraphMLRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        renderer_format = getattr(request.accepted_renderer, "format", "json")
        if renderer_format == "csv":
            return self.csv_table.response(csv_rows(queryset), filename=self.csv_filename)
        if renderer_format == "geojson":
            return stream_geojson(geojson_features(queryset), _same)
        # No Last-Modified: a link also leaves the list when an actor at one of its ends is withdrawn, or
        # when it is deleted, which no date of the remaining rows says. The ETag says it.
        page = self.paginate_queryset(queryset)
        response = self.add_withdrawn(request, self.get_paginated_response(self.get_serializer(page, many=True).data))
        self.last_modified = None
        return response

    def withdrawn_tombstones(self, since):
        return cooperation_tombstones(since)

    def caller_reads_everything(self):
        return False  # links between published actors only, whoever asks

    @extend_schema(
        summary=_("Le réseau des coopérations en graphe (JSON Graph Format ou GraphML)"),
        description=_(
            "Mêmes filtres que la liste. Les nœuds sont les acteurs publiés reliés par au moins un des liens "
            "retenus (identifiant : leur slug ; nom, typologie, commune, coordonnées, adresse de la fiche) ; "
            "les arêtes, dirigées de l'acteur qui a déclaré la coopération vers son partenaire, portent la "
            "nature, la formalisation et les dates. JSON Graph Format v2 par défaut, GraphML avec "
            "format=graphml. ETag selon la version des données : If-None-Match répond 304."
        ),
        filters=True,
        parameters=[graph_format_parameter()],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description=str(_("JSON Graph Format v2 (un graphe dirigé)."))
            ),
            (200, GRAPHML_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description=str(_("GraphML."))),
            **read_responses(),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[DjangoFilterBackend],
        pagination_class=None,
    )
    def graph(self, request):
        """The whole filtered network, streamed as JSON Graph Format or GraphML."""
        filterset = DjangoFilterBackend().get_filterset(request, Cooperation.objects.published(), self)
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        graphml = request.accepted_renderer.format == "graphml"
        # The data version and the request say what the body is: a client that has it gets a 304 at once.
        digest = hashlib.sha256(f"{request.get_full_path()}\n{graphml}".encode()).hexdigest()[:20]
        etag = f'"{dataversion.current(request=request)}.{digest}"'
        if etag in [
            value.strip().removeprefix("W/") for value in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")
        ]:
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        base_url = request.build_absolute_uri("/").rstrip("/")
        chunks = graphml_chunks(filterset.qs, base_url) if graphml else jgf_chunks(filterset.qs, base_url)
        response = StreamingHttpResponse(
            logged_if_interrupted(chunks, "graph"),
            content_type=f"{GRAPHML_MEDIA_TYPE if graphml else 'application/json'}; charset=utf-8",
        )
        response["ETag"] = etag
        if graphml:
            response["Content-Disposition"] = 'attachment; filename="cooperations.graphml"'
        return response
