"""Staff admin of the strategy tracker: the portfolio of initiatives, their form, sites and the strategy.

Status changes go through `services.change_status` (buttons on the change form and a bulk
action); the status field itself is read-only so that the lifecycle and the energy gate are
never bypassed from a form. Energy reviews are saved and deleted through the services that
check the gate. Initiatives and sites are archived, not deleted; only superusers delete, as a
batch that the « Projets supprimés » page restores. Publishing needs `publish_<model>`.
"""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from directory.history import Origin, provenance
from directory.models import PublicationStatus
from directory.versions import VersionedAdminMixin, VersionedInlineMixin
from ess_portal.admin_tabular import TabularInline
from ess_portal.csv_export import POSTAL_CODE_PATTERN, SPREADSHEET, Column, CsvTable, code_column, french_boolean
from projects import services
from projects.forms import (
    CachedAutocompleteSelect,
    CachedAutocompleteSelectMultiple,
    ErrorsOnMissingFieldsMixin,
    InitiativeAdminForm,
    MeasurementInlineForm,
    StatusChangeForm,
    with_publication_user,
)
from projects.models import (
    Consultation,
    ConsultationEffect,
    ConsultationParticipant,
    Document,
    EnergyAssessment,
    EnergyCriterion,
    EnergyReview,
    Event,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    JournalEntry,
    Measurement,
    Milestone,
    Objective,
    Site,
    StatusChange,
    StrategyAxis,
)

HEALTH_COLOURS = {
    Initiative.Health.ON_TRACK: "#2e7d32",
    Initiative.Health.AT_RISK: "#8a5300",
    Initiative.Health.LATE: "#c62828",
    Initiative.Health.BLOCKED: "#6a1b9a",
}
DECISION_COLOURS = {
    EnergyReview.Decision.PENDING: "#616161",
    EnergyReview.Decision.APPROVED: "#2e7d32",
    EnergyReview.Decision.APPROVED_WITH_CONDITIONS: "#33691e",
    EnergyReview.Decision.REJECTED: "#c62828",
}


def badge(text, colour: str):
    # A class per colour (static/css/admin.css), not a style attribute: the Content-Security-Policy
    # has no 'unsafe-inline' for styles, in the admin either.
    return format_html('<span class="admin-badge admin-badge--{}">{}</span>', colour.lstrip("#").lower(), text)


def euros(value) -> str:
    if value is None:
        return "—"
    return f"{number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)} €"


def _amount(value) -> str:
    """Amounts in exports: two decimals with a dot, whatever the database returned."""
    return "" if value is None else f"{value:.2f}"


def _amount_column(name: str) -> Column:
    return Column(name, "number", _("En euros, deux décimales avec un point."))


# The admin's exports, for French spreadsheets (`;`, BOM); the actions write the cells in this order.
ADMIN_INITIATIVES_CSV = CsvTable(
    name="admin-initiatives",
    title=_("Export des projets (administration)"),
    description=_("Action « exporter » de la liste des projets : pour un tableur en français (« ; », UTF-8 avec BOM)."),
    csv_format=SPREADSHEET,
    columns=(
        Column("slug", description=_("Identifiant public.")),
        Column("intitulé"),
        Column("axe", "integer", _("Numéro de l'axe de la stratégie.")),
        Column("type"),
        Column("statut"),
        Column("santé"),
        Column("avancement (%)", "integer", constraints={"minimum": 0, "maximum": 100}),
        french_boolean("avancement saisi à la main"),
        Column("porteur", description=_("Nom de l'acteur porteur.")),
        Column("communes", description=_("Séparées par des virgules.")),
        Column("début prévu", "date"),
        Column("fin prévue", "date"),
        _amount_column("budget cible"),
        _amount_column("demandé"),
        _amount_column("acquis"),
        _amount_column("versé"),
        _amount_column("reste à financer"),
        Column("revue énergétique"),
        Column("publication"),
        Column("modifié le", "datetime", _("ISO 8601, heure de Paris.")),
    ),
)
ADMIN_SITES_CSV = CsvTable(
    name="admin-sites",
    title=_("Export des lieux (administration)"),
    description=_("Action « exporter » de la liste des lieux : pour un tableur en français (« ; », UTF-8 avec BOM)."),
    csv_format=SPREADSHEET,
    columns=(
        Column("slug", description=_("Identifiant public.")),
        Column("nom"),
        Column("type"),
        Column("adresse"),
        code_column("code postal", POSTAL_CODE_PATTERN),
        Column("commune"),
        Column("étape"),
        Column("propriétaire", description=_("Nom de l'acteur propriétaire.")),
        Column("surface (m²)", "number", constraints={"minimum": 0}),
    ),
)


