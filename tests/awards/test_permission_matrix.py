"""Who may do what in the Trophées de l'ESS: every kind of caller × each step, each cell tried for real.

The expected matrix is written out here, and docs/security.md shows the same table (a test checks that
both agree). « compte de juré »: a jury-only account (group « Jurys », not staff) sitting on the edition.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from awards import services
from awards.enums import Eligibility
from awards.forms import ApplicationForm
from awards.models import Application, Attachment, Edition, Evaluation, Laureate
from tests import factories
from tests.awards.conftest import apply, jury_account, make_edition, member, scores

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

Y, N = "oui", "non"
CALLERS = ["anonyme", "compte d'une structure", "compte de juré", "Éditeurs", "Modérateurs", "Lecture seule",
           "superutilisateur"]  # fmt: skip
EXPECTED = {
    "pages publiques des Trophées": (Y, Y, Y, Y, Y, Y, Y),
    "candidater pendant l'appel": (Y, Y, Y, Y, Y, Y, Y),
    "candidater après la date limite": (N, N, N, N, N, N, N),
    "espace du jury": (N, N, Y, N, N, N, N),
    "noter une candidature sans conflit": (N, N, Y, N, N, N, N),
    "noter une candidature en conflit déclaré": (N, N, N, N, N, N, N),
    "télécharger une pièce jointe": (N, N, Y, Y, Y, Y, Y),
    "administration : consulter les candidatures": (N, N, N, Y, Y, Y, Y),
    "administration : décider de la recevabilité": (N, N, N, Y, Y, N, Y),
    "lire les notes d'un autre juré avant la délibération": (N, N, N, N, N, N, N),
    "administration : ouvrir la délibération": (N, N, N, N, Y, N, Y),
    "lire le classement après l'ouverture de la délibération": (N, N, Y, Y, Y, Y, Y),
    "administration : enregistrer un lauréat": (N, N, N, N, Y, N, Y),
    "administration : publier le palmarès": (N, N, N, N, Y, N, Y),
}


def _client(name, world) -> Client:
    client = Client()
    user = {
        "anonyme": None,
        "compte d'une structure": lambda: factories.structure_account(
            world.setdefault("represented", factories.actor())
        ),
        "compte de juré": lambda: world["juror"].user,
        "superutilisateur": lambda: factories.staff_user(superuser=True),
    }.get(name, lambda: factories.staff_user(group=name))
    if user is not None:
        client.force_login(user())
    return client


@pytest.fixture
def world(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0
    settings.CONTRIBUTION_RATE_PER_HOUR = 1000
    open_edition = make_edition(2026)
    past = make_edition(2025)
    applications = [apply(past, n=i) for i in range(3)]
    for application in applications:
        services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
    juror = member(past, user=jury_account("jure-matrice"))
    other = member(past, name="autre-jure")
    services.record_evaluation(member=other, application=applications[0], scores=scores(past, 9, 4), comment="Secret.")
    services.declare_conflict(member=juror, application=applications[2], reason="Lien.")
    attachment = Attachment(application=applications[0], title="D", file=SimpleUploadedFile("d.pdf", b"%PDF-1.4 x"))
    attachment.save()
    Edition.objects.filter(pk=past.pk).update(
        opens_at=past.opens_at.replace(year=2025), deadline=past.opens_at.replace(year=2025, month=12, day=1)
    )
    past.refresh_from_db()
    return {"open": open_edition, "past": past, "applications": applications, "juror": juror, "attachment": attachment}


def _apply_by_form(client, world, edition) -> bool:
    before = Application.objects.count()
    question = edition.questions.first()
    client.post(
        f"/trophees/{edition.year}/candidater/",
        {
            "started": ApplicationForm(edition=edition).initial["started"],
            "category": edition.categories.first().pk,
            "structure_name": "Structure (fictif)",
            "project_title": "P",
            "contact_name": "C",
            "contact_email": "c@example.org",
            f"question_{question.pk}": "R",
            **({"actor": represented.pk} if (represented := world.get("represented")) else {}),
        },
    )
    return Application.objects.count() > before


def _score(client, world, application) -> bool:
    criteria = list(world["past"].criteria.all())
    client.post(
        f"/trophees/jury/2025/{application.pk}/",
        {"action": "score", f"criterion_{criteria[0].pk}": 5, f"criterion_{criteria[1].pk}": 2},
    )
    return Evaluation.objects.filter(member=world["juror"], application=application).exists()


def _reads_other_scores(client, world) -> bool:
    application = world["applications"][0]
    pages = [
        f"/trophees/jury/2025/{application.pk}/",
        "/trophees/jury/2025/deliberation/",
        "/admin/awards/evaluation/",
        f"/admin/awards/evaluation/{Evaluation.objects.get(comment='Secret.').pk}/change/",
        f"/admin/awards/evaluation/{Evaluation.objects.get(comment='Secret.').pk}/history/",
        f"/admin/awards/edition/{world['past'].pk}/classement/",
        f"/admin/awards/edition/{world['past'].pk}/change/",
    ]
    return any(b"Secret." in client.get(url).content for url in pages)


def _admin_action(client, world, action) -> None:
    client.post("/admin/awards/edition/", {"_selected_action": [world["past"].pk], "action": action})


def _run(name, world) -> dict[str, str]:
    client = _client(name, world)
    applications = world["applications"]
    result = {
        "pages publiques des Trophées": all(
            client.get(u).status_code == 200 for u in ["/trophees/", "/trophees/2026/"]
        ),
        "candidater pendant l'appel": _apply_by_form(client, world, world["open"]),
        "candidater après la date limite": _apply_by_form(client, world, world["past"]),
        "espace du jury": client.get("/trophees/jury/").status_code == 200,
        "noter une candidature sans conflit": _score(client, world, applications[1]),
        "noter une candidature en conflit déclaré": _score(client, world, applications[2]),
        "administration : consulter les candidatures": client.get("/admin/awards/application/").status_code == 200,
    }
    response = client.get(world["attachment"].file.url)
    result["télécharger une pièce jointe"] = response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end, the test client closes the file
    client.post("/admin/awards/application/", {"_selected_action": [applications[2].pk], "action": "mark_eligible"})
    services.decide_eligibility(application=applications[2], eligibility=Eligibility.INELIGIBLE, reason="Test.")
    client.post("/admin/awards/application/", {"_selected_action": [applications[2].pk], "action": "mark_eligible"})
    result["administration : décider de la recevabilité"] = (
        Application.objects.get(pk=applications[2].pk).eligibility == Eligibility.ELIGIBLE
    )
    result["lire les notes d'un autre juré avant la délibération"] = _reads_other_scores(client, world)
    _admin_action(client, world, "open_deliberation")
    world["past"].refresh_from_db()
    result["administration : ouvrir la délibération"] = world["past"].deliberation_opened_at is not None
    if not world["past"].deliberation_opened_at:
        services.open_deliberation(edition=world["past"])
    result["lire le classement après l'ouverture de la délibération"] = any(
        client.get(url).status_code == 200
        for url in ["/trophees/jury/2025/deliberation/", f"/admin/awards/edition/{world['past'].pk}/classement/"]
    )
    client.post(
        "/admin/awards/laureate/add/",
        {"application": applications[0].pk, "distinction": "Lauréat", "jury_decision": "Unanimité."},
    )
    result["administration : enregistrer un lauréat"] = Laureate.objects.exists()
    if not Laureate.objects.exists():
        services.choose_laureate(application=applications[0], jury_decision="Unanimité.")
    _admin_action(client, world, "publish_results")
    world["past"].refresh_from_db()
    result["administration : publier le palmarès"] = world["past"].results_published_at is not None
    return {key: Y if value else N for key, value in result.items()}


@pytest.mark.parametrize("name", CALLERS)
def test_each_caller_can_do_exactly_what_the_matrix_says(world, name):
    column = CALLERS.index(name)
    expected = {capability: row[column] for capability, row in EXPECTED.items()}
    assert _run(name, world) == expected


def test_docs_security_shows_this_matrix():
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    section = text.split("### Trophées de l'ESS : qui peut faire quoi", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] in EXPECTED:
            rows[cells[0]] = tuple(cells[1:])
        elif rows and not line.startswith("|"):
            break
    header = next(line for line in section.splitlines() if line.startswith("| |"))
    assert [c.strip() for c in header.strip().strip("|").split("|")][1:] == CALLERS
    assert rows == EXPECTED
