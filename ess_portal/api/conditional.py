"""Conditional requests: ETag and Last-Modified on reads (304), If-Match on writes (412/428)."""

import hashlib

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from directory.models import ApiToken
from ess_portal.api.errors import PreconditionFailed, PreconditionRequired


def etag_for(data) -> str:
    """A strong ETag: the SHA-256 of the JSON representation (the same for GET and If-Match)."""
    return '"' + hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:40] + '"'


def _etag_values(header: str) -> list[str]:
    # Proxies that compress may weaken an ETag (W/"…"); the value is what counts.
    return [value.strip().removeprefix("W/") for value in header.split(",") if value.strip()]


def check_if_match(request, current_data) -> None:
    """Refuse a write without If-Match (428) or with a stale one (412)."""
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    if etag_for(current_data) not in _etag_values(header):
        raise PreconditionFailed()


class ConditionalMixin:
    """ETag on every JSON 200 answer, Last-Modified where the view knows it; 304 on a match.

    Views set `self.last_modified` (an aware datetime) in `list`/`retrieve` when they know it.
    """

    last_modified = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or isinstance(response, StreamingHttpResponse)
            or not isinstance(response, Response)
        ):
            return response
        etag = etag_for(response.data)
        response["ETag"] = etag
        last_modified = None
        if self.last_modified is not None:
            last_modified = int(self.last_modified.timestamp())
            response["Last-Modified"] = http_date(last_modified)
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if conditional is not response:
            conditional["ETag"] = etag
            return conditional
        return response


class GuardedUpdateMixin:
    """PUT and PATCH that cannot lose an update: the row is locked, then If-Match is checked.

    Viewsets name the serializer that answers (`detail_serializer_class`), the one that reads
    the request (`write_serializer_class`), the queryset that reads a record for the answer
    (`detail_queryset()`), and write the validated data with `apply_update()`.
    """

    detail_serializer_class: type[serializers.Serializer]
    write_serializer_class: type[serializers.Serializer]

    def detail_queryset(self):
        raise NotImplementedError

    def apply_update(self, obj, validated: dict, token: ApiToken) -> None:
        raise NotImplementedError

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self.get_object()
        with transaction.atomic():
            # Lock the row: two writers with the same ETag cannot both pass the check.
            type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            obj = self.detail_queryset().get(pk=obj.pk)
            check_if_match(request, self.detail_serializer_class(obj, context=self.get_serializer_context()).data)
            serializer = self.write_serializer_class(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.apply_update(obj, serializer.validated_data, request.auth)
        data = self.detail_serializer_class(
            self.detail_queryset().get(pk=obj.pk), context=self.get_serializer_context()
        ).data
        response = Response(data)
        response["ETag"] = etag_for(data)
        return response
