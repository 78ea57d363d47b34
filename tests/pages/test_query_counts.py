"""Query counts of every public page, pinned at two data sizes: the count must not grow with the data.

Directory list: count, page, sectors of the page, 8 facet aggregates (one per group, each leaving out
its own filter), 5 option lists (communes, neighbourhoods, sectors, labels, roles); the map adds one
query for its markers.
Actor page: the actor, then one query per related list (sectors, labels, roles, communes served,
public contacts, offers, offers' stages, cooperations out and in), one for the initiatives the
actor takes part in, one for the consultations it took part in and one for its next events (sections
provided by the projects app), one for its deals, and one for its distinctions (the awards app).
Support finder: count, page, stages of the page, the chain (one aggregate and the stages), and
the form's choices (stages, communes twice, sectors).
CSV export: the actors, and their sectors (one query per 2,000 rows).
"""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[3, 15], ids=["small", "larger"])
def directory(request, populate):
    actors = populate(request.param)
    factories.cooperation(source=actors[0], target=actors[1])
    factories.cooperation(source=actors[2], target=actors[0])
    factories.contact(actor=actors[0], is_public=True, consent_date="2024-01-01")
    return actors


def test_home_queries_do_not_grow(client, directory, django_assert_num_queries):
    # The data version (the page is kept for anonymous visitors, its figures for the version), totals,
    # initiatives by state, latest actors and their sectors, latest initiatives, latest news.
    with django_assert_num_queries(7):
        assert client.get("/").status_code == 200
    # Asked again at the same data version: the kept answer, after reading the version.
    with django_assert_num_queries(1):
        assert client.get("/").status_code == 200


def test_directory_list_queries_do_not_grow(client, directory, django_assert_num_queries):
    # Pages kept for anonymous visitors read the data version first (ess_portal.response_cache): +1.
    with django_assert_num_queries(17):
        assert client.get("/annuaire/").status_code == 200


def test_directory_filtered_list_queries_do_not_grow(client, directory, django_assert_num_queries):
    with django_assert_num_queries(17):
        response = client.get("/annuaire/", {"commune": "93048", "sector": "alimentation", "typology": "militant"})
    assert response.status_code == 200


def test_directory_map_queries_do_not_grow(client, directory, django_assert_num_queries):
    with django_assert_num_queries(18):
        assert client.get("/annuaire/", {"view": "map"}).status_code == 200


def test_actor_page_queries_do_not_grow(client, directory, django_assert_num_queries):
    with django_assert_num_queries(16):
        assert client.get(directory[0].get_absolute_url()).status_code == 200


def test_support_finder_queries_do_not_grow(client, directory, django_assert_num_queries):
    with django_assert_num_queries(11):
        assert client.get("/accompagnement/").status_code == 200


def test_support_finder_with_criteria_and_chain_for_a_commune_queries_do_not_grow(
    client, directory, django_assert_num_queries
):
    # + the commune and the stage looked up to validate the criteria
    with django_assert_num_queries(13):
        response = client.get("/accompagnement/", {"commune": "93048", "stage": "emergence"})
    assert response.status_code == 200


def test_csv_export_queries_do_not_grow(client, directory, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/annuaire/export.csv")
        content = b"".join(response.streaming_content)
    assert content.count(b"\n") == len(directory) + 1


def test_sitemap_index_queries_do_not_grow(client, directory, django_assert_num_queries):
    # per section of records (actors, initiatives): its latest change, its count; the observatory's years;
    # the awards' editions
    with django_assert_num_queries(6):
        assert client.get("/sitemap.xml").status_code == 200


def test_sitemap_section_queries_do_not_grow(client, directory, django_assert_num_queries):
    # the count (for the page number), then the page's rows
    with django_assert_num_queries(2):
        response = client.get("/sitemap-actors.xml")
    assert response.content.count(b"<url>") == len(directory)
