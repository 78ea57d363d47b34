"""Pages of the API's lists: `next` and `previous` are keyset cursors, `page=N` jumps; a stable order.

A list is read page after page by following `next`: its link carries a `cursor` naming the last
record of the page in the list's order (which always ends with the id), and the next page is the
records after it — an index range, as fast at the end of 250,000 records as at the start, and stable
while records are added or removed before it (nothing skipped twice, nothing repeated). `page=N`
still jumps to a page by number (its cost grows with N). `count` is the exact size of the filtered
list, computed once per data version (`ess_portal.dataversion`) for the same query.
"""

import base64
import datetime
import decimal
import json

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import InvalidPage
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ess_portal.response_cache import counted


class InvalidCursor(exceptions.ValidationError):
    def __init__(self):
        super().__init__({"cursor": [_("Curseur invalide : suivez les liens next et previous tels quels.")]})


def keyset_ordering(queryset) -> list[str] | None:
    """The queryset's order as field names (`-` for descending) ending with `pk`, if a cursor can follow it.

    Every field must be the model's own, never null (or an annotation of the query, such as the
    search's rank): None otherwise, and the list's links are then page numbers.
    """
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    if not all(isinstance(item, str) for item in ordering):
        return None
    ordering = ["pk" if item in ("id", "pk") else "-pk" if item in ("-id", "-pk") else item for item in ordering]
    for item in ordering:
        name = item.lstrip("-")
        if name == "pk" or name in queryset.query.annotations:
            continue
        try:
            field = queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if field.is_relation or field.null:
            return None
    if not {"pk", "-pk"} & set(ordering):
        ordering.append("pk")
    return ordering


