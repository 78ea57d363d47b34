"""Public pages of the Trophées de l'ESS: the editions, an edition's call and palmarès, the application form.

Policy: anyone reads public editions (`Edition.objects.public()`) and, once published, their
laureates (`Laureate.objects.published()`); applications, answers and scores are never shown here.
Attachments are served to staff allowed to view them and to the edition's jurors without a conflict.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from awards import services
from awards.enums import Eligibility, SubmittedVia
from awards.follow_up import laureates_follow_up
from awards.forms import ApplicationForm
from awards.models import ATTACHMENTS_DIR, Attachment, Edition, Laureate, deadline_error
from directory.contributions import rate_limited, sender_key
from directory.models import Actor


def _crumbs(*items):
    return [(_("Trophées de l'ESS"), reverse("awards:edition_list")), *items]


@require_GET
def edition_list(request):
    editions = list(Edition.objects.public().prefetch_related("categories").order_by("-year"))
    return render(
        request,
        "awards/edition_list.html",
        {
            "editions": editions,
            "has_fictional": any(edition.is_fictional for edition in editions),
            "crumbs": [(_("Trophées de l'ESS"), "")],
        },
    )


def _public_edition(year: int) -> Edition:
    return get_object_or_404(Edition.objects.public(), year=year)


@require_GET
def edition_detail(request, year):
    edition = _public_edition(year)
    laureates = []
    if edition.results_published_at:
        laureates = list(
            Laureate.objects.published()
            .filter(application__edition=edition)
            .select_related("application__category", "application__actor")
        )
    by_category = {}
    for laureate in laureates:
        by_category.setdefault(laureate.application.category_id, []).append(laureate)
    categories = list(edition.categories.all())
    for category in categories:
        category.published_laureates = by_category.get(category.pk, [])
    return render(
        request,
        "awards/edition_detail.html",
        {
            "edition": edition,
            "categories": categories,
            "criteria": list(edition.criteria.all()),
            "laureates": laureates,
            "call_open": edition.is_call_open(),
            "follow_up": laureates_follow_up(edition, laureates) if laureates else None,
            "crumbs": _crumbs((edition.title, "")),
        },
    )


def _represented(request):
    if not request.user.is_authenticated or request.user.is_staff:
        return None
    return Actor.objects.published().filter(representatives__user=request.user).order_by("name")


def _rate_limited(request) -> bool:
    key = sender_key(request)
    return rate_limited(request) or services.recent_applications(key) >= settings.CONTRIBUTION_RATE_PER_HOUR


@require_http_methods(["GET", "POST"])
def apply(request, year):
    """Apply to an open call: from a structure's account (its listings) or as anyone, with the public forms' guards."""
    edition = _public_edition(year)
    crumbs = _crumbs((edition.title, edition.get_absolute_url()), (_("Candidater"), ""))
    closed = deadline_error(edition)
    if closed:
        # The same refusal for a form shown or sent after the deadline: nothing is recorded.
        return render(
            request,
            "awards/apply_closed.html",
            {"edition": edition, "message": closed, "crumbs": crumbs},
            status=403 if request.method == "POST" else 200,
        )
    represented = _represented(request)
    if request.method == "POST":
        if _rate_limited(request):
            return render(
                request,
                "directory/contribute/rate_limited.html",
                {"limit": settings.CONTRIBUTION_RATE_PER_HOUR, "contact_email": settings.DEFAULT_FROM_EMAIL},
                status=429,
            )
        form = ApplicationForm(request.POST, request.FILES, edition=edition, represented=represented)
        if form.is_valid():
            actor = form.cleaned_data.get("actor")
            try:
                services.submit_application(
                    edition=edition,
                    category=form.cleaned_data["category"],
                    structure_name=form.cleaned_data["structure_name"] or (actor.name if actor else ""),
                    project_title=form.cleaned_data["project_title"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_email=form.cleaned_data["contact_email"],
                    answers=form.answers(),
                    files=form.files_to_attach(),
                    via=SubmittedVia.ACCOUNT if actor else SubmittedVia.PUBLIC,
                    user=request.user if actor else None,
                    actor=actor,
                    submitter_key=sender_key(request),
                )
            except PermissionDenied as exc:
                form.add_error("actor", str(exc))
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                return redirect("awards:apply_thanks", year=edition.year)
    else:
        form = ApplicationForm(edition=edition, represented=represented)
    return render(request, "awards/apply.html", {"edition": edition, "form": form, "crumbs": crumbs})


@require_GET
def apply_thanks(request, year):
    edition = _public_edition(year)
    return render(
        request,
        "awards/apply_thanks.html",
        {
            "edition": edition,
            "crumbs": _crumbs((edition.title, edition.get_absolute_url()), (_("Candidature envoyée"), "")),
        },
    )


@require_GET
def attachment_file(request, name):
    """An application's attachment: staff allowed to view attachments, or a juror of its edition without a conflict."""
    if "\x00" in name:
        raise Http404
    attachment = get_object_or_404(Attachment.objects.select_related("application"), file=f"{ATTACHMENTS_DIR}{name}")
    user = request.user
    allowed = user.is_authenticated and user.is_staff and user.has_perm("awards.view_attachment")
    if not allowed and user.is_authenticated:
        application = attachment.application
        allowed = (
            application.eligibility == Eligibility.ELIGIBLE
            and services.memberships(user)
            .filter(edition_id=application.edition_id)
            .exclude(conflicts__application=application)
            .exists()
        )
    if not allowed:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=name.rsplit("/", 1)[-1])
