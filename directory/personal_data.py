"""Personal data: what the portal holds about one person, the erasure of it, and how long contributions stay.

A person is known by an e-mail address (matched without regard to case). What the portal may hold
about them:

- contacts of actors (name, job, e-mail, phone, consent) and their history;
- contributions (`ChangeRequest`) and claims (`Claim`) they sent, with their name, e-mail and message;
- user accounts with that address (a structure's representative), their links to actors, their
  second-factor devices and their login records (django-axes);
- copies of the address in the history of any record (simple_history), and in the admin's log.

`find_person` gathers it (read only), `export_person` turns it into a JSON-ready document,
`erase_person` erases or anonymises it in one transaction, `purge_contributions` applies the
retention periods. Each request is written to the log (logger `ess_portal.personal_data`) and kept
in Django's admin log (`LogEntry`) under the register account `REGISTER_USERNAME`, with who ran it
and a keyed fingerprint of the address — never the address itself.
"""

import getpass
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac

from directory.history import Origin, ProvenanceHistoricalModel, delete_with_history, provenance
from directory.models import ChangeRequest, Claim, Contact, Representative

logger = logging.getLogger("ess_portal.personal_data")

# Rate-limit keys (`submitter_key`, a keyed hash of the sender's address) are needed for no longer.
SUBMITTER_KEY_RETENTION_DAYS = 30
# The account under which requests are kept in the admin log: inactive, it cannot sign in.
REGISTER_USERNAME = "registre-rgpd"
# What replaces an address found inside a longer text of the history.
ERASED = "[effacé]"
# Decisions that changed the directory: the request is kept, anonymised, as the reason for the change.
KEPT_REQUEST_STATES = (ChangeRequest.State.APPROVED, ChangeRequest.State.PARTIAL, ChangeRequest.State.MERGED)
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
CONTACT_PERSONAL_FIELDS = ("first_name", "last_name", "job_title", "email", "phone")


class PersonalDataError(Exception):
    """A request that cannot be carried out; the message says why, in French."""


