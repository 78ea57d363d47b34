"""Forms of the buyers' pages and admin. The rules are the models', validators' and services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory import versions
from directory.account_forms import add_errors
from directory.contributions import GuardedForm
from directory.forms import PublicationStatusFormMixin, formfield_assuming_https
from directory.models import Commune
from purchasing import validators
from purchasing.models import BuyerNeed, CpvCode, SupplierOffer, validate_area
from purchasing.services import ACCOUNT_OFFER_FIELDS


class CpvCodeField(forms.ModelChoiceField):
    """A CPV category chosen in the table; a forged or unknown code is refused in French."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=CpvCode.objects.order_by("code"),
            to_field_name="code",
            label=kwargs.pop("label", _("Catégorie CPV")),
            empty_label=_("— choisissez une catégorie —"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        indent = "\u00a0\u00a0\u00a0" if obj.level == CpvCode.Level.GROUP else ""
        return f"{indent}{obj.code} {obj.label}"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        code = validators.normalise_cpv_code(value)
        validators.validate_cpv_code_format(code)
        found = self.queryset.filter(code=code).first()
        if found is None:
            raise validators.unknown_cpv_error(code)
        return found


def territory_communes(label, required: bool) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Commune.objects.in_territory().order_by("name"),
        to_field_name="insee_code",
        required=required,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )


class NeedForm(GuardedForm):
    """A buyer posts a need (no account): checked as the model checks it, with the public forms' guards."""

    title = forms.CharField(label=_("Intitulé du besoin"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=BuyerNeed._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce qu'il faut fournir, les quantités, le calendrier ; en texte simple, sans HTML."),
    )
    cpv = CpvCodeField(help_text=_("La division ou le groupe du vocabulaire des marchés publics (CPV)."))
    communes = territory_communes(_("Communes de livraison"), required=True)
    deadline = forms.DateField(
        label=_("Date limite"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Le besoin quitte le tableau après cette date (format AAAA-MM-JJ)."),
    )
    buyer_name = forms.CharField(label=_("Votre organisation"), max_length=200)
    buyer_kind = forms.ChoiceField(label=_("Vous êtes"), choices=BuyerNeed.BuyerKind.choices)
    contact_email = forms.EmailField(
        label=_("Votre e-mail"),
        help_text=_(
            "Privé : jamais affiché. Nous y envoyons le lien vers les fournisseurs qui répondent à votre besoin."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The need's fields first, then the guards.
        self.fields = {name: self.fields[name] for name in [*self.need_fields, "nickname", "started"]}
        self.fields["nickname"].widget.attrs["class"] = "visually-hidden-field"

    need_fields = ("title", "description", "cpv", "communes", "deadline", "buyer_name", "buyer_kind", "contact_email")

    def clean(self):
        cleaned = super().clean()
        for name in ("title", "description", "buyer_name"):
            if cleaned.get(name):
                try:
                    validators.validate_plain_text(cleaned[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        if cleaned.get("deadline"):
            try:
                validators.validate_deadline(cleaned["deadline"])
            except forms.ValidationError as exc:
                self.add_error("deadline", exc)
        return cleaned

    def need(self) -> BuyerNeed:
        data = self.cleaned_data
        return BuyerNeed(**{name: data[name] for name in self.need_fields if name != "communes"})

    def add_service_error(self, exc) -> None:
        add_errors(self, exc)


class AccountOfferForm(forms.ModelForm):
    """An offer edited from a structure's account: the account's fields, its version, then moderation."""

    cpv = CpvCodeField()

    class Meta:
        model = SupplierOffer
        fields = list(ACCOUNT_OFFER_FIELDS)
        formfield_callback = formfield_assuming_https
        widgets = {"communes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = Commune.objects.in_territory().order_by("name")
        self.fields["communes"].to_field_name = "insee_code"
        self.fields[versions.VERSION_FIELD] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        if not self.is_bound:
            self.initial[versions.VERSION_FIELD] = versions.current_version(self.instance)
            if self.instance.pk:
                self.initial["communes"] = [c.insee_code for c in self.instance.communes.all()]
                self.initial["cpv"] = self.instance.cpv.code

    def clean(self):
        cleaned = super().clean()
        try:
            validate_area(whole_territory=cleaned.get("whole_territory"), communes=cleaned.get("communes"))
        except forms.ValidationError as exc:
            add_errors(self, exc)
        return cleaned

    def _post_clean(self):
        # The service validates and saves the record (`save_account_offer`); nothing is written here.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ACCOUNT_OFFER_FIELDS}

    def sent_version(self) -> int | None:
        return self.cleaned_data.get(versions.VERSION_FIELD)

    def refuse_stale(self, exc: versions.StaleEdit) -> None:
        self.add_error(None, exc)
        data = self.data.copy()
        data[versions.VERSION_FIELD] = exc.current
        self.data = data

    def add_service_error(self, exc) -> None:
        add_errors(self, exc)


class SupplierOfferAdminForm(PublicationStatusFormMixin, forms.ModelForm):
    """The staff form of an offer: the publication state follows the user's right to approve."""

    class Meta:
        model = SupplierOffer
        formfield_callback = formfield_assuming_https
        fields = [
            "actor",
            "title",
            "description",
            "cpv",
            "whole_territory",
            "communes",
            "capacity",
            "max_order_amount",
            "references",
            "url",
            "status",
            "review_note",
            "is_fictional",
        ]

    def clean(self):
        cleaned = super().clean()
        if "communes" in self.fields:
            try:
                validate_area(whole_territory=cleaned.get("whole_territory"), communes=cleaned.get("communes"))
            except forms.ValidationError as exc:
                add_errors(self, exc)
        return cleaned


class BuyerNeedAdminForm(forms.ModelForm):
    """The staff form of a need: its wording and dates. Decisions are the admin's actions (which tell
    the buyer and the suppliers); the contact stays private (not in this form)."""

    class Meta:
        model = BuyerNeed
        fields = [
            "title",
            "description",
            "cpv",
            "communes",
            "deadline",
            "buyer_name",
            "buyer_kind",
            "decision_reason",
            "is_fictional",
        ]

    def clean(self):
        cleaned = super().clean()
        if "communes" in self.fields and not cleaned.get("communes"):
            self.add_error("communes", _("Choisissez au moins une commune de livraison."))
        return cleaned
