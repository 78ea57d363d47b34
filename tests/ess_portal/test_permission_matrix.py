"""Who may do what: every kind of caller × pages, admin actions and API methods, each cell tried for real.

The expected matrix is written out here, and docs/security.md shows the same table (a test checks
that both agree). « compte d'une structure » is a signed-in account that represents an actor (a claim
accepted, `directory.claims`): not staff, it edits its own listing on the public site.
"""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from directory.models import Actor, ApiToken, PublicationStatus
from projects.models import Initiative, Involvement
from tests import factories
from tests.projects import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

Y, N, NA = "oui", "non", "—"
CALLERS = ["anonyme", "Éditeurs", "Modérateurs", "Lecture seule", "superutilisateur", "compte d'une structure",
           "jeton sans droit", "jeton read:unpublished", "jeton write:actors", "jeton write:initiatives"]  # fmt: skip
# capability: (anonyme, Éditeurs, Modérateurs, Lecture seule, superutilisateur, compte d'une structure,
#              jeton sans droit, read:unpublished, write:actors, write:initiatives)
EXPECTED = {
    "pages publiques": (Y, Y, Y, Y, Y, Y, NA, NA, NA, NA),
    "fiche non publiée (page)": (N, N, N, N, N, N, NA, NA, NA, NA),
    "administration : consulter un acteur": (N, Y, Y, Y, Y, N, NA, NA, NA, NA),
    "administration : modifier un acteur": (N, Y, Y, N, Y, N, NA, NA, NA, NA),
    "administration : publier un acteur": (N, N, Y, N, Y, N, NA, NA, NA, NA),
    "administration : supprimer un acteur": (N, N, N, N, Y, N, NA, NA, NA, NA),
    "administration : changer le statut d'un projet": (N, Y, Y, N, Y, N, NA, NA, NA, NA),
    "administration : publier un projet": (N, N, Y, N, Y, N, NA, NA, NA, NA),
    "administration : créer un jeton d'API": (N, N, Y, N, Y, N, NA, NA, NA, NA),
    "compte : modifier la fiche qu'il représente": (N, N, N, N, N, Y, NA, NA, NA, NA),
    "compte : modifier une autre fiche": (N, N, N, N, N, N, NA, NA, NA, NA),
    "API : lire les fiches publiées": (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "API : lire une fiche non publiée": (N, Y, Y, Y, Y, N, N, Y, N, N),
    "API : proposer un acteur": (N, N, N, N, N, N, N, N, Y, N),
    "API : modifier la fiche de son organisation": (N, N, N, N, N, N, N, N, Y, N),
    "API : modifier un projet qu'elle porte": (N, N, N, N, N, N, N, N, N, Y),
    "API : modifier un projet dont elle est bénéficiaire": (N, N, N, N, N, N, N, N, N, N),
}


@pytest.fixture
def world():
    organisation = factories.actor(name="Organisation partenaire fictive")
    led = f.initiative(lead_actor=organisation)
    helped = f.initiative()
    Involvement.objects.create(initiative=helped, actor=organisation, role=Involvement.Role.BENEFICIARY)
    return {
        "organisation": organisation,
        "draft": factories.actor(name="Fiche brouillon fictive", status=PublicationStatus.DRAFT),
        "led": led,
        "helped": helped,
    }


def caller(name: str, world) -> tuple[Client, APIClient, dict]:
    """A browser and an API client for `name`, with the headers its API requests carry."""
    browser, api = Client(), APIClient()
    if name == "anonyme":
        return browser, api, {}
    if not name.startswith("jeton"):
        if name == "compte d'une structure":
            user = factories.structure_account(world["organisation"])
        elif name == "superutilisateur":
            user = factories.staff_user(superuser=True)
        else:
            user = factories.staff_user(group=name)
        browser.force_login(user)
        api.force_login(user)
        return browser, api, {}
    scope = {"jeton sans droit": [], "jeton read:unpublished": [ApiToken.Scope.READ_UNPUBLISHED],
             "jeton write:actors": [ApiToken.Scope.WRITE_ACTORS],
             "jeton write:initiatives": [ApiToken.Scope.WRITE_INITIATIVES]}[name]  # fmt: skip
    _token, raw = factories.api_token(organisation=world["organisation"], scopes=scope)
    return browser, api, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _admin_ok(response) -> bool:
    return response.status_code in (200, 302) and "/admin/login/" not in response.get("Location", "")


def _patch(client, headers, path, body) -> bool:
    etag = client.get(path, **headers).get("ETag") or client.get(path).get("ETag")
    return client.patch(path, body, format="json", HTTP_IF_MATCH=etag, **headers).status_code == 200


def attempt(capability: str, browser, api, headers, world) -> bool:
    organisation, draft = world["organisation"], world["draft"]
    client = api if capability.startswith("API") else browser
    actor_url = reverse("admin:directory_actor_change", args=[organisation.pk])
    if capability == "pages publiques":
        return client.get("/annuaire/").status_code == 200 and client.get("/projets/").status_code == 200
    if capability == "fiche non publiée (page)":
        return client.get(draft.get_absolute_url()).status_code == 200
    if capability == "administration : consulter un acteur":
        return _admin_ok(client.get(actor_url)) and client.get(actor_url).status_code == 200
    if capability == "administration : modifier un acteur":
        from tests.projects.test_admin import form_data

        page = client.get(actor_url)
        if page.status_code != 200 or "adminform" not in page.context or not page.context["has_change_permission"]:
            return False
        client.post(actor_url, {**form_data(page), "offer": "Offre corrigée."})
        return Actor.objects.get(pk=organisation.pk).offer == "Offre corrigée."
    if capability == "administration : publier un acteur":
        pending = factories.actor(status=PublicationStatus.PENDING)
        client.post(
            reverse("admin:directory_actor_changelist"), {"action": "publish", "_selected_action": [pending.pk]}
        )
        return Actor.objects.get(pk=pending.pk).status == PublicationStatus.PUBLISHED
    if capability == "administration : supprimer un acteur":
        doomed = factories.actor()
        client.post(reverse("admin:directory_actor_delete", args=[doomed.pk]), {"post": "yes"})
        return not Actor.objects.filter(pk=doomed.pk).exists()
    if capability == "administration : changer le statut d'un projet":
        initiative = f.initiative()
        url = reverse("admin:projects_initiative_change_status", args=[initiative.pk])
        client.post(url, {"to_status": "consultation", "reason": "Concertation."})
        return Initiative.objects.get(pk=initiative.pk).status == "consultation"
    if capability == "administration : publier un projet":
        draft_initiative = f.initiative(publication_status=PublicationStatus.DRAFT)
        changelist = reverse("admin:projects_initiative_changelist")
        client.post(changelist, {"action": "publish", "_selected_action": [draft_initiative.pk]})
        return Initiative.objects.get(pk=draft_initiative.pk).publication_status == PublicationStatus.PUBLISHED
    if capability == "administration : créer un jeton d'API":
        before = ApiToken.objects.count()
        client.post(reverse("admin:directory_apitoken_add"), {"organisation": organisation.pk, "name": "Essai"})
        return ApiToken.objects.count() > before
    if capability.startswith("compte : "):
        from tests.pages.test_account import listing_data

        target = organisation if capability == "compte : modifier la fiche qu'il représente" else factories.actor()
        url = reverse("directory:account_actor", args=[target.slug])
        if client.get(url).status_code != 200:
            return False
        client.post(url, listing_data(client, target, offer="Par son compte."))
        return Actor.objects.get(pk=target.pk).offer == "Par son compte."
    if capability == "API : lire les fiches publiées":
        return client.get("/api/v1/actors/", **headers).status_code == 200
    if capability == "API : lire une fiche non publiée":
        return client.get(f"/api/v1/actors/{draft.slug}/", **headers).status_code == 200
    if capability == "API : proposer un acteur":
        body = {"name": "Proposition fictive", "legal_form": "association", "short_description": "Fictive."}
        return client.post("/api/v1/actors/", body, format="json", **headers).status_code == 201
    if capability == "API : modifier la fiche de son organisation":
        return _patch(client, headers, f"/api/v1/actors/{organisation.slug}/", {"offer": "Par l'API."})
    if capability == "API : modifier un projet qu'elle porte":
        return _patch(client, headers, f"/api/v1/initiatives/{world['led'].slug}/", {"summary": "Par l'API."})
    if capability == "API : modifier un projet dont elle est bénéficiaire":
        return _patch(client, headers, f"/api/v1/initiatives/{world['helped'].slug}/", {"summary": "Par l'API."})
    raise AssertionError(capability)


@pytest.mark.parametrize("capability", list(EXPECTED))
def test_permission_matrix(world, capability):
    seen = {}
    for index, name in enumerate(CALLERS):
        expected = EXPECTED[capability][index]
        if expected == NA:
            continue
        browser, api, headers = caller(name, world)
        seen[name] = Y if attempt(capability, browser, api, headers, world) else N
    assert seen == {name: value for name, value in zip(CALLERS, EXPECTED[capability], strict=True) if value != NA}


def matrix_markdown() -> str:
    """The matrix as the Markdown table of docs/security.md."""
    lines = ["| | " + " | ".join(CALLERS) + " |", "|---" * (len(CALLERS) + 1) + "|"]
    lines += [f"| {capability} | " + " | ".join(values) + " |" for capability, values in EXPECTED.items()]
    return "\n".join(lines)


def test_the_documented_matrix_is_the_tested_one():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    assert matrix_markdown() in docs
