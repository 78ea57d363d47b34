"""The directory's search: normalised words, typo tolerance, the vocabulary and the query plan.

A query is read against the vocabulary of the directory (sector, label, commune and neighbourhood
names and slugs, plus the editable synonyms of `SearchSynonym`): a word, or consecutive words, that
name one of them become a filter on that relation, OR'ed with the text match of those words; the
other words stay text matches. Every term must match (AND). `ActorQuerySet.search` runs the plan on
PostgreSQL (full text, trigrams) or on the SQLite fallback, with the same integer ranking points.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat
from django.db.models.lookups import Contains

SEARCH_MAX_LENGTH = 200
# The actor fields that `search_text` (SQLite) and `search_vector` (PostgreSQL) are made from.
SEARCHED_FIELDS_ORDER = ("name", "short_description", "offer", "description", "siret", "rna")
SEARCHED_FIELDS = set(SEARCHED_FIELDS_ORDER)
_WORD_RE = re.compile(r"[a-z0-9]+")


class _CombiningMarks(dict):
    """`str.translate` table deleting the combining marks (accents once decomposed), filled as met."""

    def __missing__(self, code: int) -> int | None:
        value = self[code] = None if unicodedata.combining(chr(code)) else code
        return value


_COMBINING_MARKS = _CombiningMarks()


def normalize_search_text(text: str) -> str:
    """Lower-case `text` and strip its accents and punctuation: « Épicerie l'Été » → « epicerie l ete »."""
    lowered = (text or "").replace("œ", "oe").replace("Œ", "oe").lower()
    if not lowered.isascii():  # ASCII has nothing to decompose (imports normalise thousands of rows)
        lowered = unicodedata.normalize("NFKD", lowered).translate(_COMBINING_MARKS)
    return " ".join(_WORD_RE.findall(lowered))


def search_words(text: str) -> list[str]:
    """The words of a query, normalised (at most 10: a longer query says nothing more)."""
    return normalize_search_text(text[:SEARCH_MAX_LENGTH]).split()[:10]


def _similar(a: str, b: str, threshold: float) -> bool:
    matcher = SequenceMatcher(None, a, b)
    # The quick upper bounds first: most candidates are rejected without the full comparison.
    return (
        matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold
    )


