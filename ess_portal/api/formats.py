"""`?format=geojson` and `?format=csv` on lists: the whole filtered set, streamed, unpaginated.

Large bodies are written with orjson (`json_bytes`), to the byte what DRF's `JSONRenderer` writes,
and CSV cells by one converter per column chosen once from the serializer's field (`csv_converter`)
rather than by testing every value's type.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from operator import itemgetter

from django.db.models import Max
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from ess_portal.api.auth import visible
from ess_portal.api.errors import not_found
from ess_portal.api.renderers import JSONRenderer, json_bytes, json_number
from ess_portal.csv_export import CHUNK_SIZE, CsvTable, number_cell, safe_cell, text_cell
from ess_portal.streams import logged_if_interrupted, server_side_rows


class FormatFirstNegotiation(DefaultContentNegotiation):
    """An explicit `?format=` wins over `Accept`; without it, `Accept` decides as usual.

    Standard clients send their own `Accept` whatever the URL says: GDAL (QGIS « add layer from URL »)
    sends `text/plain, application/json` for `?format=geojson`, spreadsheets and scripts often
    `text/plain` or `application/json` for `?format=csv`. The URL is what the user chose.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        chosen = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if not chosen:
            return super().select_renderer(request, renderers, format_suffix)
        for renderer in renderers:
            if renderer.format == chosen:
                return renderer, renderer.media_type
        # An unknown format: the view turns this into a 406.
        raise Http404


class GeoJSONRenderer(BaseRenderer):
    """Negotiates `?format=geojson`; the list view streams the body itself (`stream_geojson`)."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors reach the renderer (lists are streamed): answer them as JSON.
        return JSONRenderer().render(data)


class CSVRenderer(BaseRenderer):
    """Negotiates `?format=csv`; the list view streams the body itself (`csv_response`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


@require_safe
def table_schema(request, name: str, tables: dict[str, CsvTable]):
    """The Table Schema of the CSV file `name` (public: it describes columns, not records)."""
    table = tables.get(name)
    if table is None:
        return not_found(request)
    response = JsonResponse(table.table_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Type"] = "application/schema+json"
    return response


def stream_geojson(rows: Iterable, feature: Callable[[object], dict]) -> StreamingHttpResponse:
    """An RFC 7946 FeatureCollection written feature by feature, sent in chunks of about `CHUNK_SIZE` bytes."""

    def chunks() -> Iterator[bytes]:
        parts = [b'{"type": "FeatureCollection", "features": [']
        size = 0
        separator = b""
        for row in rows:
            body = json_bytes(feature(row))
            parts.append(separator)
            parts.append(body)
            separator = b","
            size += len(body)
            if size > CHUNK_SIZE:
                yield b"".join(parts)
                parts.clear()
                size = 0
        parts.append(b"]}")
        yield b"".join(parts)

    return StreamingHttpResponse(logged_if_interrupted(chunks(), "GeoJSON"), content_type="application/geo+json")


def geojson_feature(properties: dict, latitude, longitude) -> dict:
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [json_number(float(longitude)), json_number(float(latitude))]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def csv_value(value) -> str:
    """A JSON value as one CSV cell: lists joined with « | », None empty, booleans true/false."""
    if type(value) is str:  # most cells: first, as exports call this for every cell
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(csv_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        # As in JSON: 48.880000 → 48.88, 100.0 → 100.
        return format(value.normalize(), "f")
    return str(value)


def decimal_cell(value: Decimal | None) -> str:
    """`csv_value` of a decimal: as in JSON, 48.880000 → 48.88, 100.0 → 100."""
    return "" if value is None else format(value.normalize(), "f")


def boolean_cell(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def joined_cell(values: list[str]) -> str:
    """A list of codes or slugs, joined with « | », through `safe_cell`."""
    return text_cell("|".join(values))


def generic_cell(value) -> str:
    return safe_cell(csv_value(value))


# Fields whose representation is always a string or None.
_TEXT_FIELDS = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.SlugRelatedField,
)


def csv_converter(field: serializers.Field) -> Callable[[object], str]:
    """What `safe_cell(csv_value(value))` gives for the values of `field`, chosen once for the column."""
    if isinstance(field, serializers.ManyRelatedField) and isinstance(field.child_relation, _TEXT_FIELDS):
        return joined_cell
    if isinstance(field, serializers.BooleanField):
        return boolean_cell
    if isinstance(field, serializers.DecimalField):
        if getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING):
            return text_cell
        return decimal_cell
    if isinstance(field, serializers.IntegerField):
        return number_cell
    if isinstance(field, serializers.ChoiceField) and all(type(key) is str for key in field.choices):
        return text_cell
    if isinstance(field, _TEXT_FIELDS):
        return text_cell
    return generic_cell


class StreamedListMixin:
    """`?format=geojson` / `?format=csv` on a list view: the whole filtered set, streamed, unpaginated.

    Views name their `csv_table` (columns, types: the file's Table Schema) and `csv_filename`, and
    turn a serialized record into a dict of cells with `csv_row`, or, faster, name with `csv_columns`
    the key and the converter of each column; GeoJSON features carry the serialized record as
    properties. The JSON pages' records come from `page_records`, which views may read in bulk too.
    """

    csv_table: CsvTable
    csv_filename = "export.csv"

    def get_renderers(self):
        if self.action == "list":
            return [JSONRenderer(), GeoJSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def csv_row(self, data: dict) -> dict:
        return {column: csv_value(data.get(column)) for column in self.csv_table.header()}

    def csv_columns(self) -> list[tuple[str, Callable[[object], str]]] | None:
        """Per column of `csv_table`, the key of the serialized record it shows and its converter (or None)."""
        return None

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        streamed = self.stream_if_asked(queryset)
        if streamed is not None:
            return streamed
        # Over what this caller may see: a change to a hidden record does not show in the header.
        visible_records = visible(queryset.model.objects.all(), request)
        self.last_modified = visible_records.aggregate(last=Max("updated_at"))["last"]
        page = self.paginate_queryset(self.page_queryset(queryset))
        return self.get_paginated_response(self.page_records(page))

    def page_queryset(self, queryset):
        """What the paginator reads (in the list's order): the records themselves by default."""
        return queryset

    def page_records(self, page):
        """The serialized records of a page, in its order."""
        return self.get_serializer(page, many=True).data

    def serialized_rows(self, queryset) -> Iterable[dict]:
        """The serialized records of `queryset`, one by one; views may read them faster in bulk."""
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        return (serializer_class(obj, context=context).data for obj in server_side_rows(queryset))

    def stream_if_asked(self, queryset):
        renderer_format = getattr(self.request.accepted_renderer, "format", "json")
        if renderer_format not in ("geojson", "csv"):
            return None
        rows = self.serialized_rows(queryset)
        if renderer_format == "geojson":
            return stream_geojson(rows, lambda data: geojson_feature(data, data["latitude"], data["longitude"]))
        planned = self.csv_columns()
        if planned is not None:
            pick = itemgetter(*(key for key, _convert in planned))
            return self.csv_table.response(
                (pick(data) for data in rows),
                filename=self.csv_filename,
                converters=[convert for _key, convert in planned],
            )
        columns = self.csv_table.header()
        cells = (self.csv_row(data) for data in rows)
        return self.csv_table.response(
            ([row[column] for column in columns] for row in cells), filename=self.csv_filename
        )
