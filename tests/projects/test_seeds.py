"""Seeded strategy, staff permissions, the real initiatives of the reference file and the fictional demo set."""

import io
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from directory.demo import load_directory_demo
from directory.models import PublicationStatus
from directory.reference import load_reference_organisations
from projects.demo import load_projects_demo
from projects.models import (
    Consultation,
    EnergyCriterion,
    EnergyReview,
    FundingLine,
    Initiative,
    Involvement,
    Measurement,
    Milestone,
    Objective,
    Site,
    StatusChange,
    StrategyAxis,
)
from projects.reference import load_reference_initiatives

pytestmark = pytest.mark.django_db


def test_the_five_lines_of_the_2019_strategy_are_seeded_with_their_objectives():
    assert list(StrategyAxis.objects.values_list("number", "slug")) == [
        (1, "initiatives-a-impact"),
        (2, "accompagnement-entrepreneurial"),
        (3, "cooperation-entreprises"),
        (4, "structurer-offre-politiques-publiques-jeux-2024"),
        (5, "ess-outil-urbanisme"),
    ]
    assert set(Objective.objects.values_list("axis__number", flat=True)) == {5}
    assert Objective.objects.count() == 3


def test_the_energy_criteria_are_seeded():
    assert {
        "sobriete-energetique",
        "performance-batiment",
        "energies-renouvelables",
        "mobilite-bas-carbone",
        "reemploi-circularite",
    } <= set(EnergyCriterion.objects.values_list("slug", flat=True))


def test_staff_groups_get_the_trackers_permissions():
    def codenames(group):
        return set(
            Group.objects.get(name=group)
            .permissions.filter(content_type__app_label="projects")
            .values_list("codename", flat=True)
        )

    editors, moderators, readers = codenames("Éditeurs"), codenames("Modérateurs"), codenames("Lecture seule")
    assert {"add_initiative", "change_initiative", "view_initiative", "change_energyreview"} <= editors
    assert "delete_initiative" not in editors
    assert "change_strategyaxis" not in editors and "view_strategyaxis" in editors
    assert "delete_initiative" in moderators
    assert all(codename.startswith("view_") for codename in readers)
    assert "view_initiative" in readers
    # The lifecycle log is written by the service only.
    assert {c for c in editors | moderators if c.endswith("_statuschange")} == {"view_statuschange"}
    # Editors propose; moderators publish.
    assert {"publish_initiative", "publish_site"} <= moderators
    assert not {"publish_initiative", "publish_site"} & (editors | readers)


def test_load_reference_stamps_its_history_as_an_import():
    call_command("load_reference", stdout=io.StringIO())
    records = Initiative.history.all()
    assert records.exists()
    assert set(records.values_list("history_source", "history_source_detail")) == {("import", "load_reference")}


def test_load_demo_stamps_its_history_as_a_command(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    demo = Initiative.history.filter(source="demo")
    assert set(demo.values_list("history_source", flat=True)) == {"command"}
    assert set(Milestone.history.values_list("history_source", flat=True)) == {"command"}


def test_the_real_initiatives_load_once_as_drafts_with_their_real_actors():
    load_reference_organisations()
    assert load_reference_initiatives() == {"projets de la stratégie 2019": 6}
    assert load_reference_initiatives() == {"projets de la stratégie 2019": 0}
    initiatives = Initiative.objects.filter(source="reference")
    assert set(initiatives.values_list("slug", flat=True)) == {
        "trophees-de-l-ess",
        "est-ploration",
        "participation-impact-2024",
        "occupations-temporaires-laboratoire",
        "ess-dans-le-npnru",
        "rez-de-chaussee-actifs",
    }
    # Only the facts of the source: no dates, money, review or status beyond « idée », not published.
    assert set(initiatives.values_list("status", "publication_status", "is_fictional")) == {
        (Initiative.Status.IDEA, PublicationStatus.DRAFT, False)
    }
    assert not initiatives.filter(planned_start__isnull=False).exists()
    assert not initiatives.filter(target_budget__isnull=False).exists()
    assert not EnergyReview.objects.exists() and not FundingLine.objects.exists()
    assert set(initiatives.values_list("lead_actor__name", flat=True)) == {"Est Ensemble"}
    impact = initiatives.get(slug="participation-impact-2024")
    assert set(impact.involvements.filter(role=Involvement.Role.PARTNER).values_list("actor__name", flat=True)) == {
        "Les Canaux",
        "Paris 2024",
        "Solideo",
    }
    assert impact.communes.count() == 9


def test_an_edited_real_initiative_is_left_alone_by_a_later_run():
    load_reference_initiatives()
    Initiative.objects.filter(slug="est-ploration").update(summary="Texte revu par l'équipe")
    load_reference_initiatives()
    assert Initiative.objects.get(slug="est-ploration").summary == "Texte revu par l'équipe"


def test_the_demo_portfolio_is_complete_fictional_and_idempotent():
    load_reference_organisations()
    load_directory_demo()
    assert load_projects_demo() == {"lieux fictifs": 18, "projets fictifs": 36}
    counts = (Initiative.objects.count(), Site.objects.count(), Milestone.objects.count(), StatusChange.objects.count())
    assert load_projects_demo() == {"lieux fictifs": 0, "projets fictifs": 0}
    assert counts == (
        Initiative.objects.count(),
        Site.objects.count(),
        Milestone.objects.count(),
        StatusChange.objects.count(),
    )

    demo = Initiative.objects.filter(source="demo")
    assert all(title.endswith("(fictif)") for title in demo.values_list("title", flat=True))
    assert not demo.filter(is_fictional=False).exists()
    assert not Site.objects.filter(source="demo", is_fictional=False).exists()
    assert set(demo.values_list("axis__number", flat=True)) == {1, 2, 3, 4, 5}
    assert set(demo.values_list("status", flat=True)) == set(Initiative.Status.values)
    assert set(Site.objects.values_list("pipeline_stage", flat=True)) == set(Site.Pipeline.values)
    # Everything past the energy gate got there with an approved review, through the lifecycle service.
    for initiative in demo.filter(status__in=["approved", "in_progress", "completed"]).select_related("energy_review"):
        assert initiative.energy_review.is_approving
        assert initiative.status_changes.filter(to_status=initiative.status).exists()
    assert Measurement.objects.exists() and Consultation.objects.exists() and FundingLine.objects.exists()
    # The demo actors come from the directory's fictional set only.
    assert not Involvement.objects.filter(initiative__source="demo", actor__is_fictional=False).exists()
    assert Counter(demo.values_list("publication_status", flat=True))[PublicationStatus.PUBLISHED] > 25
    # Every stored row is valid.
    for initiative in demo:
        initiative.full_clean()
