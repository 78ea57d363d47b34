"""Fields and filters several resources share: records by public code, the bounding box."""

import math
from decimal import Decimal

import django_filters
from django import forms as django_forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's field, refusing NUL characters with a 400 (PostgreSQL cannot even look them up)."""

    def to_internal_value(self, data):
        if "\x00" in str(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)


class BBoxField(django_forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` in WGS 84 degrees, as in GeoJSON and most map libraries."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        message = _(
            "bbox attend quatre nombres séparés par des virgules : longitude min, latitude min, "
            "longitude max, latitude max (par exemple 2.38,48.84,2.53,48.93)."
        )
        if len(parts) != 4:
            raise DjangoValidationError(message, code="bbox_format")
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
        except ValueError:
            raise DjangoValidationError(message, code="bbox_format") from None
        if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
            raise DjangoValidationError(message, code="bbox_format")
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise DjangoValidationError(
                _("bbox hors limites : longitudes entre -180 et 180, latitudes entre -90 et 90."), code="bbox_range"
            )
        if min_lon > max_lon or min_lat > max_lat:
            raise DjangoValidationError(
                _("bbox inversée : le minimum doit précéder le maximum (longitude puis latitude)."), code="bbox_order"
            )
        return (min_lon, min_lat, max_lon, max_lat)


class BBoxFilter(django_filters.CharFilter):
    """Records whose point lies in the box (records without coordinates are left out)."""

    field_class = BBoxField

    def filter(self, qs, value):
        if not value:
            return qs
        min_lon, min_lat, max_lon, max_lat = (Decimal(str(v)) for v in value)
        return qs.filter(latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon)


def bbox_filter() -> BBoxFilter:
    return BBoxFilter(
        label=_("Emprise"),
        help_text=_(
            "min_lon,min_lat,max_lon,max_lat en degrés WGS 84 (par exemple 2.38,48.84,2.53,48.93) ; "
            "les fiches sans coordonnées sont exclues."
        ),
    )
