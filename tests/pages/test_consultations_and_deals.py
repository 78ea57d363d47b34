"""The public pages of the consultation ledger and of the deals ledger: behaviour, no leak, query counts."""

import datetime

import pytest

from directory.models import Actor, Deal, Typology
from projects import services
from projects.models import ConsultationParticipant, Initiative
from tests import factories
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

CONSULTATIONS = "/strategie/consultations/"
DEALS = "/annuaire/transactions/"


@pytest.fixture
def ledger():
    """Two published initiatives with public consultations, and everything that must stay hidden."""
    montreuil, bagnolet = factories.commune("93048"), factories.commune("93006")
    shown = f.initiative_in(Initiative.Status.CONSULTATION, title="Ressourcerie fictive", communes=[montreuil])
    other = f.initiative(title="Cantine fictive", communes=[bagnolet])
    draft = f.initiative(title="Projet brouillon secret", publication_status="draft")
    ess = factories.actor(name="Régie fictive")
    town = factories.actor(name="Mairie fictive", legal_form=Actor.LegalForm.PUBLIC_BODY)
    hidden = factories.actor(name="Structure secrète", status="draft")
    first = f.consultation(shown, title="Atelier fictif des habitants", held_on=datetime.date(2024, 4, 2))
    services.link_consultation(
        consultation=first,
        participants=[
            services.Participation(actor=ess),
            services.Participation(actor=town),
            services.Participation(actor=hidden, kind=ConsultationParticipant.Kind.BUSINESS),
        ],
        other_initiatives=[other, draft],
        effects=[services.Effect(status_change=shown.status_changes.get(), description="Concertation ouverte")],
    )
    second = f.consultation(other, title="Comité fictif", held_on=datetime.date(2023, 9, 1))
    services.link_consultation(consultation=second, participants=[services.Participation(actor=ess)])
    f.consultation(shown, title="Réunion interne secrète", is_public=False)
    f.consultation(draft, title="Consultation d'un brouillon secret")
    return {"shown": shown, "other": other, "ess": ess, "town": town, "hidden": hidden, "first": first}


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_consultations_page_lists_public_consultations_with_participants_by_kind_and_effects(client, ledger):
    html = text(client.get(CONSULTATIONS))
    assert "2 consultations" in html
    assert "Atelier fictif des habitants" in html and "Comité fictif" in html
    assert "Acteur public" in html and "Mairie fictive" in html
    assert "Concertation ouverte" in html and "Cantine fictive" in html
    for secret in ("secret", "Structure secrète", "Projet brouillon"):
        assert secret not in html


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"year": "2024"}, ["Atelier fictif des habitants"]),
        ({"commune": "93006"}, ["Atelier fictif des habitants", "Comité fictif"]),
        ({"commune": "93048"}, ["Atelier fictif des habitants"]),
        ({"participant_kind": "public_body"}, ["Atelier fictif des habitants"]),
        ({"initiative": "__other__"}, ["Atelier fictif des habitants", "Comité fictif"]),
    ],
)
def test_the_consultations_page_filters(client, ledger, query, titles):
    query = {key: ledger["other"].slug if value == "__other__" else value for key, value in query.items()}
    html = text(client.get(CONSULTATIONS, query))
    for title in ("Atelier fictif des habitants", "Comité fictif"):
        assert (title in html) == (title in titles), title


def test_a_kind_only_an_unpublished_actor_filled_finds_nothing(client, ledger):
    assert "0 consultation" in text(client.get(CONSULTATIONS, {"participant_kind": "business"}))


@pytest.mark.parametrize(
    "query",
    [
        {"year": "deux-mille"},
        {"year": "2024.5"},
        {"year": "99999"},
        {"commune": "00000"},
        {"participant_kind": "robots"},
        {"initiative": "projet-inexistant"},
        {"page": "-1"},
        {"year": "2024\x00"},
    ],
)
def test_hostile_filters_on_the_consultations_page_get_a_french_message(client, ledger, query):
    html = text(client.get(CONSULTATIONS, query))
    assert "secret" not in html
    if "page" not in query and "\x00" not in query.get("year", ""):
        assert "Certains critères ne sont pas reconnus" in html or "0 consultation" in html


def test_an_unpublished_initiative_cannot_be_chosen(client, ledger):
    draft = Initiative.objects.get(title="Projet brouillon secret")
    html = text(client.get(CONSULTATIONS, {"initiative": draft.slug}))
    assert "Certains critères ne sont pas reconnus" in html
    assert "Projet brouillon secret" not in html and "Consultation d'un brouillon" not in html


