"""`/api/v1/consultations/` and `/api/v1/deals/` (with `/rollup/`): whole payloads, no leak, sync, CSV, query counts."""

import csv
import datetime
import io

import pytest

from directory.models import Actor, ApiToken, Deal, Typology
from projects import services
from projects.models import Consultation, ConsultationParticipant, Initiative
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

PLACEHOLDER = {"slug": None, "name": "Structure non publiée"}


def consume(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


@pytest.fixture
def consultation_data():
    shown = f.initiative_in(Initiative.Status.CONSULTATION, title="Ressourcerie fictive", slug="ressourcerie-fictive")
    other = f.initiative(title="Cantine fictive", slug="cantine-fictive", communes=[factories.commune("93006")])
    draft = f.initiative(title="Brouillon secret", slug="brouillon-secret", publication_status="draft")
    ess = factories.actor(name="Régie fictive", slug="regie-fictive")
    hidden = factories.actor(name="Structure secrète", status="draft")
    consultation = f.consultation(shown, title="Atelier fictif", held_on=datetime.date(2024, 4, 2))
    change = shown.status_changes.get()
    services.link_consultation(
        consultation=consultation,
        participants=[
            services.Participation(actor=ess),
            services.Participation(actor=hidden, kind=ConsultationParticipant.Kind.BUSINESS),
        ],
        other_initiatives=[other, draft],
        effects=[services.Effect(status_change=change, description="Concertation ouverte")],
    )
    f.consultation(shown, title="Réunion interne secrète", is_public=False)
    f.consultation(draft, title="Consultation secrète")
    return {"consultation": Consultation.objects.get(pk=consultation.pk), "change": change, "hidden": hidden}


def test_the_consultations_list_gives_each_public_consultation_with_its_links(api, consultation_data):
    response = api.get("/api/v1/consultations/")
    assert response.status_code == 200
    consultation, change = consultation_data["consultation"], consultation_data["change"]
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["created_at"] and item["updated_at"]
    assert item["effects"][0]["status_change"].pop("changed_at")
    assert {**item, "created_at": None, "updated_at": None} == {
        "id": consultation.pk,
        "title": "Atelier fictif",
        "held_on": "2024-04-02",
        "format": "workshop",
        "participation_level": "concertation",
        "participants_count": None,
        "initiative": {"slug": "ressourcerie-fictive", "title": "Ressourcerie fictive"},
        "other_initiatives": ["cantine-fictive"],
        "participants": [{"actor": {"slug": "regie-fictive", "name": "Régie fictive"}, "kind": "ess"}],
        "effects": [
            {
                "kind": "status_change",
                "initiative": "ressourcerie-fictive",
                "status_change": {"from_status": change.from_status, "to_status": change.to_status},
                "milestone": None,
                "version": None,
                "description": "Concertation ouverte",
            }
        ],
        "outcomes": "",
        "decisions": "",
        "changes": "",
        "is_public": True,
        "created_at": None,
        "updated_at": None,
        "url": f"https://ess.example.org/projets/ressourcerie-fictive/#consultation-{consultation.pk}",
    }


def test_nothing_unpublished_leaks_from_the_consultations_api_or_its_csv(api, consultation_data):
    for url in (
        "/api/v1/consultations/",
        "/api/v1/consultations/?format=csv",
        "/api/v1/consultations/?participant_kind=business",
    ):
        body = consume(api.get(url))
        assert "secret" not in body.lower()
    assert api.get("/api/v1/consultations/?participant_kind=business").json()["count"] == 0
    hidden = Consultation.objects.get(title="Réunion interne secrète")
    assert api.get(f"/api/v1/consultations/{hidden.pk}/").status_code == 404


def test_a_token_that_reads_unpublished_records_sees_every_consultation(api, consultation_data):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    body = api.get("/api/v1/consultations/", **bearer(raw)).json()
    assert body["count"] == 3


def test_the_consultations_csv_has_a_column_per_kind_of_participant(api, consultation_data):
    response = api.get("/api/v1/consultations/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(consume(response))))
    assert len(rows) == 1
    assert rows[0]["participants_ess"] == "regie-fictive"
    assert rows[0]["participants_business"] == ""
    assert rows[0]["other_initiatives"] == "cantine-fictive"
    assert rows[0]["effects"].startswith("status_change:ressourcerie-fictive:")


def test_the_consultations_api_shares_the_pages_filters(api, consultation_data):
    assert api.get("/api/v1/consultations/?commune=93006").json()["count"] == 1
    assert api.get("/api/v1/consultations/?year=2023").json()["count"] == 0
    assert api.get("/api/v1/consultations/?initiative=cantine-fictive").json()["count"] == 1
    assert api.get("/api/v1/consultations/?actor=regie-fictive").json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc", "year"),
        ("year=2024.5", "year"),
        ("commune=00000", "commune"),
        ("initiative=brouillon-secret", "initiative"),
        ("participant_kind=robots", "participant_kind"),
        ("updated_since=hier", "updated_since"),
        ("year=", "year"),
        ("cursor=%00", "cursor"),
    ],
)
def test_hostile_consultation_queries_are_400s_in_french(api, consultation_data, query, field):
    response = api.get(f"/api/v1/consultations/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_consultation_made_internal_is_a_tombstone_of_the_incremental_sync(api, consultation_data):
    since = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
    consultation = consultation_data["consultation"]
    consultation.is_public = False
    consultation.save()
    body = api.get("/api/v1/consultations/", {"updated_since": since}).json()
    assert body["results"] == []
    assert [(item["id"], item["slug"], item["reason"]) for item in body["withdrawn"]] == [
        (consultation.pk, None, "unpublished")
    ]


def test_following_next_reads_every_consultation_once(api):
    initiative = f.initiative()
    made = [f.consultation(initiative, held_on=datetime.date(2024, 1, day)).pk for day in range(1, 6)]
    seen, url = [], "/api/v1/consultations/?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        assert url is None or "cursor=" in url
    assert seen == list(reversed(made))


# -- deals


@pytest.fixture
def deal_data():
    ess = factories.actor(name="Traiteur fictif", slug="traiteur-fictif", typology=Typology.MILITANT)
    partner = factories.actor(name="Entreprise fictive", slug="entreprise-fictive", ess_status=Actor.EssStatus.PARTNER)
    hidden_partner = factories.actor(name="Entreprise secrète", status="draft", ess_status=Actor.EssStatus.PARTNER)
    secret_ess = factories.actor(name="Structure secrète", status="draft")
    programme = factories.deal_programme(name="Impact 2024 (fictif)", slug="impact-2024-fictif", year=2024)
    shown = factories.deal(
        ess_actor=ess, partner_actor=partner, amount=12000, integration_hours=300, jobs_created=2, programme=programme
    )
    masked = factories.deal(
        ess_actor=ess, partner_actor=hidden_partner, kind=Deal.Kind.MENTORING, amount=None, year=2023
    )
    named = factories.deal(
        ess_actor=ess,
        partner_name="Acheteur fictif",
        partner_siret="73282932000074",
        partner_kind=Deal.PartnerKind.PUBLIC_BUYER,
        kind=Deal.Kind.PROCUREMENT,
        amount=50000,
    )
    factories.deal(ess_actor=secret_ess, amount=999999)
    return {"shown": shown, "masked": masked, "named": named, "ess": ess}


def test_the_deals_list_gives_whole_payloads_and_masks_unpublished_partners(api, deal_data):
    body = api.get("/api/v1/deals/").json()
    assert body["count"] == 3
    by_id = {item["id"]: item for item in body["results"]}
    shown = by_id[deal_data["shown"].pk]
    assert shown.pop("created_at") and shown.pop("updated_at")
    assert shown == {
        "id": deal_data["shown"].pk,
        "kind": "subcontracting",
        "ess_actor": {"slug": "traiteur-fictif", "name": "Traiteur fictif"},
        "partner_kind": "business",
        "partner_actor": {"slug": "entreprise-fictive", "name": "Entreprise fictive"},
        "partner_name": "Entreprise fictive",
        "partner_siret": None,
        "amount": 12000.0,
        "year": 2024,
        "integration_hours": 300,
        "jobs_created": 2,
        "programme": {"slug": "impact-2024-fictif", "name": "Impact 2024 (fictif)", "year": 2024},
        "outcome": "ongoing",
        "outcome_note": "",
        "is_fictional": True,
    }
    masked = by_id[deal_data["masked"].pk]
    assert masked["partner_actor"] == PLACEHOLDER and masked["partner_name"] == "Structure non publiée"
    named = by_id[deal_data["named"].pk]
    assert (named["partner_actor"], named["partner_name"], named["partner_siret"]) == (
        None,
        "Acheteur fictif",
        "73282932000074",
    )


def test_nothing_unpublished_leaks_from_the_deals_api_csv_or_rollup(api, deal_data):
    for url in ("/api/v1/deals/", "/api/v1/deals/?format=csv", "/api/v1/deals/rollup/"):
        body = consume(api.get(url))
        assert "secrète" not in body and "999999" not in body
    assert api.get("/api/v1/deals/rollup/").json()["totals"] == {
        "deals": 3,
        "with_amount": 2,
        "amount": 62000.0,
        "integration_hours": 300,
        "jobs_created": 2,
    }


def test_the_rollup_takes_the_lists_filters(api, deal_data):
    body = api.get("/api/v1/deals/rollup/?year=2024").json()
    assert body["totals"]["deals"] == 2
    assert body["by_year"] == [
        {
            "code": 2024,
            "figures": {"deals": 2, "with_amount": 2, "amount": 62000.0, "integration_hours": 300, "jobs_created": 2},
        }
    ]
    assert [group["code"] for group in body["by_kind"]] == ["procurement", "subcontracting"]
    assert body["by_typology"][0]["code"] == "militant"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/deals/?year=deux", "year"),
        ("/api/v1/deals/?year=1066", "year"),
        ("/api/v1/deals/?programme=inconnu", "programme"),
        ("/api/v1/deals/rollup/?typology=robots", "typology"),
        ("/api/v1/deals/?kind=vol", "kind"),
        ("/api/v1/deals/?sector=%00", "sector"),
        ("/api/v1/deals/rollup/?year=2024&year=2023", "year"),
    ],
)
def test_hostile_deal_queries_are_400s_in_french(api, deal_data, url, field):
    response = api.get(url)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_geojson_is_not_offered_where_there_are_no_coordinates(api, deal_data):
    assert api.get("/api/v1/deals/?format=geojson").status_code == 406
    assert api.get("/api/v1/consultations/?format=geojson").status_code == 406


