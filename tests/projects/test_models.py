"""Visibility, URLs, slugs and history of the tracker's records."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from directory.models import PublicationStatus
from projects import services
from projects.models import EnergyReview, Initiative, Measurement, Site
from tests.factories import commune
from tests.projects import factories as f

pytestmark = pytest.mark.django_db


def test_published_is_the_one_visibility_rule_of_initiatives():
    shown = f.initiative(publication_status=PublicationStatus.PUBLISHED)
    for state in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        f.initiative(publication_status=state)
    assert list(Initiative.objects.published()) == [shown]


def test_published_is_the_one_visibility_rule_of_sites():
    shown = f.site()
    f.site(publication_status=PublicationStatus.DRAFT)
    assert list(Site.objects.published()) == [shown]


def test_an_initiative_lives_at_projets_slug(client):
    initiative = f.initiative(title="Épicerie des Lilas (fictif)")
    assert initiative.slug == "epicerie-des-lilas-fictif"
    assert initiative.get_absolute_url() == "/projets/epicerie-des-lilas-fictif/"
    assert client.get(initiative.get_absolute_url(), secure=True).status_code == 200


def test_slugs_stay_unique():
    first = f.initiative(title="Même nom")
    second = f.initiative(title="Même nom")
    assert (first.slug, second.slug) == ("meme-nom", "meme-nom-2")
    assert f.site(name="Local").slug != f.site(name="Local").slug


def test_the_database_refuses_an_unknown_status():
    initiative = f.initiative()
    with pytest.raises(IntegrityError), transaction.atomic():
        Initiative.objects.filter(pk=initiative.pk).update(status="bidon")


def test_the_database_refuses_a_conditional_approval_without_conditions():
    initiative = f.initiative()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnergyReview.objects.create(
            initiative=initiative,
            decision=EnergyReview.Decision.APPROVED_WITH_CONDITIONS,
            decided_on=datetime.date(2024, 1, 1),
        )


def test_a_measurement_takes_its_initiative_from_its_indicator():
    initiative = f.initiative()
    measurement = Measurement.objects.create(
        indicator=f.indicator(initiative), measured_on=datetime.date(2024, 1, 2), value=Decimal("4")
    )
    assert measurement.initiative == initiative


def test_history_records_field_and_place_changes_with_their_author():
    user = User.objects.create_user("agent")
    initiative = f.initiative(title="Avant")
    initiative.title = "Après"
    initiative._history_user = user
    initiative.save()
    initiative.communes.add(commune("93055"))
    assert initiative.history.filter(title="Après", history_user=user, history_type="~").exists()
    assert initiative.history.earliest().title == "Avant"
    latest = initiative.history.latest()
    assert [row.commune.name for row in latest.communes.select_related("commune")] == ["Pantin"]


def test_a_status_change_is_kept_in_history_with_its_reason():
    initiative = f.initiative()
    services.change_status(initiative=initiative, to_status="consultation", by=None, reason="Ateliers")
    record = initiative.history.first()
    assert (record.status, record.history_change_reason) == ("consultation", "Ateliers")
    assert str(initiative.status_changes.get()) == f"{initiative.title} : idée → en concertation"


def test_the_review_decision_of_an_initiative_without_review_is_none():
    initiative = f.initiative()
    assert initiative.energy_review_decision is None
    f.approved_review(initiative)
    assert Initiative.objects.get(pk=initiative.pk).energy_review_decision == EnergyReview.Decision.APPROVED


def test_a_site_is_an_anchor_on_the_sites_page():
    site = f.site(name="Local du marché (fictif)")
    assert site.get_absolute_url() == "/lieux/#local-du-marche-fictif"