def clean_email(raw: str) -> str:
    """The address of a request, trimmed; a `PersonalDataError` when it is not an e-mail address."""
    email = (raw or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise PersonalDataError(
            f"« {raw} » n'est pas une adresse e-mail valide (exemple : prenom.nom@example.org)."
        ) from None
    return email


def operator_name(operator: str = "") -> str:
    """Who handles a request, for the register: the name given, or the system user running the command."""
    if operator.strip():
        return operator.strip()[:100]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment (some containers)
        return "inconnu"


OPERATOR_HELP = "Qui traite la demande, gardé au registre (par défaut : l'utilisateur du système)."


def email_fingerprint(email: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of the lower-cased address: what the register keeps."""
    return salted_hmac("ess_portal.personal_data", email.strip().lower(), algorithm="sha256").hexdigest()


# ---------------------------------------------------------------------------
# Finding what is held


def historical_models() -> list[type[models.Model]]:
    """The history tables of every model (simple_history), the tracker's included."""
    return [model for model in apps.get_models() if issubclass(model, ProvenanceHistoricalModel)]


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]


def _holding(model: type[models.Model], email: str) -> Q:
    """Rows of `model` with `email` in one of their text (or JSON) columns."""
    condition = Q()
    for f in _text_fields(model):
        condition |= Q(**{f"{f.name}__icontains": email})
    return condition


@dataclass
class HistoryCopy:
    """A historical row (of any model) where the address appears, and in which columns."""

    row: models.Model
    fields: list[str]


@dataclass
class PersonRecords:
    """Everything the portal holds about the person with one e-mail address (see `find_person`)."""

    email: str
    contacts: list[Contact]
    change_requests: list[ChangeRequest]
    claims: list[Claim]
    accounts: list[User]
    representatives: list[Representative]
    contact_history: list[models.Model]
    history_copies: list[HistoryCopy]
    changes_by_accounts: list[models.Model]
    login_records: list[models.Model]
    public_mentions: list[tuple[models.Model, list[str]]] = field(default_factory=list)

    @property
    def staff_accounts(self) -> list[User]:
        return [user for user in self.accounts if user.is_staff or user.is_superuser]

    def counts(self) -> dict[str, int]:
        return {
            "contacts": len(self.contacts),
            "contributions": len(self.change_requests),
            "revendications": len(self.claims),
            "comptes": len(self.accounts),
            "représentations": len(self.representatives),
            "historique des contacts": len(self.contact_history),
            "autres copies dans l'historique": len(self.history_copies),
            "connexions": len(self.login_records),
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.counts().values()) and not self.public_mentions

    def refuse_staff(self) -> None:
        """Staff accounts are the administrator's to close: a `PersonalDataError` when the address has one."""
        staff = self.staff_accounts
        if staff:
            names = ", ".join(f"« {user.username} »" for user in staff)
            raise PersonalDataError(
                f"L'adresse est celle d'un compte de l'équipe ({names}) : l'effacement d'un compte de l'équipe "
                "revient à l'administrateur, dans l'administration du site. Rien n'a été effacé."
            )

    def erasure_plan(self) -> list[str]:
        """What `erase_person` would do, in French, one line each (what it leaves included)."""
        kept_requests = sum(r.state in KEPT_REQUEST_STATES for r in self.change_requests)
        kept_claims = sum(c.state == Claim.State.APPROVED for c in self.claims)
        lines = [
            (len(self.contacts), "contact(s) effacé(s)"),
            (len(self.contact_history), "version(s) de contact anonymisée(s) dans l'historique"),
            (len(self.change_requests) - kept_requests, "contribution(s) effacée(s)"),
            (kept_requests, "contribution(s) acceptée(s) anonymisée(s), la décision gardée"),
            (len(self.claims) - kept_claims, "revendication(s) effacée(s)"),
            (kept_claims, "revendication(s) acceptée(s) anonymisée(s), la décision gardée"),
            (len(self.accounts), "compte(s) désactivé(s) et anonymisé(s)"),
            (len(self.representatives), "lien(s) de représentation supprimé(s)"),
            (len(self.login_records), "connexion(s) enregistrée(s) supprimée(s)"),
            (len(self.history_copies), "autre(s) version(s) de l'historique dont l'adresse est effacée"),
        ]
        plan = [f"{n} {what}" for n, what in lines if n]
        plan.extend(
            f"laissé aux modérateurs : {_label(row)} « {row} » ({', '.join(names)}), information de la structure"
            for row, names in self.public_mentions
        )
        return plan


def _login_models() -> list[type[models.Model]]:
    """django-axes' records of sign-ins and failed sign-ins (username, address, browser)."""
    return [model for model in apps.get_app_config("axes").get_models() if "username" in _field_names(model)]


def _field_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}


def _otp_devices(user: User) -> list[models.Model]:
    from django_otp import devices_for_user

    return list(devices_for_user(user, confirmed=None))