def progress_bar(percent: int | None, *, manual: bool = False):
    if percent is None:
        return format_html('<span title="{}">—</span>', gettext("Ni jalon ni avancement saisi"))
    title = gettext("saisi à la main") if manual else gettext("calculé à partir des jalons")
    # A <progress> styled by static/css/admin.css: a width set by a style attribute would be
    # blocked by the Content-Security-Policy.
    return format_html(
        '<span class="admin-progress" title="{}"><progress max="100" value="{}" aria-hidden="true"></progress>'
        "{} %{}</span>",
        title,
        percent,
        percent,
        " ✎" if manual else "",
    )


class CachedAutocompleteMixin:
    """Relations (FK or M2M, mostly to the directory's actors) picked with the related admin's search.

    `cached_autocomplete_fields` name them; in inlines, their labels come without a query per row.
    """

    cached_autocomplete_fields: tuple[str, ...] = ()

    def get_autocomplete_fields(self, request):
        return [*super().get_autocomplete_fields(request), *self.cached_autocomplete_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.cached_autocomplete_fields:
            kwargs["widget"] = CachedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.cached_autocomplete_fields:
            kwargs["widget"] = CachedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CachedAutocompleteInlineMixin(CachedAutocompleteMixin):
    """For inlines: fill each row's autocomplete labels from the formset's queryset (no query per row)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        cached_autocomplete_fields = list(self.cached_autocomplete_fields)

        class LabelledFormSet(formset_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if not cached_autocomplete_fields:
                    return
                labels = {name: {} for name in cached_autocomplete_fields}
                for instance in self.get_queryset():
                    for name in cached_autocomplete_fields:
                        field = instance._meta.get_field(name)
                        if field.many_to_many:
                            related = getattr(instance, name).all()
                        else:
                            related = [getattr(instance, name)] if getattr(instance, field.attname) else []
                        labels[name].update({str(actor.pk): str(actor) for actor in related})
                for form in self.forms:
                    for name in cached_autocomplete_fields:
                        widget = form.fields[name].widget
                        getattr(widget, "widget", widget).label_cache = labels[name]

        return formset_class if not cached_autocomplete_fields else LabelledFormSet


class PublicationAdminMixin:
    """Publish, unpublish and archive actions; deletion for superusers only, as a restorable batch.

    Who may publish is `services.may_publish` (the `publish_<model>` permission); the form's
    publication status follows the same rule (`forms.PublicationFieldMixin`).
    """

    noun_singular = ""
    noun_plural = ""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return with_publication_user(form, request.user)

    def has_publish_permission(self, request):
        return services.may_publish(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        # Deleting loses the record: staff archive; superusers delete, and can restore.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            # The children go with the record, in the same batch (the status log has no delete permission).
            perms_needed = set()
        return deleted, model_count, perms_needed, protected

    def _set_publication(self, request, queryset, target: str):
        try:
            count = services.set_publication(records=queryset, to_status=target, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(n)d %(noun)s modifié.", "%(n)d %(noun)s modifiés.", count)
            % {"n": count, "noun": self.noun_singular if count == 1 else self.noun_plural},
        )

    @admin.action(description=_("Publier la sélection"), permissions=["publish"])
    def publish(self, request, queryset):
        self._set_publication(request, queryset, PublicationStatus.PUBLISHED)

    @admin.action(description=_("Dépublier (repasser en brouillon)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._set_publication(request, queryset, PublicationStatus.DRAFT)

    @admin.action(description=_("Archiver la sélection (au lieu de supprimer)"), permissions=["change"])
    def archive(self, request, queryset):
        self._set_publication(request, queryset, PublicationStatus.ARCHIVED)


# ---------------------------------------------------------------------------
# Inlines of the initiative form


class EnergyReviewInline(VersionedInlineMixin, admin.StackedInline):
    model = EnergyReview
    extra = 1
    max_num = 1
    can_delete = False
    fields = ["decision", "decided_on", "conditions", "evidence", "reviewer"]
    readonly_fields = ["reviewer"]
    verbose_name = _("revue de transition énergétique")
    verbose_name_plural = _("revue de transition énergétique (condition de validation)")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class StatusChangeInline(TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("changements de statut (par les boutons de statut)")
    classes = ["collapse"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class InvolvementInline(VersionedInlineMixin, CachedAutocompleteInlineMixin, TabularInline):
    model = Involvement
    extra = 0
    cached_autocomplete_fields = ("actor",)
    fields = ["actor", "role", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class FundingLineInline(VersionedInlineMixin, CachedAutocompleteInlineMixin, TabularInline):
    model = FundingLine
    extra = 0
    cached_autocomplete_fields = ("funder",)
    fields = ["funder", "amount", "kind", "status", "year", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("funder")


class MilestoneInline(VersionedInlineMixin, TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "planned_on", "done_on", "weight"]


class IndicatorInline(VersionedInlineMixin, TabularInline):
    model = Indicator
    extra = 0
    fields = ["name", "unit", "baseline", "target", "position"]
    show_change_link = True


class MeasurementInline(VersionedInlineMixin, TabularInline):
    model = Measurement
    form = MeasurementInlineForm
    extra = 0
    fields = ["indicator", "measured_on", "value", "note"]
    verbose_name_plural = _("mesures des indicateurs")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "indicator":
            # Indicators are added in the inline above: no add/edit buttons on every row.
            formfield.widget = getattr(formfield.widget, "widget", formfield.widget)
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        field = formset_class.form.base_fields["indicator"]
        # Only this initiative's indicators; the choices are listed once, not once per row.
        field.queryset = Indicator.objects.filter(initiative=obj) if obj else Indicator.objects.none()
        field.choices = list(field.choices)
        return formset_class


class JournalEntryInline(VersionedInlineMixin, admin.StackedInline):
    model = JournalEntry
    extra = 0
    fields = [("entry_date", "is_public"), "title", "body", "author"]
    readonly_fields = ["author"]
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class ConsultationInline(VersionedInlineMixin, admin.StackedInline):
    """The initiative's consultations; who took part and what changed are edited on each consultation's page."""

    model = Consultation
    extra = 0
    show_change_link = True
    fields = [
        ("held_on", "format", "participation_level"),
        "title",
        ("participants_count", "is_public"),
        "outcomes",
        "decisions",
        "changes",
    ]
    classes = ["collapse"]


class DocumentInline(VersionedInlineMixin, TabularInline):
    model = Document
    extra = 0
    fields = ["title", "kind", "file", "is_public", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


# ---------------------------------------------------------------------------
# Initiatives


@admin.register(Initiative)
class InitiativeAdmin(VersionedAdminMixin, PublicationAdminMixin, CachedAutocompleteMixin, SimpleHistoryAdmin):
    form = InitiativeAdminForm
    noun_singular = _("projet")
    noun_plural = _("projets")
    change_list_template = "admin/projects/initiative/change_list.html"
    cached_autocomplete_fields = ("lead_actor",)
    list_display = [
        "title",
        "axis_number",
        "status_badge",
        "health_badge",
        "progress_display",
        "funding_display",
        "energy_badge",
        "lead_actor",
        "publication_status",
        "updated_at",
    ]
    list_display_links = ["title"]
    list_filter = [
        "axis",
        "status",
        "health",
        ("communes", admin.RelatedOnlyFieldListFilter),
        "kind",
        "energy_review__decision",
        "publication_status",
        "is_fictional",
    ]
    search_fields = ["title", "summary", "slug", "lead_actor__name"]
    list_per_page = 50
    ordering = ["axis__number", "title"]
    actions = ["change_status_action", "export_csv", "publish", "unpublish", "archive"]
    readonly_fields = ["status_summary", "energy_review_summary", "progress_summary", "funding_summary"]
    autocomplete_fields = ["sites"]
    filter_horizontal = ["communes", "neighbourhoods"]
    fieldsets = [
        (
            _("Pilotage"),
            {"fields": ["status_summary", "energy_review_summary", "health", "progress_summary", "funding_summary"]},
        ),
        (
            _("Projet"),
            {"fields": ["title", "slug", ("axis", "objective"), "kind", "summary", "description", "lead_actor"]},
        ),
        (_("Où"), {"fields": ["communes", "neighbourhoods", "sites"]}),
        (
            _("Calendrier et budget"),
            {
                "fields": [
                    ("planned_start", "planned_end"),
                    ("actual_start", "actual_end"),
                    "target_budget",
                    ("progress_is_manual", "manual_progress"),
                ]
            },
        ),
        (_("Publication"), {"fields": ["publication_status", "source", "is_fictional"]}),
    ]
    inlines = [
        EnergyReviewInline,
        InvolvementInline,
        FundingLineInline,
        MilestoneInline,
        IndicatorInline,
        MeasurementInline,
        ConsultationInline,
        JournalEntryInline,
        DocumentInline,
        StatusChangeInline,
    ]
    change_form_template = "admin/projects/initiative/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("axis", "lead_actor", "energy_review")
            .with_progress()
            .with_funding()
        )

    def get_urls(self):
        return [
            path(
                "supprimes/",
                self.admin_site.admin_view(self.deleted_view),
                name="projects_initiative_deleted",
            ),
            path(
                "supprimes/lieux/<uuid:batch>/restaurer/",
                self.admin_site.admin_view(self.restore_site_view),
                name="projects_site_restore",
            ),
            path(
                "supprimes/<uuid:batch>/restaurer/",
                self.admin_site.admin_view(self.restore_view),
                name="projects_initiative_restore",
            ),
            path(
                "<path:object_id>/statut/",
                self.admin_site.admin_view(self.change_status_view),
                name="projects_initiative_change_status",
            ),
            *super().get_urls(),
        ]

    # -- portfolio columns

    @admin.display(description=_("axe"), ordering="axis__number")
    def axis_number(self, obj):
        return format_html('<span title="{}">{}</span>', obj.axis.title, obj.axis.number)

    @admin.display(description=_("statut"), ordering="status")
    def status_badge(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("santé"), ordering="health")
    def health_badge(self, obj):
        return badge(obj.get_health_display(), HEALTH_COLOURS[obj.health])

    @admin.display(description=_("avancement"))
    def progress_display(self, obj):
        return progress_bar(obj.progress, manual=obj.progress_is_manual)

    @admin.display(description=_("financement acquis / cible"))
    def funding_display(self, obj):
        totals = obj.funding_totals()
        if totals.target is None:
            return euros(totals.secured)
        return format_html("{} / {} ({} %)", euros(totals.secured), euros(totals.target), totals.secured_percent or 0)

    @admin.display(description=_("revue énergétique"), ordering="energy_review__decision")
    def energy_badge(self, obj):
        review = getattr(obj, "energy_review", None) if obj.energy_review_decision else None
        if review is None:
            return badge(gettext("à faire"), "#757575")
        return badge(review.get_decision_display(), DECISION_COLOURS[review.decision])

    # -- read-only panels of the change form

    @admin.display(description=_("statut"))
    def status_summary(self, obj):
        if not obj.pk:
            return Initiative.Status(obj.status).label
        last = obj.status_changes.select_related("changed_by").first()
        if last is None:
            return obj.get_status_display()
        return format_html(
            "<strong>{}</strong> — {} {} ({})",
            obj.get_status_display(),
            gettext("depuis le"),
            timezone.localtime(last.changed_at).strftime("%d/%m/%Y"),
            last.reason,
        )

    @admin.display(description=_("revue énergétique"))
    def energy_review_summary(self, obj):
        if not obj.pk or obj.energy_review_decision is None:
            return format_html(
                "{} <br><small>{}</small>",
                badge(gettext("à faire"), "#757575"),
                gettext("Sans revue approuvée, le projet ne peut pas être validé (formulaire plus bas)."),
            )
        review = obj.energy_review
        url = reverse("admin:projects_energyreview_change", args=[review.pk])
        parts = [badge(review.get_decision_display(), DECISION_COLOURS[review.decision])]
        if review.decided_on:
            parts.append(format_html(" {} {}", gettext("le"), review.decided_on.strftime("%d/%m/%Y")))
        if review.conditions:
            parts.append(format_html("<br><small>{} {}</small>", gettext("Conditions :"), review.conditions))
        parts.append(format_html(' — <a href="{}">{}</a>', url, gettext("critères et éléments probants")))
        return format_html_join("", "{}", ((p,) for p in parts))

    @admin.display(description=_("avancement"))
    def progress_summary(self, obj):
        if not obj.pk:
            return "—"
        done, total = obj.milestone_weights()
        if obj.progress_is_manual:
            detail = gettext("saisi à la main")
        elif total:
            detail = gettext("jalons réalisés : poids %(done)s sur %(total)s") % {"done": done, "total": total}
        else:
            detail = gettext("aucun jalon")
        return format_html("{} <small>{}</small>", progress_bar(obj.progress, manual=obj.progress_is_manual), detail)

    @admin.display(description=_("financement"))
    def funding_summary(self, obj):
        if not obj.pk:
            return "—"
        t = obj.funding_totals()
        return format_html(
            "{} {} · {} {} · {} {} · {} {}",
            gettext("demandé"),
            euros(t.requested),
            gettext("acquis"),
            euros(t.secured),
            gettext("versé"),
            euros(t.paid),
            gettext("reste à financer"),
            euros(t.gap),
        )

    # -- saving

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, EnergyReview):
                # Through the service that checks the energy gate against the stored status.
                services.save_energy_review(
                    review=instance, by=request.user, decided="decision" in formset.forms[0].changed_data
                )
                continue
            if isinstance(instance, JournalEntry) and instance.author_id is None:
                instance.author = request.user
            elif isinstance(instance, Document) and instance.uploaded_by_id is None:
                instance.uploaded_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            if isinstance(obj, EnergyReview):
                services.delete_energy_review(review=obj, by=request.user)
            else:
                obj.delete()
        formset.save_m2m()

    # -- deletion (superusers) and restoration

    def delete_model(self, request, obj):
        with provenance(Origin.ADMIN):
            services.delete_initiative(initiative=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with provenance(Origin.ADMIN):
            services.delete_initiatives(initiatives=list(queryset), by=request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_restore": self.has_delete_permission(request)}
        return super().changelist_view(request, extra_context)

    def deleted_view(self, request):
        """Initiatives deleted by a superuser and not restored since, each with its batch."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        deleted = (
            Initiative.history.filter(history_type="-", history_batch__isnull=False)
            .filter(~Exists(Initiative.objects.filter(pk=OuterRef("id"))))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        deleted_sites = (
            Site.history.filter(history_type="-", history_batch__isnull=False)
            .filter(~Exists(Site.objects.filter(pk=OuterRef("id"))))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Projets et lieux supprimés"),
            "opts": self.model._meta,
            "deleted": deleted,
            "deleted_sites": deleted_sites,
        }
        return TemplateResponse(request, "admin/projects/initiative/deleted.html", context)

    def restore_view(self, request, batch: uuid.UUID):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            with provenance(Origin.ADMIN, gettext("restauration")):
                initiative = services.restore_initiative(batch=batch, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:projects_initiative_deleted"))
        self.message_user(
            request,
            gettext("« %(title)s » est restauré avec ce qui en dépendait.") % {"title": initiative.title},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:projects_initiative_change", args=[initiative.pk]))

    def restore_site_view(self, request, batch: uuid.UUID):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            with provenance(Origin.ADMIN, gettext("restauration")):
                site = services.restore_site(batch=batch, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:projects_initiative_deleted"))
        self.message_user(
            request,
            gettext("« %(name)s » est restauré avec ses occupants ; reliez-le de nouveau à ses projets.")
            % {"name": site.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:projects_site_change", args=[site.pk]))

    # -- status changes

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["status_actions"] = [
                (
                    value,
                    Initiative.Status(value).label,
                    reverse("admin:projects_initiative_change_status", args=[obj.pk]) + f"?to={value}",
                )
                for value in obj.allowed_next_statuses()
            ]
        else:
            context["status_actions"] = []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_status_view(self, request, object_id):
        initiative = get_object_or_404(Initiative.objects.select_related("axis"), pk=object_id)
        if not self.has_change_permission(request, initiative):
            raise PermissionDenied
        change_url = reverse("admin:projects_initiative_change", args=[initiative.pk])
        if request.method == "POST":
            form = StatusChangeForm(request.POST, current_status=initiative.status)
            if form.is_valid():
                try:
                    services.change_status(
                        initiative=initiative,
                        to_status=form.cleaned_data["to_status"],
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    # Shown at the top of the form, which stays filled in.
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    self.message_user(
                        request,
                        gettext("Statut de « %(title)s » : %(status)s.")
                        % {"title": initiative.title, "status": initiative.get_status_display()},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = StatusChangeForm(initial={"to_status": request.GET.get("to")}, current_status=initiative.status)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Changer le statut de « %(title)s »") % {"title": initiative.title},
            "opts": self.model._meta,
            "initiatives": [initiative],
            "form": form,
            "change_url": change_url,
            "bulk": False,
        }
        return TemplateResponse(request, "admin/projects/initiative/change_status.html", context)

    @admin.action(description=_("Changer le statut des projets sélectionnés…"), permissions=["change"])
    def change_status_action(self, request, queryset):
        initiatives = list(queryset.order_by("title"))
        if "apply" in request.POST:
            form = StatusChangeForm(request.POST)
            if form.is_valid():
                done, refused = 0, 0
                for initiative in initiatives:
                    try:
                        services.change_status(
                            initiative=initiative,
                            to_status=form.cleaned_data["to_status"],
                            by=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                    except ValidationError as exc:
                        refused += 1
                        self.message_user(request, f"« {initiative.title} » : {' '.join(exc.messages)}", messages.ERROR)
                    else:
                        done += 1
                if done:
                    self.message_user(
                        request,
                        ngettext("%(n)d projet a changé de statut.", "%(n)d projets ont changé de statut.", done)
                        % {"n": done},
                        messages.SUCCESS,
                    )
                return None
        else:
            form = StatusChangeForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Changer le statut des projets sélectionnés"),
            "opts": self.model._meta,
            "initiatives": initiatives,
            "form": form,
            "bulk": True,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/projects/initiative/change_status.html", context)

    # -- other actions

    @admin.action(description=_("Exporter la sélection en CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = queryset.select_related("axis", "lead_actor", "energy_review").prefetch_related(
            Prefetch("communes", to_attr="commune_list")
        )

        def lines():
            for obj in rows:
                totals = obj.funding_totals()
                decision = obj.energy_review_decision
                yield [
                    obj.slug,
                    obj.title,
                    obj.axis.number,
                    obj.get_kind_display(),
                    obj.get_status_display(),
                    obj.get_health_display(),
                    "" if obj.progress is None else obj.progress,
                    "oui" if obj.progress_is_manual else "non",
                    obj.lead_actor.name if obj.lead_actor else "",
                    ", ".join(c.name for c in obj.commune_list),
                    obj.planned_start or "",
                    obj.planned_end or "",
                    _amount(totals.target),
                    _amount(totals.requested),
                    _amount(totals.secured),
                    _amount(totals.paid),
                    _amount(totals.gap),
                    EnergyReview.Decision(decision).label if decision else "",
                    obj.get_publication_status_display(),
                    timezone.localtime(obj.updated_at).isoformat(),
                ]

        # Through the one CSV module: `;`, BOM, and cells that would run as formulas neutralised.
        return ADMIN_INITIATIVES_CSV.response(lines(), filename="projets.csv")


# ---------------------------------------------------------------------------
# Consultations: who took part, which initiatives, what changed


class ConsultationParticipantInline(VersionedInlineMixin, CachedAutocompleteInlineMixin, TabularInline):
    model = ConsultationParticipant
    extra = 0
    cached_autocomplete_fields = ("actor",)
    fields = ["actor", "kind"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ConsultationEffectInline(VersionedInlineMixin, TabularInline):
    """What the consultation changed; the choices are the status changes, milestones and versions of its initiatives."""

    model = ConsultationEffect
    extra = 0
    fields = ["status_change", "milestone", "initiative_version", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("status_change__initiative", "milestone__initiative", "initiative_version")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        initiatives = list(obj.initiative_ids()) if obj is not None else []
        fields = formset_class.form.base_fields
        status_changes = StatusChange.objects.filter(initiative__in=initiatives).select_related("initiative")
        milestones = Milestone.objects.filter(initiative__in=initiatives).select_related("initiative")
        versions = Initiative.history.filter(id__in=initiatives).order_by("-history_date", "-history_id")
        for name, queryset, label in (
            ("status_change", status_changes, _status_change_label),
            ("milestone", milestones, _milestone_label),
            ("initiative_version", versions, _version_label),
        ):
            field = fields[name]
            field.queryset = queryset
            # Listed once for every row, not once per row (and with labels that say what each one is).
            field.choices = [("", "---------"), *((item.pk, label(item)) for item in queryset)]
        return formset_class


def _status_change_label(change: StatusChange) -> str:
    return gettext("%(initiative)s : %(from)s → %(to)s, le %(date)s") % {
        "initiative": change.initiative.title,
        "from": change.get_from_status_display(),
        "to": change.get_to_status_display(),
        "date": timezone.localtime(change.changed_at).strftime("%d/%m/%Y"),
    }


def _milestone_label(milestone: Milestone) -> str:
    return gettext("%(initiative)s : jalon « %(title)s » (%(date)s)") % {
        "initiative": milestone.initiative.title,
        "title": milestone.title,
        "date": milestone.planned_on.strftime("%d/%m/%Y"),
    }


def _version_label(version) -> str:
    return gettext("%(initiative)s : version du %(date)s%(reason)s") % {
        "initiative": version.title,
        "date": timezone.localtime(version.history_date).strftime("%d/%m/%Y %H:%M"),
        "reason": f" — {version.history_change_reason}" if version.history_change_reason else "",
    }


@admin.register(Consultation)
class ConsultationAdmin(VersionedAdminMixin, CachedAutocompleteMixin, SimpleHistoryAdmin):
    """A consultation with who took part (by kind), the other initiatives it concerned, and what it changed.

    Effects can be chosen once the consultation is saved: their choices are its initiatives' status
    changes, milestones and versions.
    """

    list_display = ["title", "held_on", "initiative", "format", "participation_level", "participant_count", "is_public"]
    list_filter = ["is_public", "format", "participation_level", "participants__kind"]
    list_select_related = ["initiative"]
    search_fields = ["title", "initiative__title", "participants__actor__name"]
    cached_autocomplete_fields = ("initiative", "other_initiatives")
    date_hierarchy = "held_on"
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "initiative",
        "other_initiatives",
        ("held_on", "format", "participation_level"),
        "title",
        ("participants_count", "is_public"),
        "outcomes",
        "decisions",
        "changes",
        ("created_at", "updated_at"),
    ]
    inlines = [ConsultationParticipantInline, ConsultationEffectInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(directory_participants=Count("participants", distinct=True))

    @admin.display(description=_("acteurs de l'annuaire"), ordering="directory_participants")
    def participant_count(self, obj):
        return obj.directory_participants

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Participants and effects are rows of their own: the consultation says it changed (incremental sync).
        services.touch_consultation(consultation=form.instance)


# ---------------------------------------------------------------------------
# Energy reviews, indicators, strategy


class EnergyAssessmentInline(VersionedInlineMixin, TabularInline):
    model = EnergyAssessment
    extra = 0
    fields = ["criterion", "level", "comment"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        field = formset_class.form.base_fields["criterion"]
        field.choices = list(field.choices)  # listed once, not once per row
        return formset_class


@admin.register(EnergyReview)
class EnergyReviewAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["initiative", "decision", "decided_on", "reviewer", "updated_at"]
    list_filter = ["decision"]
    list_select_related = ["initiative", "reviewer"]
    search_fields = ["initiative__title"]
    autocomplete_fields = ["initiative"]
    readonly_fields = ["reviewer"]
    fields = ["initiative", "decision", "decided_on", "conditions", "evidence", "reviewer"]
    inlines = [EnergyAssessmentInline]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = type("EnergyReviewForm", (ErrorsOnMissingFieldsMixin, self.form), {})
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A review never moves to another initiative: the one it left would stay approved without it.
        return ["reviewer", "initiative"] if obj is not None and obj.pk else ["reviewer"]

    def save_model(self, request, obj, form, change):
        # Also the history revert's path (simple_history calls save_model).
        services.save_energy_review(review=obj, by=request.user, decided="decision" in form.changed_data)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The admin refuses to delete what is protected, single and bulk: a review its initiative's
        # status needs is, with the gate's reason.
        for review in objs:
            try:
                review.validate_deletion()
            except ValidationError as exc:
                protected = [*protected, " ".join(exc.messages)]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        with provenance(Origin.ADMIN):
            services.delete_energy_review(review=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with provenance(Origin.ADMIN):
            for review in queryset.select_related("initiative"):
                services.delete_energy_review(review=review, by=request.user)


class MeasurementOfIndicatorInline(VersionedInlineMixin, TabularInline):
    model = Measurement
    extra = 1
    fields = ["measured_on", "value", "note"]


@admin.register(Indicator)
class IndicatorAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "initiative", "baseline", "target"]
    list_select_related = ["initiative"]
    search_fields = ["name", "initiative__title"]
    autocomplete_fields = ["initiative"]
    inlines = [MeasurementOfIndicatorInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.initiative_id = form.instance.initiative_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()


class ObjectiveInline(TabularInline):
    model = Objective
    extra = 0
    fields = ["position", "title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(StrategyAxis)
class StrategyAxisAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "slug"]
    list_display_links = ["title"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ObjectiveInline]


@admin.register(EnergyCriterion)
class EnergyCriterionAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "slug"]
    list_display_links = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The lifecycle log, read-only: changes are written by the status buttons only."""

    list_display = ["changed_at", "initiative", "from_status", "to_status", "changed_by", "reason"]
    list_filter = ["to_status", "from_status"]
    list_select_related = ["initiative", "changed_by"]
    search_fields = ["initiative__title", "reason"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------
# Sites and premises


class LinkedInitiativeInline(CachedAutocompleteInlineMixin, TabularInline):
    model = Initiative.sites.through
    extra = 0
    verbose_name = _("projet lié")
    verbose_name_plural = _("projets liés")
    cached_autocomplete_fields = ("initiative",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative")


@admin.register(Site)
class SiteAdmin(VersionedAdminMixin, PublicationAdminMixin, CachedAutocompleteMixin, SimpleHistoryAdmin):
    noun_singular = _("lieu")
    noun_plural = _("lieux")
    cached_autocomplete_fields = ("owner", "occupants")
    list_display = ["name", "commune", "kind", "pipeline_stage", "owner", "surface_m2", "publication_status"]
    list_filter = ["pipeline_stage", "kind", "commune", "publication_status", "is_fictional"]
    list_select_related = ["commune", "owner"]
    search_fields = ["name", "address", "slug"]
    ordering = ["name"]
    actions = ["export_csv", "publish", "unpublish", "archive"]
    inlines = [LinkedInitiativeInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "description"]}),
        (
            _("Adresse"),
            {"fields": ["address", ("postal_code", "commune"), "neighbourhood", ("latitude", "longitude")]},
        ),
        (
            _("Occupation"),
            {
                "fields": [
                    "pipeline_stage",
                    "owner",
                    "occupants",
                    "surface_m2",
                    ("available_from", "available_until"),
                    "negotiated_rent",
                ]
            },
        ),
        (_("Publication"), {"fields": ["publication_status", "source", "is_fictional"]}),
    ]

    def delete_model(self, request, obj):
        with provenance(Origin.ADMIN):
            services.delete_site(site=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with provenance(Origin.ADMIN):
            for site in queryset:
                services.delete_site(site=site, by=request.user)

    @admin.action(description=_("Exporter la sélection en CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = (
            [
                site.slug,
                site.name,
                site.get_kind_display(),
                site.address,
                site.postal_code,
                site.commune.name,
                site.get_pipeline_stage_display(),
                site.owner.name if site.owner else "",
                site.surface_m2 or "",
            ]
            for site in queryset.select_related("commune", "owner")
        )
        return ADMIN_SITES_CSV.response(rows, filename="lieux.csv")


@admin.register(Event)
class EventAdmin(VersionedAdminMixin, PublicationAdminMixin, CachedAutocompleteMixin, SimpleHistoryAdmin):
    """The agenda. Proposals from the public arrive « à valider » (filter on the publication state);
    a moderator reads them and publishes them with the « Publier la sélection » action."""

    noun_singular = _("événement")
    noun_plural = _("événements")
    cached_autocomplete_fields = ("actors", "initiatives", "site")
    autocomplete_fields = ["commune"]
    list_display = ["title", "starts_at", "kind", "commune", "event_status", "publication_status"]
    list_filter = ["publication_status", "kind", "event_status", "attendance_mode", "commune", "is_fictional"]
    list_select_related = ["commune"]
    search_fields = ["title", "slug", "address"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = ["publish", "unpublish", "archive"]
    readonly_fields = ["proposal_message", "sequence", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "description", ("starts_at", "ends_at"), "event_status"]}),
        (
            _("Lieu"),
            {"fields": ["attendance_mode", "site", "address", "commune", "online_url", "accessibility"]},
        ),
        (_("Liens"), {"fields": ["registration_url", "actors", "initiatives"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "publication_status",
                    "source",
                    "is_fictional",
                    "proposal_message",
                    "sequence",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]