# Names repeat their words (« atelier », « solidaire »): a pair compared once is answered from memory.
@functools.lru_cache(maxsize=100_000)
def _word_close(word: str, candidate: str) -> bool:
    if candidate.startswith(word):
        return True
    if len(word) < 4:
        return False
    # About one edit in five letters, on the whole word or on a prefix as long as the query word; a word
    # several letters shorter is another word (« emploi » is not « reemploi » mistyped).
    if len(candidate) < len(word) - max(1, len(word) // 5):
        return False
    return _similar(word, candidate, 0.8) or (
        len(candidate) > len(word) and _similar(word, candidate[: len(word)], 0.85)
    )


# A name written in one word or in several (« Insereco », « Inser'Eco ») is found either way: its runs of
# up to this many consecutive words are also compared, joined, with the query's words.
NAME_JOINED_WORDS = 3


def word_in_name(word: str, name_words: list[str]) -> bool:
    if any(_word_close(word, candidate) for candidate in name_words):
        return True
    # Runs of words joined, only from a word shorter than the query word (else the word alone said it).
    return any(
        _word_close(word, "".join(name_words[i : i + size]))
        for i, first in enumerate(name_words)
        if len(first) < len(word)
        for size in range(2, min(NAME_JOINED_WORDS, len(name_words) - i) + 1)
    )


def names_match_with_typos(words: list[str], name_words: list[str], *, joined: bool = True) -> bool:
    """Whether every query word is a prefix of, or within a small typo of, a word of the name.

    Words the name joins or splits differently count too (unless `joined` is false): « insereco » finds
    « Inser'Eco 93 » and « french impact » finds « FrenchImpact ».
    """
    if all(word_in_name(word, name_words) for word in words):
        return True
    return joined and len(words) > 1 and word_in_name("".join(words), name_words)


# ---------------------------------------------------------------------------
# The same normalisation in SQL (searches without a stored search column)

SQLITE_NORMALIZE_FUNCTION = "directory_normalize"


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """`connection_created`: give SQLite `directory_normalize(text)`, i.e. `normalize_search_text`.

    SQLite folds neither accents nor punctuation; with it, a query compares normalised text in SQL
    instead of reading every row into Python (PostgreSQL has `directory_unaccent`, migration 0005).
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_NORMALIZE_FUNCTION, 1, lambda text: normalize_search_text(text or ""), deterministic=True
        )


class NormalizedText(models.Func):
    """`expression` lower-cased and without accents: `normalize_search_text` in SQL.

    On SQLite the registered `directory_normalize()` (punctuation becomes spaces too); on PostgreSQL
    `directory_unaccent(lower(…))`. Both give the same answer to a test on a query word, which holds
    letters and digits only.
    """

    function = SQLITE_NORMALIZE_FUNCTION
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="directory_unaccent(lower(%(expressions)s))")


def contains_words(words: list[str], *fields: str) -> models.Q:
    """Rows whose `fields` together contain every one of `words` (normalised query words), in SQL."""
    parts = []
    for name in fields:
        parts += [models.functions.Coalesce(name, models.Value(""), output_field=models.TextField()), models.Value(" ")]
    text = NormalizedText(Concat(*parts[:-1], output_field=models.TextField()) if len(fields) > 1 else parts[0])
    condition = models.Q()
    for word in words:
        condition &= models.Q(Contains(text, word))
    return condition


def spaced(field_name: str) -> Concat:
    """`' ' || field`: in a column of words joined by spaces, a word start follows a space."""
    return Concat(models.Value(" "), field_name, output_field=models.TextField())


def starts_a_word(expression, word: str) -> models.Q:
    """`expression` (a `spaced()` column) has a word beginning with `word`."""
    return models.Q(Contains(expression, f" {word}"))


class Like(models.lookups.Lookup):
    """`lhs LIKE pattern`, the pattern as given (`_` is any one letter), for the typo candidates."""

    lookup_name = "like_pattern"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def typo_candidates(expression, word: str) -> models.Q:
    """Names (`spaced()` name words) where `word_in_name(word, …)` may hold, within one typo in its first letters.

    A close word, or a run of joined words, begins as the query word does: with its first two letters
    (or its first letter as a one-letter word, then a word beginning with the second), or with them
    after one typo among the first letters: one letter left out (« euvres » for « oeuvres »), one
    letter too many, or one letter replaced. Each is a LIKE on the stored name words.
    """
    if len(word) < 2:
        return starts_a_word(expression, word)
    patterns = [f"% {word[:2]}%", f"% {word[0]} {word[1]}%", f"% _{word[:2]}%"]
    if len(word) >= 3:
        patterns += [f"% {word[1:3]}%", f"% _{word[1:3]}%", f"% {word[0]}_{word[2]}%"]
    condition = models.Q()
    for pattern in patterns:
        condition |= models.Q(Like(expression, pattern))
    return condition


# At most this many names are compared with typos in Python for one query word on SQLite (those
# matched by prefix in SQL are not candidates, nor names whose words begin with two typos); beyond,
# the first ones by id are compared. A word with that many candidates is rarely a typo, and
# PostgreSQL, which has indexes for it, is the national database.
TYPO_CANDIDATES_MAX = 5000


# ---------------------------------------------------------------------------
# Ranking points, shared by both databases: the obvious hit comes first.

POINTS_NAME_EXACT = 100  # the query is the name (spaces and punctuation aside)
POINTS_NAME_START = 50  # the query is the name's beginning
POINTS_WORD_IN_NAME = 20  # a term's words begin words of the name
POINTS_NAMED_RELATION = 10  # the actor is in the sector, label, commune or neighbourhood a term names
POINTS_NAME_TYPO = 8  # the name matches the query within small typos
POINTS_WORD_IN_SUMMARY = 4  # a term's words in the name, short description or offer
POINTS_WORD_IN_TEXT = 2  # a term's words anywhere in the searched text

# A word that begins a word of at least this many actors' text is taken as typed: it is not also
# looked for with typos in names (at national scale, the similarity of every candidate name costs
# seconds, and a word that common is no typo).
TYPO_FREE_MATCHES = 1000

# ---------------------------------------------------------------------------
# Vocabulary

VOCABULARY_CACHE_KEY = "directory:search-vocabulary:v2"
VOCABULARY_CACHE_SECONDS = 24 * 3600
# A run of at most this many query words may name one entry (« insertion par l activite economique »).
MAX_PHRASE_WORDS = 5
# Words that never name an entry on their own: too short, or shared by many names.
STOP_WORDS = frozenset(
    ["a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "par", "pour", "sur", "un", "une"]
)
GENERIC_WORDS = frozenset(
    [
        "activite",
        "agrement",
        "association",
        "atelier",
        "centre",
        "economique",
        "economie",
        "entreprise",
        "interet",
        "lieu",
        "nord",
        "personne",
        "saint",
        "sociale",
        "social",
        "solidaire",
        "structure",
        "utilite",
        "ville",
    ]
)
RELATIONS = ("sector", "label", "commune", "neighbourhood", "legal_form")


# How many of a costly search's first results are kept per data version (`KeptRanking`): ten pages of 100.
KEPT_RANKING_SIZE = 1000
SEARCH_ORDERING = ("-search_rank", "name", "pk")


class KeptRanking:
    """The first results of a search that ranks very many rows, kept per data version.

    A search whose every word is common (`TYPO_FREE_MATCHES`) matches a large share of the directory,
    and ranking it means reading the full-text vector of every row it matches: about a second at
    250,000 actors. Its first `KEPT_RANKING_SIZE` ids, in the search's order, are kept for the data
    version (`ess_portal.response_cache.remembered`); a window of the search (a page, with more filters
    or after a cursor) is then read among them: if they hold the whole window, it is exactly the window
    of the full search (the kept ids are the first rows in the same order, and any row after them comes
    after all of them); if not (a deep page, a narrow filter), the full search runs. Counts are not
    affected (they are not windows).
    """

    def __init__(self, base, key):
        self.base = base
        self.key = key

    def ids(self) -> list[int]:
        from ess_portal.response_cache import remembered

        def compute():
            return list(self.base.order_by(*SEARCH_ORDERING).values_list("pk", flat=True)[:KEPT_RANKING_SIZE])

        return remembered("search-ranking", self.key, compute, self.base.db)

    def window(self, queryset) -> list | None:
        """The rows of `queryset` (a window of the search) read among the kept ids, or None."""
        query = queryset.query
        if (
            query.high_mark is None
            or query.high_mark > KEPT_RANKING_SIZE
            or tuple(query.order_by) != SEARCH_ORDERING
            or query.combinator
            or query.distinct
            or query.select_for_update
        ):
            return None
        wanted = query.high_mark - query.low_mark
        restricted = queryset._chain()
        restricted._kept_ranking = None
        restricted.query.add_q(Q(pk__in=self.ids()))
        rows = list(restricted)
        return rows if len(rows) == wanted else None


def vocabulary_stem(word: str) -> str:
    """A word without its plural mark, for comparisons with the vocabulary (« epiceries » → « epicerie »)."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def phrase_key(text: str) -> tuple[str, ...]:
    """The significant words of a name or term, normalised and stemmed."""
    return tuple(vocabulary_stem(word) for word in normalize_search_text(text).split() if word not in STOP_WORDS)


@dataclass(frozen=True)
class Entry:
    """One way of naming relations: a phrase and the sectors, labels, communes, neighbourhoods it names."""

    phrase: tuple[str, ...]
    targets: dict[str, frozenset]


def _add(entries: dict, phrase: tuple[str, ...], relation: str, ids) -> None:
    if phrase:
        targets = entries.setdefault(phrase, {})
        targets[relation] = targets.get(relation, frozenset()) | frozenset(ids)


def build_vocabulary() -> tuple[list[Entry], list[list[tuple[str, ...]]]]:
    """Read the vocabulary from the database (five queries): names and slugs, then synonym groups."""
    Actor, Sector, Label, Commune, Neighbourhood, SearchSynonym = (
        apps.get_model("directory", name)
        for name in ("Actor", "Sector", "Label", "Commune", "Neighbourhood", "SearchSynonym")
    )
    entries: dict[tuple[str, ...], dict[str, frozenset[int]]] = {}
    sectors = list(Sector.objects.values_list("pk", "name", "slug", "parent_id"))
    children: dict[int, set[int]] = {}
    for pk, _name, _slug, parent_id in sectors:
        if parent_id:
            children.setdefault(parent_id, set()).add(pk)
    for pk, name, slug, _parent in sectors:
        ids = {pk, *children.get(pk, ())}  # a main sector names its sub-sectors too
        _add(entries, phrase_key(name), "sector", ids)
        _add(entries, phrase_key(slug.replace("-", " ")), "sector", ids)
    for relation, model in (("label", Label), ("commune", Commune), ("neighbourhood", Neighbourhood)):
        for pk, name, slug in model.objects.values_list("pk", "name", "slug"):
            _add(entries, phrase_key(name), relation, {pk})
            _add(entries, phrase_key(slug.replace("-", " ")), relation, {pk})
    for value, label in Actor._meta.get_field("legal_form").choices:
        _add(entries, phrase_key(value.replace("_", " ")), "legal_form", {value})
        _add(entries, phrase_key(str(label)), "legal_form", {value})
    base = [Entry(phrase, targets) for phrase, targets in entries.items()]
    # A synonym group names what any of its terms names; each of its terms becomes a phrase of its own.
    groups = [
        [phrase for phrase in (phrase_key(term) for term in split_terms(terms)) if phrase]
        for terms in SearchSynonym.objects.values_list("terms", flat=True)
    ]
    for phrases in groups:
        targets: dict[str, frozenset[int]] = {}
        for phrase in phrases:
            for relation, ids in _resolve(phrase, base, typos=False).items():
                targets[relation] = targets.get(relation, frozenset()) | ids
        for phrase in phrases:
            for relation, ids in targets.items():
                _add(entries, phrase, relation, ids)
            entries.setdefault(phrase, {})
    return [Entry(phrase, targets) for phrase, targets in entries.items()], groups


def split_terms(text: str) -> list[str]:
    """The terms of a synonym group: one a line, or separated by commas or semicolons."""
    return [term.strip() for term in re.split(r"[\n,;]+", text or "") if term.strip()]


def load_vocabulary() -> tuple[list[Entry], list[list[tuple[str, ...]]]]:
    """The vocabulary and the synonym groups, from the cache or built (invalidated by `clear_vocabulary`)."""
    cached = cache.get(VOCABULARY_CACHE_KEY)
    if cached is None:
        cached = build_vocabulary()
        cache.set(VOCABULARY_CACHE_KEY, cached, VOCABULARY_CACHE_SECONDS)
    return cached


def clear_vocabulary(**kwargs) -> None:
    """Forget the cached vocabulary (connected to the changes of its models in `DirectoryConfig.ready`)."""
    cache.delete(VOCABULARY_CACHE_KEY)


def _words_equal(query_word: str, entry_word: str, *, typos: bool) -> bool:
    if query_word == entry_word:
        return True
    # A typo on a long word: about one edit in eight letters, on whole words only (« couture » is not « culture »).
    return typos and len(query_word) >= 5 and len(entry_word) >= 5 and _similar(query_word, entry_word, 0.87)


def _names(run: tuple[str, ...], phrase: tuple[str, ...], *, typos: bool) -> bool:
    """Whether the query words `run` name `phrase`: all of it, or a distinctive part of it."""
    size = len(run)
    if size > len(phrase):
        return False
    if size == len(phrase):
        return all(_words_equal(q, e, typos=typos) for q, e in zip(run, phrase, strict=True))
    if size == 1 and (len(run[0]) < 4 or run[0] in GENERIC_WORDS):
        return False
    if all(word in GENERIC_WORDS for word in run):
        return False
    return any(
        all(_words_equal(q, e, typos=typos) for q, e in zip(run, phrase[i : i + size], strict=True))
        for i in range(len(phrase) - size + 1)
    )


def _resolve(run: tuple[str, ...], entries: list[Entry], *, typos: bool) -> dict[str, frozenset[int]]:
    """What the query words `run` name: exact names first, then with typos."""
    for allow_typos in (False, True) if typos else (False,):
        targets: dict[str, frozenset[int]] = {}
        for entry in entries:
            if entry.targets and _names(run, entry.phrase, typos=allow_typos):
                for relation, ids in entry.targets.items():
                    targets[relation] = targets.get(relation, frozenset()) | ids
        if targets:
            return targets
    return {}


@dataclass
class Term:
    """A query word, or consecutive words naming something, and how an actor matches it."""

    words: tuple[str, ...]  # as typed, normalised: each must match the text
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # synonyms, also matched as text
    targets: dict[str, frozenset[int]] = field(default_factory=dict)  # relations the term names

    @property
    def text_variants(self) -> list[tuple[str, ...]]:
        """The word sequences whose text match satisfies this term: the words typed, then synonyms."""
        return [self.words, *(alt for alt in self.alternatives if alt != self.words)]


def _synonyms_of(run: tuple[str, ...], groups) -> list[tuple[str, ...]]:
    stemmed = tuple(vocabulary_stem(word) for word in run if word not in STOP_WORDS)
    found = []
    for group in groups:
        if stemmed in group:
            found.extend(phrase for phrase in group if phrase != stemmed)
    return found


def plan_query(words: list[str]) -> list[Term]:
    """Split normalised query words into terms, the longest runs that name something first."""
    entries, groups = load_vocabulary()
    terms: list[Term] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            run = tuple(words[i : i + size])
            key = tuple(vocabulary_stem(word) for word in run if word not in STOP_WORDS)
            if not key and size > 1:
                continue
            synonyms = _synonyms_of(run, groups)
            targets = _resolve(key, entries, typos=size == 1)
            if targets or synonyms or size == 1:
                # Text matches use the words without their plural mark: « epicerie » begins « epiceries ».
                stemmed = tuple(vocabulary_stem(word) for word in run)
                terms.append(Term(words=stemmed, alternatives=synonyms, targets=targets))
                i += size
                break
        else:
            i += 1  # stop words alone: nothing to match
    return terms
