"""The rows of the actor exports and of the API's pages of actors, read straight from the database.

Exports of every actor (`/api/v1/actors/?format=csv|geojson`, `/annuaire/export.csv`) and the pages of
`/api/v1/actors/` do not build a model instance and a serializer per row: one query reads the scalar
columns with `values_list()` and, per actor, the ids of its sectors, roles, labels and communes served
aggregated in SQL (a correlated subquery each, an index lookup per row: `STRING_AGG` on PostgreSQL,
`GROUP_CONCAT` on SQLite). One more query reads the few reference tables together, each with its
rank in its model's order, so that each list comes out in the order the API's payload gives it.

`ActorRows` gives the records `ActorSerializer` gives: each column's value goes through a converter
chosen once from the serializer's field (most columns are strings, shown as they are; decimals are
quantized, dates written in ISO 8601, date-times in the current time zone, as DRF does), and a test
compares both for varied actors. `DirectoryExportRows` gives the cells of `/annuaire/export.csv`.
The number of queries does not depend on the number of rows.
"""

import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import cache, partial
from operator import itemgetter

from django.conf import settings
from django.db.models import Aggregate, F, OuterRef, Subquery, TextField, Value, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from directory.models import Actor, Commune, Label, Role, Sector
from ess_portal.streams import server_side_rows

# The related lists of a row: payload field → (the reference model, the value the payload shows).
RELATED_LISTS = {
    "sectors": (Sector, "slug"),
    "roles": (Role, "slug"),
    "labels": (Label, "slug"),
    "communes_served": (Commune, "insee_code"),
}
# Payload fields read from another table through a foreign key.
JOINED = {
    "commune": ("commune_id", "commune__insee_code", "commune__name"),
    "neighbourhood": ("neighbourhood__slug",),
}
_SLUG_PLACEHOLDER = "export-slug"
# Distinct id lists whose shown values are kept while reading (most actors share a few combinations).
_KEPT_LISTS = 20_000


