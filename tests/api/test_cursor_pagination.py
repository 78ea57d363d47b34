"""Lists read by following `next`: keyset cursors, stable while records come and go, refused when forged."""

import pytest

from directory.models import Actor
from ess_portal.api.pagination import encode_cursor
from tests import factories

pytestmark = pytest.mark.django_db


def walk(api, url, params=None, key="next"):
    pages = []
    body = api.get(url, params or {}).json()
    pages.append(body)
    while body[key]:
        response = api.get(body[key])
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
    return pages


def slugs(pages):
    return [row["slug"] for page in pages for row in page["results"]]


def test_following_next_reads_every_actor_once_in_order_and_previous_reads_back(api):
    for name in ["Bêta", "Alpha", "Gamma", "Alpha", "Delta", "Epsilon", "Zêta"]:
        factories.actor(name=f"{name} fictif")
    expected = list(Actor.objects.published().order_by("name", "pk").values_list("slug", flat=True))
    pages = walk(api, "/api/v1/actors/", {"page_size": 2})
    assert slugs(pages) == expected
    assert all(page["count"] == 7 for page in pages)
    assert "cursor=" in pages[0]["next"] and "page_size=2" in pages[0]["next"]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    back = walk(api, pages[-1]["previous"], key="previous")
    assert slugs(list(reversed(back))) == expected[:-1]


def test_a_cursor_follows_the_order_asked_for(api):
    actors = [factories.actor() for _ in range(5)]
    for index, actor in enumerate(actors):
        Actor.objects.filter(pk=actor.pk).update(updated_at=f"2026-0{index + 1}-01T12:00:00Z")
    pages = walk(api, "/api/v1/actors/", {"page_size": 2, "ordering": "-updated_at"})
    assert slugs(pages) == [actor.slug for actor in reversed(actors)]


def test_records_added_before_the_cursor_do_not_shift_the_next_page(api):
    for name in ["Bb", "Cc", "Dd", "Ee"]:
        factories.actor(name=f"{name} fictif")
    first = api.get("/api/v1/actors/", {"page_size": 2}).json()
    factories.actor(name="Aa fictif")  # sorts first: a page number would now repeat « Cc »
    second = api.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Dd fictif", "Ee fictif"]


def test_a_search_is_read_page_after_page_in_its_rank_order(api):
    for index in range(5):
        factories.actor(name=f"Recyclerie fictive {index}", short_description="Réemploi et recyclerie.")
    factories.actor(name="Recyclerie", short_description="La recyclerie du quartier.")
    pages = walk(api, "/api/v1/actors/", {"q": "recyclerie", "page_size": 2})
    assert slugs(pages)[0] == Actor.objects.get(name="Recyclerie").slug
    assert len(slugs(pages)) == len(set(slugs(pages))) == 6


@pytest.mark.parametrize("cursor", ["x", "e30", "!!!", encode_cursor(["updated_at", "pk"], ["a", 1], False)])
def test_a_forged_or_foreign_cursor_is_a_400(api, cursor):
    factories.actor()
    response = api.get("/api/v1/actors/", {"cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


@pytest.mark.parametrize("values", [["Nom", "pas un id"], ["Nom\x00", 1]])
def test_a_cursor_of_the_right_shape_with_a_bad_value_is_a_400(api, values):
    factories.actor()
    response = api.get("/api/v1/actors/", {"cursor": encode_cursor(["name", "pk"], values, False)})
    assert response.status_code == 400


@pytest.mark.parametrize("values", [["pas une date", 1], [12, 1], [{"t": "2026-13-45T00:00"}, 1]])
def test_a_cursor_with_a_bad_date_is_a_400(api, values):
    factories.actor()
    cursor = encode_cursor(["-updated_at", "pk"], values, False)
    response = api.get("/api/v1/actors/", {"ordering": "-updated_at", "cursor": cursor})
    assert response.status_code == 400


def test_page_and_cursor_together_are_a_400(api):
    actor = factories.actor()
    cursor = encode_cursor(["name", "pk"], [actor.name, actor.pk], False)
    response = api.get("/api/v1/actors/", {"cursor": cursor, "page": 2})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_a_page_number_still_jumps_and_links_on_by_cursor(api):
    for _ in range(5):
        factories.actor()
    body = api.get("/api/v1/actors/", {"page_size": 2, "page": 2}).json()
    assert len(body["results"]) == 2
    assert "cursor=" in body["next"] and "page=" not in body["next"]


def test_lists_ordered_through_a_relation_keep_page_number_links(api):
    from tests.projects import factories as project_factories

    for _ in range(3):
        project_factories.initiative()
    body = api.get("/api/v1/initiatives/", {"page_size": 1}).json()
    assert "page=2" in body["next"]
    assert api.get("/api/v1/initiatives/", {"cursor": "abc"}).status_code == 400