def test_a_deal_whose_ess_actor_is_withdrawn_is_a_tombstone(api, deal_data):
    since = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
    ess = deal_data["ess"]
    ess.status = "archived"
    ess.save()
    body = api.get("/api/v1/deals/", {"updated_since": since}).json()
    assert sorted(item["id"] for item in body["withdrawn"]) == sorted(
        deal.pk for deal in (deal_data["shown"], deal_data["masked"], deal_data["named"])
    )


# -- query counts at two sizes


@pytest.fixture(params=[2, 8], ids=["small", "larger"])
def many(request):
    for _n in range(request.param):
        initiative = f.initiative_in(Initiative.Status.CONSULTATION)
        consultation = f.consultation(initiative, held_on=datetime.date(2024, 1, 1))
        services.link_consultation(
            consultation=consultation,
            participants=[services.Participation(actor=factories.actor())],
            other_initiatives=[f.initiative()],
            effects=[services.Effect(status_change=initiative.status_changes.get())],
        )
        factories.deal(programme=factories.deal_programme())
    return request.param


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # data version, count, page (with the initiative), other initiatives, participants, effects, Last-Modified
        ("/api/v1/consultations/", 7),
        # the consultations, other initiatives, participants, effects: one chunk
        ("/api/v1/consultations/?format=csv", 4),
        # data version, the consultation, other initiatives, participants, effects, its version
        ("/api/v1/consultations/{consultation}/", 6),
        # data version, count, page (with both parties and the programme), Last-Modified
        ("/api/v1/deals/", 4),
        ("/api/v1/deals/?format=csv", 1),
        # data version, the deal, its version
        ("/api/v1/deals/{deal}/", 3),
        # data version, totals and six dimensions, Last-Modified
        ("/api/v1/deals/rollup/", 9),
    ],
)
def test_endpoint_query_counts_do_not_grow(api, many, url, queries, django_assert_num_queries):
    url = url.format(consultation=Consultation.objects.first().pk, deal=Deal.objects.first().pk)
    with django_assert_num_queries(queries):
        response = api.get(url)
        consume(response)
    assert response.status_code == 200
