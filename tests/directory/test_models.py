import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.models import (
    Actor,
    Contact,
    Cooperation,
    Neighbourhood,
    PublicationStatus,
    Sector,
    Stage,
    SupportOffer,
)
from tests import factories

pytestmark = pytest.mark.django_db


def errors_of(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


def unsaved_actor(**overrides) -> Actor:
    fields = {
        "name": "Recyclerie des Essais (fictif)",
        "legal_form": Actor.LegalForm.ASSOCIATION,
        "short_description": "Une structure fictive pour les tests.",
        "commune": factories.commune("93048"),
        "postal_code": "93100",
        "status": PublicationStatus.DRAFT,
    }
    fields.update(overrides)
    return Actor(**fields)


def assert_refused_by_the_database(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


# Identifiers ------------------------------------------------------------------


def test_an_invalid_siret_is_reported_on_the_siret_field_in_french():
    assert errors_of(unsaved_actor(siret="12345678200011")) == {
        "siret": ["Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."]
    }


def test_a_duplicate_siret_gets_a_french_error_on_the_siret_field():
    factories.actor(siret="12345678200010")
    assert errors_of(unsaved_actor(siret="123 456 782 00010")) == {
        "siret": ["Un acteur avec ce SIRET existe déjà dans l'annuaire."]
    }


def test_the_database_refuses_a_duplicate_siret_too():
    factories.actor(siret="12345678200010")
    assert_refused_by_the_database(lambda: unsaved_actor(siret="12345678200010").save())


def test_several_actors_may_have_no_siret():
    factories.actor(siret="")
    factories.actor(siret="")
    assert Actor.objects.filter(siret="").count() == 2


def test_the_siren_is_derived_from_the_siret_and_identifiers_are_compacted_on_save():
    actor = factories.actor(siret="123 456 782 00010", rna="w931234567")
    actor.refresh_from_db()
    assert (actor.siret, actor.siren, actor.rna) == ("12345678200010", "123456782", "W931234567")


def test_a_siren_alone_is_kept_when_there_is_no_siret():
    actor = factories.actor(siren="200 057 875")
    actor.refresh_from_db()
    assert (actor.siret, actor.siren) == ("", "200057875")


def test_a_siren_that_is_not_the_start_of_the_siret_is_refused():
    errors = errors_of(unsaved_actor(siret="12345678200010", siren="200057875"))
    assert errors == {"siren": ["Le SIREN doit être les 9 premiers chiffres du SIRET."]}


def test_the_database_refuses_a_siren_that_is_not_the_start_of_the_siret():
    actor = factories.actor(siret="12345678200010")
    assert_refused_by_the_database(lambda: Actor.objects.filter(pk=actor.pk).update(siren="200057875"))


def test_only_associations_have_an_rna_number():
    errors = errors_of(unsaved_actor(legal_form=Actor.LegalForm.SCOP, rna="W931234567"))
    assert errors == {"rna": ["Seules les associations ont un numéro RNA."]}


# Slugs ----------------------------------------------------------------------------


def test_actors_with_the_same_name_get_distinct_slugs():
    first = factories.actor(name="Atelier vélo des Tests (fictif)")
    second = factories.actor(name="Atelier vélo des Tests (fictif)")
    assert (first.slug, second.slug) == ("atelier-velo-des-tests-fictif", "atelier-velo-des-tests-fictif-2")


def test_slugs_keep_ligatures_and_elisions_readable():
    assert factories.actor(name="L'Œuvre d'à côté (fictif)").slug == "l-oeuvre-d-a-cote-fictif"


def test_renaming_an_actor_keeps_its_slug_so_links_do_not_break():
    actor = factories.actor(name="Ancien nom (fictif)")
    actor.name = "Nouveau nom (fictif)"
    actor.save()
    actor.refresh_from_db()
    assert actor.slug == "ancien-nom-fictif"


# Address and position ----------------------------------------------------------------------


def test_a_postal_code_of_another_commune_is_refused():
    errors = errors_of(unsaved_actor(postal_code="93170"))
    assert errors == {"postal_code": ["Le code postal 93170 ne correspond pas à Montreuil (attendu : 93100)."]}


def test_a_cedex_postal_code_is_refused():
    errors = errors_of(unsaved_actor(commune=factories.commune("93008"), postal_code="93507"))
    assert errors == {"postal_code": ["Le code postal 93507 ne correspond pas à Bobigny (attendu : 93000)."]}


def test_swapped_coordinates_are_refused():
    errors = errors_of(unsaved_actor(latitude=Decimal("2.443700"), longitude=Decimal("48.861100")))
    assert list(errors) == ["latitude"]
    assert "inversées" in errors["latitude"][0]


def test_coordinates_outside_france_are_refused():
    errors = errors_of(unsaved_actor(latitude=Decimal("51.507400"), longitude=Decimal("-0.127800")))
    assert "hors de France" in errors["latitude"][0]


def test_a_single_coordinate_is_refused_by_validation_and_by_the_database():
    assert errors_of(unsaved_actor(latitude=Decimal("48.861100"))) == {
        "longitude": ["Indiquez la latitude et la longitude, ou aucune des deux."]
    }
    assert_refused_by_the_database(lambda: unsaved_actor(latitude=Decimal("48.861100")).save())


def test_a_neighbourhood_must_lie_in_the_actor_s_commune():
    gagarine = Neighbourhood.objects.get(slug="gagarine")  # Romainville
    errors = errors_of(unsaved_actor(neighbourhood=gagarine))
    assert errors == {"neighbourhood": ["Ce quartier n'est pas situé dans la commune choisie."]}
    unsaved_actor(neighbourhood=gagarine, commune=factories.commune("93063"), postal_code="93230").full_clean()


def test_a_neighbourhood_shared_by_two_communes_fits_both():
    noue = Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")
    unsaved_actor(neighbourhood=noue).full_clean()  # Montreuil
    unsaved_actor(neighbourhood=noue, commune=factories.commune("93006"), postal_code="93170").full_clean()


# Other fields -----------------------------------------------------------------------------------


def test_a_public_phone_is_normalised_on_save():
    actor = factories.actor(phone="+33 1 99 00 12 34")
    actor.refresh_from_db()
    assert actor.phone == "01 99 00 12 34"


def test_a_malformed_phone_is_reported_on_the_phone_field():
    errors = errors_of(unsaved_actor(phone="12 34"))
    assert list(errors) == ["phone"]


def test_malformed_opening_hours_are_reported_on_their_field():
    errors = errors_of(unsaved_actor(opening_hours="du lundi au vendredi"))
    assert list(errors) == ["opening_hours"]
    assert errors["opening_hours"][0].startswith("Horaires illisibles")


def test_bad_url_and_email_are_reported_in_french():
    errors = errors_of(unsaved_actor(website="pas une adresse", email="contact@"))
    assert errors == {"website": ["Saisissez une URL valide."], "email": ["Saisissez une adresse e-mail valide."]}


def test_a_founding_year_in_the_future_is_refused():
    errors = errors_of(unsaved_actor(founded_year=timezone.now().year + 1))
    assert errors == {"founded_year": ["L'année de création ne peut pas être dans le futur."]}


# Publication -------------------------------------------------------------------------------------


def test_publication_problems_name_what_is_missing():
    actor = unsaved_actor(short_description="", commune=None, postal_code="")
    assert actor.publication_problems() == [
        "Une description est nécessaire pour publier la fiche.",
        "Indiquez la commune ou cochez « intervient sur tout le territoire » pour publier.",
    ]


def test_an_actor_serving_the_whole_territory_may_be_published_without_a_commune():
    actor = unsaved_actor(commune=None, postal_code="", serves_whole_territory=True)
    assert actor.publication_problems() == []


def test_a_published_actor_needs_a_description_and_a_place():
    actor = unsaved_actor(status=PublicationStatus.PUBLISHED, short_description="", description="")
    assert errors_of(actor) == {"status": ["Une description est nécessaire pour publier la fiche."]}
    actor = unsaved_actor(status=PublicationStatus.PUBLISHED, commune=None, postal_code="")
    assert errors_of(actor) == {
        "status": ["Indiquez la commune ou cochez « intervient sur tout le territoire » pour publier."]
    }


def test_an_unfinished_draft_may_be_saved():
    unsaved_actor(short_description="", commune=None, postal_code="").full_clean()


def test_only_published_actors_are_visible_to_the_public():
    published = factories.actor(name="Publiée")
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        factories.actor(name=f"État {status}", status=status)
    assert list(Actor.objects.published()) == [published]


def test_published_offers_need_a_published_provider():
    visible = factories.support_offer(title="Visible")
    hidden_provider = factories.actor(status=PublicationStatus.ARCHIVED)
    factories.support_offer(title="Fournisseur archivé", provider=hidden_provider)
    factories.support_offer(title="Brouillon", status=PublicationStatus.DRAFT, provider=visible.provider)
    assert list(SupportOffer.objects.published()) == [visible]


# Contacts --------------------------------------------------------------------------------------


def test_a_public_contact_needs_a_consent_date():
    contact = Contact(actor=factories.actor(), last_name="Exemple", is_public=True)
    assert errors_of(contact) == {
        "consent_date": ["Un contact ne peut être affiché publiquement sans la date de son consentement."]
    }


def test_the_database_refuses_a_public_contact_without_consent():
    actor = factories.actor()
    assert_refused_by_the_database(lambda: Contact.objects.create(actor=actor, last_name="Exemple", is_public=True))


def test_a_consent_date_in_the_future_is_refused():
    contact = Contact(
        actor=factories.actor(),
        last_name="Exemple",
        is_public=True,
        consent_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert errors_of(contact) == {"consent_date": ["La date du consentement ne peut pas être dans le futur."]}


def test_only_public_contacts_with_consent_are_shown():
    shown = factories.contact(is_public=True, consent_date=datetime.date(2025, 3, 1))
    factories.contact(is_public=False, consent_date=datetime.date(2025, 3, 1))
    factories.contact(is_public=False)
    assert list(Contact.objects.public()) == [shown]


def test_a_contact_phone_is_normalised_on_save():
    contact = factories.contact(phone="0033 1 99 00 12 34")
    contact.refresh_from_db()
    assert contact.phone == "01 99 00 12 34"


# Cooperations -----------------------------------------------------------------------------------


def test_an_actor_cannot_cooperate_with_itself():
    actor = factories.actor()
    link = Cooperation(source=actor, target=actor, kind=Cooperation.Kind.PARTNERSHIP)
    assert errors_of(link) == {"target": ["Un acteur ne peut pas coopérer avec lui-même."]}
    assert_refused_by_the_database(link.save)


def test_the_same_cooperation_is_recorded_once_per_kind():
    link = factories.cooperation()
    factories.cooperation(source=link.source, target=link.target, kind=Cooperation.Kind.SUPPLY)
    duplicate = Cooperation(source=link.source, target=link.target, kind=link.kind)
    assert list(errors_of(duplicate)) == ["__all__"]
    assert_refused_by_the_database(duplicate.save)


def test_a_cooperation_cannot_start_in_the_future():
    link = Cooperation(
        source=factories.actor(),
        target=factories.actor(),
        kind=Cooperation.Kind.POOLING,
        since=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert errors_of(link) == {"since": ["La date de début ne peut pas être dans le futur."]}


# History ----------------------------------------------------------------------------------------


def test_history_records_each_change_with_who_made_it():
    editor = factories.staff_user()
    actor = factories.actor(name="Avant (fictif)")
    actor.name = "Après (fictif)"
    actor._history_user = editor
    actor.save()

    latest, creation = actor.history.all()[:2]
    assert (creation.history_type, creation.name) == ("+", "Avant (fictif)")
    assert (latest.history_type, latest.name, latest.history_user) == ("~", "Après (fictif)", editor)
    assert [change.field for change in latest.diff_against(creation).changes] == ["name"]


def test_history_records_changes_of_sectors_labels_and_roles():
    actor = factories.actor()
    food = Sector.objects.get(slug="alimentation")
    actor.sectors.add(food)

    latest = actor.history.first()
    assert actor.history.count() == 2
    assert [row.sector for row in latest.sectors.all()] == [food]
    assert list(actor.history.last().sectors.all()) == []


def test_history_records_the_stages_of_support_offers():
    offer = factories.support_offer(stages=[Stage.objects.get(slug="emergence")])
    offer.stages.add(Stage.objects.get(slug="creation"))
    assert sorted(row.stage.slug for row in offer.history.first().stages.all()) == ["creation", "emergence"]


def test_an_old_version_of_an_actor_can_be_restored_from_history():
    actor = factories.actor(name="Version 1 (fictif)")
    actor.name = "Version 2 (fictif)"
    actor.save()
    actor.history.earliest().instance.save()
    actor.refresh_from_db()
    assert actor.name == "Version 1 (fictif)"
    assert actor.history.count() == 3
