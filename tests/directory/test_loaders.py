import random
import re
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from directory import demo, validators
from directory.demo import load_directory_demo
from directory.models import (
    Actor,
    Contact,
    Cooperation,
    Presence,
    PublicationStatus,
    Role,
    Stage,
    SupportOffer,
    Typology,
)
from directory.reference import load_reference_organisations

DEMO_PHONE = re.compile(r"^01 99 00 \d\d \d\d$")


def counts() -> dict[str, int]:
    return {
        "actors": Actor.objects.count(),
        "contacts": Contact.objects.count(),
        "offers": SupportOffer.objects.count(),
        "cooperations": Cooperation.objects.count(),
        "actor history": Actor.history.count(),
    }


# Reference organisations ---------------------------------------------------------------


@pytest.mark.django_db
def test_est_ensemble_is_seeded_with_the_facts_of_the_reference_file():
    load_reference_organisations()
    est = Actor.objects.get(source=Actor.Source.REFERENCE, source_id="est-ensemble")
    assert (est.name, est.siren, est.siret, est.legal_form) == ("Est Ensemble", "200057875", "", "public_body")
    assert (est.commune.name, est.serves_whole_territory, est.status) == ("Romainville", True, "published")
    assert (est.is_fictional, est.address, est.phone, est.email, est.website) == (False, "", "", "", "")
    assert list(est.roles.values_list("slug", flat=True)) == ["acteur-public"]


@pytest.mark.django_db
def test_reference_organisations_carry_no_invented_identifier_or_contact_detail():
    load_reference_organisations()
    for actor in Actor.objects.filter(source=Actor.Source.REFERENCE).exclude(source_id="est-ensemble"):
        assert (actor.siret, actor.siren, actor.rna) == ("", "", ""), actor.name
        assert (actor.address, actor.postal_code, actor.phone, actor.email, actor.website) == ("",) * 5, actor.name
        assert (actor.latitude, actor.employees, actor.founded_year) == (None, None, None), actor.name
        assert not actor.is_fictional


@pytest.mark.django_db
def test_the_named_organisations_are_published_as_sourced_partners_to_complete():
    load_reference_organisations()
    states = dict(Actor.objects.filter(source=Actor.Source.REFERENCE).values_list("source_id", "status"))
    assert set(states.values()) == {PublicationStatus.PUBLISHED}
    assert len(states) == 10
    for actor in Actor.objects.filter(source=Actor.Source.REFERENCE).exclude(source_id="est-ensemble"):
        assert actor.presence == Presence.PARTNER
        assert actor.to_complete
        assert actor.source_reference.startswith("Compte rendu de presse du 11 mars 2019")
        assert actor.source_date == date(2019, 3, 11)
    for actor in Actor.objects.filter(source=Actor.Source.REFERENCE):
        assert actor.is_published == (actor.publication_problems() == []), actor.name
        actor.full_clean()


@pytest.mark.django_db
def test_est_ensemble_s_own_schemes_are_support_offers_of_est_ensemble():
    load_reference_organisations()
    offers = SupportOffer.objects.filter(provider__source_id="est-ensemble").order_by("slug")
    assert [(o.title, o.kind, o.whole_territory) for o in offers] == [
        ("Est'ploration", "coaching", True),
        ("Trophées de l'ESS", "networking", True),
    ]
    assert all(not o.is_fictional and o.history.count() == 1 for o in offers)


@pytest.mark.django_db
def test_loading_reference_organisations_twice_creates_nothing_new():
    first = load_reference_organisations()
    before = counts()
    second = load_reference_organisations()
    assert first == {"organisations réelles": 10, "dispositifs d'Est Ensemble": 2}
    assert second == {"organisations réelles": 0, "dispositifs d'Est Ensemble": 0}
    assert counts() == before


@pytest.mark.django_db
def test_reloading_reference_data_never_overwrites_what_staff_edited():
    load_reference_organisations()
    france_active = Actor.objects.get(source_id="france-active")
    france_active.description = "Complété par l'équipe."
    france_active.status = PublicationStatus.ARCHIVED
    france_active.save()
    trophies = SupportOffer.objects.get(slug="trophees-de-l-ess")
    trophies.title = "Trophées de l'ESS d'Est Ensemble"
    trophies.save()

    load_reference_organisations()

    france_active.refresh_from_db()
    trophies.refresh_from_db()
    assert (france_active.description, france_active.status) == ("Complété par l'équipe.", "archived")
    assert trophies.title == "Trophées de l'ESS d'Est Ensemble"
    assert SupportOffer.objects.filter(provider__source_id="est-ensemble").count() == 2