def _encode(value):
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):  # a day (datetimes are handled above)
        return {"day": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"d": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        parsed = parse_datetime(value["t"])
        if parsed is None:
            raise InvalidCursor()
        return parsed
    if isinstance(value, dict) and set(value) == {"day"} and isinstance(value["day"], str):
        try:
            return datetime.date.fromisoformat(value["day"])
        except ValueError:
            raise InvalidCursor() from None
    if isinstance(value, dict) and set(value) == {"d"} and isinstance(value["d"], str):
        try:
            return decimal.Decimal(value["d"])
        except decimal.InvalidOperation:
            raise InvalidCursor() from None
    if isinstance(value, str) and "\x00" in value:
        raise InvalidCursor()  # never in a record's value; PostgreSQL refuses it in a parameter
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidCursor()


def encode_cursor(ordering: list[str], values: list, backwards: bool) -> str:
    payload = {"o": ordering, "v": [_encode(value) for value in values], "b": backwards}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str, ordering: list[str]) -> tuple[list, bool]:
    """The values and direction a cursor carries; a cursor made for another order is invalid."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        raise InvalidCursor() from None
    if (
        not isinstance(payload, dict)
        or payload.get("o") != ordering
        or not isinstance(payload.get("v"), list)
        or len(payload["v"]) != len(ordering)
        or not isinstance(payload.get("b"), bool)
    ):
        raise InvalidCursor()
    return [_decode(value) for value in payload["v"]], payload["b"]


def beyond(ordering: list[str], values: list, backwards: bool) -> Q:
    """The records after (or, `backwards`, before) the one whose order values are `values`.

    (a, b, id) after (x, y, z) is a > x, or a = x and b > y, or a = x, b = y and id > z; the bound
    a ≥ x is added so that the database reads the index from x on instead of filtering from the start.
    """
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        descending = field.startswith("-") != backwards
        if value is None:
            raise InvalidCursor()
        condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{name: value})
    first = ordering[0].lstrip("-")
    descending = ordering[0].startswith("-") != backwards
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & condition


def reversed_ordering(ordering: list[str]) -> list[str]:
    return [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `page_size` may be asked for, up to API_MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    page_query_description = _("Numéro de page (à partir de 1) ; pour lire une liste en entier, suivez next.")
    invalid_page_message = _("Page introuvable.")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        self.ordering = keyset_ordering(queryset)
        raw_cursor = request.query_params.get(self.cursor_query_param)
        if self.ordering is None:
            if raw_cursor is not None:
                raise InvalidCursor()
            self.total = self.count_of(queryset)
            rows = self.numbered_page(queryset, request, page_size)
            self.has_next = self.page.has_next()
            self.has_previous = self.page.has_previous()
            return rows
        queryset = queryset.order_by(*self.ordering)
        self.total = self.count_of(queryset)
        if raw_cursor is None:
            rows = self.numbered_page(queryset, request, page_size)
            self.has_next = self.page.has_next()
            self.has_previous = self.page.has_previous()
            return rows
        if self.page_query_param in request.query_params:
            raise exceptions.ValidationError({self.page_query_param: [_("page et cursor ne se combinent pas.")]})
        values, backwards = decode_cursor(raw_cursor, self.ordering)
        order = reversed_ordering(self.ordering) if backwards else self.ordering
        try:
            rows = list(queryset.filter(beyond(self.ordering, values, backwards)).order_by(*order)[: page_size + 1])
        except (ValueError, TypeError, decimal.InvalidOperation):
            raise InvalidCursor() from None
        more = len(rows) > page_size
        rows = rows[:page_size]
        if backwards:
            rows.reverse()
        # The record the cursor names was in the list: there is something on its other side.
        self.has_next, self.has_previous = (True, more) if backwards else (more, True)
        self.rows = rows
        return rows

    def numbered_page(self, queryset, request, page_size):
        paginator = self.django_paginator_class(queryset, page_size)
        paginator.count = self.total  # known already: no second COUNT
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise exceptions.NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from None
        self.rows = list(self.page)
        return self.rows

    def count_of(self, queryset) -> int:
        """The size of the list, kept per data version for the same SQL (the visible set is in the SQL)."""
        return counted(queryset, self.request)

    def cursor_link(self, row, backwards: bool) -> str:
        values = [getattr(row, field.lstrip("-")) for field in self.ordering]
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encode_cursor(self.ordering, values, backwards))

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        if self.ordering is None:
            return super().get_next_link()
        return self.cursor_link(self.rows[-1], backwards=False)

    def get_previous_link(self):
        if not self.has_previous or not self.rows:
            return None
        if self.ordering is None:
            return super().get_previous_link()
        return self.cursor_link(self.rows[0], backwards=True)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.total, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    @property
    def page_size(self):
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            # Said, not silently capped: a client asking for more must know it gets less.
            raise exceptions.ValidationError(
                {"page_size": [_("Indiquez un nombre entier entre 1 et %(max)s.") % {"max": self.max_page_size}]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Position dans la liste, donnée par les liens next et previous (à suivre tels quels) ; "
                        "ne se combine pas avec page."
                    )
                ),
                "schema": {"type": "string"},
            }
        )
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                continue
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = str(
                    _("Nombre de résultats par page, de 1 à %(max)s (%(default)s par défaut) ; au-delà : 400.")
                    % {"max": self.max_page_size, "default": self.page_size}
                )
        return parameters


class StableOrderingFilter(BaseFilterBackend):
    """`?ordering=name` (or `-name`, `updated_at`, `-updated_at`…), always ending with the id.

    Without the parameter the list keeps its default order (name, or relevance for `q`),
    which also ends with the id: pages never shuffle between two requests.
    """

    param = "ordering"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        allowed = self.choices(view)
        if raw not in allowed:
            raise exceptions.ValidationError(
                {self.param: [_("Tri inconnu ; valeurs possibles : %(values)s.") % {"values": ", ".join(allowed)}]}
            )
        return queryset.order_by(raw, "-pk" if raw.startswith("-") else "pk")

    @staticmethod
    def choices(view) -> list[str]:
        fields = getattr(view, "ordering_fields", [])
        return [value for field in fields for value in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view):
        choices = self.choices(view)
        if not choices:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Tri stable (départage par identifiant) ; « - » pour l'ordre décroissant. Synchronisation : ")
                )
                + "updated_at.",
                "schema": {"type": "string", "enum": choices},
            }
        ]
