"""The staff admin of the directory: where the ESS team keeps the record of actors right.

Bulk changes go through `directory.services` (the same functions the API calls), so that
the publication rule, the history and the transaction are the same whatever the entry point.
"""

import uuid
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_m2m_reverse_field_name

from directory import (  # noqa: F401  (admin_claims registers claims)
    admin_claims,
    admin_imports,
    admin_merge,
    admin_moderation,
    history,
    moderation,
    quality,
    services,
    validators,
)
from directory.forms import (
    ActorAdminForm,
    ApiTokenChangeForm,
    ApiTokenCreateForm,
    CommuneAdminForm,
    FrenchUniqueInlineFormSet,
    SupportOfferAdminForm,
    SupportOfferInlineForm,
)
from directory.models import (
    Actor,
    ApiToken,
    ChangeRequest,
    Commune,
    Contact,
    Cooperation,
    Deal,
    DealProgramme,
    Label,
    Neighbourhood,
    Role,
    SearchSynonym,
    Sector,
    Stage,
    SupportOffer,
)
from directory.versions import VersionedAdminMixin, VersionedInlineMixin
from ess_portal.admin_pagination import KeptCountAdminMixin
from ess_portal.admin_tabular import TabularInline
from ess_portal.csv_export import (
    INSEE_CODE_PATTERN,
    POSTAL_CODE_PATTERN,
    RNA_PATTERN,
    SIREN_PATTERN,
    SIRET_PATTERN,
    SPREADSHEET,
    Column,
    CsvTable,
    code_column,
    french_boolean,
)
from ess_portal.response_cache import counted


class HttpsUrlMixin:
    """Web addresses typed without a scheme are taken as https:// (Django 6's default)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class HistoryAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    """History with revert, in French, restoring the tracked many-to-many fields too.

    simple_history's revert form starts from `record.instance`, whose many-to-many fields
    are today's (sectors, labels, stages…); the version's own values are put back here.
    """

    object_history_form_template = "admin/directory/object_history_form.html"

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.history_version_id = version_id
        # Row and many-to-many fields are restored together or not at all.
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        version_id = getattr(request, "history_version_id", None)
        if obj is None or version_id is None:
            return form
        record = self.model.history.filter(**{self.model._meta.pk.attname: obj.pk}, history_id=version_id).first()
        if record is None:
            return form
        initial = {}
        for field in record._history_m2m_fields:
            target = get_m2m_reverse_field_name(field)
            initial[field.name] = [getattr(row, f"{target}_id") for row in getattr(record, field.name).all()]

        class VersionForm(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        if hasattr(form, "stored_status"):
            # The version's publication state is not the record's: the right to publish is judged
            # against the state stored now (an editor reverting to a published version does not publish).
            VersionForm.stored_status = self.model.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        return VersionForm


class PublicationAdminMixin:
    """Publishing and archiving need the model's publish permission (`services.can_publish`).

    Deleting is for superusers only and goes through the model's delete service, one restorable
    batch per record (« Fiches supprimées »).
    """

    def has_publish_permission(self, request) -> bool:
        return services.can_publish(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"publication_user": request.user})

    def delete_records(self, records, *, user) -> None:
        raise NotImplementedError  # services.delete_actors or services.delete_offers

    def delete_model(self, request, obj):
        self.delete_records([obj], user=request.user)

    def delete_queryset(self, request, queryset):
        self.delete_records(queryset, user=request.user)


# ---------------------------------------------------------------------------
# Reference data


class ActorCountMixin:
    """Adds the number of actors to each row with one annotated query (no query per row).

    Admins using it set `ordering`: Django ignores Meta.ordering in GROUP BY queries.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(actor_count=Count("actors", distinct=True))

    @admin.display(description=_("acteurs"), ordering="actor_count")
    def actor_count(self, obj):
        return obj.actor_count


