"""The agenda's proposals in the directory's moderation queue, and their keys in its purge.

The directory imports no other app: the tracker registers its proposed events with the queue
(`directory.moderation.register_queue_source`) and their senders' rate-limit keys with the
retention purge (`directory.personal_data.register_submitter_keys`), from `ProjectsConfig.ready`.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import moderation, personal_data
from directory.models import PublicationStatus


def proposed_events():
    from projects.models import Event

    return Event.objects.filter(publication_status=PublicationStatus.PENDING).prefetch_related("actors")


def event_row(event) -> moderation.QueueRow:
    organisers = ", ".join(actor.name for actor in event.actors.all())
    return moderation.QueueRow(
        pk=event.pk,
        created_at=event.created_at,
        url=reverse("admin:projects_event_change", args=[event.pk]),
        nature=gettext("événement proposé"),
        record=event.title,
        sender=organisers or gettext("public"),
        details=date_format(localtime(event.starts_at), "j F Y H:i"),
    )


def register() -> None:
    from projects.models import Event

    moderation.register_queue_source(
        moderation.QueueSource(kind="event", label=_("événements proposés"), pending=proposed_events, row=event_row)
    )
    personal_data.register_submitter_keys(Event)
