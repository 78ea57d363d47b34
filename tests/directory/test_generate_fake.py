"""`manage.py generate_fake`: deterministic, valid, visibly fictional data, written in bulk."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from stdnum.fr import siret as stdnum_siret

from directory import bulk, quality
from directory.fake import COMMON_SHARE, COMMON_TERM, SELECTIVE_SHARE, SELECTIVE_TERM, DirectoryFaker
from directory.models import Actor, Commune, Cooperation, PublicationStatus, SupportOffer
from directory.search import VOCABULARY_CACHE_KEY, normalize_search_text
from projects.fake import InitiativeFaker
from projects.models import EnergyReview, Initiative, Milestone
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL fast path")

ACTORS, INITIATIVES = 300, 20


def generate(**options):
    arguments = {"actors": ACTORS, "initiatives": INITIATIVES, "seed": 7, "communes": 40, "force": True, **options}
    call_command("generate_fake", **{k: v for k, v in arguments.items() if v is not None}, stdout=io.StringIO())


def fake_actors():
    return Actor.objects.filter(source_id__startswith="fake:")


class Rollback(Exception):
    pass


def snapshot():
    actors = list(
        fake_actors()
        .order_by("pk")
        .values_list("pk", "slug", "name", "siret", "commune__insee_code", "description", "offer", "latitude")
    )
    links = list(Actor.sectors.through.objects.filter(actor__in=fake_actors()).order_by("pk").values_list())
    initiatives = list(Initiative.objects.filter(is_fictional=True).order_by("pk").values_list("slug", "status"))
    milestones = list(Milestone.objects.order_by("pk").values_list("title", "planned_on", "done_on"))
    return actors, links, initiatives, milestones


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    runs = []
    for seed in (7, 7, 8):
        with pytest.raises(Rollback), transaction.atomic():
            generate(seed=seed)
            runs.append(snapshot())
            raise Rollback
    assert runs[0] == runs[1]
    assert runs[0][0] and runs[0][3]
    assert runs[2][0] != runs[0][0]


def test_it_writes_the_requested_numbers_of_fictional_records():
    generate()
    assert fake_actors().count() == ACTORS
    assert not fake_actors().filter(is_fictional=False).exists()
    assert all(name.endswith("(fictif)") for name in fake_actors().values_list("name", flat=True))
    assert Initiative.objects.filter(is_fictional=True, title__endswith="(fictif)").count() == INITIATIVES
    assert Commune.objects.filter(insee_code__startswith="99", name__endswith="(fictif)").count() == 40
    assert SupportOffer.objects.filter(is_fictional=True).exists()
    assert Cooperation.objects.filter(source__in=fake_actors()).exists()
    statuses = set(fake_actors().values_list("status", flat=True))
    assert PublicationStatus.PUBLISHED in statuses and len(statuses) >= 3
    assert set(fake_actors().values_list("typology", flat=True)) >= {"entrepreneurial", "militant"}
    # Accented names of communes, actors of the territory and outside it.
    assert fake_actors().filter(commune__in_territory=True).exists()
    assert fake_actors().filter(commune__in_territory=False).exists()


def test_generated_records_pass_the_models_validation():
    generate()
    for actor in fake_actors().order_by("pk")[:60]:
        actor.full_clean()
    for offer in SupportOffer.objects.filter(is_fictional=True)[:10]:
        offer.full_clean()
    for initiative in Initiative.objects.filter(is_fictional=True):
        initiative.full_clean()
    for milestone in Milestone.objects.filter(initiative__is_fictional=True)[:30]:
        milestone.full_clean()
    # Initiatives past the energy gate have an approving review.
    gated = Initiative.objects.filter(is_fictional=True, status__in=["approved", "in_progress", "completed"])
    assert not gated.exclude(energy_review__decision__in=["approved", "approved_with_conditions"]).exists()
    assert EnergyReview.objects.filter(initiative__is_fictional=True).exists()


def test_sirets_carry_valid_check_digits_and_their_siren():
    generate()
    sirets = list(fake_actors().exclude(siret="").values_list("siret", "siren"))
    assert len(sirets) > ACTORS / 3
    assert all(stdnum_siret.is_valid(siret) and siren == siret[:9] for siret, siren in sirets)
    assert fake_actors().filter(siret="").exists()


def test_derived_columns_are_the_applications():
    generate()
    for actor in fake_actors().select_related("commune"):
        assert actor.search_text == actor.build_search_text()
        assert actor.completeness == quality.completeness(actor)
        siren, search_text, name_words = actor.siren, actor.search_text, actor.name_words
        actor.normalise()
        assert (actor.siren, actor.search_text, actor.name_words) == (siren, search_text, name_words)


def test_each_actor_has_one_creation_record_with_its_links():
    generate()
    actor = fake_actors().filter(sectors__isnull=False).order_by("pk").first()
    records = list(Actor.history.filter(id=actor.pk))
    assert [record.history_type for record in records] == ["+"]
    assert records[0].history_source == "command"
    assert sorted(records[0].sectors.values_list("sector_id", flat=True)) == sorted(
        actor.sectors.values_list("pk", flat=True)
    )
    assert Actor.history.filter(id__in=fake_actors().values("pk")).count() == ACTORS


def test_the_search_finds_the_common_term_in_about_a_third_and_the_selective_one_rarely():
    generate()
    common = fake_actors().search(COMMON_TERM).count()
    assert 0.2 * ACTORS < common < 0.47 * ACTORS
    assert fake_actors().search(SELECTIVE_TERM).count() <= 3


def test_the_terms_shares_over_many_actors(monkeypatch):
    """Without writing: the texts of 6,000 actors, counted word by word as the search normalises them."""
    monkeypatch.setattr(bulk.BulkWriter, "_flush", lambda self, key: self._buffers[key].clear())
    texts = []
    monkeypatch.setattr(
        bulk.ModelRows,
        "write",
        lambda self, values, **kwargs: texts.append(values.get("search_text", "")) or len(texts),
    )
    faker = DirectoryFaker(seed=3, writer=bulk.BulkWriter())
    faker.communes(50)
    faker.actors(6000)
    words = [set(text.split()) for text in texts if text]
    assert len(words) == 6000
    # The search matches word starts: « solidaire » finds « solidaires » too.
    share = sum(any(word.startswith(COMMON_TERM) for word in w) for w in words) / len(words)
    assert abs(share - COMMON_SHARE) < 0.03
    assert sum(any(word.startswith(SELECTIVE_TERM) for word in w) for w in words) / len(words) < 0.001
    assert SELECTIVE_SHARE < 0.001
    # No other word of the texts (beyond function words, and the mark every name bears) is in half of them.
    counts = {}
    for w in words:
        for word in w:
            counts[word] = counts.get(word, 0) + 1
    frequent = {word for word, n in counts.items() if n > len(words) / 2 and len(word) > 3}
    assert frequent <= {"fictif", "pour", "avec", "nous", "notre", "dans", "sont", "des", "les", "une"}, frequent
    assert normalize_search_text(COMMON_TERM) == COMMON_TERM


def test_it_forgets_the_cached_search_vocabulary():
    cache.set(VOCABULARY_CACHE_KEY, "stale")
    generate(actors=20, initiatives=2)
    assert cache.get(VOCABULARY_CACHE_KEY) is None


def test_it_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_fake", actors=5)
    assert not fake_actors().exists()
    call_command("generate_fake", actors=5, initiatives=0, communes=3, force=True, stdout=io.StringIO())
    assert fake_actors().count() == 5


@pytest.mark.parametrize("option", ["actors", "initiatives", "offers", "cooperations", "communes", "seed"])
def test_negative_numbers_are_refused_with_a_clear_message(option):
    with pytest.raises(CommandError, match="positif ou nul"):
        call_command("generate_fake", force=True, **{option: -1})


def test_too_many_fictional_communes_are_refused():
    with pytest.raises(CommandError, match="999"):
        call_command("generate_fake", force=True, communes=1000)


def actor_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'directory_actor' ORDER BY 1")
        return cursor.fetchall()


@postgres_only
def test_postgres_fills_the_search_vector_and_leaves_the_indexes_as_they_were():
    before = actor_indexes()
    generate(actors=60, initiatives=5)
    assert actor_indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM directory_actor WHERE source_id LIKE 'fake:%%' AND search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
    assert fake_actors().search(COMMON_TERM).exists()


@postgres_only
def test_postgres_a_failure_rolls_everything_back_with_the_schema(monkeypatch):
    before = actor_indexes()

    def fail(self, count):
        raise RuntimeError("boom")

    monkeypatch.setattr(InitiativeFaker, "write", fail)
    with pytest.raises(RuntimeError, match="boom"):
        generate(actors=30, initiatives=2)
    assert actor_indexes() == before
    assert not fake_actors().exists()
