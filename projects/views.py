"""Public pages of the strategy tracker: initiatives, the strategy dashboard, sites and premises."""

from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Case, Count, F, Prefetch, Q, Sum, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory.models import Actor, Commune, Neighbourhood, Stage, SupportOffer, Typology
from ess_portal import pages
from ess_portal.response_cache import kept_for_anonymous, remembered
from projects import rollups
from projects.filters import ConsultationFilterSet, InitiativeFilterSet, SiteFilterSet
from projects.models import (
    DOCUMENTS_DIR,
    Consultation,
    ConsultationEffect,
    ConsultationParticipant,
    Document,
    EnergyAssessment,
    EnergyReview,
    Event,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    JournalEntry,
    Site,
    StatusChange,
    StrategyAxis,
)
from projects.models.events import SHORTLIST_LENGTH

# The map of the sites page shows every current result with coordinates, up to this many.
MAP_MARKER_LIMIT = 1000
# Colour classes of the lifecycle states in charts and badges (see static/css/projects.css).
STATUS_CLASSES = {status: f"status-{status}" for status in Initiative.Status.values}


# ---------------------------------------------------------------------------
# Initiatives


@require_GET
@kept_for_anonymous
def initiative_list(request):
    filterset = InitiativeFilterSet(request.GET, queryset=Initiative.objects.published())
    results = filterset.qs if filterset.is_valid() else Initiative.objects.none()
    page, page_range, page_notice = pages.paginate(request, results.for_list().order_by("axis__number", "title", "pk"))
    groups = pages.checkbox_groups(
        filterset,
        {
            "axis": [(axis.slug, str(axis)) for axis in StrategyAxis.objects.all()],
            "status": Initiative.Status.choices,
            "health": Initiative.Health.choices,
            "kind": Initiative.Kind.choices,
            "commune": [(c.insee_code, c.name) for c in Commune.objects.in_territory()],
        },
        open_names=("axis", "status"),
    )
    return render(
        request,
        "projects/initiative_list.html",
        {
            "filterset": filterset,
            "q": filterset.data.get("q", ""),
            "filter_groups": groups,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Les projets de la stratégie ESS"), filterset, page, groups),
            "filtered": any(filterset.data.get(name) for name in filterset.filters),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "has_fictional": any(initiative.is_fictional for initiative in page.object_list),
            "crumbs": [(_("Projets"), "")],
        },
    )


def _milestone_rows(milestones, today) -> list[dict]:
    """Each milestone with its state and its share of the initiative's progress (its weight, in percent)."""
    milestones = list(milestones)
    total_weight = sum(milestone.weight for milestone in milestones)
    rows = []
    for milestone in milestones:
        if milestone.is_done:
            state, label = "done", _("réalisé")
        elif milestone.planned_on < today:
            state, label = "late", _("en retard")
        else:
            state, label = "planned", _("à venir")
        share = round(100 * milestone.weight / total_weight) if total_weight else None
        rows.append({"milestone": milestone, "state": state, "state_label": label, "share": share})
    return rows


def _indicator_rows(indicators) -> list[dict]:
    """Each indicator with its latest measurement and a chart of baseline, target and actual value."""
    rows = []
    for indicator in indicators:
        measurements = list(indicator.measurements.all())
        latest = measurements[-1] if measurements else None
        chart_rows = []
        if indicator.baseline is not None:
            chart_rows.append({"label": _("Valeur de départ"), "values": [indicator.baseline]})
        if indicator.target is not None:
            chart_rows.append({"label": _("Cible"), "values": [indicator.target]})
        if latest is not None:
            chart_rows.append(
                {
                    "label": _("Réalisé au %(date)s") % {"date": latest.measured_on.strftime("%d/%m/%Y")},
                    "values": [latest.value],
                }
            )
        percent = None
        if latest is not None and indicator.target:
            percent = int(latest.value * 100 / indicator.target)
        rows.append(
            {
                "indicator": indicator,
                "latest": latest,
                "measurements": measurements,
                "percent": percent,
                "chart": {
                    "id": f"indicateur-{indicator.pk}",
                    "title": f"{indicator.name} ({indicator.unit})",
                    "summary": _("Valeur de départ, cible et dernière valeur mesurée de l'indicateur."),
                    "series": [{"key": "value", "label": indicator.unit, "css_class": "chart-s1"}],
                    "rows": chart_rows,
                    "unit": indicator.unit,
                },
            }
        )
    return rows


