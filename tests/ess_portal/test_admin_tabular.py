"""Every field of a tabular inline row has a name (the admin shows the labels once, as column headers)."""

import pytest

from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def test_inline_fields_are_named_with_their_column_and_row(client):
    client.force_login(factories.staff_user(superuser=True))
    actor = factories.actor()
    factories.support_offer(provider=actor)
    factories.support_offer(provider=actor)
    content = client.get(f"/admin/directory/actor/{actor.pk}/change/").content.decode()
    assert 'aria-label="Intitulé, offre d&#x27;accompagnement 1"' in content
    assert 'aria-label="Intitulé, offre d&#x27;accompagnement 2"' in content
    # The autocomplete of a row is named too (the admin's widget wrapper must not share one name).
    assert 'id="id_support_offers-0-stages"' in content
    assert content.count('aria-label="Étapes visées, offre d&#x27;accompagnement 1"') == 1
    assert content.count('aria-label="Étapes visées, offre d&#x27;accompagnement 2"') == 1
    # The template row that « Ajouter » copies.
    assert 'aria-label="Prénom, nouvelle ligne"' in content
    assert 'aria-label="None' not in content


def test_delete_boxes_and_row_fields_of_the_tracker_are_named(client):
    client.force_login(factories.staff_user(superuser=True))
    initiative = project_factories.initiative()
    project_factories.milestone(initiative, title="Jalon fictif")
    content = client.get(f"/admin/projects/initiative/{initiative.pk}/change/").content.decode()
    assert 'aria-label="Poids, jalon 1"' in content
    assert 'aria-label="Supprimer, jalon 1"' in content
