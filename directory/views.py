"""Public pages of the directory: search and filters, actor pages, CSV export, support finder."""

from operator import itemgetter

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory import network as cooperation_network
from directory import personal_data, rollups, validators
from directory.exports import DirectoryExportRows
from directory.filters import ActorFilterSet, CooperationFilterSet, DealFilterSet, SupportOfferFilterSet, sanitize_query
from directory.hours import schema_org_opening_hours
from directory.merge import merged_survivor
from directory.models import (
    Actor,
    Commune,
    Contact,
    Cooperation,
    Deal,
    DealProgramme,
    Presence,
    Sector,
    Stage,
    SupportOffer,
    Typology,
)
from ess_portal import pages
from ess_portal.csv_export import (
    INSEE_CODE_PATTERN,
    POSTAL_CODE_PATTERN,
    SIRET_PATTERN,
    SPREADSHEET,
    Column,
    CsvTable,
    code_column,
    french_boolean,
    number_cell,
    text_cell,
)
from ess_portal.response_cache import kept_for_anonymous

# The map shows every current result with coordinates, up to this many (the list pages through all).
MAP_MARKER_LIMIT = 2000
# A cell of the chain view with fewer offers than this is "thin" (one provider away from a gap).
THIN_CELL_THRESHOLD = 2


def _facet_groups(request, filterset):
    """The filter checkboxes: every option that has results (or is ticked), with its disjunctive count."""
    counts = filterset.facets()
    options = filterset.facet_options()
    groups = pages.checkbox_groups(filterset, options, open_names=("commune", "sector", "typology"), counts=counts)
    active = [
        {"label": option["label"], "url": pages.query_without_value(request, group["name"], option["value"])}
        for group in groups
        for option in group["options"]
        if option["checked"]
    ]
    return groups, active


@require_GET
@kept_for_anonymous
def actor_list(request):
    filterset = ActorFilterSet(request.GET, queryset=Actor.objects.published(), request=request)
    results = filterset.qs if filterset.is_valid() else Actor.objects.none()
    page, page_range, page_notice = pages.paginate(request, results.for_list())
    groups, active = _facet_groups(request, filterset)
    view = "map" if request.GET.get("view") == "map" else "list"
    markers = []
    if view == "map":
        rows = (
            results.filter(latitude__isnull=False, longitude__isnull=False)
            .values("pk", "slug", "name", "latitude", "longitude", "commune__name")
            .order_by("name", "pk")[:MAP_MARKER_LIMIT]
        )
        markers = [
            {
                "id": row["pk"],
                "name": row["name"],
                "url": reverse("directory:actor_detail", kwargs={"slug": row["slug"]}),
                "lat": float(row["latitude"]),
                "lon": float(row["longitude"]),
                "meta": row["commune__name"] or "",
            }
            for row in rows
        ]
    return render(
        request,
        "directory/actor_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(
                _("Carte des acteurs de l'ESS") if view == "map" else _("Annuaire des acteurs de l'ESS"),
                filterset,
                page,
                groups,
            ),
            "facet_groups": groups,
            "active_filters": active,
            "q": filterset.data.get("q", ""),
            "view": view,
            "markers": markers,
            "has_fictional": any(actor.is_fictional for actor in page.object_list),
            "query_string": pages.query_without(request, "page", "view"),
            "crumbs": [(_("Annuaire"), "")],
        },
    )


# Rows of the network page's table of links, and actors of its list view, per page.
NETWORK_PAGE_SIZE = 50


