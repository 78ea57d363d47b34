"""`Consultation.actors` now goes through `ConsultationParticipant` (whose rows the previous migration wrote).

The plain many-to-many's table and its history snapshots are dropped; each participant keeps its
own history from now on.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0012_consultation_participants_from_actors")]

    operations = [
        migrations.RemoveField(model_name="consultation", name="actors"),
        migrations.DeleteModel(name="HistoricalConsultation_actors"),
        migrations.AddField(
            model_name="consultation",
            name="actors",
            field=models.ManyToManyField(
                blank=True,
                related_name="consultations",
                through="projects.ConsultationParticipant",
                to="directory.actor",
                verbose_name="acteurs participants",
            ),
        ),
    ]