def find_person(email: str) -> PersonRecords:
    """Gather what the portal holds about the person with `email` (case-insensitive). Reads only."""
    accounts = list(
        User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .prefetch_related("groups")
        .order_by("pk")
    )
    contacts = list(Contact.objects.filter(email__iexact=email).select_related("actor").order_by("pk"))
    change_requests = list(
        ChangeRequest.objects.filter(Q(author_email__iexact=email) | Q(user__in=accounts))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    claims = list(
        Claim.objects.filter(Q(email__iexact=email) | Q(user__in=accounts))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    representatives = list(
        Representative.objects.filter(user__in=accounts).select_related("actor", "user").order_by("pk")
    )
    contact_history = list(
        Contact.history.filter(Q(id__in=[c.pk for c in contacts]) | Q(email__iexact=email))
        .select_related("actor")
        .order_by("history_date", "history_id")
    )
    contact_history_ids = {row.pk for row in contact_history}
    history_copies = []
    changes_by_accounts = []
    for model in historical_models():
        for row in model.objects.filter(_holding(model, email)).order_by("history_date"):
            if model is Contact.history.model and row.pk in contact_history_ids:
                continue
            found = [f.name for f in _text_fields(model) if _mentions(getattr(row, f.attname), email)]
            history_copies.append(HistoryCopy(row=row, fields=found))
        if accounts:
            changes_by_accounts.extend(model.objects.filter(history_user__in=accounts).order_by("history_date"))
    usernames = {user.username.lower() for user in accounts} | {email.lower()}
    login_records = []
    for model in _login_models():
        condition = Q()
        for username in usernames:
            condition |= Q(username__iexact=username)
        login_records.extend(model.objects.filter(condition).order_by("pk"))
    records = PersonRecords(
        email=email,
        contacts=contacts,
        change_requests=change_requests,
        claims=claims,
        accounts=accounts,
        representatives=representatives,
        contact_history=contact_history,
        history_copies=history_copies,
        changes_by_accounts=changes_by_accounts,
        login_records=login_records,
    )
    records.public_mentions = _public_mentions(email, records)
    return records


def _mentions(value, email: str) -> bool:
    if value is None:
        return False
    text = value if isinstance(value, str) else repr(value)
    return email.lower() in text.lower()


def _public_mentions(email: str, records: PersonRecords) -> list[tuple[models.Model, list[str]]]:
    """Other records of the directory and the tracker that carry the address (an actor's public e-mail…).

    They are the organisations' information, not the person's: erasure leaves them for the moderators
    to correct, and says so.
    """
    handled = {
        ChangeRequest: {r.pk for r in records.change_requests},
        Claim: {c.pk for c in records.claims},
        Contact: {c.pk for c in records.contacts},
    }
    found = []
    # The portal's own apps (accounts, sign-ins and the admin log are handled above), by label: no import.
    for config in (apps.get_app_config(label) for label in ("directory", "projects")):
        for model in config.get_models():
            if issubclass(model, ProvenanceHistoricalModel) or not _text_fields(model):
                continue
            for row in model.objects.filter(_holding(model, email)).order_by("pk"):
                if row.pk in handled.get(model, ()):
                    continue
                found.append((row, [f.name for f in _text_fields(model) if _mentions(getattr(row, f.attname), email)]))
    return found


# ---------------------------------------------------------------------------
# Export


def _section(what: str, why: str, retention: str, records: list) -> dict:
    return {"what": what, "why": why, "retention": retention, "records": records}


def _actor_ref(actor) -> dict | None:
    if actor is None:
        return None
    return {"name": actor.name, "slug": actor.slug, "url": f"{settings.SITE_URL}{actor.get_absolute_url()}"}


def _label(row: models.Model) -> str:
    return str(row._meta.verbose_name)


def export_person(records: PersonRecords) -> dict:
    """The JSON document given to the person: each kind of record with what it is, why and for how long."""
    days = settings.CONTRIBUTION_RETENTION_DAYS
    contribution_retention = (
        f"Jusqu'à la décision de l'équipe, puis {days} jours ; l'empreinte anti-abus de l'adresse "
        f"est effacée après {SUBMITTER_KEY_RETENTION_DAYS} jours."
    )
    sections = {
        "contacts": _section(
            "Contact d'une structure de l'annuaire (nom, fonction, e-mail, téléphone, consentement).",
            "Joindre la structure ; affiché au public seulement avec un consentement daté.",
            "Tant que la personne est le contact de la structure, ou jusqu'à sa demande d'effacement.",
            [
                {
                    "actor": _actor_ref(c.actor),
                    "first_name": c.first_name,
                    "last_name": c.last_name,
                    "job_title": c.job_title,
                    "email": c.email,
                    "phone": c.phone,
                    "is_public": c.is_public,
                    "consent_date": c.consent_date,
                    "created_at": c.created_at,
                    "updated_at": c.updated_at,
                }
                for c in records.contacts
            ],
        ),
        "contributions": _section(
            "Proposition ou correction d'une fiche envoyée au portail, avec le nom et l'e-mail facultatifs.",
            "La modération de la contribution et la réponse à son auteur.",
            contribution_retention,
            [
                {
                    "kind": r.get_kind_display(),
                    "state": r.get_state_display(),
                    "actor": _actor_ref(r.actor),
                    "changes": r.changes,
                    "message": r.message,
                    "author_name": r.author_name,
                    "author_email": r.author_email,
                    "created_at": r.created_at,
                    "decided_at": r.decided_at,
                    "decision_reason": r.decision_reason,
                }
                for r in records.change_requests
            ],
        ),
        "claims": _section(
            "Demande à représenter une structure (nom, e-mail, fonction, message).",
            "Vérifier que la personne représente la structure avant de lui ouvrir un compte.",
            contribution_retention,
            [
                {
                    "actor": _actor_ref(c.actor),
                    "method": c.get_method_display(),
                    "state": c.get_state_display(),
                    "name": c.name,
                    "email": c.email,
                    "job_title": c.job_title,
                    "message": c.message,
                    "created_at": c.created_at,
                    "expires_at": c.expires_at,
                    "used_at": c.used_at,
                    "decided_at": c.decided_at,
                    "decision_reason": c.decision_reason,
                }
                for c in records.claims
            ],
        ),
        "accounts": _section(
            "Compte de connexion au portail (identifiant, nom, e-mail, dates, groupes). Le mot de passe "
            "n'est conservé que sous une forme qui ne permet pas de le retrouver.",
            "Permettre à la personne de modifier la fiche de sa structure.",
            "Tant que le compte représente une structure ; désactivé et anonymisé sur demande.",
            [
                {
                    "username": u.username,
                    "first_name": u.first_name,
                    "last_name": u.last_name,
                    "email": u.email,
                    "is_active": u.is_active,
                    "is_staff": u.is_staff,
                    "date_joined": u.date_joined,
                    "last_login": u.last_login,
                    "groups": sorted(g.name for g in u.groups.all()),
                }
                for u in records.accounts
            ],
        ),
        "representatives": _section(
            "Lien entre le compte et la structure qu'il représente.",
            "Savoir quelles fiches le compte peut modifier.",
            "Tant que le compte représente la structure.",
            [
                {"account": rep.user.username, "actor": _actor_ref(rep.actor), "since": rep.created_at}
                for rep in records.representatives
            ],
        ),
        "contact_history": _section(
            "Versions successives des contacts (historique des modifications).",
            "Savoir qui a changé quoi et pouvoir revenir en arrière ; réservé à l'équipe.",
            "Avec la fiche de la structure ; anonymisées sur demande d'effacement.",
            [
                {
                    "history_date": row.history_date,
                    "change": row.get_history_type_display(),
                    "source": row.get_history_source_display(),
                    "actor": row.actor.name if row.actor_id and row.actor else None,
                    **{name: getattr(row, name) for name in CONTACT_PERSONAL_FIELDS},
                    "is_public": row.is_public,
                    "consent_date": row.consent_date,
                }
                for row in records.contact_history
            ],
        ),
        "history_copies": _section(
            "Autres versions enregistrées dans l'historique qui contiennent l'adresse.",
            "Savoir qui a changé quoi et pouvoir revenir en arrière ; réservé à l'équipe.",
            "Avec l'enregistrement concerné ; l'adresse en est effacée sur demande.",
            [
                {
                    "record": _label(copy.row),
                    "history_date": copy.row.history_date,
                    "fields": {name: getattr(copy.row, name) for name in copy.fields},
                }
                for copy in records.history_copies
            ],
        ),
        "changes_by_account": _section(
            "Modifications faites depuis le compte de la personne (historique).",
            "Savoir qui a changé quoi ; réservé à l'équipe.",
            "Avec l'enregistrement concerné ; le compte anonymisé y reste attaché.",
            [
                {
                    "record": _label(row),
                    "object": str(row.instance) if row.history_type != "-" else None,
                    "history_date": row.history_date,
                    "change": row.get_history_type_display(),
                }
                for row in records.changes_by_accounts
            ],
        ),
        "logins": _section(
            "Connexions et tentatives de connexion (identifiant, adresse IP, navigateur, date).",
            "Protéger les comptes contre les essais de mots de passe.",
            "Supprimées avec le compte sur demande d'effacement.",
            [
                {
                    "record": _label(row),
                    "date": row.attempt_time,
                    "ip_address": row.ip_address,
                    "user_agent": row.user_agent,
                    "path": row.path_info,
                }
                for row in records.login_records
            ],
        ),
        "public_mentions": _section(
            "Informations d'une structure ou d'un projet qui reprennent l'adresse (par exemple l'e-mail public "
            "d'une structure).",
            "Ce sont les informations de la structure ou du projet, non celles de la personne.",
            "Tant que la structure les publie ; les modérateurs les corrigent à sa demande.",
            [
                {
                    "record": _label(row),
                    "name": str(row),
                    "fields": {name: getattr(row, name) for name in names},
                }
                for row, names in records.public_mentions
            ],
        ),
    }
    return {
        "email": records.email,
        "generated_at": timezone.now(),
        "controller": "Est Ensemble — ESS Portal",
        "contact": settings.DEFAULT_FROM_EMAIL,
        "sections": sections,
    }


# ---------------------------------------------------------------------------
# The register of requests


def _register_account() -> User:
    user, created = User.objects.get_or_create(
        username=REGISTER_USERNAME,
        defaults={"first_name": "Registre des demandes sur les données personnelles", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record_request(*, action: str, operator: str, email: str | None, summary: dict[str, int], flag: int) -> LogEntry:
    """Log a request and keep it in the admin log: who ran it, when, the address's fingerprint, what it did."""
    fingerprint = email_fingerprint(email) if email else ""
    details = ", ".join(f"{what} : {n}" for what, n in summary.items())
    message = f"{action} par « {operator} »" + (f", empreinte {fingerprint}" if fingerprint else "") + f" — {details}"
    # Logged once the request is done: a transaction rolled back leaves no line saying it happened.
    transaction.on_commit(
        lambda: logger.info("%s operator=%s email_hmac=%s %s", action, operator, fingerprint or "-", summary)
    )
    return LogEntry.objects.create(
        user=_register_account(),
        content_type=None,
        object_id=None,
        object_repr=f"{action} {fingerprint[:16]}".strip()[:200],
        action_flag=flag,
        change_message=message,
    )


# ---------------------------------------------------------------------------
# Erasure


@dataclass
class ErasureReport:
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)

    def add(self, bucket: dict[str, int], what: str, n: int) -> None:
        if n:
            bucket[what] = bucket.get(what, 0) + n


def _scrub(value, email: str):
    """`value` with every copy of the address removed (a whole value that is the address becomes empty)."""
    if isinstance(value, str):
        if value.strip().lower() == email.lower():
            return ""
        return re.sub(re.escape(email), ERASED, value, flags=re.IGNORECASE)
    if isinstance(value, list):
        return [_scrub(item, email) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, email) for key, item in value.items()}
    return value


def _scrub_rows(rows: Iterable[models.Model], names: Iterable[str], email: str) -> int:
    count = 0
    for row in rows:
        changed = []
        for name in names:
            f = row._meta.get_field(name)
            old = getattr(row, f.attname)
            new = _scrub(old, email)
            if isinstance(new, str) and f.max_length:
                new = new[: f.max_length]
            if new != old:
                setattr(row, f.attname, new)
                changed.append(f.attname)
        if changed:
            type(row).objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in changed})
            count += 1
    return count