def _funding_chart(totals) -> dict:
    rows = []
    if totals.target is not None:
        rows.append({"label": _("Budget cible"), "values": [totals.target]})
    rows += [
        {"label": _("Acquis (y compris versé)"), "values": [totals.secured]},
        {"label": _("Demandé, en attente"), "values": [totals.requested]},
    ]
    if totals.gap is not None:
        rows.append({"label": _("Reste à financer"), "values": [totals.gap]})
    return {
        "id": "financement",
        "title": _("Financement : acquis et cible"),
        "summary": _("Montants en euros du budget cible, des financements acquis, demandés et du reste à financer."),
        "series": [{"key": "amount", "label": _("euros"), "css_class": "chart-s2"}],
        "rows": rows,
        "unit": "€",
    }


@require_GET
@kept_for_anonymous
def initiative_detail(request, slug):
    published_actors = Actor.objects.published()
    initiative = get_object_or_404(
        Initiative.objects.published()
        .select_related("axis", "objective", "lead_actor", "energy_review")
        .prefetch_related(
            "communes",
            "neighbourhoods",
            Prefetch("sites", queryset=Site.objects.published().select_related("commune"), to_attr="public_sites"),
            "milestones",
            Prefetch("indicators", queryset=Indicator.objects.prefetch_related("measurements")),
            Prefetch(
                "involvements",
                queryset=Involvement.objects.filter(actor__in=published_actors).select_related("actor"),
                to_attr="public_involvements",
            ),
            Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder")),
            Prefetch("energy_review__assessments", queryset=EnergyAssessment.objects.select_related("criterion")),
            Prefetch(
                "consultations",
                queryset=public_consultation_links(Consultation.objects.filter(is_public=True)),
                to_attr="own_consultations",
            ),
            Prefetch(
                "shared_consultations",
                queryset=public_consultation_links(Consultation.objects.published()),
                to_attr="public_shared_consultations",
            ),
            Prefetch("journal_entries", queryset=JournalEntry.objects.public(), to_attr="public_journal"),
            Prefetch("documents", queryset=Document.objects.public(), to_attr="public_documents"),
            Prefetch("status_changes", queryset=StatusChange.objects.order_by("changed_at", "pk"), to_attr="lifecycle"),
            Prefetch("events", queryset=Event.objects.shortlist()[:SHORTLIST_LENGTH], to_attr="upcoming_events"),
        )
        .with_progress()
        .with_funding(),
        slug=slug,
    )
    today = timezone.localdate()
    # Its own consultations and those of other initiatives that concerned it too, latest first.
    initiative.public_consultations = sorted(
        [*initiative.own_consultations, *initiative.public_shared_consultations],
        key=lambda consultation: (consultation.held_on, consultation.pk),
        reverse=True,
    )
    for consultation in initiative.public_consultations:
        consultation.participant_groups = participants_by_kind(consultation)
    roles = defaultdict(list)
    for involvement in initiative.public_involvements:
        roles[involvement.role].append(involvement)
    partners_by_role = [
        {"role": label, "involvements": roles[value]} for value, label in Involvement.Role.choices if roles[value]
    ]
    try:
        review = initiative.energy_review
    except EnergyReview.DoesNotExist:
        review = None
    totals = initiative.funding_totals()
    markers = [
        {
            "id": site.pk,
            "name": site.name,
            "url": site.get_absolute_url(),
            "lat": float(site.latitude),
            "lon": float(site.longitude),
            "meta": site.address or site.commune.name,
        }
        for site in initiative.public_sites
        if site.has_coordinates
    ]
    return render(
        request,
        "projects/initiative_detail.html",
        {
            "initiative": initiative,
            "status_class": STATUS_CLASSES[initiative.status],
            "milestones": _milestone_rows(initiative.milestones.all(), today),
            "indicators": _indicator_rows(initiative.indicators.all()),
            "partners_by_role": partners_by_role,
            "review": review,
            "funding": totals,
            "funding_chart": _funding_chart(totals),
            "funding_lines": list(initiative.funding_lines.all()),
            "markers": markers,
            "crumbs": [(_("Projets"), reverse("projects:initiative_list")), (initiative.title, "")],
        },
    )


