"""The rows of the streamed actor exports, read straight from the database.

Exports of every actor (`/api/v1/actors/?format=csv|geojson`) do not build a model instance and a
serializer per row: one query reads the scalar columns with `values_list()` and, per actor, the
ids of its sectors, roles, labels and communes served aggregated in SQL (a correlated subquery
each: `STRING_AGG` on PostgreSQL, `GROUP_CONCAT` on SQLite). The few reference tables are read
once, in their models' order, so that each list comes out in the order the API's payload gives it.
Each value then goes through the `ActorSerializer` field that the JSON payload uses: cells and
properties are those of the serialized records, at a fraction of the cost, and the number of
queries does not depend on the number of rows.
"""

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Aggregate, OuterRef, Subquery, TextField
from django.urls import reverse

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


class ActorRows:
    """Serialized actors (dicts as `ActorSerializer` gives them) of a queryset, read in bulk."""

    def __init__(self, queryset, serializer):
        self.queryset = queryset
        self.fields = serializer.fields
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
        return {
            name: {
                pk: (rank, value)
                for rank, (pk, value) in enumerate(
                    model.objects.order_by(*model._meta.ordering).values_list("pk", shown)
                )
            }
            for name, (model, shown) in RELATED_LISTS.items()
        }

    def __iter__(self) -> Iterator[dict]:
        references = self._references()
        prefix, _placeholder, suffix = reverse("directory:actor_detail", kwargs={"slug": _SLUG_PLACEHOLDER}).partition(
            _SLUG_PLACEHOLDER
        )
        url_prefix = settings.SITE_URL + prefix
        scalar_fields = [(name, self.fields[name].to_representation) for name in self.scalars]
        width = len(scalar_fields)
        lists = list(RELATED_LISTS)
        field_order = list(self.fields)
        for row in server_side_rows(self._values()):
            data = {
                name: None if value is None else represent(value)
                for (name, represent), value in zip(scalar_fields, row, strict=False)
            }
            commune_id, insee_code, commune_name, neighbourhood = row[width : width + 4]
            data["commune"] = None if commune_id is None else {"insee_code": insee_code, "name": commune_name}
            data["neighbourhood"] = neighbourhood
            for name, ids in zip(lists, row[width + 4 :], strict=True):
                known = references[name]
                data[name] = [value for _rank, value in sorted(known[int(pk)] for pk in ids.split(","))] if ids else []
            data["url"] = f"{url_prefix}{data['slug']}{suffix}"
            yield {name: data[name] for name in field_order}
