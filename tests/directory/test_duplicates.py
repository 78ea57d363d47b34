"""Likely duplicates: the same pairs on SQLite and PostgreSQL, and the admin page that lists them."""

import pytest
from django.db import connection
from django.urls import reverse
from stdnum import luhn

from directory import merge
from directory.models import Actor, PublicationStatus
from tests import factories
from tests.conftest import is_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

postgres_only = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL fast path")

MONTREUIL, BAGNOLET = "93048", "93006"
# Names no two of which are alike.
WORDS = ["Atelier", "Boulangerie", "Crèche", "Dépôt", "Épicerie", "Friperie", "Garage", "Halle", "Imprimerie",
         "Jardin", "Kiosque", "Librairie", "Menuiserie", "Navette"]  # fmt: skip


def siret(siren_body: str, establishment: str) -> str:
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + establishment
    return body + luhn.calc_check_digit(body)


def actor(name: str, insee_code: str = MONTREUIL, **overrides) -> Actor:
    postal_code = {MONTREUIL: "93100", BAGNOLET: "93170"}[insee_code]
    return factories.actor(name=name, commune=factories.commune(insee_code), postal_code=postal_code, **overrides)


def names(pairs) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(pair.first.name, pair.second.name, pair.reasons) for pair in pairs]


def test_actors_sharing_a_siren_pair_whatever_their_names_and_communes():
    actor("Coopérative fictive du bâtiment", siret=siret("12345678", "0001"))
    actor("Atelier fictif de Bagnolet", BAGNOLET, siret=siret("12345678", "0002"))
    actor("Autre structure fictive", siret=siret("87654321", "0001"))

    pairs = merge.likely_duplicates()

    siren = siret("12345678", "0001")[:9]
    assert names(pairs) == [
        ("Coopérative fictive du bâtiment", "Atelier fictif de Bagnolet", (f"même SIREN ({siren})",)),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Épicerie solidaire fictive du Canal", "EPICERIE SOLIDAIRE FICTIVE DU CANAL"),
        ("Recyclerie fictive du canal", "Recylerie fictive du canal"),
        ("La Ressourcerie fictive", "Ressourcerie fictive"),
        ("Ressourcerie fictive de l'Est", "Ressourcerie fictive de l’Est"),
        ("Atelier vélo fictif", "Atelier du vélo fictif"),
    ],
)
def test_nearly_identical_names_in_one_commune_pair(first, second):
    actor(first)
    actor(second)
    actor("Café associatif fictif du Plateau")

    assert names(merge.likely_duplicates()) == [(first, second, ("noms presque identiques à Montreuil",))]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Coopérative fictive Alpha", "Coopérative fictive Beta"),
        ("Jardin partagé fictif 1", "Jardin partagé fictif 2"),
        ("Jardin partagé fictif", "Café associatif fictif"),
    ],
)
def test_different_names_in_one_commune_do_not_pair(first, second):
    actor(first)
    actor(second)

    assert merge.likely_duplicates() == []


def test_the_same_name_in_two_communes_does_not_pair():
    actor("Recyclerie fictive du canal")
    actor("Recyclerie fictive du canal", BAGNOLET)

    assert merge.likely_duplicates() == []


def test_archived_and_merged_actors_are_left_out():
    kept = actor("Recyclerie fictive du canal")
    actor("Recyclerie fictive du Canal", status=PublicationStatus.ARCHIVED)
    actor("Recyclerie fictive du canal !", status=PublicationStatus.DRAFT, merged_into=kept)
    pending = actor("La Recyclerie fictive du canal", status=PublicationStatus.PENDING)

    assert [(p.first, p.second) for p in merge.likely_duplicates()] == [(kept, pending)]


def test_a_pair_with_both_reasons_is_listed_once_with_both():
    actor("Recyclerie fictive du canal", siret=siret("12345678", "0001"))
    actor("Recyclerie fictive du Canal", siret=siret("12345678", "0002"))

    (pair,) = merge.likely_duplicates()

    assert pair.reasons == (f"même SIREN ({siret('12345678', '0001')[:9]})", "noms presque identiques à Montreuil")


@pytest.mark.parametrize("size", [2, 12])
def test_finding_duplicates_takes_three_queries_whatever_the_number_of_actors(django_assert_num_queries, size):
    for word in WORDS[:size]:
        actor(f"{word} fictif")
    actor("Recyclerie fictive du canal")
    actor("Recyclerie fictive du Canal")

    with django_assert_num_queries(3):
        pairs = merge.likely_duplicates()

    assert len(pairs) == 1


