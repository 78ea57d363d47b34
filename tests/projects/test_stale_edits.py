"""Two staff open the same change form: the second save is refused, saying who changed what, with its input kept."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from directory.models import Actor
from projects.models import Initiative, Milestone
from tests import factories
from tests.projects import factories as f
from tests.projects.test_admin import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


@pytest.fixture
def two_staff(client, django_user_model):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(factories.staff_user(superuser=True, username="camille.premiere"))
    second.force_login(factories.staff_user(superuser=True, username="dominique.seconde"))
    return first, second


class _BrowserForm(HTMLParser):
    """What a browser would submit from the page's change form: its inputs, selects and textareas as rendered."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _open(client, url) -> dict:
    """The form as a browser submits it: only what the page renders (the version included)."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _BrowserForm()
    parser.feed(response.content.decode())
    data = {key: values if len(values) > 1 else values[0] for key, values in parser.data.items()}
    data.pop("csrfmiddlewaretoken", None)
    assert "record_version" in data
    return data


def _errors(response) -> str:
    return " ".join(str(error) for error in response.context["errors"])


def test_a_stale_actor_save_is_refused_naming_who_and_what_and_keeps_the_input(two_staff):
    first, second = two_staff
    actor = factories.actor(name="Recyclerie fictive")
    url = reverse("admin:directory_actor_change", args=[actor.pk])
    first_data, second_data = _open(first, url), _open(second, url)

    assert first.post(url, {**first_data, "phone": "01 43 00 00 00"}).status_code == 302
    refused = second.post(url, {**second_data, "short_description": "Texte de la seconde."})

    assert refused.status_code == 200
    message = _errors(refused)
    assert "camille.premiere" in message and "téléphone public" in message
    assert (
        'value="Texte de la seconde."' in refused.content.decode() or "Texte de la seconde." in refused.content.decode()
    )
    actor.refresh_from_db()
    assert (actor.phone, actor.short_description) == ("01 43 00 00 00", "Une structure fictive pour les tests.")
    # Having looked, saving again applies it on purpose (the form now carries the current version).
    again = second.post(url, form_data(refused) | {"short_description": "Texte de la seconde."})
    assert again.status_code == 302
    actor.refresh_from_db()
    assert actor.short_description == "Texte de la seconde."


def test_a_stale_initiative_save_is_refused(two_staff):
    first, second = two_staff
    initiative = f.initiative(title="Projet fictif partagé")
    url = reverse("admin:projects_initiative_change", args=[initiative.pk])
    first_data, second_data = _open(first, url), _open(second, url)

    assert first.post(url, {**first_data, "summary": "Résumé de la première."}).status_code == 302
    refused = second.post(url, {**second_data, "title": "Titre de la seconde"})

    assert refused.status_code == 200
    assert "camille.premiere" in _errors(refused) and "résumé" in _errors(refused)
    initiative.refresh_from_db()
    assert (initiative.title, initiative.summary) == ("Projet fictif partagé", "Résumé de la première.")


def test_a_stale_inline_row_is_refused_and_untouched_rows_are_not(two_staff):
    first, second = two_staff
    initiative = f.initiative()
    milestone = f.milestone(initiative, title="Jalon fictif")
    f.milestone(initiative, title="Autre jalon fictif")
    url = reverse("admin:projects_initiative_change", args=[initiative.pk])
    first_data, second_data = _open(first, url), _open(second, url)
    row = next(
        key.removesuffix("-id")
        for key, value in first_data.items()
        if key.startswith("milestones-") and key.endswith("-id") and value == str(milestone.pk)
    )

    assert first.post(url, {**first_data, f"{row}-title": "Jalon renommé"}).status_code == 302
    # The second changes the same row: refused; the first's title stays.
    refused = second.post(url, {**second_data, f"{row}-weight": "5"})
    assert refused.status_code == 200
    milestone.refresh_from_db()
    assert (milestone.title, milestone.weight) == ("Jalon renommé", 1)
    # Changing only the initiative after reopening works: untouched rows are not checked.
    fresh = _open(second, url)
    assert second.post(url, {**fresh, "summary": "Nouveau résumé."}).status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).summary == "Nouveau résumé."
    assert Milestone.objects.filter(initiative=initiative).count() == 2


def test_the_same_version_serves_the_api_if_match(two_staff, client):
    from rest_framework.test import APIClient

    from directory.models import ApiToken

    first, _second = two_staff
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    actor = token.organisation
    api = APIClient()
    etag = api.get(f"/api/v1/actors/{actor.slug}/")["ETag"]
    url = reverse("admin:directory_actor_change", args=[actor.pk])
    assert first.post(url, {**_open(first, url), "offer": "Offre de l'équipe."}).status_code == 302

    response = api.patch(
        f"/api/v1/actors/{actor.slug}/",
        {"offer": "Offre du partenaire."},
        format="json",
        HTTP_IF_MATCH=etag,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 412
    assert "camille.premiere" in response.json()["detail"]
    assert Actor.objects.get(pk=actor.pk).offer == "Offre de l'équipe."
