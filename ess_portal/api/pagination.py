"""Page numbers (`page`, `page_size` up to a cap) and a stable order that ends with the id."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `page_size` may be asked for, up to API_MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    page_query_description = _("Numéro de page (à partir de 1).")
    invalid_page_message = _("Page introuvable.")

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
        for parameter in parameters:
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
