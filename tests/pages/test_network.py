"""The cooperation network page (/annuaire/reseau/) and the network section of actor pages."""

import json
import re
from decimal import Decimal

import pytest

from directory import network
from directory.models import Cooperation, PublicationStatus, Sector, Typology
from tests import factories

pytestmark = pytest.mark.django_db

HIDDEN_NAMES = ("Fiche brouillon du réseau", "Fiche archivée du réseau", "Fiche à valider du réseau")


@pytest.fixture
def web():
    """Four published actors in three communes, linked in a chain, and links to three unpublished ones.

    Montreuil (entrepreneurial) → Bagnolet (militant), partnership, formal; Bagnolet → Pantin
    (militant), supply, informal; Pantin → Montreuil-bis (entrepreneurial), pooling, informal; one
    published actor without links; a draft, an archived and a pending actor linked to the others.
    """
    food = Sector.objects.get(slug="alimentation")
    montreuil = factories.actor(
        name="Épicerie fictive du réseau",
        commune=factories.commune("93048"),
        typology=Typology.ENTREPRENEURIAL,
        latitude=Decimal("48.86"),
        longitude=Decimal("2.44"),
    )
    montreuil.sectors.set([food.children.first()])
    bagnolet = factories.actor(
        name="Atelier fictif du réseau",
        commune=factories.commune("93006"),
        postal_code="93170",
        typology=Typology.MILITANT,
        latitude=Decimal("48.87"),
        longitude=Decimal("2.42"),
    )
    pantin = factories.actor(
        name="Jardin fictif du réseau",
        commune=factories.commune("93055"),
        postal_code="93500",
        typology=Typology.MILITANT,
    )
    neighbour = factories.actor(
        name="Cantine fictive du réseau", commune=factories.commune("93048"), typology=Typology.ENTREPRENEURIAL
    )
    alone = factories.actor(name="Structure fictive sans lien", commune=factories.commune("93048"))
    links = [
        factories.cooperation(source=montreuil, target=bagnolet, kind=Cooperation.Kind.PARTNERSHIP, is_formal=True),
        factories.cooperation(source=bagnolet, target=pantin, kind=Cooperation.Kind.SUPPLY),
        factories.cooperation(source=pantin, target=neighbour, kind=Cooperation.Kind.POOLING),
    ]
    draft = factories.actor(name=HIDDEN_NAMES[0], status=PublicationStatus.DRAFT)
    archived = factories.actor(name=HIDDEN_NAMES[1], status=PublicationStatus.ARCHIVED)
    pending = factories.actor(name=HIDDEN_NAMES[2], status=PublicationStatus.PENDING)
    factories.cooperation(source=draft, target=montreuil)
    factories.cooperation(source=bagnolet, target=archived, kind=Cooperation.Kind.MEMBERSHIP)
    factories.cooperation(source=pending, target=archived)
    return {
        "montreuil": montreuil,
        "bagnolet": bagnolet,
        "pantin": pantin,
        "neighbour": neighbour,
        "alone": alone,
        "links": links,
        "hidden": [draft, archived, pending],
    }


def graph_data(response) -> dict:
    match = re.search(rb'<script id="graphe-reseau-donnees" type="application/json">(.*?)</script>', response.content)
    return json.loads(match.group(1)) if match else {}


def table_rows(response) -> list[tuple[str, str]]:
    body = response.content.decode()
    if '<table class="network-table">' not in body:
        return []
    table = body[body.index('<table class="network-table">') : body.index("</table>", body.index("network-table"))]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>\s*<td><a href="[^"]+">([^<]+)</a></td>', table)