def test_trigrams_are_counted_as_pg_trgm_counts_them():
    grams = merge.name_trigrams("Vélo")

    assert grams == {"  v", " ve", "vel", "elo", "lo "}
    assert merge.trigram_similarity(grams, merge.name_trigrams("velo")) == 1.0
    assert merge.trigram_similarity(grams, set()) == 0.0


NAMES = [
    "Recyclerie fictive du canal",
    "Recylerie fictive du Canal",
    "La Ressourcerie fictive",
    "Ressourcerie fictive",
    "Coopérative fictive Alpha",
    "Coopérative fictive Beta",
    "Œuvre fictive de l'Est",
    "Oeuvre fictive de l Est",
    "Régie de quartier fictive",
    "Régie de quartier fictive Montreuil",
]


@postgres_only
def test_the_python_measure_is_postgresql_similarity():
    with connection.cursor() as cursor:
        for first in NAMES:
            for second in NAMES:
                cursor.execute(
                    "SELECT similarity(directory_unaccent(lower(%s)), directory_unaccent(lower(%s)))", [first, second]
                )
                expected = cursor.fetchone()[0]
                computed = merge.trigram_similarity(merge.name_trigrams(first), merge.name_trigrams(second))
                assert computed == pytest.approx(expected, abs=1e-6), (first, second)


@postgres_only
def test_the_postgresql_fast_path_finds_the_pairs_the_fallback_finds():
    for name in NAMES:
        actor(name)
    actor("Recyclerie fictive du canal", BAGNOLET)
    candidates = merge.duplicate_candidates()

    fast = sorted(merge._similar_names_postgres(candidates))

    assert fast == sorted(merge._similar_names_fallback(candidates))
    assert len(fast) == 4


def test_the_fallback_compares_names_commune_by_commune():
    first, second = actor("Recyclerie fictive du canal"), actor("Recylerie fictive du Canal")
    actor("Recyclerie fictive du canal", BAGNOLET)

    assert merge._similar_names_fallback(merge.duplicate_candidates()) == [(first.pk, second.pk)]


# ---------------------------------------------------------------------------
# The admin page


@pytest.fixture
def moderator_client(client):
    client.force_login(factories.staff_user(group="Modérateurs"))
    return client


def test_the_page_lists_each_pair_with_its_reasons_and_a_merge_link(moderator_client):
    first = actor("Recyclerie fictive du canal", status=PublicationStatus.DRAFT)
    second = actor("Recylerie fictive du Canal")

    response = moderator_client.get(reverse("admin:directory_actor_duplicates"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "noms presque identiques à Montreuil" in content
    # The published record is suggested as the one to keep.
    merge_url = reverse("admin:directory_actor_merge", args=[first.pk, second.pk]) + f"?conserver={second.pk}"
    assert f'href="{merge_url}"' in content
    assert "Fusionner" in content


def test_the_page_is_linked_from_the_admin_index_and_the_actors_list(moderator_client):
    url = reverse("admin:directory_actor_duplicates")

    assert f'href="{url}"' in moderator_client.get(reverse("admin:index")).content.decode()
    assert f'href="{url}"' in moderator_client.get(reverse("admin:directory_actor_changelist")).content.decode()


def test_staff_who_may_not_merge_see_the_pairs_without_the_merge_link(client):
    client.force_login(factories.staff_user(group="Éditeurs"))
    actor("Recyclerie fictive du canal")
    actor("Recylerie fictive du Canal")

    response = client.get(reverse("admin:directory_actor_duplicates"))

    assert response.status_code == 200
    assert "noms presque identiques à Montreuil" in response.content.decode()
    assert "Fusionner" not in response.content.decode()


def test_the_page_says_when_there_is_no_duplicate(moderator_client):
    actor("Recyclerie fictive du canal")

    response = moderator_client.get(reverse("admin:directory_actor_duplicates"))

    assert "Aucun doublon probable." in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("admin:directory_actor_duplicates"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("pairs", [1, 8])
def test_duplicates_page_query_count(client, django_assert_num_queries, pairs):
    client.force_login(factories.staff_user(superuser=True))
    for word in WORDS[:pairs]:
        actor(f"{word} fictif")
        actor(f"La {word} fictif")

    # session, user; the three queries of likely_duplicates
    with django_assert_num_queries(2 + 3):
        response = client.get(reverse("admin:directory_actor_duplicates"))

    assert len(response.context["rows"]) == pairs
