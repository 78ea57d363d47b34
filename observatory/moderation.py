"""Figures declared by the structures' accounts in the directory's moderation queue.

The directory imports no other app: the observatory registers its pending figures with the queue
(`directory.moderation.register_queue_source`) from `ObservatoryConfig.ready`. Each line opens the
figures' admin page, where a moderator approves or refuses them.
"""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import moderation


def pending_figures():
    from observatory.models import YearlyFigures

    return YearlyFigures.objects.pending().select_related("actor", "proposed_by")


def figures_row(figures) -> moderation.QueueRow:
    sender = figures.proposed_by.get_username() if figures.proposed_by else gettext("compte d'une structure")
    return moderation.QueueRow(
        pk=figures.pk,
        created_at=figures.created_at,
        url=reverse("admin:observatory_yearlyfigures_change", args=[figures.pk]),
        nature=gettext("chiffres déclarés"),
        record=f"{figures.actor.name} ({figures.year})",
        sender=sender,
    )


def register() -> None:
    moderation.register_queue_source(
        moderation.QueueSource(kind="figures", label=_("chiffres déclarés"), pending=pending_figures, row=figures_row)
    )