def test_the_page_shows_the_published_links_as_a_table_figures_and_graph_data(client, web):
    response = client.get("/annuaire/reseau/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "3 liens entre 5 acteurs" in content
    assert table_rows(response) == [
        ("Atelier fictif du réseau", "Jardin fictif du réseau"),
        ("Épicerie fictive du réseau", "Atelier fictif du réseau"),
        ("Jardin fictif du réseau", "Cantine fictive du réseau"),
    ]
    graph = graph_data(response)
    assert {node["label"] for node in graph["nodes"]} == {
        "Épicerie fictive du réseau",
        "Atelier fictif du réseau",
        "Jardin fictif du réseau",
        "Cantine fictive du réseau",
    }
    assert len(graph["edges"]) == 3
    assert graph["colour_by"] == "sector"
    # The graph's script and Cytoscape are static files; the data is a json_script element.
    assert "/static/vendor/cytoscape/cytoscape.min.js" in content and "/static/js/network.js" in content
    assert 'id="__________cytoscape_stylesheet"' in content
    assert "<script>" not in content


def test_the_figures_name_the_most_connected_isolated_typology_pairs_and_cross_commune_links(client, web):
    response = client.get("/annuaire/reseau/")
    context = response.context
    top = context["most_connected"]
    assert [(item["node"].name, item["partners"]) for item in top[:2]] == [
        ("Atelier fictif du réseau", 2),
        ("Jardin fictif du réseau", 2),
    ]
    assert [node.name for node in context["isolated"]] == ["Structure fictive sans lien"]
    pairs = {(pair["first"], pair["second"]): pair["count"] for pair in context["typology_pairs"]}
    assert pairs[(Typology.ENTREPRENEURIAL.label, Typology.MILITANT.label)] == 2
    assert pairs[(Typology.MILITANT.label, Typology.MILITANT.label)] == 1
    # Montreuil → Bagnolet and Bagnolet → Pantin cross communes; Pantin → Montreuil too.
    assert context["communes"] == {"across": 3, "within": 0, "unknown": 0, "across_percent": 100}
    content = response.content.decode()
    assert "Structure fictive sans lien" in content
    assert "liens entre deux communes (100 %)" in content


def test_filters_choose_links_by_commune_kind_and_formality(client, web):
    # A commune keeps the links with at least one end there.
    response = client.get("/annuaire/reseau/", {"commune": "93006"})
    assert table_rows(response) == [
        ("Atelier fictif du réseau", "Jardin fictif du réseau"),
        ("Épicerie fictive du réseau", "Atelier fictif du réseau"),
    ]
    response = client.get("/annuaire/reseau/", {"kind": ["supply", "pooling"]})
    assert len(table_rows(response)) == 2
    response = client.get("/annuaire/reseau/", {"formal": "true"})
    assert table_rows(response) == [("Épicerie fictive du réseau", "Atelier fictif du réseau")]
    response = client.get("/annuaire/reseau/", {"formal": "false"})
    assert len(table_rows(response)) == 2


def test_the_sector_filter_includes_sub_sectors_and_isolated_actors_are_those_of_the_criteria(client, web):
    response = client.get("/annuaire/reseau/", {"sector": "alimentation"})
    assert table_rows(response) == [("Épicerie fictive du réseau", "Atelier fictif du réseau")]
    assert response.context["isolated"] == []
    response = client.get("/annuaire/reseau/", {"commune": "93048", "kind": "supply"})
    assert table_rows(response) == []
    assert {node.name for node in response.context["isolated"]} == {
        "Épicerie fictive du réseau",
        "Cantine fictive du réseau",
        "Structure fictive sans lien",
    }


def test_a_focus_shows_the_actor_and_its_neighbours_to_two_steps(client, web):
    response = client.get("/annuaire/reseau/", {"acteur": web["montreuil"].slug})
    assert response.status_code == 200
    names = {node["label"] for node in graph_data(response)["nodes"]}
    assert names == {"Épicerie fictive du réseau", "Atelier fictif du réseau", "Jardin fictif du réseau"}
    assert table_rows(response) == [
        ("Atelier fictif du réseau", "Jardin fictif du réseau"),
        ("Épicerie fictive du réseau", "Atelier fictif du réseau"),
    ]
    focused = [node for node in graph_data(response)["nodes"] if node["focused"]]
    assert [node["label"] for node in focused] == ["Épicerie fictive du réseau"]
    assert "autour de Épicerie fictive du réseau" in response.context["page_title"]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_an_unpublished_or_unknown_actor_in_focus_answers_the_same_error(client, web, index):
    unknown = client.get("/annuaire/reseau/", {"acteur": "aucune-fiche-de-ce-nom"})
    hidden = client.get("/annuaire/reseau/", {"acteur": web["hidden"][index].slug})
    for response in (unknown, hidden):
        assert response.status_code == 200
        assert "Aucun acteur publié ne porte cet identifiant." in response.content.decode()
        assert response.context["network"].links == []
        assert response.context["page_title"].startswith("Erreur")
    assert HIDDEN_NAMES[index] not in hidden.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"commune": "99999"},
        {"sector": "pas-un-secteur"},
        {"kind": "friendship"},
        {"formal": "peut-etre"},
        {"couleur": "rouge"},
        {"vue": "carte"},
        {"acteur": "x\x00y"},
        {"commune": "9" * 5000},
        {"page": "-1"},
    ],
)
def test_hostile_values_get_a_french_message_never_a_500(client, web, query):
    response = client.get("/annuaire/reseau/", query)
    assert response.status_code == 200
    content = response.content.decode()
    if "page" not in query:
        assert "Certains critères ne sont pas reconnus" in content
    for name in HIDDEN_NAMES:
        assert name not in content


