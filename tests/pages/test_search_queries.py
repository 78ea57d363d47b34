"""Realistic queries and their expected top results, on SQLite and PostgreSQL alike.

The same table runs on both databases (the CI runs the suite on each): misspellings, accents,
plurals, synonyms, and a commune or neighbourhood with an activity. Ties in rank are listed by
name, which the two databases collate differently: tied results are compared as sets.
"""

import pytest
from django.urls import reverse

from directory.models import Actor, Label, Neighbourhood, Sector
from tests import factories

pytestmark = pytest.mark.django_db

# name: (INSEE code, sector slugs, label slugs, legal form, short description)
DIRECTORY = {
    "Plateforme de réemploi des Tilleuls": (
        "93048",
        ["materiaux-construction"],
        [],
        "association",
        "Matériaux de construction de seconde main.",
    ),
    "Coopérative d'activité et d'emploi Horizon": ("93055", [], [], "cae", "Entreprendre à plusieurs."),
    "Tremplin Emploi": ("93055", [], ["ei"], "ess_company", "Logistique et manutention."),
    "Recyclerie du Canal": ("93010", ["ressourcerie"], [], "association", "Collecte et revente d'objets."),
    "Ressourcerie du Bas-Montreuil": ("93048", ["ressourcerie"], [], "association", "Dons et revente d'objets."),
    "La Boutique des possibles": (
        "93010",
        ["ressourcerie"],
        [],
        "association",
        "Objets donnés et revendus.",
    ),
    "Épicerie solidaire des Lilas": (
        "93045",
        ["epicerie-solidaire"],
        [],
        "association",
        "Produits frais.",
    ),
    "Le Panier du quartier": (
        "93006",
        ["epicerie-solidaire"],
        [],
        "association",
        "Épicerie sociale familiale.",
    ),
    "Chantier d'insertion des Jardins": (
        "93008",
        ["insertion"],
        ["aci"],
        "association",
        "Maraîchage.",
    ),
    "La Friche Commune": ("93063", [], ["tiers-lieu"], "scic", "Lieu ouvert aux associations du quartier."),
    "Jardin partagé des Murs à pêches": ("93048", ["agriculture-urbaine"], [], "association", "Cultiver ensemble."),
    "Jardin partagé du Canal": ("93055", ["agriculture-urbaine"], [], "association", "Cultiver ensemble."),
    "Compagnie Théâtre de l'Œil": ("93048", ["arts-vivants"], [], "association", "Spectacles et ateliers."),
    "Cyclofficine de Pantin": ("93055", ["velo"], [], "association", "Atelier de réparation de vélos."),
}
IN_MONTREUIL = {name for name, row in DIRECTORY.items() if row[0] == "93048"}
RESSOURCERIES = {"Recyclerie du Canal", "Ressourcerie du Bas-Montreuil", "La Boutique des possibles"}
EPICERIES = {"Épicerie solidaire des Lilas", "Le Panier du quartier"}
CIRCULAR = RESSOURCERIES | {"Plateforme de réemploi des Tilleuls"}


@pytest.fixture
def directory():
    """A small published directory across the territory, with sectors, labels and legal forms."""
    for name, (insee, sectors, labels, legal_form, short) in DIRECTORY.items():
        commune = factories.commune(insee)
        actor = factories.actor(
            name=name,
            commune=commune,
            postal_code=commune.postal_codes[0],
            legal_form=legal_form,
            short_description=short,
        )
        actor.sectors.set(Sector.objects.filter(slug__in=sectors))
        actor.labels.set(Label.objects.filter(slug__in=labels))


def names(query: str) -> list[str]:
    return [actor.name for actor in Actor.objects.published().search(query)]


