"""Template tags of the tracker's public pages: charts (from `ess_portal.templatetags.charts`), progress bars,
and the actor page's initiatives, consultations and events.
"""

from django import template
from django.db.models import FilteredRelation, Q

from ess_portal.templatetags import charts
from projects.models import Consultation, ConsultationParticipant, Event, Initiative, Involvement
from projects.models.events import SHORTLIST_LENGTH

register = template.Library()

# The charts live with the pages of both apps (`ess_portal.templatetags.charts`); `{% load tracker %}`
# keeps offering them to the tracker's templates.
register.tags["hbar_chart"] = charts.register.tags["hbar_chart"]


@register.inclusion_tag("projects/includes/progress.html")
def progress_bar(initiative: Initiative):
    """The initiative's progress as a native <progress> with its value in words."""
    return {"progress": initiative.progress, "source": initiative.progress_source}


@register.simple_tag
def actor_initiatives(actor) -> list[dict]:
    """Published initiatives an actor takes part in, with its roles (lead and involvements), in one query."""
    rows = (
        Initiative.objects.published()
        .annotate(own=FilteredRelation("involvements", condition=Q(involvements__actor=actor)))
        .filter(Q(lead_actor=actor) | Q(own__isnull=False))
        .values("pk", "slug", "title", "status", "lead_actor_id", "own__role", "axis__title")
        .order_by("title", "pk")
    )
    by_initiative: dict[int, dict] = {}
    role_labels = dict(Involvement.Role.choices)
    status_labels = dict(Initiative.Status.choices)
    for row in rows:
        item = by_initiative.setdefault(
            row["pk"],
            {
                "slug": row["slug"],
                "title": row["title"],
                "status": status_labels.get(row["status"], row["status"]),
                "axis": row["axis__title"],
                "roles": [],
            },
        )
        roles = item["roles"]
        if row["lead_actor_id"] == actor.pk and role_labels[Involvement.Role.LEAD] not in roles:
            roles.append(role_labels[Involvement.Role.LEAD])
        if row["own__role"] and role_labels[row["own__role"]] not in roles:
            roles.append(role_labels[row["own__role"]])
    return list(by_initiative.values())


@register.simple_tag
def actor_consultations(actor) -> list:
    """Public consultations of published initiatives an actor took part in, with its kind, in one query."""
    return list(
        ConsultationParticipant.objects.filter(actor=actor, consultation__in=Consultation.objects.published())
        .select_related("consultation__initiative")
        .order_by("-consultation__held_on", "-consultation__pk")
    )


@register.simple_tag
def actor_events(actor) -> list[Event]:
    """The next published events an actor organises, in one query."""
    return list(Event.objects.shortlist().filter(actors=actor)[:SHORTLIST_LENGTH])
