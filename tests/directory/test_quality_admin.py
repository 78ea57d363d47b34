"""The quality score in the admin: a sortable column, a filter by band, and the panel of the change form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Actor
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


@pytest.fixture
def admin_client(client):
    client.force_login(factories.staff_user(superuser=True))
    return client


def full_actor(name: str, **overrides) -> Actor:
    """An actor meeting every completeness criterion (80 points), verified today unless said otherwise."""
    fields = {
        "name": name,
        "description": "Une description fictive.",
        "siret": "",
        "rna": "W931234567",
        "address": "1 rue Fictive",
        "email": "contact@example.org",
        "website": "https://example.org",
        "offer": "Des services fictifs.",
        "typology": "militant",
        "last_verified_at": timezone.localdate(),
    }
    fields.update(overrides)
    return factories.actor(**fields)


@pytest.fixture
def three_actors():
    """Scores 100, 90 (verified long ago: half the freshness points) and 18 (a short description and a legal form)."""
    best = full_actor("Fiche fictive complète")
    middle = full_actor("Fiche fictive ancienne", last_verified_at=timezone.localdate() - datetime.timedelta(days=400))
    poor = factories.actor(name="Fiche fictive maigre")
    return best, middle, poor


def column(response, name: str) -> int:
    return list(response.context["cl"].list_display).index(name)


def test_the_changelist_shows_the_score_in_a_sortable_column(admin_client, three_actors):
    best, middle, poor = three_actors
    url = reverse("admin:directory_actor_changelist")
    index = column(admin_client.get(url), "quality_display")

    ascending = admin_client.get(url, {"o": str(index)})
    descending = admin_client.get(url, {"o": f"-{index}"})

    assert [a.name for a in ascending.context["cl"].result_list] == [poor.name, middle.name, best.name]
    assert [a.quality_score for a in descending.context["cl"].result_list] == [100, 90, 18]
    assert "Qualité" in ascending.content.decode()


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("faible", ["Fiche fictive maigre"]),
        ("moyenne", []),
        ("bonne", ["Fiche fictive ancienne", "Fiche fictive complète"]),
    ],
)
def test_the_quality_filter_keeps_one_band(admin_client, three_actors, band, expected):
    response = admin_client.get(reverse("admin:directory_actor_changelist"), {"qualite": band})

    assert [a.name for a in response.context["cl"].result_list] == expected


def test_an_unknown_band_filters_nothing(admin_client, three_actors):
    response = admin_client.get(reverse("admin:directory_actor_changelist"), {"qualite": "parfaite"})

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_sorting_by_quality_keeps_the_changelist_query_count(admin_client, django_assert_num_queries, size):
    for n in range(size):
        factories.actor(name=f"Fiche fictive {n}")
    url = reverse("admin:directory_actor_changelist")
    index = column(admin_client.get(url), "quality_display")

    # The same as unsorted (tests/directory/test_admin.py): the score is an annotation of the rows' query.
    with django_assert_num_queries(5 + 1 + 5):
        admin_client.get(url, {"o": f"-{index}", "qualite": "faible"})


def test_the_change_form_shows_the_score_and_what_would_raise_it(admin_client):
    actor = factories.actor(name="Fiche fictive maigre")

    content = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk])).content.decode()

    assert "Qualité de la fiche" in content
    assert "18 / 100. Ce qui l&#x27;améliorerait :" in content
    assert "<li>une vérification récente (« informations toujours exactes ») (+20)</li>" in content
    assert "<li>un SIRET, un SIREN ou un numéro RNA (+12)</li>" in content


def test_a_complete_fresh_record_has_nothing_missing(admin_client):
    actor = full_actor("Fiche fictive complète")

    content = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk])).content.decode()

    assert "100 / 100 : rien ne manque." in content


def test_the_add_form_shows_the_panel_too(admin_client):
    response = admin_client.get(reverse("admin:directory_actor_add"))

    assert response.status_code == 200
    assert "0 / 100. Ce qui l&#x27;améliorerait :" in response.content.decode()
