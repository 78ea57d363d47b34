"""The search vocabulary: what query words name, the editable synonyms, the cache and its admin."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Actor, Commune, Label, Neighbourhood, SearchSynonym, Sector
from directory.search import VOCABULARY_CACHE_KEY, load_vocabulary, plan_query
from tests import factories

pytestmark = pytest.mark.django_db


def names(query: str) -> list[str]:
    return [actor.name for actor in Actor.objects.published().search(query)]


def in_sector(slug: str, **fields) -> Actor:
    actor = factories.actor(**fields)
    actor.sectors.set([Sector.objects.get(slug=slug)])
    return actor


def test_consecutive_words_naming_a_main_sector_become_one_term_with_its_sub_sectors():
    (term,) = plan_query(["economie", "circulaire"])
    parent = Sector.objects.get(slug="reemploi-economie-circulaire")
    assert term.words == ("economie", "circulaire")
    assert term.targets == {"sector": frozenset([parent.pk, *parent.children.values_list("pk", flat=True)])}


def test_a_commune_and_an_activity_are_two_terms():
    recyclerie, bondy = plan_query(["recyclerie", "bondy"])
    assert recyclerie.targets["sector"] == {Sector.objects.get(slug="ressourcerie").pk}
    assert bondy.targets["commune"] == {Commune.objects.get(insee_code="93010").pk}


def test_a_typo_on_a_sector_word_resolves_to_the_sector():
    (term,) = plan_query(["insersion"])
    assert Sector.objects.get(slug="insertion").pk in term.targets["sector"]


def test_words_that_name_nothing_stay_text_matches():
    assert [(term.words, term.targets) for term in plan_query(["atelier", "couture"])] == [
        (("atelier",), {}),
        (("couture",), {}),
    ]


def test_the_seeded_synonyms_link_acronyms_and_variants():
    siae = plan_query(["siae"])[0].targets
    assert Sector.objects.get(slug="insertion").pk in siae["sector"]
    assert Label.objects.get(slug="aci").pk in siae["label"]
    assert plan_query(["third", "place"])[0].targets["label"] == {Label.objects.get(slug="tiers-lieu").pk}
    assert SearchSynonym.objects.filter(terms__icontains="ressourcerie").exists()


def test_a_synonym_added_in_the_admin_applies_to_the_next_search():
    actor = in_sector("ressourcerie", name="La Caverne")
    assert names("brocante") == []
    synonym = SearchSynonym.objects.create(terms="brocante, ressourcerie")
    assert names("brocante") == [actor.name]
    synonym.delete()
    assert names("brocante") == []


def test_renaming_a_sector_applies_to_the_next_search():
    actor = in_sector("sport", name="Club de la Sente")
    assert names("loisirs") == []
    sector = Sector.objects.get(slug="sport")
    sector.name = "Sport et loisirs"
    sector.save()
    assert names("loisirs") == [actor.name]


@pytest.mark.parametrize("model", [Sector, Label, Commune, Neighbourhood, SearchSynonym])
def test_a_change_to_the_vocabulary_forgets_the_cached_copy(model):
    load_vocabulary()
    assert cache.get(VOCABULARY_CACHE_KEY) is not None
    model.objects.first().save()
    assert cache.get(VOCABULARY_CACHE_KEY) is None


def test_the_vocabulary_is_read_once_then_cached():
    factories.actor(name="Recyclerie fictive")
    with CaptureQueriesContext(connection) as cold:
        list(Actor.objects.search("recyclerie"))
    with CaptureQueriesContext(connection) as warm:
        list(Actor.objects.search("recyclerie"))
    # Sectors, labels, communes, neighbourhoods, synonyms; and the words' counts, kept per data version.
    assert len(cold) - len(warm) == 5 + 1


def test_a_synonym_group_needs_two_different_terms():
    with pytest.raises(Exception, match="au moins deux termes"):
        SearchSynonym(terms="Recyclerie, recyclerie").full_clean()
    assert str(SearchSynonym(terms="recyclerie,ressourcerie ; brocante")) == "recyclerie, ressourcerie, brocante"


@pytest.mark.ignore_template_errors
def test_synonyms_are_edited_in_the_admin(client):
    client.force_login(factories.staff_user(superuser=True))
    changelist = client.get(reverse("admin:directory_searchsynonym_changelist"))
    assert changelist.status_code == 200
    assert "synonymes de recherche" in changelist.content.decode()
    response = client.post(
        reverse("admin:directory_searchsynonym_add"), {"terms": "brocante, vide-grenier", "note": "Ventes d'objets."}
    )
    assert response.status_code == 302
    assert SearchSynonym.objects.filter(terms="brocante, vide-grenier").exists()
    refused = client.post(reverse("admin:directory_searchsynonym_add"), {"terms": "brocante", "note": ""})
    assert refused.status_code == 200
    assert "au moins deux termes" in refused.content.decode()
