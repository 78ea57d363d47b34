"""Forms of the claim page and of the structures' accounts (`directory.account_views`), and the claims' decision.

Validation stays in the models and `directory.claims`: these forms only adapt input (identifiers
typed with spaces, e-mail addresses in lower case) and offer the fields as the model declares them.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from directory import claims, validators, versions
from directory.contributions import GuardedForm
from directory.forms import formfield_assuming_https
from directory.models import TEXT_MAX_LENGTH, Actor, Claim, Commune, PublicationStatus, Sector

HONEYPOT_CLASS = "visually-hidden-field"


class ClaimForm(GuardedForm):
    """« Revendiquer la fiche »: who asks, and how they prove that they represent the structure."""

    name = forms.CharField(
        label=_("Votre prénom et nom (obligatoire)"), max_length=150, widget=forms.TextInput({"autocomplete": "name"})
    )
    job_title = forms.CharField(
        label=_("Votre fonction dans la structure"),
        max_length=150,
        required=False,
        help_text=_("Par exemple « présidente », « coordinateur », « chargée de communication »."),
        widget=forms.TextInput({"autocomplete": "organization-title"}),
    )
    email = forms.EmailField(
        label=_("Votre adresse e-mail (obligatoire)"),
        max_length=claims.EMAIL_MAX_LENGTH,
        help_text=_("Ce sera l'identifiant de votre compte : le lien pour définir votre mot de passe y sera envoyé."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    method = forms.ChoiceField(
        label=_("Comment prouvez-vous que vous représentez la structure ?"), widget=forms.RadioSelect
    )
    message = forms.CharField(
        label=_("Message à l'équipe ESS"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Nécessaire pour une demande examinée par l'équipe : ce qui montre votre lien avec la structure "
            "(votre rôle, une page de son site qui vous nomme, un numéro où vous joindre…)."
        ),
        widget=forms.Textarea({"rows": 5}),
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["nickname"].widget.attrs["class"] = HONEYPOT_CLASS
        choices = []
        if actor.email:
            choices.append(
                (
                    Claim.Method.EMAIL_LINK,
                    _("Par un lien envoyé à l'e-mail public de la structure (%(email)s)")
                    % {"email": claims.mask_email(actor.email)},
                )
            )
        choices.append((Claim.Method.REVIEW, _("Par une demande examinée par l'équipe ESS")))
        self.fields["method"].choices = choices
        if not self.is_bound:
            self.initial["method"] = choices[0][0]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") == Claim.Method.REVIEW and not (cleaned.get("message") or "").strip():
            self.add_error("message", _("Expliquez à l'équipe ce qui montre votre lien avec la structure."))
        return cleaned

    def add_service_error(self, exc: ValidationError) -> None:
        add_errors(self, exc)


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has it, at the top otherwise."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _sectors():
    # Each main sector followed by its own, in the nomenclature's order.
    return (
        Sector.objects.select_related("parent")
        .annotate(group_position=Coalesce("parent__position", "position"), group_name=Coalesce("parent__name", "name"))
        .order_by("group_position", "group_name", F("parent").asc(nulls_first=True), "position", "name")
    )


OWNER_STATUS_CHOICES = [
    (PublicationStatus.PUBLISHED, _("publiée dans l'annuaire")),
    (PublicationStatus.ARCHIVED, _("retirée de l'annuaire (archivée)")),
]


class ListingForm(forms.Form):
    """A structure's listing, edited by its account: public information, then what the moderators check."""

    direct_fields = claims.OWNER_DIRECT_FIELDS
    moderated_fields = claims.OWNER_MODERATED_FIELDS

    def __init__(self, *args, actor: Actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        for name in (*self.direct_fields, *self.moderated_fields):
            self.fields[name] = self._field(name)
        self.fields["message"] = forms.CharField(
            label=_("Message à l'équipe ESS"),
            required=False,
            max_length=TEXT_MAX_LENGTH,
            help_text=_("Facultatif : ce qui justifie les modifications à valider (un changement de nom, de statut…)."),
            widget=forms.Textarea({"rows": 3}),
        )
        self.fields[versions.VERSION_FIELD] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        if not self.is_bound:
            for name in (*self.direct_fields, *self.moderated_fields):
                self.initial[name] = self._initial(name)
            self.initial[versions.VERSION_FIELD] = versions.current_version(actor)

    def _field(self, name: str) -> forms.Field:
        model_field = Actor._meta.get_field(name)
        if name == "sectors":
            return forms.ModelMultipleChoiceField(
                queryset=_sectors(),
                to_field_name="slug",
                required=False,
                label=capfirst(model_field.verbose_name),
                widget=forms.CheckboxSelectMultiple,
            )
        if name == "commune":
            # The member communes, and the one the listing has if it lies outside (a partner's).
            communes = Commune.objects.in_territory()
            if self.actor.commune_id:
                communes = communes | Commune.objects.filter(pk=self.actor.commune_id)
            return forms.ModelChoiceField(
                queryset=communes.order_by("name"),
                to_field_name="insee_code",
                required=False,
                label=capfirst(model_field.verbose_name),
                empty_label=_("— hors du territoire ou inconnue —"),
            )
        if name == "status":
            choices = list(OWNER_STATUS_CHOICES)
            if self.actor.status not in dict(choices):
                choices.append((self.actor.status, self.actor.get_status_display()))
            return forms.ChoiceField(label=capfirst(model_field.verbose_name), choices=choices)
        if name == "legal_form":
            return forms.ChoiceField(label=capfirst(model_field.verbose_name), choices=Actor.LegalForm.choices)
        if name == "siret":
            # Typed as printed (« 123 456 789 00012 »): compacted by clean_siret, then checked as the model checks it.
            return forms.CharField(
                label=capfirst(model_field.verbose_name), help_text=model_field.help_text, max_length=20, required=False
            )
        field = formfield_assuming_https(model_field)
        if name == "name":
            field.required = True
        return field

    def _initial(self, name: str):
        if name == "sectors":
            return list(self.actor.sectors.all())
        if name == "commune":
            return self.actor.commune if self.actor.commune_id else None
        value = getattr(self.actor, name)
        return "" if value is None else value

    def clean_siret(self):
        siret = validators.digits_only(self.cleaned_data.get("siret") or "")
        if siret:
            validators.validate_siret(siret)
        return siret

    def clean_rna(self):
        rna = (self.cleaned_data.get("rna") or "").strip().upper()
        if rna:
            validators.validate_rna(rna)
        return rna

    def direct_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.direct_fields}
        values["sectors"] = list(values["sectors"] or [])
        return values

    def moderated_changes(self) -> dict:
        """The moderated fields as change requests store them (text; `moderation.represent`)."""
        return {name: self.cleaned_data.get(name) or "" for name in self.moderated_fields}

    def sent_version(self) -> int | None:
        return self.cleaned_data.get(versions.VERSION_FIELD)

    def refuse_stale(self, exc: versions.StaleEdit) -> None:
        """The form comes back with what was typed and the current version: saving again is deliberate."""
        self.add_error(None, exc)
        data = self.data.copy()
        data[versions.VERSION_FIELD] = exc.current
        self.data = data

    def add_service_error(self, exc: ValidationError) -> None:
        add_errors(self, exc)


