"""Public pages of the observatory (`/observatoire/`, the yearly report) and the structures' declarations.

The figures are `observatory.services`' aggregates: approved figures of published actors, small
groups hidden. The account pages (`/compte/chiffres/…`) are for signed-in structure accounts,
as the directory's (`directory.account_views.account_required`).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from directory import claims
from directory.account_views import account_required
from directory.models import Typology
from ess_portal import pages
from ess_portal.response_cache import kept_for_anonymous
from observatory import reference, services
from observatory.filters import ObservatoryFilterSet
from observatory.forms import DeclarationForm
from observatory.models import METRICS, YearlyFigures

# The figure the charts draw (the tables show them all).
CHART_METRIC = "employees"
SECTIONS = ("typology", "commune", "neighbourhood", "sector", "legal_family")
SECTION_NOTES = {
    "sector": gettext_lazy(
        "Un acteur compte dans chacun de ses secteurs principaux (un sous-secteur compte pour son secteur) : "
        "les lignes ne s'additionnent pas."
    ),
    "typology": gettext_lazy(
        "Les deux profils d'acteurs relevés par le diagnostic de la stratégie ESS de 2019, côte à côte : "
        "entrepreneuriale, au modèle économique robuste, et militante, ancrée localement, au modèle fragile."
    ),
}


def _chart(section_id: str, title: str, groups: list) -> dict:
    rows = [
        {"label": group.label, "values": [group.cells[CHART_METRIC].value or 0]}
        for group in groups
        if not group.hidden and not group.cells[CHART_METRIC].hidden and group.cells[CHART_METRIC].value is not None
    ]
    return {
        "id": f"graphique-{section_id}",
        "title": title,
        "summary": _("Diagramme en barres horizontales des salariés de chaque groupe."),
        "series": [{"key": CHART_METRIC, "label": _("salariés")}],
        "rows": rows,
    }


def _sections(figures: dict, year: int) -> list[dict]:
    sections = []
    for by in SECTIONS:
        breakdown = figures[by]
        groups = [group for group in breakdown.groups if group.year == year]
        visible = [group for group in groups if not group.hidden]
        title = _("Par %(dimension)s") % {"dimension": breakdown.label}
        sections.append(
            {
                "id": by.replace("_", "-"),
                "by": by,
                "title": title,
                "note": SECTION_NOTES.get(by, ""),
                "groups": visible,
                "hidden": len(groups) - len(visible),
                "chart": _chart(by.replace("_", "-"), _("Salariés, %(title)s") % {"title": title.lower()}, visible),
            }
        )
    return sections


def _trends(rows) -> dict:
    by_year = services.breakdown("year", rows)
    by_typology = services.breakdown("typology", rows)
    years = sorted({group.year for group in by_year.groups})
    typology_keys = [key for key, _label in Typology.choices]
    typology = []
    for year in years:
        cells = {group.key: group for group in by_typology.groups if group.year == year}
        typology.append({"year": year, "groups": [cells.get(key) for key in typology_keys]})
    return {
        "totals": sorted(by_year.groups, key=lambda group: group.year),
        "typology_labels": [label for _key, label in Typology.choices],
        "typology": typology,
        "chart": {
            "id": "graphique-evolution",
            "title": _("Salariés des acteurs publiés, par année"),
            "summary": _("Diagramme en barres horizontales des salariés par année."),
            "series": [{"key": CHART_METRIC, "label": _("salariés")}],
            "rows": [
                {"label": str(group.year), "values": [group.cells[CHART_METRIC].value or 0]}
                for group in sorted(by_year.groups, key=lambda group: group.year)
                if not group.hidden and not group.cells[CHART_METRIC].hidden
            ],
        },
    }


def _year_context(rows, year: int) -> dict:
    figures = {by: services.breakdown(by, rows) for by in (*SECTIONS, "year")}
    totals = next((group for group in figures["year"].groups if group.year == year), None)
    return {"totals": totals, "sections": _sections(figures, year)}


def _common_context() -> dict:
    return {
        "metrics": METRICS,
        "threshold": services.min_actors(),
        "reference_figures": reference.REGIONAL_FIGURES,
        "reference_source": reference.SOURCE,
    }


@require_GET
@kept_for_anonymous
def observatory(request):
    """The observatory: the chosen year (the latest by default) by every breakdown, and the trends."""
    filterset = ObservatoryFilterSet(request.GET)
    years = services.published_years()
    valid = filterset.is_valid()
    year = (filterset.chosen_year if valid else None) or (years[0] if years else None)
    rows = services.figure_rows() if valid else []
    context = {
        **_common_context(),
        "years": years,
        "year": year,
        "has_year": valid and year in years,
        "filter_errors": pages.filter_errors(filterset),
        "trends": _trends(rows),
        "crumbs": [(_("Observatoire de l'ESS"), "")],
    }
    if valid and year in years:
        context.update(_year_context(rows, year))
    return render(request, "observatory/observatory.html", context, status=200 if valid else 400)


@require_GET
@kept_for_anonymous
def report(request, year: int):
    """« L'état de l'ESS » of one year: the page to print (or save as PDF from the browser)."""
    rows = services.figure_rows()
    if not any(row.year == year for row in rows):
        raise Http404(_("Aucun chiffre publié pour cette année."))
    context = {
        **_common_context(),
        **_year_context(rows, year),
        "year": year,
        "trends": _trends([row for row in rows if row.year <= year]),
        "crumbs": [
            (_("Observatoire de l'ESS"), reverse("observatory:observatory")),
            (_("Rapport %(year)s") % {"year": year}, ""),
        ],
    }
    return render(request, "observatory/report.html", context)


# -- The structures' declarations


@require_GET
@account_required
def account_figures_home(request):
    actors = list(claims.represented_actors(request.user).order_by("name", "pk"))
    return render(
        request,
        "observatory/account_home.html",
        {"actors": actors, "crumbs": [(_("Votre compte"), reverse("directory:account_home")), (_("Vos chiffres"), "")]},
    )


@require_http_methods(["GET", "POST"])
@account_required
def account_figures(request, slug):
    actor = get_object_or_404(claims.represented_actors(request.user), slug=slug)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_figures(
                actor=actor,
                year=form.cleaned_data["year"],
                values=form.values(),
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.info(
                request,
                _("Merci : vos chiffres %(year)s sont envoyés à l'équipe ESS et attendent sa validation.")
                % {"year": form.cleaned_data["year"]},
            )
            return redirect("observatory:account_figures", slug=actor.slug)
    figures = list(
        YearlyFigures.objects.filter(actor=actor)
        .exclude(status=YearlyFigures.Status.REPLACED)
        .order_by("-year", "status", "-pk")
    )
    return render(
        request,
        "observatory/account_figures.html",
        {
            "actor": actor,
            "form": form,
            "figures": figures,
            "metrics": METRICS,
            "threshold": services.min_actors(),
            "crumbs": [
                (_("Votre compte"), reverse("directory:account_home")),
                (_("Vos chiffres"), reverse("observatory:account_figures_home")),
                (actor.name, ""),
            ],
        },
    )
