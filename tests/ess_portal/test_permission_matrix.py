"""Who may do what: every kind of caller × pages, admin actions and API methods, each cell tried for real.

The expected matrix is written out here, and docs/security.md shows the same table (a test checks
that both agree). « compte d'une structure » is a signed-in account that represents an actor (a claim
accepted, `directory.claims`): not staff, it edits its own listing on the public site.
"""

import itertools
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from directory import moderation
from directory.models import Actor, ApiToken, ChangeRequest, ImportRun, PublicationStatus
from projects.models import Initiative, Involvement
from purchasing.models import BuyerNeed, SupplierOffer
from tests import factories
from tests.directory import import_files
from tests.projects import factories as f
from tests.purchasing import factories as buyers

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

Y, N, NA = "oui", "non", "—"
_imported = itertools.count(700)
CALLERS = ["anonyme", "Éditeurs", "Modérateurs", "Lecture seule", "superutilisateur", "compte d'une structure",
           "jeton sans droit", "jeton read:unpublished", "jeton write:actors", "jeton write:actors trusted",
           "jeton write:initiatives"]  # fmt: skip
# capability: (anonyme, Éditeurs, Modérateurs, Lecture seule, superutilisateur, compte d'une structure,
#              jeton sans droit, read:unpublished, write:actors, write:actors trusted, write:initiatives)
EXPECTED = {
    "pages publiques": (Y, Y, Y, Y, Y, Y, NA, NA, NA, NA, NA),
    "fiche non publiée (page)": (N, N, N, N, N, N, NA, NA, NA, NA, NA),
    "administration : consulter un acteur": (N, Y, Y, Y, Y, N, NA, NA, NA, NA, NA),
    "administration : modifier un acteur": (N, Y, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : publier un acteur": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : supprimer un acteur": (N, N, N, N, Y, N, NA, NA, NA, NA, NA),
    "administration : fusionner deux acteurs": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : décider des contributions": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : changer le statut d'un projet": (N, Y, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : publier un projet": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : créer un jeton d'API": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : importer des acteurs": (N, Y, Y, N, Y, N, NA, NA, NA, NA, NA),
    "compte : modifier la fiche qu'il représente": (N, N, N, N, N, Y, NA, NA, NA, NA, NA),
    "compte : modifier une autre fiche": (N, N, N, N, N, N, NA, NA, NA, NA, NA),
    "API : lire les fiches publiées": (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "API : lire une fiche non publiée": (N, Y, Y, Y, Y, N, N, Y, N, N, N),
    "API : proposer un acteur": (N, N, N, N, N, N, N, N, Y, Y, N),
    "API : modifier la fiche publiée de son organisation, après modération": (N, N, N, N, N, N, N, N, Y, N, N),
    "API : modifier la fiche publiée de son organisation, sans modération": (N, N, N, N, N, N, N, N, N, Y, N),
    "API : lire les demandes de modification de son organisation": (N, Y, Y, Y, Y, N, Y, Y, Y, Y, Y),
    "API : lire une demande de modification d'une autre organisation": (N, Y, Y, Y, Y, N, N, N, N, N, N),
    "API : modifier un projet qu'elle porte": (N, N, N, N, N, N, N, N, N, N, Y),
    "API : modifier un projet dont elle est bénéficiaire": (N, N, N, N, N, N, N, N, N, N, N),
    "observatoire : saisir des chiffres (administration)": (N, Y, Y, N, Y, N, NA, NA, NA, NA, NA),
    "observatoire : valider des chiffres proposés (administration)": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "observatoire : déclarer les chiffres de la structure qu'il représente": (N, N, N, N, N, Y, NA, NA, NA, NA, NA),
    "observatoire : déclarer les chiffres d'une autre structure": (N, N, N, N, N, N, NA, NA, NA, NA, NA),
    "observatoire : lire les chiffres agrégés (API)": (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "administration : approuver une offre aux acheteurs": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "administration : approuver un besoin d'acheteur": (N, N, Y, N, Y, N, NA, NA, NA, NA, NA),
    "compte : proposer une offre aux acheteurs pour sa fiche": (N, N, N, N, N, Y, NA, NA, NA, NA, NA),
    "API : lire les offres aux acheteurs publiées": (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
}


@pytest.fixture
def world():
    organisation = factories.actor(name="Organisation partenaire fictive")
    led = f.initiative(lead_actor=organisation)
    helped = f.initiative()
    Involvement.objects.create(initiative=helped, actor=organisation, role=Involvement.Role.BENEFICIARY)
    other_token, _raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    others_request = moderation.submit(
        kind=ChangeRequest.Kind.PARTNER, actor=other_token.organisation, changes={"offer": "Autre."}, token=other_token
    )
    return {
        "organisation": organisation,
        "draft": factories.actor(name="Fiche brouillon fictive", status=PublicationStatus.DRAFT),
        "led": led,
        "helped": helped,
        "others_request": others_request,
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
             "jeton write:actors trusted": [ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED],
             "jeton write:initiatives": [ApiToken.Scope.WRITE_INITIATIVES]}[name]  # fmt: skip
    _token, raw = factories.api_token(organisation=world["organisation"], scopes=scope)
    return browser, api, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _admin_ok(response) -> bool:
    return response.status_code in (200, 302) and "/admin/login/" not in response.get("Location", "")


def _patch(client, headers, path, body) -> int:
    etag = client.get(path, **headers).get("ETag") or client.get(path).get("ETag")
    return client.patch(path, body, format="json", HTTP_IF_MATCH=etag, **headers).status_code


def attempt(capability: str, browser, api, headers, world) -> bool:
    organisation, draft = world["organisation"], world["draft"]
    client = api if capability.startswith("API") else browser
    actor_url = reverse("admin:directory_actor_change", args=[organisation.pk])
    if capability in BUYERS_CAPABILITIES:
        return buyers_attempt(capability, client, headers, world)
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
    if capability == "administration : fusionner deux acteurs":
        kept, doubled = factories.actor(), factories.actor()
        url = reverse("admin:directory_actor_merge", args=[kept.pk, doubled.pk]) + f"?conserver={kept.pk}"
        page = client.get(url)
        if page.status_code != 200 or "form" not in page.context:
            return False
        form = page.context["form"]
        client.post(url, {name: form[name].value() or "" for name in form.fields})
        return Actor.objects.get(pk=doubled.pk).merged_into_id == kept.pk
    if capability == "administration : décider des contributions":
        target = factories.actor(website="")
        request = moderation.submit(kind="correction", actor=target, changes={"website": "https://decide.example.org"})
        client.post(
            reverse("admin:moderation_decide", args=[request.pk]), {"decision": "approve", "fields": ["website"]}
        )
        return Actor.objects.get(pk=target.pk).website == "https://decide.example.org"
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
    if capability == "administration : importer des acteurs":
        n = next(_imported)
        rows, units = [import_files.establishment(n)], [import_files.legal_unit(n)]
        upload = {
            "format": "sirene",
            "file": SimpleUploadedFile(
                "etab.csv", import_files.csv_text(import_files.ESTABLISHMENT_COLUMNS, rows).encode()
            ),
            "legal_units": SimpleUploadedFile(
                "ul.csv", import_files.csv_text(import_files.LEGAL_UNIT_COLUMNS, units).encode()
            ),
        }
        client.post(reverse("admin:directory_actor_import"), upload)
        run = ImportRun.objects.order_by("-pk").first()
        if run is not None and run.state == ImportRun.State.PREVIEWED:
            client.post(reverse("admin:directory_actor_import_run", args=[run.pk]))
        return Actor.objects.filter(siret=import_files.siret(n)).exists()
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
    if capability == "API : modifier la fiche publiée de son organisation, après modération":
        queued = ChangeRequest.objects.filter(actor=organisation).count()
        status = _patch(client, headers, f"/api/v1/actors/{organisation.slug}/", {"offer": "Par l'API, à valider."})
        return status == 202 and ChangeRequest.objects.filter(actor=organisation).count() == queued + 1
    if capability == "API : modifier la fiche publiée de son organisation, sans modération":
        offer = "Par l'API, aussitôt."
        status = _patch(client, headers, f"/api/v1/actors/{organisation.slug}/", {"offer": offer})
        return status == 200 and Actor.objects.get(pk=organisation.pk).offer == offer
    if capability == "API : lire les demandes de modification de son organisation":
        return client.get("/api/v1/change-requests/", **headers).status_code == 200
    if capability == "API : lire une demande de modification d'une autre organisation":
        path = f"/api/v1/change-requests/{world['others_request'].pk}/"
        return client.get(path, **headers).status_code == 200
    if capability == "API : modifier un projet qu'elle porte":
        path = f"/api/v1/initiatives/{world['led'].slug}/"
        return _patch(client, headers, path, {"summary": "Par l'API."}) == 200
    if capability == "API : modifier un projet dont elle est bénéficiaire":
        path = f"/api/v1/initiatives/{world['helped'].slug}/"
        return _patch(client, headers, path, {"summary": "Par l'API."}) == 200
    if capability.startswith("observatoire : "):
        return _observatory_attempt(capability, browser, api, headers, world)
    raise AssertionError(capability)


def _observatory_attempt(capability: str, browser, api, headers, world) -> bool:
    from observatory import services as observatory_services
    from observatory.models import YearlyFigures

    organisation = world["organisation"]
    if capability == "observatoire : saisir des chiffres (administration)":
        actor = factories.actor()
        data = {"actor": actor.pk, "year": "2024", "employees": "3", "employees_source": "sirene"}
        browser.post(reverse("admin:observatory_yearlyfigures_add"), data)
        return YearlyFigures.objects.filter(actor=actor, status="approved").exists()
    if capability == "observatoire : valider des chiffres proposés (administration)":
        actor = factories.actor()
        account = factories.structure_account(actor)
        proposal = observatory_services.propose_figures(actor=actor, year=2024, values={"employees": 2}, user=account)
        changelist = reverse("admin:observatory_yearlyfigures_changelist")
        browser.post(changelist, {"action": "approve", "_selected_action": [proposal.pk]})
        return YearlyFigures.objects.get(pk=proposal.pk).status == "approved"
    if capability.startswith("observatoire : déclarer"):
        own = capability == "observatoire : déclarer les chiffres de la structure qu'il représente"
        target = organisation if own else factories.actor()
        browser.post(reverse("observatory:account_figures", args=[target.slug]), {"year": "2024", "employees": "4"})
        return YearlyFigures.objects.filter(actor=target, status="proposed").exists()
    if capability == "observatoire : lire les chiffres agrégés (API)":
        return api.get("/api/v1/observatory/figures/", **headers).status_code == 200
    raise AssertionError(capability)


BUYERS_CAPABILITIES = {
    "administration : approuver une offre aux acheteurs",
    "administration : approuver un besoin d'acheteur",
    "compte : proposer une offre aux acheteurs pour sa fiche",
    "API : lire les offres aux acheteurs publiées",
}


def buyers_attempt(capability: str, client, headers, world) -> bool:
    """The buyers' capabilities (purchasing): approving offers and needs, an account's offer, the API."""
    if capability == "administration : approuver une offre aux acheteurs":
        offer = buyers.offer(status=PublicationStatus.PENDING)
        url = reverse("admin:purchasing_supplieroffer_changelist")
        client.post(url, {"action": "approve", "_selected_action": [offer.pk]})
        return SupplierOffer.objects.get(pk=offer.pk).status == PublicationStatus.PUBLISHED
    if capability == "administration : approuver un besoin d'acheteur":
        need = buyers.need(status=PublicationStatus.PENDING)
        client.post(
            reverse("admin:purchasing_buyerneed_changelist"), {"action": "approve", "_selected_action": [need.pk]}
        )
        return BuyerNeed.objects.get(pk=need.pk).status == PublicationStatus.PUBLISHED
    if capability == "compte : proposer une offre aux acheteurs pour sa fiche":
        organisation = world["organisation"]
        url = reverse("purchasing:account_offer_new", args=[organisation.slug])
        client.post(url, {"title": "Offre du compte", "cpv": "55000000-0", "whole_territory": "on"})
        return SupplierOffer.objects.filter(actor=organisation, title="Offre du compte").exists()
    if capability == "API : lire les offres aux acheteurs publiées":
        return client.get("/api/v1/supplier-offers/", **headers).status_code == 200
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
