"""The buyers' writes: offers (staff and structure accounts), needs (buyers, moderators), matching, expiry.

Every write is a keyword-only function, in one transaction, leaving a historical record that says
who and where it came from. Admin actions, account pages, public forms and commands call these.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from directory import claims, moderation, versions
from directory.history import Origin, provenance
from directory.models import Actor, PublicationStatus, Representative
from directory.services import can_publish
from purchasing.models import BuyerNeed, NeedMatchNotice, SupplierOffer, validate_area

logger = logging.getLogger(__name__)

# The offer fields a structure's account edits (the rest is the team's).
ACCOUNT_OFFER_FIELDS = (
    "title",
    "description",
    "cpv",
    "whole_territory",
    "communes",
    "capacity",
    "max_order_amount",
    "references",
    "url",
)


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _mail(subject: str, lines: list[str], address: str) -> None:
    # A subject is one line: a title typed with a line break must not make the header invalid.
    send_mail(" ".join(subject.split()), "\n".join(lines), None, [address], fail_silently=True)


def _require_publish(user: User | None, model) -> None:
    # No user: a command or a loader, trusted as the code that calls it.
    if user is not None and not can_publish(user, model):
        raise PermissionDenied(gettext("Seuls les modérateurs approuvent, refusent ou archivent ces fiches."))


# ---------------------------------------------------------------------------
# Offers


@transaction.atomic
def save_account_offer(
    *,
    actor: Actor,
    user: User,
    values: dict,
    offer: SupplierOffer | None = None,
    version: int | None = None,
) -> SupplierOffer:
    """A structure's account creates or changes one of its offers: it waits « à valider » for a moderator.

    `values` holds `ACCOUNT_OFFER_FIELDS` (communes as records). Refused (PermissionDenied) unless `user`
    represents `actor`; a stale `version` is a `versions.StaleEdit`.
    """
    if not claims.represented_actors(user).filter(pk=actor.pk).exists():
        raise PermissionDenied(gettext("Ce compte ne représente pas cette structure."))
    if offer is None:
        offer = SupplierOffer(actor=actor)
    elif offer.actor_id != actor.pk:
        raise PermissionDenied(gettext("Cette offre n'est pas celle de cette structure."))
    else:
        versions.check_version(offer, version)
    communes = list(values.get("communes") or [])
    for name in ACCOUNT_OFFER_FIELDS:
        if name != "communes" and name in values:
            setattr(offer, name, values[name])
    offer.status = PublicationStatus.PENDING
    errors = {}
    try:
        offer.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_area(whole_territory=offer.whole_territory, communes=communes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    offer._history_user = user
    offer._change_reason = gettext("Modifiée depuis le compte de la structure (à valider)")
    with provenance(Origin.ACCOUNT, detail=user.get_username()):
        offer.save()
        offer.communes.set(communes)
    return offer


@transaction.atomic
def withdraw_account_offer(*, offer: SupplierOffer, user: User) -> SupplierOffer:
    """A structure withdraws one of its offers: archived at once (no moderation to hide something)."""
    if not claims.represented_actors(user).filter(pk=offer.actor_id).exists():
        raise PermissionDenied(gettext("Ce compte ne représente pas cette structure."))
    offer = SupplierOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != PublicationStatus.ARCHIVED:
        offer.status = PublicationStatus.ARCHIVED
        offer._history_user = user
        offer._change_reason = gettext("Retirée par la structure")
        with provenance(Origin.ACCOUNT, detail=user.get_username()):
            offer.save(update_fields=["status", "updated_at"])
    return offer


def _set_offer_status(
    offers: Iterable[SupplierOffer] | QuerySet, *, status: str, user: User | None, reason: str, note: str | None = None
) -> list[SupplierOffer]:
    _require_publish(user, SupplierOffer)
    pks = [offer.pk for offer in offers] if not isinstance(offers, QuerySet) else offers.order_by().values("pk")
    changed = []
    for offer in SupplierOffer.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
        if offer.status == status:
            continue
        offer.status = status
        fields = ["status", "updated_at"]
        if note is not None:
            offer.review_note = note
            fields.append("review_note")
        if user is not None:
            offer._history_user = user
        offer._change_reason = reason
        offer.save(update_fields=fields)
        changed.append(offer)
    return changed


@transaction.atomic
def approve_offers(*, offers, user: User | None = None) -> list[SupplierOffer]:
    """Approve offers: published (public while their actor is). Needs the publish permission."""
    return _set_offer_status(offers, status=PublicationStatus.PUBLISHED, user=user, reason=gettext("Approbation"))


@transaction.atomic
def refuse_offers(*, offers, user: User | None = None, note: str = "") -> list[SupplierOffer]:
    """Refuse offers waiting for review: back to draft, with the team's note for the structure."""
    return _set_offer_status(
        offers, status=PublicationStatus.DRAFT, user=user, reason=gettext("Refus"), note=note or None
    )