@admin.register(Commune)
class CommuneAdmin(ActorCountMixin, admin.ModelAdmin):
    form = CommuneAdminForm
    list_display = ["name", "insee_code", "postal_codes_display", "department_code", "in_territory", "actor_count"]
    list_filter = ["in_territory", "department_code"]
    search_fields = ["name", "insee_code", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["-in_territory", "name"]

    @admin.display(description=_("codes postaux"))
    def postal_codes_display(self, obj):
        return ", ".join(obj.postal_codes or [])


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(ActorCountMixin, admin.ModelAdmin):
    list_display = ["name", "code", "npnru_status", "communes_display", "actor_count"]
    list_filter = ["npnru_status", "communes"]
    search_fields = ["name", "code", "slug", "communes__name"]
    autocomplete_fields = ["communes"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("communes")

    @admin.display(description=_("communes"))
    def communes_display(self, obj):
        return ", ".join(commune.name for commune in obj.communes.all())


class SectorLevelFilter(admin.SimpleListFilter):
    title = _("niveau")
    parameter_name = "niveau"

    def lookups(self, request, model_admin):
        return [("principal", _("secteurs principaux")), ("sous-secteur", _("sous-secteurs"))]

    def queryset(self, request, queryset):
        if self.value() == "principal":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sous-secteur":
            return queryset.filter(parent__isnull=False)
        return queryset


class SectorListFilter(admin.RelatedFieldListFilter):
    """Sectors as « main › sub », each sub-sector after its main sector, in one query."""

    def field_choices(self, field, request, model_admin):
        def key(sector):
            main = sector.parent or sector
            return (main.position, main.name, sector.parent_id is not None, sector.position, sector.name)

        return [(sector.pk, str(sector)) for sector in sorted(Sector.objects.select_related("parent"), key=key)]


@admin.register(Sector)
class SectorAdmin(ActorCountMixin, admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position", "actor_count"]
    list_filter = [SectorLevelFilter, "parent"]
    search_fields = ["name", "slug", "parent__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["position", "name"]

    def get_queryset(self, request):
        # Here rather than list_select_related: autocomplete results print « parent › name » too.
        return super().get_queryset(request).select_related("parent")


@admin.register(Label)
class LabelAdmin(HttpsUrlMixin, ActorCountMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "url", "actor_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]


@admin.register(Role)
class RoleAdmin(ActorCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "actor_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["position", "name"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """The search's synonym groups: a change applies to the next search (the cached vocabulary is forgotten)."""

    list_display = ["__str__", "note"]
    search_fields = ["terms", "note"]
    fields = ["terms", "note"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "offer_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Explicit: Django ignores Meta.ordering in the GROUP BY query that counts offers.
    ordering = ["position", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(offer_count=Count("support_offers", distinct=True))

    @admin.display(description=_("offres d'accompagnement"), ordering="offer_count")
    def offer_count(self, obj):
        return obj.offer_count


# ---------------------------------------------------------------------------
# Actors


class VerificationFilter(admin.SimpleListFilter):
    title = _("dernière vérification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            ("jamais", _("jamais vérifiée")),
            ("ancienne", _("il y a plus d'un an")),
            ("recente", _("dans l'année")),
        ]

    def queryset(self, request, queryset):
        year_ago = timezone.localdate() - timedelta(days=365)
        if self.value() == "jamais":
            return queryset.filter(last_verified_at__isnull=True)
        if self.value() == "ancienne":
            return queryset.filter(last_verified_at__lt=year_ago)
        if self.value() == "recente":
            return queryset.filter(last_verified_at__gte=year_ago)
        return queryset


class QualityFilter(admin.SimpleListFilter):
    """Actors by quality score (`directory.quality`), in three bands."""

    title = _("qualité")
    parameter_name = "qualite"
    BANDS = {"faible": (0, 40), "moyenne": (40, 70), "bonne": (70, None)}

    def lookups(self, request, model_admin):
        return [
            ("faible", _("moins de 40 sur 100")),
            ("moyenne", _("de 40 à 69 sur 100")),
            ("bonne", _("70 sur 100 et plus")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        low, high = self.BANDS[self.value()]
        banded = queryset.alias(quality_band=quality.score_expression()).filter(quality_band__gte=low)
        return banded if high is None else banded.filter(quality_band__lt=high)


class ContactInline(VersionedInlineMixin, TabularInline):
    model = Contact
    extra = 0
    fields = ["first_name", "last_name", "job_title", "email", "phone", "is_public", "consent_date"]


class SupportOfferInline(VersionedInlineMixin, TabularInline):
    model = SupportOffer
    form = SupportOfferInlineForm
    fk_name = "provider"
    extra = 0
    # An offer is deleted from its own page (superusers only, restorable), never from its provider's.
    can_delete = False
    fields = ["title", "kind", "stages", "target_typology", "cost", "status"]
    autocomplete_fields = ["stages"]
    show_change_link = True
    verbose_name_plural = _("offres d'accompagnement proposées")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stages")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"publication_user": request.user})
        return formset


class CooperationOutInline(VersionedInlineMixin, TabularInline):
    model = Cooperation
    formset = FrenchUniqueInlineFormSet
    fk_name = "source"
    extra = 0
    fields = ["target", "kind", "is_formal", "since", "description"]
    autocomplete_fields = ["target"]
    show_change_link = True
    verbose_name = _("coopération déclarée par cet acteur")
    verbose_name_plural = _("coopérations déclarées par cet acteur")

    def get_queryset(self, request):
        # Both ends: each row prints « source ↔ target ».
        return super().get_queryset(request).select_related("source", "target")


class CooperationInInline(TabularInline):
    """Cooperations other actors declare with this one: shown here, edited from their side."""

    model = Cooperation
    fk_name = "target"
    extra = 0
    fields = ["source", "kind", "is_formal", "since"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name = _("coopération déclarée par un autre acteur")
    verbose_name_plural = _("coopérations déclarées par d'autres acteurs (modifiables depuis leur fiche)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "target")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


REFUSED_NAMES_SHOWN = 20
# An admin search finding more actors lists them in the changelist's order rather than by rank.
RANKED_SEARCH_MAX = 1000


def _names(records) -> str:
    return " | ".join(str(record) for record in records)


ADMIN_ACTORS_CSV = CsvTable(
    name="admin-actors",
    title=_("Export des acteurs (administration)"),
    description=_(
        "Action « exporter » de la liste des acteurs : pour un tableur en français (séparateur « ; », "
        "UTF-8 avec BOM), plusieurs valeurs d'une cellule séparées par « | », dates ISO 8601, "
        "coordonnées avec un point."
    ),
    csv_format=SPREADSHEET,
    columns=(
        Column(_("id"), "integer", value=lambda a: a.pk),
        Column(_("identifiant d'URL"), value=lambda a: a.slug),
        Column(_("nom"), value=lambda a: a.name),
        code_column(_("SIRET"), SIRET_PATTERN, value=lambda a: a.siret),
        code_column(_("SIREN"), SIREN_PATTERN, value=lambda a: a.siren),
        code_column(_("numéro RNA"), RNA_PATTERN, value=lambda a: a.rna),
        Column(_("forme juridique"), value=lambda a: a.get_legal_form_display()),
        Column(_("statut ESS"), value=lambda a: a.get_ess_status_display()),
        Column(_("typologie"), value=lambda a: a.get_typology_display()),
        Column(_("rôles"), value=lambda a: " | ".join(r.name for r in a.roles.all())),
        Column(_("secteurs"), value=lambda a: _names(a.sectors.all())),
        Column(_("labels et agréments"), value=lambda a: " | ".join(label.name for label in a.labels.all())),
        Column(_("adresse"), value=lambda a: a.address),
        code_column(_("code postal"), POSTAL_CODE_PATTERN, value=lambda a: a.postal_code),
        Column(_("commune"), value=lambda a: a.commune.name if a.commune else ""),
        code_column(_("code INSEE"), INSEE_CODE_PATTERN, value=lambda a: a.commune.insee_code if a.commune else ""),
        Column(_("quartier prioritaire"), value=lambda a: a.neighbourhood.name if a.neighbourhood else ""),
        Column(_("latitude"), "number", value=lambda a: a.latitude),
        Column(_("longitude"), "number", value=lambda a: a.longitude),
        Column(_("site web"), value=lambda a: a.website),
        Column(_("e-mail public"), format="email", value=lambda a: a.email),
        Column(_("téléphone public"), value=lambda a: a.phone),
        Column(_("description courte"), value=lambda a: a.short_description),
        Column(_("salariés"), "integer", value=lambda a: a.employees),
        Column(_("année de création"), "integer", value=lambda a: a.founded_year),
        Column(_("état de publication"), value=lambda a: a.get_status_display()),
        french_boolean(_("fictif"), value=lambda a: gettext("oui") if a.is_fictional else gettext("non")),
        Column(_("source"), value=lambda a: a.get_source_display()),
        Column(
            _("dernière vérification"),
            "date",
            value=lambda a: a.last_verified_at.isoformat() if a.last_verified_at else "",
        ),
        Column(
            _("modifié le"), "datetime", value=lambda a: timezone.localtime(a.updated_at).isoformat(timespec="seconds")
        ),
    ),
)


def actors_csv_response(queryset, *, filename: str):
    """The actors as CSV for French spreadsheets (`ADMIN_ACTORS_CSV`), streamed; every cell through `safe_cell`."""
    rows = (
        queryset.prefetch_related(None)
        .order_by("name", "pk")
        .select_related("commune", "neighbourhood")
        .prefetch_related(Prefetch("sectors", queryset=Sector.objects.select_related("parent")), "labels", "roles")
    )
    return ADMIN_ACTORS_CSV.response((ADMIN_ACTORS_CSV.row(actor) for actor in rows), filename=filename)


@admin.register(Actor)
class ActorAdmin(KeptCountAdminMixin, PublicationAdminMixin, HttpsUrlMixin, HistoryAdmin):
    """The actors, at national scale: every query of the changelist reads an index or one page of rows.

    The default order is that of `actor_status_name_idx` (state, then name), the count is kept per
    data version (`KeptCountAdminMixin`), the date of change is a list filter (a date hierarchy would
    read every row's date to list the years), and the search is the public search plus exact codes.
    """

    form = ActorAdminForm

    def history_view(self, request, object_id, extra_context=None):
        """The versions, then the requests about the actor and their decisions (refusals included)."""
        requests = list(
            ChangeRequest.objects.filter(actor_id=object_id if str(object_id).isdigit() else None)
            .select_related("decided_by")
            .order_by("-created_at", "-pk")
        )
        for item in requests:
            item.applied_labels = [moderation.field_label(name) for name in item.applied_fields]
        return super().history_view(
            request, object_id, extra_context={**(extra_context or {}), "change_requests": requests}
        )

    change_list_template = "admin/directory/actor/change_list.html"
    delete_confirmation_template = "admin/directory/actor/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/directory/actor/delete_selected_confirmation.html"
    object_history_template = "admin/directory/actor/object_history.html"
    list_display = [
        "name",
        "siret",
        "commune",
        "typology",
        "legal_form",
        "sectors_display",
        "status",
        "is_fictional",
        "last_verified_at",
        "quality_display",
        "updated_at",
    ]
    list_display_links = ["name"]
    list_select_related = ["commune"]
    list_filter = [
        "status",
        "typology",
        "legal_form",
        "ess_status",
        "commune",
        "neighbourhood",
        ("sectors", SectorListFilter),
        "labels",
        "roles",
        VerificationFilter,
        QualityFilter,
        "is_fictional",
        "source",
        ("updated_at", admin.DateFieldListFilter),
    ]
    # The search is `get_search_results`; a search field makes the admin show the search box.
    search_fields = ["name"]
    search_help_text = _(
        "Nom (accents et petites fautes tolérés), description, SIRET ou SIREN (espaces acceptés), "
        "numéro RNA, code postal ou commune."
    )
    ordering = ["status", "name", "pk"]
    autocomplete_fields = ["roles", "sectors", "labels", "commune", "neighbourhood", "communes_served"]
    readonly_fields = ["publication_check", "quality_panel", "created_at", "updated_at"]
    save_on_top = True
    inlines = [ContactInline, SupportOfferInline, CooperationOutInline, CooperationInInline]
    actions = ["publish", "submit_for_review", "archive", "mark_verified", "export_csv"]
    fieldsets = [
        (_("Identité"), {"fields": ["name", "slug", ("siret", "siren"), "rna", "legal_form"]}),
        (_("Économie sociale et solidaire"), {"fields": ["ess_status", "typology", "roles", "sectors", "labels"]}),
        (
            _("Lieu"),
            {
                "fields": [
                    "address",
                    ("postal_code", "commune"),
                    "neighbourhood",
                    ("latitude", "longitude"),
                    "serves_whole_territory",
                    "communes_served",
                ]
            },
        ),
        (_("Coordonnées publiques"), {"fields": ["website", "email", "phone", "opening_hours"]}),
        (_("Description et offre"), {"fields": ["short_description", "description", "offer"]}),
        (_("Taille"), {"fields": [("employees", "fte", "volunteers"), "founded_year"]}),
        (
            _("Publication et provenance"),
            {
                "fields": [
                    "status",
                    "publication_check",
                    "is_fictional",
                    ("source", "source_id"),
                    "last_verified_at",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (_("Qualité de la fiche"), {"fields": ["quality_panel"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(quality_score=quality.score_expression())
            .prefetch_related(Prefetch("sectors", queryset=Sector.objects.select_related("parent")))
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sectors":
            kwargs["queryset"] = Sector.objects.select_related("parent")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """The public search (accents, stems, small typos, commune and sector names), or an exact code.

        A SIRET or SIREN is often pasted with spaces (« 732 829 320 00074 »); an RNA number or a postal
        code is matched as typed. The search's condition is in the changelist's own query (not a list of
        ids): listed in the order of an index, a common word's first page reads a few hundred rows.
        No column is scanned for a substring: at national scale that reads every row of the table.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        compact = validators.digits_only(term)
        if compact.isdigit() and len(compact) in (9, 14):
            return queryset.with_siret(compact), False
        if validators.RNA_RE.fullmatch(term.upper()):
            return queryset.filter(rna=term.upper()), False
        if validators.POSTAL_CODE_RE.fullmatch(term):
            return queryset.filter(postal_code=term), False
        found = queryset.search(term)
        # Best matches first while they are few (computing the rank of each is cheap then); beyond, or when
        # a column is chosen, the changelist's order, whose index gives the first page in a few hundred rows.
        if ORDER_VAR in request.GET or counted(found, request) > RANKED_SEARCH_MAX:
            found = found.order_by(*queryset.query.order_by)
        return found, False

    def delete_records(self, records, *, user) -> None:
        services.delete_actors(actors=records, user=user)

    def get_urls(self):
        view = self.admin_site.admin_view(self.deleted_records_view)
        duplicates = self.admin_site.admin_view(self.duplicates_view)
        merge = self.admin_site.admin_view(self.merge_view)
        return [
            path("supprimees/", view, name="directory_deleted_records"),
            path("doublons/", duplicates, name="directory_actor_duplicates"),
            path("fusion/<int:first>/<int:second>/", merge, name="directory_actor_merge"),
            *admin_imports.urls(self),
            *super().get_urls(),
        ]

    def duplicates_view(self, request):
        return admin_merge.duplicates_view(self, request)

    def merge_view(self, request, first, second):
        return admin_merge.merge_view(self, request, first, second)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_restore": may_restore(request.user),
            "may_import": admin_imports.may_import(request.user),
        }
        return super().changelist_view(request, extra_context)

    def deleted_records_view(self, request):
        """« Fiches supprimées »: deletion batches of actors and offers, each restorable with its children."""
        if not may_restore(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return restore_deleted(request)
        return render(request, "admin/directory/deleted_records.html", deleted_records_context(self, request))

    def view_on_site(self, obj):
        # The public page shows published actors only; elsewhere the link would lead to a 404.
        # The form may have emptied the slug of an invalid submission: no link then either.
        return obj.get_absolute_url() if obj.is_published and obj.slug else None

    @admin.display(description=_("conditions de publication"))
    def publication_check(self, obj):
        problems = obj.publication_problems()
        if problems:
            return " ".join(str(problem) for problem in problems)
        return gettext("Remplies : la fiche peut être publiée.")

    @admin.display(description=_("secteurs"))
    def sectors_display(self, obj):
        return ", ".join(sector.name for sector in obj.sectors.all())

    # Sorting on it computes the score of every listed actor: a choice of the user, never the default.
    @admin.display(description=_("qualité"), ordering="quality_score")
    def quality_display(self, obj):
        return obj.quality_score

    @admin.display(description=_("score et ce qui l'améliorerait"))
    def quality_panel(self, obj):
        # From the form's instance, so that an unsaved record shows its score too.
        score = quality.completeness(obj) + quality.freshness(obj.last_verified_at)
        missing = quality.missing(obj)
        if not missing:
            return format_html("<strong>{}</strong>", gettext("%(score)d / 100 : rien ne manque.") % {"score": score})
        return format_html(
            "<strong>{}</strong><ul>{}</ul>",
            gettext("%(score)d / 100. Ce qui l'améliorerait :") % {"score": score},
            format_html_join("", "<li>{} (+{})</li>", missing),
        )

    @admin.action(description=_("Publier les acteurs sélectionnés"), permissions=["publish"])
    def publish(self, request, queryset):
        result = services.publish_actors(actors=queryset, user=request.user)
        if result.published:
            count = len(result.published)
            self.message_user(
                request,
                ngettext("%(count)d acteur publié.", "%(count)d acteurs publiés.", count) % {"count": count},
                messages.SUCCESS,
            )
        if result.unchanged:
            count = len(result.unchanged)
            self.message_user(
                request,
                ngettext("%(count)d acteur était déjà publié.", "%(count)d acteurs étaient déjà publiés.", count)
                % {"count": count},
                messages.INFO,
            )
        # One message per reason, naming the actors concerned (a long selection would flood the page).
        refused_by_reason: dict[str, list[str]] = {}
        for actor, problems in result.refused:
            refused_by_reason.setdefault(" ".join(problems), []).append(actor.name)
        for reason, names in refused_by_reason.items():
            shown = ", ".join(f"« {name} »" for name in names[:REFUSED_NAMES_SHOWN])
            if len(names) > REFUSED_NAMES_SHOWN:
                shown += " " + gettext("et %(count)d autres") % {"count": len(names) - REFUSED_NAMES_SHOWN}
            self.message_user(
                request,
                ngettext("Non publié : %(names)s. %(reason)s", "Non publiés : %(names)s. %(reason)s", len(names))
                % {"names": shown, "reason": reason},
                messages.ERROR,
            )

    @admin.action(description=_("Passer les acteurs sélectionnés « à valider »"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        count = len(services.submit_actors_for_review(actors=queryset, user=request.user))
        self.message_user(
            request,
            ngettext("%(count)d acteur passé « à valider ».", "%(count)d acteurs passés « à valider ».", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Archiver les acteurs sélectionnés"), permissions=["publish"])
    def archive(self, request, queryset):
        count = len(services.archive_actors(actors=queryset, user=request.user))
        self.message_user(
            request,
            ngettext(
                "%(count)d acteur archivé : il n'est plus visible du public.",
                "%(count)d acteurs archivés : ils ne sont plus visibles du public.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Marquer les acteurs sélectionnés comme vérifiés aujourd'hui"), permissions=["change"])
    def mark_verified(self, request, queryset):
        count = len(services.mark_actors_verified(actors=queryset, user=request.user))
        self.message_user(
            request,
            ngettext("%(count)d acteur marqué vérifié.", "%(count)d acteurs marqués vérifiés.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Exporter les acteurs sélectionnés (CSV pour tableur)"), permissions=["view"])
    def export_csv(self, request, queryset):
        filename = f"acteurs-{timezone.localdate().isoformat()}.csv"
        return actors_csv_response(queryset, filename=filename)


# ---------------------------------------------------------------------------
# Deleted records: restore a deletion batch (`directory.history.restore_batch`)

DELETED_PER_PAGE = 50


def may_restore(user) -> bool:
    """Superusers and moderators (who may publish actors) see deleted records and restore them."""
    return services.can_publish(user, Actor)


def deleted_records_context(model_admin, request) -> dict:
    """The deleted actors and offers, latest first, in a fixed number of queries whatever their number."""
    actors = Actor.history.filter(history_type="-", history_batch__isnull=False).select_related("history_user")
    offers = SupportOffer.history.filter(history_type="-", history_batch__isnull=False).select_related("history_user")
    deletions = sorted([*actors, *offers], key=lambda record: record.history_date, reverse=True)
    page = Paginator(deletions, DELETED_PER_PAGE).get_page(request.GET.get("page"))
    batches = [record.history_batch for record in page]
    contacts = dict(
        Contact.history.filter(history_type="-", history_batch__in=batches)
        .values_list("history_batch")
        .annotate(count=Count("history_id"))
    )
    # A batch restored since (its record exists again) is listed as such, without the button.
    existing = set()
    for model in (Actor, SupportOffer):
        ids = [record.id for record in page if record.instance_type is model]
        existing |= {(model, pk) for pk in model.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    rows = [
        {
            "record": record,
            "kind": record.instance_type._meta.verbose_name,
            "contacts": contacts.get(record.history_batch, 0),
            "restored": (record.instance_type, record.id) in existing,
        }
        for record in page
    ]
    return {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Fiches supprimées"),
        "opts": Actor._meta,
        "rows": rows,
        "page_obj": page,
    }


def restore_deleted(request):
    try:
        batch = uuid.UUID(request.POST.get("batch", ""))
    except ValueError:
        raise Http404 from None
    if not history.deleted_records(batch):
        raise Http404
    restored = history.restore_batch(
        batch=batch, user=request.user, reason=gettext("Restauration d'une fiche supprimée")
    )
    if restored:
        messages.success(
            request,
            ngettext(
                "%(count)d fiche restaurée : %(names)s.", "%(count)d fiches restaurées : %(names)s.", len(restored)
            )
            % {"count": len(restored), "names": ", ".join(f"« {obj} »" for obj in restored)},
        )
    else:
        messages.info(request, gettext("Ces fiches existent déjà : rien à restaurer."))
    return HttpResponseRedirect(reverse("admin:directory_deleted_records"))


@admin.register(Contact)
class ContactAdmin(HistoryAdmin):
    list_display = ["last_name", "first_name", "actor", "job_title", "email", "phone", "is_public", "consent_date"]
    list_select_related = ["actor"]
    list_filter = ["is_public"]
    search_fields = ["last_name", "first_name", "email", "job_title", "actor__name"]
    autocomplete_fields = ["actor"]
    ordering = ["last_name", "first_name", "pk"]


@admin.register(SupportOffer)
class SupportOfferAdmin(PublicationAdminMixin, HttpsUrlMixin, HistoryAdmin):
    form = SupportOfferAdminForm
    actions = ["archive"]
    list_display = [
        "title",
        "provider",
        "kind",
        "stages_display",
        "target_typology",
        "cost",
        "whole_territory",
        "status",
        "is_fictional",
        "updated_at",
    ]
    list_select_related = ["provider"]
    list_filter = [
        "status",
        "kind",
        "stages",
        "target_typology",
        ("sectors", SectorListFilter),
        "cost",
        "whole_territory",
        "is_fictional",
    ]
    search_fields = ["title", "provider__name", "description", "eligibility"]
    autocomplete_fields = ["provider", "stages", "sectors", "communes"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["title", "pk"]
    fieldsets = [
        (None, {"fields": ["provider", "title", "slug", "kind", "description"]}),
        (_("Pour qui"), {"fields": ["stages", "target_typology", "sectors", "eligibility", "cost"]}),
        (_("Où"), {"fields": ["whole_territory", "communes"]}),
        (_("Publication"), {"fields": ["url", "status", "is_fictional", ("created_at", "updated_at")]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stages")

    def delete_records(self, records, *, user) -> None:
        services.delete_offers(offers=records, user=user)

    @admin.display(description=_("étapes visées"))
    def stages_display(self, obj):
        return ", ".join(stage.name for stage in obj.stages.all())

    @admin.action(description=_("Archiver les offres sélectionnées"), permissions=["publish"])
    def archive(self, request, queryset):
        count = len(services.archive_offers(offers=queryset, user=request.user))
        self.message_user(
            request,
            ngettext(
                "%(count)d offre archivée : elle n'est plus visible du public.",
                "%(count)d offres archivées : elles ne sont plus visibles du public.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Cooperation)
class CooperationAdmin(HistoryAdmin):
    list_display = ["source", "target", "kind", "is_formal", "since", "updated_at"]
    list_select_related = ["source", "target"]
    list_filter = ["kind", "is_formal"]
    search_fields = ["source__name", "target__name", "description"]
    autocomplete_fields = ["source", "target"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "since"
    ordering = ["source__name", "target__name", "pk"]


# ---------------------------------------------------------------------------
# The deals ledger


@admin.register(DealProgramme)
class DealProgrammeAdmin(HistoryAdmin):
    list_display = ["name", "year", "deal_count", "is_fictional"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(deal_count=Count("deals"))

    @admin.display(description=_("transactions"), ordering="deal_count")
    def deal_count(self, obj):
        return obj.deal_count


@admin.register(Deal)
class DealAdmin(HistoryAdmin):
    """Deals between an ESS actor and a business or public buyer; the rules are `Deal.clean()`'s."""

    list_display = ["ess_actor", "partner", "kind", "partner_kind", "year", "amount", "programme", "outcome"]
    list_select_related = ["ess_actor", "partner_actor", "programme"]
    list_filter = ["kind", "partner_kind", "outcome", "year", "programme", "is_fictional"]
    search_fields = ["ess_actor__name", "partner_actor__name", "partner_name", "partner_siret"]
    autocomplete_fields = ["ess_actor", "partner_actor", "programme"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "ess_actor", "programme", "year"]}),
        (
            _("Partenaire"),
            {
                "fields": ["partner_kind", "partner_actor", ("partner_name", "partner_siret")],
                "description": _("Choisissez-le dans l'annuaire ; sinon, indiquez son nom et son SIRET."),
            },
        ),
        (
            _("Montant et effets"),
            {"fields": ["amount", ("integration_hours", "jobs_created"), "outcome", "outcome_note"]},
        ),
        (None, {"fields": ["is_fictional", ("created_at", "updated_at")]}),
    ]
    ordering = ["-year", "-pk"]

    @admin.display(description=_("partenaire"), ordering="partner_name")
    def partner(self, obj):
        return obj.partner_display


# ---------------------------------------------------------------------------
# Partner API tokens


class TokenStateFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("actif", _("actif")), ("expire", _("expiré")), ("revoque", _("révoqué"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "actif":
            return queryset.active()
        if self.value() == "expire":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoque":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here (the secret is shown once) and revoked, never edited into another key."""

    list_display = [
        "prefix",
        "name",
        "organisation",
        "scopes_display",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "is_active_display",
    ]
    list_display_links = ["prefix", "name"]
    list_select_related = ["organisation"]
    list_filter = [TokenStateFilter]
    search_fields = ["prefix", "name", "organisation__name"]
    autocomplete_fields = ["organisation"]
    ordering = ["-created_at", "pk"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_activity()

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ApiTokenChangeForm if obj else ApiTokenCreateForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if "organisation" in form.base_fields:
            # Choose the organisation here; editing or deleting the actor from a token form makes no sense.
            widget = form.base_fields["organisation"].widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["organisation", "name", "scopes", "expires_on"]})]
        return [
            (None, {"fields": ["organisation", "name", "scopes"]}),
            (
                _("Suivi"),
                {"fields": ["prefix", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organisation", "prefix", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        # Revoked tokens stay listed as a record; only a superuser may remove one.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        expires_on = form.cleaned_data.get("expires_on")
        token, secret = services.create_api_token(
            organisation=form.cleaned_data["organisation"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
            expires_at=services.token_expiry(expires_on) if expires_on else None,
        )
        # The admin goes on with `obj` (log entry, redirect): make it the saved token.
        for model_field in ApiToken._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(token, model_field.attname))
        obj._state.adding, obj._state.db = False, token._state.db
        self.message_user(
            request,
            gettext("Copiez ce jeton maintenant et transmettez-le au partenaire : il ne sera plus jamais affiché. %s")
            % secret,
            messages.WARNING,
        )

    @admin.display(description=_("droits"))
    def scopes_display(self, obj):
        labels = dict(ApiToken.Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in obj.scopes) or gettext("lecture publique")

    @admin.display(description=_("actif"), boolean=True, ordering="active")
    def is_active_display(self, obj):
        return obj.active

    @admin.action(description=_("Révoquer les jetons sélectionnés"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(token=token)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d jeton révoqué : il ne donne plus accès à l'API.",
                "%(count)d jetons révoqués : ils ne donnent plus accès à l'API.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# The moderation queue: its pages, and the record of every request (directory.admin_moderation).
admin.site.add_urls("moderation/", admin_moderation.urls)