@require_GET
@kept_for_anonymous
def network(request):
    """The cooperation network of published actors: graph, figures, table of links, list of actors.

    One FilterSet (`CooperationFilterSet`, shared with the API) chooses the links; the page's own
    options (`NetworkOptionsForm`) put one actor at the centre, choose the colours and the view.
    Everything works without JavaScript: the graph is drawn over the same data the table gives.
    """
    filterset = CooperationFilterSet(request.GET, queryset=Cooperation.objects.published(), request=request)
    options = cooperation_network.NetworkOptionsForm(sanitize_query(request.GET))
    valid = filterset.is_valid() & options.is_valid()
    focus = options.cleaned_data.get("acteur") if valid else None
    # After validation, cleaned_data holds the options that were valid (each has its default).
    colour_by = options.cleaned_data.get("couleur", "secteur")
    view = options.cleaned_data.get("vue", "graphe")
    if valid:
        scope = None if focus else filterset.scoped_actors(Actor.objects.published())
        graph_network = cooperation_network.build_network(
            filterset.qs, scope=scope, scope_covers_links=not filterset.has_actor_criteria(), focus=focus
        )
    else:
        graph_network = cooperation_network.Network()
    sectors = list(Sector.objects.order_by("position", "name"))
    main_sectors = [sector for sector in sectors if sector.parent_id is None]
    children = {}
    for sector in sectors:
        if sector.parent_id:
            children.setdefault(sector.parent_id, []).append(sector)
    graph = {"nodes": [], "edges": []}
    drawn = graph_network.drawn_nodes() if view == "graphe" else []
    if drawn:
        graph = graph_network.graph(
            sectors=cooperation_network.main_sector_of([node.pk for node in drawn], main_sectors),
            colour_by="typology" if colour_by == "typologie" else "sector",
            focus_base_url=reverse("directory:network"),
        )
    rows = graph_network.links if view == "graphe" else graph_network.sorted_nodes()
    page, page_range, page_notice = pages.paginate(request, rows, per_page=NETWORK_PAGE_SIZE)
    if view == "liste":
        page.object_list = [(node, graph_network.links_of(node)) for node in page.object_list]
    groups = pages.checkbox_groups(
        filterset,
        {
            "commune": [(commune.insee_code, commune.name) for commune in Commune.objects.in_territory()],
            "sector": [
                item
                for parent in main_sectors
                for item in [(parent.slug, parent.name, 0)] + [(c.slug, c.name, 1) for c in children.get(parent.pk, [])]
            ],
            "kind": Cooperation.Kind.choices,
        },
        open_names=("kind",),
    )
    errors = pages.filter_errors(filterset) + [
        f"{options.fields[name].label} : {error}"
        for name, field_errors in options.errors.items()
        for error in field_errors
    ]
    title = pages.list_title(_("Réseau des coopérations"), filterset, page, groups)
    if focus is not None:
        title = _("%(title)s — autour de %(name)s") % {"title": title, "name": focus.name}
    if options.errors and not filterset.errors:
        title = _("Erreur — %(title)s") % {"title": title}
    formal = filterset.data.get("formal", "")
    return render(
        request,
        "directory/cooperation_network.html",
        {
            "filterset": filterset,
            "network": graph_network,
            "graph": graph,
            "colour_by": colour_by,
            "hide_sector_legend": colour_by != "secteur",
            "hide_typology_legend": colour_by == "secteur",
            "view": view,
            "focus": focus,
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "filter_errors": errors,
            "page_title": title,
            "facet_groups": groups,
            "formal": formal if formal in ("true", "false") else "",
            "colour_choices": cooperation_network.NetworkOptionsForm.COLOUR_CHOICES,
            "most_connected": graph_network.most_connected(),
            "isolated": graph_network.isolated(),
            "isolated_shown": cooperation_network.ISOLATED_SHOWN,
            "typology_pairs": graph_network.typology_pairs(),
            "communes": graph_network.communes(),
            "by_kind": graph_network.by_kind(),
            "graph_node_limit": cooperation_network.GRAPH_NODE_LIMIT,
            "sector_legend": cooperation_network.sector_legend(main_sectors),
            "typology_legend": cooperation_network.typology_legend(),
            "query_string": pages.query_without(request, "page", "vue"),
            "crumbs": [(_("Annuaire"), reverse("directory:actor_list")), (_("Réseau des coopérations"), "")],
        },
    )