def test_no_unpublished_actor_appears_in_any_view_colour_or_figure(client, web):
    # The membership link goes to an archived actor: no link of that kind is public.
    response = client.get("/annuaire/reseau/", {"kind": "membership"})
    assert response.context["network"].links == []
    assert re.search(r"0 liens? entre 5 acteurs", response.content.decode())
    queries = ({}, {"vue": "liste"}, {"couleur": "typologie"}, {"commune": "93048"}, {"acteur": web["bagnolet"].slug})
    for query in queries:
        response = client.get("/annuaire/reseau/", query)
        content = response.content.decode()
        for name in HIDDEN_NAMES:
            assert name not in content, query
        ids = {str(actor.pk) for actor in web["hidden"]}
        graph = graph_data(response)
        assert not ids & {node["id"] for node in graph.get("nodes", [])}
        assert not ids & {end for edge in graph.get("edges", []) for end in (edge["source"], edge["target"])}
        context_nodes = response.context["network"].nodes
        assert not {actor.pk for actor in web["hidden"]} & set(context_nodes)


def test_the_list_view_names_each_actor_with_its_partners(client, web):
    response = client.get("/annuaire/reseau/", {"vue": "liste"})
    content = response.content.decode()
    assert response.context["view"] == "liste"
    names = [node.name for node, _links in response.context["page_obj"].object_list]
    assert names == [
        "Atelier fictif du réseau",
        "Cantine fictive du réseau",
        "Épicerie fictive du réseau",
        "Jardin fictif du réseau",
        "Structure fictive sans lien",
    ]
    assert "Aucun lien avec ces critères." in content
    assert "graphe-reseau-donnees" not in content and "cytoscape" not in content


def test_the_colour_choice_is_a_plain_form_field_and_selects_the_legend(client, web):
    response = client.get("/annuaire/reseau/", {"couleur": "typologie"})
    content = response.content.decode()
    assert graph_data(response)["colour_by"] == "typology"
    assert re.search(r'<input type="radio" name="couleur" value="typologie" id="f-couleur-typologie" checked>', content)
    assert 'data-legend="sector" hidden' in content
    assert 'data-legend="typology">' in content
    nodes = {node["label"]: node for node in graph_data(response)["nodes"]}
    assert nodes["Atelier fictif du réseau"]["typology"] == network.TYPOLOGY_COLOURS[Typology.MILITANT]


def test_the_graph_draws_the_most_connected_actors_only_and_says_so(client, web, monkeypatch):
    monkeypatch.setattr(network, "GRAPH_NODE_LIMIT", 2)
    response = client.get("/annuaire/reseau/")
    graph = graph_data(response)
    assert {node["label"] for node in graph["nodes"]} == {"Atelier fictif du réseau", "Jardin fictif du réseau"}
    assert [(edge["source"], edge["target"]) for edge in graph["edges"]] == [
        (str(web["bagnolet"].pk), str(web["pantin"].pk))
    ]
    content = response.content.decode()
    assert "le graphe montre les 2 acteurs les plus reliés (sur 4)" in content
    # The table still lists every link.
    assert len(table_rows(response)) == 3


def test_the_table_is_paginated(client, web, monkeypatch):
    monkeypatch.setattr("directory.views.NETWORK_PAGE_SIZE", 2)
    first = client.get("/annuaire/reseau/")
    second = client.get("/annuaire/reseau/", {"page": 2})
    assert len(table_rows(first)) == 2 and len(table_rows(second)) == 1
    assert "Page 2 sur 2" in second.content.decode()


