"""Public forms that need no account: propose an organisation, suggest a correction, claim a listing.

Spam resistance without third parties, the same for every such form (`GuardedForm`):

- a honeypot field that people do not see (hidden by CSS and from assistive technologies);
- a signed time stamp: a form sent back faster than `CONTRIBUTION_MIN_SECONDS` is refused, one
  older than a day must be reloaded;
- a limit per sender's address (`CONTRIBUTION_RATE_PER_HOUR`), counted on a keyed hash of the
  address kept with the contribution and erased with it (`moderation.submitter_key`);
- the models' size limits, and texts stored as typed: templates escape them when rendering.
"""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directory import moderation
from directory.forms import formfield_assuming_https
from directory.models import TEXT_MAX_LENGTH, Actor, ChangeRequest, Commune
from ess_portal.client_ip import client_ip

_SALT = "directory.contributions.started"
MAX_FORM_AGE = 24 * 3600


class GuardedForm(forms.Form):
    """A public form with a honeypot and a minimum fill time (see the module's docstring)."""

    # Named like a real field so that robots fill it; people never see it.
    nickname = forms.CharField(label=_("Ne pas remplir ce champ"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=_SALT)
        self.fields["nickname"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def full_clean(self):
        super().full_clean()
        # Each field's errors are announced with it (RGAA 11.10): its description names them.
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_helptext"] if bound.help_text else []
            self.fields[name].widget.attrs["aria-describedby"] = " ".join([*described, f"{bound.auto_id}_errors"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("nickname"):
            raise ValidationError(_("Le formulaire n'a pas pu être envoyé. Rechargez la page et réessayez."))
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=_SALT, max_age=MAX_FORM_AGE))
            if time.time() - started > MAX_FORM_AGE:
                raise ValueError("stale form")
        except (signing.BadSignature, TypeError, ValueError):
            raise ValidationError(
                _("Ce formulaire a expiré ou est incomplet. Rechargez la page pour le remplir à nouveau."),
                code="expired",
            ) from None
        if time.time() - started < settings.CONTRIBUTION_MIN_SECONDS:
            raise ValidationError(
                _("Formulaire envoyé trop vite. Relisez-le, puis envoyez-le à nouveau."), code="too_fast"
            )
        # A valid form gets a fresh stamp if shown again (after another error).
        return cleaned


def sender_key(request) -> str:
    return moderation.submitter_key(client_ip(request) or "")


def rate_limited(request) -> bool:
    """Whether this address has sent as many contributions as allowed in the last hour."""
    return moderation.recent_submissions(sender_key(request)) >= settings.CONTRIBUTION_RATE_PER_HOUR


class AuthorFields(forms.Form):
    author_name = forms.CharField(label=_("Votre nom"), max_length=150, required=False)
    author_email = forms.EmailField(
        label=_("Votre e-mail"),
        required=False,
        help_text=_("Facultatif : pour vous répondre. Vu par l'équipe seulement, effacé avec votre contribution."),
    )
    message = forms.CharField(
        label=_("Message à l'équipe"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _actor_fields(names):
    """Form fields for actor fields, as the model declares them (lengths, validators, choices)."""
    fields = {}
    for name in names:
        model_field = Actor._meta.get_field(name)
        if name in moderation.MANY_TO_MANY:
            model = moderation.MANY_TO_MANY[name]
            field = forms.ModelMultipleChoiceField(
                queryset=model.objects.order_by("name"),
                to_field_name="slug",
                required=False,
                label=model_field.verbose_name,
                widget=forms.CheckboxSelectMultiple,
            )
        elif name == "commune":
            field = forms.ModelChoiceField(
                queryset=Commune.objects.in_territory().order_by("name"),
                to_field_name="insee_code",
                required=False,
                label=model_field.verbose_name,
                empty_label=_("— hors du territoire ou inconnue —"),
            )
        else:
            field = formfield_assuming_https(model_field)
            field.required = False
        fields[name] = field
    return fields


def _to_change(name, value):
    if name in moderation.MANY_TO_MANY:
        return sorted(obj.slug for obj in value or [])
    if name == "commune":
        return value.insee_code if value else ""
    if value is None:
        return ""
    return str(value) if not isinstance(value, int | str) else value


class ActorChangesForm(GuardedForm, AuthorFields):
    """Fields of an actor, proposed by the public: validated as the model validates them."""

    actor_field_names: tuple[str, ...] = moderation.PROPOSABLE_FIELDS
    kind = ChangeRequest.Kind.CORRECTION

    def __init__(self, *args, actor: Actor | None = None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        actor_fields = _actor_fields(self.actor_field_names)
        # Actor fields first, then the author's, then the guards.
        self.fields = {**actor_fields, **self.fields}
        if actor is not None and not self.is_bound:
            for name in self.actor_field_names:
                value = moderation.represent(actor, name)
                self.initial[name] = value
        self.fields["nickname"].widget.attrs["class"] = "visually-hidden-field"

    def proposed_changes(self) -> dict:
        return {name: _to_change(name, self.cleaned_data.get(name)) for name in self.actor_field_names}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        changes = self.proposed_changes()
        if self.actor is not None:
            changes = {n: v for n, v in changes.items() if moderation.represent(self.actor, n) != v}
            if not changes and not cleaned.get("message"):
                raise ValidationError(
                    _("Vous n'avez rien modifié : corrigez un champ ou expliquez l'erreur dans le message.")
                )
        try:
            moderation.validate(self.actor, changes)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        self.changes = changes
        return cleaned

    def save(self, *, key: str) -> ChangeRequest:
        return moderation.submit(
            kind=self.kind,
            actor=self.actor,
            changes=self.changes,
            message=self.cleaned_data.get("message", ""),
            author_name=self.cleaned_data.get("author_name", ""),
            author_email=self.cleaned_data.get("author_email", ""),
            key=key,
        )


class ProposalForm(ActorChangesForm):
    """Propose an organisation that the directory lacks."""

    kind = ChangeRequest.Kind.PROPOSAL
    actor_field_names = (
        "name",
        "legal_form",
        "siret",
        "short_description",
        "sectors",
        "address",
        "postal_code",
        "commune",
        "website",
        "email",
        "phone",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, actor=None, **kwargs)
        for name in ("name", "short_description"):
            self.fields[name].required = True
        self.fields["legal_form"].required = True

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and not self.errors and Actor.objects.filter(name__iexact=name.strip()).exists():
            self.add_error(
                "name",
                _("Une fiche porte déjà ce nom : cherchez-la dans l'annuaire et proposez-y une correction."),
            )
        return cleaned


class CorrectionForm(ActorChangesForm):
    """Suggest corrections to a listing; only the fields changed are sent."""

    kind = ChangeRequest.Kind.CORRECTION
    actor_field_names = tuple(name for name in moderation.PROPOSABLE_FIELDS if name != "labels")