# The public export of the directory: French spreadsheets (`;`, BOM), one row per published actor.
# Each column's cell is read in bulk by its `key` (directory.exports.DirectoryExportRows).
DIRECTORY_EXPORT = CsvTable(
    name="directory-export",
    title=_("Export de l'annuaire de l'ESS"),
    description=_(
        "/annuaire/export.csv : les acteurs publiés que la recherche trouve, pour un tableur en français "
        "(séparateur « ; », UTF-8 avec BOM)."
    ),
    csv_format=SPREADSHEET,
    columns=(
        Column(_("nom"), key="name"),
        Column(_("identifiant"), description=_("Identifiant public."), key="slug"),
        code_column(_("SIRET"), SIRET_PATTERN, _("14 chiffres."), key="siret"),
        Column(_("forme juridique"), key="legal_form"),
        Column(_("typologie"), key="typology"),
        Column(_("secteurs"), description=_("Séparés par des virgules."), key="sectors"),
        Column(_("adresse"), key="address"),
        code_column(_("code postal"), POSTAL_CODE_PATTERN, key="postal_code"),
        Column(_("commune"), key="commune"),
        code_column(_("code INSEE"), INSEE_CODE_PATTERN, key="insee_code"),
        Column(_("quartier prioritaire"), key="neighbourhood"),
        Column(_("latitude"), "number", _("WGS 84, point décimal."), key="latitude"),
        Column(_("longitude"), "number", _("WGS 84, point décimal."), key="longitude"),
        Column(_("site web"), key="website"),
        Column(_("e-mail"), format="email", key="email"),
        Column(_("téléphone"), key="phone"),
        Column(_("description courte"), key="short_description"),
        french_boolean(_("fictif"), _("Fiche de démonstration."), key="is_fictional"),
        Column(_("modifié le"), "datetime", _("ISO 8601, heure de Paris."), key="updated_at"),
        Column(_("page"), format="uri", key="url"),
    ),
)

# The export's columns as (key, header): the actor imports read the export back by these keys.
CSV_COLUMNS = [(column.key, column.name) for column in DIRECTORY_EXPORT.columns]
# Each cell through `safe_cell`: numbers as stored (never a formula), any text checked.
_EXPORT_CONVERTERS = [number_cell if column.type == "number" else text_cell for column in DIRECTORY_EXPORT.columns]


@require_GET
def actor_export(request):
    """The current results of the directory as CSV (UTF-8 with BOM, `;`), streamed row by row."""
    filterset = ActorFilterSet(request.GET, queryset=Actor.objects.published(), request=request)
    # Invalid criteria export nothing rather than everything (the page says which are invalid).
    actors = filterset.qs if filterset.is_valid() else Actor.objects.none()
    base_url = request.build_absolute_uri("/").rstrip("/")
    pick = itemgetter(*(column.key for column in DIRECTORY_EXPORT.columns))
    rows = (pick(cells) for cells in DirectoryExportRows(actors, base_url))
    stamp = timezone.localdate().isoformat()
    return DIRECTORY_EXPORT.response(
        rows, filename=f"annuaire-ess-est-ensemble-{stamp}.csv", converters=_EXPORT_CONVERTERS
    )


