"""Public pages to propose an organisation and to suggest a correction (no account needed)."""

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from directory.contributions import CorrectionForm, ProposalForm, rate_limited, sender_key
from directory.models import Actor

AUTHOR_FIELDS = ("author_name", "author_email", "message")


def _rate_limited_page(request):
    return render(
        request,
        "directory/contribute/rate_limited.html",
        {"limit": settings.CONTRIBUTION_RATE_PER_HOUR, "contact_email": settings.DEFAULT_FROM_EMAIL},
        status=429,
    )


def _form_page(request, template, form, context):
    return render(
        request,
        template,
        {
            "form": form,
            "structure_fields": form.actor_field_names,
            "author_fields": AUTHOR_FIELDS,
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def propose(request):
    crumbs = [(_("Annuaire"), reverse("directory:actor_list")), (_("Proposer une organisation"), "")]
    if request.method == "POST":
        if rate_limited(request):
            return _rate_limited_page(request)
        form = ProposalForm(request.POST)
        if form.is_valid():
            form.save(key=sender_key(request))
            return redirect("directory:propose_thanks")
    else:
        form = ProposalForm()
    return _form_page(request, "directory/contribute/proposal.html", form, {"crumbs": crumbs})


def _correctable(slug):
    return get_object_or_404(
        Actor.objects.published().select_related("commune").prefetch_related("sectors", "labels"), slug=slug
    )


@require_http_methods(["GET", "POST"])
def correct(request, slug):
    actor = _correctable(slug)
    crumbs = [
        (_("Annuaire"), reverse("directory:actor_list")),
        (actor.name, actor.get_absolute_url()),
        (_("Corriger"), ""),
    ]
    if request.method == "POST":
        if rate_limited(request):
            return _rate_limited_page(request)
        form = CorrectionForm(request.POST, actor=actor)
        if form.is_valid():
            form.save(key=sender_key(request))
            return redirect("directory:correct_thanks", slug=actor.slug)
    else:
        form = CorrectionForm(actor=actor)
    return _form_page(request, "directory/contribute/correction.html", form, {"actor": actor, "crumbs": crumbs})


def propose_thanks(request):
    return render(
        request,
        "directory/contribute/thanks.html",
        {
            "heading": _("Proposition envoyée"),
            "crumbs": [(_("Annuaire"), reverse("directory:actor_list")), (_("Proposition envoyée"), "")],
        },
    )


def correct_thanks(request, slug):
    actor = _correctable(slug)
    return render(
        request,
        "directory/contribute/thanks.html",
        {
            "heading": _("Correction envoyée"),
            "actor": actor,
            "crumbs": [
                (_("Annuaire"), reverse("directory:actor_list")),
                (actor.name, actor.get_absolute_url()),
                (_("Correction envoyée"), ""),
            ],
        },
    )
