"""Fixtures of the awards' tests: an edition with its call open, one with results, jurors, applications."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from awards import services
from awards.enums import JURY_GROUP, Eligibility, SubmittedVia
from awards.models import Category, Criterion, Edition, JuryMember, Question
from tests import factories


@pytest.fixture(autouse=True)
def _awards_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CONTRIBUTION_MIN_SECONDS = 0


def make_edition(year: int, *, open_call: bool = True, categories: int = 2) -> Edition:
    now = timezone.now()
    if open_call:
        opens, deadline = now - datetime.timedelta(days=10), now + datetime.timedelta(days=10)
    else:
        opens, deadline = now - datetime.timedelta(days=60), now - datetime.timedelta(days=30)
    edition = Edition.objects.create(
        year=year,
        title=f"Trophées de l'ESS {year} (fictif)",
        is_public=True,
        opens_at=opens,
        deadline=deadline,
        is_fictional=True,
    )
    for i in range(categories):
        Category.objects.create(edition=edition, name=f"Catégorie {i} (fictif)", slug=f"demo-categorie-{i}", position=i)
    Criterion.objects.create(edition=edition, name="Utilité sociale", weight=3, max_score=10, position=0)
    Criterion.objects.create(edition=edition, name="Ancrage territorial", weight=1, max_score=5, position=1)
    Question.objects.create(edition=edition, label="Présentez votre projet.", required=True, position=0)
    Question.objects.create(edition=edition, label="Vos partenaires ?", required=False, position=1)
    return edition


def apply(edition, *, actor=None, category=None, at=None, n=0):
    questions = list(edition.questions.all())
    return services.submit_application(
        edition=edition,
        category=category or edition.categories.first(),
        actor=actor,
        structure_name=actor.name if actor else f"Structure candidate {n} (fictif)",
        project_title=f"Projet {n}",
        contact_name="Contact fictif",
        contact_email="contact@example.org",
        answers={questions[0].pk: "Une réponse."},
        via=SubmittedVia.COMMAND,
        at=at,
    )


def jury_account(name: str = "jure") -> User:
    user = User.objects.create_user(
        username=f"{name}@example.org", email=f"{name}@example.org", password="mot-de-passe-de-jure"
    )
    user.groups.add(Group.objects.get(name=JURY_GROUP))
    return user


def member(edition, user=None, name="jure") -> JuryMember:
    user = user or jury_account(name)
    return JuryMember.objects.create(edition=edition, user=user, display_name=f"{name} (fictif)")


def scores(edition, *values):
    return {c.pk: v for c, v in zip(edition.criteria.all(), values, strict=True)}


@pytest.fixture
def open_edition(db):
    return make_edition(2026)


@pytest.fixture
def scored_edition(db):
    """A past edition: three eligible applications scored by two jurors, one ineligible, one conflict."""
    edition = make_edition(2025)
    actors = [factories.actor(name=f"Lauréat possible {i} (fictif)", is_fictional=True) for i in range(3)]
    applications = [apply(edition, actor=actor, n=i) for i, actor in enumerate(actors)]
    applications.append(apply(edition, n=9))
    for application in applications[:3]:
        services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
    services.decide_eligibility(
        application=applications[3], eligibility=Eligibility.INELIGIBLE, reason="Hors territoire."
    )
    first, second = member(edition, name="jure1"), member(edition, name="jure2")
    services.declare_conflict(member=second, application=applications[2], reason="Administrateur.")
    services.record_evaluation(member=first, application=applications[0], scores=scores(edition, 8, 4), comment="Bien.")
    services.record_evaluation(member=first, application=applications[1], scores=scores(edition, 5, 5))
    services.record_evaluation(member=first, application=applications[2], scores=scores(edition, 10, 5))
    services.record_evaluation(member=second, application=applications[0], scores=scores(edition, 6, 2))
    services.record_evaluation(member=second, application=applications[1], scores=scores(edition, 9, 1))
    # The deadline passes.
    Edition.objects.filter(pk=edition.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=60), deadline=timezone.now() - datetime.timedelta(days=30)
    )
    edition.refresh_from_db()
    return {"edition": edition, "applications": applications, "members": [first, second], "actors": actors}
