import datetime

import pytest
from data_inclusion.schema.v1 import Service, Structure
from django.utils import timezone

from directory.models import Commune, Neighbourhood, PublicationStatus, Sector, Stage, SupportOffer
from tests import factories

pytestmark = pytest.mark.django_db


def test_api_root_lists_every_resource(api):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "actors",
        "sectors",
        "communes",
        "neighbourhoods",
        "support-offers",
        "change-requests",
        "cooperations",
        "deals",
        "consultations",
        "events",
        "exports/data-inclusion/structures",
        "exports/data-inclusion/services",
        "initiatives",
        "sites",
        "observatory/figures",
        "supplier-offers",
        "cpv",
    }


def test_communes_are_looked_up_by_insee_code(api):
    response = api.get("/api/v1/communes/93048/")
    assert response.status_code == 200
    assert response.json() == {
        "insee_code": "93048",
        "name": "Montreuil",
        "slug": "montreuil",
        "postal_codes": ["93100"],
        "department_code": "93",
        "in_territory": True,
    }
    assert api.get("/api/v1/communes/montreuil/").status_code == 404


def test_commune_list_has_the_nine_communes_of_the_territory(api):
    body = api.get("/api/v1/communes/?page_size=500").json()
    assert body["count"] == Commune.objects.count()
    in_territory = [row["insee_code"] for row in body["results"] if row["in_territory"]]
    assert sorted(in_territory) == sorted(Commune.objects.in_territory().values_list("insee_code", flat=True))
    assert len(in_territory) == 9


def test_sector_payloads(api):
    body = api.get("/api/v1/sectors/?page_size=500").json()
    expected = [
        {
            "slug": sector.slug,
            "name": sector.name,
            "parent": sector.parent.slug if sector.parent else None,
            "description": sector.description,
            "position": sector.position,
        }
        for sector in Sector.objects.select_related("parent").order_by("position", "name", "pk")
    ]
    assert body["results"] == expected
    child = Sector.objects.filter(parent__isnull=False).first()
    assert api.get(f"/api/v1/sectors/{child.slug}/").json()["parent"] == child.parent.slug


def test_neighbourhood_payloads(api):
    neighbourhood = Neighbourhood.objects.prefetch_related("communes").order_by("name", "pk").first()
    response = api.get(f"/api/v1/neighbourhoods/{neighbourhood.slug}/")
    assert response.json() == {
        "slug": neighbourhood.slug,
        "name": neighbourhood.name,
        "code": neighbourhood.code,
        "npnru_status": neighbourhood.npnru_status,
        "communes": [c.insee_code for c in neighbourhood.communes.all()],
        "description": neighbourhood.description,
    }
    assert api.get("/api/v1/neighbourhoods/").json()["count"] == Neighbourhood.objects.count()


def test_support_offer_payloads_and_visibility(api):
    provider = factories.actor(name="Réseau fictif")
    offer = factories.support_offer(
        provider=provider,
        title="Accompagnement fictif",
        description="Un accompagnement fictif.",
        stages=list(Stage.objects.filter(slug__in=["emergence", "creation"])),
        whole_territory=False,
    )
    offer.communes.set([factories.commune("93048")])
    factories.support_offer(title="Offre en brouillon fictive", status=PublicationStatus.DRAFT)
    factories.support_offer(provider=factories.actor(status=PublicationStatus.DRAFT))
    offer.refresh_from_db()
    expected = {
        "id": offer.pk,
        "slug": offer.slug,
        "title": "Accompagnement fictif",
        "provider": {"slug": provider.slug, "name": "Réseau fictif"},
        "kind": "coaching",
        "stages": ["emergence", "creation"],
        "target_typology": "all",
        "sectors": [],
        "whole_territory": False,
        "communes": ["93048"],
        "description": "Un accompagnement fictif.",
        "eligibility": "",
        "cost": "free",
        "url": "",
        "status": "published",
        "is_fictional": False,
        "updated_at": timezone.localtime(offer.updated_at).isoformat(),
        "page_url": f"https://ess.example.org/annuaire/{provider.slug}/",
    }
    assert api.get("/api/v1/support-offers/").json()["results"] == [expected]
    assert api.get(f"/api/v1/support-offers/{offer.slug}/").json() == expected