def _forget_in_admin_log(model: type[models.Model], pks: Iterable) -> None:
    """The admin log names objects by their `str()` (a contact's name): erased objects lose it."""
    pks = [str(pk) for pk in pks]
    if pks:
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=pks).update(
            object_repr=ERASED
        )


def _anonymise_account(user: User) -> None:
    for device in _otp_devices(user):
        device.delete()
    user.username = f"compte-efface-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()  # also ends its sessions: their hash no longer matches
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


@transaction.atomic
def erase_person(*, email: str, operator: str) -> ErasureReport:
    """Erase, or anonymise where a decision must be kept, what the portal holds about `email`. All or nothing.

    - contacts are deleted through the history (a deletion record, then every version anonymised);
    - contributions and claims are deleted, except accepted ones (they explain a change of the
      directory): those keep their decision and changes and lose the author's name, e-mail, message
      and keys;
    - accounts with the address are deactivated and anonymised (they stay, so that the history still
      says a representative's account made its changes), their links to actors, second-factor devices
      and login records deleted. Staff accounts are refused: the administrator handles them;
    - every copy of the address left in the history of any record is erased.

    Organisations' own information that carries the address (an actor's public e-mail) is left as it
    is and listed in the report, for the moderators. Raises `PersonalDataError` for a staff account.
    """
    records = find_person(email)
    records.refuse_staff()
    report = ErasureReport()
    with provenance(Origin.COMMAND, "erase_person"):
        contact_ids = [contact.pk for contact in records.contacts]
        # Outside any deletion batch: an erased contact is not to be restored with « Fiches supprimées ».
        for contact in records.contacts:
            contact._change_reason = "Effacement des données personnelles à la demande de la personne"
            delete_with_history(contact)
        report.add(report.deleted, "contacts", len(contact_ids))
        _forget_in_admin_log(Contact, contact_ids)
        history = Contact.history.filter(Q(id__in=contact_ids) | Q(email__iexact=email))
        report.add(
            report.anonymised,
            "versions de contacts dans l'historique",
            history.update(**dict.fromkeys(CONTACT_PERSONAL_FIELDS, "")),
        )

        kept = [r.pk for r in records.change_requests if r.state in KEPT_REQUEST_STATES]
        dropped = [r.pk for r in records.change_requests if r.state not in KEPT_REQUEST_STATES]
        report.add(
            report.anonymised,
            "contributions acceptées (décision gardée)",
            ChangeRequest.objects.filter(pk__in=kept).update(
                author_name="", author_email="", message="", submitter_key=""
            ),
        )
        report.add(report.deleted, "contributions", ChangeRequest.objects.filter(pk__in=dropped).delete()[0])
        _forget_in_admin_log(ChangeRequest, kept + dropped)

        kept = [c.pk for c in records.claims if c.state == Claim.State.APPROVED]
        dropped = [c.pk for c in records.claims if c.state != Claim.State.APPROVED]
        report.add(
            report.anonymised,
            "revendications acceptées (décision gardée)",
            Claim.objects.filter(pk__in=kept).update(
                name="", email="", job_title="", message="", secret_hash="", submitter_key=""
            ),
        )
        report.add(report.deleted, "revendications", Claim.objects.filter(pk__in=dropped).delete()[0])
        _forget_in_admin_log(Claim, kept + dropped)

        report.add(
            report.deleted,
            "liens de représentation",
            Representative.objects.filter(pk__in=[r.pk for r in records.representatives]).delete()[0],
        )
        for login in records.login_records:
            login.delete()
        report.add(report.deleted, "connexions enregistrées", len(records.login_records))
        for user in records.accounts:
            _anonymise_account(user)
        report.add(report.anonymised, "comptes (désactivés)", len(records.accounts))
        _forget_in_admin_log(User, [user.pk for user in records.accounts])

        scrubbed = 0
        for model in historical_models():
            rows = model.objects.filter(_holding(model, email))
            scrubbed += _scrub_rows(rows, [f.name for f in _text_fields(model)], email)
        report.add(report.anonymised, "autres versions dans l'historique", scrubbed)
        scrubbed = _scrub_rows(
            LogEntry.objects.filter(_holding(LogEntry, email)), ["object_repr", "change_message"], email
        )
        report.add(report.anonymised, "lignes du journal de l'administration", scrubbed)

    report.left = [
        f"{_label(row)} « {row} » ({', '.join(names)}) : information de la structure, à corriger par les modérateurs"
        for row, names in find_person(email).public_mentions
    ]
    record_request(
        action="erase_person",
        operator=operator,
        email=email,
        summary={**report.deleted, **report.anonymised},
        flag=DELETION,
    )
    return report


