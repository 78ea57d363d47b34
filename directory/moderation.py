"""Changes to the directory that wait for a moderator, and the moderators' decisions.

Proposals and corrections from the public, edits by a structure's own account to the fields that
need review, and partner tokens' updates to published records all become a `ChangeRequest`. Its
`changes` hold the proposed values in the representation below (slugs for sectors and labels, the
INSEE code for a commune), so that a request never points at Python objects and can be shown as
old → new, field by field, long after it was made.

A moderator approves all the fields or some of them, rejects with a reason, or (for a proposal)
pours it into an existing actor. Every write goes through `Actor.full_clean()` and leaves a
historical record saying who decided and where the change came from; the author is told by e-mail
when they left an address.
"""

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from directory import versions
from directory.history import Origin, provenance
from directory.models import Actor, ChangeRequest, Commune, Label, Neighbourhood, PublicationStatus, Role, Sector

logger = logging.getLogger(__name__)

# What a contribution may propose, in the order forms and diffs show them.
PROPOSABLE_FIELDS = (
    "name",
    "legal_form",
    "siret",
    "rna",
    "short_description",
    "description",
    "offer",
    "sectors",
    "labels",
    "address",
    "postal_code",
    "commune",
    "website",
    "email",
    "phone",
    "opening_hours",
    "founded_year",
    "employees",
    "volunteers",
)
# What a partner's token also writes through the API (`directory.api.actors`): on a published record,
# through a moderator too.
PARTNER_FIELDS = (
    "siren",
    "ess_status",
    "typology",
    "roles",
    "neighbourhood",
    "latitude",
    "longitude",
    "serves_whole_territory",
    "communes_served",
    "fte",
)
# What a structure's own account changes only through a moderator.
OWNER_MODERATED_FIELDS = ("name", "siret", "rna", "legal_form", "status")
# Every field a change request may carry, in the order diffs show them.
CHANGEABLE_FIELDS = (*PROPOSABLE_FIELDS, *PARTNER_FIELDS, "status")
# Related records are stored by their public code: the INSEE code of a commune, the slug of the others.
MANY_TO_MANY = {"sectors": Sector, "labels": Label, "roles": Role, "communes_served": Commune}
FOREIGN_KEYS = {"commune": Commune, "neighbourhood": Neighbourhood}

ORIGIN_OF_KIND = {
    ChangeRequest.Kind.PROPOSAL: Origin.CONTRIBUTION,
    ChangeRequest.Kind.CORRECTION: Origin.CONTRIBUTION,
    ChangeRequest.Kind.ACCOUNT: Origin.ACCOUNT,
    ChangeRequest.Kind.PARTNER: Origin.API,
}


# ---------------------------------------------------------------------------
# Representation of actor fields


def field_label(name: str) -> str:
    return str(Actor._meta.get_field(name).verbose_name)


def code_field(model) -> str:
    """The public code a change request names a related record by."""
    return "insee_code" if model is Commune else "slug"


def encode(name: str, value):
    """A value of the actor field `name` as Python holds it (records, a list of them, a Decimal…) as stored (JSON)."""
    if name in MANY_TO_MANY:
        code = code_field(MANY_TO_MANY[name])
        return sorted({getattr(item, code) for item in value or []})
    if name in FOREIGN_KEYS:
        return getattr(value, code_field(FOREIGN_KEYS[name])) if value is not None else ""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.{Actor._meta.get_field(name).decimal_places}f}"
    return value


def represent(actor: Actor | None, name: str):
    """The value of one field of `actor` as a change request stores it (JSON)."""
    if actor is None:
        return [] if name in MANY_TO_MANY else ""
    if name in MANY_TO_MANY:
        if actor.pk is None:
            return []
        return sorted(getattr(actor, name).values_list(code_field(MANY_TO_MANY[name]), flat=True))
    if name in FOREIGN_KEYS:
        return encode(name, getattr(actor, name) if getattr(actor, f"{name}_id") else None)
    return encode(name, getattr(actor, name))


def snapshot(actor: Actor | None, names: Iterable[str]) -> dict:
    return {name: represent(actor, name) for name in names}


