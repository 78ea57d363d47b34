"""axe-core on the pages of the Trophées de l'ESS: the list, an edition with its palmarès, the application
form (empty and with its errors) and a juror's page."""

import pytest

from awards import services
from awards.enums import Eligibility
from tests import factories
from tests.awards.conftest import apply, make_edition, member, scores
from tests.browser.conftest import assert_accessible


@pytest.fixture
def awards_data(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0
    past = make_edition(2025)
    actor = factories.actor(name="Lauréate fictive", is_fictional=True)
    application = apply(past, actor=actor)
    services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
    juror = member(past, name="jure-axe")
    services.record_evaluation(member=juror, application=application, scores=scores(past, 7, 3))
    type(past).objects.filter(pk=past.pk).update(
        opens_at=past.opens_at.replace(year=2025, month=1, day=1),
        deadline=past.opens_at.replace(year=2025, month=2, day=1),
    )
    past.refresh_from_db()
    past = services.open_deliberation(edition=past)
    services.choose_laureate(application=application, jury_decision="Unanimité (fictif).")
    services.publish_results(edition=past)
    make_edition(2026)
    current_juror = member(type(past).objects.get(year=2026), user=juror.user)
    return {"application": application, "juror": juror, "current_juror": current_juror}


def _sign_in(page, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.parametrize(
    "path",
    ["/trophees/", "/trophees/2025/", "/trophees/2026/", "/trophees/2026/candidater/", "/trophees/jury/connexion/"],
)
def test_awards_page_has_no_serious_or_critical_accessibility_violation(page, live_server, awards_data, path):
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert_accessible(page)


def test_the_application_form_with_its_errors_is_accessible(page, live_server, awards_data):
    page.goto(live_server.url + "/trophees/2026/candidater/")
    page.get_by_role("button", name="Envoyer la candidature").click()
    page.wait_for_selector("#error-summary")
    assert_accessible(page)


def test_the_jury_pages_are_accessible(page, live_server, awards_data):
    _sign_in(page, live_server, awards_data["juror"].user)
    for path in [
        "/trophees/jury/",
        f"/trophees/jury/2025/{awards_data['application'].pk}/",
        "/trophees/jury/2025/deliberation/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)
