import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from directory.models import Actor, ApiToken, Label, PublicationStatus, Role, Sector
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def full_actor() -> Actor:
    actor = factories.actor(
        name="Recyclerie fictive des Lilas",
        siret="73282932000074",
        legal_form=Actor.LegalForm.SCIC,
        typology="entrepreneurial",
        commune=factories.commune("93045"),
        postal_code="93260",
        address="1 rue Imaginaire",
        latitude=Decimal("48.880000"),
        longitude=Decimal("2.420000"),
        website="https://recyclerie.example.org",
        email="bonjour@recyclerie.example.org",
        phone="+33 1 43 00 00 00",
        short_description="Réemploi fictif.",
        description="Une recyclerie fictive pour les tests.",
        offer="Collecte et revente d'objets.",
        employees=12,
        fte=Decimal("10.5"),
        volunteers=30,
        founded_year=2015,
        opening_hours="Mo-Fr 09:00-18:00",
        is_fictional=True,
        last_verified_at=datetime.date(2026, 1, 15),
    )
    actor.sectors.set(Sector.objects.filter(slug__in=["ressourcerie", "alimentation"]))
    actor.roles.set(Role.objects.order_by("slug")[:1])
    actor.labels.set(Label.objects.order_by("slug")[:1])
    actor.communes_served.set([factories.commune("93045"), factories.commune("93048")])
    return actor


def expected_actor(actor: Actor) -> dict:
    actor.refresh_from_db()
    return {
        "id": actor.pk,
        "slug": actor.slug,
        "name": actor.name,
        "siret": actor.siret,
        "legal_form": actor.legal_form,
        "typology": actor.typology,
        "sectors": list(actor.sectors.values_list("slug", flat=True)),
        "commune": {"insee_code": actor.commune.insee_code, "name": actor.commune.name} if actor.commune else None,
        "postal_code": actor.postal_code,
        "address": actor.address,
        "latitude": float(actor.latitude) if actor.latitude is not None else None,
        "longitude": float(actor.longitude) if actor.longitude is not None else None,
        "website": actor.website,
        "email": actor.email,
        "phone": actor.phone,
        "description": actor.description,
        "updated_at": timezone.localtime(actor.updated_at).isoformat(),
        "url": f"https://ess.example.org/annuaire/{actor.slug}/",
        "siren": actor.siren,
        "rna": actor.rna,
        "ess_status": actor.ess_status,
        "roles": list(actor.roles.values_list("slug", flat=True)),
        "labels": list(actor.labels.values_list("slug", flat=True)),
        "neighbourhood": actor.neighbourhood.slug if actor.neighbourhood else None,
        "serves_whole_territory": actor.serves_whole_territory,
        "communes_served": list(actor.communes_served.values_list("insee_code", flat=True)),
        "short_description": actor.short_description,
        "offer": actor.offer,
        "employees": actor.employees,
        "fte": float(actor.fte) if actor.fte is not None else None,
        "volunteers": actor.volunteers,
        "founded_year": actor.founded_year,
        "opening_hours": actor.opening_hours,
        "status": actor.status,
        "source": actor.source,
        "is_fictional": actor.is_fictional,
        "last_verified_at": actor.last_verified_at.isoformat() if actor.last_verified_at else None,
        "created_at": timezone.localtime(actor.created_at).isoformat(),
    }


def test_actor_detail_returns_the_whole_payload(api):
    actor = full_actor()
    response = api.get(f"/api/v1/actors/{actor.slug}/")
    assert response.status_code == 200
    assert response.json() == expected_actor(actor)
    assert response.json()["phone"] == "01 43 00 00 00"
    assert response.json()["siren"] == "732829320"


