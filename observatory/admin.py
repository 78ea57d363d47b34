"""The staff's admin of yearly figures: recording them, and deciding the structures' proposals.

Staff record approved figures (each value with its source); a structure's proposal arrives
« proposé » (filter on the state) and a moderator approves or refuses it with the actions, which
call `observatory.services`. Figures refused or replaced stay as a record, read-only; deleting is
for superusers.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from directory.versions import VersionedAdminMixin
from observatory import services
from observatory.forms import RefusalForm, YearlyFiguresAdminForm
from observatory.models import METRIC_NAMES, CampaignReminder, YearlyFigures

MODERATE_PERMISSION = "observatory.moderate_yearlyfigures"


@admin.register(YearlyFigures)
class YearlyFiguresAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    form = YearlyFiguresAdminForm
    autocomplete_fields = ["actor"]
    list_display = ["actor", "year", "status", "employees", "fte", "volunteers", "budget", "updated_at"]
    list_filter = ["status", "year", "is_fictional"]
    list_select_related = ["actor"]
    search_fields = ["actor__name", "actor__slug", "actor__siret"]
    ordering = ["-year", "actor__name", "pk"]
    actions = ["approve", "refuse"]
    readonly_fields = [
        "status",
        "proposed_by",
        "decided_by",
        "decided_at",
        "refusal_reason",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["actor", "year"]}),
        (
            _("Chiffres, chacun avec sa source"),
            {"fields": [(name, f"{name}_source") for name in METRIC_NAMES]},
        ),
        (_("Commentaire"), {"fields": ["note", "is_fictional"]}),
        (
            _("Modération"),
            {
                "fields": [
                    "status",
                    "proposed_by",
                    "decided_by",
                    "decided_at",
                    "refusal_reason",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        # Refused and replaced figures are a record of what was said: they stay as they were.
        if obj is not None and obj.status in (YearlyFigures.Status.REFUSED, YearlyFigures.Status.REPLACED):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.record_figures(figures=obj, by=request.user)

    def _decide(self, request, queryset, decide) -> None:
        done, refused = 0, []
        for figures in queryset.select_related("actor"):
            try:
                with transaction.atomic():
                    decide(figures)
            except ValidationError as exc:
                refused.append(f"{figures} : {' '.join(exc.messages)}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d proposition traitée.", "%(n)d propositions traitées.", done) % {"n": done},
            )
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Valider les chiffres proposés"), permissions=["moderate"])
    def approve(self, request, queryset):
        self._decide(request, queryset, lambda figures: services.approve_figures(figures=figures, by=request.user))

    @admin.action(description=_("Refuser les chiffres proposés (avec un motif)"), permissions=["moderate"])
    def refuse(self, request, queryset):
        form = RefusalForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._decide(
                request,
                queryset,
                lambda figures: services.refuse_figures(figures=figures, by=request.user, reason=reason),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuser des chiffres proposés"),
            "opts": self.model._meta,
            "form": form,
            "figures": list(queryset.select_related("actor")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/observatory/refuse.html", context)


@admin.register(CampaignReminder)
class CampaignReminderAdmin(admin.ModelAdmin):
    """The yearly campaign's reminders (`remind_figures`): a record, read-only."""

    list_display = ["actor", "year", "recipients", "sent_at"]
    list_filter = ["year"]
    list_select_related = ["actor"]
    search_fields = ["actor__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
