"""The home page: it draws on both apps (directory and projects), so it lives with the root URLs."""

from django.db.models import Count, Sum
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from directory.models import Actor
from ess_portal.response_cache import kept_for_anonymous, remembered
from projects.models import Initiative, JournalEntry

# Reference figures of the ESS, with their source (../shared/reference/est-ensemble.md).
REFERENCE_SOURCE = _("Compte rendu de presse du 11 mars 2019 sur la stratégie ESS d'Est Ensemble")
REFERENCE_FIGURES = {
    "ile_de_france": [
        ("33 200", _("établissements employeurs")),
        ("388 700", _("salariés, soit 7,1 % des salariés de la région")),
        ("332 700", _("équivalents temps plein, soit 6,7 % de ceux de la région")),
        ("11,9 Md€", _("de masse salariale, soit 5,4 % de celle de la région")),
    ],
    "seine_saint_denis": [
        ("33 200", _("salariés")),
        ("3 000", _("établissements employeurs")),
    ],
}
LATEST_COUNT = 6


def _home_figures() -> dict:
    """The home page's figures: actors and their employees, initiatives by state (two aggregates)."""
    totals = Actor.objects.published().aggregate(actors=Count("pk"), employees=Sum("employees"))
    by_status = dict(
        Initiative.objects.published()
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("status", "n")
    )
    return {"actors": totals["actors"], "employees": totals["employees"] or 0, "by_status": by_status}


@require_GET
@kept_for_anonymous
def home(request):
    # Whole-table aggregates, kept for the data version: the next write recounts them.
    figures = remembered("home", (), _home_figures, request=request)
    by_status = figures["by_status"]
    initiatives_by_status = [
        {"status": value, "label": label, "count": by_status.get(value, 0)}
        for value, label in Initiative.Status.choices
    ]
    actors = Actor.objects.published()
    latest_actors = list(actors.for_list().order_by("-updated_at", "pk")[:LATEST_COUNT])
    latest_initiatives = list(
        Initiative.objects.published().select_related("axis").order_by("-updated_at", "pk")[:LATEST_COUNT]
    )
    latest_updates = list(
        JournalEntry.objects.public().select_related("initiative").order_by("-entry_date", "-pk")[:LATEST_COUNT]
    )
    return render(
        request,
        "home.html",
        {
            "actor_count": figures["actors"],
            "employee_count": figures["employees"],
            "initiative_count": sum(by_status.values()),
            "initiatives_by_status": initiatives_by_status,
            "latest_actors": latest_actors,
            "latest_initiatives": latest_initiatives,
            "latest_updates": latest_updates,
            "reference_figures": REFERENCE_FIGURES,
            "reference_source": REFERENCE_SOURCE,
            "has_fictional": any(actor.is_fictional for actor in latest_actors),
        },
    )
