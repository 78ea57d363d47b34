"""/acheteurs/, its CSV shortlist and /api/v1/supplier-offers/, /api/v1/cpv/: visibility, filters, formats,
errors, schema, and query counts pinned at two sizes (pages, API, admin changelists)."""

import csv
import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import Actor, Label, PublicationStatus
from purchasing.api import SUPPLIER_OFFER_CSV
from purchasing.views import SUPPLIER_SHORTLIST
from tests import factories
from tests.purchasing import factories as buyers

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def offers():
    siae = factories.actor(name="Jardins d'insertion fictifs")
    siae.labels.add(Label.objects.get(slug="aci"))
    green = buyers.offer(
        actor=siae,
        title="Entretien d'espaces verts",
        cpv=buyers.cpv("77300000-3"),
        communes=["93048", "93006"],
        max_order_amount=Decimal("50000"),
    )
    esus = factories.actor(name="Traiteur solidaire fictif", ess_status=Actor.EssStatus.ESUS)
    catering = buyers.offer(actor=esus, title="Traiteur pour réceptions", cpv=buyers.cpv("55300000-3"))
    ea = factories.actor(name="Atelier adapté fictif")
    ea.labels.add(Label.objects.get(slug="ea"))
    printing = buyers.offer(
        actor=ea, title='=HYPERLINK("http://x") impression', cpv=buyers.cpv("79800000-2"), communes=["93055"]
    )
    hidden_actor = factories.actor(name="Structure non publiée fictive", status=PublicationStatus.DRAFT)
    buyers.offer(actor=hidden_actor, title="Offre cachée", cpv=buyers.cpv("77300000-3"))
    buyers.offer(actor=siae, title="Offre en attente", cpv=buyers.cpv("77300000-3"), status=PublicationStatus.PENDING)
    return {"green": green, "catering": catering, "printing": printing}


def search(client, **params):
    response = client.get(reverse("purchasing:supplier_search"), params)
    assert response.status_code == 200
    return response, [
        offer.title for actor in response.context["page_obj"].object_list for offer in actor.matching_offers
    ]


def test_the_search_lists_published_actors_with_their_approved_offers_only(client, offers):
    response, titles = search(client)
    assert sorted(titles) == sorted(["Entretien d'espaces verts", "Traiteur pour réceptions", offers["printing"].title])
    page = text(response)
    assert "Offre cachée" not in page and "Offre en attente" not in page and "Structure non publiée" not in page
    assert "3 structures, 3 offres" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "espace vert"}, ["Entretien d'espaces verts"]),
        ({"q": "RECEPTION"}, ["Traiteur pour réceptions"]),
        ({"q": "jardins insertion"}, ["Entretien d'espaces verts"]),
        ({"cpv": "77000000-0"}, ["Entretien d'espaces verts"]),
        ({"cpv": "770000000"}, ["Entretien d'espaces verts"]),
        ({"cpv": "77300000-3"}, ["Entretien d'espaces verts"]),
        ({"commune": "93006"}, ["Entretien d'espaces verts", "Traiteur pour réceptions"]),
        ({"clause": "siae"}, ["Entretien d'espaces verts"]),
        ({"clause": "esus"}, ["Traiteur pour réceptions"]),
        ({"clause": "handicap"}, ['=HYPERLINK("http://x") impression']),
        ({"clause": ["siae", "esus"]}, ["Entretien d'espaces verts", "Traiteur pour réceptions"]),
        ({"min_amount": "40000"}, ["Entretien d'espaces verts"]),
        ({"min_amount": "60000"}, []),
    ],
)
def test_the_search_filters(client, offers, params, expected):
    _response, titles = search(client, **params)
    assert sorted(titles) == sorted(expected)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cpv": "99999999-9"}, "Le code CPV « 99999999-9 » n'existe pas"),
        ({"cpv": "abc"}, "n'est pas un code CPV"),
        ({"commune": "75056"}, "Commune de livraison"),
        ({"clause": "autre"}, "Clause sociale"),
        ({"min_amount": "-5"}, "Montant de commande"),
    ],
)
def test_bad_criteria_show_a_french_message_and_no_results(client, offers, params, message):
    response, titles = search(client, **params)
    assert titles == []
    assert message in text(response)
    assert response.context["page_title"].startswith("Erreur")


