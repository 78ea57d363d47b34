"""Claiming a listing, and what a structure's own account may change on it.

A person proves that they represent an actor (`Claim.Method`):

- **by a link** sent to the actor's *public* e-mail (never to the address the person typed): the
  e-mail says who asked; the link works once, for `CLAIM_LINK_HOURS`; only a hash of its secret is
  kept. Whoever reads the structure's mailbox vouches for the person;
- **by a request** that a moderator approves or rejects, with a reason sent to the person.

Either way the person gets a non-staff account (username: the e-mail in lower case; no password
until they set one from the link e-mailed to them, which is what proves the address is theirs) and
a `Representative` link to the actor. Signed in, they change its public information at once
(`update_listing`, history origin « compte de la structure »), while the name, SIRET, RNA, legal
form and publication state go to the moderators (`moderation.OWNER_MODERATED_FIELDS`).

Only published actors that were not merged into another may be claimed. Messages never say whether
an e-mail has an account.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from directory import moderation, services, versions
from directory.history import Origin, provenance
from directory.models import Actor, ChangeRequest, Claim, Representative

logger = logging.getLogger(__name__)

# What a structure's account changes at once; the rest of what it may change waits for a moderator.
OWNER_DIRECT_FIELDS = (
    "short_description",
    "description",
    "offer",
    "sectors",
    "website",
    "email",
    "phone",
    "address",
    "postal_code",
    "commune",
    "opening_hours",
    "founded_year",
    "employees",
    "volunteers",
)
OWNER_MODERATED_FIELDS = moderation.OWNER_MODERATED_FIELDS
# A structure's mailbox receives at most this many claim links waiting for an answer at a time.
PENDING_LINKS_PER_ACTOR = 3
# Usernames are e-mail addresses: Django's username holds 150 characters.
EMAIL_MAX_LENGTH = 150
MODERATE_PERMISSION = "directory.moderate_changerequest"


class ClaimError(ValidationError):
    """A claim that cannot go on, with the French sentence saying why (`code` names the case)."""


INVALID_LINK = _(
    "Ce lien de confirmation n'est pas valable : vérifiez qu'il a été copié en entier depuis l'e-mail, "
    "ou faites une nouvelle demande depuis la fiche."
)
USED_LINK = _(
    "Ce lien de confirmation a déjà servi : la demande est confirmée. La personne qui l'a faite a reçu "
    "par e-mail un lien pour définir son mot de passe."
)
EXPIRED_LINK = _(
    "Ce lien de confirmation a expiré (il est valable %(hours)s heures). Faites une nouvelle demande "
    "depuis la fiche de la structure."
)
CLOSED_CLAIM = _("Cette demande n'est plus en cours : faites-en une nouvelle depuis la fiche de la structure.")
NOT_CLAIMABLE = _("Cette fiche n'est pas publiée dans l'annuaire : elle ne peut pas être revendiquée.")


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# Compared against when no claim matches, so that an unknown claim costs the same time as a wrong secret.
_NO_HASH = _hash_secret(secrets.token_urlsafe(32))


def mask_email(address: str) -> str:
    """An address as the claim page shows it: « contact@exemple.org » → « c•••@exemple.org »."""
    local, _at, domain = (address or "").partition("@")
    if not domain:
        return "•••"
    return f"{local[:1]}•••@{domain}"


def is_claimable(actor: Actor) -> bool:
    """Only a published actor that was not merged into another may be claimed."""
    return actor.is_published and not actor.merged_into_id


def represented_actors(user) -> QuerySet:
    """The actors a signed-in structure account represents (none for staff, who use the admin)."""
    if not user.is_authenticated or user.is_staff or user.is_superuser:
        return Actor.objects.none()
    return Actor.objects.filter(representatives__user=user, merged_into__isnull=True)


def _require_representative(user, actor: Actor) -> None:
    if not represented_actors(user).filter(pk=actor.pk).exists():
        raise PermissionDenied(gettext("Ce compte ne représente pas cette structure."))


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirmation_path(claim: Claim, secret: str) -> str:
    return reverse("directory:claim_confirm", kwargs={"claim_id": claim.pk, "secret": secret})


def password_path(user: User) -> str:
    """The « définir votre mot de passe » page of `user` (Django's reset token: one use, PASSWORD_RESET_TIMEOUT)."""
    return reverse(
        "directory:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _mail(subject: str, lines: list[str], address: str) -> None:
    # A subject is one line: a name typed with a line break must not make the header invalid.
    send_mail(" ".join(subject.split()), "\n".join(lines), None, [address], fail_silently=True)


# ---------------------------------------------------------------------------
# Asking


@transaction.atomic
def request_claim(
    *,
    actor: Actor,
    name: str,
    email: str,
    method: str,
    job_title: str = "",
    message: str = "",
    key: str = "",
) -> Claim:
    """Record a claim; by link, e-mail the link to the actor's public address (not to `email`).

    Refused (`ClaimError`) for an actor that may not be claimed, a link asked for an actor without
    public e-mail, a second pending claim of the same address for the same actor, or too many
    links waiting in the structure's mailbox.
    """
    actor = Actor.objects.select_for_update().get(pk=actor.pk)  # one claim at a time per actor
    if not is_claimable(actor):
        raise ClaimError(NOT_CLAIMABLE, code="not_claimable")
    email = (email or "").strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise ClaimError(
            {"email": _("L'adresse compte au plus %(max)s caractères.") % {"max": EMAIL_MAX_LENGTH}}, code="email"
        )
    if method == Claim.Method.EMAIL_LINK and not actor.email:
        raise ClaimError(
            {"method": _("Cette fiche n'a pas d'e-mail public : choisissez la demande examinée par l'équipe.")},
            code="no_public_email",
        )
    now = timezone.now()
    pending = Claim.objects.filter(actor=actor, state=Claim.State.PENDING)
    # Links past their time are expired now, so that they no longer count as pending.
    pending.filter(method=Claim.Method.EMAIL_LINK, expires_at__lte=now).update(state=Claim.State.EXPIRED)
    if pending.filter(email__iexact=email).exists():
        raise ClaimError(
            _(
                "Une demande faite avec cette adresse pour cette structure est déjà en cours : attendez la réponse "
                "(ou que son lien expire) avant d'en faire une autre."
            ),
            code="duplicate",
        )
    if (
        method == Claim.Method.EMAIL_LINK
        and pending.filter(method=Claim.Method.EMAIL_LINK).count() >= PENDING_LINKS_PER_ACTOR
    ):
        raise ClaimError(
            {
                "method": _(
                    "Plusieurs liens attendent déjà une réponse dans la boîte de cette structure : choisissez la "
                    "demande examinée par l'équipe, ou réessayez plus tard."
                )
            },
            code="too_many_links",
        )
    claim = Claim(
        actor=actor,
        method=method,
        name=(name or "").strip(),
        email=email,
        job_title=(job_title or "").strip(),
        message=(message or "").strip(),
        submitter_key=key,
    )
    secret = ""
    if method == Claim.Method.EMAIL_LINK:
        secret = secrets.token_urlsafe(32)
        claim.secret_hash = _hash_secret(secret)
        claim.expires_at = now + timedelta(hours=settings.CLAIM_LINK_HOURS)
    claim.full_clean()
    claim.save()
    logger.info("claim %s of actor %s recorded (%s)", claim.pk, actor.pk, method)
    if secret:
        transaction.on_commit(lambda: _send_link(claim, secret))
    return claim


def _send_link(claim: Claim, secret: str) -> None:
    actor = claim.actor
    who = claim.name + (f", {claim.job_title}" if claim.job_title else "")
    expires = timezone.localtime(claim.expires_at)
    lines = [
        gettext("Bonjour,"),
        "",
        gettext(
            "%(who)s (%(email)s) demande à représenter « %(actor)s » dans l'annuaire de l'économie sociale et "
            "solidaire d'Est Ensemble, pour en tenir à jour les informations publiques."
        )
        % {"who": who, "email": claim.email, "actor": actor.name},
        gettext("Nous vous écrivons parce que cette adresse est l'e-mail public de la fiche."),
        "",
        gettext(
            "Si cette personne fait bien partie de votre structure, ouvrez ce lien et confirmez sa demande "
            "(le lien sert une seule fois, jusqu'au %(date)s à %(time)s) :"
        )
        % {"date": expires.strftime("%d/%m/%Y"), "time": expires.strftime("%H:%M")},
        _site_url(confirmation_path(claim, secret)),
        "",
        gettext("Si vous ne la connaissez pas, ignorez ce message : rien ne changera sur la fiche."),
        "",
        gettext("L'équipe ESS d'Est Ensemble"),
    ]
    subject = gettext("Demande pour représenter « %(actor)s » dans l'annuaire de l'ESS") % {"actor": actor.name}
    _mail(subject, lines, actor.email)


# ---------------------------------------------------------------------------
# Proving by the link


def _checked_link(claims: QuerySet, claim_id: int, secret: str) -> Claim:
    claim = claims.select_related("actor").filter(pk=claim_id, method=Claim.Method.EMAIL_LINK).first()
    expected = claim.secret_hash if claim is not None and claim.secret_hash else _NO_HASH
    # Constant-time comparison; a wrong secret and an unknown claim are told apart by no one.
    if not hmac.compare_digest(_hash_secret(secret), expected) or claim is None or not claim.secret_hash:
        raise ClaimError(INVALID_LINK, code="invalid")
    if claim.used_at is not None or claim.state == Claim.State.APPROVED:
        raise ClaimError(USED_LINK, code="used")
    if claim.state == Claim.State.EXPIRED or (claim.expires_at is not None and claim.expires_at <= timezone.now()):
        raise ClaimError(EXPIRED_LINK % {"hours": settings.CLAIM_LINK_HOURS}, code="expired")
    if claim.state != Claim.State.PENDING:
        raise ClaimError(CLOSED_CLAIM, code="closed")
    if not is_claimable(claim.actor):
        raise ClaimError(NOT_CLAIMABLE, code="not_claimable")
    return claim


def inspect_link(*, claim_id: int, secret: str) -> Claim:
    """The claim a link confirms, if it may still be confirmed (`ClaimError` otherwise). Writes nothing."""
    return _checked_link(Claim.objects.all(), claim_id, secret)


@dataclass(frozen=True)
class Grant:
    """What an accepted claim gave: the claim, the account, and whether the account is new."""

    claim: Claim
    user: User
    created: bool


def confirm_link(*, claim_id: int, secret: str) -> Grant:
    """Confirm a claim by its link: once, before it expires (an expired claim is marked so)."""
    with transaction.atomic():
        try:
            claim = _checked_link(Claim.objects.select_for_update(), claim_id, secret)
        except ClaimError as exc:
            if exc.code != "expired":
                raise
            refusal = exc
            Claim.objects.filter(pk=claim_id, state=Claim.State.PENDING).update(state=Claim.State.EXPIRED)
        else:
            claim.used_at = timezone.now()
            return _grant(claim, moderator=None)
    # The expiry is recorded (the block above committed) and the person told.
    raise refusal


# ---------------------------------------------------------------------------
# Proving by a moderator's review


def _locked_review(claim: Claim, moderator) -> Claim:
    if moderator is None or not moderator.has_perm(MODERATE_PERMISSION):
        raise PermissionDenied(gettext("Seuls les modérateurs décident des revendications."))
    locked = Claim.objects.select_for_update().select_related("actor").get(pk=claim.pk)
    if locked.method != Claim.Method.REVIEW:
        raise ClaimError(_("Cette demande se confirme par le lien envoyé à la structure, pas par l'équipe."))
    if locked.state != Claim.State.PENDING:
        raise ClaimError(
            _("Cette demande a déjà été traitée (%(state)s).") % {"state": locked.get_state_display()},
            code="decided",
        )
    return locked


@transaction.atomic
def approve_claim(claim: Claim, *, moderator, reason: str = "") -> Grant:
    """Accept a claim by review: the account, the representative link, and the e-mail to set a password."""
    claim = _locked_review(claim, moderator)
    claim.decision_reason = (reason or "").strip()
    if not is_claimable(claim.actor):
        raise ClaimError(NOT_CLAIMABLE, code="not_claimable")
    return _grant(claim, moderator=moderator)


@transaction.atomic
def reject_claim(claim: Claim, *, moderator, reason: str) -> Claim:
    """Refuse a claim by review; the reason is kept with the claim and sent to the person."""
    claim = _locked_review(claim, moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError({"reason": _("Donnez le motif du refus : il est envoyé à la personne.")}, code="reason")
    claim.state = Claim.State.REJECTED
    claim.decided_at = timezone.now()
    claim.decided_by = moderator
    claim.decision_reason = reason
    claim.full_clean()
    claim.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
    logger.info("claim %s rejected by %s", claim.pk, moderator.pk)
    transaction.on_commit(lambda: _send_rejection(claim))
    return claim


# ---------------------------------------------------------------------------
# What an accepted claim gives


def _grant(claim: Claim, *, moderator) -> Grant:
    username = claim.email.strip().lower()
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if created:
        user = User.objects.create_user(username=username, email=username, first_name=claim.name[:150])
    elif user.is_staff or user.is_superuser or not user.is_active:
        # Staff accounts use the admin; a deactivated account stays so. The team settles it by hand.
        raise ClaimError(
            _("Cette demande ne peut pas aboutir automatiquement : écrivez à l'équipe ESS pour la régler."),
            code="account_unavailable",
        )
    Representative.objects.get_or_create(user=user, actor=claim.actor, defaults={"claim": claim})
    claim.state = Claim.State.APPROVED
    claim.user = user
    claim.decided_at = timezone.now()
    claim.decided_by = moderator
    claim.save(update_fields=["state", "user", "decided_at", "decided_by", "decision_reason", "used_at"])
    logger.info("claim %s approved: user %s represents actor %s", claim.pk, user.pk, claim.actor_id)
    transaction.on_commit(lambda: _send_access(claim, user))
    return Grant(claim=claim, user=user, created=created)


def _send_access(claim: Claim, user: User) -> None:
    actor = claim.actor
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    how = (
        gettext("Votre demande a été confirmée depuis l'e-mail public de la structure.")
        if claim.method == Claim.Method.EMAIL_LINK
        else gettext("L'équipe ESS a accepté votre demande.")
    )
    lines = [
        gettext("Bonjour %(name)s,") % {"name": claim.name},
        "",
        gettext("Vous représentez désormais « %(actor)s » dans l'annuaire de l'ESS d'Est Ensemble.")
        % {"actor": actor.name},
        how,
        "",
    ]
    if user.has_usable_password():
        lines += [
            gettext("Connectez-vous avec votre mot de passe habituel :"),
            _site_url(reverse("directory:account_login")),
            gettext("Mot de passe oublié ? Définissez-en un nouveau avec ce lien (valable %(days)s jours) :")
            % {"days": days},
        ]
    else:
        lines.append(
            ngettext(
                "Définissez votre mot de passe avec ce lien (valable %(days)s jour, une seule fois) :",
                "Définissez votre mot de passe avec ce lien (valable %(days)s jours, une seule fois) :",
                days,
            )
            % {"days": days}
        )
    lines += [
        _site_url(password_path(user)),
        "",
        gettext("Votre identifiant est votre adresse e-mail : %(email)s.") % {"email": user.get_username()},
        gettext("Vous modifierez ensuite la fiche ici : %(url)s")
        % {"url": _site_url(reverse("directory:account_actor", args=[actor.slug]))},
        "",
        gettext("L'équipe ESS d'Est Ensemble"),
    ]
    subject = gettext("Vous représentez « %(actor)s » : définissez votre mot de passe") % {"actor": actor.name}
    _mail(subject, lines, claim.email)


def _send_rejection(claim: Claim) -> None:
    lines = [
        gettext("Bonjour %(name)s,") % {"name": claim.name},
        "",
        gettext("Votre demande pour représenter « %(actor)s » dans l'annuaire de l'ESS n'a pas été acceptée.")
        % {"actor": claim.actor.name},
        "",
        gettext("Motif : %(reason)s") % {"reason": claim.decision_reason},
        "",
        gettext("Vous pouvez répondre à ce message pour en parler avec l'équipe."),
        gettext("L'équipe ESS d'Est Ensemble"),
    ]
    subject = gettext("Votre demande pour représenter « %(actor)s »") % {"actor": claim.actor.name}
    _mail(subject, lines, claim.email)


# ---------------------------------------------------------------------------
# A structure's account at work


@dataclass(frozen=True)
class ListingUpdate:
    """What `update_listing` did: the fields changed at once, and the request left for the moderators."""

    changed: list[str] = field(default_factory=list)
    request: ChangeRequest | None = None


def _differs(actor: Actor, name: str, value) -> bool:
    if name == "sectors":
        return {sector.pk for sector in value} != set(actor.sectors.values_list("pk", flat=True))
    if name == "commune":
        return (value.pk if value else None) != actor.commune_id
    current = getattr(actor, name)
    if value in ("", None) and current in ("", None):
        return False
    return current != value


@transaction.atomic
def update_listing(
    *,
    actor: Actor,
    user: User,
    values: dict,
    moderated: dict | None = None,
    version: int | None,
    message: str = "",
) -> ListingUpdate:
    """A structure's account edits its listing.

    `values` (fields of `OWNER_DIRECT_FIELDS`, as Python values: sectors, a commune or None, numbers)
    apply at once after `Actor.full_clean()`, with a historical record naming the user and the origin
    « compte de la structure ». `moderated` (fields of `OWNER_MODERATED_FIELDS`, as change requests
    store them) becomes one change request for the moderators, for what differs from the record.
    `version` is the record's version when the form was opened: a record changed since is refused
    (`versions.StaleEdit`), and nothing is written.
    """
    _require_representative(user, actor)
    unknown = set(values) - set(OWNER_DIRECT_FIELDS) | set(moderated or {}) - set(OWNER_MODERATED_FIELDS)
    if unknown:
        raise ValueError(f"not editable by a structure's account: {sorted(unknown)}")
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    versions.check_version(actor, version)
    changed = [name for name, value in values.items() if _differs(actor, name, value)]
    if changed:
        for name in changed:
            if name == "commune":
                actor.commune = values[name]
            elif name != "sectors":
                model_field = Actor._meta.get_field(name)
                value = values[name]
                setattr(actor, name, None if value in ("", None) and model_field.null else value)
        actor.full_clean()
        with provenance(Origin.ACCOUNT, detail=user.get_username()):
            actor._history_user = user
            actor._change_reason = gettext("Modification par la structure")
            actor.save()
            if "sectors" in changed:
                actor.sectors.set(values["sectors"])
    request = None
    proposed = {name: value for name, value in (moderated or {}).items() if moderation.represent(actor, name) != value}
    if proposed:
        request = moderation.submit(
            kind=ChangeRequest.Kind.ACCOUNT,
            actor=actor,
            changes=proposed,
            message=message,
            author_name=user.get_full_name(),
            author_email=user.email,
            user=user,
        )
    return ListingUpdate(changed=changed, request=request)


@transaction.atomic
def confirm_accurate(*, actor: Actor, user: User) -> Actor:
    """« Informations toujours exactes »: the representative vouches for the listing today."""
    _require_representative(user, actor)
    with provenance(Origin.ACCOUNT, detail=user.get_username()):
        (verified,) = services.mark_actors_verified(actors=[actor], user=user)
    return verified


def pending_requests(actor: Actor) -> QuerySet:
    """The structure accounts' change requests of `actor` still waiting for a moderator."""
    return ChangeRequest.objects.filter(
        actor=actor, kind=ChangeRequest.Kind.ACCOUNT, state=ChangeRequest.State.PENDING
    ).order_by("created_at", "pk")
