"""Public pages of claims and of the structures' accounts.

The claim page and its confirmation link need no account; the account pages (`/compte/…`) are for
signed-in accounts that represent structures. Staff accounts use the admin: they are sent there,
and the account login refuses them (the admin's login asks for their second factor). The rules
live in `directory.claims`; these views only show them.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory import claims, moderation, versions
from directory.account_forms import (
    AccountAuthenticationForm,
    AccountPasswordResetForm,
    ClaimForm,
    ListingForm,
)
from directory.contributions import rate_limited, sender_key
from directory.models import Actor, Claim

# -- Claiming a listing


def _claimable_actor(slug: str) -> Actor:
    return get_object_or_404(Actor.objects.published().filter(merged_into__isnull=True), slug=slug)


def _claim_crumbs(actor: Actor) -> list:
    return [
        (_("Annuaire"), reverse("directory:actor_list")),
        (actor.name, actor.get_absolute_url()),
        (_("Revendiquer la fiche"), ""),
    ]


@require_http_methods(["GET", "POST"])
def actor_claim(request, slug):
    actor = _claimable_actor(slug)
    if request.method == "POST":
        if rate_limited(request):
            return render(
                request,
                "directory/claim_rate_limited.html",
                {"actor": actor, "crumbs": _claim_crumbs(actor)},
                status=429,
            )
        form = ClaimForm(request.POST, actor=actor)
        if form.is_valid():
            try:
                claim = claims.request_claim(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    job_title=form.cleaned_data["job_title"],
                    message=form.cleaned_data["message"],
                    method=form.cleaned_data["method"],
                    key=sender_key(request),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect(reverse("directory:claim_sent", args=[actor.slug]) + f"?preuve={claim.method}")
    else:
        form = ClaimForm(actor=actor)
    represents = claims.represented_actors(request.user).filter(pk=actor.pk).exists()
    return render(
        request,
        "directory/claim_form.html",
        {
            "actor": actor,
            "form": form,
            "masked_email": claims.mask_email(actor.email) if actor.email else "",
            "link_hours": settings.CLAIM_LINK_HOURS,
            "represents": represents,
            "crumbs": _claim_crumbs(actor),
        },
    )


@require_GET
def claim_sent(request, slug):
    actor = _claimable_actor(slug)
    by_link = request.GET.get("preuve") == Claim.Method.EMAIL_LINK and bool(actor.email)
    return render(
        request,
        "directory/claim_sent.html",
        {
            "actor": actor,
            "by_link": by_link,
            "masked_email": claims.mask_email(actor.email) if actor.email else "",
            "link_hours": settings.CLAIM_LINK_HOURS,
            "crumbs": _claim_crumbs(actor),
        },
    )


# An unknown or altered link is not found; a used or expired one, or one of a listing withdrawn since, is gone.
LINK_ERROR_STATUS = {"invalid": 404, "used": 410, "expired": 410, "closed": 410, "not_claimable": 410}


@require_http_methods(["GET", "POST"])
def claim_confirm(request, claim_id, secret):
    """The link e-mailed to the structure: GET shows a button (mail scanners follow links), POST confirms."""
    try:
        if request.method == "POST":
            grant = claims.confirm_link(claim_id=claim_id, secret=secret)
        else:
            claim = claims.inspect_link(claim_id=claim_id, secret=secret)
    except claims.ClaimError as exc:
        return render(
            request,
            "directory/claim_confirm.html",
            {"error": " ".join(exc.messages), "claim": None},
            status=LINK_ERROR_STATUS.get(exc.code, 409),
        )
    if request.method == "POST":
        messages.success(
            request,
            _("Merci : la demande de %(name)s pour représenter « %(actor)s » est confirmée.")
            % {"name": grant.claim.name, "actor": grant.claim.actor.name},
        )
        # The password is set from the link sent to the person's own address, which proves it is theirs.
        return redirect("directory:password_reset_done")
    return render(request, "directory/claim_confirm.html", {"claim": claim, "error": ""})


# -- Signing in and passwords


class LoginView(auth_views.LoginView):
    form_class = AccountAuthenticationForm
    template_name = "directory/account/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("directory:account_home")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("directory:account_login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Vous êtes déconnecté·e."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = AccountPasswordResetForm
    template_name = "directory/account/password_reset_form.html"
    email_template_name = "directory/account/password_reset_email.txt"
    subject_template_name = "directory/account/password_reset_subject.txt"
    success_url = reverse_lazy("directory:password_reset_done")

    def form_valid(self, form):
        # Links in e-mails point at the public address of the site, not at the request's host.
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "directory/account/password_reset_done.html"


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """« Définir votre mot de passe »: from a link e-mailed to the account; signs the account in."""

    template_name = "directory/account/password_set.html"
    success_url = reverse_lazy("directory:account_home")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Staff passwords are not set from a public page.
        if user is not None and (user.is_staff or user.is_superuser):
            return None
        return user

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Votre mot de passe est enregistré : vous êtes connecté·e."))
        return response

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)


# -- The account's pages

MAX_NEXT_LENGTH = 2000


def account_required(view):
    """Signed-in structure accounts only: anonymous visitors sign in first, staff go to the admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            back = request.get_full_path()
            # Back to the page after signing in, unless its address is too long to carry (a forged one).
            if len(back) > MAX_NEXT_LENGTH:
                back = reverse("directory:account_home")
            return redirect_to_login(back, reverse("directory:account_login"))
        if user.is_staff or user.is_superuser:
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@account_required
def account_home(request):
    actors = list(claims.represented_actors(request.user).select_related("commune").order_by("name", "pk"))
    return render(
        request,
        "directory/account/home.html",
        {"actors": actors, "crumbs": [(_("Votre compte"), "")]},
    )


