"""The hostile-input corpus on the Trophées de l'ESS: page parameters, addresses, the application form.

A page answers with a 200 (the value ignored, or the form's error shown), a 4xx, or a redirect to
sign in — never a 5xx, never the corpus's markup unescaped, never half-written data.
"""

import re

import pytest

from awards import urls as awards_urls
from awards.forms import ApplicationForm
from awards.models import Application
from tests.awards.conftest import make_edition
from tests.hostile import corpus
from tests.hostile.harness import query_shapes, report, send

pytestmark = pytest.mark.django_db

JURY_LOGIN = "/trophees/jury/connexion/"
PAGES = {
    "/trophees/": [],
    "/trophees/2026/": [],
    "/trophees/2026/candidater/": [],
    "/trophees/2026/candidater/merci/": [],
    JURY_LOGIN: ["next"],
    "/trophees/jury/deconnexion/": [],
    "/trophees/jury/": [],
    "/trophees/jury/2026/deliberation/": [],
}
ACCEPTED = {200, 400, 403, 404}


@pytest.fixture
def edition(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0
    settings.CONTRIBUTION_RATE_PER_HOUR = 1_000_000
    return make_edition(2026)


def _problem(response, path="") -> str | None:
    if path.endswith("/deconnexion/") and response.status_code == 405:
        return None  # signing out is a POST
    if response.status_code == 302 and response["Location"].startswith(JURY_LOGIN):
        return None
    if response.status_code not in ACCEPTED:
        return f"status {response.status_code}"
    if any(markup.encode() in response.content for markup in corpus.MARKUP):
        return "markup echoed unescaped"
    return None


def test_every_awards_page_without_argument_is_in_the_corpus():
    routes = {"/" + str(p.pattern) for p in awards_urls.urlpatterns if "<" not in str(p.pattern)}
    # Each route with a year is covered at the open edition's year (and its lookups below).
    assert routes == {path for path in PAGES if "2026" not in path}


@pytest.mark.parametrize("path", list(PAGES))
def test_hostile_query_strings_on_an_awards_page(hostile_client, edition, path):
    failures = []
    for label, pieces in query_shapes([*PAGES[path], "page", "q"]).items():
        query = "&".join(pieces.values())
        if problem := _problem(send(hostile_client, "GET", path, query=query), path):
            failures.append((label, query[:200], problem))
    for label, query in corpus.HOSTILE_PARAMETER_NAMES.items():
        if problem := _problem(send(hostile_client, "GET", path, query=query), path):
            failures.append(("<name>", label, problem))
    assert failures == [], report(failures)


@pytest.mark.parametrize("route", [str(p.pattern) for p in awards_urls.urlpatterns if "<" in str(p.pattern)])
def test_hostile_lookups_in_an_awards_address_are_404(hostile_client, edition, route):
    failures = []
    for label, value in {**corpus.query_values(), "dot_dot": "..", "encoded_slash": "a%2Fb"}.items():
        path = "/" + re.sub(r"<[^>]+>", value, route)
        response = send(hostile_client, "GET", path)
        signing_in = response.status_code == 302 and response["Location"].startswith(JURY_LOGIN)
        if response.status_code != 404 and not signing_in:
            failures.append((label, response.status_code))
    assert failures == [], report(failures)


def test_hostile_values_in_every_field_of_the_application_form(hostile_client, edition):
    question = edition.questions.first()
    base = {
        "started": ApplicationForm(edition=edition).initial["started"],
        "nickname": "",
        "category": str(edition.categories.first().pk),
        "structure_name": "Structure (fictif)",
        "project_title": "Projet",
        "contact_name": "Contact",
        "contact_email": "contact@example.org",
        f"question_{question.pk}": "Réponse.",
    }
    failures = []
    for field in base:
        if field in ("nickname",):
            continue
        for label, value in corpus.TEXTS.items():
            before = Application.objects.count()
            data = {**base, field: value}
            response = hostile_client.post("/trophees/2026/candidater/", data)
            if response.status_code not in {200, 302}:
                failures.append((field, label, f"status {response.status_code}"))
            elif response.status_code == 200 and any(m.encode() in response.content for m in corpus.MARKUP):
                failures.append((field, label, "markup echoed unescaped"))
            elif response.status_code == 302:
                application = Application.objects.latest("pk")
                stored = {
                    "structure_name": application.structure_name,
                    "project_title": application.project_title,
                    "contact_name": application.contact_name,
                    f"question_{question.pk}": application.answers.get(question=question).text,
                }
                if field in stored and stored[field] != value.strip():
                    failures.append((field, label, "stored value differs from the typed one"))
            elif Application.objects.count() != before:
                failures.append((field, label, "half-written data"))
    assert failures == [], report(failures)
