"""FilterSets shared by the HTML pages and the API (one per list)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.models import Actor, Commune, Neighbourhood
from projects.models import Initiative, Site, StrategyAxis


class InitiativeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Recherche"), help_text=_("Mots de l'intitulé ou du résumé.")
    )
    axis = django_filters.ModelMultipleChoiceFilter(
        field_name="axis",
        to_field_name="slug",
        queryset=StrategyAxis.objects.all(),
        label=_("Axe stratégique"),
        help_text=_("Identifiant de l'axe (répétable)."),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Initiative.Status.choices, label=_("Statut"), help_text=_("Statut du projet (répétable).")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Initiative.Kind.choices, label=_("Type de projet"), help_text=_("Type de projet (répétable).")
    )
    health = django_filters.MultipleChoiceFilter(
        choices=Initiative.Health.choices,
        label=_("Santé"),
        help_text=_("Santé du projet : dans les temps, à surveiller, en retard, bloqué (répétable)."),
    )
    commune = django_filters.ModelMultipleChoiceFilter(
        field_name="communes",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE d'une commune concernée (répétable)."),
        distinct=True,
    )
    neighbourhood = django_filters.ModelMultipleChoiceFilter(
        field_name="neighbourhoods",
        to_field_name="slug",
        queryset=Neighbourhood.objects.all(),
        label=_("Quartier prioritaire"),
        help_text=_("Identifiant du quartier (répétable)."),
        distinct=True,
    )
    actor = django_filters.ModelMultipleChoiceFilter(
        field_name="involvements__actor",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        label=_("Acteur impliqué"),
        help_text=_("Identifiant d'un acteur impliqué, quel que soit son rôle (répétable)."),
        distinct=True,
    )
    lead_actor = django_filters.ModelMultipleChoiceFilter(
        field_name="lead_actor",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        label=_("Porteur"),
        help_text=_("Identifiant de l'acteur porteur (répétable)."),
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : projets modifiés depuis (synchronisation incrémentale)."),
    )

    class Meta:
        model = Initiative
        fields = []

    def filter_q(self, queryset, name, value):
        for word in value.replace("\x00", "").split()[:10]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return queryset

    @property
    def qs(self):
        # Joins on many-valued relations may repeat a row; lists need each initiative once.
        return super().qs.distinct()


class SiteFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Recherche"), help_text=_("Mot du nom du lieu.")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Site.Kind.choices, label=_("Type de lieu"), help_text=_("Type de lieu (répétable).")
    )
    pipeline_stage = django_filters.MultipleChoiceFilter(
        choices=Site.Pipeline.choices,
        label=_("Étape d'occupation"),
        help_text=_("Étape de l'occupation (répétable)."),
    )
    commune = django_filters.ModelMultipleChoiceFilter(
        field_name="commune",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE de la commune (répétable)."),
    )
    neighbourhood = django_filters.ModelMultipleChoiceFilter(
        field_name="neighbourhood",
        to_field_name="slug",
        queryset=Neighbourhood.objects.all(),
        label=_("Quartier prioritaire"),
        help_text=_("Identifiant du quartier (répétable)."),
    )
    available = django_filters.BooleanFilter(
        method="filter_available",
        label=_("Disponible"),
        help_text=_("true : lieux repérés ou en négociation, pas encore occupés."),
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : lieux modifiés depuis (synchronisation incrémentale)."),
    )

    class Meta:
        model = Site
        fields = []

    def filter_available(self, queryset, name, value):
        open_stages = [Site.Pipeline.IDENTIFIED, Site.Pipeline.NEGOTIATING]
        if value is None:
            return queryset
        return (
            queryset.filter(pipeline_stage__in=open_stages)
            if value
            else queryset.exclude(pipeline_stage__in=open_stages)
        )
