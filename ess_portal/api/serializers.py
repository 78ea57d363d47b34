"""The base of the API's write serializers: what the schema says a field is, the request must send."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


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
