"""The initiatives pages: list with filters and progress, detail with everything public about an initiative."""

import datetime
from decimal import Decimal

import pytest

from directory.models import PublicationStatus
from projects.models import Consultation, Involvement, JournalEntry, Measurement
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def _rich_initiative(n: int = 0):
    """A published initiative with milestones, an indicator and its measure, money, partners, a consultation."""
    lead = factories.actor(name=f"Porteur fictif {n}", is_fictional=True)
    initiative = project_factories.initiative_in(
        "in_progress",
        title=f"Projet fictif détaillé {n}",
        lead_actor=lead,
        target_budget=Decimal("10000"),
        communes=[factories.commune("93048")],
        is_fictional=True,
    )
    project_factories.milestone(initiative, title="Jalon fait", done_on=datetime.date(2024, 6, 2), weight=3)
    project_factories.milestone(initiative, title="Jalon à venir", planned_on=datetime.date(2030, 1, 1), weight=1)
    indicator = project_factories.indicator(initiative, name="Emplois créés", target=Decimal("10"))
    Measurement.objects.create(indicator=indicator, measured_on=datetime.date(2024, 6, 1), value=Decimal("4"))
    project_factories.funding_line(initiative, amount=Decimal("2500"))
    Involvement.objects.create(initiative=initiative, actor=lead, role=Involvement.Role.LEAD)
    consultation = Consultation.objects.create(
        initiative=initiative,
        held_on=datetime.date(2024, 2, 1),
        title="Atelier fictif",
        format=Consultation.Format.WORKSHOP,
        participation_level=Consultation.Level.CO_CONSTRUCTION,
        participants_count=12,
        changes="Horaires élargis.",
    )
    consultation.actors.set([lead])
    JournalEntry.objects.create(initiative=initiative, title="Nouvelle publique", is_public=True)
    JournalEntry.objects.create(initiative=initiative, title="Note interne secrète", is_public=False)
    site = project_factories.site(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    initiative.sites.set([site])
    return initiative


def test_list_shows_published_initiatives_with_progress_and_hides_drafts(client):
    shown = _rich_initiative()
    project_factories.initiative(title="Brouillon caché", publication_status=PublicationStatus.DRAFT)
    response = client.get("/projets/")
    assert response.status_code == 200
    content = response.content.decode()
    assert shown.title in content
    assert "Brouillon caché" not in content
    assert '<progress max="100" value="75"' in content
    assert "75 % réalisé" in content


def test_list_filters_by_status_axis_and_commune(client):
    in_progress = project_factories.initiative_in("in_progress", title="Projet en cours fictif")
    idea = project_factories.initiative(
        title="Idée fictive à Pantin", axis=project_factories.axis(2), communes=[factories.commune("93055")]
    )
    content = client.get("/projets/?status=in_progress").content.decode()
    assert in_progress.title in content and idea.title not in content
    content = client.get(f"/projets/?axis={idea.axis.slug}").content.decode()
    assert idea.title in content and in_progress.title not in content
    content = client.get("/projets/?commune=93055").content.decode()
    assert idea.title in content and in_progress.title not in content


def test_list_search_ignores_accents_and_case(client):
    project_factories.initiative(title="Épicerie éphémère fictive")
    content = client.get("/projets/?q=EPICERIE ephemere").content.decode()
    assert "Épicerie éphémère fictive" in content


@pytest.mark.parametrize(
    "query",
    [
        "?commune=99999",
        "?status=nimporte",
        "?axis=inconnu",
        "?page=999999",
        "?page=-1",
        "?page=abc",
        "?q=" + "x" * 5000,
        "?q=%00%00",
        "?updated_since=hier",
        "?q=<script>alert(1)</script>",
    ],
)
def test_list_survives_hostile_query_strings(client, query):
    project_factories.initiative()
    response = client.get("/projets/" + query)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_unknown_criterion_gives_a_french_message_and_no_result(client):
    project_factories.initiative(title="Projet visible fictif")
    content = client.get("/projets/?commune=99999").content.decode()
    assert "Certains critères ne sont pas reconnus" in content
    assert "Projet visible fictif" not in content


def test_detail_shows_lifecycle_milestones_indicators_partners_money_review_ledger_and_journal(client):
    initiative = _rich_initiative()
    response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for expected in [
        initiative.title,
        "En cours",
        "Dans les temps",
        "Jalon fait",
        "Jalon à venir",
        "Emplois créés",
        "40 % de la cible atteints.",
        'role="img"',
        "Porteur fictif 0",
        "2\xa0500 € acquis sur un budget cible de 10\xa0000 €",
        "Décision : approuvée",
        "Atelier fictif",
        "Horaires élargis.",
        "Nouvelle publique",
        'id="carte-projet"',
    ]:
        assert expected in content, expected
    assert "Note interne secrète" not in content


def test_detail_of_a_draft_is_not_found(client):
    draft = project_factories.initiative(publication_status=PublicationStatus.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_detail_without_review_milestones_or_money_still_renders(client):
    initiative = project_factories.initiative(title="Projet nu fictif")
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "La revue n'a pas encore été ouverte." in content
    assert "Avancement non renseigné" in content


def test_detail_escapes_text_from_the_database(client):
    initiative = project_factories.initiative(title="<b>Projet</b> fictif", summary="<script>alert(1)</script>")
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content


def test_actor_page_lists_the_initiatives_it_takes_part_in_with_its_role(client):
    initiative = _rich_initiative()
    lead = initiative.lead_actor
    partner = factories.actor(name="Partenaire fictif")
    Involvement.objects.create(initiative=initiative, actor=partner, role=Involvement.Role.FUNDER)
    content = client.get(partner.get_absolute_url()).content.decode()
    assert initiative.title in content and "financeur" in content
    content = client.get(lead.get_absolute_url()).content.decode()
    assert initiative.title in content and "porteur" in content


def test_sitemap_lists_published_initiatives_and_tracker_pages(client, read_sitemap):
    shown = project_factories.initiative(title="Projet du plan fictif")
    hidden = project_factories.initiative(title="Brouillon du plan", publication_status=PublicationStatus.DRAFT)
    content = read_sitemap(client)
    assert shown.get_absolute_url() in content and hidden.get_absolute_url() not in content
    for path in ("/projets/", "/strategie/", "/lieux/"):
        assert path in content


@pytest.mark.parametrize("size", [2, 6])
def test_list_queries_do_not_grow(client, django_assert_num_queries, size):
    for n in range(size):
        _rich_initiative(n)
    # data version (the page is kept for anonymous visitors), axes, communes (filter options), count,
    # page rows (progress and money annotated), communes prefetch
    with django_assert_num_queries(6):
        assert client.get("/projets/").status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_detail_queries_do_not_grow(client, django_assert_num_queries, size):
    initiatives = [_rich_initiative(n) for n in range(size)]
    for initiative in initiatives[1:]:
        Involvement.objects.create(
            initiative=initiatives[0], actor=initiative.lead_actor, role=Involvement.Role.PARTNER
        )
    # initiative, then one query per prefetched relation (communes, neighbourhoods, sites, milestones,
    # indicators, measurements, involvements, funding, assessments, its consultations with their
    # participants, other initiatives and effects, the consultations of other initiatives that concerned
    # it, journal, documents, lifecycle, next events), and the data version first (the page is kept for
    # anonymous visitors)
    with django_assert_num_queries(20):
        assert client.get(initiatives[0].get_absolute_url()).status_code == 200
