"""The admin's « Importer des acteurs »: upload, preview line by line, confirm; who may; bad and large files."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory.models import Actor, ImportRun, PublicationStatus
from tests import factories
from tests.directory.import_files import ESTABLISHMENT_COLUMNS, LEGAL_UNIT_COLUMNS, csv_text, establishment, legal_unit

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

START = reverse("admin:directory_actor_import")


def run_url(run) -> str:
    return reverse("admin:directory_actor_import_run", args=[run.pk])


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def editor():
    return factories.staff_user(group="Éditeurs")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def sirene_upload(n: int, *, bad_line: int | None = None) -> dict:
    rows = [establishment(i) for i in range(1, n + 1)]
    if bad_line is not None:
        rows[bad_line - 2]["codePostalEtablissement"] = "93500"
    return {
        "format": "sirene",
        "source": "",
        "file": SimpleUploadedFile("StockEtablissement.csv", csv_text(ESTABLISHMENT_COLUMNS, rows).encode()),
        "legal_units": SimpleUploadedFile(
            "StockUniteLegale.csv",
            csv_text(LEGAL_UNIT_COLUMNS, [legal_unit(i) for i in range(1, n + 1)]).encode(),
        ),
    }


def test_the_form_is_linked_from_the_actors_list_and_the_index(editor_client):
    assert START in editor_client.get(reverse("admin:directory_actor_changelist")).content.decode()
    assert START in editor_client.get(reverse("admin:index")).content.decode()
    response = editor_client.get(START)
    assert response.status_code == 200
    assert "Importer des acteurs" in response.content.decode()


def test_read_only_staff_may_not_import(client):
    client.force_login(factories.staff_user(group="Lecture seule"))
    assert START not in client.get(reverse("admin:directory_actor_changelist")).content.decode()
    assert START not in client.get(reverse("admin:index")).content.decode()
    assert client.get(START).status_code == 403
    assert client.post(START, sirene_upload(1)).status_code == 403
    assert ImportRun.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(START)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_upload_preview_confirm(editor_client, editor, upload_dir):
    response = editor_client.post(START, sirene_upload(3))

    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert run.state == ImportRun.State.PREVIEWED and run.user == editor
    assert Actor.objects.count() == 0
    stored = sorted(path.name for path in upload_dir.iterdir())
    assert stored == [f"import-{run.pk}-data", f"import-{run.pk}-legal"]
    assert (upload_dir.stat().st_mode & 0o777) == 0o700

    page = editor_client.get(run_url(run)).content.decode()
    assert "3 lignes lues : 3 créées" in page
    assert "ASSOCIATION FICTIVE 2" in page
    assert 'id="import-confirm"' in page

    response = editor_client.post(run_url(run))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert set(Actor.objects.values_list("status", flat=True)) == {PublicationStatus.PENDING}
    assert Actor.objects.count() == 3
    assert list(upload_dir.iterdir()) == []
    record = Actor.history.first()
    assert record.history_user == editor and record.history_source == "import"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Import terminé : 3 lignes lues : 3 créées."]

    page = editor_client.get(run_url(run)).content.decode()
    assert 'id="import-confirm"' not in page
    assert reverse("admin:directory_actor_change", args=[Actor.objects.first().pk]) in page


def test_confirming_twice_imports_once(editor_client):
    editor_client.post(START, sirene_upload(2))
    run = ImportRun.objects.get()
    editor_client.post(run_url(run))

    response = editor_client.post(run_url(run))

    assert response.status_code == 403
    assert Actor.objects.count() == 2


def test_only_the_author_confirms_a_preview(editor_client, client):
    editor_client.post(START, sirene_upload(2))
    run = ImportRun.objects.get()
    client.force_login(factories.staff_user(group="Éditeurs"))

    assert 'id="import-confirm"' not in client.get(run_url(run)).content.decode()
    assert client.post(run_url(run)).status_code == 403
    assert Actor.objects.count() == 0


def test_a_preview_with_refused_lines_cannot_be_confirmed(editor_client):
    editor_client.post(START, sirene_upload(3, bad_line=3))
    run = ImportRun.objects.get()

    page = editor_client.get(run_url(run)).content.decode()
    assert "Le code postal 93500 ne correspond pas à Montreuil (attendu : 93100)." in page
    assert 'id="import-confirm"' not in page
    assert editor_client.post(run_url(run)).status_code == 403
    assert Actor.objects.count() == 0


def test_a_directory_changed_since_the_preview_refuses_the_import_whole(editor_client):
    editor_client.post(START, sirene_upload(2))
    run = ImportRun.objects.get()
    # Meanwhile the second SIRET is given to a published actor, whose description is then lost.
    other = factories.actor(name="Fiche fictive au même SIRET", siret=establishment(2)["siret"])
    Actor.objects.filter(pk=other.pk).update(short_description="")

    response = editor_client.post(run_url(run))

    run.refresh_from_db()
    assert run.state == ImportRun.State.REFUSED
    assert Actor.objects.count() == 1
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Import refusé, rien n'est écrit : l'annuaire a changé depuis l'aperçu, voyez les lignes refusées."
    ]
    page = editor_client.get(run_url(run)).content.decode()
    assert "Une description est nécessaire pour publier la fiche." in page


@pytest.mark.parametrize("lines", [2, 20])
def test_the_preview_page_query_count_does_not_grow_with_lines(editor_client, django_assert_num_queries, lines):
    editor_client.post(START, sirene_upload(lines))
    run = ImportRun.objects.get()

    # Session, user, the user's permissions (groups and own) for the page and the menu, the run and its author.
    with django_assert_num_queries(5):
        response = editor_client.get(run_url(run))

    assert response.status_code == 200
    assert response.content.decode().count('class="import-created"') == lines


def test_a_bad_file_is_refused_on_the_form_with_a_french_message(editor_client):
    response = editor_client.post(
        START, {"format": "export", "file": SimpleUploadedFile("acteurs.xlsx", b"ceci n'est pas un classeur")}
    )
    assert response.status_code == 200
    assert "Le fichier n&#x27;est pas un classeur Excel valide" in response.content.decode()
    assert ImportRun.objects.get().state == ImportRun.State.REFUSED


def test_sirene_needs_its_legal_units(editor_client):
    upload = sirene_upload(1)
    del upload["legal_units"]
    response = editor_client.post(START, upload)
    assert "Le format SIRENE demande aussi le fichier des unités légales." in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_a_file_over_the_limit_is_refused_while_it_is_read(editor_client, settings, upload_dir):
    settings.IMPORT_MAX_BYTES = 2048
    response = editor_client.post(
        START, {"format": "export", "file": SimpleUploadedFile("gros.csv", b"nom;identifiant\n" + b"x" * 5000)}
    )
    assert response.status_code == 413
    assert "Ce fichier dépasse la limite de" in response.content.decode()
    assert ImportRun.objects.count() == 0


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body of an oversized upload was read")

    readline = read


def test_an_upload_announced_over_the_limit_is_refused_without_reading_it(editor_client, settings):
    settings.IMPORT_MAX_BYTES = 50 * 1024 * 1024
    response = editor_client.generic(
        "POST",
        START,
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(60 * 1024 * 1024 * 2),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    assert "Ce fichier dépasse la limite de 50 Mo" in response.content.decode()


def test_an_upload_without_the_csrf_token_is_refused(editor, client):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    assert csrf_client.post(START, sirene_upload(1)).status_code == 403
    assert ImportRun.objects.count() == 0


def test_runs_are_listed_read_only_and_lead_to_their_report(editor_client):
    editor_client.post(START, sirene_upload(1))
    run = ImportRun.objects.get()

    listing = editor_client.get(reverse("admin:directory_importrun_changelist"))
    assert listing.status_code == 200
    assert "StockEtablissement.csv" in listing.content.decode()
    assert START in listing.content.decode()
    assert editor_client.get(reverse("admin:directory_importrun_add")).status_code == 403
    response = editor_client.get(reverse("admin:directory_importrun_change", args=[run.pk]))
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert editor_client.post(reverse("admin:directory_importrun_delete", args=[run.pk])).status_code == 403
