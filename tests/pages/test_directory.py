from decimal import Decimal

import pytest

from directory.models import Actor, PublicationStatus, SupportOffer, Typology
from tests import factories

pytestmark = pytest.mark.django_db


def test_directory_lists_published_actors_only(client, populate, draft_actor):
    populate(3)
    response = client.get("/annuaire/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "3 acteurs trouvés" in content
    assert "Structure fictive 0" in content
    assert draft_actor.name not in content


def test_directory_page_has_one_h1_a_labelled_search_box_and_the_fictional_banner(client, populate):
    populate(2)
    content = client.get("/annuaire/").content.decode()
    assert content.count("<h1") == 1
    assert '<label for="id_q">' in content and 'id="id_q"' in content
    assert '<html lang="fr">' in content
    assert 'href="#contenu"' in content
    assert "Données de démonstration." in content


def test_filter_by_commune_keeps_only_its_actors(client, populate):
    populate(6)  # communes cycle Montreuil, Pantin, Bondy
    response = client.get("/annuaire/", {"commune": "93055"})
    names = [actor.name for actor in response.context["page_obj"].object_list]
    assert names == ["Structure fictive 1", "Structure fictive 4"]


def test_repeated_filter_values_combine_as_or_and_filters_combine_as_and(client, populate):
    populate(6)
    response = client.get("/annuaire/", {"commune": ["93055", "93010"], "typology": "militant"})
    names = sorted(actor.name for actor in response.context["page_obj"].object_list)
    # Pantin: 1, 4; Bondy: 2, 5; militant: odd numbers
    assert names == ["Structure fictive 1", "Structure fictive 5"]


def test_main_sector_filter_includes_its_sub_sectors(client, populate):
    actors = populate(3)
    sub_sector = actors[0].sectors.get()
    response = client.get("/annuaire/", {"sector": sub_sector.parent.slug})
    assert actors[0] in response.context["page_obj"].object_list


def test_facet_counts_are_computed_over_the_current_results(client, populate):
    populate(6)
    response = client.get("/annuaire/", {"typology": Typology.MILITANT})
    groups = {
        group["name"]: {o["value"]: o["count"] for o in group["options"]} for group in response.context["facet_groups"]
    }
    assert groups["commune"] == {"93048": 1, "93055": 1, "93010": 1}
    # The group's own filter is left out of its counts: the other typology stays offered.
    assert groups["typology"] == {"militant": 3, "entrepreneurial": 3}
    assert groups["label"] == {"esus": 3}
    assert groups["support"] == {SupportOffer.Kind.COACHING.value: 3}
    content = response.content.decode()
    assert 'Montreuil <span class="facet__count">(1' in content


def facet_counts(response) -> dict:
    return {
        group["name"]: {o["value"]: o["count"] for o in group["options"]} for group in response.context["facet_groups"]
    }


def test_ticking_a_commune_keeps_the_other_communes_with_the_results_they_would_add(client, populate):
    populate(6)
    response = client.get("/annuaire/", {"commune": "93048"})
    counts = facet_counts(response)
    assert counts["commune"] == {"93048": 2, "93055": 2, "93010": 2}
    # Other groups count within Montreuil.
    assert counts["typology"] == {"entrepreneurial": 1, "militant": 1}
    assert response.context["page_obj"].paginator.count == 2
    content = response.content.decode()
    assert 'Pantin <span class="facet__count">(2' in content


def test_each_group_ignores_only_its_own_filter(client, populate):
    populate(6)
    response = client.get("/annuaire/", {"commune": ["93048", "93055"], "typology": "militant"})
    counts = facet_counts(response)
    assert counts["commune"] == {"93048": 1, "93055": 1, "93010": 1}
    assert counts["typology"] == {"entrepreneurial": 2, "militant": 2}
    assert counts["label"] == {"esus": 2}
    assert response.context["page_obj"].paginator.count == 2


def test_a_ticked_option_without_results_stays_visible_with_zero(client, populate):
    populate(3)
    response = client.get("/annuaire/", {"legal_form": Actor.LegalForm.FOUNDATION})
    counts = facet_counts(response)
    assert counts["legal_form"] == {Actor.LegalForm.ASSOCIATION.value: 3, Actor.LegalForm.FOUNDATION.value: 0}
    assert response.context["page_obj"].paginator.count == 0


def test_facet_count_of_a_main_sector_counts_each_actor_once(populate):
    from directory.filters import ActorFilterSet

    actors = populate(2)
    first_sub = actors[0].sectors.get()
    sibling = first_sub.parent.children.exclude(pk=first_sub.pk).first()
    actors[0].sectors.add(sibling)
    facets = ActorFilterSet({}, queryset=Actor.objects.published()).facets()
    assert facets["sector"][first_sub.parent.slug] == 1 + (actors[1].sectors.get().parent_id == first_sub.parent_id)
    assert facets["sector"][first_sub.slug] == 1


def test_active_filters_link_to_the_same_search_without_them(client, populate):
    populate(3)
    response = client.get("/annuaire/", {"q": "structure", "commune": "93048", "page": "1"})
    assert response.context["active_filters"] == [{"label": "Montreuil", "url": "?q=structure"}]


def test_query_string_is_the_state_of_the_page(client, populate):
    populate(25)
    response = client.get("/annuaire/", {"label": "esus", "page": "1"})
    content = response.content.decode()
    # pagination keeps the filters, the map link and the export keep the query
    assert 'href="?label=esus&amp;page=2"' in content
    assert 'href="?label=esus&amp;view=map"' in content
    assert 'href="/annuaire/export.csv?label=esus"' in content


def test_pagination_shows_twenty_results_per_page(client, populate):
    populate(25)
    first = client.get("/annuaire/")
    second = client.get("/annuaire/", {"page": "2"})
    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 5
    assert "Page 2 sur 2" in second.content.decode()


@pytest.mark.parametrize(
    ("page", "expected", "message"),
    [
        ("999999999999999999999999", 2, "La page demandée n&#x27;existe pas"),
        ("-3", 2, "La page demandée n&#x27;existe pas"),
        ("0", 2, "La page demandée n&#x27;existe pas"),
        ("abc", 1, "n&#x27;est pas valide"),
        ("1e9", 1, "n&#x27;est pas valide"),
        ("2", 2, None),
    ],
)
def test_absurd_page_numbers_give_a_valid_page_and_a_message(client, populate, page, expected, message):
    populate(25)
    response = client.get("/annuaire/", {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected
    if message:
        assert message in response.content.decode()
    else:
        assert response.context["page_notice"] == ""


def test_unknown_commune_gives_an_empty_result_and_a_clear_message(client, populate):
    populate(3)
    response = client.get("/annuaire/", {"commune": "99999"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    content = response.content.decode()
    assert "Certains critères ne sont pas reconnus" in content
    assert "Commune" in content and "99999" in content


@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert('x')</script>"},
        {"q": "x" * 5000},
        {"q": "\x00 nul"},
        {"q": "' OR 1=1 --"},
        {"q": "épicerie & | ! :* ( ) <->"},
        {"commune": "<b>93048</b>"},
        {"commune": "\x00"},
        {"sector": "../../etc/passwd"},
        {"legal_form": "<img src=x onerror=alert(1)>"},
        {"updated_since": "hier"},
        {"updated_since": "9999-99-99"},
        {"siret": "<i>123</i>"},
        {"page": "<script>"},
        {"view": "<script>"},
        {"q": ["a"] * 500},
    ],
)
def test_hostile_query_strings_never_fail_and_are_escaped(client, populate, params):
    populate(2)
    for url in ("/annuaire/", "/annuaire/export.csv", "/accompagnement/"):
        response = client.get(url, params)
        assert response.status_code == 200, url
        if not response.streaming:
            content = response.content.decode()
            assert "<script>alert" not in content
            assert "<img src=x" not in content
            assert "<b>93048</b>" not in content


def test_search_term_is_shown_escaped_in_the_title_and_the_box(client, populate):
    populate(1)
    content = client.get("/annuaire/", {"q": '"><b>gras</b>'}).content.decode()
    assert "<b>gras</b>" not in content
    assert "&lt;b&gt;gras&lt;/b&gt;" in content


def test_overlong_search_is_cut_rather_than_refused(client, populate):
    populate(1)
    response = client.get("/annuaire/", {"q": "structure " * 100})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1


def test_map_view_carries_the_current_results_as_json(client, populate):
    actors = populate(4)
    factories.actor(name="Sans coordonnées", commune=factories.commune("93048"))
    response = client.get("/annuaire/", {"view": "map", "commune": "93048"})
    markers = response.context["markers"]
    assert [m["name"] for m in markers] == ["Structure fictive 0", "Structure fictive 3"]
    assert markers[0] == {
        "id": actors[0].pk,
        "name": "Structure fictive 0",
        "url": actors[0].get_absolute_url(),
        "lat": 48.86,
        "lon": 2.44,
        "meta": "Montreuil",
    }
    content = response.content.decode()
    assert 'id="carte-resultats-donnees" type="application/json"' in content
    assert "/static/vendor/leaflet/leaflet.js" in content
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in content
    # the list stays under the map, so the page works without JavaScript
    assert f'data-marker-id="{actors[0].pk}"' in content


def test_list_view_does_not_load_the_map(client, populate):
    populate(2)
    response = client.get("/annuaire/")
    assert response.context["markers"] == []
    assert "leaflet.js" not in response.content.decode()


def test_marker_names_are_escaped_in_the_inline_json(client):
    factories.actor(name="</script><script>alert(1)</script>", latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    content = client.get("/annuaire/", {"view": "map"}).content.decode()
    assert "</script><script>alert(1)" not in content
    assert "\\u003C/script\\u003E" in content


def test_support_filter_finds_providers_of_a_kind(client, populate):
    actors = populate(2)
    factories.support_offer(provider=actors[1], kind=SupportOffer.Kind.LOAN)
    factories.support_offer(
        provider=actors[0], kind=SupportOffer.Kind.GRANT, status=PublicationStatus.DRAFT
    )  # unpublished: does not count
    response = client.get("/annuaire/", {"support": "loan"})
    assert list(response.context["page_obj"].object_list) == [actors[1]]
    response = client.get("/annuaire/", {"support": "grant"})
    assert list(response.context["page_obj"].object_list) == []


def test_siret_filter_and_siret_in_the_search_box(client):
    actor = factories.actor(siret="20005787500011")  # a valid SIRET on SIREN 200057875
    factories.actor()
    assert list(client.get("/annuaire/", {"siret": "200 057 875 00011"}).context["page_obj"].object_list) == [actor]
    assert list(client.get("/annuaire/", {"q": "200057875"}).context["page_obj"].object_list) == [actor]