def display(name: str, value) -> str:
    """A stored value as a moderator reads it (labels of choices, names of sectors and communes)."""
    if value in ("", None, []):
        return "—"
    if name in MANY_TO_MANY:
        model, code = MANY_TO_MANY[name], code_field(MANY_TO_MANY[name])
        names = dict(model.objects.filter(**{f"{code}__in": value}).values_list(code, "name"))
        return ", ".join(names.get(item, item) for item in value)
    if name in FOREIGN_KEYS:
        model = FOREIGN_KEYS[name]
        related = model.objects.filter(**{code_field(model): value}).first()
        return f"{related.name} ({value})" if related else str(value)
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    field = Actor._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _apply(actor: Actor, changes: dict) -> dict:
    """Set the scalar fields of `changes` on `actor`; return the many-to-many values to set after saving."""
    links = {}
    errors = {}
    for name, value in changes.items():
        if name in MANY_TO_MANY:
            model, code = MANY_TO_MANY[name], code_field(MANY_TO_MANY[name])
            codes = list(dict.fromkeys(value or []))
            found = dict(model.objects.filter(**{f"{code}__in": codes}).values_list(code, "pk"))
            unknown = [item for item in codes if item not in found]
            if unknown:
                errors[name] = gettext("Valeurs inconnues : %(values)s.") % {"values": ", ".join(unknown)}
            links[name] = [found[item] for item in codes if item in found]
        elif name in FOREIGN_KEYS:
            related = None
            if value:
                model = FOREIGN_KEYS[name]
                related = model.objects.filter(**{code_field(model): value}).first()
                if related is None:
                    message = (
                        gettext("Commune inconnue : %(code)s.")
                        if model is Commune
                        else gettext("Valeur inconnue : %(code)s.")
                    )
                    errors[name] = message % {"code": value}
            setattr(actor, name, related)
        else:
            field = Actor._meta.get_field(name)
            if value in ("", None) and field.null:
                value = None
            elif field.get_internal_type() == "DecimalField" and value not in ("", None):
                try:
                    value = Decimal(str(value))
                except InvalidOperation:
                    errors[name] = gettext("Nombre illisible.")
                    continue
            setattr(actor, name, value)
    if errors:
        raise ValidationError(errors)
    return links