# ---------------------------------------------------------------------------
# Retention


@dataclass
class PurgeReport:
    change_requests: int = 0
    claims: int = 0
    keys: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "contributions décidées effacées": self.change_requests,
            "revendications décidées effacées": self.claims,
            "empreintes anti-abus effacées": self.keys,
        }


# Sections of the « Données personnelles » page that other apps add, as (template, context function):
# the directory imports no other app, so each says what it keeps itself (from its AppConfig.ready).
PRIVACY_SECTIONS: list[tuple[str, Callable[[], dict]]] = []


def register_privacy_section(template_name: str, context: Callable[[], dict] = dict) -> None:
    """Add a section to `/confidentialite/`: `template_name` rendered with `section` = `context()`."""
    if all(name != template_name for name, _context in PRIVACY_SECTIONS):
        PRIVACY_SECTIONS.append((template_name, context))


# Other models that keep a sender's rate-limit key (`submitter_key`, with `created_at`), e.g. the agenda's
# proposed events: their apps register them here (the directory imports no other app); the purge blanks them.
SUBMITTER_KEY_MODELS: list[type[models.Model]] = []


def register_submitter_keys(model: type[models.Model]) -> None:
    """Have `purge_contributions` blank `model.submitter_key` after `SUBMITTER_KEY_RETENTION_DAYS`."""
    if model not in SUBMITTER_KEY_MODELS:
        SUBMITTER_KEY_MODELS.append(model)