def test_the_shortlist_is_formula_safe_csv_described_by_its_table_schema(client, offers):
    response = client.get(reverse("purchasing:supplier_export"), {"clause": ["handicap", "siae"]})
    assert response.status_code == 200
    assert response["Link"].endswith('supplier-shortlist.json>; rel="describedby"; type="application/schema+json"')
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == SUPPLIER_SHORTLIST.header()
    by_offer = {row[8]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_offer) == {"Entretien d'espaces verts", '\'=HYPERLINK("http://x") impression'}
    green = by_offer["Entretien d'espaces verts"]
    assert green["code_cpv"] == "77300000-3" and green["communes_servies"] == "93006 93048"
    assert green["montant_max_eur_ht"] == "50000.00" and green["clauses_sociales"] == "siae"
    schema = client.get("/api/v1/schemas/supplier-shortlist.json").json()
    assert [field["name"] for field in schema["fields"]] == rows[0]
    # Invalid criteria export nothing rather than everything.
    bad = client.get(reverse("purchasing:supplier_export"), {"cpv": "nope"})
    assert len(b"".join(bad.streaming_content).decode("utf-8-sig").splitlines()) == 1


def test_the_api_lists_approved_offers_of_published_actors(api, offers):
    response = api.get("/api/v1/supplier-offers/", {"cpv": "77000000-0"})
    assert response.status_code == 200
    payload = response.json()
    green = offers["green"]
    assert payload["count"] == 1
    assert payload["results"] == [
        {
            "id": green.pk,
            "title": "Entretien d'espaces verts",
            "actor": {"slug": green.actor.slug, "name": "Jardins d'insertion fictifs"},
            "cpv": {"code": "77300000-3", "label": "Services horticoles"},
            "description": "",
            "whole_territory": False,
            "communes": ["93006", "93048"],
            "capacity": "",
            "max_order_amount": 50000.0,
            "references": "",
            "url": "",
            "social_clauses": ["siae"],
            "status": "published",
            "is_fictional": False,
            "updated_at": payload["results"][0]["updated_at"],
            "page_url": payload["results"][0]["page_url"],
        }
    ]
    assert payload["results"][0]["page_url"].endswith(green.actor.get_absolute_url())
    assert api.get(f"/api/v1/supplier-offers/{green.pk}/").json()["title"] == "Entretien d'espaces verts"
    hidden = buyers.offer(status=PublicationStatus.PENDING)
    assert api.get(f"/api/v1/supplier-offers/{hidden.pk}/").status_code == 404
    assert api.get("/api/v1/supplier-offers/").json()["count"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cpv": "12345678-9"}, "cpv"),
        ({"cpv": "1"}, "cpv"),
        ({"commune": "00000"}, "commune"),
        ({"clause": "x"}, "clause"),
        ({"min_amount": "beaucoup"}, "min_amount"),
        ({"updated_since": "hier"}, "updated_since"),
        ({"min_amount": ""}, "min_amount"),
        ({"cpv": "%_%", "commune": "%s", "q": "%"}, "cpv"),
    ],
)
def test_bad_api_filters_are_400s_naming_the_parameter(api, offers, params, field):
    response = api.get("/api/v1/supplier-offers/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_api_csv_is_described_by_its_table_schema_and_formula_safe(api, offers):
    response = api.get("/api/v1/supplier-offers/", {"format": "csv", "clause": "handicap"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert list(rows[0]) == SUPPLIER_OFFER_CSV.header()
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["social_clauses"] == "handicap" and rows[0]["communes"] == "93055"
    assert api.get("/api/v1/supplier-offers/", {"format": "geojson"}).status_code == 406


def test_updated_since_reports_withdrawn_offers_as_tombstones(api, offers):
    since = timezone.now().isoformat()
    green = offers["green"]
    green.status = PublicationStatus.ARCHIVED
    green.save()
    actor = offers["catering"].actor
    actor.status = PublicationStatus.DRAFT
    actor.save()
    payload = api.get("/api/v1/supplier-offers/", {"updated_since": since}).json()
    withdrawn = {item["id"]: item["reason"] for item in payload["withdrawn"]}
    assert withdrawn == {green.pk: "archived", offers["catering"].pk: "unpublished"}
    assert all(item["slug"] is None for item in payload["withdrawn"])
    # Only what changed since: the withdrawn offers are no longer in the results.
    assert payload["results"] == []


def test_the_cpv_list_and_records(api):
    payload = api.get("/api/v1/cpv/", {"level": "division", "page_size": 100}).json()
    assert payload["count"] == 45
    assert payload["results"][0] == {
        "code": "03000000-1",
        "label": "Produits agricoles, de l'élevage, de la pêche, de la sylviculture et produits connexes",
        "level": "division",
        "parent": None,
    }
    assert api.get("/api/v1/cpv/45300000-0/").json() == {
        "code": "45300000-0",
        "label": "Travaux d'équipement du bâtiment",
        "level": "group",
        "parent": "45000000-7",
    }
    assert api.get("/api/v1/cpv/99999999-9/").status_code == 404
    assert api.get("/api/v1/cpv/", {"level": "autre"}).status_code == 400


def test_the_schema_describes_the_new_resources(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/supplier-offers/"]["get"]
    assert listing["summary"] and listing["description"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"q", "cpv", "commune", "clause", "min_amount", "updated_since", "format"} <= names
    assert {"400", "429"} <= set(listing["responses"])
    assert "/api/v1/cpv/{code}/" in schema["paths"]
    offer = schema["components"]["schemas"]["SupplierOffer"]["properties"]
    clauses = offer["social_clauses"]["items"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][clauses]["enum"] == ["siae", "handicap", "esus"]
    assert "contact_email" not in str(schema)


# -- Query counts at two sizes


@pytest.fixture(params=[2, 12], ids=["small", "larger"])
def many(request):
    label = Label.objects.get(slug="aci")
    for n in range(request.param):
        actor = factories.actor(name=f"Fournisseur fictif {n}")
        actor.labels.add(label)
        buyers.offer(actor=actor, cpv=buyers.cpv("77300000-3"), communes=["93048", "93055"])
        buyers.offer(actor=actor, cpv=buyers.cpv("55000000-0"))
        buyers.need(cpv=buyers.cpv("77300000-3"), communes=["93048", "93006"])
    return request.param


def test_the_search_page_queries_do_not_grow(client, many, django_assert_num_queries):
    # Data version, commune and CPV options, count of actors, their page, their labels and offers
    # (offers' communes), the count of offers; criteria add the lookups of the codes given (CPV, commune).
    with django_assert_num_queries(9):
        assert client.get(reverse("purchasing:supplier_search")).status_code == 200
    with django_assert_num_queries(11):
        response = client.get(
            reverse("purchasing:supplier_search"), {"cpv": "77000000-0", "commune": "93048", "clause": "siae"}
        )
    assert response.status_code == 200


def test_the_shortlist_queries_do_not_grow(client, many, django_assert_num_queries):
    # The offers with their actors, communes and labels (one query each per 500 rows).
    with django_assert_num_queries(3):
        response = client.get(reverse("purchasing:supplier_export"))
        b"".join(response.streaming_content)


def test_the_board_queries_do_not_grow(client, many, django_assert_num_queries):
    # Data version, commune and CPV options, count, page, communes of the page.
    with django_assert_num_queries(6):
        assert client.get(reverse("purchasing:need_list")).status_code == 200


def test_the_api_queries_do_not_grow(api, many, django_assert_num_queries):
    # Data version, Last-Modified, count, page, communes, labels.
    with django_assert_num_queries(6):
        assert api.get("/api/v1/supplier-offers/").status_code == 200
    with django_assert_num_queries(3):
        assert api.get("/api/v1/cpv/").status_code == 200


@pytest.mark.ignore_template_errors
def test_the_admin_changelists_queries_do_not_grow(client, many, django_assert_num_queries):
    client.force_login(factories.staff_user(superuser=True))
    client.get(reverse("admin:purchasing_supplieroffer_changelist"))
    # Session, user, kept count, page (with actors and CPV codes), list filter's choices.
    with django_assert_num_queries(5):
        assert client.get(reverse("admin:purchasing_supplieroffer_changelist")).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(reverse("admin:purchasing_buyerneed_changelist")).status_code == 200