def _actor_json_ld(request, actor) -> dict:
    """schema.org data of an actor page.

    An actor with a place of its own (an address in a commune or a point on the map) is a
    `LocalBusiness`, the schema.org type of an organisation that is also a place, which allows
    `geo` and `openingHours`; the others are an `Organization`.
    """
    has_place = actor.presence == Presence.LOCATED and bool(actor.commune_id or actor.has_coordinates)
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness" if has_place else "Organization",
        "@id": request.build_absolute_uri(actor.get_absolute_url()) + "#organisation",
        "name": actor.name,
        "url": request.build_absolute_uri(actor.get_absolute_url()),
        "description": actor.short_description or actor.description[:300],
    }
    if actor.website:
        data["sameAs"] = [actor.website]
    if actor.email:
        data["email"] = actor.email
    telephone = validators.phone_e164(actor.phone)
    if telephone:
        data["telephone"] = telephone
    if actor.siret:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIRET", "value": actor.siret}
    if actor.founded_year:
        data["foundingDate"] = str(actor.founded_year)
    if actor.employees is not None:
        data["numberOfEmployees"] = {"@type": "QuantitativeValue", "value": actor.employees}
    if actor.commune:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": actor.address,
            "postalCode": actor.postal_code,
            "addressLocality": actor.commune.name,
            "addressCountry": "FR",
        }
    if has_place and actor.has_coordinates:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(actor.latitude),
            "longitude": float(actor.longitude),
        }
    opening_hours = schema_org_opening_hours(actor.opening_hours) if has_place else []
    if opening_hours:
        data["openingHours"] = opening_hours
    return data


@require_GET
@kept_for_anonymous
def actor_detail(request, slug):
    try:
        return _actor_page(request, slug)
    except Http404:
        # A record merged into another keeps its address: it leads to the record kept.
        survivor = merged_survivor(slug)
        if survivor is None:
            raise
        return HttpResponsePermanentRedirect(survivor.get_absolute_url())


def _actor_page(request, slug):
    published = Actor.objects.published()
    actor = get_object_or_404(
        published.select_related("commune", "neighbourhood").prefetch_related(
            Prefetch("sectors", queryset=Sector.objects.select_related("parent")),
            "labels",
            "roles",
            "communes_served",
            Prefetch("contacts", queryset=Contact.objects.public(), to_attr="public_contacts"),
            Prefetch(
                "support_offers",
                queryset=SupportOffer.objects.published().prefetch_related("stages"),
                to_attr="public_offers",
            ),
            Prefetch(
                "cooperations_out",
                queryset=Cooperation.objects.filter(target__in=published).select_related("target"),
                to_attr="public_cooperations_out",
            ),
            Prefetch(
                "cooperations_in",
                queryset=Cooperation.objects.filter(source__in=published).select_related("source"),
                to_attr="public_cooperations_in",
            ),
        ),
        slug=slug,
    )
    cooperations = sorted(
        [(c, c.target) for c in actor.public_cooperations_out] + [(c, c.source) for c in actor.public_cooperations_in],
        key=lambda pair: pair[1].name.lower(),
    )
    markers = []
    if actor.has_coordinates:
        markers = [
            {
                "id": actor.pk,
                "name": actor.name,
                "url": actor.get_absolute_url(),
                "lat": float(actor.latitude),
                "lon": float(actor.longitude),
                "meta": actor.address,
            }
        ]
    return render(
        request,
        "directory/actor_detail.html",
        {
            "actor": actor,
            "cooperations": cooperations,
            "cooperation_graph": cooperation_network.ego_graph(actor, cooperations) if cooperations else None,
            "kind_legend": cooperation_network.KIND_LEGEND,
            "typology_legend": cooperation_network.typology_legend(),
            "markers": markers,
            "json_ld": _actor_json_ld(request, actor),
            "claim_url": reverse("directory:actor_claim", args=[actor.slug]),
            "crumbs": [(_("Annuaire"), reverse("directory:actor_list")), (actor.name, "")],
            # The projects app provides the first template (initiatives the actor takes part in);
            # the directory never imports projects, so it falls back to an empty section.
            "initiatives_templates": [
                "projects/includes/actor_initiatives.html",
                "directory/includes/actor_initiatives_empty.html",
            ],
            "consultations_templates": [
                "projects/includes/actor_consultations.html",
                "directory/includes/actor_consultations_empty.html",
            ],
            # The awards app provides its laureate badges, the directory never imports it.
            "awards_templates": ["awards/includes/actor_awards.html", "directory/includes/actor_awards_empty.html"],
            # Deals of a published ESS actor, whichever side this actor is on.
            "deals": list(
                Deal.objects.published()
                .filter(Q(ess_actor=actor) | Q(partner_actor=actor))
                .select_related("ess_actor", "partner_actor", "programme")
                .order_by("-year", "-pk")
            ),
        },
    )


