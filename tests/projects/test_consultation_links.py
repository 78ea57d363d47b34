"""Consultations that leave a trace: participants by kind, other initiatives, effects; rules, admin, migration."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from directory.models import Actor
from projects import services
from projects.models import Consultation, ConsultationEffect, ConsultationParticipant, Initiative
from tests import factories
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

S = Initiative.Status


def test_participants_get_their_kind_from_the_actor_unless_staff_say_otherwise():
    initiative = f.initiative_in(S.CONSULTATION)
    consultation = f.consultation(initiative)
    ess = factories.actor()
    public = factories.actor(legal_form=Actor.LegalForm.PUBLIC_BODY)
    business = factories.actor(ess_status=Actor.EssStatus.PARTNER)
    residents = factories.actor()
    services.link_consultation(
        consultation=consultation,
        participants=[
            services.Participation(actor=ess),
            services.Participation(actor=public),
            services.Participation(actor=business),
            services.Participation(actor=residents, kind=ConsultationParticipant.Kind.RESIDENTS),
        ],
    )
    kinds = dict(consultation.participants.values_list("actor_id", "kind"))
    assert kinds == {ess.pk: "ess", public.pk: "public_body", business.pk: "business", residents.pk: "residents"}
    assert list(consultation.actors.order_by("pk")) == [ess, public, business, residents]
    assert ConsultationParticipant.history.filter(consultation_id=consultation.pk).count() == 4


def test_an_effect_links_a_status_change_milestone_or_version_of_a_concerned_initiative():
    initiative = f.initiative_in(S.CONSULTATION)
    other = f.initiative()
    milestone = f.milestone(other)
    consultation = f.consultation(initiative, held_on=datetime.date(2024, 1, 1))
    change = initiative.status_changes.get()
    version = Initiative.history.filter(id=initiative.pk).first()
    before = Consultation.objects.get(pk=consultation.pk).updated_at
    services.link_consultation(
        consultation=consultation,
        other_initiatives=[other],
        effects=[
            services.Effect(status_change=change, description="Ouverture de la concertation"),
            services.Effect(milestone=milestone),
            services.Effect(initiative_version=version),
        ],
    )
    effects = list(consultation.effects.all())
    assert [effect.kind for effect in effects] == ["status_change", "milestone", "version"]
    assert {effect.target_initiative_id for effect in effects} == {initiative.pk, other.pk}
    assert consultation.initiative_ids() == {initiative.pk, other.pk}
    assert Consultation.objects.get(pk=consultation.pk).updated_at > before


def test_an_effect_on_an_initiative_the_consultation_did_not_concern_is_refused_and_nothing_written():
    initiative = f.initiative_in(S.CONSULTATION)
    unrelated = f.initiative_in(S.CONSULTATION)
    consultation = f.consultation(initiative, held_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.link_consultation(
            consultation=consultation,
            participants=[services.Participation(actor=factories.actor())],
            effects=[services.Effect(status_change=unrelated.status_changes.get())],
        )
    assert caught.value.message_dict["status_change"] == [
        "Ce changement concerne un projet dont la consultation n'a pas traité."
    ]
    assert not consultation.participants.exists()
    assert not ConsultationEffect.objects.exists()


def test_a_change_made_before_the_consultation_did_not_come_from_it():
    initiative = f.initiative_in(S.CONSULTATION)
    consultation = f.consultation(initiative, held_on=datetime.date.today() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as caught:
        services.link_consultation(
            consultation=consultation, effects=[services.Effect(status_change=initiative.status_changes.get())]
        )
    assert "avant la consultation : il n'en découle pas" in caught.value.message_dict["status_change"][0]


def test_an_effect_names_exactly_one_change():
    initiative = f.initiative_in(S.CONSULTATION)
    consultation = f.consultation(initiative, held_on=datetime.date(2024, 1, 1))
    for effect in (
        services.Effect(),
        services.Effect(status_change=initiative.status_changes.get(), milestone=f.milestone(initiative)),
    ):
        with pytest.raises(ValidationError) as caught:
            services.link_consultation(consultation=consultation, effects=[effect])
        assert "Choisissez exactement un changement" in str(caught.value)


def test_an_actor_takes_part_once():
    consultation = f.consultation(f.initiative())
    actor = factories.actor()
    services.link_consultation(consultation=consultation, participants=[services.Participation(actor=actor)])
    with pytest.raises(ValidationError):
        services.link_consultation(consultation=consultation, participants=[services.Participation(actor=actor)])
    assert consultation.participants.count() == 1


def test_published_means_public_and_on_a_published_initiative():
    public = f.consultation(f.initiative())
    f.consultation(f.initiative(), is_public=False)
    f.consultation(f.initiative(publication_status="draft"))
    assert list(Consultation.objects.published()) == [public]


# -- the data migration


# Transactional (migrations run outside a test transaction), with the database's rows restored after it as
# the other transactional tests have them (a plain flush would recreate the content types under new keys).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_turns_plain_actors_into_participants_with_a_kind():
    executor = MigrationExecutor(connection)
    executor.migrate([("projects", "0011_consultation_links")])
    apps = executor.loader.project_state([("projects", "0011_consultation_links")]).apps
    OldActor = apps.get_model("directory", "Actor")
    # Reference rows as migrate loads them (a transactional test run before this one may have flushed them).
    commune, _ = apps.get_model("directory", "Commune").objects.get_or_create(
        insee_code="93048", defaults={"name": "Montreuil", "slug": "montreuil", "postal_codes": ["93100"]}
    )
    ess = OldActor.objects.create(name="Asso fictive", slug="asso-fictive", legal_form="association", commune=commune)
    town = OldActor.objects.create(
        name="Mairie fictive", slug="mairie-fictive", legal_form="public_body", ess_status="partner", commune=commune
    )
    axis = apps.get_model("projects", "StrategyAxis").objects.order_by("number").first() or apps.get_model(
        "projects", "StrategyAxis"
    ).objects.create(number=1, title="Axe fictif", slug="axe-fictif")
    initiative = apps.get_model("projects", "Initiative").objects.create(
        title="Projet fictif", slug="projet-fictif", axis=axis
    )
    OldConsultation = apps.get_model("projects", "Consultation")
    consultation = OldConsultation.objects.create(
        initiative=initiative,
        held_on="2023-05-01",
        title="Réunion fictive",
        format="workshop",
        participation_level="information",
    )
    consultation.actors.add(ess, town)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("projects", "0013_consultation_actors_through_participants")])
    apps = executor.loader.project_state([("projects", "0013_consultation_actors_through_participants")]).apps
    Participant = apps.get_model("projects", "ConsultationParticipant")
    assert sorted(Participant.objects.values_list("actor__slug", "kind")) == [
        ("asso-fictive", "ess"),
        ("mairie-fictive", "public_body"),
    ]
    assert apps.get_model("projects", "HistoricalConsultationParticipant").objects.filter(history_type="+").count() == 2

    # And back: the participants return to the plain many-to-many.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("projects", "0011_consultation_links")])
    apps = executor.loader.project_state([("projects", "0011_consultation_links")]).apps
    back = apps.get_model("projects", "Consultation").objects.get(pk=consultation.pk)
    assert sorted(back.actors.values_list("slug", flat=True)) == ["asso-fictive", "mairie-fictive"]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# -- admin


@pytest.mark.ignore_template_errors
def test_staff_edit_participants_and_effects_in_the_admin(staff_client):
    initiative = f.initiative_in(S.CONSULTATION)
    consultation = f.consultation(initiative, held_on=datetime.date(2024, 1, 1))
    actor = factories.actor()
    url = f"/admin/projects/consultation/{consultation.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in ("title", "format", "participation_level", "held_on")}
    data.update(
        initiative=initiative.pk,
        held_on="2024-01-01",
        is_public="on",
        **{field.html_name: field.value() or "" for field in form if field.name.startswith("_")},
    )
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for field in management:
            data[field.html_name] = field.value()
    data["participants-TOTAL_FORMS"] = "1"
    data["participants-0-actor"] = actor.pk
    data["participants-0-kind"] = "residents"
    data["effects-TOTAL_FORMS"] = "1"
    data["effects-0-status_change"] = f.initiative_in(S.CONSULTATION).status_changes.get().pk
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not consultation.participants.exists()
    data["effects-0-status_change"] = initiative.status_changes.get().pk
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert consultation.participants.get().kind == "residents"
    assert consultation.effects.get().status_change == initiative.status_changes.get()


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("size", [2, 10])
def test_the_consultation_changelist_query_count_does_not_grow(size, staff_client, django_assert_num_queries):
    for _ in range(size):
        consultation = f.consultation(f.initiative())
        services.link_consultation(
            consultation=consultation, participants=[services.Participation(actor=factories.actor())]
        )
    # session, user, the participants' kinds filter, the dates of the date hierarchy, count, total count,
    # rows (with the initiative and the participants counted)
    with django_assert_num_queries(7):
        assert staff_client.get("/admin/projects/consultation/").status_code == 200
