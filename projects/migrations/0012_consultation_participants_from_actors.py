"""Each actor of a consultation's plain `actors` becomes a `ConsultationParticipant`, with a kind.

The kind is read from the actor's record (a public body, a partner outside the ESS, otherwise an
ESS actor), as `ConsultationParticipant.kind_of` does; staff correct it where it is wrong. Each
participant gets its creation record in the history (source « commande »), dated like its
consultation's first version, and each consultation's `created_at` is its first version's date.
Reversible: the participants go back to the plain many-to-many.
"""

from django.db import migrations
from django.db.models import Min
from django.utils import timezone

PUBLIC_BODY = "public_body"
PARTNER = "partner"


def kind_of(actor) -> str:
    if actor.legal_form == PUBLIC_BODY:
        return "public_body"
    if actor.ess_status == PARTNER:
        return "business"
    return "ess"


def forwards(apps, schema_editor):
    Consultation = apps.get_model("projects", "Consultation")
    HistoricalConsultation = apps.get_model("projects", "HistoricalConsultation")
    Participant = apps.get_model("projects", "ConsultationParticipant")
    HistoricalParticipant = apps.get_model("projects", "HistoricalConsultationParticipant")
    Link = Consultation.actors.through
    first_versions = dict(
        HistoricalConsultation.objects.values("id").annotate(first=Min("history_date")).values_list("id", "first")
    )
    for consultation_id, first in first_versions.items():
        Consultation.objects.filter(pk=consultation_id).update(created_at=first)
    links = Link.objects.select_related("actor").order_by("pk")
    Participant.objects.bulk_create(
        (
            Participant(consultation_id=link.consultation_id, actor_id=link.actor_id, kind=kind_of(link.actor))
            for link in links.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    # The table is new: every row in it was just copied.
    now = timezone.now()
    HistoricalParticipant.objects.bulk_create(
        (
            HistoricalParticipant(
                id=row["pk"],
                consultation_id=row["consultation_id"],
                actor_id=row["actor_id"],
                kind=row["kind"],
                history_date=first_versions.get(row["consultation_id"], now),
                history_type="+",
                history_change_reason="Reprise des participants de la consultation",
                history_source="command",
            )
            for row in Participant.objects.values("pk", "consultation_id", "actor_id", "kind").iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


def backwards(apps, schema_editor):
    Consultation = apps.get_model("projects", "Consultation")
    Participant = apps.get_model("projects", "ConsultationParticipant")
    Link = Consultation.actors.through
    Link.objects.bulk_create(
        [
            Link(consultation_id=c, actor_id=a)
            for c, a in Participant.objects.values_list("consultation_id", "actor_id")
        ],
        batch_size=2000,
    )
    apps.get_model("projects", "HistoricalConsultationParticipant").objects.all().delete()
    Participant.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0011_consultation_links")]

    operations = [migrations.RunPython(forwards, backwards)]