# ---------------------------------------------------------------------------
# Strategy dashboard


def _status_series() -> list[dict]:
    return [
        {"key": value, "label": label, "css_class": STATUS_CLASSES[value]} for value, label in Initiative.Status.choices
    ]


def _strategy_figures() -> dict:
    """Every figure of the strategy page, as SQL aggregates: numbers and records, no translated text.

    Kept per data version by the view (`remembered`): the words around them are the visitor's language.
    Queries: the strategy's roll-up (see `rollups.strategy_rollup`), communes, actors by typology and
    commune, offers by stage, offers by typology.
    """
    communes = list(Commune.objects.in_territory())
    offers = SupportOffer.objects.published()
    # One pass over the published actors for both charts: grouped by typology and by commune of the
    # territory (the others together).
    actor_rows = list(
        Actor.objects.published()
        .annotate(territory_commune=Case(When(commune__in=communes, then=F("commune")), default=None))
        .values("typology", "territory_commune")
        .annotate(actors=Count("pk"), employees=Sum("employees"))
        .order_by()
    )
    by_commune, by_typology = defaultdict(lambda: [0, 0]), defaultdict(lambda: {"actors": 0, "employees": 0})
    for row in actor_rows:
        by_commune[row["territory_commune"]][0] += row["actors"]
        by_commune[row["territory_commune"]][1] += row["employees"] or 0
        by_typology[row["typology"]]["actors"] += row["actors"]
        by_typology[row["typology"]]["employees"] += row["employees"] or 0
    stages = Stage.objects.annotate(
        offers=Count("support_offers", filter=Q(support_offers__in=offers), distinct=True)
    ).order_by("position")
    return {
        "rollup": rollups.strategy_rollup(Initiative.objects.published()),
        "communes": [(commune.name, *by_commune.get(commune.pk, (0, 0))) for commune in communes],
        "stages": [(stage.name, stage.offers) for stage in stages],
        "actors_by_typology": dict(by_typology),
        "offers_by_typology": dict(offers.values_list("target_typology").annotate(n=Count("pk")).order_by()),
    }


def _commune_charts(communes) -> tuple[dict, dict]:
    actors_chart = {
        "id": "acteurs-communes",
        "title": _("Acteurs publiés par commune"),
        "summary": _("Nombre d'acteurs de l'ESS publiés dans l'annuaire, pour chacune des 9 communes."),
        "series": [{"key": "actors", "label": _("acteurs"), "css_class": "chart-s1"}],
        "rows": [{"label": name, "values": [actors]} for name, actors, _employees in communes],
    }
    employees_chart = {
        "id": "salaries-communes",
        "title": _("Salariés déclarés par commune"),
        "summary": _("Somme des salariés déclarés par les acteurs publiés de chaque commune."),
        "series": [{"key": "employees", "label": _("salariés"), "css_class": "chart-s2"}],
        "rows": [{"label": name, "values": [employees]} for name, _actors, employees in communes],
    }
    return actors_chart, employees_chart


