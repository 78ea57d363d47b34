"""Tabular inlines whose every field has a name for assistive technologies.

Django's tabular inline shows each label once, as a column header, and gives the cells no <label>:
a screen reader reaching « Montant » on the third funding line hears an unnamed text box (RGAA 11.1,
WCAG 4.1.2). Here each field of a row is named « <label>, <row> », e.g. « Montant, ligne de
financement 3 », and the row of a new record « …, nouvelle ligne ».
"""

from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class NamedFieldsFormSetMixin:
    """An inline formset that names every field of each of its rows (the delete box included)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = (
            _("%(record)s %(number)s") % {"record": self.model._meta.verbose_name, "number": index + 1}
            if index is not None
            else _("nouvelle ligne")
        )
        for field in form.fields.values():
            # The widget itself, not the admin's wrapper (whose copy shares the attrs of the original).
            widget = field.widget
            while hasattr(widget, "widget"):
                widget = widget.widget
            if field.label is not None and not widget.is_hidden:
                widget.attrs.setdefault("aria-label", f"{capfirst(str(field.label))}, {row}")


class TabularInline(admin.TabularInline):
    """Django's TabularInline with a named field in every cell (see the module)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset, NamedFieldsFormSetMixin):
            return formset
        return type(formset.__name__, (NamedFieldsFormSetMixin, formset), {})
