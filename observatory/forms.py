"""Forms of the observatory: the staff's figures (admin) and a structure's declaration (/compte/)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.account_forms import add_errors
from observatory.models import FIRST_YEAR, METRIC_NAMES, NEGATIVE_MESSAGE, NOTE_MAX_LENGTH, YearlyFigures

# The fields whose value decides the uniqueness rules (one approved and one pending row per actor and
# year): checked by full_clean even where the form does not show them.
CONSTRAINED_FIELDS = {"actor", "year", "status"}


def _metric_field(name: str) -> forms.Field:
    field = YearlyFigures._meta.get_field(name).formfield(required=False)
    field.error_messages["min_value"] = NEGATIVE_MESSAGE
    return field


class YearlyFiguresAdminForm(forms.ModelForm):
    """The staff's change form: each value with its source. The rules are the model's (full_clean)."""

    class Meta:
        model = YearlyFigures
        fields = [
            "actor",
            "year",
            *(name for metric in METRIC_NAMES for name in (metric, f"{metric}_source")),
            "note",
            "is_fictional",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in METRIC_NAMES:
            if name in self.fields:
                self.fields[name].error_messages["min_value"] = NEGATIVE_MESSAGE

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - CONSTRAINED_FIELDS


class DeclarationForm(forms.Form):
    """A structure's figures for one year, declared by its account (the source is « déclaré par la structure »)."""

    year = forms.IntegerField(
        label=_("Année"),
        help_text=_("L'année sur laquelle portent les chiffres (exercice clos)."),
        error_messages={
            "invalid": _("Indiquez une année en chiffres, par exemple 2025."),
            "required": _("Indiquez l'année des chiffres."),
            "max_value": _("L'année ne peut pas être dans le futur."),
            "min_value": _("L'année doit être %(limit_value)s ou après."),
        },
    )
    note = forms.CharField(
        label=_("Message à l'équipe ESS"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif : comment les chiffres ont été établis. Jamais publié."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].min_value = FIRST_YEAR
        self.fields["year"].max_value = this_year
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": this_year})
        if not self.is_bound:
            self.initial.setdefault("year", this_year - 1)
        fields = {"year": self.fields.pop("year")}
        for name in METRIC_NAMES:
            fields[name] = _metric_field(name)
        fields["note"] = self.fields.pop("note")
        self.fields = fields

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("L'année ne peut pas être dans le futur."))
        return year

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in METRIC_NAMES}

    def add_service_error(self, exc) -> None:
        add_errors(self, exc)


class RefusalForm(forms.Form):
    """The moderator's reason for refusing proposed figures, sent to the structure."""

    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Envoyé à la structure avec le refus."),
        error_messages={"required": _("Indiquez le motif du refus : il est envoyé à la structure.")},
    )
