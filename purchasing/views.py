"""The buyers' pages: the suppliers' search and shortlist, the board of needs, the structures' offers.

Public pages show only published actors with approved offers, and approved needs before their deadline
(`.published()`); a buyer's contact is never shown. The rules live in `purchasing.services`.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from directory import claims, versions
from directory.account_views import account_required
from directory.contributions import sender_key
from directory.models import Actor, Commune
from ess_portal import pages
from ess_portal.csv_export import SPREADSHEET, Column, CsvTable, code_column, french_boolean, number_cell, text_cell
from ess_portal.response_cache import kept_for_anonymous
from purchasing import services
from purchasing.filters import BuyerNeedFilterSet, SupplierOfferFilterSet
from purchasing.forms import AccountOfferForm, NeedForm
from purchasing.models import BuyerNeed, CpvCode, SocialClause, SupplierOffer, clauses_of

CLAUSE_LABELS = dict(SocialClause.choices)


def _cpv_options() -> list[tuple]:
    return [
        (code.code, f"{code.code} {code.label}", 1 if code.level == CpvCode.Level.GROUP else 0)
        for code in CpvCode.objects.order_by("code")
    ]


def _commune_options() -> list[tuple]:
    return [(c.insee_code, c.name) for c in Commune.objects.in_territory()]


def _supplier_results(filterset):
    """The matching offers and the published actors that have them (nothing for invalid criteria)."""
    offers = filterset.qs if filterset.is_valid() else SupplierOffer.objects.none()
    actors = Actor.objects.published().filter(pk__in=offers.values("actor_id")).order_by("name", "pk")
    return offers, actors


@require_GET
@kept_for_anonymous
def supplier_search(request):
    """« Trouver un fournisseur » : published actors with their approved offers matching the buyer's need."""
    filterset = SupplierOfferFilterSet(request.GET, queryset=SupplierOffer.objects.published(), request=request)
    offers, actors = _supplier_results(filterset)
    groups = pages.checkbox_groups(
        filterset,
        {
            "clause": list(SocialClause.choices),
            "commune": _commune_options(),
            "cpv": _cpv_options(),
        },
        open_names=("clause",),
    )
    page, page_range, page_notice = pages.paginate(
        request,
        actors.select_related("commune").prefetch_related(
            "labels",
            Prefetch(
                "supplier_offers",
                queryset=offers.select_related("cpv").prefetch_related("communes").order_by("title", "pk"),
                to_attr="matching_offers",
            ),
        ),
    )
    for actor in page.object_list:
        actor.clause_labels = [CLAUSE_LABELS[clause] for clause in clauses_of(actor)]
    return render(
        request,
        "purchasing/supplier_search.html",
        {
            "filterset": filterset,
            "filter_groups": groups,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Trouver un fournisseur de l'ESS"), filterset, page, groups),
            "q": filterset.data.get("q", ""),
            "min_amount": filterset.data.get("min_amount", ""),
            "filtered": any(filterset.data.get(name) for name in filterset.filters),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "offer_count": offers.count() if filterset.is_valid() else 0,
            "export_query": pages.query_without(request, "page"),
            "has_fictional": any(actor.is_fictional for actor in page.object_list),
            "crumbs": [(_("Acheteurs"), "")],
        },
    )


def _communes_cell(offer) -> str:
    return " ".join(commune.insee_code for commune in offer.communes.all())


