"""Staff admin of the buyers' records: CPV reference (read-only), suppliers' offers, buyers' needs.

Offers and needs are archived, never deleted (superusers only delete mistakes). Approving, refusing and
archiving are the services' (`purchasing.services`), behind the publish permissions; the change forms
refuse stale saves (`directory.versions`), as every other staff form does.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.admin import HistoryAdmin, HttpsUrlMixin
from directory.services import can_publish
from ess_portal.admin_pagination import KeptCountAdminMixin
from purchasing import services
from purchasing.forms import BuyerNeedAdminForm, SupplierOfferAdminForm
from purchasing.models import BuyerNeed, CpvCode, SupplierOffer


@admin.register(CpvCode)
class CpvCodeAdmin(admin.ModelAdmin):
    """Reference data loaded by a migration: read here, changed by migrations only."""

    list_display = ["code", "label", "level", "parent"]
    list_select_related = ["parent"]
    list_filter = ["level"]
    search_fields = ["code", "label"]
    ordering = ["code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublishPermissionMixin:
    def has_publish_permission(self, request) -> bool:
        return can_publish(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        # Archive instead; deleting is for superusers fixing a mistake.
        return request.user.is_active and request.user.is_superuser

    def _done(self, request, message: str, count: int) -> None:
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(SupplierOffer)
class SupplierOfferAdmin(KeptCountAdminMixin, PublishPermissionMixin, HttpsUrlMixin, HistoryAdmin):
    form = SupplierOfferAdminForm
    actions = ["approve", "refuse", "archive"]
    list_display = [
        "title",
        "actor",
        "cpv",
        "whole_territory",
        "max_order_amount",
        "status",
        "is_fictional",
        "updated_at",
    ]
    list_select_related = ["actor", "cpv"]
    list_filter = ["status", "cpv__parent", "whole_territory", "is_fictional"]
    search_fields = ["title", "actor__name", "description", "cpv__code", "cpv__label"]
    autocomplete_fields = ["actor", "communes"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["actor__name", "title", "pk"]
    fieldsets = [
        (None, {"fields": ["actor", "title", "cpv", "description"]}),
        (_("Où et combien"), {"fields": ["whole_territory", "communes", "capacity", "max_order_amount"]}),
        (_("Références"), {"fields": ["references", "url"]}),
        (_("Publication"), {"fields": ["status", "review_note", "is_fictional", ("created_at", "updated_at")]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"publication_user": request.user})

    @admin.action(description=_("Approuver les offres sélectionnées (publier)"), permissions=["publish"])
    def approve(self, request, queryset):
        count = len(services.approve_offers(offers=queryset, user=request.user))
        self._done(request, ngettext("%(count)d offre approuvée.", "%(count)d offres approuvées.", count), count)

    @admin.action(description=_("Refuser les offres sélectionnées (retour en brouillon)"), permissions=["publish"])
    def refuse(self, request, queryset):
        count = len(services.refuse_offers(offers=queryset, user=request.user))
        self._done(request, ngettext("%(count)d offre refusée.", "%(count)d offres refusées.", count), count)

    @admin.action(description=_("Archiver les offres sélectionnées"), permissions=["publish"])
    def archive(self, request, queryset):
        count = len(services.archive_offers(offers=queryset, user=request.user))
        self._done(request, ngettext("%(count)d offre archivée.", "%(count)d offres archivées.", count), count)


class NeedStateFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("a-valider", _("à valider")), ("ouvert", _("publié et ouvert")), ("echu", _("date limite passée"))]

    def queryset(self, request, queryset):
        if self.value() == "a-valider":
            return queryset.pending()
        if self.value() == "ouvert":
            return queryset.filter(pk__in=BuyerNeed.objects.published().values("pk"))
        if self.value() == "echu":
            return queryset.exclude(pk__in=BuyerNeed.objects.published().values("pk")).filter(status="published")
        return queryset


@admin.register(BuyerNeed)
class BuyerNeedAdmin(KeptCountAdminMixin, PublishPermissionMixin, HistoryAdmin):
    """The moderation of needs: approve (publish, tell the buyer and the matching suppliers) or refuse."""

    form = BuyerNeedAdminForm
    actions = ["approve", "refuse"]
    list_display = ["title", "buyer_name", "buyer_kind", "cpv", "deadline", "status", "created_at"]
    list_select_related = ["cpv"]
    list_filter = [NeedStateFilter, "status", "buyer_kind", "is_fictional"]
    search_fields = ["title", "buyer_name", "description"]
    autocomplete_fields = ["communes"]
    readonly_fields = ["status", "decided_at", "decided_by", "contact_purged_at", "created_at", "updated_at"]
    ordering = ["-created_at", "-pk"]
    fieldsets = [
        (None, {"fields": ["title", "cpv", "description", "communes", "deadline"]}),
        (_("Acheteur"), {"fields": ["buyer_name", "buyer_kind"]}),
        (
            _("Décision"),
            {
                "fields": ["status", "decision_reason", "decided_at", "decided_by", "contact_purged_at"],
                "description": _("Approuvez ou refusez depuis la liste (actions). L'e-mail de l'acheteur reste privé."),
            },
        ),
        (None, {"fields": ["is_fictional", ("created_at", "updated_at")]}),
    ]

    def has_add_permission(self, request):
        # Needs come from buyers, through the public form.
        return False

    @admin.action(description=_("Approuver les besoins sélectionnés (publier et prévenir)"), permissions=["publish"])
    def approve(self, request, queryset):
        count = 0
        for need in queryset.filter(status="pending").order_by("pk"):
            try:
                services.approve_need(need=need, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"« {need.title} » : {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        self._done(request, ngettext("%(count)d besoin approuvé.", "%(count)d besoins approuvés.", count), count)

    @admin.action(description=_("Refuser ou retirer les besoins sélectionnés"), permissions=["publish"])
    def refuse(self, request, queryset):
        count = 0
        for need in queryset.exclude(status="archived").order_by("pk"):
            services.refuse_need(need=need, user=request.user, reason=need.decision_reason)
            count += 1
        self._done(request, ngettext("%(count)d besoin refusé.", "%(count)d besoins refusés.", count), count)