def test_the_page_is_kept_for_anonymous_visitors_until_the_next_write(client, web, settings):
    settings.RESPONSE_CACHE_SECONDS = 60
    first = client.get("/annuaire/reseau/")
    assert client.get("/annuaire/reseau/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    web["alone"].status = PublicationStatus.ARCHIVED
    web["alone"].save()
    again = client.get("/annuaire/reseau/")
    assert again.status_code == 200 and "Structure fictive sans lien" not in again.content.decode()


def test_the_actor_page_shows_its_published_partners_and_a_small_graph(client, web):
    response = client.get(web["bagnolet"].get_absolute_url())
    content = response.content.decode()
    match = re.search(r'<script id="graphe-cooperations-donnees" type="application/json">(.*?)</script>', content)
    graph = json.loads(match.group(1))
    assert {node["label"] for node in graph["nodes"]} == {
        "Atelier fictif du réseau",
        "Épicerie fictive du réseau",
        "Jardin fictif du réseau",
    }
    assert {(edge["source"], edge["target"]) for edge in graph["edges"]} == {
        (str(web["montreuil"].pk), str(web["bagnolet"].pk)),
        (str(web["bagnolet"].pk), str(web["pantin"].pk)),
    }
    assert "relation fournisseur / client" in content and "partenariat" in content
    assert f"/annuaire/reseau/?acteur={web['bagnolet'].slug}" in content
    for name in HIDDEN_NAMES:
        assert name not in content


def test_an_actor_without_published_partners_has_no_graph(client, web):
    content = client.get(web["alone"].get_absolute_url()).content.decode()
    assert "graphe-cooperations" not in content and "cytoscape" not in content


# -- query counts, at two sizes


def chain(n: int) -> None:
    """n published actors linked in a chain, with a sector each, and one draft linked to the first."""
    sectors = list(Sector.objects.filter(parent__isnull=False)[:3])
    actors = []
    for i in range(n):
        actor = factories.actor(typology=[Typology.ENTREPRENEURIAL, Typology.MILITANT][i % 2])
        actor.sectors.set([sectors[i % 3]])
        actors.append(actor)
    for source, target in zip(actors, actors[1:], strict=False):
        factories.cooperation(source=source, target=target)
    factories.cooperation(source=factories.actor(status=PublicationStatus.DRAFT), target=actors[0])
    return actors


@pytest.fixture(params=[4, 16], ids=["small", "larger"])
def sized_chain(request):
    return chain(request.param)


def test_network_page_queries_do_not_grow(client, sized_chain, django_assert_num_queries):
    # The data version, the links, the actors, the main sector of the drawn actors, the sectors
    # (form and legend), the communes of the form.
    with django_assert_num_queries(6):
        assert client.get("/annuaire/reseau/").status_code == 200


def test_filtered_network_page_queries_do_not_grow(client, sized_chain, django_assert_num_queries):
    # + the commune and the sector looked up by the form
    sector = sized_chain[0].sectors.get().slug
    query = {"commune": "93048", "sector": sector, "kind": "partnership", "formal": "false"}
    with django_assert_num_queries(8):
        response = client.get("/annuaire/reseau/", query)
    assert response.status_code == 200
    assert response.context["network"].links


def test_focused_network_page_and_list_queries_do_not_grow(client, sized_chain, django_assert_num_queries):
    # + the actor in focus
    with django_assert_num_queries(7):
        assert client.get("/annuaire/reseau/", {"acteur": sized_chain[0].slug}).status_code == 200
    # The list view draws no graph: no sectors of drawn actors.
    with django_assert_num_queries(5):
        assert client.get("/annuaire/reseau/", {"vue": "liste"}).status_code == 200


def test_actor_page_network_section_queries_do_not_grow(client, sized_chain, django_assert_num_queries):
    # As tests/pages/test_query_counts.py, without offers (so without their stages): the actor, its
    # sectors, labels, roles, communes served, public contacts, offers, cooperations out and in (with
    # the partners, which the small graph draws), initiatives, the consultations it took part in, its
    # deals, its next events and its distinctions (the awards); and the data version.
    with django_assert_num_queries(15):
        assert client.get(sized_chain[1].get_absolute_url()).status_code == 200