SUPPLIER_SHORTLIST = CsvTable(
    name="supplier-shortlist",
    title=gettext_lazy("Liste de fournisseurs de l'ESS (acheteurs)"),
    description=gettext_lazy(
        "/acheteurs/export.csv : les offres approuvées des acteurs publiés que la recherche trouve, une ligne par "
        "offre, pour un tableur en français (séparateur « ; », UTF-8 avec BOM)."
    ),
    csv_format=SPREADSHEET,
    columns=(
        Column("structure", description=gettext_lazy("Nom de la structure."), value=lambda o: o.actor.name),
        Column(
            "identifiant", description=gettext_lazy("Identifiant public de la structure."), value=lambda o: o.actor.slug
        ),
        Column("fiche", description=gettext_lazy("Adresse de la fiche publique."), value=lambda o: o.public_url),
        Column(
            "commune",
            description=gettext_lazy("Commune de la structure."),
            value=lambda o: o.actor.commune.name if o.actor.commune_id else "",
        ),
        Column("email", description=gettext_lazy("E-mail public de la structure."), value=lambda o: o.actor.email),
        Column("telephone", description=gettext_lazy("Téléphone public."), value=lambda o: o.actor.phone),
        Column("site_web", description=gettext_lazy("Site web."), value=lambda o: o.actor.website),
        Column(
            "clauses_sociales",
            description=gettext_lazy("Clauses sociales (siae, handicap, esus), séparées par des espaces."),
            value=lambda o: " ".join(clauses_of(o.actor)),
        ),
        Column("offre", description=gettext_lazy("Intitulé de l'offre."), value=lambda o: o.title),
        code_column("code_cpv", r"^\d{8}-\d$", gettext_lazy("Code CPV de la catégorie."), value=lambda o: o.cpv.code),
        Column("categorie_cpv", description=gettext_lazy("Libellé CPV."), value=lambda o: o.cpv.label),
        french_boolean(
            "tout_le_territoire",
            gettext_lazy("Sert tout le territoire."),
            value=lambda o: "oui" if o.whole_territory else "non",
        ),
        Column(
            "communes_servies",
            description=gettext_lazy("Codes INSEE des communes servies, séparés par des espaces."),
            value=_communes_cell,
        ),
        Column(
            "montant_max_eur_ht",
            "number",
            gettext_lazy("Montant de commande maximal, en euros hors taxes."),
            constraints={"minimum": 0},
            value=lambda o: "" if o.max_order_amount is None else f"{o.max_order_amount:.2f}",
        ),
        Column("capacite", description=gettext_lazy("Capacité."), value=lambda o: o.capacity),
        Column("references", description=gettext_lazy("Références."), value=lambda o: o.references),
        Column("description", description=gettext_lazy("Description de l'offre."), value=lambda o: o.description),
        Column("lien", description=gettext_lazy("Lien de l'offre."), value=lambda o: o.url),
    ),
)
_SHORTLIST_CONVERTERS = [number_cell if column.type == "number" else text_cell for column in SUPPLIER_SHORTLIST.columns]


@require_GET
def supplier_export(request):
    """The search's offers as CSV, one row per offer (invalid criteria export nothing)."""
    filterset = SupplierOfferFilterSet(request.GET, queryset=SupplierOffer.objects.published(), request=request)
    offers = filterset.qs if filterset.is_valid() else SupplierOffer.objects.none()
    offers = offers.select_related("actor__commune", "cpv").prefetch_related("communes", "actor__labels")
    base_url = settings.SITE_URL.rstrip("/")

    def rows():
        for offer in offers.order_by("actor__name", "actor__pk", "title", "pk").iterator(chunk_size=500):
            offer.public_url = base_url + offer.actor.get_absolute_url()
            yield SUPPLIER_SHORTLIST.row(offer)

    stamp = timezone.localdate().isoformat()
    return SUPPLIER_SHORTLIST.response(
        rows(), filename=f"fournisseurs-ess-est-ensemble-{stamp}.csv", converters=_SHORTLIST_CONVERTERS
    )


# ---------------------------------------------------------------------------
# The board of needs


@require_GET
@kept_for_anonymous
def need_list(request):
    """The board: approved needs before their deadline, soonest deadline first. No contact, ever."""
    filterset = BuyerNeedFilterSet(request.GET, queryset=BuyerNeed.objects.published(), request=request)
    results = filterset.qs if filterset.is_valid() else BuyerNeed.objects.none()
    groups = pages.checkbox_groups(
        filterset,
        {
            "buyer_kind": list(BuyerNeed.BuyerKind.choices),
            "commune": _commune_options(),
            "cpv": _cpv_options(),
        },
    )
    page, page_range, page_notice = pages.paginate(request, results.for_list().order_by("deadline", "pk"))
    return render(
        request,
        "purchasing/need_list.html",
        {
            "filterset": filterset,
            "filter_groups": groups,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(_("Le tableau des besoins des acheteurs"), filterset, page, groups),
            "filtered": any(filterset.data.get(name) for name in filterset.filters),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "has_fictional": any(need.is_fictional for need in page.object_list),
            "crumbs": [(_("Acheteurs"), reverse("purchasing:supplier_search")), (_("Besoins"), "")],
        },
    )


def _need_crumbs(last: str) -> list:
    return [
        (_("Acheteurs"), reverse("purchasing:supplier_search")),
        (_("Besoins"), reverse("purchasing:need_list")),
        (last, ""),
    ]


