"""The public pages: editions, an edition's call and palmarès, the application form; the actor's badge."""

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.enums import SubmittedVia
from awards.forms import ApplicationForm
from awards.models import Application, Edition
from directory.history import Origin
from directory.models import PublicationStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _form_data(edition, **overrides):
    started = ApplicationForm(edition=edition).initial["started"]
    question = edition.questions.first()
    data = {
        "started": started,
        "nickname": "",
        "category": edition.categories.first().pk,
        "structure_name": "Association candidate (fictif)",
        "project_title": "Un projet fictif",
        "contact_name": "Camille Exemple",
        "contact_email": "camille@example.org",
        f"question_{question.pk}": "Notre réponse.",
    }
    data.update(overrides)
    return data


def _published(scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    services.choose_laureate(application=scored_edition["applications"][2], jury_decision="Unanimité.")
    return services.publish_results(edition=edition)


def test_the_list_shows_public_editions_only(client, open_edition):
    Edition.objects.create(
        year=2030,
        title="Édition en préparation (fictif)",
        opens_at=timezone.now(),
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    response = client.get("/trophees/")
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert open_edition.title in content and "Édition en préparation" not in content
    assert client.get("/trophees/2030/").status_code == 404


def test_an_edition_page_shows_its_call_and_categories_but_no_application(client, scored_edition):
    response = client.get("/trophees/2025/")
    content = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Catégorie 0 (fictif)" in content and "Utilité sociale" in content
    for application in scored_edition["applications"]:
        assert application.structure_name not in content
    assert "Palmarès" not in content


def test_laureates_show_only_once_published(client, scored_edition):
    winner = scored_edition["applications"][2]
    edition = services.open_deliberation(edition=scored_edition["edition"])
    services.choose_laureate(application=winner, jury_decision="Unanimité.")
    assert winner.structure_name not in html.unescape(client.get("/trophees/2025/").content.decode())
    assert "Lauréat des Trophées" not in html.unescape(client.get(winner.actor.get_absolute_url()).content.decode())
    services.publish_results(edition=edition)
    content = html.unescape(client.get("/trophees/2025/").content.decode())
    assert "Palmarès" in content and winner.structure_name in content and winner.actor.get_absolute_url() in content
    # Never the other applications, never a score.
    assert scored_edition["applications"][0].structure_name not in content and "100,00" not in content
    badge = html.unescape(client.get(winner.actor.get_absolute_url()).content.decode())
    assert "Lauréat des Trophées de l'ESS 2025" in badge


def test_an_unpublished_laureate_actor_is_never_shown(client, scored_edition):
    _published(scored_edition)
    actor = scored_edition["actors"][2]
    type(actor).objects.filter(pk=actor.pk).update(status=PublicationStatus.ARCHIVED)
    content = html.unescape(client.get("/trophees/2025/").content.decode())
    assert actor.name not in content and actor.slug not in content


def test_the_application_form_records_a_public_application(client, open_edition):
    url = "/trophees/2026/candidater/"
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("dossier.pdf", b"%PDF-1.4 fictif")
    response = client.post(url, {**_form_data(open_edition), "attachment_1": upload})
    assert response.status_code == 302 and response["Location"] == "/trophees/2026/candidater/merci/"
    application = Application.objects.get()
    assert application.submitted_via == SubmittedVia.PUBLIC and application.attachments.count() == 1
    assert application.history.get().history_source == Origin.CONTRIBUTION
    assert client.get(response["Location"]).status_code == 200


def test_the_application_form_refuses_after_the_deadline_with_a_clear_message(client, open_edition):
    data = _form_data(open_edition)
    Edition.objects.filter(pk=open_edition.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get("/trophees/2026/candidater/")
    assert response.status_code == 200 and "clos depuis le" in html.unescape(response.content.decode())
    response = client.post("/trophees/2026/candidater/", data)
    assert response.status_code == 403 and "clos depuis le" in html.unescape(response.content.decode())
    assert not Application.objects.exists()


def test_the_form_refuses_a_disguised_file_with_the_documents_message(client, open_edition):
    upload = SimpleUploadedFile("dossier.pdf", b"MZ\x90 executable")
    response = client.post("/trophees/2026/candidater/", {**_form_data(open_edition), "attachment_1": upload})
    assert response.status_code == 200 and "ne correspond pas à son extension" in html.unescape(
        response.content.decode()
    )
    assert not Application.objects.exists()


def test_the_form_keeps_the_public_forms_spam_guards(client, open_edition, settings):
    response = client.post("/trophees/2026/candidater/", _form_data(open_edition, nickname="robot"))
    assert response.status_code == 200 and not Application.objects.exists()
    response = client.post("/trophees/2026/candidater/", _form_data(open_edition, started="forgé"))
    assert "expiré" in html.unescape(response.content.decode()) and not Application.objects.exists()
    settings.CONTRIBUTION_RATE_PER_HOUR = 1
    assert client.post("/trophees/2026/candidater/", _form_data(open_edition)).status_code == 302
    assert client.post("/trophees/2026/candidater/", _form_data(open_edition)).status_code == 429
    assert Application.objects.count() == 1


def test_a_structure_account_applies_for_the_listing_it_represents(client, open_edition):
    mine, other = factories.actor(name="Ma structure (fictif)"), factories.actor()
    client.force_login(factories.structure_account(mine))
    content = html.unescape(client.get("/trophees/2026/candidater/").content.decode())
    assert "Ma structure (fictif)" in content
    response = client.post("/trophees/2026/candidater/", _form_data(open_edition, actor=other.pk, structure_name=""))
    assert response.status_code == 200 and not Application.objects.exists()
    response = client.post("/trophees/2026/candidater/", _form_data(open_edition, actor=mine.pk, structure_name=""))
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.actor, application.structure_name, application.submitted_via) == (
        mine,
        "Ma structure (fictif)",
        SubmittedVia.ACCOUNT,
    )


def test_attachments_are_not_served_to_the_public(client, open_edition):
    client.post(
        "/trophees/2026/candidater/",
        {**_form_data(open_edition), "attachment_1": SimpleUploadedFile("d.pdf", b"%PDF-1.4 x")},
    )
    url = Application.objects.get().attachments.get().file.url
    assert client.get(url).status_code == 404
    client.force_login(factories.staff_user(superuser=True))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
    response.close()


def test_the_navigation_links_to_the_awards(client, db):
    assert 'href="/trophees/"' in html.unescape(client.get("/").content.decode())


def test_the_sitemap_lists_public_editions(client, open_edition, read_sitemap):
    content = read_sitemap(client)
    assert "/trophees/2026/" in content and "/trophees/</loc>" in content


def test_the_laureates_follow_up_adds_up_their_figures_by_year_hiding_small_years(client, scored_edition, settings):
    from tests.observatory.factories import figures

    settings.OBSERVATORY_MIN_ACTORS = 3
    edition = services.open_deliberation(edition=scored_edition["edition"])
    for application in scored_edition["applications"][:3]:
        services.choose_laureate(application=application, jury_decision="Unanimité.")
    first, second, third = scored_edition["actors"]
    for actor, employees in ((first, 4), (second, 6), (third, 10)):
        figures(actor, 2024, employees=1)  # before the edition: not followed up
        figures(actor, 2025, employees=employees)
    figures(first, 2026, employees=5)  # one laureate only: the year is hidden
    figures(second, 2026, employees=7)
    # Before the results are published: no follow-up, no laureate.
    assert "Suivi des lauréats" not in html.unescape(client.get("/trophees/2025/").content.decode())

    services.publish_results(edition=edition)
    content = html.unescape(client.get("/trophees/2025/").content.decode())
    assert "Suivi des lauréats" in content
    table = content[content.index('id="tableau-suivi-laureats"') :]
    table = table[: table.index("</table>")]
    assert "2024" not in table
    assert ">2025<" in table and "20 <span" in table  # 4 + 6 + 10 employees, on 3 laureates
    assert ">2026<" in table and "12 <span" not in table  # 2 laureates: hidden
    # One laureate's own figures are never shown.
    assert "10 <span" not in table
