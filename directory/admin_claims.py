"""Claims and representatives in the staff admin, and the moderators' page that decides a claim by review.

`urlpatterns` is included by the root URLs at `admin/moderation/revendications/`, before the admin's
own URLs; the page is an admin view (`admin.site.admin_view`) for holders of
`directory.moderate_changerequest`. Claims and representatives are listed read-only: they change
through `directory.claims` only (a link confirmed, a moderator's decision).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import claims
from directory.account_forms import ClaimDecisionForm, add_errors
from directory.models import Claim, Representative

app_name = "claim_moderation"


class ReadOnlyAdminMixin:
    """Listed and viewed, never added or edited here; removed by superusers only (personal data).

    Those who decide claims (`directory.moderate_changerequest`) see them too.
    """

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm(claims.MODERATE_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "actor", "method", "state", "created_at", "decided_at", "decide_link"]
    list_filter = ["state", "method", "created_at"]
    search_fields = ["name", "email", "job_title", "actor__name"]
    list_select_related = ["actor"]
    ordering = ["-created_at", "pk"]
    date_hierarchy = "created_at"
    fields = [
        "actor",
        "method",
        "state",
        "name",
        "email",
        "job_title",
        "message",
        "created_at",
        "expires_at",
        "used_at",
        "user",
        "decided_at",
        "decided_by",
        "decision_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("décision"))
    def decide_link(self, obj):
        if obj.method != Claim.Method.REVIEW:
            return "—"
        label = gettext("Examiner") if obj.state == Claim.State.PENDING else gettext("Voir la décision")
        return format_html('<a href="{}">{}</a>', reverse("claim_moderation:decide", args=[obj.pk]), label)


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "actor", "created_at", "claim"]
    list_filter = ["created_at"]
    search_fields = ["user__username", "user__email", "actor__name"]
    list_select_related = ["user", "actor", "claim", "claim__actor"]
    ordering = ["actor__name", "pk"]
    fields = ["user", "actor", "claim", "created_at"]
    readonly_fields = fields


def claim_decide(request, claim_id: int):
    """A claim by review, the structure's public e-mail to check it against, and the decision."""
    if not request.user.has_perm(claims.MODERATE_PERMISSION):
        raise PermissionDenied
    claim = get_object_or_404(Claim.objects.select_related("actor", "decided_by", "user"), pk=claim_id)
    url = reverse("claim_moderation:decide", args=[claim.pk])
    decidable = claim.method == Claim.Method.REVIEW and claim.state == Claim.State.PENDING
    form = ClaimDecisionForm(request.POST or None)
    if request.method == "POST":
        if not decidable:
            messages.error(
                request,
                gettext("Cette demande a déjà été traitée (%(state)s) : rien n'a changé.")
                % {"state": claim.get_state_display()},
            )
            return HttpResponseRedirect(url)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == ClaimDecisionForm.APPROVE:
                    claims.approve_claim(claim, moderator=request.user, reason=form.cleaned_data["reason"])
                    done = gettext("Demande acceptée : %(name)s représente « %(actor)s » et a reçu un e-mail.")
                else:
                    claims.reject_claim(claim, moderator=request.user, reason=form.cleaned_data["reason"])
                    done = gettext("Demande refusée : %(name)s a reçu le motif par e-mail.")
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done % {"name": claim.name, "actor": claim.actor.name})
                return HttpResponseRedirect(reverse("admin:directory_claim_changelist"))
    others = (
        Claim.objects.filter(actor=claim.actor)
        .exclude(pk=claim.pk)
        .select_related("decided_by")
        .order_by("-created_at")
    )
    context = {
        **admin.site.each_context(request),
        "title": gettext("Revendication de « %(actor)s » par %(name)s")
        % {"actor": claim.actor.name, "name": claim.name},
        "opts": Claim._meta,
        "claim": claim,
        "decidable": decidable,
        "form": form,
        "other_claims": list(others),
        "representatives": list(Representative.objects.filter(actor=claim.actor).select_related("user")),
    }
    return TemplateResponse(request, "admin/directory/claim/decide.html", context)


urlpatterns = [path("<int:claim_id>/", admin.site.admin_view(claim_decide), name="decide")]