class AccountAuthenticationForm(AuthenticationForm):
    """Sign in to a structure's account with the e-mail address; staff sign in to the admin."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect. Vérifiez-les et réessayez."),
        "inactive": _("Ce compte est désactivé. Écrivez à l'équipe ESS pour le rouvrir."),
        "staff": _("Les comptes de l'équipe ESS se connectent à l'administration, avec leur double authentification."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Adresse e-mail")
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})

    def clean_username(self):
        return (self.cleaned_data.get("username") or "").strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff or user.is_superuser:
            # The admin's login asks for the second factor; this one does not.
            raise ValidationError(self.error_messages["staff"], code="staff")


class AccountPasswordResetForm(PasswordResetForm):
    """« Mot de passe oublié » for structures' accounts only (staff ask a superuser), with or without a password yet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail de votre compte")

    def get_users(self, email):
        users = User.objects.filter(
            email__iexact=email.strip(),
            is_active=True,
            is_staff=False,
            is_superuser=False,
            represented_actors__isnull=False,
        ).distinct()
        return iter(users)


class ClaimDecisionForm(forms.Form):
    """A moderator's decision on a claim by review."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(APPROVE, _("Accepter : créer l'accès de la personne")), (REJECT, _("Refuser"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Obligatoire pour un refus : il est envoyé à la personne."),
        widget=forms.Textarea({"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Donnez le motif du refus : il est envoyé à la personne."))
        return cleaned
