"""FilterSets of the buyers' lists, shared by the pages and the API (one per list)."""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.filters import CodeMultipleChoiceFilter, PortalFilterSet, updated_since_filter
from directory.models import Commune
from purchasing.models import MAX_ORDER_AMOUNT, BuyerNeed, CpvCode, SocialClause, SupplierOffer, actors_with_clause
from purchasing.validators import normalise_cpv_code, unknown_cpv_error, validate_cpv_code_format


class CpvChoiceField(forms.ModelMultipleChoiceField):
    """CPV codes by their public code, typed with or without the dash; a bad one is named in French."""

    def clean(self, value):
        values = [normalise_cpv_code(item) for item in (value or [])]
        for item in values:
            validate_cpv_code_format(item)
        found = {code.code: code for code in CpvCode.objects.filter(code__in=values)}
        unknown = [item for item in values if item not in found]
        if unknown:
            raise unknown_cpv_error(unknown[0])
        if self.required and not values:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [found[item] for item in dict.fromkeys(values)]


class CpvFilter(CodeMultipleChoiceFilter):
    field_class = CpvChoiceField


def cpv_filter(help_text) -> CpvFilter:
    return CpvFilter(
        method="filter_cpv",
        to_field_name="code",
        queryset=CpvCode.objects.all(),
        label=_("Catégorie CPV"),
        help_text=help_text,
    )


def territory_commune_filter(help_text, method: str) -> CodeMultipleChoiceFilter:
    return CodeMultipleChoiceFilter(
        method=method,
        to_field_name="insee_code",
        queryset=Commune.objects.in_territory(),
        label=_("Commune de livraison"),
        help_text=help_text,
    )


class SupplierOfferFilterSet(PortalFilterSet):
    """The suppliers' search: the page `/acheteurs/`, its CSV shortlist and `/api/v1/supplier-offers/`."""

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Mots du besoin : intitulé, description, capacité, références et nom de la structure."),
    )
    cpv = cpv_filter(_("Code CPV d'une division ou d'un groupe, ses groupes compris (répétable), ex. 45000000-7."))
    commune = territory_commune_filter(
        _("Code INSEE d'une commune à servir (répétable) ; les offres « tout le territoire » sont incluses."),
        "filter_commune",
    )
    clause = django_filters.MultipleChoiceFilter(
        method="filter_clause",
        choices=SocialClause.choices,
        label=_("Clause sociale"),
        help_text=_(
            "siae : structure d'insertion ; handicap : entreprise adaptée ou ESAT ; esus : agrément ESUS "
            "(répétable : l'un ou l'autre). Lus dans les labels et le statut de la structure."
        ),
    )
    min_amount = django_filters.NumberFilter(
        method="filter_min_amount",
        min_value=Decimal(0),
        max_value=Decimal(MAX_ORDER_AMOUNT),
        label=_("Montant de commande (€ HT)"),
        help_text=_("Offres dont le montant de commande maximal atteint au moins ce montant, en euros hors taxes."),
    )
    updated_since = updated_since_filter()

    class Meta:
        model = SupplierOffer
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_cpv(self, queryset, name, value):
        return queryset.in_categories(value) if value else queryset

    def filter_commune(self, queryset, name, value):
        return queryset.serving(value) if value else queryset

    def filter_clause(self, queryset, name, value):
        if not value:
            return queryset
        condition = None
        for clause in value:
            part = Q(actor__in=actors_with_clause(clause))
            condition = part if condition is None else condition | part
        return queryset.filter(condition)

    def filter_min_amount(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(max_order_amount__gte=value)


class BuyerNeedFilterSet(PortalFilterSet):
    """The board of needs `/acheteurs/besoins/`: by category and delivery commune."""

    cpv = cpv_filter(_("Code CPV d'une division ou d'un groupe, ses groupes compris (répétable)."))
    commune = territory_commune_filter(_("Code INSEE d'une commune de livraison (répétable)."), "filter_commune")
    buyer_kind = django_filters.MultipleChoiceFilter(
        choices=BuyerNeed.BuyerKind.choices, label=_("Type d'acheteur"), help_text=_("Type d'acheteur (répétable).")
    )

    class Meta:
        model = BuyerNeed
        fields = []

    def filter_cpv(self, queryset, name, value):
        return queryset.in_categories(value) if value else queryset

    def filter_commune(self, queryset, name, value):
        return queryset.delivered_in(value) if value else queryset


class CpvFilterSet(PortalFilterSet):
    """The CPV reference list: by level."""

    level = django_filters.ChoiceFilter(
        choices=CpvCode.Level.choices, label=_("Niveau"), help_text=_("division ou group.")
    )

    class Meta:
        model = CpvCode
        fields = []
