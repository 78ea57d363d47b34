"""Page titles that say the page, the filters and the page number; public words instead of jargon."""

import re
from html import unescape

import pytest

from directory.models import Actor, Stage, SupportOffer
from tests import factories
from tests.pages.test_initiatives import _rich_initiative

pytestmark = pytest.mark.django_db


def title(response) -> str:
    return unescape(re.search(r"<title>(.*?) — ESS Portal, Est Ensemble</title>", response.content.decode()).group(1))


def test_directory_title_names_the_search_the_filters_and_the_page(client):
    for n in range(25):
        factories.actor(name=f"Jardin fictif {n:02}", commune=factories.commune("93048"))
    assert title(client.get("/annuaire/")) == "Annuaire des acteurs de l'ESS"
    assert title(client.get("/annuaire/", {"page": 2})) == "Annuaire des acteurs de l'ESS — page 2 sur 2"
    response = client.get("/annuaire/", {"q": "jardin", "commune": ["93048"], "page": 2})
    assert title(response) == "Annuaire des acteurs de l'ESS : « jardin », Montreuil — page 2 sur 2"
    response = client.get("/annuaire/", {"view": "map", "commune": "93048"})
    assert title(response) == "Carte des acteurs de l'ESS : Montreuil"


def test_an_invalid_filter_says_error_first(client):
    assert title(client.get("/annuaire/", {"commune": "99999"})) == "Erreur — Annuaire des acteurs de l'ESS"
    assert title(client.get("/projets/", {"status": "nope"})) == "Erreur — Les projets de la stratégie ESS"


def test_tracker_and_support_titles_name_their_filters(client):
    factories.support_offer(title="Prêt fictif")
    assert title(client.get("/projets/", {"status": "idea"})) == "Les projets de la stratégie ESS : Idée"
    assert title(client.get("/lieux/", {"available": "true"})) == "Lieux et locaux pour l'ESS : Disponible"
    response = client.get("/accompagnement/", {"stage": "creation", "commune": "93048", "free": "true"})
    assert title(response) == "Trouver un accompagnement : Création, Montreuil, Gratuit"


def test_titles_escape_the_search(client):
    response = client.get("/annuaire/", {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert title(response) == "Annuaire des acteurs de l'ESS : « <script>alert(1)</script> »"


def test_actor_page_says_the_ess_status_in_plain_words(client):
    actor = factories.actor(ess_status=Actor.EssStatus.STATUTORY)
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "ESS de statut" not in content
    assert "Structure de l&#x27;ESS par son statut juridique" in content
    unknown = factories.actor(ess_status=Actor.EssStatus.UNKNOWN)
    assert "non renseigné" not in client.get(unknown.get_absolute_url()).content.decode()


def test_milestones_show_their_share_of_the_progress_not_a_weight(client):
    initiative = _rich_initiative()
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "poids" not in content
    assert "compte pour 75 % de l'avancement du projet" in content
    assert "compte pour 25 % de l'avancement du projet" in content


def test_support_finder_free_filter(client):
    stage = Stage.objects.get(slug="creation")
    for cost in SupportOffer.Cost:
        factories.support_offer(title=f"Offre {cost.value}", cost=cost, stages=[stage])
    titles = lambda response: [offer.title for offer in response.context["page_obj"].object_list]  # noqa: E731
    assert titles(client.get("/accompagnement/", {"free": "true"})) == ["Offre free", "Offre mixed"]
    assert titles(client.get("/accompagnement/", {"free": "false"})) == ["Offre mixed", "Offre paid"]
    response = client.get("/accompagnement/", {"free": "oui"})
    assert titles(response) == []
    assert "Gratuit : Indiquez true ou false." in response.content.decode()
    content = client.get("/accompagnement/").content.decode()
    assert '<input type="checkbox" name="free" value="true"' in content
    assert 'action="/accompagnement/#resultats"' in content
    assert 'id="resultats"' in content


def test_support_offers_name_their_provider_once(client):
    provider = factories.actor(name="Couveuse fictive")
    factories.support_offer(title="Prêt d'honneur — Couveuse fictive", provider=provider, url="https://example.org/x")
    content = unescape(client.get("/accompagnement/").content.decode())
    assert content.count("Couveuse fictive") == 1
    assert "<h3>Prêt d'honneur" in content
    assert "En savoir plus sur l'offre « Prêt d'honneur »" in content


def test_chain_cells_link_to_their_offers(client):
    stage = Stage.objects.get(slug="creation")
    factories.support_offer(kind=SupportOffer.Kind.LOAN, stages=[stage])
    response = client.get("/accompagnement/", {"commune": "93048"})
    cell = next(
        cell
        for row in response.context["chain"]["rows"]
        if row["stage"] == stage
        for cell in row["cells"]
        if cell["kind"] == SupportOffer.Kind.LOAN
    )
    assert cell["url"] == "/accompagnement/?stage=creation&kind=loan&commune=93048#resultats"
    content = unescape(response.content.decode())
    assert f'<a href="{cell["url"]}" aria-label="1 offre : ' in content
    linked = client.get(cell["url"].removesuffix("#resultats"))
    assert len(linked.context["page_obj"].object_list) == 1
