"""ActorQuerySet.search on both databases: PostgreSQL full text and trigrams, SQLite normalised text."""

import re

import pytest
from django.db import connection

from directory.models import Actor, names_match_with_typos, normalize_search_text, search_words
from tests import factories
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL fast path")
sqlite_only = pytest.mark.skipif(is_postgres(), reason="SQLite fallback")


@pytest.fixture
def actors():
    return {
        "ressourcerie": factories.actor(
            name="Ressourcerie du Bas-Montreuil",
            short_description="Réemploi d'objets, atelier de réparation de vélos.",
        ),
        "epicerie": factories.actor(
            name="Épicerie solidaire Les Jardins",
            short_description="Alimentation durable en circuit court.",
            offer="Paniers de légumes, traiteur pour les événements.",
        ),
        "theatre": factories.actor(
            name="Compagnie de théâtre L'Œil vif", short_description="Arts vivants et ateliers d'écriture."
        ),
    }


def names(queryset):
    return [actor.name for actor in queryset]


def test_normalised_text_has_no_accents_case_or_punctuation():
    assert normalize_search_text("Épicerie L'Œil — ÇA VA ?") == "epicerie l oeil ca va"
    assert search_words("  Théâtre, à Pantin !  ") == ["theatre", "a", "pantin"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ""),
        (None, ""),
        ("plain ascii, 93100", "plain ascii 93100"),
        ("ﬁlière Ⅻ ① Ｋ", "filiere xii 1 k"),  # compatibility forms are decomposed (NFKD)
        ("straße øre", "stra e re"),  # letters with no decomposition split the word, as before
        ("İle cœur", "ile coeur"),
    ],
)
def test_normalised_text_of_unusual_letters(text, words):
    assert normalize_search_text(text) == words


def test_search_text_is_kept_up_to_date_on_save(actors):
    actor = actors["epicerie"]
    assert actor.search_text.startswith("epicerie solidaire les jardins alimentation durable")
    actor.name = "Épicerie Éphémère"
    actor.save(update_fields=["name"])
    actor.refresh_from_db()
    assert actor.search_text.startswith("epicerie ephemere ")


def test_typo_tolerance_on_names_allows_about_one_edit_in_five_letters():
    assert names_match_with_typos(["ressourcrie"], ["ressourcerie"])
    assert names_match_with_typos(["jard"], ["jardins"])
    assert not names_match_with_typos(["bar"], ["bor"])  # short words need an exact prefix
    assert not names_match_with_typos(["boulangerie"], ["ressourcerie"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("epicerie", "Épicerie solidaire Les Jardins"),  # without accents
        ("ÉPICERIE", "Épicerie solidaire Les Jardins"),  # case
        ("jard", "Épicerie solidaire Les Jardins"),  # partial word
        ("légumes", "Épicerie solidaire Les Jardins"),  # offer text
        ("theatre oeil", "Compagnie de théâtre L'Œil vif"),  # ligature and accents
        ("ressourcrie", "Ressourcerie du Bas-Montreuil"),  # typo in the name
        ("Resourcerie", "Ressourcerie du Bas-Montreuil"),  # typo in the name
        ("bas montreuil", "Ressourcerie du Bas-Montreuil"),  # several words
        ("reparation velos", "Ressourcerie du Bas-Montreuil"),  # description, accent-less
    ],
)
def test_search_tolerates_accents_case_partial_words_and_typos(actors, query, expected):
    assert names(Actor.objects.published().search(query))[0] == expected


def test_search_does_not_match_unrelated_actors(actors):
    assert names(Actor.objects.search("boulangerie")) == []
    assert names(Actor.objects.search("zzzz")) == []


def test_search_accepts_a_siret_or_a_siren():
    actor = factories.actor(siret="20005787500011")
    factories.actor()
    assert list(Actor.objects.search("200 057 875 00011")) == [actor]
    assert list(Actor.objects.search("200057875")) == [actor]
    assert list(Actor.objects.search("12345678901234")) == []


def test_search_ranks_name_matches_first(actors):
    factories.actor(name="Atelier vélo", short_description="Nous travaillons avec une épicerie du quartier.")
    assert names(Actor.objects.search("epicerie"))[0] == "Épicerie solidaire Les Jardins"


def test_empty_or_punctuation_only_queries(actors):
    assert Actor.objects.search("").count() == 3
    assert Actor.objects.search("   ").count() == 3
    assert Actor.objects.search("!!! ???").count() == 0


def test_hostile_search_text_is_harmless(actors):
    for text in ["' OR 1=1 --", "zz & yy | !xx:* (ww) <-> vv", "%_%", "\\", "x" * 1000]:
        assert list(Actor.objects.search(text)) == []


@postgres_only
def test_postgres_search_uses_the_stored_vector_kept_by_a_trigger(actors):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM directory_actor WHERE id = %s", [actors["epicerie"].pk])
        vector = cursor.fetchone()[0]
    assert re.search(r"'epicerie':[\d,]*\d+A", vector)  # plain word, name weight, accent removed
    assert re.search(r"'legum':\d+B", vector)  # French stem of « légumes » from the offer


@postgres_only
def test_postgres_search_is_backed_by_gin_indexes(actors):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'directory_actor'")
        indexes = dict(cursor.fetchall())
    assert "USING gin (search_vector)" in indexes["directory_actor_search_vector_idx"]
    assert "gin_trgm_ops" in indexes["directory_actor_name_trgm_idx"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny; ask for the indexes
    # A word that names no sector, label or place: a query naming one also looks its actors up.
    plan = Actor.objects.search("theatre").only("pk").explain()
    assert "directory_actor_search_vector_idx" in plan
    assert "directory_actor_name_trgm_idx" in plan


@postgres_only
def test_postgres_search_annotates_a_relevance_rank(actors):
    results = list(Actor.objects.search("ressourcerie"))
    assert results[0].search_rank > 0


@sqlite_only
def test_sqlite_fallback_matches_word_starts_in_the_normalised_text(actors):
    sql = str(Actor.objects.search("jardins epicerie").query)
    # `' ' || search_text LIKE '% word%'`: the query word (without its plural mark) begins a word of the text.
    assert '"directory_actor"."search_text", )) LIKE % jardin%' in sql
    assert '"directory_actor"."search_text", )) LIKE % epicerie%' in sql
    assert "LIKE %jardin" not in sql


def test_a_word_inside_another_word_is_not_a_text_match(actors):
    factories.actor(name="Atelier partagé", short_description="Coopérative d'activité et d'emploi.")
    assert names(Actor.objects.search("ploi")) == []
