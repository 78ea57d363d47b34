"""What the public list pages of both apps share: pagination, filter errors, query strings, filter groups."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ess_portal.response_cache import counted

# Results per page of the public lists.
PAGE_SIZE = 20


class CountedPaginator(Paginator):
    """A paginator whose count of a queryset is kept for the data version (see `response_cache.counted`)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    @cached_property
    def count(self):
        items = self.object_list
        if not isinstance(items, QuerySet):
            return super().count
        return counted(items, self.request)


def paginate(request, items, per_page: int = PAGE_SIZE):
    """The requested page, or the nearest valid one with a message saying so (never an error).

    Returns (page, elided page range, notice).
    """
    paginator = CountedPaginator(items, per_page, request=request)
    requested = request.GET.get("page")
    notice = ""
    if requested not in (None, ""):
        try:
            paginator.validate_number(requested)
        except PageNotAnInteger:
            notice = _("Le numéro de page demandé n'est pas valide : voici la première page.")
        except EmptyPage:
            notice = _("La page demandée n'existe pas : voici la dernière page des résultats.")
    page = paginator.get_page(requested)
    return page, paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1), notice


def filter_errors(filterset) -> list[str]:
    """The invalid filter values, as French sentences naming the filter."""
    messages = []
    for name, errors in filterset.errors.items():
        label = filterset.filters[name].label if name in filterset.filters else name
        messages.extend(f"{label} : {error}" for error in errors)
    return messages


def query_without(request, *names: str) -> str:
    """The current query string without these parameters (e.g. `page`), encoded."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def query_without_value(request, name: str, value: str) -> str:
    """The current query string without one value of a filter, back on page 1."""
    query = request.GET.copy()
    query.pop("page", None)
    query.setlist(name, [v for v in query.getlist(name) if v != value])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def checkbox_groups(filterset, options: dict[str, list[tuple]], *, open_names=(), counts=None) -> list[dict]:
    """Checkbox groups of a filter form, ticked from the query string (the query string is the state).

    `options` maps a filter name to its (value, label) or (value, label, level) choices. With
    `counts` (filter name → value → number of results), each option shows its count and options
    without results are left out unless ticked.
    """
    groups = []
    for name, choices in options.items():
        selected = set(filterset.data.getlist(name))
        items = []
        for index, choice in enumerate(choices, start=1):
            value, label, level = (*choice, 0)[:3]
            count = counts[name].get(value, 0) if counts is not None else None
            checked = value in selected
            if counts is not None and not count and not checked:
                continue
            items.append(
                {
                    "value": value,
                    "label": label,
                    "level": level,
                    "count": count,
                    "checked": checked,
                    "id": f"f-{name}-{index}",
                }
            )
        if items:
            groups.append(
                {
                    "name": name,
                    "legend": filterset.filters[name].label,
                    "open": bool(selected) or name in open_names,
                    "options": items,
                }
            )
    return groups


def chosen_filters(filterset, groups=(), *, skip=("q",)) -> list[str]:
    """What the visitor chose, in words: the labels of the ticked or selected values, filter by filter.

    Checkbox groups (see `checkbox_groups`) name their ticked options; other filters are named from
    the form's cleaned values (a model choice is the object the form loaded); a `true`/`false` filter
    by its label.
    """
    if not filterset.is_valid():
        return []
    ticked = {group["name"]: [option["label"] for option in group["options"] if option["checked"]] for group in groups}
    described = []
    for name, value in filterset.form.cleaned_data.items():
        if name in skip or name not in filterset.data or value in (None, "", [], ()):
            continue
        field = filterset.form.fields[name]
        if name in ticked:
            labels = ticked[name]
        elif value is True:
            labels = [field.label]
        elif value is False:
            labels = [_("%(filter)s : non") % {"filter": field.label}]
        elif isinstance(field, ModelChoiceField):
            labels = [str(item) for item in (value if isinstance(value, QuerySet | list | tuple) else [value])]
        else:
            names = {str(key): label for key, label in getattr(field, "choices", ())}
            labels = [names.get(str(item), item) for item in (value if isinstance(value, list | tuple) else [value])]
        if labels:
            described.append(", ".join(capfirst(str(label)) for label in labels))
    return described


def list_title(title, filterset, page=None, groups=()) -> str:
    """A list page's <title>: the page, the search and the filters, then the page number past the first.

    « Annuaire des acteurs de l'ESS : « jardin », Montreuil, Bagnolet — page 2 sur 5 ». Invalid filters
    start it with « Erreur » (RGAA 8.6: the title says what the page shows).
    """
    parts = []
    query = (filterset.data.get("q") or "").strip()
    if query:
        parts.append(f"« {query} »")
    parts.extend(chosen_filters(filterset, groups))
    text = f"{title} : {', '.join(parts)}" if parts else str(title)
    if page is not None and page.number > 1:
        text = _("%(title)s — page %(number)s sur %(count)s") % {
            "title": text,
            "number": page.number,
            "count": page.paginator.num_pages,
        }
    if filterset.errors:
        text = _("Erreur — %(title)s") % {"title": text}
    return text
