"""The organisations the strategy names are found by the directory's search, on both databases.

Queries as people type them: without accents or with them, in any case, with a typo, with the
name's words joined or split, or only part of the name. The page `/annuaire/?q=` and the API
`/api/v1/actors/?q=` use the same `Actor.objects.search`: both are asked.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from directory.demo import load_directory_demo
from directory.models import Actor, names_match_with_typos, normalize_search_text
from directory.reference import load_reference_organisations
from tests import factories
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db

EST_ENSEMBLE = "Est Ensemble"
CD93 = "Conseil départemental de la Seine-Saint-Denis"
INSER_ECO = "Inser'Eco 93"
FOL = "Fédération des œuvres laïques de Seine-Saint-Denis (FOL 93)"
FRANCE_ACTIVE = "France Active"
GARANCE = "Garance"
CANAUX = "Les Canaux"
FRENCH_IMPACT = "French Impact"
PARIS_2024 = "Paris 2024"
SOLIDEO = "Solideo"

QUERIES = [
    ("Inser'Eco", INSER_ECO),
    ("insereco", INSER_ECO),
    ("inser eco 93", INSER_ECO),
    ("Inser'Eco 93", INSER_ECO),
    ("FOL 93", FOL),
    ("fol93", FOL),
    ("federation oeuvres laiques", FOL),
    ("fédération des œuvres laïques", FOL),
    ("federation euvres laiques", FOL),  # a typo in one word of several
    ("FÉDÉRATION DES ŒUVRES LAÏQUES DE SEINE-SAINT-DENIS (FOL 93)", FOL),
    ("France Active", FRANCE_ACTIVE),
    ("france activ", FRANCE_ACTIVE),
    ("Garance", GARANCE),
    ("garrance", GARANCE),
    ("Les Canaux", CANAUX),
    ("canaux", CANAUX),
    ("French Impact", FRENCH_IMPACT),
    ("frenchimpact", FRENCH_IMPACT),
    ("Paris 2024", PARIS_2024),
    ("Solideo", SOLIDEO),
    ("solidéo", SOLIDEO),
    ("conseil departemental", CD93),
    ("Conseil départemental de la Seine-Saint-Denis", CD93),
    ("Est Ensemble", EST_ENSEMBLE),
    ("est ensemble", EST_ENSEMBLE),
]


@pytest.fixture
def named_directory():
    """The reference organisations among fictional actors whose names or texts come close to theirs."""
    load_reference_organisations()
    for name in [
        "Mutuelle de garantie des Tilleuls (fictif)",  # « garance » is one typo from « garantie »
        "Atelier informatique solidaire de la Source (fictif)",  # « solideo » is close to « solidaire »
        "Épicerie active des Lucioles (fictif)",
        "Insertion écologique du Colibri (fictif)",  # « inser », « eco »
        "Fédération sportive de la Ruche (fictif)",
    ]:
        factories.actor(
            name=name,
            is_fictional=True,
            # Texts citing the named organisations: a name match must still come first.
            short_description=(
                "Fiche fictive de test ; sa description cite Est Ensemble, le conseil départemental, Paris 2024, "
                "les canaux de l'Ourcq, une fédération des œuvres et l'impact social."
            ),
        )


def page_names(client, query: str) -> list[str]:
    response = client.get("/annuaire/", {"q": query})
    assert response.status_code == 200
    return [actor.name for actor in response.context["page_obj"].object_list]


def api_names(query: str) -> list[str]:
    cache.clear()  # throttle counters
    response = APIClient().get("/api/v1/actors/", {"q": query})
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_named_organisation_is_found_first_by_the_search(named_directory, query, expected):
    assert [actor.name for actor in Actor.objects.published().search(query)][:1] == [expected]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_named_organisation_is_found_first_on_the_page_and_by_the_api(client, named_directory, query, expected):
    assert page_names(client, query)[:1] == [expected]
    assert api_names(query)[:1] == [expected]


def test_named_organisations_are_found_first_in_the_demo_directory(client):
    """As after `make run`: the reference organisations among the 300 fictional actors of the demo."""
    load_reference_organisations()
    load_directory_demo()
    missed = {
        query: (page, api)
        for query, expected in QUERIES
        if (page := page_names(client, query)[:1]) != [expected] or (api := api_names(query)[:1]) != [expected]
    }
    assert missed == {}


def test_a_name_written_in_one_word_or_in_several_matches_either_way():
    assert names_match_with_typos(["insereco"], normalize_search_text("Inser'Eco 93").split())
    assert names_match_with_typos(["inser", "eco"], normalize_search_text("Insereco").split())
    assert names_match_with_typos(["frenchimpact"], ["french", "impact"])
    assert names_match_with_typos(["french", "impact"], ["frenchimpact"])
    assert not names_match_with_typos(["insereco"], ["inser", "solidaire", "eco"])  # words not next to each other


def test_a_query_that_is_the_name_ranks_above_one_that_only_begins_it():
    exact = factories.actor(name="Les Canaux")
    longer = factories.actor(name="Les Canaux de l'Ourcq (fictif)", is_fictional=True)
    assert list(Actor.objects.search("les canaux"))[:2] == [exact, longer]
    assert list(Actor.objects.search("canaux de l ourcq"))[:1] == [longer]


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL fast path")
def test_postgres_matches_each_word_and_the_joined_name_with_the_trigram_index(named_directory):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'directory_actor_name_trgm_idx'")
        assert "directory_search_key(name_words) gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SELECT directory_search_key(name_words) FROM directory_actor WHERE name = %s", [INSER_ECO])
        assert cursor.fetchone()[0] == "inser eco 93 insereco93"
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny; ask for the indexes
    for query in ["insereco", "federation euvres laiques"]:
        plan = Actor.objects.search(query).only("pk").explain()
        assert "directory_actor_name_trgm_idx" in plan, query
        assert "directory_actor_search_vector_idx" in plan, query
    # A typo in one word of a longer query: that word is matched by trigrams, the others by the full text.
    assert [actor.name for actor in Actor.objects.search("federation euvres laiques")] == [FOL]
