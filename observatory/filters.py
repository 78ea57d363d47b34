"""The observatory's one FilterSet: the page `/observatoire/` and `/api/v1/observatory/figures/` read it alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from directory.filters import PortalFilterSet, YearFilter
from observatory.models import FIRST_YEAR, YearlyFigures
from observatory.services import BREAKDOWNS

MAX_YEAR = 2100


class ObservatoryFilterSet(PortalFilterSet):
    """`year` restricts the figures; `by` chooses how they are grouped (it filters nothing)."""

    year = YearFilter(
        field_name="year",
        label=_("Année"),
        help_text=_("Année des chiffres (toutes les années si absent)."),
        min_value=FIRST_YEAR,
        max_value=MAX_YEAR,
    )
    by = django_filters.ChoiceFilter(
        method="group_by",
        choices=list(BREAKDOWNS.items()),
        label=_("Regroupement"),
        help_text=_(
            "year (ensemble du territoire, par défaut), commune, neighbourhood (quartier prioritaire), sector, "
            "legal_family (famille juridique) ou typology."
        ),
    )

    class Meta:
        model = YearlyFigures
        fields = ["year", "by"]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=YearlyFigures.objects.public() if queryset is None else queryset, **kwargs)
        message = _("Indiquez une année de %(min)s à %(max)s, en chiffres.") % {"min": FIRST_YEAR, "max": MAX_YEAR}
        self.form.fields["year"].error_messages.update({"invalid": message, "min_value": message, "max_value": message})
        self.form.fields["by"].error_messages["invalid_choice"] = _(
            "Regroupement inconnu : year, commune, neighbourhood, sector, legal_family ou typology."
        )

    def group_by(self, queryset, name, value):
        return queryset

    @property
    def grouping(self) -> str:
        return self.form.cleaned_data.get("by") or "year"

    @property
    def chosen_year(self) -> int | None:
        return self.form.cleaned_data.get("year")