def _stage_chart(stages) -> dict:
    return {
        "id": "offres-etapes",
        "title": _("Offres d'accompagnement par étape"),
        "summary": _("Nombre d'offres d'accompagnement publiées qui visent chaque étape de la vie d'une structure."),
        "series": [{"key": "offers", "label": _("offres"), "css_class": "chart-s3"}],
        "rows": [{"label": name, "values": [offers]} for name, offers in stages],
    }


def _typology_comparison(figures: dict) -> dict:
    """The audit's two kinds of actors side by side: how many, how many jobs, what support they get."""
    kinds = [Typology.ENTREPRENEURIAL, Typology.MILITANT]
    actors = figures["actors_by_typology"]
    offers = figures["offers_by_typology"]
    led = figures["rollup"].led_by_typology
    open_to_all = offers.get(SupportOffer.TargetTypology.ALL, 0)
    rows = [
        {
            "label": kind.label,
            "actors": actors.get(kind.value, {}).get("actors", 0),
            "employees": actors.get(kind.value, {}).get("employees") or 0,
            "offers_targeted": offers.get(kind.value, 0),
            "offers_open": open_to_all + offers.get(kind.value, 0),
            "initiatives": led.get(kind.value, rollups.LedByTypology()).initiatives,
            "secured": led.get(kind.value, rollups.LedByTypology()).secured,
        }
        for kind in kinds
    ]
    return {
        "rows": rows,
        "offers_open_to_all": open_to_all,
        "chart": {
            "id": "typologies-offres",
            "title": _("Offres d'accompagnement ouvertes à chaque typologie d'acteurs"),
            "summary": _(
                "Pour chacune des deux typologies d'acteurs, les offres qui lui sont réservées et celles "
                "ouvertes à tous les acteurs."
            ),
            "series": [
                {"key": "targeted", "label": _("offres qui lui sont réservées"), "css_class": "chart-s4"},
                {"key": "all", "label": _("offres ouvertes à tous"), "css_class": "chart-s5"},
            ],
            "rows": [{"label": row["label"], "values": [row["offers_targeted"], open_to_all]} for row in rows],
        },
        "funding_chart": {
            "id": "typologies-financements",
            "title": _("Financements acquis par les projets que porte chaque typologie"),
            "summary": _(
                "Somme en euros des financements acquis par les projets publiés, selon la typologie du porteur."
            ),
            "series": [{"key": "secured", "label": _("euros"), "css_class": "chart-s2"}],
            "rows": [{"label": row["label"], "values": [row["secured"]]} for row in rows],
            "unit": "€",
        },
    }


@require_GET
@kept_for_anonymous
def strategy(request):
    """The strategy dashboard: per axis, its initiatives counted by state and objective, progress, money, indicators.

    Every figure is an aggregate (no initiative is listed here: each axis and state links to the
    initiatives list, filtered), kept for the data version so that a write shows at once.
    """
    figures = remembered("strategy", (), _strategy_figures, request=request)
    rollup = figures["rollup"]
    list_url = reverse("projects:initiative_list")
    axis_rows = []
    for axis_rollup in rollup.axes:
        axis = axis_rollup.axis
        counts = axis_rollup.status_counts
        axis_rows.append(
            {
                "axis": axis,
                "rollup": axis_rollup,
                "url": f"{list_url}?{urlencode({'axis': axis.slug})}",
                "status_counts": [
                    {
                        "label": label,
                        "count": counts[value],
                        "css_class": STATUS_CLASSES[value],
                        "url": f"{list_url}?{urlencode({'axis': axis.slug, 'status': value})}",
                    }
                    for value, label in Initiative.Status.choices
                    if counts.get(value)
                ],
                "counts": [counts.get(value, 0) for value in Initiative.Status.values],
            }
        )
    status_chart = {
        "id": "projets-axes-etats",
        "title": _("Projets par axe stratégique et par état"),
        "summary": _("Nombre de projets publiés de chaque axe de la stratégie, répartis selon leur état d'avancement."),
        "series": _status_series(),
        "rows": [
            {"label": str(row["axis"]), "values": row["counts"], "url": f"#axe-{row['axis'].slug}"} for row in axis_rows
        ],
    }
    actors_chart, employees_chart = _commune_charts(figures["communes"])
    return render(
        request,
        "projects/strategy.html",
        {
            "axis_rows": axis_rows,
            "initiative_count": rollup.initiative_count,
            "overall_progress": rollup.progress,
            "status_chart": status_chart,
            "actors_chart": actors_chart,
            "employees_chart": employees_chart,
            "stage_chart": _stage_chart(figures["stages"]),
            "typologies": _typology_comparison(figures),
            "has_fictional": rollup.has_fictional,
            "crumbs": [(_("Stratégie"), "")],
        },
    )


