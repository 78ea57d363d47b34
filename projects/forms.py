"""Forms of the strategy tracker (staff admin, and the public proposal of an event). Rules stay in the models
and validators."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from directory.contributions import GuardedForm
from directory.models import Actor, Commune, PublicationStatus
from projects import lifecycle, services
from projects.models import Event, Initiative, Measurement


class ErrorsOnMissingFieldsMixin:
    """Show model errors about fields the form does not edit (e.g. the read-only status) at the top.

    `Model.clean()` reports the energy gate on `status`; a form without that field would
    otherwise crash with « has no field named 'status' ».
    """

    def add_error(self, field, error):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            moved = {}
            for name, errors in error.error_dict.items():
                target = name if name == NON_FIELD_ERRORS or name in self.fields else NON_FIELD_ERRORS
                moved.setdefault(target, []).extend(errors)
            error = ValidationError(moved)
        elif field is not None and field != NON_FIELD_ERRORS and field not in self.fields:
            field = None
        super().add_error(field, error)


class PublicationFieldMixin:
    """`publication_status` as the user may set it: `services.may_publish` decides.

    Someone who may not publish (an editor) proposes: « publié » is not offered, a published record's
    status is read-only, and a forged POST is refused by `services.validate_publication_change`.
    The admin sets `publication_user` (`with_publication_user`); the history revert uses the same form.
    """

    publication_user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("publication_status")
        self._stored_publication = None
        if field is None or self.publication_user is None:
            return
        model = self._meta.model
        if services.may_publish(self.publication_user, model):
            return
        if self.instance.pk:
            # As stored, not as the reverted version says.
            self._stored_publication = (
                model.objects.filter(pk=self.instance.pk).values_list("publication_status", flat=True).first()
            )
        if self._stored_publication == PublicationStatus.PUBLISHED:
            field.disabled = True
            self.initial["publication_status"] = self._stored_publication
            field.help_text = _("Seuls les modérateurs dépublient un projet ou un lieu publié.")
        else:
            field.choices = [(v, label) for v, label in field.choices if v != PublicationStatus.PUBLISHED]
            field.help_text = _("Proposez la fiche « à valider » : les modérateurs la publient.")

    def clean_publication_status(self):
        value = self.cleaned_data.get("publication_status")
        if self.publication_user is not None:
            try:
                services.validate_publication_change(
                    user=self.publication_user,
                    model=self._meta.model,
                    from_status=self._stored_publication if self.instance.pk else None,
                    to_status=value,
                )
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["publication_status"]) from None
        return value


def with_publication_user(form_class, user):
    """`form_class` with `PublicationFieldMixin`, bound to the user who fills it in."""
    bases = (form_class,) if issubclass(form_class, PublicationFieldMixin) else (PublicationFieldMixin, form_class)
    return type(form_class.__name__, bases, {"publication_user": user})


class InitiativeAdminForm(PublicationFieldMixin, ErrorsOnMissingFieldsMixin, forms.ModelForm):
    """The initiative's fields, never its status.

    Restoring an earlier version from the history restores its content but keeps the current
    status: the lifecycle moves only through `services.change_status`, which logs each step.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.stored_status()
        if stored is not None and self.instance.status != stored:
            self.instance.status = stored

    class Meta:
        model = Initiative
        # Never `status`: it changes through services.change_status only.
        fields = [
            "title",
            "slug",
            "axis",
            "objective",
            "kind",
            "summary",
            "description",
            "lead_actor",
            "communes",
            "neighbourhoods",
            "sites",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "target_budget",
            "health",
            "progress_is_manual",
            "manual_progress",
            "publication_status",
            "source",
            "is_fictional",
        ]


class MeasurementInlineForm(ErrorsOnMissingFieldsMixin, forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["indicator", "measured_on", "value", "note"]


class StatusChangeForm(forms.Form):
    """The choice of a next status and its reason; `services.change_status` decides."""

    to_status = forms.ChoiceField(label=_("nouveau statut"), choices=Initiative.Status.choices)
    reason = forms.CharField(
        label=_("motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pourquoi le statut change ; conservé dans l'historique du projet."),
    )

    def __init__(self, *args, current_status: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_status is not None:
            allowed = lifecycle.allowed_next_statuses(current_status)
            self.fields["to_status"].choices = [(v, label) for v, label in Initiative.Status.choices if v in allowed]


class CachedLabelsMixin:
    """An autocomplete widget that takes the selected options' labels from a cache set by the formset.

    The stock widget runs one query per row to label the selected value; an inline with
    many rows would then cost a query per row.
    """

    label_cache: dict | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.label_cache is None or any(v not in self.label_cache for v in selected):
            return super().optgroups(name, value, attr)
        default = (None, [], 0)
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        for v in selected:
            default[1].append(self.create_option(name, v, self.label_cache[v], set(selected), len(default[1])))
        return [default]


class CachedAutocompleteSelect(CachedLabelsMixin, AutocompleteSelect):
    pass


class CachedAutocompleteSelectMultiple(CachedLabelsMixin, AutocompleteSelectMultiple):
    pass


class ParisDateTimeInput(forms.DateTimeInput):
    """A native date and time picker; the value is read in Paris time (TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class EventProposalForm(GuardedForm, forms.ModelForm):
    """An event proposed by the public or by a structure's account: it waits « à valider » for a moderator.

    The anti-spam guards are the directory's contribution forms' (`GuardedForm`); the rules are the
    model's (`Event.clean`, the validators of its fields), checked by the ModelForm as the admin does.
    A signed-in representative may name the structures they represent as organisers.
    """

    commune = forms.ModelChoiceField(
        queryset=Commune.objects.in_territory().order_by("name"),
        to_field_name="insee_code",
        required=False,
        label=_("Commune"),
        empty_label=_("— choisir une commune —"),
        help_text=_("Obligatoire pour un événement sur place."),
    )
    organisers = forms.ModelMultipleChoiceField(
        queryset=Actor.objects.none(),
        required=False,
        label=_("Organisé par"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les structures que vous représentez."),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "attendance_mode",
            "address",
            "commune",
            "online_url",
            "accessibility",
            "registration_url",
            "proposal_message",
        ]
        widgets = {
            "starts_at": ParisDateTimeInput(),
            "ends_at": ParisDateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
            "proposal_message": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"proposal_message": _("Message à l'équipe")}
        help_texts = {
            "starts_at": _("Date et heure de Paris, par exemple 2026-11-14T18:30."),
            "ends_at": _("Date et heure de Paris ; après le début."),
            "proposal_message": _("Facultatif ; vu par l'équipe seulement, jamais publié."),
        }

    def __init__(self, *args, represented=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].required = True
        self.fields["nickname"].widget.attrs["class"] = "visually-hidden-field"
        if represented is not None and represented.exists():
            self.fields["organisers"].queryset = represented
        else:
            del self.fields["organisers"]
        # The event's fields first, then the guards.
        guards = {name: self.fields.pop(name) for name in ("nickname", "started")}
        self.fields.update(guards)

    def save(self, *, key: str, user=None) -> Event:
        return services.propose_event(
            event=self.instance,
            organisers=list(self.cleaned_data.get("organisers") or []),
            key=key,
            user=user,
        )
