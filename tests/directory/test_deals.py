"""The deals ledger: its rules (one path: `Deal.clean`, through the service and the admin), roll-up and admin."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory import rollups
from directory.merge import merge_actors
from directory.models import Actor, Deal, Typology
from directory.services import record_deal
from tests import factories

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"


def unsaved(**overrides) -> Deal:
    fields = {
        "kind": Deal.Kind.PROCUREMENT,
        "ess_actor": overrides.pop("ess_actor", None) or factories.actor(),
        "partner_kind": Deal.PartnerKind.PUBLIC_BUYER,
        "partner_name": "Acheteur fictif",
        "partner_siret": VALID_SIRET,
        "year": 2024,
    }
    fields.update(overrides)
    return Deal(**fields)


def errors_of(deal: Deal) -> dict:
    with pytest.raises(ValidationError) as caught:
        record_deal(deal=deal)
    return caught.value.message_dict


def test_a_deal_with_a_named_partner_and_its_siret_is_recorded_with_its_history():
    deal = record_deal(deal=unsaved(partner_siret="732 829 320 00074"), reason="Saisie")
    assert deal.partner_siret == VALID_SIRET
    assert deal.history.count() == 1
    assert deal.history.first().history_change_reason == "Saisie"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": Decimal("-1")}, "amount", "supérieure ou égale à 0"),
        ({"year": datetime.date.today().year + 1}, "year", "L'année ne peut pas être dans le futur."),
        ({"year": 1999}, "year", "supérieure ou égale à 2000"),
        ({"partner_siret": "12345678901234"}, "partner_siret", "clé de contrôle incorrecte"),
        ({"partner_siret": "1234"}, "partner_siret", "exactement 14 chiffres"),
        ({"partner_siret": ""}, "partner_siret", "Indiquez le SIRET du partenaire"),
        ({"partner_name": "  "}, "partner_name", "indiquez son nom et son SIRET"),
        ({"integration_hours": -3}, "integration_hours", "supérieure ou égale à 0"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_written(overrides, field, message):
    errors = errors_of(unsaved(**overrides))
    assert message in " ".join(errors[field])
    assert not Deal.objects.exists()


def test_the_two_parties_cannot_be_the_same_actor():
    ess = factories.actor()
    errors = errors_of(unsaved(ess_actor=ess, partner_actor=ess, partner_name="", partner_siret=""))
    assert errors["partner_actor"] == ["Les deux parties sont le même acteur : choisissez un autre partenaire."]


def test_a_named_partner_with_the_ess_actors_siret_is_the_same_actor():
    ess = factories.actor(siret=VALID_SIRET)
    errors = errors_of(unsaved(ess_actor=ess))
    assert "les deux parties sont le même acteur" in errors["partner_siret"][0]


def test_a_named_partner_already_in_the_directory_must_be_chosen_from_it():
    factories.actor(name="Entreprise fictive listée", siret=VALID_SIRET, ess_status=Actor.EssStatus.PARTNER)
    errors = errors_of(unsaved())
    assert "« Entreprise fictive listée », dans l'annuaire" in errors["partner_siret"][0]


def test_a_partner_from_the_directory_leaves_name_and_siret_empty():
    errors = errors_of(unsaved(partner_actor=factories.actor(ess_status=Actor.EssStatus.PARTNER)))
    assert "laissez vides son nom et son SIRET" in errors["partner_name"][0]


def test_a_partner_outside_the_ess_cannot_be_the_ess_party():
    errors = errors_of(unsaved(ess_actor=factories.actor(ess_status=Actor.EssStatus.PARTNER)))
    assert "partenaire hors ESS" in errors["ess_actor"][0]


def test_the_database_refuses_what_slips_past_validation():
    ess = factories.actor()
    base = {"kind": Deal.Kind.MENTORING, "ess_actor": ess, "partner_kind": Deal.PartnerKind.BUSINESS, "year": 2024}
    for bad in (
        {"partner_actor": ess},
        {"partner_name": "Sans SIRET"},
        {"partner_name": "X", "partner_siret": VALID_SIRET, "amount": Decimal("-5")},
        {"partner_name": "X", "partner_siret": VALID_SIRET, "year": 1990},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Deal.objects.create(**{**base, **bad})


def test_the_rollup_adds_up_published_deals_by_each_dimension():
    montreuil, bagnolet = factories.commune("93048"), factories.commune("93006")
    ess = factories.actor(commune=montreuil, typology=Typology.MILITANT)
    other = factories.actor(commune=bagnolet, postal_code="93170", typology=Typology.ENTREPRENEURIAL)
    hidden = factories.actor(status="draft")
    programme = factories.deal_programme(name="Impact fictif")
    factories.deal(ess_actor=ess, amount=1000, integration_hours=10, jobs_created=1, programme=programme)
    factories.deal(ess_actor=ess, amount=None, year=2023, kind=Deal.Kind.MENTORING)
    factories.deal(ess_actor=other, amount=500, year=2023)
    factories.deal(ess_actor=hidden, amount=99999)
    rollup = rollups.deal_rollup(Deal.objects.published())
    assert rollup.totals == rollups.DealFigures(
        deals=3, with_amount=2, amount=Decimal("1500"), integration_hours=10, jobs_created=1
    )
    assert [(group.code, group.figures.deals, group.figures.amount) for group in rollup.by_year] == [
        (2024, 1, Decimal("1000")),
        (2023, 2, Decimal("500")),
    ]
    assert {group.code: group.figures.deals for group in rollup.by_commune} == {"93048": 2, "93006": 1}
    assert {group.code: group.figures.deals for group in rollup.by_typology} == {"militant": 2, "entrepreneurial": 1}
    assert {group.code: group.figures.deals for group in rollup.by_programme} == {None: 2, programme.slug: 1}
    assert {group.code: group.figures.deals for group in rollup.by_kind} == {"subcontracting": 2, "mentoring": 1}


def test_the_rollup_queries_do_not_grow(django_assert_num_queries):
    for _ in range(3):
        factories.deal()
    # totals, then one aggregate per dimension (year, programme, sector, commune, typology, kind)
    with django_assert_num_queries(7):
        rollups.deal_rollup(Deal.objects.published())


# -- admin


@pytest.fixture
def staff_client(client):
    client.force_login(factories.staff_user(superuser=True))
    return client


@pytest.mark.ignore_template_errors
def test_the_admin_refuses_bad_deals_with_french_errors(staff_client):
    ess = factories.actor()
    data = {
        "kind": "procurement",
        "ess_actor": ess.pk,
        "partner_kind": "public_buyer",
        "partner_actor": ess.pk,
        "partner_name": "",
        "partner_siret": "",
        "year": datetime.date.today().year + 2,
        "amount": "-10",
        "outcome": "ongoing",
        "outcome_note": "",
    }
    response = staff_client.post("/admin/directory/deal/add/", data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "supérieure ou égale à 0" in text
    assert not Deal.objects.exists()
    data.update(amount="10", year="2024")
    response = staff_client.post("/admin/directory/deal/add/", data)
    assert "Les deux parties sont le même acteur" in response.content.decode()
    data.update(partner_actor="", partner_name="Acheteur fictif", partner_siret="12345678901234")
    response = staff_client.post("/admin/directory/deal/add/", data)
    assert "clé de contrôle incorrecte" in response.content.decode()
    data.update(partner_siret=VALID_SIRET)
    response = staff_client.post("/admin/directory/deal/add/", data)
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.history.get().history_source == "admin"


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("size", [2, 10])
def test_the_deal_changelist_query_count_does_not_grow(size, staff_client, django_assert_num_queries):
    for _ in range(size):
        factories.deal(programme=factories.deal_programme())
    # session, user, year filter, programme filter, count, total count, rows (with both parties and programme)
    with django_assert_num_queries(7):
        assert staff_client.get("/admin/directory/deal/").status_code == 200


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("size", [2, 10])
def test_the_programme_changelist_query_count_does_not_grow(size, staff_client, django_assert_num_queries):
    for _ in range(size):
        factories.deal(programme=factories.deal_programme())
    # session, user, count, total count, rows (with their deals counted)
    with django_assert_num_queries(5):
        assert staff_client.get("/admin/directory/dealprogramme/").status_code == 200


def test_a_merge_moves_deals_to_the_survivor_and_drops_a_deal_between_the_two():
    ess = factories.actor()
    partner = factories.actor(ess_status=Actor.EssStatus.PARTNER)
    duplicate = factories.actor(ess_status=Actor.EssStatus.PARTNER)
    moved = factories.deal(ess_actor=ess, partner_actor=duplicate)
    merge_actors(survivor=partner, merged=duplicate)
    moved.refresh_from_db()
    assert moved.partner_actor == partner
    between = factories.deal(ess_actor=ess, partner_actor=partner, kind=Deal.Kind.MENTORING)
    merge_actors(survivor=ess, merged=partner)
    assert not Deal.objects.filter(pk=between.pk).exists()
