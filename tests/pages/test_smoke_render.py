import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/annuaire/", "/annuaire/?view=map", "/accompagnement/", "/mentions-legales/"])
def test_page_renders(client, populate, url):
    populate(3)
    response = client.get(url)
    assert response.status_code == 200
