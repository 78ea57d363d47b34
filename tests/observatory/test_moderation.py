"""Structures declare their figures from their account; moderators approve or refuse them."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from observatory import services
from observatory.models import FigureSource, YearlyFigures
from tests import factories
from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared(settings):
    settings.SITE_URL = "https://ess.example.org"
    actor = factories.actor(name="Épicerie des Lilas (fictif)")
    figures(actor, 2024, employees=4, fte=3.0, budget=90_000, source=FigureSource.SIRENE)
    account = factories.structure_account(actor, email="camille@example.org")
    return actor, account


def test_an_account_declares_its_figures_which_wait_for_a_moderator(client, declared):
    actor, account = declared
    client.force_login(account)
    url = reverse("observatory:account_figures", args=[actor.slug])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"year": "2024", "employees": "5", "volunteers": "12", "note": "Bilan 2024."})
    assert response.status_code == 302
    proposal = YearlyFigures.objects.pending().get()
    assert (proposal.employees, proposal.employees_source, proposal.volunteers, proposal.fte) == (
        5,
        "declared",
        12,
        None,
    )
    assert proposal.proposed_by == account
    assert proposal.history.get().history_source == "account"
    # The aggregates still read the approved figures.
    assert services.breakdown("year", services.figure_rows()).groups[0].cells["employees"].value == 4
    # A second declaration for the year replaces the pending one.
    client.post(url, {"year": "2024", "employees": "6"})
    assert YearlyFigures.objects.pending().get().employees == 6


def test_an_account_cannot_declare_for_another_actor(client, declared):
    _actor, account = declared
    other = factories.actor()
    client.force_login(account)
    url = reverse("observatory:account_figures", args=[other.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"year": "2024", "employees": "5"}).status_code == 404
    assert not YearlyFigures.objects.pending().exists()


def test_staff_and_anonymous_visitors_do_not_declare(client, declared):
    actor, _account = declared
    url = reverse("observatory:account_figures", args=[actor.slug])
    assert client.get(url)["Location"].startswith("/compte/connexion/")
    client.force_login(factories.staff_user(group="Modérateurs"))
    assert client.get(url)["Location"] == reverse("admin:index")


def test_approving_a_proposal_makes_it_the_year_s_figures_and_keeps_the_others(
    declared, django_capture_on_commit_callbacks
):
    actor, account = declared
    proposal = services.propose_figures(actor=actor, year=2024, values={"employees": 5, "volunteers": 12}, user=account)
    moderator = factories.staff_user(group="Modérateurs")
    previous = YearlyFigures.objects.approved().get()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_figures(figures=proposal, by=moderator)
    approved = YearlyFigures.objects.approved().get()
    assert approved.pk == proposal.pk
    assert approved.values() == {"employees": 5, "fte": Decimal("3.0"), "volunteers": 12, "budget": 90_000}
    assert approved.sources() == {
        "employees": "declared",
        "fte": "sirene",
        "volunteers": "declared",
        "budget": "sirene",
    }
    assert (approved.decided_by, approved.history.latest().history_user) == (moderator, moderator)
    previous.refresh_from_db()
    assert previous.status == YearlyFigures.Status.REPLACED
    assert [message.to for message in mail.outbox] == [["camille@example.org"]]
    assert "sont validés" in mail.outbox[0].body
    assert "https://ess.example.org/compte/chiffres/" in mail.outbox[0].body


def test_a_decided_proposal_is_not_decided_again(declared, django_capture_on_commit_callbacks):
    actor, account = declared
    proposal = services.propose_figures(actor=actor, year=2023, values={"employees": 2}, user=account)
    moderator = factories.staff_user(group="Modérateurs")
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_figures(figures=proposal, by=moderator, reason="Chiffres de 2022.")
    with pytest.raises(services.AlreadyDecided):
        services.approve_figures(figures=proposal, by=moderator)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.refusal_reason) == ("refused", "Chiffres de 2022.")
    assert "Chiffres de 2022." in mail.outbox[0].body


def test_refusing_needs_a_reason(declared):
    actor, account = declared
    proposal = services.propose_figures(actor=actor, year=2023, values={"employees": 2}, user=account)
    with pytest.raises(services.ValidationError) as caught:
        services.refuse_figures(figures=proposal, by=None, reason="  ")
    assert caught.value.message_dict == {
        "refusal_reason": ["Indiquez le motif du refus : il est envoyé à la structure."]
    }


@pytest.mark.ignore_template_errors
def test_moderators_approve_and_refuse_from_the_admin(client, declared):
    actor, account = declared
    first = services.propose_figures(actor=actor, year=2024, values={"employees": 5}, user=account)
    second = services.propose_figures(actor=actor, year=2023, values={"employees": 3}, user=account)
    client.force_login(factories.staff_user(group="Modérateurs"))
    changelist = reverse("admin:observatory_yearlyfigures_changelist")
    response = client.post(changelist, {"action": "approve", "_selected_action": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "approved"
    # Refusing asks for the reason first.
    asked = client.post(changelist, {"action": "refuse", "_selected_action": [second.pk]})
    assert asked.status_code == 200
    assert "Motif du refus" in asked.content.decode()
    client.post(changelist, {"action": "refuse", "_selected_action": [second.pk], "apply": "1", "reason": "Doublon."})
    second.refresh_from_db()
    assert (second.status, second.refusal_reason) == ("refused", "Doublon.")
    # Approving what is already decided says so, without a 500.
    again = client.post(changelist, {"action": "approve", "_selected_action": [second.pk]}, follow=True)
    assert "Ces chiffres ont déjà été traités" in again.content.decode()


@pytest.mark.ignore_template_errors
def test_editors_do_not_moderate(client, declared):
    actor, account = declared
    proposal = services.propose_figures(actor=actor, year=2024, values={"employees": 5}, user=account)
    client.force_login(factories.staff_user(group="Éditeurs"))
    changelist = reverse("admin:observatory_yearlyfigures_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_declared_figures_wait_in_the_moderation_queue_beside_the_contributions(client, declared):
    from directory import moderation

    actor, account = declared
    client.force_login(account)
    client.post(reverse("observatory:account_figures", args=[actor.slug]), {"year": "2024", "employees": "5"})
    proposal = YearlyFigures.objects.pending().get()
    assert moderation.pending_counts()["figures"] == 1

    client.force_login(factories.staff_user(group="Modérateurs"))
    html = client.get(reverse("admin:moderation_queue"), {"kind": "figures"}).content.decode()
    assert reverse("admin:observatory_yearlyfigures_change", args=[proposal.pk]) in html
    assert "Épicerie des Lilas (fictif) (2024)" in html
    assert "Chiffres déclarés (1)" in html

    services.approve_figures(figures=proposal, by=factories.staff_user(group="Modérateurs"))
    assert moderation.pending_counts()["figures"] == 0
