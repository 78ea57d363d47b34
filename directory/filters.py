"""FilterSets shared by the HTML pages and the API (one per list)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from directory.models import Actor, Commune, Label, Neighbourhood, Role, Sector, SupportOffer


class ActorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Nom, activité, produits et services ; accepte aussi un SIRET ou un SIREN."),
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
    sector = django_filters.ModelMultipleChoiceFilter(
        method="filter_sector",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Secteur"),
        help_text=_("Identifiant du secteur (répétable) ; un secteur principal inclut ses sous-secteurs."),
    )
    legal_form = django_filters.MultipleChoiceFilter(
        choices=Actor.LegalForm.choices, label=_("Forme juridique"), help_text=_("Forme juridique (répétable).")
    )
    typology = django_filters.MultipleChoiceFilter(
        choices=Actor._meta.get_field("typology").choices, label=_("Typologie"), help_text=_("Typologie (répétable).")
    )
    label = django_filters.ModelMultipleChoiceFilter(
        field_name="labels",
        to_field_name="slug",
        queryset=Label.objects.all(),
        label=_("Label ou agrément"),
        help_text=_("Identifiant du label (répétable)."),
        distinct=True,
    )
    role = django_filters.ModelMultipleChoiceFilter(
        field_name="roles",
        to_field_name="slug",
        queryset=Role.objects.all(),
        label=_("Rôle"),
        help_text=_("Rôle dans l'écosystème (répétable)."),
        distinct=True,
    )
    support = django_filters.MultipleChoiceFilter(
        method="filter_support",
        choices=SupportOffer.Kind.choices,
        label=_("Appui proposé"),
        help_text=_("Acteurs proposant ce type d'accompagnement (répétable)."),
    )
    siret = django_filters.CharFilter(
        method="filter_siret", label=_("SIRET ou SIREN"), help_text=_("14 chiffres (SIRET) ou 9 (SIREN).")
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifié depuis"),
        help_text=_("Date et heure ISO 8601 : fiches modifiées depuis (synchronisation incrémentale)."),
    )

    class Meta:
        model = Actor
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_sector(self, queryset, name, value):
        if not value:
            return queryset
        ids = {sector.pk for sector in value}
        return queryset.filter(sectors__in=Sector.objects.filter(pk__in=ids) | Sector.objects.filter(parent__in=ids))

    def filter_support(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=SupportOffer.objects.published().filter(kind__in=value).values("provider"))

    def filter_siret(self, queryset, name, value):
        return queryset.with_siret(value)

    @property
    def qs(self):
        # Joins on many-valued relations may repeat a row; the page and the API need each actor once.
        return super().qs.distinct()