# ---------------------------------------------------------------------------
# Consultations across initiatives

# The initiative filter of the consultations page offers the initiatives with the most public consultations.
CONSULTATION_INITIATIVE_CHOICES = 30


def public_consultation_links(consultations):
    """`consultations` with what a public card shows, published records only, without a query per row.

    `public_participants` (published actors, by kind), `public_other_initiatives` (published ones) and
    `public_effects` (those on published initiatives) are lists on each consultation.
    """
    published_actors = Actor.objects.published()
    published_initiatives = Initiative.objects.published()
    return consultations.select_related("initiative").prefetch_related(
        Prefetch(
            "participants",
            queryset=ConsultationParticipant.objects.filter(actor__in=published_actors)
            .select_related("actor")
            .order_by("kind", "actor__name", "pk"),
            to_attr="public_participants",
        ),
        Prefetch(
            "other_initiatives",
            queryset=published_initiatives.order_by("title"),
            to_attr="public_other_initiatives",
        ),
        Prefetch(
            "effects",
            queryset=ConsultationEffect.objects.filter(
                Q(status_change__initiative__in=published_initiatives)
                | Q(milestone__initiative__in=published_initiatives)
                | Q(initiative_version__id__in=published_initiatives.values("pk"))
            ).select_related("status_change__initiative", "milestone__initiative", "initiative_version"),
            to_attr="public_effects",
        ),
    )


def participants_by_kind(consultation) -> list[dict]:
    """A consultation's public participants grouped by kind, in the order of the kinds."""
    groups = defaultdict(list)
    for participant in consultation.public_participants:
        groups[participant.kind].append(participant.actor)
    return [
        {"kind": value, "label": label, "actors": groups[value]}
        for value, label in ConsultationParticipant.Kind.choices
        if groups[value]
    ]


@require_GET
@kept_for_anonymous
def consultation_list(request):
    """Every public consultation of the published initiatives: who took part, by kind, and what it changed."""
    filterset = ConsultationFilterSet(request.GET, queryset=Consultation.objects.published(), request=request)
    results = filterset.qs if filterset.is_valid() else Consultation.objects.none()
    listed = public_consultation_links(results).order_by("-held_on", "-pk")
    page, page_range, page_notice = pages.paginate(request, listed)
    for consultation in page.object_list:
        consultation.participant_groups = participants_by_kind(consultation)
    published = Consultation.objects.published()
    years = [day.year for day in published.dates("held_on", "year", order="DESC")]
    selected = set(filterset.data.getlist("initiative"))
    initiatives = (
        Initiative.objects.published()
        .annotate(public_consultations=Count("consultations", filter=Q(consultations__in=published)))
        .filter(Q(public_consultations__gt=0) | Q(slug__in=selected))
        .order_by("-public_consultations", "title")
        .values_list("slug", "title")[:CONSULTATION_INITIATIVE_CHOICES]
    )
    groups = pages.checkbox_groups(
        filterset,
        {
            "participant_kind": ConsultationParticipant.Kind.choices,
            "commune": [(c.insee_code, c.name) for c in Commune.objects.in_territory()],
            "initiative": list(initiatives),
        },
        open_names=("participant_kind",),
    )
    year = filterset.data.get("year", "")
    return render(
        request,
        "projects/consultation_list.html",
        {
            "filterset": filterset,
            "filter_groups": groups,
            "years": years,
            "year": year,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Les consultations de la stratégie ESS"), filterset, page, groups),
            "filtered": any(filterset.data.get(name) for name in filterset.filters),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "has_fictional": any(consultation.initiative.is_fictional for consultation in page.object_list),
            "crumbs": [(_("Stratégie"), reverse("projects:strategy")), (_("Consultations"), "")],
        },
    )