# query → (the expected first result or None when tied, the expected top results as a set)
QUERIES = [
    ("économie circulaire", None, CIRCULAR),
    ("economie circulaire", None, CIRCULAR),  # without accents
    ("Montreuil", "Ressourcerie du Bas-Montreuil", IN_MONTREUIL),
    ("recyclerie bondy", "Recyclerie du Canal", {"Recyclerie du Canal", "La Boutique des possibles"}),
    ("ressourceries bondy", "Recyclerie du Canal", {"Recyclerie du Canal", "La Boutique des possibles"}),  # plural
    ("ressourcrie", None, RESSOURCERIES),  # typo on a sector word
    ("SIAE", None, {"Chantier d'insertion des Jardins", "Tremplin Emploi"}),
    ("insertion", "Chantier d'insertion des Jardins", {"Chantier d'insertion des Jardins", "Tremplin Emploi"}),
    ("insersion", "Chantier d'insertion des Jardins", {"Chantier d'insertion des Jardins", "Tremplin Emploi"}),
    ("tiers-lieu", "La Friche Commune", {"La Friche Commune"}),
    ("tiers lieux", "La Friche Commune", {"La Friche Commune"}),
    ("epicrie", "Épicerie solidaire des Lilas", EPICERIES),
    ("épiceries solidaires", "Épicerie solidaire des Lilas", EPICERIES),
    ("épicerie sociale", "Le Panier du quartier", EPICERIES),  # a synonym, and the words of its text
    ("réemploi", "Plateforme de réemploi des Tilleuls", {"Plateforme de réemploi des Tilleuls"}),
    ("seconde main", "Plateforme de réemploi des Tilleuls", {"Plateforme de réemploi des Tilleuls"}),
    ("jardin partagé montreuil", "Jardin partagé des Murs à pêches", {"Jardin partagé des Murs à pêches"}),
    ("jardins partagés", None, {"Jardin partagé des Murs à pêches", "Jardin partagé du Canal"}),
    ("scop", None, {"Coopérative d'activité et d'emploi Horizon", "La Friche Commune"}),
    ("velo pantin", "Cyclofficine de Pantin", {"Cyclofficine de Pantin"}),
    ("theatre oeil", "Compagnie Théâtre de l'Œil", {"Compagnie Théâtre de l'Œil"}),
]


@pytest.mark.parametrize(("query", "first", "top"), QUERIES)
def test_realistic_queries_list_the_expected_actors_first(directory, query, first, top):
    results = names(query)
    if first is not None:
        assert results[0] == first
    assert set(results[: len(top)]) == top


def test_a_commune_finds_all_its_actors_not_only_those_naming_it(directory):
    assert set(names("Montreuil")) == IN_MONTREUIL
    assert "Compagnie Théâtre de l'Œil" in names("montreuil")  # its text does not say Montreuil


def test_a_neighbourhood_finds_its_actors():
    hood = Neighbourhood.objects.get(slug="bondy-nord")
    commune = factories.commune("93010")
    actor = factories.actor(name="Atelier des Merisiers", commune=commune, postal_code="93140", neighbourhood=hood)
    factories.actor(name="Atelier du centre", commune=commune, postal_code="93140")
    assert names("bondy nord") == [actor.name]


def test_reemploi_does_not_list_employment_first(directory):
    results = names("réemploi")
    assert results[0] == "Plateforme de réemploi des Tilleuls"
    assert "Coopérative d'activité et d'emploi Horizon" not in results[:1]
    assert "Tremplin Emploi" not in results


def test_ranking_points_are_integers(directory):
    ranks = [actor.search_rank for actor in Actor.objects.search("recyclerie bondy")]
    assert all(isinstance(rank, int) for rank in ranks)
    assert ranks == sorted(ranks, reverse=True)


def test_the_directory_page_uses_the_search(client, directory):
    response = client.get("/annuaire/", {"q": "SIAE"})
    assert response.status_code == 200
    assert {actor.name for actor in response.context["page_obj"]} == {
        "Chantier d'insertion des Jardins",
        "Tremplin Emploi",
    }


def test_the_api_uses_the_search(client, directory):
    response = client.get("/api/v1/actors/", {"q": "recyclerie bondy"})
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]][:2] == [
        "Recyclerie du Canal",
        "La Boutique des possibles",
    ]


@pytest.mark.ignore_template_errors
def test_the_admin_changelist_uses_the_search(client, directory):
    client.force_login(factories.staff_user(superuser=True))
    response = client.get(reverse("admin:directory_actor_changelist"), {"q": "tiers-lieu"})
    assert [actor.name for actor in response.context["cl"].result_list] == ["La Friche Commune"]
