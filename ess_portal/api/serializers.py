"""The base of the API's write serializers: what the schema says a field is, the request must send."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def model_bounds(model: type[models.Model], field_name: str) -> dict:
    """`min_value` and `max_value` of a model field's validators, for a serializer field declared by hand.

    A hand-declared field (e.g. a decimal served as a number) would otherwise lose the bounds the
    model states, and the schema its `minimum` and `maximum`.
    """
    bounds = {}
    for validator in model._meta.get_field(field_name).validators:
        if isinstance(validator, MinValueValidator):
            bounds["min_value"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            bounds["max_value"] = validator.limit_value
    return bounds


class StrictTextMixin:
    """Text is a JSON string: DRF would turn `0` or `1.5` into « 0 » and « 1.5 »; the schema says string."""

    default_error_messages = {"not_a_string": _("Une chaîne de caractères est attendue.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharField(StrictTextMixin, serializers.CharField):
    pass


class StrictEmailField(StrictTextMixin, serializers.EmailField):
    pass


class StrictURLField(StrictTextMixin, serializers.URLField):
    pass


class StrictSlugField(StrictTextMixin, serializers.SlugField):
    pass


class WriteSerializer(serializers.ModelSerializer):
    """A ModelSerializer for request bodies, whose text fields accept JSON strings only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
        models.SlugField: StrictSlugField,
    }
