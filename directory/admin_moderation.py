"""The moderation queue of the staff admin: `/admin/moderation/`.

Every pending proposal, correction, edit by a structure's account, partner change and claim to
review, oldest first; each request opens on its differences with the record, field by field, where
the moderator accepts all or some fields, refuses with a reason, or pours a proposal into an
existing actor. The decisions are `directory.moderation`'s; these views only show and ask.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from directory import moderation, services, versions
from directory.models import Actor, ChangeRequest, Claim

PERMISSION = "directory.moderate_changerequest"
PAGE_SIZE = 50


def _require_moderator(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _queue_items(kind: str):
    """Pending items, oldest first: change requests and claims awaiting a moderator."""
    requests = ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING).select_related(
        "actor", "token__organisation", "user"
    )
    claims = Claim.objects.filter(state=Claim.State.PENDING, method=Claim.Method.REVIEW).select_related("actor")
    sources = list(moderation.QUEUE_SOURCES.values())
    if kind == "claim":
        requests = requests.none()
        sources = []
    elif kind in moderation.QUEUE_SOURCES:
        requests = requests.none()
        claims = claims.none()
        sources = [moderation.QUEUE_SOURCES[kind]]
    elif kind:
        requests = requests.filter(kind=kind)
        claims = claims.none()
        sources = []
    items = [("request", item) for item in requests] + [("claim", item) for item in claims]
    items += [("other", source.row(record)) for source in sources for record in source.pending()]
    return sorted(items, key=lambda pair: (pair[1].created_at, pair[0], pair[1].pk))


def queue(request):
    _require_moderator(request)
    kind = request.GET.get("kind", "")
    if kind not in (*ChangeRequest.Kind.values, "claim", *moderation.QUEUE_SOURCES, ""):
        kind = ""
    counts = moderation.pending_counts()
    page = Paginator(_queue_items(kind), PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = [(value, label, counts[value]) for value, label in ChangeRequest.Kind.choices]
    kinds.append(("claim", _("revendications à examiner"), counts["claim"]))
    kinds += [(source.kind, source.label, counts[source.kind]) for source in moderation.QUEUE_SOURCES.values()]
    context = {
        **admin.site.each_context(request),
        "title": _("Modération"),
        "page": page,
        "kinds": kinds,
        "kind": kind,
        "total": sum(counts.values()),
        "claim_url_name": "claim_moderation:decide",
    }
    return TemplateResponse(request, "admin/moderation/queue.html", context)


def _candidates(change_request: ChangeRequest):
    """Existing actors a proposal may duplicate: same SIRET or SIREN, then a name search."""
    name = change_request.changes.get("name", "")
    siret = change_request.changes.get("siret", "")
    found = Actor.objects.filter(merged_into__isnull=True)
    match = Q(pk__in=found.search(name).values("pk")[:8]) if name else Q(pk__in=[])
    if siret:
        match |= Q(siret=siret) | Q(siren=siret[:9])
    return list(found.filter(match).select_related("commune").order_by("name", "pk")[:10])


def decide(request, pk):
    _require_moderator(request)
    change_request = get_object_or_404(
        ChangeRequest.objects.select_related("actor", "token__organisation", "user", "decided_by"), pk=pk
    )
    actor = change_request.actor
    errors = []
    if request.method == "POST" and change_request.is_pending:
        decision = request.POST.get("decision")
        fields = request.POST.getlist("fields")
        reason = request.POST.get("reason", "")[:2000]
        version = _int(request.POST.get("record_version"))
        try:
            if decision == "approve":
                moderation.approve(
                    change_request,
                    moderator=request.user,
                    fields=fields,
                    reason=reason,
                    version=version,
                    publish=bool(request.POST.get("publish")),
                )
                messages.success(request, _("Demande acceptée : la fiche est à jour."))
            elif decision == "reject":
                moderation.reject(change_request, moderator=request.user, reason=reason)
                messages.success(request, _("Demande refusée ; l'auteur en est informé s'il a laissé son e-mail."))
            elif decision == "merge":
                slug = next((value for value in request.POST.getlist("target") if value.strip()), "")
                target = Actor.objects.filter(slug=slug.strip()).first()
                if target is None:
                    raise ValidationError(_("Choisissez la fiche existante à laquelle verser la proposition."))
                moderation.merge_into(
                    change_request,
                    moderator=request.user,
                    actor=target,
                    fields=fields,
                    reason=reason,
                    version=_int(request.POST.get(f"version_{target.pk}")),
                )
                messages.success(request, _("Proposition versée à la fiche « %(name)s ».") % {"name": target.name})
            else:
                raise ValidationError(_("Choisissez une décision."))
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("admin:moderation_queue")
    differences = moderation.differences(change_request)
    candidates = _candidates(change_request) if change_request.kind == ChangeRequest.Kind.PROPOSAL else []
    candidate_versions = versions.current_versions(Actor, [c.pk for c in candidates])
    context = {
        **admin.site.each_context(request),
        "title": str(change_request),
        "change_request": change_request,
        "actor": actor,
        "differences": differences,
        "chosen": set(request.POST.getlist("fields")) if request.method == "POST" else {d.name for d in differences},
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        "errors": errors,
        "record_version": versions.current_version(actor) if actor is not None else "",
        "candidates": [(c, candidate_versions.get(c.pk, "")) for c in candidates],
        "may_publish": services.can_publish(request.user, Actor),
        "origin": moderation.ORIGIN_OF_KIND[change_request.kind].label,
    }
    return TemplateResponse(request, "admin/moderation/decide.html", context, status=400 if errors else 200)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def urls():
    """The queue's URLs, under /admin/moderation/ (installed by `ess_portal.urls`)."""
    site = admin.site
    return [
        path("", site.admin_view(queue), name="moderation_queue"),
        path("demandes/<int:pk>/", site.admin_view(decide), name="moderation_decide"),
    ]


def decide_url(change_request: ChangeRequest) -> str:
    return reverse("admin:moderation_decide", args=[change_request.pk])


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Every request, decided or not, for the record; decisions are taken on the queue's pages."""

    list_display = ["__str__", "kind", "state", "created_at", "decided_at", "decided_by"]
    list_filter = ["state", "kind"]
    search_fields = ["actor__name", "author_name"]
    list_select_related = ["actor", "decided_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Erasure of personal data has its own command (erase_person, purge_contributions).
        return request.user.is_superuser

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return (
            redirect("admin:moderation_decide", pk=object_id)
            if object_id.isdigit()
            else redirect("admin:moderation_queue")
        )
