"""Keeping listings fresh: who to remind, the one-click « toujours exactes » link, and its page.

`python manage.py remind_stale` lists the published actors not verified for some months and, with
`--send`, e-mails each of their representatives a signed link. The link opens a page that asks
for a confirmation (a POST: mail scanners follow links, and a GET changes nothing); confirming sets
the listing's last verification to today, in the history as coming from the structure's account.

A link is valid `LINK_MAX_AGE` and once: it carries the verification date it was sent for, so that
it stops working as soon as the listing is verified again.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from directory import services
from directory.history import Origin, provenance
from directory.models import Actor, Representative

LINK_SALT = "directory.freshness.still-accurate"
LINK_MAX_AGE = timedelta(days=30)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    years, month_index = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stale_actors(*, months: int, today: date | None = None):
    """Published actors never verified or last verified more than `months` months ago, with their representatives."""
    cutoff = months_before(today or timezone.localdate(), months)
    return (
        Actor.objects.published()
        .filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))
        .prefetch_related(
            Prefetch(
                "representatives",
                queryset=Representative.objects.select_related("user").order_by("user__email", "pk"),
            )
        )
        .order_by("name", "pk")
    )


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def confirmation_token(actor: Actor, user) -> str:
    """The signed token of `user`'s link for `actor`, valid until the listing is next verified."""
    verified = actor.last_verified_at.isoformat() if actor.last_verified_at else ""
    return _signer().sign_object({"actor": actor.pk, "user": user.pk, "verified": verified})


def confirmation_url(actor: Actor, user) -> str:
    path = reverse(
        "directory:actor_still_accurate", kwargs={"slug": actor.slug, "token": confirmation_token(actor, user)}
    )
    return settings.SITE_URL + path


def reminder_message(actor: Actor, representative: Representative) -> EmailMessage:
    context = {
        "actor": actor,
        "name": representative.user.get_full_name() or representative.user.get_username(),
        "confirm_url": confirmation_url(actor, representative.user),
        "actor_url": settings.SITE_URL + actor.get_absolute_url(),
        "days": LINK_MAX_AGE.days,
    }
    subject = gettext("Votre fiche « %(name)s » est-elle toujours exacte ?") % {"name": actor.name}
    body = render_to_string("directory/email/still_accurate.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [representative.user.email])


def send_reminders(actors) -> int:
    """E-mail each representative (with an address) of `actors` their link; return the number of e-mails sent."""
    messages = [
        reminder_message(actor, representative)
        for actor in actors
        for representative in actor.representatives.all()
        if representative.user.email
    ]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


@dataclass(frozen=True)
class LinkProblem:
    status: int
    title: str
    message: str


def _read_link(actor: Actor, token: str) -> Representative | LinkProblem:
    """The representative whose link for `actor` this is, or what is wrong with the link."""
    invalid = LinkProblem(
        400,
        gettext("Lien non valable"),
        gettext(
            "Ce lien n'est pas valable : il a peut-être été coupé ou modifié. Utilisez le lien complet de l'e-mail."
        ),
    )
    try:
        payload = _signer().unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        return LinkProblem(
            410,
            gettext("Lien expiré"),
            gettext("Ce lien a expiré (il valait %(days)d jours). L'équipe vous en enverra un nouveau.")
            % {"days": LINK_MAX_AGE.days},
        )
    except (signing.BadSignature, ValueError, UnicodeError):
        return invalid
    if not isinstance(payload, dict) or payload.get("actor") != actor.pk:
        return invalid
    representative = (
        Representative.objects.filter(actor=actor, user_id=payload.get("user")).select_related("user").first()
    )
    if representative is None or not representative.user.is_active:
        return LinkProblem(
            410,
            gettext("Lien plus valable"),
            gettext("Ce compte ne représente plus cette structure : le lien ne vaut plus."),
        )
    verified = actor.last_verified_at.isoformat() if actor.last_verified_at else ""
    if payload.get("verified") != verified:
        if actor.last_verified_at is None:
            return LinkProblem(410, gettext("Lien plus valable"), gettext("Ce lien ne vaut plus pour cette fiche."))
        return LinkProblem(
            410,
            gettext("Lien déjà utilisé"),
            gettext("La fiche a été vérifiée le %(day)s, depuis l'envoi de ce lien : il n'y a plus rien à faire.")
            % {"day": actor.last_verified_at.strftime("%d/%m/%Y")},
        )
    return representative


@require_http_methods(["GET", "POST"])
def still_accurate(request, slug: str, token: str):
    """« Ces informations sont toujours exactes »: GET shows the listing and a button; POST records the check."""
    # A listing that is not (or no longer) published is a page that does not exist, like any other.
    actor = Actor.objects.published().select_related("commune").filter(slug=slug).first()
    if actor is None:
        raise Http404
    found = _read_link(actor, token)
    if isinstance(found, LinkProblem):
        context = {"problem": found, "actor": None, "done": False, "crumbs": [(found.title, "")]}
        return render(request, "directory/actor_still_accurate.html", context, status=found.status)
    representative = found
    done = request.method == "POST"
    if done:
        with provenance(Origin.ACCOUNT, detail=representative.user.get_username()):
            services.mark_actors_verified(
                actors=[actor],
                user=representative.user,
                reason=gettext("Informations confirmées par la structure"),
            )
    crumbs = [
        (gettext("Annuaire"), reverse("directory:actor_list")),
        (actor.name, actor.get_absolute_url()),
        (gettext("Informations toujours exactes"), ""),
    ]
    context = {
        "problem": None,
        "actor": actor,
        "done": done,
        "crumbs": crumbs,
        "contact_email": settings.DEFAULT_FROM_EMAIL,
    }
    return render(request, "directory/actor_still_accurate.html", context)