def _chain(commune):
    """Offers per stage × kind of support (published, for the territory or one commune), each cell linking to them."""
    offers = SupportOffer.objects.published()
    if commune is not None:
        offers = offers.for_commune(commune)
    counts = {
        (row["stages"], row["kind"]): row["n"]
        for row in offers.values("stages", "kind").annotate(n=Count("pk", distinct=True)).order_by()
    }
    stages = list(Stage.objects.all())
    finder_url = reverse("directory:support_finder")
    rows = []
    gaps = 0
    for stage in stages:
        cells = []
        for kind, label in SupportOffer.Kind.choices:
            n = counts.get((stage.pk, kind), 0)
            state = "gap" if n == 0 else "thin" if n < THIN_CELL_THRESHOLD else "ok"
            gaps += state == "gap"
            query = {"stage": stage.slug, "kind": kind} | ({"commune": commune.insee_code} if commune else {})
            url = f"{finder_url}?{urlencode(query)}#resultats"
            cells.append({"kind": kind, "label": label, "count": n, "state": state, "url": url})
        rows.append({"stage": stage, "cells": cells})
    return {"rows": rows, "kinds": SupportOffer.Kind.choices, "gaps": gaps, "thin_threshold": THIN_CELL_THRESHOLD}


@require_GET
@kept_for_anonymous
def support_finder(request):
    filterset = SupportOfferFilterSet(
        request.GET,
        queryset=SupportOffer.objects.published().select_related("provider", "provider__commune"),
    )
    results = filterset.qs if filterset.is_valid() else SupportOffer.objects.none()
    results = results.prefetch_related("stages").order_by("title", "pk")
    page, page_range, page_notice = pages.paginate(request, results)
    commune = filterset.form.cleaned_data.get("commune") if filterset.is_valid() else None
    for field in filterset.form:
        field.field.widget.attrs["aria-describedby"] = f"{field.auto_id}_aide"
    return render(
        request,
        "directory/support_finder.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Trouver un accompagnement"), filterset, page),
            "searched": any(request.GET.get(name) for name in filterset.filters),
            "chain": _chain(commune),
            "chain_commune": commune,
            "has_fictional": any(offer.is_fictional for offer in page.object_list),
            "chain_place": commune.name if commune else _("tout le territoire"),
            "crumbs": [(_("Accompagnement"), "")],
        },
    )


@require_GET
def legal(request):
    return render(
        request,
        "directory/legal.html",
        {"contact_email": settings.DEFAULT_FROM_EMAIL, "crumbs": [(_("Mentions légales"), "")]},
    )


