import json
import re
from datetime import date
from decimal import Decimal

import pytest

from directory.models import Label, PublicationStatus, Sector, SupportOffer
from tests import factories

pytestmark = pytest.mark.django_db


def json_ld(content: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def test_actor_page_shows_everything_public(client):
    actor = factories.actor(
        name="Épicerie solidaire Les Jardins",
        short_description="Alimentation durable en circuit court.",
        description="Une épicerie associative.",
        offer="Paniers de légumes.",
        address="12 rue de l'Exemple",
        website="https://jardins.example.org",
        email="bonjour@example.org",
        phone="01 23 45 67 89",
        employees=4,
        founded_year=2015,
        last_verified_at=date(2026, 3, 2),
        latitude=Decimal("48.86"),
        longitude=Decimal("2.44"),
    )
    actor.sectors.set([Sector.objects.get(slug="epicerie-solidaire")])
    actor.labels.set([Label.objects.get(slug="esus")])
    response = client.get(actor.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("<h1") == 1
    for text in [
        "Épicerie solidaire Les Jardins",
        "Paniers de légumes.",
        "12 rue de l&#x27;Exemple",
        "93100 Montreuil",
        "https://jardins.example.org",
        "bonjour@example.org",
        "Alimentation durable › Épicerie solidaire",
        "Agrément ESUS",
        "Informations vérifiées le 2 mars 2026.",
        "Signaler une erreur ou proposer une correction",
        'id="carte-acteur"',
    ]:
        assert text in content, text
    assert response.context["markers"][0]["lat"] == 48.86


def test_draft_and_archived_actors_are_not_found(client):
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        actor = factories.actor(status=status)
        response = client.get(actor.get_absolute_url())
        assert response.status_code == 404
        assert "Page introuvable" in response.content.decode()


def test_contacts_are_shown_only_with_consent(client):
    actor = factories.actor()
    factories.contact(actor=actor, last_name="Visible", is_public=True, consent_date=date(2025, 1, 1))
    factories.contact(actor=actor, last_name="Cachée", is_public=False, consent_date=date(2025, 1, 1))
    factories.contact(actor=actor, last_name="Sansconsentement", is_public=False)
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "Visible" in content
    assert "Cachée" not in content
    assert "Sansconsentement" not in content


def test_cooperations_are_listed_both_ways_with_links_and_hide_unpublished_partners(client):
    actor = factories.actor(name="Acteur central")
    partner_out = factories.actor(name="Partenaire sortant")
    partner_in = factories.actor(name="Partenaire entrant")
    hidden = factories.actor(name="Partenaire brouillon", status=PublicationStatus.DRAFT)
    factories.cooperation(source=actor, target=partner_out, is_formal=True)
    factories.cooperation(source=partner_in, target=actor)
    factories.cooperation(source=actor, target=hidden)
    content = client.get(actor.get_absolute_url()).content.decode()
    assert f'<a href="{partner_out.get_absolute_url()}">Partenaire sortant</a>' in content
    assert f'<a href="{partner_in.get_absolute_url()}">Partenaire entrant</a>' in content
    assert "(formalisée)" in content and "(informelle)" in content
    assert "Partenaire brouillon" not in content


def test_only_published_offers_are_shown(client):
    actor = factories.actor()
    factories.support_offer(provider=actor, title="Prêt d'honneur", kind=SupportOffer.Kind.LOAN)
    factories.support_offer(provider=actor, title="Offre en préparation", status=PublicationStatus.DRAFT)
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "Prêt d&#x27;honneur" in content
    assert "Offre en préparation" not in content


def test_opening_hours_are_rendered_in_french_or_shown_as_written(client):
    actor = factories.actor(opening_hours="Mo-Fr 09:00-12:00,14:00-18:30; Sa 10:00-12:00; PH off")
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "<dt>Du lundi au vendredi</dt><dd>9 h – 12 h, 14 h – 18 h 30</dd>" in content
    assert "<dt>Samedi</dt><dd>10 h – 12 h</dd>" in content
    assert "<dt>Dimanche</dt><dd>fermé</dd>" in content
    assert "Fermé les jours fériés." in content
    seasonal = factories.actor(opening_hours="Jul-Aug Mo-Fr 10:00-18:00")
    assert "<code>Jul-Aug Mo-Fr 10:00-18:00</code>" in client.get(seasonal.get_absolute_url()).content.decode()


def test_json_ld_describes_the_organisation(client):
    actor = factories.actor(
        name="Coopérative fictive",
        siret="20005787500011",
        address="1 place de l'Exemple",
        website="https://c.example.org",
    )
    data = json_ld(client.get(actor.get_absolute_url()).content.decode())
    assert data == {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"http://testserver{actor.get_absolute_url()}#organisation",
        "name": "Coopérative fictive",
        "url": f"http://testserver{actor.get_absolute_url()}",
        "description": "Une structure fictive pour les tests.",
        "sameAs": ["https://c.example.org"],
        "identifier": {"@type": "PropertyValue", "propertyID": "SIRET", "value": "20005787500011"},
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "1 place de l'Exemple",
            "postalCode": "93100",
            "addressLocality": "Montreuil",
            "addressCountry": "FR",
        },
    }


def test_json_ld_gives_the_place_its_point_hours_and_an_international_phone(client):
    actor = factories.actor(
        latitude=Decimal("48.8630"),
        longitude=Decimal("2.4430"),
        phone="01 23 45 67 89",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-24:00; PH off",
    )
    data = json_ld(client.get(actor.get_absolute_url()).content.decode())
    # `geo` and `openingHours` are properties of a place: the type must allow them.
    assert data["@type"] == "LocalBusiness"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 48.863, "longitude": 2.443}
    assert data["openingHours"] == ["Mo-Fr 09:00-12:00,14:00-18:00", "Sa 10:00-24:00"]
    assert data["telephone"] == "+33123456789"