@require_http_methods(["GET", "POST"])
def need_new(request):
    """Post a need: no account; the public forms' guards; published once a moderator approves it."""
    crumbs = _need_crumbs(_("Déposer un besoin"))
    if request.method == "POST":
        key = sender_key(request)
        if services.need_rate_limited(key):
            return render(
                request,
                "directory/contribute/rate_limited.html",
                {"limit": settings.CONTRIBUTION_RATE_PER_HOUR, "contact_email": settings.DEFAULT_FROM_EMAIL},
                status=429,
            )
        form = NeedForm(request.POST)
        if form.is_valid():
            try:
                services.submit_need(need=form.need(), communes=form.cleaned_data["communes"], key=key)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect("purchasing:need_thanks")
    else:
        form = NeedForm()
    return render(request, "purchasing/need_form.html", {"form": form, "crumbs": crumbs})


@require_GET
def need_thanks(request):
    return render(request, "purchasing/need_thanks.html", {"crumbs": _need_crumbs(_("Besoin envoyé"))})


@never_cache
@require_GET
def need_follow(request, need_id, secret):
    """The buyer's private page (from the e-mailed link): the need's state and the matching suppliers."""
    try:
        need = services.need_from_link(need_id=need_id, secret=secret)
    except services.LinkError:
        return render(
            request, "purchasing/need_follow.html", {"need": None, "crumbs": _need_crumbs(_("Suivi"))}, status=404
        )
    offers = services.matching_offers(need)
    actors = list(
        services.matching_actors(need)
        .select_related("commune")
        .prefetch_related(
            "labels",
            Prefetch(
                "supplier_offers",
                queryset=offers.select_related("cpv").order_by("title", "pk"),
                to_attr="matching_offers",
            ),
        )[:100]
    )
    for actor in actors:
        actor.clause_labels = [CLAUSE_LABELS[clause] for clause in clauses_of(actor)]
    response = render(
        request,
        "purchasing/need_follow.html",
        {"need": need, "actors": actors, "crumbs": _need_crumbs(_("Suivi de votre besoin"))},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------------------
# A structure's offers, from its account


def _represented(request, slug) -> Actor:
    return get_object_or_404(claims.represented_actors(request.user), slug=slug)


@require_GET
@account_required
def account_offers(request, slug):
    actor = _represented(request, slug)
    offers = list(
        SupplierOffer.objects.filter(actor=actor)
        .exclude(status="archived")
        .select_related("cpv")
        .prefetch_related("communes")
        .order_by("title", "pk")
    )
    return render(
        request,
        "purchasing/account/offer_list.html",
        {
            "actor": actor,
            "offers": offers,
            "crumbs": [
                (_("Votre compte"), reverse("directory:account_home")),
                (actor.name, reverse("directory:account_actor", args=[actor.slug])),
                (_("Offres aux acheteurs"), ""),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@account_required
def account_offer(request, slug, pk=None):
    actor = _represented(request, slug)
    offer = None
    if pk is not None:
        offer = get_object_or_404(SupplierOffer.objects.filter(actor=actor).exclude(status="archived"), pk=pk)
    form = AccountOfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_account_offer(
                actor=actor, user=request.user, values=form.values(), offer=offer, version=form.sent_version()
            )
        except versions.StaleEdit as exc:
            form.refuse_stale(exc)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.info(request, _("Offre envoyée à l'équipe ESS : elle sera publiée après validation."))
            return redirect("purchasing:account_offers", slug=actor.slug)
    title = offer.title if offer else _("Nouvelle offre")
    return render(
        request,
        "purchasing/account/offer_form.html",
        {
            "actor": actor,
            "offer": offer,
            "form": form,
            "crumbs": [
                (_("Votre compte"), reverse("directory:account_home")),
                (actor.name, reverse("directory:account_actor", args=[actor.slug])),
                (_("Offres aux acheteurs"), reverse("purchasing:account_offers", args=[actor.slug])),
                (title, ""),
            ],
        },
    )


@account_required
def account_offer_withdraw(request, slug, pk):
    """Withdraw an offer (POST): an unknown structure or offer is a 404 before the method is judged."""
    actor = _represented(request, slug)
    offer = get_object_or_404(SupplierOffer.objects.filter(actor=actor), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.withdraw_account_offer(offer=offer, user=request.user)
    messages.success(request, _("Offre retirée : elle n'est plus visible des acheteurs."))
    return redirect("purchasing:account_offers", slug=actor.slug)
