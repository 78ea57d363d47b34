"""Forms of the directory's staff admin.

Validation stays in the models and `directory.validators`; these forms only adapt input
(identifiers typed with spaces, scopes as checkboxes, an expiry day rather than an instant).
"""

import re

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from directory import services, validators
from directory.models import Actor, ApiToken, Commune, PublicationStatus, SupportOffer


def formfield_assuming_https(db_field: models.Field, **kwargs) -> forms.Field | None:
    """Form fields as Django makes them, except that a web address typed without scheme means https://."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


_FROM_INSTANCE = object()


class PublicationStatusFormMixin:
    """The publication state, offered and accepted according to the user's right to publish.

    The rule is `services.allowed_statuses`. The admin sets `publication_user` on the form class it
    builds, and `stored_status` when the form's instance is not the stored record (a history revert
    starts from an old version: what counts is the state in the database, not the version's).
    """

    publication_user = None
    stored_status = _FROM_INSTANCE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("status")
        if field is None or self.publication_user is None:
            return
        allowed = self._allowed_statuses()
        # Only what may be chosen is offered; a forged value is refused by clean_status, with the reason.
        field.widget.choices = [(value, label) for value, label in field.choices if value in allowed]
        if self.initial.get("status") not in allowed:
            stored = self._stored_status()
            self.initial["status"] = stored if stored in allowed else PublicationStatus.DRAFT

    def _stored_status(self) -> str | None:
        if self.stored_status is not _FROM_INSTANCE:
            return self.stored_status
        return self.instance.status if self.instance.pk else None

    def _allowed_statuses(self) -> list[str]:
        return services.allowed_statuses(
            user=self.publication_user, model=self._meta.model, current=self._stored_status()
        )

    def clean_status(self):
        status = self.cleaned_data.get("status")
        if self.publication_user is not None and status:
            services.check_status_change(
                user=self.publication_user, model=self._meta.model, current=self._stored_status(), new=status
            )
        return status


class ActorAdminForm(PublicationStatusFormMixin, forms.ModelForm):
    """The actor form: accepts SIRET and SIREN as printed (« 732 829 320 00074 »)."""

    class Meta:
        model = Actor
        formfield_callback = formfield_assuming_https
        fields = [
            "name",
            "slug",
            "siret",
            "siren",
            "rna",
            "legal_form",
            "ess_status",
            "typology",
            "roles",
            "sectors",
            "labels",
            "address",
            "postal_code",
            "commune",
            "neighbourhood",
            "latitude",
            "longitude",
            "serves_whole_territory",
            "communes_served",
            "website",
            "email",
            "phone",
            "opening_hours",
            "short_description",
            "description",
            "offer",
            "employees",
            "fte",
            "volunteers",
            "founded_year",
            "status",
            "is_fictional",
            "source",
            "source_id",
            "last_verified_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Spaces and dots are allowed while typing; the model checks the 14 (or 9) digits once compacted.
        for name in ("siret", "siren"):
            if name in self.fields:
                field = self.fields[name]
                field.max_length = None
                field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
                field.widget.attrs.pop("maxlength", None)
        if "siret" in self.fields:
            self.fields["siret"].help_text = _("14 chiffres, espaces acceptés. Unique dans l'annuaire.")
        if "slug" in self.fields:
            self.fields["slug"].help_text = _("Laisser vide : il est déduit du nom.")


class SupportOfferAdminForm(PublicationStatusFormMixin, forms.ModelForm):
    class Meta:
        model = SupportOffer
        formfield_callback = formfield_assuming_https
        fields = [
            "provider",
            "title",
            "slug",
            "kind",
            "description",
            "stages",
            "target_typology",
            "sectors",
            "eligibility",
            "cost",
            "whole_territory",
            "communes",
            "url",
            "status",
            "is_fictional",
        ]


class SupportOfferInlineForm(PublicationStatusFormMixin, forms.ModelForm):
    """An offer edited from its provider's page: the same right to publish as on its own page."""

    class Meta:
        model = SupportOffer
        fields = ["title", "kind", "stages", "target_typology", "cost", "status"]


class PostalCodesField(forms.CharField):
    """A list of postal codes typed as « 93100, 93101 » (stored as a JSON list)."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [code for code in re.split(r"[\s,;]+", text) if code]

    def validate(self, value):
        super().validate(value)
        for code in value:
            validators.validate_postal_code(code)


class CommuneAdminForm(forms.ModelForm):
    postal_codes = PostalCodesField(
        label=_("Codes postaux"),
        required=False,
        help_text=_("Séparés par des virgules, hors CEDEX (par exemple « 93100 »)."),
    )

    class Meta:
        model = Commune
        fields = ["insee_code", "name", "slug", "postal_codes", "department_code", "in_territory"]


class FrenchUniqueInlineFormSet(BaseInlineFormSet):
    """Inline rows that repeat each other are named by the fields' French labels, not their code names."""

    def get_unique_error_message(self, unique_check):
        labels = [str(self.model._meta.get_field(name).verbose_name) for name in unique_check]
        return _("Deux lignes ont les mêmes valeurs pour : %(fields)s. Supprimez le doublon.") % {
            "fields": get_text_list(labels, _("et"))
        }


class ScopesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=ApiToken.Scope.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label=_("Droits"),
            help_text=_("Sans droit coché, le jeton ne lit que les données publiées."),
            **kwargs,
        )


class ApiTokenCreateForm(forms.ModelForm):
    """A new token: the secret itself is generated by `services.create_api_token`, never typed."""

    scopes = ScopesField()
    expires_on = forms.DateField(
        label=_("Valable jusqu'au"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Inclus (jusqu'à minuit, heure de Paris). Laisser vide pour un jeton sans date d'expiration."),
    )

    class Meta:
        model = ApiToken
        fields = ["organisation", "name", "scopes"]

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day:
            services.validate_token_expiry(services.token_expiry(day))
        return day


class ApiTokenChangeForm(forms.ModelForm):
    """An existing token: only its name and scopes change (revoke it and create another otherwise)."""

    scopes = ScopesField()

    class Meta:
        model = ApiToken
        fields = ["name", "scopes"]
