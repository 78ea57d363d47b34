"""The admin's pages for duplicate actors: « Doublons probables » and the merge confirmation.

`ActorAdmin.get_urls` routes them; the work is `directory.merge` (finding pairs, `merge_actors`).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from directory import merge, quality
from directory.models import Actor, Sector
from directory.versions import StaleEdit, current_version

DUPLICATES_PER_PAGE = 50
# Many-to-many fields a merge unites rather than chooses.
UNITED_FIELDS = ("sectors", "labels", "roles", "communes_served")


def _value_display(actor: Actor, name: str) -> str:
    model_field = Actor._meta.get_field(name)
    value = getattr(actor, name)
    if model_field.choices:
        return str(actor._get_FIELD_display(model_field))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    return str(value)


def _group_values(actor: Actor, group: merge.FieldGroup) -> list[tuple[str, str]]:
    """(label, value) of each field of `group` (the label only when the group has several fields)."""
    return [
        (str(Actor._meta.get_field(name).verbose_name) if len(group.fields) > 1 else "", _value_display(actor, name))
        for name in group.fields
    ]


def _differs(group: merge.FieldGroup, survivor: Actor, merged: Actor) -> bool:
    return any(
        getattr(survivor, Actor._meta.get_field(name).attname) != getattr(merged, Actor._meta.get_field(name).attname)
        for name in group.fields
    )


def _choice_name(group: merge.FieldGroup) -> str:
    return f"keep_{group.fields[0]}"


class MergeForm(forms.Form):
    """Which record survives and, for each group of fields that differ, whose values it keeps.

    Each choice's value is the id of the record whose values are kept (the survivor's by default);
    the versions are those of both records when the page was shown.
    """

    survivor = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    survivor_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    merged_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, survivor: Actor, merged: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.survivor, self.merged = survivor, merged
        self.fields["survivor"].choices = [(survivor.pk, survivor.name), (merged.pk, merged.name)]
        self.initial.setdefault("survivor", survivor.pk)
        self.groups = []
        for group in merge.FIELD_GROUPS:
            differs = _differs(group, survivor, merged)
            if differs:
                # Not required: a group that came to differ after the page was shown (the versions then
                # refuse the merge) or that a hand-made request leaves out keeps the survivor's values.
                self.fields[_choice_name(group)] = forms.TypedChoiceField(
                    label=group.label,
                    required=False,
                    coerce=int,
                    choices=[(survivor.pk, gettext("garder")), (merged.pk, gettext("prendre"))],
                    initial=survivor.pk,
                    widget=forms.RadioSelect,
                )
            self.groups.append((group, differs))

    def fields_taken(self) -> list[str]:
        """The fields whose value the survivor takes from the merged record."""
        return [
            name
            for group, differs in self.groups
            if differs and self.cleaned_data.get(_choice_name(group)) == self.merged.pk
            for name in group.fields
        ]

    def rows(self) -> list[dict]:
        """The two records side by side, group by group, with the choice where they differ."""
        rows = []
        for group, differs in self.groups:
            options = list(self[_choice_name(group)].subwidgets) if differs else [None, None]
            rows.append(
                {
                    "label": group.label,
                    "differs": differs,
                    "survivor": _group_values(self.survivor, group),
                    "merged": _group_values(self.merged, group),
                    "survivor_option": options[0],
                    "merged_option": options[1],
                }
            )
        return rows


def _error_messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    found = []
    for name, errors in exc.error_dict.items():
        try:
            label = str(Actor._meta.get_field(name).verbose_name)
        except Exception:  # NON_FIELD_ERRORS and the like
            label = ""
        for error in errors:
            for message in error.messages:
                found.append(f"{label.capitalize()} : {message}" if label else message)
    return found


def _actors(pks) -> dict[int, Actor]:
    queryset = (
        Actor.objects.filter(pk__in=pks)
        .select_related("commune", "neighbourhood")
        .prefetch_related(
            Prefetch("sectors", queryset=Sector.objects.select_related("parent")),
            "labels",
            "roles",
            "communes_served",
        )
    )
    return {actor.pk: actor for actor in queryset}


def duplicates_view(model_admin, request):
    """« Doublons probables »: the likely pairs with their reasons, each with a way to the merge."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    pairs = merge.likely_duplicates()
    page = Paginator(pairs, DUPLICATES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for pair in page:
        survivor = merge.suggested_survivor(pair.first, pair.second)
        rows.append(
            {
                "pair": pair,
                "actors": [(actor, quality.score(actor)) for actor in (pair.first, pair.second)],
                "merge_url": reverse("admin:directory_actor_merge", args=[pair.first.pk, pair.second.pk])
                + f"?conserver={survivor.pk}",
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Doublons probables"),
        "opts": Actor._meta,
        "rows": rows,
        "page_obj": page,
        "may_merge": merge.can_merge(request.user),
        "similarity": round(merge.NAME_SIMILARITY * 100),
    }
    return render(request, "admin/directory/actor/duplicates.html", context)


def merge_view(model_admin, request, first: int, second: int):
    """The merge confirmation: both records side by side, the survivor and the values to keep; POST merges."""
    if not merge.can_merge(request.user):
        raise PermissionDenied
    if first == second:
        raise Http404
    actors = _actors([first, second])
    if len(actors) != 2:
        raise Http404
    chosen = request.POST.get("survivor") if request.method == "POST" else request.GET.get("conserver")
    try:
        survivor_pk = int(chosen)
    except (TypeError, ValueError):
        survivor_pk = None
    if survivor_pk not in actors:
        survivor_pk = merge.suggested_survivor(actors[first], actors[second]).pk
    survivor = actors[survivor_pk]
    merged = actors[second if survivor_pk == first else first]
    errors: list[str] = []

    if request.method == "POST":
        form = MergeForm(request.POST, survivor=survivor, merged=merged)
        if form.is_valid():
            try:
                result = merge.merge_actors(
                    survivor=survivor,
                    merged=merged,
                    user=request.user,
                    fields=form.fields_taken(),
                    versions=(form.cleaned_data["survivor_version"], form.cleaned_data["merged_version"]),
                )
            except StaleEdit as exc:
                errors = exc.messages
                # Shown again with what the records are now: confirming again merges them knowingly.
                actors = _actors([first, second])
                survivor, merged = actors[survivor.pk], actors[merged.pk]
                data = request.POST.copy()
                data["survivor_version"] = current_version(survivor) or ""
                data["merged_version"] = current_version(merged) or ""
                form = MergeForm(data, survivor=survivor, merged=merged)
                form.is_valid()
            except ValidationError as exc:
                errors = _error_messages(exc)
            else:
                _report(request, result)
                return HttpResponseRedirect(reverse("admin:directory_actor_change", args=[result.survivor.pk]))
        else:
            errors = [message for field_errors in form.errors.values() for message in field_errors]
    else:
        form = MergeForm(
            survivor=survivor,
            merged=merged,
            initial={"survivor_version": current_version(survivor), "merged_version": current_version(merged)},
        )

    counts = merge.link_counts([survivor, merged])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Fusionner deux fiches"),
        "opts": Actor._meta,
        "form": form,
        "errors": errors,
        "survivor": survivor,
        "merged": merged,
        "rows": form.rows(),
        "united": [
            (
                Actor._meta.get_field(name).verbose_name,
                ", ".join(str(item) for item in getattr(survivor, name).all()) or "—",
                ", ".join(str(item) for item in getattr(merged, name).all()) or "—",
            )
            for name in UNITED_FIELDS
        ],
        "links": [(label, per_actor.get(survivor.pk, 0), per_actor.get(merged.pk, 0)) for label, per_actor in counts],
        "swap_url": reverse("admin:directory_actor_merge", args=[first, second]) + f"?conserver={merged.pk}",
        "blocked": [actor for actor in (survivor, merged) if actor.merged_into_id],
        "survivor_hidden": merged.is_published and not survivor.is_published,
    }
    return render(request, "admin/directory/actor/merge.html", context)


def _report(request, result: merge.MergeResult) -> None:
    moved = ", ".join(f"{label} : {n}" for label, n in result.moved.items())
    text = gettext("« %(merged)s » est fusionnée dans « %(survivor)s » et archivée ; son adresse mène ici.") % {
        "merged": result.merged.name,
        "survivor": result.survivor.name,
    }
    if moved:
        text += " " + gettext("Rattachés à cette fiche : %(moved)s.") % {"moved": moved}
    if result.dropped:
        count = sum(result.dropped.values())
        text += " " + ngettext(
            "%(count)d lien en double supprimé (%(kinds)s).", "%(count)d liens en double supprimés (%(kinds)s).", count
        ) % {"count": count, "kinds": ", ".join(result.dropped)}
    messages.success(request, text)
