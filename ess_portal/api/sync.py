"""Incremental sync: `?updated_since=` and the tombstones of the records withdrawn since then.

A list asked with `updated_since` answers what changed since then in `results`, as usual, and on its
first page a `withdrawn` array: the records this caller could read before and no longer can
(archived, back to draft or pending, merged into another), changed since that date. A tombstone
only carries identifiers, the reason and the date: nothing else of a record that is no longer public.
Callers who may read unpublished records see every record in `results`, with its status; they get
an empty `withdrawn`. CSV and GeoJSON carry no tombstones.
"""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

from directory.models import PublicationStatus
from ess_portal.api.auth import can_read_unpublished
from ess_portal.api.pagination import Pagination

UPDATED_SINCE = "updated_since"
WITHDRAWN = "withdrawn"


class Reason:
    """Why a record left the lists."""

    ARCHIVED = "archived"
    UNPUBLISHED = "unpublished"
    MERGED = "merged"
    DELETED = "deleted"  # a link removed by staff (cooperations): records are archived, not deleted
    CHOICES = (ARCHIVED, UNPUBLISHED, MERGED, DELETED)


def updated_since(request) -> datetime | None:
    """The `updated_since` of a request, read as the FilterSets read it (an invalid one was already a 400)."""
    raw = request.query_params.get(UPDATED_SINCE)
    if not raw:
        return None
    try:
        return IsoDateTimeField().clean(raw)
    except forms.ValidationError:
        return None


def reason_for(status: str, merged: bool = False) -> str:
    """The reason of a tombstone, from the record's publication status (and whether it was merged)."""
    if merged:
        return Reason.MERGED
    return Reason.ARCHIVED if status == PublicationStatus.ARCHIVED else Reason.UNPUBLISHED


def tombstone(*, identifier, slug: str, reason: str, updated_at: datetime, merged_into: str | None = None) -> dict:
    """One withdrawn record, as the lists report it."""
    return {
        "id": identifier,
        "slug": slug,
        "deleted": True,
        "reason": reason,
        "merged_into": merged_into,
        "updated_at": updated_at,
    }


def tombstone_schema(identifier_type: str = "integer") -> dict:
    """The OpenAPI schema of a tombstone (`tombstone` builds them)."""
    return {
        "type": "object",
        "required": ["id", "slug", "deleted", "reason", "merged_into", "updated_at"],
        "properties": {
            "id": {"type": identifier_type, "description": str(_("Identifiant de l'enregistrement retiré."))},
            "slug": {"type": "string", "description": str(_("Identifiant public de l'enregistrement retiré."))},
            "deleted": {"type": "boolean", "enum": [True], "description": str(_("Toujours true : à supprimer."))},
            "reason": {
                "type": "string",
                "enum": list(Reason.CHOICES),
                "description": str(
                    _(
                        "archived : archivé ; unpublished : repassé en brouillon ou à valider ; merged : fusionné ; "
                        "deleted : supprimé (un lien entre acteurs)."
                    )
                ),
            },
            "merged_into": {
                "type": "string",
                "nullable": True,
                "description": str(_("Identifiant de la fiche conservée (fusion, si elle est publiée), ou null.")),
            },
            "updated_at": {
                "type": "string",
                "format": "date-time",
                "description": str(_("Date du retrait (dernière modification).")),
            },
        },
    }


class SyncPagination(Pagination):
    """The API's pages, with the `withdrawn` array of the incremental sync in their schema."""

    identifier_type = "integer"

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"][WITHDRAWN] = {
            "type": "array",
            "items": tombstone_schema(self.identifier_type),
            "description": str(
                _(
                    "Avec updated_since, sur la première page seulement : les enregistrements retirés depuis "
                    "(archivés, dépubliés, fusionnés), à supprimer de votre copie."
                )
            ),
        }
        return paginated


class WithdrawnListMixin:
    """Adds the `withdrawn` tombstones to the first JSON page of a list asked with `updated_since`.

    Views say which records were withdrawn since a date (`withdrawn_tombstones`) and page with
    `SyncPagination`, whose schema has the array. The list's `Last-Modified` also counts the
    withdrawals, so that a conditional request sees them.
    """

    def withdrawn_tombstones(self, since: datetime) -> list[dict]:
        raise NotImplementedError

    def caller_reads_everything(self) -> bool:
        return can_read_unpublished(self.request)

    def list(self, request, *args, **kwargs):
        return self.add_withdrawn(request, super().list(request, *args, **kwargs))

    def add_withdrawn(self, request, response):
        """The tombstones on the first JSON page of `response` when the request names `updated_since`."""
        since = updated_since(request)
        data = getattr(response, "data", None)
        if since is None or not isinstance(data, dict) or "results" not in data or not self.is_first_page(request):
            return response
        tombstones = [] if self.caller_reads_everything() else self.withdrawn_tombstones(since)
        data[WITHDRAWN] = tombstones
        dates = [date for date in (self.last_modified, *(item["updated_at"] for item in tombstones)) if date]
        self.last_modified = max(dates) if dates else None
        dates_field = serializers.DateTimeField()
        for item in tombstones:
            item["updated_at"] = dates_field.to_representation(item["updated_at"])
        return response

    @staticmethod
    def is_first_page(request) -> bool:
        return "cursor" not in request.query_params and request.query_params.get("page", "1") == "1"