class IdList(Aggregate):
    """The ids of a group as one text cell, « 3,12,7 » (in no particular order)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, ',')"
        )


def _related_ids(field_name: str) -> Subquery:
    field = Actor._meta.get_field(field_name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    ids = (
        through.objects.filter(**{source: OuterRef("pk")})
        .order_by()
        .values(source)
        .annotate(ids=IdList(f"{target}_id"))
        .values("ids")
    )
    return Subquery(ids, output_field=TextField())


def references(lists: dict[str, tuple]) -> dict[str, dict[int, tuple[int, str]]]:
    """Per related list: id → (rank in the model's order, the value shown), for all lists in one query."""
    parts = [
        model.objects.order_by()
        .annotate(
            list_number=Value(number),
            rank=Window(RowNumber(), order_by=[*model._meta.ordering, "pk"]),
            shown_value=F(shown),
        )
        .values_list("list_number", "pk", "rank", "shown_value")
        for number, (model, shown) in enumerate(lists.values())
    ]
    known = [{} for _ in lists]
    for number, pk, rank, shown in parts[0].union(*parts[1:], all=True):
        known[number][pk] = (rank, shown)
    return dict(zip(lists, known, strict=True))


def shown_lists(known: dict[int, tuple[int, str]]) -> Callable[[str | None], list]:
    """The shown values of an aggregated id list (« 3,12,7 »), in the model's order; kept per distinct list."""
    kept: dict[str, list] = {}

    def shown(ids: str | None) -> list:
        if not ids:
            return []
        values = kept.get(ids)
        if values is None:
            values = [value for _rank, value in sorted(known[int(pk)] for pk in ids.split(","))]
            if len(kept) < _KEPT_LISTS:
                kept[ids] = values
        return list(values)

    return shown


def _datetime_representation(field: serializers.DateTimeField) -> Callable[[datetime.datetime], str] | None:
    """DRF's ISO 8601 representation of aware date-times (in the field's time zone), or None if another applies."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != "iso-8601" or zone is None:
        return None

    def represent(value: datetime.datetime) -> str:
        if timezone.is_naive(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def representation(field: serializers.Field, model_field) -> Callable | None:
    """A converter giving `field.to_representation(value)` for a non-null column value; None: the value itself."""
    if isinstance(field, serializers.ChoiceField):
        # A stored code is its own representation when the choices are strings.
        return None if all(type(key) is str for key in field.choices) else field.to_representation
    if isinstance(field, serializers.CharField | serializers.BooleanField) and model_field.get_internal_type() in (
        "CharField",
        "TextField",
        "SlugField",
        "URLField",
        "EmailField",
        "BooleanField",
    ):
        return None
    if type(field) is serializers.IntegerField or (
        isinstance(field, serializers.BigIntegerField)
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return None
    if isinstance(field, serializers.DecimalField) and model_field.get_internal_type() == "DecimalField":
        if (
            field.decimal_places is not None
            and not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
            and not field.normalize_output
        ):
            context = decimal.getcontext().copy()
            if field.max_digits is not None:
                context.prec = field.max_digits
            exponent = Decimal(".1") ** field.decimal_places
            return partial(Decimal.quantize, exp=exponent, rounding=field.rounding, context=context)
        return field.to_representation
    if isinstance(field, serializers.DateTimeField):
        return _datetime_representation(field) or field.to_representation
    if isinstance(field, serializers.DateField) and getattr(field, "format", api_settings.DATE_FORMAT) in (
        "iso-8601",
        "ISO-8601",
    ):
        return datetime.date.isoformat
    return field.to_representation


def _url_parts() -> tuple[str, str]:
    prefix, _placeholder, suffix = reverse("directory:actor_detail", kwargs={"slug": _SLUG_PLACEHOLDER}).partition(
        _SLUG_PLACEHOLDER
    )
    return prefix, suffix


@cache
def _declared_fields(serializer_class: type[serializers.Serializer]):
    """The fields of a serializer class whose fields do not depend on its context (`ActorSerializer`'s).

    Building them (DRF copies every declared field, then makes the model's) costs several milliseconds,
    as much as reading a page of rows: they are built once per process.
    """
    return serializer_class().fields


class ActorRows:
    """Serialized actors (dicts as `ActorSerializer` gives them) of a queryset, read in bulk."""

    def __init__(self, queryset, serializer):
        self.queryset = queryset
        self.fields = _declared_fields(type(serializer))
        self.scalars = [
            name for name in self.fields if name not in RELATED_LISTS and name not in JOINED and name != "url"
        ]

    def _values(self):
        annotations = {f"{name}_ids": _related_ids(name) for name in RELATED_LISTS}
        columns = [*self.scalars, *(column for joined in JOINED.values() for column in joined)]
        return (
            self.queryset.select_related(None)
            .prefetch_related(None)
            .annotate(**annotations)
            .values_list(*columns, *annotations)
        )

    def _references(self) -> dict[str, dict[int, tuple[int, str]]]:
        """Per related list: id → (rank in the model's order, the value shown)."""
        return references(RELATED_LISTS)

    def builder(self) -> Callable[[tuple], dict]:
        """What turns a row of `_values()` into the serialized record (reads the reference tables once)."""
        known = self._references()
        prefix, suffix = _url_parts()
        url_prefix = settings.SITE_URL + prefix
        converted = [
            (index, convert)
            for index, name in enumerate(self.scalars)
            if (convert := representation(self.fields[name], Actor._meta.get_field(self.fields[name].source)))
            is not None
        ]
        width = len(self.scalars)
        slug_index = self.scalars.index("slug")
        lists = [(width + 4 + number, shown_lists(known[name])) for number, name in enumerate(RELATED_LISTS)]
        # The record's values are laid out as: scalars, commune, neighbourhood, the lists, url.
        layout = {name: index for index, name in enumerate(self.scalars)}
        layout.update(commune=width, neighbourhood=width + 1)
        layout.update({name: width + 2 + number for number, name in enumerate(RELATED_LISTS)})
        layout["url"] = width + 2 + len(RELATED_LISTS)
        field_order = list(self.fields)
        pick = itemgetter(*(layout[name] for name in field_order))

        def build(row: tuple) -> dict:
            values = list(row[:width])
            for index, convert in converted:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            commune_id, insee_code, commune_name, neighbourhood = row[width : width + 4]
            values.append(None if commune_id is None else {"insee_code": insee_code, "name": commune_name})
            values.append(neighbourhood)
            for index, shown in lists:
                values.append(shown(row[index]))
            values.append(f"{url_prefix}{row[slug_index]}{suffix}")
            return dict(zip(field_order, pick(values), strict=True))

        return build

    def __iter__(self) -> Iterator[dict]:
        build = self.builder()
        for row in server_side_rows(self._values()):
            yield build(row)

    @classmethod
    def of_page(cls, records: Iterable, serializer) -> list[dict]:
        """The serialized records of a page's actors (any objects with a `pk`), in the page's order."""
        ids = [record.pk for record in records]
        if not ids:
            return []
        rows = cls(Actor.objects.filter(pk__in=ids), serializer)
        build = rows.builder()
        by_id = {data["id"]: data for data in map(build, rows._values())}
        return [by_id[pk] for pk in ids]


class DirectoryExportRows:
    """The cells of `/annuaire/export.csv` (see `directory.views.DIRECTORY_EXPORT`) for a queryset, read in bulk.

    Each cell is the text the export's columns give: display labels of the codes, sector names in
    their order, the commune and the neighbourhood by name, the time of the last change in the
    current time zone (Paris), the page's address.
    """

    COLUMNS = (
        "name",
        "slug",
        "siret",
        "legal_form",
        "typology",
        "address",
        "postal_code",
        "commune__name",
        "commune__insee_code",
        "neighbourhood__name",
        "latitude",
        "longitude",
        "website",
        "email",
        "phone",
        "short_description",
        "is_fictional",
        "updated_at",
        "sectors_ids",
    )

    def __init__(self, queryset, base_url: str):
        self.queryset = queryset
        self.base_url = base_url

    def _values(self):
        return (
            self.queryset.select_related(None)
            .prefetch_related(None)
            .annotate(sectors_ids=_related_ids("sectors"))
            .values_list(*self.COLUMNS)
        )

    def __iter__(self) -> Iterator[dict]:
        """Per actor, its cells keyed as the export's columns (`Column.key`)."""
        yes, no = str(_("oui")), str(_("non"))
        names = references({"sectors": (Sector, "name")})["sectors"]
        sector_names = shown_lists(names)
        legal_forms = {str(code): str(label) for code, label in Actor.LegalForm.choices}
        typologies = {str(code): str(label) for code, label in Actor._meta.get_field("typology").choices}
        zone = timezone.get_current_timezone()
        prefix, suffix = _url_parts()
        url_prefix = self.base_url + prefix
        for (
            name,
            slug,
            siret,
            legal_form,
            typology,
            address,
            postal_code,
            commune,
            insee_code,
            neighbourhood,
            latitude,
            longitude,
            website,
            email,
            phone,
            short_description,
            is_fictional,
            updated_at,
            sectors,
        ) in server_side_rows(self._values()):
            yield {
                "name": name,
                "slug": slug,
                "siret": siret,
                "legal_form": legal_forms.get(legal_form, legal_form),
                "typology": typologies.get(typology, typology),
                "sectors": ", ".join(sector_names(sectors)),
                "address": address,
                "postal_code": postal_code,
                "commune": commune or "",
                "insee_code": insee_code or "",
                "neighbourhood": neighbourhood or "",
                "latitude": latitude,
                "longitude": longitude,
                "website": website,
                "email": email,
                "phone": phone,
                "short_description": short_description,
                "is_fictional": yes if is_fictional else no,
                "updated_at": updated_at.astimezone(zone).isoformat(timespec="seconds"),
                "url": f"{url_prefix}{slug}{suffix}",
            }
