import pytest
from django.template.loader import render_to_string

from directory.models import PublicationStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_shows_live_figures_reference_figures_with_their_source_and_a_search_box(client, populate):
    populate(3)  # employees 0, 1, 2
    factories.actor(name="Brouillon", status=PublicationStatus.DRAFT, employees=100)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["actor_count"] == 3
    assert response.context["employee_count"] == 3
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert 'action="/annuaire/" method="get" role="search"' in content
    assert 'name="q"' in content
    for text in ["388 700", "7,1 %", "11,9 Md€", "33 200", "3 000", "11 mars 2019"]:
        assert text in content
    assert "Structure fictive 2" in content  # latest updates
    assert "Données de démonstration." in content


def test_home_counts_initiatives_by_state(client):
    from projects.models import Initiative, StrategyAxis

    axis = StrategyAxis.objects.order_by("number").first()
    Initiative.objects.create(title="Projet publié", axis=axis, publication_status=PublicationStatus.PUBLISHED)
    Initiative.objects.create(title="Projet brouillon", axis=axis)
    response = client.get("/")
    by_status = {row["status"]: row["count"] for row in response.context["initiatives_by_status"]}
    assert by_status[Initiative.Status.IDEA] == 1
    assert response.context["initiative_count"] == 1
    content = response.content.decode()
    assert "Projet publié" in content and "Projet brouillon" not in content


def test_home_figures_follow_a_write_at_once(client, populate):
    from projects.models import Initiative
    from tests.projects import factories as project_factories

    actors = populate(2)  # employees 0 and 1
    initiative = project_factories.initiative_in("in_progress")
    first = client.get("/")
    assert (first.context["actor_count"], first.context["employee_count"]) == (2, 1)
    assert client.get("/").content == first.content  # kept for the data version

    initiative.status = Initiative.Status.COMPLETED
    initiative.save()
    actors[0].employees = 40
    actors[0].save()
    response = client.get("/")
    by_status = {row["status"]: row["count"] for row in response.context["initiatives_by_status"]}
    assert (by_status[Initiative.Status.IN_PROGRESS], by_status[Initiative.Status.COMPLETED]) == (0, 1)
    assert response.context["employee_count"] == 41

    actors[1].status = PublicationStatus.DRAFT
    actors[1].save()
    assert client.get("/").context["actor_count"] == 1


def test_home_shows_the_latest_public_news_of_published_initiatives(client):
    import datetime

    from projects.models import Initiative, JournalEntry, StrategyAxis

    axis = StrategyAxis.objects.order_by("number").first()
    published = Initiative.objects.create(
        title="Projet publié", axis=axis, publication_status=PublicationStatus.PUBLISHED
    )
    draft = Initiative.objects.create(title="Projet brouillon", axis=axis)
    day = datetime.date(2026, 3, 2)
    JournalEntry.objects.create(initiative=published, entry_date=day, title="Chantier lancé", is_public=True)
    JournalEntry.objects.create(initiative=published, entry_date=day, title="Note interne", is_public=False)
    JournalEntry.objects.create(initiative=draft, entry_date=day, title="Nouvelle d'un brouillon", is_public=True)

    content = client.get("/").content.decode()

    assert "Chantier lancé" in content
    assert "Note interne" not in content
    assert "Nouvelle d'un brouillon" not in content


def test_navigation_marks_the_current_section(client):
    content = client.get("/annuaire/").content.decode()
    assert '<a href="/annuaire/" aria-current="page">Annuaire</a>' in content
    assert '<a href="/" aria-current="page">' not in content
    for path in ("/projets/", "/strategie/", "/accompagnement/", "/lieux/"):
        assert f'<a href="{path}">' in content


def test_footer_links_to_legal_page_api_docs_and_source(client):
    content = client.get("/").content.decode()
    assert 'href="/mentions-legales/"' in content
    assert 'href="/api/v1/docs/"' in content
    assert "compte rendu de presse" in content


def test_legal_page_explains_personal_data_and_maps(client):
    response = client.get("/mentions-legales/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Données personnelles" in content and "RGPD" in content and "OpenStreetMap" in content


def test_sitemap_lists_published_actors_only(client, draft_actor, read_sitemap):
    published = factories.actor(name="Publiée")
    content = read_sitemap(client)
    assert f"http://testserver{published.get_absolute_url()}" in content
    assert draft_actor.get_absolute_url() not in content
    assert "<loc>http://testserver/annuaire/</loc>" in content
    assert "<loc>http://testserver/</loc>" in content


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_admin_and_exports(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Disallow: /annuaire/export.csv" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_unknown_page_gives_a_useful_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page introuvable" in content
    assert 'action="/annuaire/"' in content


def test_500_page_renders_without_context():
    content = render_to_string("500.html")
    assert "Une erreur est survenue" in content
    assert '<html lang="fr">' in content


def test_static_assets_are_served_locally(client):
    content = client.get("/annuaire/", {"view": "map"}).content.decode()
    assert "//cdn" not in content and "fonts.googleapis" not in content and "unpkg" not in content
    for path in (
        "css/site.css",
        "js/site.js",
        "js/map.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/LICENSE",
        "vendor/leaflet.markercluster/MIT-LICENCE.txt",
    ):
        from django.contrib.staticfiles import finders

        assert finders.find(path), path
