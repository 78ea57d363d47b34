"""Writes of the directory that touch several rows or have side effects.

Each function is keyword-only, runs in a transaction, and is what the admin, the API,
commands and importers call.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.history import delete_with_history, deletion_batch
from directory.models import Actor, ApiToken, Deal, PublicationStatus, SupportOffer

TOKEN_PREFIX = "ess"


def _hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    organisation: Actor,
    name: str,
    scopes: list[str],
    created_by: User | None = None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """Create a token for a partner organisation; return it with the secret, shown only once.

    The secret reads `ess_<prefix>_<random>`; only its SHA-256 is stored.
    """
    validate_token_expiry(expires_at)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organisation=organisation,
        name=name,
        scopes=sorted(set(scopes)),
        created_by=created_by,
        expires_at=expires_at,
        prefix=prefix,
        key_hash=_hash_secret(raw),
    )
    token.full_clean()
    token.save()
    return token, raw


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The active token matching a secret, or None. Records when it was last used."""
    if not raw or not raw.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token = ApiToken.objects.active().select_related("organisation").filter(key_hash=_hash_secret(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    # Avoid a write per request: a minute's precision is enough to see that a token is in use.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; it stays listed (with its revocation date) for the record."""
    if token.revoked_at is not None:
        raise ValidationError(_("Ce jeton est déjà révoqué."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


# ---------------------------------------------------------------------------
# Who may publish: the one rule of the admin's actions, forms and history revert

# What an editor may give a record: a proposal. Publishing and archiving (what the public sees or
# stops seeing) need the model's `publish_<model>` permission: « Modérateurs » and superusers.
PROPOSAL_STATUSES = frozenset({PublicationStatus.DRAFT, PublicationStatus.PENDING})


def can_publish(user, model: type[models.Model]) -> bool:
    """Whether `user` may publish or archive records of `model` (`Actor` or `SupportOffer`)."""
    opts = model._meta
    return bool(user and user.is_active and user.has_perm(f"{opts.app_label}.publish_{opts.model_name}"))


def allowed_statuses(*, user, model: type[models.Model], current: str | None) -> list[str]:
    """The publication states `user` may give a record of `model` whose stored state is `current`.

    Without the publish permission: draft, « à valider », or the state it already has (an editor may
    correct a published record without withdrawing it, never publish or archive one).
    """
    if can_publish(user, model):
        return list(PublicationStatus.values)
    return [value for value in PublicationStatus.values if value in PROPOSAL_STATUSES or value == current]


def check_status_change(*, user, model: type[models.Model], current: str | None, new: str) -> None:
    """Refuse, with a French message, a publication state that `user` may not give (see `allowed_statuses`)."""
    if new not in allowed_statuses(user=user, model=model, current=current):
        raise ValidationError(
            _(
                "Seuls les modérateurs publient ou archivent une fiche : choisissez « brouillon » ou "
                "« à valider », un modérateur la publiera."
            ),
            code="publish_permission",
        )


def _require_publish_permission(user: User | None, model: type[models.Model]) -> None:
    # No user: a command or an import, trusted as the code that calls it.
    if user is not None and not can_publish(user, model):
        raise PermissionDenied(gettext("Seuls les modérateurs publient ou archivent une fiche."))


# ---------------------------------------------------------------------------
# Bulk changes of actors (admin actions, API, commands)


@dataclass(frozen=True)
class PublicationResult:
    """What `publish_actors` did: published now, already published, and refused with the reasons."""

    published: list[Actor] = field(default_factory=list)
    unchanged: list[Actor] = field(default_factory=list)
    refused: list[tuple[Actor, list[str]]] = field(default_factory=list)


def _locked_actors(actors: Iterable[Actor] | QuerySet) -> list[Actor]:
    """The given actors fresh from the database, locked until the transaction ends, in a stable order.

    Re-read without the caller's joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    """
    if isinstance(actors, QuerySet):
        pks = list(actors.order_by().values_list("pk", flat=True))
    else:
        pks = [actor.pk for actor in actors]
    return list(Actor.objects.select_for_update().filter(pk__in=pks).order_by("name", "pk"))


def _save_with_history(actor: Actor, *, fields: list[str], user: User | None, reason: str) -> None:
    # One save per actor (not a bulk update) so that each change gets its historical record.
    if user is not None:  # otherwise simple_history takes the user of the current request, if any
        actor._history_user = user
    actor._change_reason = reason
    actor.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def publish_actors(*, actors: Iterable[Actor] | QuerySet, user: User | None = None) -> PublicationResult:
    """Publish the actors that meet the publication rule (`Actor.publication_problems`).

    The others are left as they are and returned with the reasons, so that the caller can tell
    the user which ones could not be published and why.
    """
    _require_publish_permission(user, Actor)
    result = PublicationResult()
    for actor in _locked_actors(actors):
        if actor.status == PublicationStatus.PUBLISHED:
            result.unchanged.append(actor)
            continue
        problems = actor.publication_problems()
        if problems:
            result.refused.append((actor, [str(problem) for problem in problems]))
            continue
        actor.status = PublicationStatus.PUBLISHED
        _save_with_history(actor, fields=["status"], user=user, reason=gettext("Publication"))
        result.published.append(actor)
    return result


def _set_status(*, actors, status: str, user: User | None, reason: str) -> list[Actor]:
    changed = []
    for actor in _locked_actors(actors):
        if actor.status == status:
            continue
        actor.status = status
        _save_with_history(actor, fields=["status"], user=user, reason=reason)
        changed.append(actor)
    return changed


@transaction.atomic
def submit_actors_for_review(*, actors: Iterable[Actor] | QuerySet, user: User | None = None) -> list[Actor]:
    """Move actors to « à valider » (withdrawing them from the public if they were published).

    Returns the actors whose state changed.
    """
    return _set_status(actors=actors, status=PublicationStatus.PENDING, user=user, reason=gettext("Mise à valider"))


@transaction.atomic
def archive_actors(*, actors: Iterable[Actor] | QuerySet, user: User | None = None) -> list[Actor]:
    """Archive actors: hidden from the public, kept with their history, offers and cooperations.

    Archiving is how the directory forgets an actor; deleting is kept for mistakes (`delete_actors`).
    Needs the publish permission. Returns the actors whose state changed.
    """
    _require_publish_permission(user, Actor)
    return _set_status(actors=actors, status=PublicationStatus.ARCHIVED, user=user, reason=gettext("Archivage"))


@transaction.atomic
def mark_actors_verified(
    *,
    actors: Iterable[Actor] | QuerySet,
    user: User | None = None,
    on: date | None = None,
    reason: str | None = None,
) -> list[Actor]:
    """Record that the actors' details were checked on `on` (today by default). Returns them.

    `reason` is the history's (« Vérification » by default).
    """
    verified_on = on or timezone.localdate()
    if verified_on > timezone.localdate():
        raise ValidationError(_("La date de vérification ne peut pas être dans le futur."))
    locked = _locked_actors(actors)
    for actor in locked:
        actor.last_verified_at = verified_on
        _save_with_history(actor, fields=["last_verified_at"], user=user, reason=reason or gettext("Vérification"))
    return locked


@transaction.atomic
def archive_offers(*, offers: Iterable[SupportOffer] | QuerySet, user: User | None = None) -> list[SupportOffer]:
    """Archive support offers: hidden from the public, kept with their history. Needs the publish permission.

    Returns the offers whose state changed.
    """
    _require_publish_permission(user, SupportOffer)
    pks = [offer.pk for offer in offers] if not isinstance(offers, QuerySet) else offers.order_by().values("pk")
    changed = []
    for offer in SupportOffer.objects.select_for_update().filter(pk__in=pks).order_by("title", "pk"):
        if offer.status == PublicationStatus.ARCHIVED:
            continue
        offer.status = PublicationStatus.ARCHIVED
        if user is not None:
            offer._history_user = user
        offer._change_reason = gettext("Archivage")
        offer.save(update_fields=["status", "updated_at"])
        changed.append(offer)
    return changed


# ---------------------------------------------------------------------------
# Deletion, for mistakes only: superusers, one batch per record so that it can be restored


def _delete_in_batches(records: Iterable[models.Model], *, user: User | None) -> list:
    if user is not None and not user.is_superuser:
        raise PermissionDenied(gettext("Seul un superutilisateur supprime une fiche ; archivez-la plutôt."))
    batches = []
    for record in records:
        # The record and what cascades with it (an actor's contacts) share one batch.
        with deletion_batch() as batch:
            if user is not None:
                record._history_user = user
            delete_with_history(record)
        batches.append(batch)
    return batches


@transaction.atomic
def delete_actors(*, actors: Iterable[Actor] | QuerySet, user: User | None = None) -> list:
    """Delete actors with their contacts; return one deletion batch id per actor (see `restore_batch`).

    Offers, cooperations, API tokens and initiatives protect an actor: it is not deleted while they
    exist (Django's `ProtectedError`); archive it instead (`archive_actors`).
    """
    return _delete_in_batches(_locked_actors(actors), user=user)


@transaction.atomic
def delete_offers(*, offers: Iterable[SupportOffer] | QuerySet, user: User | None = None) -> list:
    """Delete support offers; return one deletion batch id per offer (see `restore_batch`)."""
    pks = [offer.pk for offer in offers] if not isinstance(offers, QuerySet) else offers.order_by().values("pk")
    return _delete_in_batches(
        SupportOffer.objects.select_for_update().filter(pk__in=pks).order_by("title", "pk"), user=user
    )


def validate_token_expiry(expires_at: datetime | None) -> None:
    """A new token cannot already be expired (the admin, the command and scripts share this check)."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("La date d'expiration est déjà passée."), code="token_expired")


def token_expiry(day: date) -> datetime:
    """When a token « valid until `day` » stops working: the following midnight, Paris time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@transaction.atomic
def record_deal(*, deal: Deal, by: User | None = None, reason: str = "") -> Deal:
    """Validate and save a deal of the ledger (new or changed), with its history, all or nothing.

    The ledger's rules are `Deal.clean()`'s (amount never negative, year not in the future, a valid
    SIRET for a partner outside the directory, two different parties…), the same the admin applies.
    Raises `ValidationError` (in French) and writes nothing when the deal is refused.
    """
    deal.full_clean()
    if by is not None:
        deal._history_user = by
    if reason:
        deal._change_reason = reason
    deal.save()
    return deal
