"""The common-word rule of the search (`directory.search.TYPO_FREE_MATCHES`), on SQLite and PostgreSQL.

A word that begins a word of very many actors' text is taken as typed: no typo tolerance for it, and
each actor it keeps gets the same « anywhere in the text » points without a second test of its text.
The threshold is lowered here so that a handful of actors make a word common.
"""

import pytest

from directory import search
from directory.models import Actor
from tests import factories
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def common_threshold(monkeypatch):
    monkeypatch.setattr(search, "TYPO_FREE_MATCHES", 3)


@pytest.fixture
def directory():
    for n in range(3):
        factories.actor(name=f"Atelier numéro {n}", short_description="Paniers de brindilles.", description="Solidaire")
    factories.actor(name="Maison solidaire du Canal", short_description="Accueil de jour.")
    factories.actor(name="Ferme Solidare", short_description="Maraîchage.")  # a typo in the name
    factories.actor(name="Potager du Parc", short_description="Maraîchage solidaire.")


def ranks(query: str) -> dict[str, int]:
    return dict(Actor.objects.search(query).values_list("name", "search_rank"))


def test_a_word_in_enough_actors_text_is_common_and_a_rare_one_is_not(common_threshold, directory):
    assert Actor.objects.common_words({"solidaire", "brindilles", "canal"}) == frozenset({"solidaire", "brindilles"})


def test_a_common_word_is_matched_as_typed(common_threshold, directory):
    assert "Ferme Solidare" not in ranks("solidaire")


def test_a_rare_word_is_matched_within_a_typo(directory):
    assert "Ferme Solidare" in ranks("solidaire")


def test_the_points_of_a_common_word_are_those_of_the_table(common_threshold, directory):
    found = ranks("solidaire")
    in_text, in_summary = search.POINTS_WORD_IN_TEXT, search.POINTS_WORD_IN_SUMMARY
    in_name = search.POINTS_WORD_IN_NAME + search.POINTS_NAME_TYPO + in_summary + in_text
    assert found == {
        "Atelier numéro 0": in_text,
        "Atelier numéro 1": in_text,
        "Atelier numéro 2": in_text,
        "Maison solidaire du Canal": in_name,
        "Potager du Parc": in_summary + in_text,
    }
    assert list(Actor.objects.search("solidaire").values_list("name", flat=True))[:2] == [
        "Maison solidaire du Canal",
        "Potager du Parc",
    ]


def test_common_words_typed_together_may_match_a_joined_name_without_the_text(common_threshold, directory):
    factories.actor(name="Solidairebrindilles", short_description="Atelier.")
    found = ranks("solidaire brindilles")
    # « solidaire » begins a word of the name; « brindilles » is nowhere in its text, so it brings no points:
    # the name is found by the words joined (typo and exact-name points).
    assert found["Solidairebrindilles"] == (
        search.POINTS_WORD_IN_NAME
        + search.POINTS_WORD_IN_SUMMARY
        + search.POINTS_WORD_IN_TEXT
        + search.POINTS_NAME_TYPO
        + search.POINTS_NAME_EXACT
    )
    assert found["Atelier numéro 0"] == 2 * search.POINTS_WORD_IN_TEXT + search.POINTS_WORD_IN_SUMMARY


# -- the first results of a common-word search, kept per data version (PostgreSQL: `KeptRanking`)

postgres_only = pytest.mark.skipif(not is_postgres(), reason="the kept ranking is PostgreSQL's")


@pytest.fixture
def many_common(common_threshold, monkeypatch):
    """Twelve actors with « solidaire » (ranked by where it is), a kept ranking of five."""
    monkeypatch.setattr(search, "KEPT_RANKING_SIZE", 5)
    communes = [factories.commune("93048"), factories.commune("93055")]
    for n in range(12):
        factories.actor(
            name=f"Structure {n:02d}" + (" solidaire" if n % 4 == 0 else ""),
            short_description="Accueil solidaire." if n % 3 == 0 else "Accueil.",
            description="Solidaire.",
            commune=communes[n % 2],
            postal_code=["93100", "93500"][n % 2],
        )


def windows(queryset, size: int) -> list[list[str]]:
    return [list(queryset[start : start + size].values_list("name", flat=True)) for start in range(0, 14)]


@postgres_only
def test_every_window_of_a_kept_ranking_is_that_of_the_full_search(many_common, monkeypatch):
    found = Actor.objects.search("solidaire")
    assert found._kept_ranking is not None
    kept = {size: windows(found, size) for size in (1, 2, 5, 6)}
    narrowed = windows(found.filter(commune__insee_code="93055"), 2)
    monkeypatch.setattr(search, "KEPT_RANKING_SIZE", 0)  # every window read by the full search
    full = Actor.objects.search("solidaire")
    assert kept == {size: windows(full, size) for size in (1, 2, 5, 6)}
    assert narrowed == windows(full.filter(commune__insee_code="93055"), 2)


@postgres_only
def test_a_window_inside_the_kept_ids_is_read_among_them(many_common, django_assert_num_queries):
    list(Actor.objects.search("solidaire")[:3])  # the kept ids: computed once for this data version
    # The data version (read for the common words, then for the kept ids: once per request in a view), the window.
    with django_assert_num_queries(3) as captured:
        names = list(Actor.objects.search("solidaire")[:3].values_list("name", flat=True))
    assert '"directory_actor"."id" IN (' in captured.captured_queries[-1]["sql"]
    assert names == ["Structure 00 solidaire", "Structure 04 solidaire", "Structure 08 solidaire"]


@postgres_only
def test_a_write_changes_the_kept_ranking_at_once(many_common):
    assert list(Actor.objects.search("solidaire")[:1].values_list("name", flat=True)) == ["Structure 00 solidaire"]
    factories.actor(name="Solidaire", short_description="Accueil.")
    assert list(Actor.objects.search("solidaire")[:1].values_list("name", flat=True)) == ["Solidaire"]


def test_a_search_with_a_rare_word_keeps_no_ranking(many_common):
    assert Actor.objects.search("structure solidaire accueil zzz")._kept_ranking is None