def test_support_offers_filter_like_the_support_finder(api):
    coaching = factories.support_offer(kind=SupportOffer.Kind.COACHING)
    factories.support_offer(kind=SupportOffer.Kind.LOAN)
    response = api.get("/api/v1/support-offers/?kind=coaching")
    assert [row["slug"] for row in response.json()["results"]] == [coaching.slug]
    assert api.get("/api/v1/support-offers/?kind=nope").status_code == 400


# -- data·inclusion


def test_every_exported_structure_is_valid_for_data_inclusion(api):
    factories.actor(name="AB")  # shorter than the standard's three characters
    factories.actor(
        name="Épicerie fictive",
        siret="73282932000074",
        phone="01 43 00 00 00",
        email="contact@epicerie.example.org",
        website="https://epicerie.example.org",
        opening_hours="Mo-Fr 09:00-18:00",
        address="2 rue Imaginaire",
        latitude="48.86",
        longitude="2.44",
        description="Une épicerie solidaire fictive.",
    )
    factories.actor(name="x" * 200, short_description="", description="Oui.", serves_whole_territory=True)
    factories.actor(name="Fictif local", email="contact@localhost", website="ftp://ftp.example.org/")
    factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    body = api.get("/api/v1/exports/data-inclusion/structures/").json()
    assert body["count"] == 4
    for record in body["results"]:
        Structure.model_validate(record)
    by_siret = {record["siret"]: record for record in body["results"]}
    record = by_siret["73282932000074"]
    assert record["source"] == "ess-portal-est-ensemble"
    assert record["id"].startswith("ess-portal-est-ensemble--epicerie-fictive")
    assert record["telephone"] == "+33143000000"
    assert record["code_insee"] == "93048"
    assert record["longitude"] == 2.44
    assert record["date_maj"] == timezone.localdate().isoformat()
    local = next(r for r in body["results"] if r["nom"] == "Fictif local")
    assert (local["courriel"], local["site_web"]) == (None, None)


def test_every_exported_service_is_valid_for_data_inclusion(api):
    provider = factories.actor(name="Réseau fictif")
    for kind in SupportOffer.Kind.values:
        factories.support_offer(
            provider=provider, kind=kind, cost=SupportOffer.Cost.MIXED, eligibility="Être une SCOP."
        )
    local = factories.support_offer(provider=provider, title="Ok", whole_territory=False, url="https://ex.example.org")
    local.communes.set([factories.commune("93048")])
    body = api.get("/api/v1/exports/data-inclusion/services/?page_size=100").json()
    assert body["count"] == len(SupportOffer.Kind.values) + 1
    for record in body["results"]:
        Service.model_validate(record)
    by_id = {record["id"]: record for record in body["results"]}
    record = by_id[f"ess-portal-est-ensemble--{local.slug}"]
    assert record["structure_id"] == f"ess-portal-est-ensemble--{provider.slug}"
    assert record["zone_eligibilite"] == ["93048"]
    assert record["type"] == "accompagnement"
    assert record["frais"] == "gratuit"
    assert record["thematiques"] == ["creer-une-entreprise--definir-son-projet-de-creation-dentreprise"]
    assert len(record["nom"]) >= 3
    whole = [r for r in body["results"] if r["id"] != record["id"]]
    assert {tuple(r["zone_eligibilite"]) for r in whole} == {("200057875",)}
    # « Free or paid depending on the case » fits neither value: left empty, stated in the details.
    assert {(r["frais"], r["frais_precisions"]) for r in whole} == {(None, "gratuit ou payant selon les cas")}


def test_exports_are_dated_no_later_than_today(api):
    factories.actor()
    record = api.get("/api/v1/exports/data-inclusion/structures/").json()["results"][0]
    assert datetime.date.fromisoformat(record["date_maj"]) <= timezone.localdate()
