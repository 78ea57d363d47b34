"""The sitemap index: every published record, in sections of at most 50,000 URLs, paged with `?p=`."""

import re

import pytest

from directory.models import Actor, PublicationStatus
from directory.sitemaps import ActorSitemap
from ess_portal.sitemaps import SITEMAP_LIMIT
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def _locations(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r"<loc>([^<]+)</loc>", response.content.decode())


def test_the_sitemap_is_an_index_of_every_section(client):
    factories.actor()
    project_factories.initiative()
    response = client.get("/sitemap.xml")
    assert response["Content-Type"] == "application/xml"
    assert "<sitemapindex" in response.content.decode()
    assert _locations(response) == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-actors.xml",
        "http://testserver/sitemap-tracker.xml",
        "http://testserver/sitemap-initiatives.xml",
        "http://testserver/sitemap-observatory.xml",
        "http://testserver/sitemap-awards.xml",
        "http://testserver/sitemap-purchasing.xml",
    ]


def test_sections_hold_at_most_the_protocols_ceiling():
    assert ActorSitemap.limit == SITEMAP_LIMIT == 50_000


def test_a_section_larger_than_its_limit_is_paged_and_every_published_actor_is_listed(client, monkeypatch):
    monkeypatch.setattr(ActorSitemap, "limit", 2)
    actors = [factories.actor(name=f"Structure paginée {n}") for n in range(5)]
    draft = factories.actor(name="Brouillon caché", status=PublicationStatus.DRAFT)
    index = _locations(client.get("/sitemap.xml"))
    pages = [location for location in index if "sitemap-actors.xml" in location]
    assert pages == [
        "http://testserver/sitemap-actors.xml",
        "http://testserver/sitemap-actors.xml?p=2",
        "http://testserver/sitemap-actors.xml?p=3",
    ]
    listed = [location for page in pages for location in _locations(client.get(page))]
    assert listed == [f"http://testserver{actor.get_absolute_url()}" for actor in actors]
    assert f"http://testserver{draft.get_absolute_url()}" not in listed
    assert client.get("/sitemap-actors.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-actors.xml", {"p": "deux"}).status_code == 404


def test_a_section_gives_each_url_its_record_lastmod_and_the_index_the_latest(client):
    older = factories.actor(name="Structure ancienne")
    newer = factories.actor(name="Structure récente")
    Actor.objects.filter(pk=older.pk).update(updated_at="2024-01-02T10:00:00Z")
    Actor.objects.filter(pk=newer.pk).update(updated_at="2024-03-04T10:00:00Z")
    section = client.get("/sitemap-actors.xml").content.decode()
    assert re.findall(r"<lastmod>([^<]+)</lastmod>", section) == ["2024-01-02", "2024-03-04"]
    index = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/sitemap-actors.xml</loc><lastmod>2024-03-04" in re.sub(r"\s+", "", index)


def test_unknown_sections_are_404(client):
    assert client.get("/sitemap-nulle-part.xml").status_code == 404


def test_robots_txt_points_to_the_index(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode().splitlines()


@pytest.mark.parametrize("size", [2, 8])
def test_a_paged_section_queries_do_not_grow(client, monkeypatch, django_assert_num_queries, size):
    monkeypatch.setattr(ActorSitemap, "limit", 2)
    for n in range(size):
        factories.actor(name=f"Structure {n}")
    # the count (for the page number), then the page's rows
    with django_assert_num_queries(2):
        assert len(_locations(client.get("/sitemap-actors.xml", {"p": size // 2}))) == 2
    # + the observatory's years (its one page) and the awards' editions (a section of one page); the
    # buyers' pages (no query)
    with django_assert_num_queries(6):
        assert len(_locations(client.get("/sitemap.xml"))) == 6 + size // 2
