"""Conditional requests: ETag and Last-Modified on reads (304), If-Match on writes (412/428)."""

import hashlib
import re

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework import serializers
from rest_framework.response import Response

from directory.models import ApiToken
from directory.versions import StaleEdit, check_version, current_version
from ess_portal.api.errors import PreconditionFailed, PreconditionRequired
from ess_portal.api.renderers import JSONRenderer


def etag_for(data, version: int | None = None) -> str:
    """A strong ETag: `"<version>.<digest>"` for a record, `"<digest>"` for a list.

    The digest (SHA-256 of the JSON representation) answers If-None-Match: any change to what the
    caller reads, nested references included, gives another ETag. The version (see
    `directory.versions`) answers If-Match: the same one the staff's forms carry, so a partner's
    write and a staff edit cannot overwrite each other unseen.
    """
    digest = hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:40]
    return f'"{version}.{digest}"' if version is not None else f'"{digest}"'


# `"<version>.<digest>"`: the version is a history row's id (ASCII digits, far fewer than 19).
_VERSION_TAG = re.compile(r"[0-9]{1,18}\.[0-9a-f]*")


def _etag_values(header: str) -> list[str]:
    # Proxies that compress may weaken an ETag (W/"…"); the value is what counts.
    return [value.strip().removeprefix("W/") for value in header.split(",") if value.strip()]


def check_if_match(request, obj, current_data) -> None:
    """Refuse a write without If-Match (428) or from a version that is no longer current (412).

    Call it inside the write's transaction: `check_version` locks the row until it commits.
    """
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    tags = [value.strip('"') for value in _etag_values(header)]
    versions = [int(tag.split(".", 1)[0]) for tag in tags if _VERSION_TAG.fullmatch(tag)]
    if current_version(obj) is None:
        # A record without history yet: its representation is its version.
        if etag_for(current_data).strip('"') not in tags:
            raise PreconditionFailed()
        return
    try:
        check_version(obj, versions[0] if versions else None)
    except StaleEdit as exc:
        raise PreconditionFailed(
            f"{exc.messages[0]} {PreconditionFailed.default_detail}" if versions else None
        ) from None


class ConditionalMixin:
    """ETag on every JSON 200 answer, Last-Modified where the view knows it; 304 on a match.

    Views set `self.last_modified` (an aware datetime) in `list`/`retrieve` when they know it, and
    `self.record` in `retrieve`, whose version then opens the ETag (the one If-Match is checked on).
    """

    last_modified = None
    record = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or isinstance(response, StreamingHttpResponse)
            or not isinstance(response, Response)
        ):
            return response
        etag = etag_for(response.data, current_version(self.record) if self.record is not None else None)
        response["ETag"] = etag
        last_modified = None
        if self.last_modified is not None:
            last_modified = int(self.last_modified.timestamp())
            response["Last-Modified"] = http_date(last_modified)
        # The full answer is kept before a 304 replaces it: a conditional request that finds nothing kept
        # leaves the answer for the next ones (which then get their 304 after one query).
        self.keep_response(request, response)
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if conditional is not response:
            conditional["ETag"] = etag
            return conditional
        return response

    def keep_response(self, request, response) -> None:
        """Keep a full 200 answer (with its ETag) for the next callers; views that keep answers say how."""


class GuardedUpdateMixin:
    """PUT and PATCH that cannot lose an update: the row is locked, then If-Match is checked.

    Viewsets name the serializer that answers (`detail_serializer_class`), the one that reads
    the request (`write_serializer_class`), the queryset that reads a record for the answer
    (`detail_queryset()`), and write the validated data with `apply_update()`. A viewset whose
    updates may wait for review answers otherwise in `submit_update()` (a 202, say).
    """

    detail_serializer_class: type[serializers.Serializer]
    write_serializer_class: type[serializers.Serializer]

    def detail_queryset(self):
        raise NotImplementedError

    def apply_update(self, obj, validated: dict, token: ApiToken) -> None:
        raise NotImplementedError

    def submit_update(self, obj, validated: dict, token: ApiToken) -> Response | None:
        """Write the update and answer with the record (None), or return the answer that replaces it."""
        self.apply_update(obj, validated, token)
        return None

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self.get_object()
        context = self.get_serializer_context()
        with transaction.atomic():
            # Lock the row first: two writers from the same version cannot both pass the check.
            type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            obj = self.detail_queryset().get(pk=obj.pk)
            check_if_match(request, obj, self.detail_serializer_class(obj, context=context).data)
            serializer = self.write_serializer_class(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            answer = self.submit_update(obj, serializer.validated_data, request.auth)
        if answer is not None:
            return answer
        obj = self.detail_queryset().get(pk=obj.pk)
        data = self.detail_serializer_class(obj, context=context).data
        response = Response(data)
        response["ETag"] = etag_for(data, current_version(obj))
        return response
