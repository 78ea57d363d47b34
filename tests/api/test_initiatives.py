import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from directory.models import ApiToken, PublicationStatus
from projects.models import EnergyReview, FundingLine, Initiative, Involvement, StatusChange
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

WRITE = [ApiToken.Scope.WRITE_INITIATIVES]


def rich_initiative() -> Initiative:
    lead = factories.actor(name="Porteur fictif")
    initiative = project_factories.initiative(
        title="Projet fictif de recyclerie",
        lead_actor=lead,
        communes=[factories.commune("93048"), factories.commune("93006")],
        target_budget=Decimal("50000"),
    )
    project_factories.approved_review(initiative)
    project_factories.milestone(initiative, title="Jalon fait", done_on=datetime.date(2024, 3, 1), weight=3)
    project_factories.milestone(initiative, title="Jalon à faire", weight=1)
    jobs = project_factories.indicator(initiative, name="Emplois créés", baseline=Decimal("0"))
    # Recorded out of order: the payload lists them by date.
    project_factories.measurement(jobs, measured_on=datetime.date(2024, 9, 1), value=Decimal("4"))
    project_factories.measurement(jobs, measured_on=datetime.date(2024, 3, 1), value=Decimal("1.5"))
    project_factories.indicator(initiative, name="Surface occupée", unit="m²")
    funder = factories.actor(name="Financeur fictif")
    project_factories.funding_line(initiative, funder=funder, amount=Decimal("20000"))
    project_factories.funding_line(initiative, funder=funder, amount=Decimal("5000"), status=FundingLine.Status.PAID)
    Involvement.objects.create(initiative=initiative, actor=lead, role=Involvement.Role.LEAD)
    return initiative


def expected_initiative(initiative: Initiative, *, detail: bool) -> dict:
    initiative = Initiative.objects.get(pk=initiative.pk)
    review = EnergyReview.objects.filter(initiative=initiative).first()
    totals = initiative.funding_totals()
    data = {
        "id": initiative.pk,
        "slug": initiative.slug,
        "title": initiative.title,
        "axis": {"number": initiative.axis.number, "slug": initiative.axis.slug, "title": initiative.axis.title},
        "status": initiative.status,
        "progress": initiative.progress,
        "communes": list(initiative.communes.values_list("insee_code", flat=True)),
        "lead_actor": (
            {"slug": initiative.lead_actor.slug, "name": initiative.lead_actor.name} if initiative.lead_actor else None
        ),
        "energy_review": review.decision if review else None,
        "updated_at": timezone.localtime(initiative.updated_at).isoformat(),
        "url": f"https://ess.example.org/projets/{initiative.slug}/",
        "objective": None,
        "kind": initiative.kind,
        "summary": initiative.summary,
        "health": initiative.health,
        "progress_source": initiative.progress_source,
        "planned_start": initiative.planned_start.isoformat() if initiative.planned_start else None,
        "planned_end": None,
        "actual_start": initiative.actual_start.isoformat() if initiative.actual_start else None,
        "actual_end": None,
        "target_budget": float(initiative.target_budget) if initiative.target_budget is not None else None,
        "funding": {
            "requested": float(totals.requested),
            "secured": float(totals.secured),
            "paid": float(totals.paid),
            "refused": float(totals.refused),
            "gap": float(totals.gap) if totals.gap is not None else None,
        },
        "publication_status": initiative.publication_status,
        "is_fictional": initiative.is_fictional,
    }
    if detail:
        data.update(
            {
                "description": initiative.description,
                "neighbourhoods": [],
                "sites": [],
                "milestones": [
                    {
                        "title": m.title,
                        "planned_on": m.planned_on.isoformat(),
                        "done_on": m.done_on.isoformat() if m.done_on else None,
                        "weight": m.weight,
                    }
                    for m in initiative.milestones.all()
                ],
                "indicators": [
                    {
                        "name": i.name,
                        "unit": i.unit,
                        "baseline": float(i.baseline) if i.baseline is not None else None,
                        "target": float(i.target) if i.target is not None else None,
                        "measurements": [
                            {"measured_on": m.measured_on.isoformat(), "value": float(m.value)}
                            for m in i.measurements.order_by("measured_on")
                        ],
                    }
                    for i in initiative.indicators.all()
                ],
                "involvements": [
                    {"actor": {"slug": v.actor.slug, "name": v.actor.name}, "role": v.role, "description": ""}
                    for v in initiative.involvements.all()
                ],
                "funding_lines": [
                    {
                        "funder": {"slug": f.funder.slug, "name": f.funder.name},
                        "amount": float(f.amount),
                        "kind": f.kind,
                        "status": f.status,
                        "year": f.year,
                        "note": "",
                    }
                    for f in initiative.funding_lines.all()
                ],
                "energy_review_detail": (
                    {
                        "decision": review.decision,
                        "decided_on": review.decided_on.isoformat() if review.decided_on else None,
                        "conditions": review.conditions,
                    }
                    if review
                    else None
                ),
                "created_at": timezone.localtime(initiative.created_at).isoformat(),
            }
        )
    return data


