"""The jury's pages and accounts: login, what a juror may read and score, confidentiality, no admin."""

import html
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from awards import services
from awards.models import Conflict, Evaluation
from tests import factories
from tests.awards.conftest import jury_account, member

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-jure"
LOGIN = "/trophees/jury/connexion/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def log_in(client, username, password=PASSWORD, otp_token="", **meta):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": otp_token}, **meta)


def test_a_jury_account_signs_in_and_reaches_its_pages(client, scored_edition):
    user = scored_edition["members"][0].user
    response = log_in(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/trophees/jury/"
    content = text(client.get("/trophees/jury/"))
    assert "Trophées de l'ESS 2025 (fictif)" in content
    assert scored_edition["applications"][0].structure_name in content
    # The ineligible application is not listed.
    assert scored_edition["applications"][3].structure_name not in content


def test_the_jury_login_refuses_staff_and_accounts_outside_the_jury_group(client, scored_edition):
    staff = factories.staff_user()
    response = client.post(LOGIN, {"username": staff.username, "password": "mot-de-passe-de-test"})
    assert response.status_code == 200 and "administration" in text(response)
    assert SESSION_KEY not in client.session
    structure = factories.structure_account(factories.actor())
    response = client.post(LOGIN, {"username": structure.username, "password": "mot-de-passe-de-test"})
    assert "n'est pas un compte de juré" in text(response) and SESSION_KEY not in client.session


def test_the_jury_login_has_the_lockout(client, scored_edition):
    user = scored_edition["members"][0].user
    for n in range(5):
        log_in(client, user.username, "mauvais-mot-de-passe", REMOTE_ADDR=f"203.0.113.{n + 1}")
    response = log_in(client, user.username, REMOTE_ADDR="203.0.113.99")
    assert response.status_code == 429 and SESSION_KEY not in client.session


def test_the_jury_login_asks_the_second_factor_of_an_account_that_has_one(client, scored_edition):
    user = scored_edition["members"][0].user
    device = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    response = log_in(client, user.username)
    assert response.status_code == 200 and SESSION_KEY not in client.session
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    response = log_in(client, user.username, otp_token=f"{totp.token():06d}")
    assert response.status_code == 302 and SESSION_KEY in client.session


@pytest.mark.ignore_template_errors
def test_a_jury_only_account_never_reaches_the_admin(client, scored_edition):
    client.force_login(scored_edition["members"][0].user)
    for url in ["/admin/", "/admin/awards/evaluation/", "/admin/awards/application/", "/admin/moderation/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def test_anonymous_visitors_sign_in_first_and_other_accounts_are_refused(client, scored_edition):
    response = client.get("/trophees/jury/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    client.force_login(factories.structure_account(factories.actor()))
    assert client.get("/trophees/jury/").status_code == 403
    client.force_login(jury_account("sans-edition"))
    assert client.get("/trophees/jury/").status_code == 403


def test_a_juror_reads_only_their_editions_and_eligible_applications(client, scored_edition, open_edition):
    first = scored_edition["members"][0]
    client.force_login(first.user)
    applications = scored_edition["applications"]
    assert client.get(f"/trophees/jury/2025/{applications[0].pk}/").status_code == 200
    assert client.get(f"/trophees/jury/2025/{applications[3].pk}/").status_code == 404  # ineligible
    assert client.get(f"/trophees/jury/2026/{applications[0].pk}/").status_code == 404  # not on that jury
    outsider = member(open_edition, name="autre")
    client.force_login(outsider.user)
    assert client.get(f"/trophees/jury/2025/{applications[0].pk}/").status_code == 404


def test_a_juror_never_sees_another_jurors_scores_before_the_deliberation(client, scored_edition):
    first, second = scored_edition["members"]
    client.force_login(second.user)
    content = text(client.get(f"/trophees/jury/2025/{scored_edition['applications'][0].pk}/"))
    # The first juror's comment (« Bien. ») and values (8 and 4) are not there; the second's own are.
    assert "Bien." not in content
    assert 'value="6"' in content and 'value="2"' in content and 'value="8"' not in content
    response = client.get("/trophees/jury/2025/deliberation/")
    assert response.status_code == 403 and "confidentielles" in text(response)


def test_after_the_deliberation_opens_the_jury_reads_the_ranking(client, scored_edition):
    services.open_deliberation(edition=scored_edition["edition"])
    client.force_login(scored_edition["members"][1].user)
    response = client.get("/trophees/jury/2025/deliberation/")
    assert response.status_code == 200 and "100,00" in text(response) and "67,50" in text(response)


def test_the_scoring_form_refuses_an_application_with_a_declared_conflict(client, scored_edition):
    second = scored_edition["members"][1]
    application = scored_edition["applications"][2]
    client.force_login(second.user)
    content = text(client.get(f"/trophees/jury/2025/{application.pk}/"))
    assert "conflit d'intérêts" in content and "Présentez votre projet." not in content  # no answers shown
    criteria = list(application.edition.criteria.all())
    response = client.post(
        f"/trophees/jury/2025/{application.pk}/",
        {"action": "score", f"criterion_{criteria[0].pk}": 5, f"criterion_{criteria[1].pk}": 3},
    )
    assert response.status_code == 400 and "conflit" in text(response)
    assert not Evaluation.objects.filter(member=second, application=application).exists()


def test_the_scoring_form_keeps_scores_within_bounds(client, scored_edition):
    first = scored_edition["members"][0]
    application = scored_edition["applications"][1]
    client.force_login(first.user)
    criteria = list(application.edition.criteria.all())
    url = f"/trophees/jury/2025/{application.pk}/"
    response = client.post(
        url, {"action": "score", f"criterion_{criteria[0].pk}": 11, f"criterion_{criteria[1].pk}": 3}
    )
    assert response.status_code == 400 and "inférieure ou égale à 10" in text(response)
    response = client.post(
        url,
        {"action": "score", f"criterion_{criteria[0].pk}": 7, f"criterion_{criteria[1].pk}": 3, "comment": "Solide."},
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(member=first, application=application)
    assert sorted(evaluation.scores.values_list("value", flat=True)) == [3, 7] and evaluation.comment == "Solide."


def test_a_juror_declares_a_conflict_from_the_page(client, scored_edition):
    first = scored_edition["members"][0]
    application = scored_edition["applications"][1]
    client.force_login(first.user)
    url = f"/trophees/jury/2025/{application.pk}/"
    assert client.post(url, {"action": "conflict", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "conflict", "reason": "Ancienne salariée."}).status_code == 302
    assert Conflict.objects.filter(member=first, application=application).exists()
    assert not Evaluation.objects.filter(member=first, application=application).exists()


def test_a_juror_without_conflict_downloads_attachments_others_do_not(client, scored_edition):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from awards.models import Attachment

    application = scored_edition["applications"][2]
    attachment = Attachment(application=application, title="Dossier", file=SimpleUploadedFile("d.pdf", b"%PDF-1.4 x"))
    attachment.save()
    first, second = scored_edition["members"]
    client.force_login(first.user)
    response = client.get(attachment.file.url)
    assert response.status_code == 200
    # Read to the end, the test client closes the file (closing the response again would close the connection).
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
    client.force_login(second.user)  # declared a conflict on it
    assert client.get(attachment.file.url).status_code == 404