@require_GET
def privacy(request):
    """« Données personnelles »: what is kept, why, for how long (the settings' values), who sees it, how to ask."""
    return render(
        request,
        "directory/privacy.html",
        {
            "contact_email": settings.DEFAULT_FROM_EMAIL,
            "contribution_retention_days": settings.CONTRIBUTION_RETENTION_DAYS,
            "submitter_key_retention_days": personal_data.SUBMITTER_KEY_RETENTION_DAYS,
            "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
            "session_max_age_hours": settings.SESSION_MAX_AGE_HOURS,
            "login_cooloff_minutes": settings.LOGIN_COOLOFF_MINUTES,
            # What the other apps keep (the agenda's proposals, the buyers' needs…), each in its section.
            "extra_sections": [(template, context()) for template, context in personal_data.PRIVACY_SECTIONS],
            "crumbs": [(_("Données personnelles"), "")],
        },
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /annuaire/export.csv",
        # Filter combinations are endless; the sitemap lists every page worth indexing.
        "Disallow: /annuaire/?",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# ---------------------------------------------------------------------------
# The deals ledger


def _deal_groups(rollup) -> list[dict]:
    """The roll-up's dimensions, each with its rows named in the visitor's language and its chart."""
    typologies = dict(Typology.choices)
    kinds = dict(Deal.Kind.choices)
    dimensions = [
        ("annee", _("Par année"), rollup.by_year, lambda group: str(group.code)),
        ("programme", _("Par programme ou événement"), rollup.by_programme, lambda group: group.name),
        ("secteur", _("Par secteur de l'acteur de l'ESS"), rollup.by_sector, lambda group: group.name),
        ("commune", _("Par commune de l'acteur de l'ESS"), rollup.by_commune, lambda group: group.name),
        (
            "typologie",
            _("Par typologie de l'acteur de l'ESS"),
            rollup.by_typology,
            lambda g: typologies.get(g.code, ""),
        ),
        ("nature", _("Par nature de transaction"), rollup.by_kind, lambda group: kinds.get(group.code, "")),
    ]
    none_labels = {
        "programme": _("Hors programme"),
        "secteur": _("Sans secteur renseigné"),
        "commune": _("Commune non renseignée"),
    }
    sections = []
    for slug, title, groups, label in dimensions:
        rows = [
            {
                "label": str(label(group) if group.code is not None else none_labels.get(slug, "—")),
                "figures": group.figures,
            }
            for group in groups
        ]
        sections.append(
            {
                "id": slug,
                "title": title,
                "rows": rows,
                "note": _("Une transaction compte dans chacun des secteurs de son acteur de l'ESS.")
                if slug == "secteur"
                else "",
                "chart": {
                    "id": f"transactions-{slug}",
                    "title": _("Montant des transactions — %(dimension)s") % {"dimension": str(title).lower()},
                    "summary": _("Somme en euros des montants des transactions, %(dimension)s.")
                    % {"dimension": str(title).lower()},
                    "series": [{"key": "amount", "label": _("euros"), "css_class": "chart-s2"}],
                    "rows": [{"label": row["label"], "values": [row["figures"].amount]} for row in rows],
                    "unit": "€",
                },
            }
        )
    return sections


@require_GET
@kept_for_anonymous
def deal_list(request):
    """The deals ledger: what ESS actors did with businesses and public buyers, rolled up, then deal by deal."""
    filterset = DealFilterSet(request.GET, queryset=Deal.objects.published(), request=request)
    results = filterset.qs if filterset.is_valid() else Deal.objects.none()
    rollup = rollups.deal_rollup(results)
    page, page_range, page_notice = pages.paginate(request, results.for_list().order_by("-year", "-pk"))
    published = Deal.objects.published()
    years = sorted(set(published.order_by().values_list("year", flat=True).distinct()), reverse=True)
    groups = pages.checkbox_groups(
        filterset,
        {
            "kind": Deal.Kind.choices,
            "partner_kind": Deal.PartnerKind.choices,
            "programme": [(programme.slug, programme.name) for programme in DealProgramme.objects.all()],
            "commune": [(c.insee_code, c.name) for c in Commune.objects.in_territory()],
            "typology": [(value, label) for value, label in Typology.choices],
            "sector": [(sector.slug, sector.name) for sector in Sector.objects.filter(parent__isnull=True)],
        },
        open_names=("kind",),
    )
    return render(
        request,
        "directory/deal_list.html",
        {
            "filterset": filterset,
            "filter_groups": groups,
            "years": years,
            "year": filterset.data.get("year", ""),
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(
                _("Les transactions entre l'ESS et les entreprises"), filterset, page, groups
            ),
            "filtered": any(filterset.data.get(name) for name in filterset.filters),
            "totals": rollup.totals,
            "sections": _deal_groups(rollup),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "has_fictional": any(deal.is_fictional for deal in page.object_list),
            "crumbs": [(_("Annuaire"), reverse("directory:actor_list")), (_("Transactions"), "")],
        },
    )