def _saved_message(request, result: claims.ListingUpdate) -> None:
    if result.changed:
        labels = ", ".join(moderation.field_label(name) for name in result.changed)
        messages.success(request, _("Modifications publiées : %(fields)s.") % {"fields": labels})
    if result.request is not None:
        labels = ", ".join(moderation.field_label(name) for name in result.request.changes)
        messages.info(
            request,
            _("Envoyé à l'équipe ESS, en attente de validation : %(fields)s.") % {"fields": labels},
        )
    if not result.changed and result.request is None:
        messages.info(request, _("Rien n'a changé : la fiche est telle que vous l'avez laissée."))


@require_http_methods(["GET", "POST"])
@account_required
def account_actor(request, slug):
    actor = get_object_or_404(claims.represented_actors(request.user).select_related("commune"), slug=slug)
    url = reverse("directory:account_actor", args=[actor.slug])
    if request.method == "POST" and "confirm_accurate" in request.POST:
        claims.confirm_accurate(actor=actor, user=request.user)
        messages.success(request, _("Merci : la fiche est marquée comme vérifiée aujourd'hui."))
        return redirect(url)
    form = ListingForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            result = claims.update_listing(
                actor=actor,
                user=request.user,
                values=form.direct_values(),
                moderated=form.moderated_changes(),
                version=form.sent_version(),
                message=form.cleaned_data["message"],
            )
        except versions.StaleEdit as exc:
            form.refuse_stale(exc)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            _saved_message(request, result)
            return redirect(url)
    pending = []
    for change in claims.pending_requests(actor):
        change.actor = actor  # already loaded: the differences read it
        pending.append({"request": change, "rows": moderation.differences(change)})
    return render(
        request,
        "directory/account/actor_form.html",
        {
            "actor": actor,
            "form": form,
            "direct_fields": [form[name] for name in form.direct_fields],
            "moderated_fields": [form[name] for name in form.moderated_fields],
            "pending": pending,
            "crumbs": [(_("Votre compte"), reverse("directory:account_home")), (actor.name, "")],
        },
    )