# ---------------------------------------------------------------------------
# Sites and premises


@require_GET
@kept_for_anonymous
def site_list(request):
    filterset = SiteFilterSet(request.GET, queryset=Site.objects.published())
    results = filterset.qs if filterset.is_valid() else Site.objects.none()
    listed = (
        results.for_list()
        .prefetch_related(
            Prefetch("occupants", queryset=Actor.objects.published().order_by("name"), to_attr="public_occupants"),
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.published().order_by("title"),
                to_attr="public_initiatives",
            ),
            Prefetch("events", queryset=Event.objects.shortlist()[:SHORTLIST_LENGTH], to_attr="upcoming_events"),
        )
        .order_by("name", "pk")
    )
    page, page_range, page_notice = pages.paginate(request, listed)
    stage_counts = dict(results.values_list("pipeline_stage").annotate(n=Count("pk")).order_by())
    rows = (
        results.filter(latitude__isnull=False, longitude__isnull=False)
        .values("pk", "slug", "name", "latitude", "longitude", "pipeline_stage", "commune__name")
        .order_by("name", "pk")[:MAP_MARKER_LIMIT]
    )
    stage_labels = dict(Site.Pipeline.choices)
    markers = [
        {
            "id": row["pk"],
            "name": row["name"],
            "url": f"#{row['slug']}",
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "meta": f"{row['commune__name']} — {stage_labels[row['pipeline_stage']]}",
        }
        for row in rows
    ]
    groups = pages.checkbox_groups(
        filterset,
        {
            "commune": [(c.insee_code, c.name) for c in Commune.objects.in_territory()],
            "kind": Site.Kind.choices,
            "pipeline_stage": Site.Pipeline.choices,
            "neighbourhood": [(n.slug, n.name) for n in Neighbourhood.objects.all()],
        },
        open_names=("commune", "pipeline_stage"),
    )
    available_choice = filterset.data.get("available", "")
    return render(
        request,
        "projects/site_list.html",
        {
            "filterset": filterset,
            "q": filterset.data.get("q", ""),
            "filter_groups": groups,
            "available_choice": available_choice if available_choice in ("true", "false") else "",
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Lieux et locaux pour l'ESS"), filterset, page, groups),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "stage_counts": [
                {
                    "label": label,
                    "count": stage_counts.get(value, 0),
                    "available": value in Site.AVAILABLE_STAGES,
                }
                for value, label in Site.Pipeline.choices
            ],
            "available_stages": Site.AVAILABLE_STAGES,
            "markers": markers,
            "has_fictional": any(site.is_fictional for site in page.object_list),
            "query_string": pages.query_without(request, "page"),
            "crumbs": [(_("Lieux et locaux"), "")],
        },
    )


@require_GET
def document_file(request, name):
    """An initiative's document: public ones for everyone, internal ones for staff allowed to view them."""
    if "\x00" in name:
        # No file has such a name (and PostgreSQL refuses NUL in a query): as for any unknown file.
        raise Http404
    documents = Document.objects.all() if request.user.has_perm("projects.view_document") else Document.objects.public()
    document = get_object_or_404(documents, file=f"{DOCUMENTS_DIR}{name}")
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    # A download, never rendered inline: the site's origin does not vouch for an uploaded file's content.
    return FileResponse(handle, as_attachment=True, filename=name.rsplit("/", 1)[-1])