def test_the_actor_page_lists_the_consultations_it_took_part_in(client, ledger):
    html = text(client.get(ledger["town"].get_absolute_url()))
    assert "Consultations auxquelles la structure a pris part" in html
    assert "Atelier fictif des habitants" in html and "en tant que acteur public" in html


def test_the_initiative_page_shows_its_consultations_and_those_that_concerned_it(client, ledger):
    html = text(client.get(ledger["other"].get_absolute_url()))
    assert "Comité fictif" in html and "Atelier fictif des habitants" in html
    assert "qui concernait aussi celui-ci" in html
    assert "Structure secrète" not in html


@pytest.mark.parametrize("size", [2, 8])
def test_the_consultations_page_queries_do_not_grow(client, size, django_assert_num_queries):
    ess = factories.actor()
    for _n in range(size):
        initiative = f.initiative_in(Initiative.Status.CONSULTATION, communes=[factories.commune("93048")])
        consultation = f.consultation(initiative)
        services.link_consultation(
            consultation=consultation,
            participants=[services.Participation(actor=ess), services.Participation(actor=factories.actor())],
            other_initiatives=[f.initiative()],
            effects=[services.Effect(status_change=initiative.status_changes.get())],
        )
    # data version, count, page (with the initiative), participants, other initiatives, effects, years,
    # initiatives offered as filter, communes
    with django_assert_num_queries(9):
        assert client.get(CONSULTATIONS).status_code == 200


# -- deals


@pytest.fixture
def deals():
    montreuil = factories.commune("93048")
    ess = factories.actor(name="Traiteur fictif", commune=montreuil, typology=Typology.MILITANT)
    secret_ess = factories.actor(name="Structure secrète", status="draft")
    hidden_partner = factories.actor(name="Entreprise secrète", status="draft", ess_status=Actor.EssStatus.PARTNER)
    programme = factories.deal_programme(name="Impact 2024 (fictif)")
    factories.deal(ess_actor=ess, amount=12000, integration_hours=300, jobs_created=2, programme=programme)
    factories.deal(ess_actor=ess, partner_actor=hidden_partner, kind=Deal.Kind.MENTORING, amount=None, year=2023)
    factories.deal(
        ess_actor=ess,
        partner_name="Acheteur fictif",
        partner_siret="73282932000074",
        partner_kind=Deal.PartnerKind.PUBLIC_BUYER,
        kind=Deal.Kind.PROCUREMENT,
        amount=50000,
    )
    factories.deal(ess_actor=secret_ess, amount=999999)
    return {"ess": ess, "programme": programme}


def test_the_deals_page_rolls_up_published_deals_with_charts_and_tables(client, deals):
    html = text(client.get(DEALS))
    assert "3 transactions" in html
    assert "62\xa0000 €" in html  # the total amount, the hidden deal left out
    assert "Impact 2024 (fictif)" in html and "Acheteur fictif" in html
    assert "une structure dont la fiche n'est pas publiée" in html
    for secret in ("Structure secrète", "Entreprise secrète", "999"):
        assert secret not in html
    for section in ("Par année", "Par programme ou événement", "Par secteur", "Par commune", "Par typologie"):
        assert section in html
    assert html.count("<svg") >= 6 and "Données du graphique (tableau)" in html


def test_the_deals_page_filters_by_programme_and_year(client, deals):
    html = text(client.get(DEALS, {"programme": deals["programme"].slug}))
    assert "1 transaction" in html and "Acheteur fictif" not in html
    html = text(client.get(DEALS, {"year": "2023"}))
    assert "1 transaction" in html


@pytest.mark.parametrize(
    "query", [{"year": "abc"}, {"year": "1800"}, {"programme": "inexistant"}, {"typology": "x"}, {"sector": "\x00"}]
)
def test_hostile_filters_on_the_deals_page_get_a_french_message(client, deals, query):
    html = text(client.get(DEALS, query))
    assert "Structure secrète" not in html
    assert "Certains critères ne sont pas reconnus" in html or "0 transaction" in html


def test_the_actor_page_lists_its_deals(client, deals):
    html = text(client.get(deals["ess"].get_absolute_url()))
    assert "Transactions avec des entreprises et des acheteurs" in html
    assert "Entreprise secrète" not in html


def test_transactions_is_not_an_actor_slug():
    assert factories.actor(name="Transactions").slug != "transactions"


@pytest.mark.parametrize("size", [2, 8])
def test_the_deals_page_queries_do_not_grow(client, size, django_assert_num_queries):
    for _n in range(size):
        factories.deal(programme=factories.deal_programme())
    # data version, the roll-up (totals and six dimensions), count, page (with both parties, commune,
    # programme), years, programmes, communes, sectors
    with django_assert_num_queries(14):
        assert client.get(DEALS).status_code == 200