def test_initiative_list_returns_whole_payloads(api):
    initiative = rich_initiative()
    response = api.get("/api/v1/initiatives/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [expected_initiative(initiative, detail=False)]
    row = body["results"][0]
    assert row["progress"] == 75
    assert row["funding"] == {"requested": 0.0, "secured": 25000.0, "paid": 5000.0, "refused": 0.0, "gap": 25000.0}
    assert row["energy_review"] == "approved"
    assert row["communes"] == ["93006", "93048"]


def test_initiative_detail_carries_milestones_indicators_involvements_funding_and_review(api):
    initiative = rich_initiative()
    response = api.get(f"/api/v1/initiatives/{initiative.slug}/")
    assert response.status_code == 200
    assert response.json() == expected_initiative(initiative, detail=True)
    assert [m["title"] for m in response.json()["milestones"]] == ["Jalon fait", "Jalon à faire"]


def test_initiative_detail_gives_each_indicator_its_measurements_by_date(api):
    initiative = rich_initiative()
    indicators = api.get(f"/api/v1/initiatives/{initiative.slug}/").json()["indicators"]
    assert [(i["name"], i["measurements"]) for i in indicators] == [
        (
            "Emplois créés",
            [{"measured_on": "2024-03-01", "value": 1.5}, {"measured_on": "2024-09-01", "value": 4.0}],
        ),
        ("Surface occupée", []),
    ]


def test_unpublished_initiatives_are_hidden_from_anonymous_callers(api):
    draft = project_factories.initiative(publication_status=PublicationStatus.DRAFT)
    assert api.get("/api/v1/initiatives/").json()["count"] == 0
    assert api.get(f"/api/v1/initiatives/{draft.slug}/").status_code == 404
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    assert api.get(f"/api/v1/initiatives/{draft.slug}/", **bearer(raw)).status_code == 200


def test_initiative_filters(api):
    montreuil = project_factories.initiative(communes=[factories.commune("93048")])
    other = project_factories.initiative_in(Initiative.Status.APPROVED, communes=[factories.commune("93006")])

    def slugs(query):
        response = api.get(f"/api/v1/initiatives/?{query}")
        assert response.status_code == 200, response.json()
        return [row["slug"] for row in response.json()["results"]]

    assert slugs("commune=93048") == [montreuil.slug]
    assert slugs("status=approved") == [other.slug]
    assert api.get("/api/v1/initiatives/?status=nope").status_code == 400
    since = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert slugs(f"updated_since={since.replace('+', '%2B')}") == []


# -- Writes


def involved_token(initiative: Initiative, *, scopes=WRITE, role=Involvement.Role.LEAD):
    token, raw = factories.api_token(scopes=scopes)
    Involvement.objects.create(initiative=initiative, actor=token.organisation, role=role)
    return token, raw


def patch(api, raw, slug, payload, **extra):
    return api.patch(
        f"/api/v1/initiatives/{slug}/",
        data=json.dumps(payload),
        content_type="application/json",
        **bearer(raw),
        **extra,
    )


def etag_of(api, slug):
    return api.get(f"/api/v1/initiatives/{slug}/")["ETag"]


def test_the_leading_partner_updates_an_initiative_with_history(api):
    initiative = project_factories.initiative()
    token, raw = involved_token(initiative)
    response = patch(
        api, raw, initiative.slug, {"summary": "Résumé mis à jour."}, HTTP_IF_MATCH=etag_of(api, initiative.slug)
    )
    assert response.status_code == 200, response.json()
    initiative.refresh_from_db()
    assert initiative.summary == "Résumé mis à jour."
    record = initiative.history.latest()
    assert record.history_change_reason == f"API : {token.organisation.name} ({token.prefix})"
    assert response["ETag"] == etag_of(api, initiative.slug)


def test_partner_not_involved_gets_a_403(api):
    initiative = project_factories.initiative()
    _token, raw = factories.api_token(scopes=WRITE)
    response = patch(api, raw, initiative.slug, {"summary": "x"}, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "role", [Involvement.Role.BENEFICIARY, Involvement.Role.PARTNER, Involvement.Role.FUNDER, Involvement.Role.OCCUPANT]
)
@pytest.mark.parametrize("payload", [{"status": "consultation"}, {"title": "Autre titre"}, {"summary": "x"}])
def test_an_organisation_involved_without_leading_changes_nothing(role, payload, api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative, role=role)
    response = patch(api, raw, initiative.slug, payload, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Seule l'organisation qui porte ce projet")
    initiative.refresh_from_db()
    assert (initiative.status, initiative.title, initiative.summary) == (
        Initiative.Status.IDEA,
        Initiative.objects.get(pk=initiative.pk).title,
        "Un projet fictif pour les tests.",
    )
    assert not StatusChange.objects.filter(initiative=initiative).exists()


def test_the_lead_actor_changes_the_status_without_an_involvement(api):
    token, raw = factories.api_token(scopes=WRITE)
    initiative = project_factories.initiative(lead_actor=token.organisation)
    response = patch(api, raw, initiative.slug, {"status": "consultation"}, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "consultation"


def test_a_4_mb_description_is_a_400_naming_the_field(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    response = patch(
        api, raw, initiative.slug, {"description": "x" * (4 * 1024 * 1024)}, HTTP_IF_MATCH=etag_of(api, initiative.slug)
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["description"]
    initiative.refresh_from_db()
    assert initiative.description == ""


def test_involved_partner_without_the_scope_gets_a_403(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative, scopes=[ApiToken.Scope.WRITE_ACTORS])
    response = patch(api, raw, initiative.slug, {"summary": "x"}, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 403


def test_initiative_update_needs_if_match(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    assert patch(api, raw, initiative.slug, {"summary": "x"}).status_code == 428
    assert patch(api, raw, initiative.slug, {"summary": "x"}, HTTP_IF_MATCH='"périmé"').status_code == 412


def test_approval_without_an_approved_energy_review_is_a_400_with_the_gate_message(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    response = patch(
        api,
        raw,
        initiative.slug,
        {"status": "approved", "summary": "Ne doit pas rester."},
        HTTP_IF_MATCH=etag_of(api, initiative.slug),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "status": [
            "Le projet ne peut pas passer au statut « validé » sans revue de transition énergétique : "
            "la transition énergétique est une condition de tout projet. Créez la revue et faites-la approuver."
        ]
    }
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.IDEA
    assert initiative.summary == "Un projet fictif pour les tests."
    assert not StatusChange.objects.filter(initiative=initiative).exists()


def test_approval_with_an_approved_review_goes_through_the_lifecycle_service(api):
    initiative = project_factories.initiative()
    project_factories.approved_review(initiative)
    token, raw = involved_token(initiative)
    response = patch(
        api,
        raw,
        initiative.slug,
        {"status": "approved", "status_reason": "Comité de pilotage fictif."},
        HTTP_IF_MATCH=etag_of(api, initiative.slug),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    change = StatusChange.objects.get(initiative=initiative)
    assert (change.from_status, change.to_status) == ("idea", "approved")
    assert change.reason == f"API : {token.organisation.name} ({token.prefix}) — Comité de pilotage fictif."
    assert initiative.history.latest().history_change_reason == change.reason


def test_illegal_transition_is_a_400(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    response = patch(api, raw, initiative.slug, {"status": "completed"}, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 400
    assert response.json()["errors"]["status"][0].startswith("Passage de « idée » à « terminé » impossible.")


def test_initiative_field_rules_are_400(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    response = patch(
        api,
        raw,
        initiative.slug,
        {"planned_end": "2023-01-01", "progress_is_manual": True},
        HTTP_IF_MATCH=etag_of(api, initiative.slug),
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"planned_end", "manual_progress"}


def test_a_negative_target_budget_is_a_400_on_its_field(api):
    initiative = project_factories.initiative()
    _token, raw = involved_token(initiative)
    response = patch(api, raw, initiative.slug, {"target_budget": "-1"}, HTTP_IF_MATCH=etag_of(api, initiative.slug))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["target_budget"]


# -- Sites


def test_site_list_and_detail_payloads(api):
    owner = factories.actor(name="Bailleur fictif")
    site = project_factories.site(
        name="Local fictif",
        latitude=Decimal("48.860000"),
        longitude=Decimal("2.440000"),
        owner=owner,
        surface_m2=Decimal("120.5"),
    )
    occupant = factories.actor(name="Occupant fictif")
    site.occupants.set([occupant])
    site.refresh_from_db()
    expected = {
        "id": site.pk,
        "slug": site.slug,
        "name": "Local fictif",
        "kind": "ground_floor",
        "description": "",
        "address": "",
        "postal_code": "93100",
        "commune": {"insee_code": "93048", "name": "Montreuil"},
        "neighbourhood": None,
        "latitude": 48.86,
        "longitude": 2.44,
        "owner": {"slug": owner.slug, "name": "Bailleur fictif"},
        "surface_m2": 120.5,
        "available_from": None,
        "available_until": None,
        "negotiated_rent": None,
        "pipeline_stage": "identified",
        "occupants": [occupant.slug],
        "publication_status": "published",
        "is_fictional": False,
        "updated_at": timezone.localtime(site.updated_at).isoformat(),
        "url": f"https://ess.example.org/lieux/#{site.slug}",
    }
    assert api.get("/api/v1/sites/").json()["results"] == [expected]
    assert api.get(f"/api/v1/sites/{site.slug}/").json() == expected


def test_sites_in_geojson_and_csv_with_bbox(api):
    inside = project_factories.site(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    project_factories.site(latitude=Decimal("48.99"), longitude=Decimal("2.44"))
    response = api.get("/api/v1/sites/?format=geojson&bbox=2.38,48.84,2.53,48.93")
    collection = json.loads(b"".join(response.streaming_content))
    assert [f["properties"]["slug"] for f in collection["features"]] == [inside.slug]
    assert collection["features"][0]["geometry"] == {"type": "Point", "coordinates": [2.44, 48.86]}
    response = api.get("/api/v1/sites/?format=csv&bbox=2.38,48.84,2.53,48.93")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["slug"], row["latitude"], row["longitude"], row["commune_insee_code"]) for row in rows] == [
        (inside.slug, "48.86", "2.44", "93048")
    ]


def test_unpublished_sites_are_hidden(api):
    draft = project_factories.site(publication_status=PublicationStatus.DRAFT)
    assert api.get(f"/api/v1/sites/{draft.slug}/").status_code == 404


def test_sites_are_read_only(api):
    site = project_factories.site()
    _token, raw = factories.api_token(scopes=[*WRITE, ApiToken.Scope.WRITE_ACTORS])
    assert api.patch(f"/api/v1/sites/{site.slug}/", data={}, format="json", **bearer(raw)).status_code == 405


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_site_csv_neutralises_cells_that_spreadsheets_would_run(lead, api):
    site = project_factories.site(description=f'{lead}HYPERLINK("https://example.org")')
    response = api.get("/api/v1/sites/?format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    (row,) = [row for row in rows if row["slug"] == site.slug]
    assert row["description"] == f'\'{lead}HYPERLINK("https://example.org")'