@transaction.atomic
def archive_offers(*, offers, user: User | None = None) -> list[SupplierOffer]:
    """Archive offers: hidden from the public, kept with their history. Needs the publish permission."""
    return _set_offer_status(offers, status=PublicationStatus.ARCHIVED, user=user, reason=gettext("Archivage"))


# ---------------------------------------------------------------------------
# Needs


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


_NO_HASH = _hash_secret(secrets.token_urlsafe(32))


def follow_path(need: BuyerNeed, secret: str) -> str:
    return reverse("purchasing:need_follow", kwargs={"need_id": need.pk, "secret": secret})


def need_rate_limited(key: str) -> bool:
    """Whether this sender's address sent as many contributions (needs included) as allowed in the last hour."""
    since = timezone.now() - timedelta(hours=1)
    recent = (
        moderation.recent_submissions(key) + BuyerNeed.objects.filter(submitter_key=key, created_at__gte=since).count()
    )
    return recent >= settings.CONTRIBUTION_RATE_PER_HOUR


@transaction.atomic
def submit_need(*, need: BuyerNeed, communes, key: str = "") -> tuple[BuyerNeed, str]:
    """Record a buyer's need, waiting for a moderator, and e-mail the buyer its private link.

    Returns the need and the link's secret (only its hash is kept). Raises `ValidationError`.
    """
    communes = list(communes or [])
    need.status = PublicationStatus.PENDING
    need.submitter_key = key
    errors = {}
    try:
        need.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not communes:
        errors["communes"] = [gettext("Choisissez au moins une commune de livraison.")]
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(32)
    need.secret_hash = _hash_secret(secret)
    need._change_reason = gettext("Déposé sur le tableau des besoins")
    with provenance(Origin.CONTRIBUTION):
        need.save()
        need.communes.set(communes)
    if need.contact_email:
        transaction.on_commit(lambda: _send_follow_link(need, secret))
    return need, secret


def _send_follow_link(need: BuyerNeed, secret: str) -> None:
    lines = [
        gettext("Bonjour,"),
        "",
        gettext("Votre besoin « %(title)s » est enregistré sur le tableau des besoins de l'ESS d'Est Ensemble.")
        % {"title": need.title},
        gettext("L'équipe le vérifie avant de le publier. Votre adresse e-mail n'est jamais affichée."),
        "",
        gettext("Les fournisseurs de l'ESS qui y répondent sont sur cette page, réservée à vous :"),
        _site_url(follow_path(need, secret)),
        "",
        gettext("L'équipe ESS d'Est Ensemble"),
    ]
    _mail(gettext("Votre besoin « %(title)s »") % {"title": need.title}, lines, need.contact_email)


class LinkError(ValidationError):
    pass