def test_actor_list_is_paginated_with_whole_payloads(api):
    first = full_actor()
    second = factories.actor(name="Association fictive Zèbre")
    response = api.get("/api/v1/actors/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None
    assert body["previous"] is None
    # Ordered by name: « Association… » before « Recyclerie… ».
    assert body["results"] == [expected_actor(second), expected_actor(first)]


def test_anonymous_callers_see_only_published_actors(api):
    published = factories.actor(name="Fiche publiée fictive")
    for state in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        factories.actor(name=f"Fiche {state} fictive", status=state)
    response = api.get("/api/v1/actors/")
    assert [row["slug"] for row in response.json()["results"]] == [published.slug]
    hidden = Actor.objects.exclude(pk=published.pk).first()
    assert api.get(f"/api/v1/actors/{hidden.slug}/").status_code == 404


def test_token_with_read_unpublished_sees_every_actor(api):
    factories.actor(name="Fiche publiée fictive")
    draft = factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    response = api.get("/api/v1/actors/?page_size=100", **bearer(raw))
    assert draft.slug in [row["slug"] for row in response.json()["results"]]
    assert api.get(f"/api/v1/actors/{draft.slug}/", **bearer(raw)).json()["status"] == "draft"


def test_token_without_read_unpublished_sees_only_published(api):
    draft = factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    assert api.get(f"/api/v1/actors/{draft.slug}/", **bearer(raw)).status_code == 404


def test_staff_session_reads_unpublished_actors(api):
    draft = factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    api.force_login(factories.staff_user())
    assert api.get(f"/api/v1/actors/{draft.slug}/").status_code == 200


def test_filters_mirror_the_directory_page(api):
    montreuil = factories.actor(name="Fictif Montreuil", commune=factories.commune("93048"), postal_code="93100")
    montreuil.sectors.set(Sector.objects.filter(slug="ressourcerie"))
    factories.actor(
        name="Fictif Bagnolet",
        commune=factories.commune("93006"),
        postal_code="93170",
        legal_form=Actor.LegalForm.SCOP,
    )

    def slugs(query):
        response = api.get(f"/api/v1/actors/?{query}")
        assert response.status_code == 200, response.json()
        return [row["slug"] for row in response.json()["results"]]

    assert slugs("commune=93048") == [montreuil.slug]
    assert slugs("sector=ressourcerie") == [montreuil.slug]
    assert len(slugs("legal_form=scop")) == 1
    assert slugs("q=montreuil") == [montreuil.slug]


def test_siret_filter_finds_an_actor_by_siret_or_siren(api):
    actor = factories.actor(siret="73282932000074")
    factories.actor()
    assert [r["slug"] for r in api.get("/api/v1/actors/?siret=73282932000074").json()["results"]] == [actor.slug]
    assert [r["slug"] for r in api.get("/api/v1/actors/?siret=732829320").json()["results"]] == [actor.slug]


def test_updated_since_returns_actors_changed_since_then(api):
    old = factories.actor(name="Ancienne fiche fictive")
    Actor.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=10))
    recent = factories.actor(name="Nouvelle fiche fictive")
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = api.get("/api/v1/actors/", {"updated_since": since})
    assert [row["slug"] for row in response.json()["results"]] == [recent.slug]


def test_updated_since_refuses_a_date_that_is_not_iso_8601(api):
    response = api.get("/api/v1/actors/?updated_since=hier")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]


def test_bbox_keeps_actors_inside_the_box(api):
    inside = factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    factories.actor(latitude=Decimal("48.95"), longitude=Decimal("2.44"))
    factories.actor()  # no coordinates
    response = api.get("/api/v1/actors/?bbox=2.38,48.84,2.53,48.93")
    assert [row["slug"] for row in response.json()["results"]] == [inside.slug]


@pytest.mark.parametrize(
    "bbox",
    ["2.38,48.84,2.53", "a,b,c,d", "2.53,48.84,2.38,48.93", "2.38,48.84,200,48.93", "nan,1,2,3", "inf,1,2,3", ""],
)
def test_bbox_nonsense_is_a_400_with_a_french_message(api, bbox):
    response = api.get("/api/v1/actors/", {"bbox": bbox})
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert response.json()["errors"]["bbox"][0].startswith("bbox" if bbox else "Valeur vide")


def test_ordering_by_updated_at_is_stable_and_ends_with_the_id(api):
    a = factories.actor(name="B fictif")
    b = factories.actor(name="A fictif")
    same = timezone.now() - datetime.timedelta(days=1)
    Actor.objects.filter(pk__in=[a.pk, b.pk]).update(updated_at=same)
    c = factories.actor(name="C fictif")
    response = api.get("/api/v1/actors/?ordering=updated_at")
    assert [row["slug"] for row in response.json()["results"]] == [a.slug, b.slug, c.slug]
    response = api.get("/api/v1/actors/?ordering=-updated_at")
    assert [row["slug"] for row in response.json()["results"]] == [c.slug, b.slug, a.slug]


def test_unknown_ordering_is_a_400(api):
    response = api.get("/api/v1/actors/?ordering=siret")
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_page_size_above_the_cap_is_a_400_naming_the_cap(api, settings):
    settings.API_MAX_PAGE_SIZE = 3
    for _ in range(5):
        factories.actor()
    response = api.get("/api/v1/actors/?page_size=4")
    assert response.status_code == 400
    assert response.json()["errors"] == {"page_size": ["Indiquez un nombre entier entre 1 et 3."]}
    body = api.get("/api/v1/actors/?page_size=3").json()
    assert (body["count"], len(body["results"])) == (5, 3)
    assert "page_size=3" in body["next"] and "cursor=" in body["next"]
    assert len(api.get("/api/v1/actors/?page_size=2").json()["results"]) == 2


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_invalid_page_size_is_a_400(api, value):
    response = api.get(f"/api/v1/actors/?page_size={value}")
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_page_past_the_end_is_a_404_in_the_error_shape(api):
    factories.actor()
    response = api.get("/api/v1/actors/?page=9")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": "Page introuvable.", "errors": {}}


# -- GeoJSON and CSV


