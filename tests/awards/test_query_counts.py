"""Query counts of the awards' pages, jury pages and admin changelists, pinned at two sizes.

Editions list: the editions and their categories (one prefetch).
Edition page: the edition, its categories, its criteria, its published laureates (with their
application, category and actor joined).
Jury home: the session's user, the juror's memberships with their editions, the eligible
applications (prefetch), the juror's evaluations and conflicts, plus the juror check.
Jury application: the session's user, the juror check, the membership, the application, its
answers and questions, its attachments, the conflict, the juror's own evaluation and its scores,
the criteria.
"""

import pytest

from awards import services
from awards.enums import Eligibility
from awards.models import Category
from tests import factories
from tests.awards.conftest import apply, make_edition, member, scores

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[3, 15], ids=["small", "larger"])
def awards(request):
    n = request.param
    past = make_edition(2025)
    for i in range(2, n // 3 + 2):
        Category.objects.create(edition=past, name=f"Catégorie {i}", slug=f"demo-cat-{i}", position=i)
    for year in range(2010, 2010 + n):
        make_edition(year)
    juror = member(past, name="jure-compte")
    applications = []
    for i in range(n):
        application = apply(past, actor=factories.actor(), n=i)
        services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
        services.record_evaluation(member=juror, application=application, scores=scores(past, i % 10, i % 5))
        applications.append(application)
    services.declare_conflict(member=member(past, name="autre"), application=applications[0], reason="Lien.")
    type(past).objects.filter(pk=past.pk).update(
        opens_at=past.opens_at.replace(year=2025), deadline=past.opens_at.replace(year=2025, month=12)
    )
    past.refresh_from_db()
    past = services.open_deliberation(edition=past)
    for application in applications:
        services.choose_laureate(application=application, jury_decision="Oui.")
    services.publish_results(edition=past)
    return {"edition": past, "juror": juror, "applications": applications}


def test_editions_list_queries_do_not_grow(client, awards, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert client.get("/trophees/").status_code == 200


def test_edition_page_queries_do_not_grow(client, awards, django_assert_num_queries):
    # the edition, its laureates, categories, criteria; the laureates' follow-up (their figures, one query)
    with django_assert_num_queries(5):
        assert client.get("/trophees/2025/").status_code == 200


def test_jury_home_queries_do_not_grow(client, awards, django_assert_num_queries):
    client.force_login(awards["juror"].user)
    with django_assert_num_queries(7):
        assert client.get("/trophees/jury/").status_code == 200


def test_jury_application_queries_do_not_grow(client, awards, django_assert_num_queries):
    client.force_login(awards["juror"].user)
    with django_assert_num_queries(12):
        assert client.get(f"/trophees/jury/2025/{awards['applications'][-1].pk}/").status_code == 200


def test_jury_deliberation_queries_do_not_grow(client, awards, django_assert_num_queries):
    client.force_login(awards["juror"].user)
    with django_assert_num_queries(9):
        assert client.get("/trophees/jury/2025/deliberation/").status_code == 200


def test_actor_page_with_a_distinction_queries_do_not_grow(client, awards, django_assert_num_queries):
    with django_assert_num_queries(15):
        assert client.get(awards["applications"][0].actor.get_absolute_url()).status_code == 200


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("model", ["edition", "application", "jurymember", "conflict", "evaluation", "laureate"])
def test_admin_changelist_queries_do_not_grow(client, awards, django_assert_num_queries, model):
    client.force_login(factories.staff_user(superuser=True))
    # Session and user, count and page, the filters' choices; evaluations: counts only, never a value query.
    expected = {"edition": 5, "application": 7, "jurymember": 6, "conflict": 6, "evaluation": 6, "laureate": 6}
    with django_assert_num_queries(expected[model]):
        assert client.get(f"/admin/awards/{model}/").status_code == 200