def validate(actor: Actor | None, changes: dict) -> None:
    """Refuse changes that could not be applied as they are (the same `full_clean` as every other write)."""
    unknown = set(changes) - set(CHANGEABLE_FIELDS)
    if unknown:
        raise ValidationError(gettext("Champs inconnus : %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    candidate = Actor() if actor is None else Actor.objects.get(pk=actor.pk)
    _apply(candidate, changes)
    exclude = ["slug"] if actor is None else None
    candidate.full_clean(exclude=exclude)


# ---------------------------------------------------------------------------
# Submitting


def submitter_key(ip: str) -> str:
    """A keyed hash of an address: counts contributions per sender without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), f"contribution:{ip}".encode(), hashlib.sha256).hexdigest()


def recent_submissions(key: str, *, hours: int = 1) -> int:
    """How many contributions and claims came from this sender's address in the last `hours`."""
    from directory.models import Claim

    since = timezone.now() - timezone.timedelta(hours=hours)
    return (
        ChangeRequest.objects.filter(submitter_key=key, created_at__gte=since).count()
        + Claim.objects.filter(submitter_key=key, created_at__gte=since).count()
    )


@transaction.atomic
def submit(
    *,
    kind: str,
    changes: dict,
    actor: Actor | None = None,
    message: str = "",
    author_name: str = "",
    author_email: str = "",
    token=None,
    user=None,
    key: str = "",
) -> ChangeRequest:
    """Queue a change for moderation, after checking that it could be applied as it is."""
    if kind == ChangeRequest.Kind.PROPOSAL:
        actor = None
    elif actor is None:
        raise ValueError("a correction names its actor")
    if actor is not None:
        # Only what differs from the record is a change.
        changes = {name: value for name, value in changes.items() if represent(actor, name) != value}
    validate(actor, changes)
    request = ChangeRequest(
        kind=kind,
        actor=actor,
        changes=changes,
        base=snapshot(actor, changes) if actor is not None else {},
        message=message,
        author_name=author_name,
        author_email=author_email,
        token=token,
        user=user,
        submitter_key=key,
    )
    request.full_clean()
    request.save()
    logger.info("change request %s queued (%s)", request.pk, kind)
    return request


# ---------------------------------------------------------------------------
# Reading the queue


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str  # the record's value now
    new: str  # the proposed value
    moved: bool  # the record changed this field since the request was made

    @property
    def changed(self) -> bool:
        return self.old != self.new


def differences(request: ChangeRequest) -> list[FieldChange]:
    """The request field by field: the record's current value → the proposed one."""
    actor = request.actor
    rows = []
    order = {name: index for index, name in enumerate(CHANGEABLE_FIELDS)}
    for name in sorted(request.changes, key=lambda name: order.get(name, len(order))):
        if name not in order:
            continue
        new = request.changes[name]
        now = represent(actor, name)
        rows.append(
            FieldChange(
                name=name,
                label=field_label(name),
                old=display(name, now),
                new=display(name, new),
                moved=actor is not None and name in request.base and request.base[name] != now,
            )
        )
    return rows


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue for a record another app sends there: where to decide, and what to show."""

    pk: int
    created_at: object
    url: str
    nature: str
    record: str
    sender: str
    details: str = "—"


@dataclass(frozen=True)
class QueueSource:
    """Records of another app that wait for a moderator (the directory imports no other app: they register).

    `pending` gives the waiting records (with `created_at`); `row` turns one into a line of the queue,
    whose link opens the page where the moderator decides (that page checks its own permission).
    """

    kind: str
    label: object
    pending: Callable[[], models.QuerySet]
    row: Callable[[models.Model], QueueRow]


QUEUE_SOURCES: dict[str, QueueSource] = {}


def register_queue_source(source: QueueSource) -> None:
    """Send an app's waiting records to the moderation queue (from its AppConfig.ready)."""
    QUEUE_SOURCES[source.kind] = source


def pending_counts() -> dict[str, int]:
    """Pending items of the queue, by kind (claims and the registered sources too), for the admin index."""
    from directory.models import Claim

    counts = dict(
        ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING)
        .values_list("kind")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    result = {kind: counts.get(kind, 0) for kind in ChangeRequest.Kind.values}
    result["claim"] = Claim.objects.filter(state=Claim.State.PENDING, method=Claim.Method.REVIEW).count()
    for source in QUEUE_SOURCES.values():
        result[source.kind] = source.pending().count()
    return result


# ---------------------------------------------------------------------------
# Deciding


class AlreadyDecided(ValidationError):
    pass


def _lock(request: ChangeRequest) -> ChangeRequest:
    locked = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != ChangeRequest.State.PENDING:
        raise AlreadyDecided(
            gettext("Cette demande a déjà été traitée (%(state)s).") % {"state": locked.get_state_display()}
        )
    return locked


def _provenance_of(request: ChangeRequest):
    origin = ORIGIN_OF_KIND[request.kind]
    detail = gettext("demande n° %(number)s") % {"number": request.pk}
    if request.token_id:
        detail += f" · {request.token.prefix}"
    return provenance(origin, detail=detail)


def _write(actor: Actor, changes: dict, *, moderator, reason: str) -> Actor:
    links = _apply(actor, changes)
    actor.full_clean()
    actor._history_user = moderator
    actor._change_reason = reason
    actor.save()
    for name, ids in links.items():
        # The many-to-many history (simple_history m2m_fields) follows `set()`.
        getattr(actor, name).set(ids)
    return actor


def _finish(request: ChangeRequest, *, state: str, moderator, reason: str = "", applied=()) -> ChangeRequest:
    request.state = state
    request.decided_at = timezone.now()
    request.decided_by = moderator
    request.decision_reason = reason
    request.applied_fields = list(applied)
    request.save(update_fields=["state", "decided_at", "decided_by", "decision_reason", "applied_fields", "actor"])
    transaction.on_commit(lambda: notify_author(request))
    return request


@transaction.atomic
def approve(
    request: ChangeRequest,
    *,
    moderator,
    fields: Iterable[str] | None = None,
    reason: str = "",
    version: int | None = None,
    publish: bool = False,
) -> ChangeRequest:
    """Apply the request (all its fields, or `fields`), with a historical record naming the moderator.

    `version` is the record's version when the moderator opened the request: a record changed
    since is refused (`versions.StaleEdit`), so that a decision never overwrites an unseen edit.
    A proposal creates its actor, published when `publish` and the publication rule allow it.
    """
    request = _lock(request)
    chosen = list(request.changes) if fields is None else [name for name in request.changes if name in set(fields)]
    if not chosen:
        raise ValidationError(gettext("Choisissez au moins un champ à accepter, ou refusez la demande."))
    changes = {name: request.changes[name] for name in chosen}
    label = gettext("%(kind)s n° %(number)s acceptée par %(moderator)s") % {
        "kind": request.get_kind_display(),
        "number": request.pk,
        "moderator": moderator.get_username() if moderator else gettext("l'équipe"),
    }
    with _provenance_of(request):
        if request.kind == ChangeRequest.Kind.PROPOSAL:
            actor = Actor(source=Actor.Source.CONTRIBUTION, status=PublicationStatus.PENDING)
            _write(actor, changes, moderator=moderator, reason=label)
            if publish and not actor.publication_problems():
                from directory.services import publish_actors

                publish_actors(actors=[actor], user=moderator)
            request.actor = actor
        else:
            actor = Actor.objects.select_for_update().get(pk=request.actor_id)
            if version is not None:
                versions.check_version(actor, version)
            if "status" in changes:
                from directory.services import check_status_change

                check_status_change(user=moderator, model=Actor, current=actor.status, new=changes["status"])
            _write(actor, changes, moderator=moderator, reason=label)
    state = ChangeRequest.State.APPROVED if len(chosen) == len(request.changes) else ChangeRequest.State.PARTIAL
    return _finish(request, state=state, moderator=moderator, reason=reason, applied=chosen)


@transaction.atomic
def reject(request: ChangeRequest, *, moderator, reason: str) -> ChangeRequest:
    """Refuse the request; the reason is kept and sent to the author."""
    request = _lock(request)
    if not reason.strip():
        raise ValidationError({"reason": gettext("Donnez le motif du refus : il est envoyé à l'auteur.")})
    return _finish(request, state=ChangeRequest.State.REJECTED, moderator=moderator, reason=reason.strip())


@transaction.atomic
def merge_into(
    request: ChangeRequest,
    *,
    moderator,
    actor: Actor,
    fields: Iterable[str] | None = None,
    reason: str = "",
    version: int | None = None,
) -> ChangeRequest:
    """Pour a proposal into an existing actor: the chosen fields update it, the rest is dropped."""
    request = _lock(request)
    if request.kind != ChangeRequest.Kind.PROPOSAL:
        raise ValidationError(gettext("Seule une proposition peut être versée à une fiche existante."))
    target = Actor.objects.select_for_update().get(pk=actor.pk)
    if target.merged_into_id:
        raise ValidationError(gettext("Cette fiche a été fusionnée dans une autre : choisissez celle-ci."))
    if version is not None:
        versions.check_version(target, version)
    chosen = [name for name in request.changes if fields is None or name in set(fields)]
    changes = {name: request.changes[name] for name in chosen if represent(target, name) != request.changes[name]}
    label = gettext("Proposition n° %(number)s versée à la fiche par %(moderator)s") % {
        "number": request.pk,
        "moderator": moderator.get_username() if moderator else gettext("l'équipe"),
    }
    if changes:
        with _provenance_of(request):
            _write(target, changes, moderator=moderator, reason=label)
    request.actor = target
    return _finish(request, state=ChangeRequest.State.MERGED, moderator=moderator, reason=reason, applied=changes)


# ---------------------------------------------------------------------------
# Telling the author


def notify_author(request: ChangeRequest) -> None:
    """E-mail the author of a decided request, when they left an address (console back end in development)."""
    address = request.author_email or (request.user.email if request.user_id else "")
    if not address:
        return
    target = request.actor.name if request.actor_id else request.changes.get("name", "")
    subject = gettext("Votre contribution à l'annuaire de l'ESS : %(state)s") % {"state": request.get_state_display()}
    lines = [
        gettext("Bonjour,"),
        "",
        gettext("Votre demande « %(kind)s » concernant « %(target)s » a été %(state)s.")
        % {"kind": request.get_kind_display(), "target": target, "state": request.get_state_display()},
    ]
    if request.state == ChangeRequest.State.PARTIAL:
        lines.append(
            gettext("Champs retenus : %(fields)s.")
            % {"fields": ", ".join(field_label(name) for name in request.applied_fields)}
        )
    if request.decision_reason:
        lines += ["", gettext("Motif : %(reason)s") % {"reason": request.decision_reason}]
    if request.actor_id and request.actor.is_published:
        lines += ["", settings.SITE_URL.rstrip("/") + reverse("directory:actor_detail", args=[request.actor.slug])]
    lines += ["", gettext("Merci pour votre contribution."), gettext("L'équipe ESS d'Est Ensemble")]
    send_mail(subject, "\n".join(lines), None, [address], fail_silently=True)