def need_from_link(*, need_id: int, secret: str) -> BuyerNeed:
    """The need of a private link, or `LinkError` (an unknown need and a wrong secret look the same)."""
    # An id beyond the database's integers is simply unknown (never an overflow error).
    need = BuyerNeed.objects.select_related("cpv").filter(pk=need_id).first() if 0 < need_id < 2**63 else None
    expected = need.secret_hash if need is not None and need.secret_hash else _NO_HASH
    if not hmac.compare_digest(_hash_secret(secret), expected) or need is None or not need.secret_hash:
        raise LinkError(gettext("Ce lien n'est pas valide."), code="invalid")
    return need


def matching_offers(need: BuyerNeed) -> QuerySet:
    """The published offers that answer `need`: in its CPV category or a sub-group, serving a delivery commune."""
    return (
        SupplierOffer.objects.published()
        .in_categories([need.cpv])
        .serving(list(need.communes.all()))
        .order_by("actor__name", "title", "pk")
    )


def matching_actors(need: BuyerNeed) -> QuerySet:
    """The published actors with at least one offer matching `need`."""
    return Actor.objects.published().filter(pk__in=matching_offers(need).values("actor_id")).order_by("name", "pk")


def _decide(need: BuyerNeed, *, status: str, user: User | None, reason: str, history_reason: str) -> BuyerNeed:
    _require_publish(user, BuyerNeed)
    locked = BuyerNeed.objects.select_for_update().get(pk=need.pk)
    locked.status = status
    locked.decision_reason = reason
    locked.decided_at = timezone.now()
    locked.decided_by = user
    if user is not None:
        locked._history_user = user
    locked._change_reason = history_reason
    locked.save(update_fields=["status", "decision_reason", "decided_at", "decided_by", "updated_at"])
    return locked


@transaction.atomic
def approve_need(*, need: BuyerNeed, user: User | None = None, reason: str = "") -> BuyerNeed:
    """Publish a need on the board; tell its buyer, and each matching claimed supplier once."""
    if need.deadline < timezone.localdate():
        raise ValidationError(gettext("La date limite de ce besoin est passée : il ne peut plus être publié."))
    need = _decide(
        need, status=PublicationStatus.PUBLISHED, user=user, reason=reason, history_reason=gettext("Approbation")
    )
    transaction.on_commit(lambda: notify_approval(need))
    return need


@transaction.atomic
def refuse_need(*, need: BuyerNeed, user: User | None = None, reason: str = "") -> BuyerNeed:
    """Refuse (or withdraw) a need: archived, never public; its buyer is told."""
    need = _decide(need, status=PublicationStatus.ARCHIVED, user=user, reason=reason, history_reason=gettext("Refus"))
    if need.contact_email:
        transaction.on_commit(lambda: _send_refusal(need))
    return need


def _send_refusal(need: BuyerNeed) -> None:
    lines = [
        gettext("Bonjour,"),
        "",
        gettext("Votre besoin « %(title)s » n'est pas publié sur le tableau des besoins.") % {"title": need.title},
    ]
    if need.decision_reason:
        lines.append(gettext("Motif : %(reason)s") % {"reason": need.decision_reason})
    lines += ["", gettext("L'équipe ESS d'Est Ensemble")]
    _mail(gettext("Votre besoin « %(title)s »") % {"title": need.title}, lines, need.contact_email)


@dataclass(frozen=True)
class Notified:
    buyer: bool
    suppliers: int