@pytest.mark.django_db
def test_a_missing_reference_organisation_is_created_again():
    load_reference_organisations()
    Actor.objects.filter(source_id="garance").delete()
    assert load_reference_organisations()["organisations réelles"] == 1


@pytest.mark.django_db
def test_reference_records_have_one_creation_record_in_history_with_their_roles():
    load_reference_organisations()
    est = Actor.objects.get(source_id="est-ensemble")
    (record,) = est.history.all()
    assert record.history_type == "+"
    assert record.history_change_reason.startswith("Données de référence")
    assert [row.role.slug for row in record.roles.all()] == ["acteur-public"]


# Demo data set -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_counts(django_db_setup, django_db_blocker):
    """The demo data set, loaded once for this module's tests and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        created = load_directory_demo()
        yield created
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_has_the_announced_size(demo_counts):
    assert demo_counts == {
        "acteurs fictifs": 300,
        "contacts fictifs": Contact.objects.count(),
        "offres fictives": 60,
        "coopérations fictives": 150,
    }
    assert 250 <= demo_counts["contacts fictifs"] <= 400


@pytest.mark.django_db
def test_loading_the_demo_twice_creates_nothing_new(demo_counts):
    before = counts()
    assert load_directory_demo() == dict.fromkeys(demo_counts, 0)
    assert counts() == before


@pytest.mark.django_db
def test_the_demo_is_the_same_for_the_same_seed_and_differs_for_another():
    neighbourhoods = {"93048": ["la-noue-malassis-le-plateau"]}

    def names(seed):
        return [plan.name for plan in demo.plan_actors(random.Random(seed), neighbourhoods)]

    assert names(2019) == names(2019)
    assert names(2019) != names(2020)


@pytest.mark.django_db
def test_every_demo_record_is_visibly_fictional(demo_counts):
    actors = Actor.objects.filter(source=Actor.Source.DEMO)
    assert actors.count() == actors.filter(is_fictional=True, name__endswith="(fictif)").count() == 300
    assert not actors.exclude(siret="", siren="", rna="").exists()
    for actor in actors:
        assert actor.source_id.startswith("demo:actor:")
        assert not actor.email or actor.email.endswith("@example.org")
        assert not actor.website or actor.website.startswith("https://example.org/")
        assert not actor.phone or DEMO_PHONE.match(actor.phone), actor.phone
        assert not actor.address or any(actor.address.endswith(street) for street in demo.vocabulary.STREETS)
    for contact in Contact.objects.all():
        assert contact.email.endswith("@example.org")
        assert not contact.phone or DEMO_PHONE.match(contact.phone)
    offers = SupportOffer.objects.filter(is_fictional=True)
    assert offers.count() == offers.filter(title__endswith="(fictif)").count() == 60


@pytest.mark.django_db
def test_every_demo_record_passes_validation_and_addresses_are_consistent(demo_counts):
    south, north, west, east = validators.TERRITORY_BOUNDS
    for actor in Actor.objects.select_related("commune", "neighbourhood"):
        actor.full_clean()
        if actor.commune:
            assert actor.postal_code in actor.commune.postal_codes
            assert south <= actor.latitude <= north and west <= actor.longitude <= east, actor.name
        else:
            assert actor.serves_whole_territory and not actor.postal_code and actor.latitude is None
        if actor.neighbourhood:
            assert actor.commune in actor.neighbourhood.communes.all()
    for contact in Contact.objects.all():
        contact.full_clean()
    for link in Cooperation.objects.all():
        link.full_clean()
    for offer in SupportOffer.objects.all():
        offer.full_clean()


@pytest.mark.django_db
def test_the_demo_covers_every_kind_of_actor(demo_counts):
    actors = Actor.objects.filter(is_fictional=True)
    assert set(actors.values_list("legal_form", flat=True)) == set(Actor.LegalForm.values)
    assert set(actors.values_list("typology", flat=True)) == set(Typology.values)
    assert set(actors.values_list("status", flat=True)) == set(PublicationStatus.values)
    assert set(actors.values_list("roles__slug", flat=True)) == set(Role.objects.values_list("slug", flat=True))
    assert set(actors.values_list("commune__insee_code", flat=True)) - {None} == set(demo.vocabulary.COMMUNES)
    assert actors.filter(neighbourhood__isnull=False).count() >= 20
    assert actors.filter(labels__isnull=False).distinct().count() >= 50
    assert actors.filter(employees__isnull=False, volunteers__isnull=False, founded_year__isnull=False).exists()
    assert actors.exclude(opening_hours="").count() >= 100
    assert actors.published().count() > 0.8 * actors.count()
    typologies = Counter(actors.filter(roles__slug="structure-ess").values_list("typology", flat=True))
    assert typologies[Typology.ENTREPRENEURIAL] > 80 and typologies[Typology.MILITANT] > 80


@pytest.mark.django_db
def test_demo_contacts_are_public_only_with_consent(demo_counts):
    assert Contact.objects.public().exists()
    assert Contact.objects.filter(is_public=False).exists()
    assert not Contact.objects.filter(is_public=True, consent_date__isnull=True).exists()


@pytest.mark.django_db
def test_demo_offers_cover_every_kind_and_stage_and_leave_gaps_in_the_chain(demo_counts):
    offers = SupportOffer.objects.filter(is_fictional=True)
    cells = Counter(offers.values_list("kind", "stages__slug"))
    assert {kind for kind, _ in cells} == set(SupportOffer.Kind.values)
    assert {stage for _, stage in cells} == set(Stage.objects.values_list("slug", flat=True))
    empty = [(k, s) for k in SupportOffer.Kind.values for s in Stage.objects.values_list("slug", flat=True)]
    empty = [cell for cell in empty if cell not in cells]
    assert ("equity", "emergence") in empty and ("premises", "emergence") in empty
    assert len(empty) >= 10
    assert offers.filter(whole_territory=False, communes__isnull=False).distinct().count() >= 10
    providers = Actor.objects.filter(support_offers__in=offers).distinct()
    assert not providers.filter(roles__slug="structure-ess").exists()
    assert offers.published().count() > 0.75 * offers.count()


@pytest.mark.django_db
def test_demo_cooperations_cover_every_kind_formal_and_informal(demo_counts):
    links = Cooperation.objects.all()
    assert set(links.values_list("kind", flat=True)) == set(Cooperation.Kind.values)
    assert set(links.values_list("is_formal", flat=True)) == {True, False}
    assert links.filter(target__roles__slug="entreprise-classique").exists()


@pytest.mark.django_db
def test_demo_actors_have_one_creation_record_with_their_sectors(demo_counts):
    actor = Actor.objects.filter(is_fictional=True, sectors__isnull=False).first()
    (record,) = actor.history.all()
    assert record.history_type == "+"
    assert {row.sector for row in record.sectors.all()} == set(actor.sectors.all())


# Commands ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_reference_command_reports_what_it_created_and_is_idempotent():
    out = StringIO()
    call_command("load_reference", stdout=out)
    call_command("load_reference", stdout=out)
    assert "organisations réelles : 10 créé(s)" in out.getvalue()
    assert "organisations réelles : 0 créé(s)" in out.getvalue()
    assert Actor.objects.filter(source=Actor.Source.REFERENCE).count() == 10


@pytest.mark.django_db
def test_load_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="jamais aller en production"):
        call_command("load_demo", stdout=StringIO())
    assert counts() == before
    assert not Actor.objects.filter(source=Actor.Source.REFERENCE).exists()
    assert not get_user_model().objects.filter(username="demo").exists()


@pytest.mark.django_db
def test_load_demo_creates_the_demo_account_and_resets_its_password(settings, demo_counts):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("load_demo", stdout=out)
    user = get_user_model().objects.get(username="demo")
    user.set_password("changé")
    user.save()

    call_command("load_demo", stdout=out)

    user.refresh_from_db()
    assert user.is_staff and user.is_superuser and user.check_password("demo-ess-2026")
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()
    assert "« demo »" in out.getvalue() and "« demo-ess-2026 »" in out.getvalue()
    assert Actor.objects.filter(source=Actor.Source.REFERENCE).count() == 10
