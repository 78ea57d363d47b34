"""Atom feeds, canonical links and OpenGraph tags of the public pages."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.utils import timezone

from directory.models import Actor, PublicationStatus
from projects.models import JournalEntry
from tests import factories
from tests.projects import factories as tracker

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://ess.example.org"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "id": entry.findtext(f"{ATOM}id"),
            "link": entry.find(f"{ATOM}link").get("href"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_new_actors_feed_lists_published_actors_newest_first_and_nothing_else(client):
    older = factories.actor(name="Première structure fictive")
    Actor.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=3))
    newer = factories.actor(name="Seconde structure fictive")
    factories.actor(name="Brouillon secret", status=PublicationStatus.DRAFT)
    archived = factories.actor(name="Structure archivée")
    archived.status = PublicationStatus.ARCHIVED
    archived.save()

    items = entries(client.get("/annuaire/nouveautes.atom"))

    assert [item["title"].split(" (")[0] for item in items] == [newer.name, older.name]
    assert items[0]["link"] == f"http://testserver{newer.get_absolute_url()}"
    assert items[0]["id"] == f"https://ess.example.org/annuaire/#acteur-{newer.pk}"
    assert b"Brouillon secret" not in client.get("/annuaire/nouveautes.atom").content


def test_an_actor_is_dated_by_its_first_publication_not_by_later_edits(client):
    actor = factories.actor(status=PublicationStatus.DRAFT)
    assert actor.published_at is None
    actor.status = PublicationStatus.PUBLISHED
    actor.save(update_fields=["status"])
    actor.refresh_from_db()
    first = actor.published_at
    assert first is not None
    actor.status = PublicationStatus.PENDING
    actor.save()
    actor.status = PublicationStatus.PUBLISHED
    actor.save()
    actor.refresh_from_db()
    assert actor.published_at == first


def test_news_feed_has_only_public_news_of_published_initiatives(client):
    published = tracker.initiative(title="Projet fictif publié")
    draft = tracker.initiative(title="Projet fictif en brouillon", publication_status=PublicationStatus.DRAFT)
    news = JournalEntry.objects.create(
        initiative=published, title="Ouverture du lieu", is_public=True, entry_date=date(2026, 5, 4)
    )
    JournalEntry.objects.create(initiative=published, title="Note interne", is_public=False)
    JournalEntry.objects.create(initiative=draft, title="Nouvelle d'un brouillon", is_public=True)

    response = client.get("/projets/actualites.atom")
    items = entries(response)

    assert [item["title"] for item in items] == ["Projet fictif publié — Ouverture du lieu"]
    assert items[0]["link"].endswith(f"{published.get_absolute_url()}#actualite-{news.pk}")
    assert b"Note interne" not in response.content and b"brouillon" not in response.content
    page = client.get(published.get_absolute_url()).content.decode()
    assert f'id="actualite-{news.pk}"' in page


@pytest.mark.parametrize("path", ["/", "/annuaire/", "/projets/"])
def test_home_and_lists_announce_both_feeds(client, path):
    content = client.get(path).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/annuaire/nouveautes.atom"' in content
    assert '<link rel="alternate" type="application/atom+xml" href="/projets/actualites.atom"' in content


def test_canonical_link_keeps_the_page_number_and_drops_filters(client):
    factories.actor()
    content = client.get("/annuaire/?commune=montreuil&tri=nom&page=1").content.decode()
    assert '<link rel="canonical" href="https://ess.example.org/annuaire/">' in content
    content = client.get("/annuaire/?page=2&utm_source=x").content.decode()
    assert '<link rel="canonical" href="https://ess.example.org/annuaire/?page=2">' in content


def test_actor_page_is_shared_with_its_name_and_description(client):
    actor = factories.actor(name="Recyclerie fictive & co", short_description="Réemploi d'objets du quotidien.")
    content = client.get(actor.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Recyclerie fictive &amp; co">' in content
    assert '<meta property="og:description" content="Réemploi d&#x27;objets du quotidien.">' in content
    assert f'<meta property="og:url" content="https://ess.example.org{actor.get_absolute_url()}">' in content
    assert f'<link rel="canonical" href="https://ess.example.org{actor.get_absolute_url()}">' in content