def purge_contributions(*, operator: str, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Apply the retention periods to contributions and claims, in one transaction.

    Decided ones (anything but « en attente ») are deleted `CONTRIBUTION_RETENTION_DAYS` after their
    decision (or their receipt, when the decision has no date), with the author's name and e-mail;
    every rate-limit key older than `SUBMITTER_KEY_RETENTION_DAYS` is blanked, pending requests included.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONTRIBUTION_RETENTION_DAYS)
    key_cutoff = now - timedelta(days=SUBMITTER_KEY_RETENTION_DAYS)
    with transaction.atomic():
        requests = (
            ChangeRequest.objects.exclude(state=ChangeRequest.State.PENDING)
            .alias(decided=Coalesce("decided_at", "created_at"))
            .filter(decided__lt=cutoff)
        )
        claims = (
            Claim.objects.exclude(state=Claim.State.PENDING)
            .alias(decided=Coalesce("decided_at", "created_at"))
            .filter(decided__lt=cutoff)
        )
        report = PurgeReport(change_requests=requests.count(), claims=claims.count())
        request_keys = ChangeRequest.objects.filter(created_at__lt=key_cutoff).exclude(submitter_key="")
        claim_keys = Claim.objects.filter(created_at__lt=key_cutoff).exclude(submitter_key="")
        other_keys = [
            model._default_manager.filter(created_at__lt=key_cutoff).exclude(submitter_key="")
            for model in SUBMITTER_KEY_MODELS
        ]
        if dry_run:
            report.keys = (
                request_keys.exclude(pk__in=requests.values("pk")).count()
                + claim_keys.exclude(pk__in=claims.values("pk")).count()
                + sum(keys.count() for keys in other_keys)
            )
            log_dry_run(action="purge_contributions", operator=operator, email=None, plan=report.as_dict())
            return report
        _forget_in_admin_log(ChangeRequest, requests.values_list("pk", flat=True))
        _forget_in_admin_log(Claim, claims.values_list("pk", flat=True))
        requests.delete()
        claims.delete()
        report.keys = (
            request_keys.update(submitter_key="")
            + claim_keys.update(submitter_key="")
            + sum(keys.update(submitter_key="") for keys in other_keys)
        )
        if any(report.as_dict().values()):
            record_request(
                action="purge_contributions", operator=operator, email=None, summary=report.as_dict(), flag=DELETION
            )
        else:
            logger.info("purge_contributions operator=%s nothing to purge", operator)
    return report


def log_dry_run(*, action: str, operator: str, email: str | None, plan) -> None:
    """A simulation changes nothing and is not kept in the register; the log still says it was run."""
    fingerprint = email_fingerprint(email) if email else "-"
    logger.info("%s (dry run) operator=%s email_hmac=%s %s", action, operator, fingerprint, plan)


def record_export(*, records: PersonRecords, operator: str) -> LogEntry:
    """Keep an export in the register, once its file is written."""
    return record_request(
        action="export_person", operator=operator, email=records.email, summary=records.counts(), flag=CHANGE
    )