def notify_approval(need: BuyerNeed) -> Notified:
    """E-mail the buyer that its need is public, and each matching claimed actor once (never twice per need)."""
    need = BuyerNeed.objects.select_related("cpv").get(pk=need.pk)
    if not need.is_public:
        return Notified(buyer=False, suppliers=0)
    board = _site_url(reverse("purchasing:need_list") + f"#besoin-{need.pk}")
    buyer = False
    if need.contact_email:
        _mail(
            gettext("Votre besoin « %(title)s » est publié") % {"title": need.title},
            [
                gettext("Bonjour,"),
                "",
                gettext("Votre besoin « %(title)s » est publié sur le tableau des besoins :") % {"title": need.title},
                board,
                gettext("Les fournisseurs de l'ESS qui y répondent en sont informés."),
                "",
                gettext("L'équipe ESS d'Est Ensemble"),
            ],
            need.contact_email,
        )
        buyer = True
    already = set(NeedMatchNotice.objects.filter(need=need).values_list("actor_id", flat=True))
    addresses: dict[int, list[str]] = {}
    representatives = (
        Representative.objects.filter(actor__in=matching_actors(need).values("pk"), user__is_active=True)
        .exclude(user__email="")
        .exclude(actor_id__in=already)
        .select_related("actor", "user")
        .order_by("actor__name", "pk")
    )
    actors = {}
    for representative in representatives:
        actors[representative.actor_id] = representative.actor
        addresses.setdefault(representative.actor_id, [])
        if representative.user.email not in addresses[representative.actor_id]:
            addresses[representative.actor_id].append(representative.user.email)
    sent = 0
    for actor_id, emails in addresses.items():
        # The notice first: a second approval (or a run in parallel) cannot send it again.
        _, created = NeedMatchNotice.objects.get_or_create(need=need, actor_id=actor_id)
        if not created:
            continue
        lines = [
            gettext("Bonjour,"),
            "",
            gettext("Un besoin publié sur le tableau des besoins correspond à une offre de « %(actor)s » :")
            % {"actor": actors[actor_id].name},
            f"« {need.title} » — {need.buyer_name} ({need.cpv})",
            gettext("Date limite : %(date)s") % {"date": need.deadline.strftime("%d/%m/%Y")},
            board,
            "",
            gettext("L'équipe ESS d'Est Ensemble"),
        ]
        for email in emails:
            _mail(gettext("Un besoin d'acheteur pour « %(actor)s »") % {"actor": actors[actor_id].name}, lines, email)
        sent += 1
    return Notified(buyer=buyer, suppliers=sent)


# ---------------------------------------------------------------------------
# Expiry and retention


@dataclass(frozen=True)
class ExpiryReport:
    archived: int
    purged: int

    def as_dict(self) -> dict[str, int]:
        return {
            gettext("besoins échus archivés"): self.archived,
            gettext("contacts d'acheteurs effacés"): self.purged,
        }


@transaction.atomic
def expire_needs(*, dry_run: bool = False, today=None) -> ExpiryReport:
    """Archive the published needs past their deadline; erase buyers' contacts past the retention period.

    A contact (e-mail, private link, anti-abuse key) is erased `NEED_CONTACT_RETENTION_DAYS` after the
    need's deadline, or after its refusal. The need itself stays, with its history (no contact in it).
    """
    today = today or timezone.localdate()
    expired = BuyerNeed.objects.filter(status=PublicationStatus.PUBLISHED, deadline__lt=today)
    limit = today - timedelta(days=settings.NEED_CONTACT_RETENTION_DAYS)
    limit_moment = timezone.now() - timedelta(days=settings.NEED_CONTACT_RETENTION_DAYS)
    to_purge = BuyerNeed.objects.filter(contact_purged_at__isnull=True).filter(
        Q(deadline__lt=limit) | Q(status=PublicationStatus.ARCHIVED, decided_at__lt=limit_moment)
    )
    if dry_run:
        return ExpiryReport(archived=expired.count(), purged=to_purge.count())
    archived = 0
    with provenance(Origin.COMMAND, "expire_needs"):
        for need in expired.select_for_update().order_by("pk"):
            need.status = PublicationStatus.ARCHIVED
            need._change_reason = gettext("Date limite passée")
            need.save(update_fields=["status", "updated_at"])
            archived += 1
    # The contact is not in the history (excluded fields): an UPDATE erases it everywhere.
    purged = to_purge.update(contact_email="", secret_hash="", submitter_key="", contact_purged_at=timezone.now())
    return ExpiryReport(archived=archived, purged=purged)
