"""One version mechanism for every edit of a record: staff forms and partner writes alike.

A record's version is the id of its latest historical record (django-simple-history keeps one per
change, with who, when and where from). A form or an API client says which version it started
from; `check_version` locks the row and refuses the write when the record has moved on since,
naming who changed which fields — so that no edit is lost without a word.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class StaleEdit(ValidationError):
    """The record changed since the version the writer started from."""

    def __init__(self, message: str, *, current: int | None):
        super().__init__(message, code="stale_edit")
        self.current = current


def has_versions(model) -> bool:
    return hasattr(model, "history") and hasattr(model._meta, "simple_history_manager_attribute")


def current_version(obj: models.Model) -> int | None:
    """The id of `obj`'s latest historical record (None for a record without history yet)."""
    if obj.pk is None or not has_versions(type(obj)):
        return None
    return (
        type(obj)
        .history.model.objects.filter(**{obj._meta.pk.attname: obj.pk})
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def current_versions(model, pks) -> dict:
    """The current version of each record of `model` among `pks`, in one query."""
    if not has_versions(model):
        return {}
    history = model.history.model.objects.filter(**{f"{model._meta.pk.attname}__in": list(pks)})
    return dict(history.values_list(model._meta.pk.attname).annotate(latest=models.Max("history_id")).order_by())


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since: its code name says enough
        return name


def changes_since(obj: models.Model, version: int) -> list[tuple[str, timezone.datetime, list[str]]]:
    """(who, when, changed field labels) of each change to `obj` after `version`, oldest first."""
    model = type(obj)
    records = list(
        model.history.model.objects.filter(**{obj._meta.pk.attname: obj.pk}, history_id__gte=version)
        .select_related("history_user")
        .order_by("history_id")
    )
    changes = []
    for previous, record in zip(records, records[1:], strict=False):
        try:
            delta = record.diff_against(previous)
            fields = [_field_label(model, change.field) for change in delta.changes]
        except Exception:  # history rows of another shape (a migration in between)
            fields = []
        who = str(record.history_user) if record.history_user_id else gettext("une synchronisation ou un import")
        changes.append((who, record.history_date, fields))
    return changes


def stale_message(obj: models.Model, version: int) -> str:
    """The French sentence telling who changed what since `version`."""
    changes = changes_since(obj, version)
    if not changes:
        return gettext("Cette fiche a été modifiée depuis l'ouverture du formulaire.")
    parts = []
    for who, when, fields in changes:
        moment = timezone.localtime(when).strftime("%d/%m/%Y à %H:%M")
        if fields:
            parts.append(
                gettext("%(who)s le %(when)s (%(fields)s)")
                % {"who": who, "when": moment, "fields": get_text_list(fields, gettext("et"))}
            )
        else:
            parts.append(gettext("%(who)s le %(when)s") % {"who": who, "when": moment})
    return ngettext(
        "« %(record)s » a été modifiée depuis l'ouverture du formulaire, par %(changes)s.",
        "« %(record)s » a été modifiée plusieurs fois depuis l'ouverture du formulaire : par %(changes)s.",
        len(changes),
    ) % {"record": obj, "changes": " ; ".join(parts)}


def check_version(obj: models.Model, expected: int | None) -> None:
    """Lock `obj`'s row, then refuse (StaleEdit) if its version is no longer `expected`.

    Call it inside the transaction that writes `obj`: the lock holds until it commits, so two
    writers that started from the same version cannot both pass.
    """
    if obj.pk is None or not has_versions(type(obj)):
        return
    type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk").first()
    current = current_version(obj)
    if current is not None and expected != current:
        raise StaleEdit(stale_message(obj, expected) if expected else _("Version inconnue."), current=current)


# ---------------------------------------------------------------------------
# Staff forms: each edit form remembers the version it was opened at.

VERSION_FIELD = "record_version"
VERSIONS_FIELD = "VERSIONS"


class VersionedFormMixin:
    """A ModelForm carrying the version of its record (hidden) and refusing to save over a newer one.

    The refusal is a form error saying who changed what: the form comes back with the user's input
    and, now, the current version, so that saving again (having looked) applies it on purpose.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        if not self.is_bound and VERSION_FIELD not in self.initial:
            self.initial[VERSION_FIELD] = current_version(self.instance)

    @property
    def changed_data(self):
        # The version is bookkeeping: carrying it does not make a row changed (and saved).
        return [name for name in super().changed_data if name != VERSION_FIELD]

    def sent_version(self) -> bool:
        """Whether the submission carries a version at all (the admin's forms always do; a script may not)."""
        return self.add_prefix(VERSION_FIELD) in self.data

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.sent_version():
            try:
                check_version(self.instance, cleaned.get(VERSION_FIELD))
            except StaleEdit as exc:
                self.refuse_stale(exc)
        return cleaned

    def refuse_stale(self, exc: StaleEdit) -> None:
        self.add_error(None, exc)
        data = self.data.copy()
        data[self.add_prefix(VERSION_FIELD)] = exc.current
        self.data = data


class VersionedInlineFormSetMixin:
    """An inline formset whose changed and deleted rows are checked against their versions, in two queries.

    The rows' versions travel in the formset's management form (`<prefix>-VERSIONS`, JSON mapping each
    row's primary key to its version), which the admin renders whole with the formset.
    """

    @cached_property
    def management_form(self):
        form = super().management_form
        form.fields[VERSIONS_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput)
        if not self.is_bound:
            form.initial[VERSIONS_FIELD] = json.dumps({str(pk): v for pk, v in self._initial_versions().items()})
        return form

    def _initial_versions(self) -> dict:
        if not hasattr(self, "_versions"):
            self._versions = current_versions(self.model, [obj.pk for obj in self.get_queryset()])
        return self._versions

    def _sent_versions(self) -> dict | None:
        raw = self.data.get(f"{self.prefix}-{VERSIONS_FIELD}")
        if raw is None:
            return None  # a script posting by hand; the admin's forms always send it
        try:
            sent = json.loads(raw)
        except ValueError:
            return {}
        return sent if isinstance(sent, dict) else {}

    def clean(self):
        super().clean()
        sent = self._sent_versions()
        if sent is None:
            return
        touched = [
            form
            for form in self.forms
            if form.instance.pk is not None and (form.has_changed() or self._should_delete_form(form))
        ]
        if not touched:
            return
        pks = [form.instance.pk for form in touched]
        # Lock the rows about to be written, then read their versions under the lock.
        list(self.model._default_manager.select_for_update().filter(pk__in=pks).values_list("pk"))
        versions = current_versions(self.model, pks)
        stale = False
        for form in touched:
            current = versions.get(form.instance.pk)
            expected = sent.get(str(form.instance.pk))
            if current is not None and expected != current:
                form.add_error(None, StaleEdit(stale_message(form.instance, expected), current=current))
                sent[str(form.instance.pk)] = current
                stale = True
        if stale:
            # The form comes back carrying the current versions: saving again applies it knowingly.
            management = self.management_form
            management.data = management.data.copy()
            management.data[f"{self.prefix}-{VERSIONS_FIELD}"] = json.dumps(sent)


class VersionedAdminMixin:
    """ModelAdmin: its change form and its inlines refuse a save over a newer version of their records."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, VersionedFormMixin):
            return form
        return type(form.__name__, (VersionedFormMixin, form), {})


class VersionedInlineMixin:
    """InlineModelAdmin: each row carries its version; stale rows are refused with the form."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset, VersionedInlineFormSetMixin):
            return formset
        return type(formset.__name__, (VersionedInlineFormSetMixin, formset), {})