def read_stream(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_geojson_is_an_rfc_7946_feature_collection_with_lon_lat(api):
    located = full_actor()
    unlocated = factories.actor(name="Sans coordonnées fictif")
    response = api.get("/api/v1/actors/?format=geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(read_stream(response))
    assert collection["type"] == "FeatureCollection"
    assert set(collection) == {"type", "features"}
    by_slug = {feature["properties"]["slug"]: feature for feature in collection["features"]}
    assert set(by_slug) == {located.slug, unlocated.slug}
    for feature in collection["features"]:
        assert set(feature) == {"type", "geometry", "properties"}
        assert feature["type"] == "Feature"
    assert by_slug[located.slug]["geometry"] == {"type": "Point", "coordinates": [2.42, 48.88]}
    assert by_slug[unlocated.slug]["geometry"] is None
    assert by_slug[located.slug]["properties"] == expected_actor(located)


def test_geojson_honours_filters_and_is_not_paginated(api, settings):
    settings.API_PAGE_SIZE = 2
    for _ in range(3):
        factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    factories.actor(latitude=Decimal("48.99"), longitude=Decimal("2.44"))
    response = api.get("/api/v1/actors/?format=geojson&bbox=2.38,48.84,2.53,48.93")
    assert len(json.loads(read_stream(response))["features"]) == 3


def test_csv_round_trips_through_dictreader(api):
    actor = full_actor()
    other = factories.actor(name='Nom fictif, avec "guillemets"\net retour à la ligne', short_description="Test ; 1")
    response = api.get("/api/v1/actors/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(read_stream(response).decode("utf-8"))))
    assert [row["name"] for row in rows] == [other.name, actor.name]
    by_slug = {row["slug"]: row for row in rows}
    expected = expected_actor(actor)
    assert by_slug[actor.slug] == {
        "id": str(actor.pk),
        "slug": actor.slug,
        "name": actor.name,
        "siret": "73282932000074",
        "siren": "732829320",
        "rna": "",
        "legal_form": "scic",
        "ess_status": "statutory",
        "typology": "entrepreneurial",
        "sectors": "|".join(expected["sectors"]),
        "roles": "|".join(expected["roles"]),
        "labels": "|".join(expected["labels"]),
        "commune_insee_code": "93045",
        "commune_name": "Les Lilas",
        "neighbourhood": "",
        "postal_code": "93260",
        "address": "1 rue Imaginaire",
        "latitude": "48.88",
        "longitude": "2.42",
        "serves_whole_territory": "false",
        "communes_served": "|".join(expected["communes_served"]),
        "website": "https://recyclerie.example.org",
        "email": "bonjour@recyclerie.example.org",
        "phone": "01 43 00 00 00",
        "short_description": "Réemploi fictif.",
        "description": "Une recyclerie fictive pour les tests.",
        "offer": "Collecte et revente d'objets.",
        "employees": "12",
        "fte": "10.5",
        "volunteers": "30",
        "founded_year": "2015",
        "opening_hours": "Mo-Fr 09:00-18:00",
        "status": "published",
        "source": "staff",
        "is_fictional": "true",
        "last_verified_at": "2026-01-15",
        "created_at": expected["created_at"],
        "updated_at": expected["updated_at"],
        "url": expected["url"],
    }
    assert len(expected["sectors"]) == 2
    assert by_slug[other.slug]["name"] == other.name
    assert by_slug[other.slug]["short_description"] == "Test ; 1"


def test_csv_error_answers_in_json(api):
    response = api.get("/api/v1/actors/?format=csv&bbox=oops")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_detail_has_no_csv_format(api):
    actor = factories.actor()
    response = api.get(f"/api/v1/actors/{actor.slug}/?format=csv")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


# -- Conditional requests


def test_detail_answers_304_to_a_matching_if_none_match(api):
    actor = factories.actor()
    first = api.get(f"/api/v1/actors/{actor.slug}/")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = api.get(f"/api/v1/actors/{actor.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_detail_etag_changes_when_the_actor_changes(api):
    actor = factories.actor()
    etag = api.get(f"/api/v1/actors/{actor.slug}/")["ETag"]
    actor.description = "Nouvelle description fictive."
    actor.save()
    response = api.get(f"/api/v1/actors/{actor.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_detail_answers_304_to_if_modified_since_after_its_last_change(api):
    actor = factories.actor()
    response = api.get(f"/api/v1/actors/{actor.slug}/")
    last_modified = response["Last-Modified"]
    assert api.get(f"/api/v1/actors/{actor.slug}/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert (
        api.get(f"/api/v1/actors/{actor.slug}/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").status_code
        == 200
    )


def test_list_answers_304_until_an_actor_changes(api):
    actor = factories.actor()
    response = api.get("/api/v1/actors/")
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert api.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/api/v1/actors/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    actor.name = "Nom changé fictif"
    actor.save()
    assert api.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=etag).status_code == 200
