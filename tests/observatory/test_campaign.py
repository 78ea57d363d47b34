"""`remind_figures`: the yearly campaign, once per actor and year."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from directory.models import PublicationStatus
from observatory.models import CampaignReminder
from tests import factories
from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def _run(*args) -> str:
    out = io.StringIO()
    call_command("remind_figures", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts(settings):
    settings.SITE_URL = "https://ess.example.org"
    missing = factories.actor(name="Sans chiffres (fictif)")
    given = factories.actor(name="Avec chiffres (fictif)")
    figures(given, LAST_YEAR, employees=2)
    draft = factories.actor(name="Brouillon (fictif)", status=PublicationStatus.DRAFT)
    unclaimed = factories.actor(name="Non revendiquée (fictif)")
    factories.structure_account(missing, email="camille@example.org")
    factories.structure_account(missing, email="dominique@example.org")
    factories.structure_account(given, email="eden@example.org")
    factories.structure_account(draft, email="farid@example.org")
    return {"missing": missing, "given": given, "unclaimed": unclaimed}


def test_dry_run_lists_without_sending_or_recording(accounts):
    output = _run("--dry-run")
    assert "Sans chiffres (fictif)" in output
    assert "Avec chiffres" not in output and "Brouillon" not in output and "Non revendiquée" not in output
    assert f"1 acteur(s) sans chiffres {LAST_YEAR}" in output
    assert mail.outbox == []
    assert not CampaignReminder.objects.exists()


def test_the_campaign_writes_to_each_representative_once_per_year(accounts):
    output = _run()
    assert "2 e-mail(s) envoyé(s)" in output
    assert sorted(message.to[0] for message in mail.outbox) == ["camille@example.org", "dominique@example.org"]
    message = mail.outbox[0]
    assert str(LAST_YEAR) in message.subject
    assert f"https://ess.example.org/compte/chiffres/{accounts['missing'].slug}/" in message.body
    assert CampaignReminder.objects.get().recipients == 2
    mail.outbox.clear()
    assert "0 acteur(s)" in _run()
    assert mail.outbox == []
    # Another year is another campaign.
    _run("--year", str(LAST_YEAR - 1))
    assert len(mail.outbox) == 3


def test_a_refused_declaration_does_not_count_as_figures(accounts):
    from observatory import services

    account = factories.structure_account(accounts["unclaimed"], email="gaby@example.org")
    proposal = services.propose_figures(
        actor=accounts["unclaimed"], year=LAST_YEAR, values={"employees": 1}, user=account
    )
    services.refuse_figures(figures=proposal, by=None, reason="Illisible.")
    mail.outbox.clear()
    assert "Non revendiquée (fictif)" in _run("--dry-run")