def test_json_ld_of_a_partner_without_a_place_is_an_organisation(client):
    actor = factories.actor(
        presence="partner",
        latitude=Decimal("48.8630"),
        longitude=Decimal("2.4430"),
        source_reference="Site du réseau régional fictif.",
        opening_hours="Jul-Aug Mo-Fr 10:00-18:00",
    )
    data = json_ld(client.get(actor.get_absolute_url()).content.decode())
    assert data["@type"] == "Organization"
    assert "geo" not in data and "openingHours" not in data


def test_seasonal_hours_are_left_out_of_the_json_ld_rather_than_misread(client):
    actor = factories.actor(opening_hours="Jul-Aug Mo-Fr 10:00-18:00")
    assert "openingHours" not in json_ld(client.get(actor.get_absolute_url()).content.decode())


def test_json_ld_cannot_be_broken_out_of(client):
    actor = factories.actor(name="</script><script>alert(1)</script> & co")
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    assert json_ld(content)["name"] == "</script><script>alert(1)</script> & co"


def test_fictional_actor_carries_a_banner(client):
    real = factories.actor(name="Structure réelle")
    fictional = factories.actor(name="Structure inventée", is_fictional=True)
    assert "Données de démonstration." not in client.get(real.get_absolute_url()).content.decode()
    content = client.get(fictional.get_absolute_url()).content.decode()
    assert "Données de démonstration." in content
    assert "« Structure inventée » est une fiche fictive" in content


def test_actor_without_commune_or_coordinates_still_renders(client):
    actor = factories.actor(commune=None, postal_code="", serves_whole_territory=True)
    # the factory always sets a commune: clear it explicitly
    actor.commune = None
    actor.save()
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "sur tout le territoire d'Est Ensemble" in content
    assert "carte-acteur" not in content


def test_a_sourced_partner_says_it_is_to_complete_with_its_source_and_how_to_help(client):
    from directory.reference import load_reference_organisations

    load_reference_organisations()
    response = client.get("/annuaire/france-active/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Fiche à compléter" in content
    assert "Compte rendu de presse du 11 mars 2019" in content and "11 mars 2019" in content
    assert "partenaire intervenant sur le territoire" in content.lower()
    assert 'href="/annuaire/france-active/corriger/"' in content
    # Nothing the source does not say: no address block, no map, no identifier.
    assert "data-map" not in content and "SIRET" not in content


def test_a_listing_that_needs_nothing_says_nothing_about_completion(client):
    actor = factories.actor()
    content = client.get(actor.get_absolute_url()).content.decode()
    assert "Fiche à compléter" not in content
    assert f'href="/annuaire/{actor.slug}/corriger/"' in content
    assert "mailto:" not in content.split('class="aside-box"')[-1]
