"""Query counts of the observatory's page, report, API and admin changelist, pinned at two data sizes.

Page: the data version (the page is kept for anonymous visitors), the years with figures, the
figures with their actors' facets (read once for every breakdown and the trends), the actors' main
sectors, then the labels of the communes and of the sectors shown (the neighbourhoods' when an actor
is in one; legal families and typologies need none). The report: the same but the years.
API: the figures, and the labels of the groups (none for the territory, one for communes).
"""

import pytest
from django.urls import reverse

from directory.models import Sector, Typology
from tests import factories
from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[4, 16], ids=["small", "larger"])
def territory_of(request):
    sectors = list(Sector.objects.filter(parent__isnull=False)[:3])
    communes = ["93048", "93055", "93010"]
    for i in range(request.param):
        commune = factories.commune(communes[i % 3])
        actor = factories.actor(
            commune=commune,
            postal_code=commune.postal_codes[0],
            typology=[Typology.ENTREPRENEURIAL, Typology.MILITANT][i % 2],
            is_fictional=True,
        )
        actor.sectors.set([sectors[i % 3]])
        for year in (2024, 2025):
            figures(actor, year, employees=i, volunteers=i + 1, local_purchasing_share=10 + i)
    return request.param


def test_observatory_page_queries_do_not_grow(client, territory_of, django_assert_num_queries):
    with django_assert_num_queries(6):
        assert client.get("/observatoire/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/observatoire/").status_code == 200


def test_report_queries_do_not_grow(client, territory_of, django_assert_num_queries):
    with django_assert_num_queries(5):
        assert client.get(reverse("observatory:report", args=[2025])).status_code == 200


@pytest.mark.parametrize(("by", "queries"), [("year", 2), ("commune", 3), ("sector", 4), ("typology", 2)])
def test_api_queries_do_not_grow(client, territory_of, django_assert_num_queries, by, queries):
    # The data version (kept answers), the figures, then the sectors' links and the groups' labels.
    with django_assert_num_queries(queries):
        assert client.get("/api/v1/observatory/figures/", {"by": by}).status_code == 200


def test_api_csv_queries_do_not_grow(client, territory_of, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/api/v1/observatory/figures/", {"by": "commune", "format": "csv"})
        assert response.status_code == 200
        b"".join(response.streaming_content)


@pytest.mark.ignore_template_errors
def test_admin_changelist_queries_do_not_grow(client, territory_of, django_assert_num_queries):
    client.force_login(factories.staff_user(superuser=True))
    url = reverse("admin:observatory_yearlyfigures_changelist")
    client.get(url)
    # Session, user, count, total count, rows with their actors, and the year filter's values.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
