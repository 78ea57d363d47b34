import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import PublicationStatus
from projects.models import Document
from tests import factories
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def document(*, is_public: bool, **initiative_fields) -> Document:
    obj = Document(
        initiative=f.initiative(**initiative_fields),
        title="Bilan",
        file=SimpleUploadedFile("bilan.pdf", PDF),
        is_public=is_public,
    )
    obj.full_clean()
    obj.save()
    return obj


def test_a_public_document_of_a_published_initiative_is_downloaded_by_anyone(client):
    doc = document(is_public=True)

    response = client.get(doc.file.url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF
    response.close()


def test_an_internal_document_is_not_served_to_the_public(client):
    doc = document(is_public=False)

    assert client.get(doc.file.url).status_code == 404


def test_a_public_document_of_an_unpublished_initiative_is_not_served(client):
    doc = document(is_public=True, publication_status=PublicationStatus.DRAFT)

    assert client.get(doc.file.url).status_code == 404


def test_staff_allowed_to_view_documents_download_internal_ones(client):
    doc = document(is_public=False)
    client.force_login(factories.staff_user(group="Lecture seule"))

    response = client.get(doc.file.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    response.close()


def test_an_unknown_or_hostile_document_path_is_a_404(client):
    assert client.get("/media/projects/documents/../../etc/passwd").status_code == 404
    assert client.get("/media/projects/documents/2026/01/absent.pdf").status_code == 404


def test_the_initiative_page_links_public_documents_only(client):
    public = document(is_public=True)
    internal = Document.objects.create(
        initiative=public.initiative, title="Note interne", file=SimpleUploadedFile("note.pdf", PDF)
    )

    page = client.get(public.initiative.get_absolute_url()).content.decode()

    assert public.file.url in page
    assert internal.file.url not in page
