import pytest

from directory.models import Commune, PublicationStatus, Sector, Stage, SupportOffer, Typology
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return {stage.slug: stage for stage in Stage.objects.all()}


def titles(response):
    return [offer.title for offer in response.context["page_obj"].object_list]


def test_support_finder_lists_published_offers_with_their_provider(client, stages):
    provider = factories.actor(name="Couveuse fictive")
    factories.support_offer(title="Accompagnement à la création", provider=provider, stages=[stages["creation"]])
    factories.support_offer(title="Offre brouillon", status=PublicationStatus.DRAFT)
    factories.support_offer(title="Offre d'un acteur non publié", provider=factories.actor(status="draft"))
    response = client.get("/accompagnement/")
    assert response.status_code == 200
    assert titles(response) == ["Accompagnement à la création"]
    content = response.content.decode()
    assert f'<a href="{provider.get_absolute_url()}">Couveuse fictive</a>' in content
    assert content.count("<h1") == 1
    # every criterion is a labelled field
    for name in ("stage", "kind", "commune", "typology", "sector"):
        assert f'<label for="id_{name}">' in content


def test_support_finder_matches_stage_need_commune_typology_and_sector(client, stages):
    pantin = Commune.objects.get(insee_code="93055")
    food = Sector.objects.get(slug="alimentation")
    grocery = Sector.objects.get(slug="epicerie-solidaire")
    culture = Sector.objects.get(slug="culture")
    factories.support_offer(title="A: prêt création partout", kind="loan", stages=[stages["creation"]])
    only_pantin = factories.support_offer(
        title="B: prêt création à Pantin", kind="loan", stages=[stages["creation"]], whole_territory=False
    )
    only_pantin.communes.set([pantin])
    factories.support_offer(
        title="C: prêt création pour militants", kind="loan", stages=[stages["creation"]], target_typology="militant"
    )
    for_food = factories.support_offer(title="D: prêt création épiceries", kind="loan", stages=[stages["creation"]])
    for_food.sectors.set([grocery])
    for_culture = factories.support_offer(title="E: prêt création culture", kind="loan", stages=[stages["creation"]])
    for_culture.sectors.set([culture])
    factories.support_offer(title="F: subvention", kind="grant", stages=[stages["creation"]])
    factories.support_offer(title="G: prêt développement", kind="loan", stages=[stages["developpement"]])

    response = client.get(
        "/accompagnement/",
        {
            "stage": "creation",
            "kind": "loan",
            "commune": "93048",
            "typology": Typology.ENTREPRENEURIAL,
            "sector": food.slug,
        },
    )
    assert titles(response) == ["A: prêt création partout", "D: prêt création épiceries"]
    response = client.get("/accompagnement/", {"stage": "creation", "kind": "loan", "commune": "93055"})
    assert titles(response) == [
        "A: prêt création partout",
        "B: prêt création à Pantin",
        "C: prêt création pour militants",
        "D: prêt création épiceries",
        "E: prêt création culture",
    ]


def test_chain_counts_offers_per_stage_and_kind_and_flags_gaps(client, stages):
    factories.support_offer(kind="loan", stages=[stages["creation"], stages["developpement"]])
    factories.support_offer(kind="loan", stages=[stages["creation"]])
    response = client.get("/accompagnement/")
    chain = response.context["chain"]
    cells = {
        (row["stage"].slug, cell["kind"]): (cell["count"], cell["state"])
        for row in chain["rows"]
        for cell in row["cells"]
    }
    assert cells[("creation", "loan")] == (2, "ok")
    assert cells[("developpement", "loan")] == (1, "thin")
    assert cells[("emergence", "loan")] == (0, "gap")
    assert chain["gaps"] == len(stages) * len(SupportOffer.Kind.choices) - 2
    content = response.content.decode()
    # gaps are told in words, not by colour alone, in a table with headers
    assert '<td class="cell--number cell--gap">0 <span class="cell__flag">manque</span></td>' in content
    assert (
        '<td class="cell--number cell--thin"><a href="/accompagnement/?stage=developpement&amp;kind=loan#resultats" '
        'aria-label="1 offre : prêt, étape Développement">1</a> <span class="cell__flag">fragile</span></td>'
    ) in content
    assert '<th scope="row">Création</th>' in content
    assert '<th scope="col">Prêt</th>' in content
    assert "<caption" in content


def test_chain_for_a_commune_counts_offers_available_there(client, stages):
    bondy = Commune.objects.get(insee_code="93010")
    elsewhere = factories.support_offer(kind="grant", stages=[stages["emergence"]], whole_territory=False)
    elsewhere.communes.set([Commune.objects.get(insee_code="93055")])
    in_bondy = factories.support_offer(kind="grant", stages=[stages["emergence"]], whole_territory=False)
    in_bondy.communes.set([bondy])
    response = client.get("/accompagnement/", {"commune": "93010"})
    cells = {
        (row["stage"].slug, cell["kind"]): cell["count"]
        for row in response.context["chain"]["rows"]
        for cell in row["cells"]
    }
    assert cells[("emergence", "grant")] == 1
    assert "pour Bondy" in response.content.decode()
    territory = client.get("/accompagnement/").context["chain"]
    assert {(r["stage"].slug, c["kind"]): c["count"] for r in territory["rows"] for c in r["cells"]}[
        ("emergence", "grant")
    ] == 2


def test_unknown_criteria_give_a_clear_message_and_no_offers(client, stages):
    factories.support_offer()
    response = client.get("/accompagnement/", {"stage": "lune", "commune": "<b>x</b>"})
    assert response.status_code == 200
    assert titles(response) == []
    content = response.content.decode()
    assert "Certains critères ne sont pas reconnus" in content
    assert "<b>x</b>" not in content
