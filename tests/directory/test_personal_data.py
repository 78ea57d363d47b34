"""Personal data: `export_person`, `erase_person`, `purge_contributions` and the « Données personnelles » page."""

import builtins
import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Q
from django.utils import timezone

from directory import personal_data
from directory.history import Origin, provenance
from directory.models import Actor, ChangeRequest, Claim, Contact, Representative
from tests import factories

pytestmark = pytest.mark.django_db

EMAIL = "camille.exemplaire@example.org"
LAST_NAME = "Exemplaire-Fictive"  # unique to the person: any copy of it left is found by the scan


def copies_of(text: str) -> list[str]:
    """Every table (models of every app, history included) with `text` in one of its text or JSON columns."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        condition = Q()
        for f in fields:
            condition |= Q(**{f"{f.name}__icontains": text})
        if fields and model._default_manager.filter(condition).exists():
            found.append(model._meta.label)
    return found


@pytest.fixture
def person():
    """Camille, fictional: two contacts (with history), contributions, claims, an account, its traces."""
    first = factories.actor(name="Ressourcerie fictive des Tilleuls")
    second = factories.actor(name="Épicerie fictive du Colibri")
    contact = factories.contact(actor=first, first_name="Camille", last_name=LAST_NAME, email=EMAIL)
    contact.phone = "01 99 00 12 34"
    contact.save()
    other_case = factories.contact(actor=second, first_name="Camille", last_name=LAST_NAME, email=EMAIL.upper())
    account = User.objects.create_user(username=EMAIL, email=EMAIL, first_name="Camille", last_name=LAST_NAME)
    account.groups.add(Group.objects.create(name="Représentants fictifs"))
    approved_claim = Claim.objects.create(
        actor=first,
        method=Claim.Method.REVIEW,
        state=Claim.State.APPROVED,
        name=f"Camille {LAST_NAME}",
        email=EMAIL,
        job_title="Coordinatrice",
        message="Je coordonne la ressourcerie.",
        user=account,
        submitter_key="a" * 64,
        decided_at=timezone.now(),
    )
    pending_claim = Claim.objects.create(
        actor=second, method=Claim.Method.EMAIL_LINK, name=f"Camille {LAST_NAME}", email=EMAIL.title()
    )
    Representative.objects.create(user=account, actor=first, claim=approved_claim)
    accepted = ChangeRequest.objects.create(
        kind=ChangeRequest.Kind.CORRECTION,
        state=ChangeRequest.State.APPROVED,
        actor=first,
        changes={"short_description": "Réemploi et réparation."},
        message=f"Signé {LAST_NAME}",
        author_name=f"Camille {LAST_NAME}",
        author_email=EMAIL,
        submitter_key="b" * 64,
        decided_at=timezone.now(),
    )
    pending = ChangeRequest.objects.create(
        kind=ChangeRequest.Kind.PROPOSAL,
        changes={"name": "Atelier fictif"},
        author_name="Camille",
        author_email=EMAIL,
        message="Une proposition.",
    )
    # The account edited its actor: the history says so, with the address as the provenance's detail.
    with provenance(Origin.ACCOUNT, detail=EMAIL):
        first.short_description = "Réemploi, réparation et ateliers."
        first._history_user = account
        first.save()
    AccessLog.objects.create(
        username=EMAIL, ip_address="192.0.2.10", user_agent="Navigateur de test", http_accept="*/*", path_info="/"
    )
    staff = factories.staff_user()
    LogEntry.objects.log_actions(user_id=staff.pk, queryset=[contact], action_flag=CHANGE, change_message="[]")
    bystander = factories.contact(actor=first, first_name="Dominique", last_name="Témoin", email="temoin@example.org")
    return {
        "contact": contact,
        "other_case": other_case,
        "account": account,
        "approved_claim": approved_claim,
        "pending_claim": pending_claim,
        "accepted": accepted,
        "pending": pending,
        "actor": first,
        "bystander": bystander,
    }


@pytest.fixture
def personal_data_log():
    """What the logger « ess_portal.personal_data » writes (the suite may run without pytest's logging plugin)."""
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("ess_portal.personal_data")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(previous)


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def register() -> list[LogEntry]:
    return list(LogEntry.objects.filter(user__username=personal_data.REGISTER_USERNAME).order_by("pk"))


# ---------------------------------------------------------------------------
# Export


def test_export_finds_everything_held_about_the_person(person, tmp_path, settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 200
    output = tmp_path / "camille.json"

    printed = run("export_person", EMAIL.upper(), "--output", str(output))

    document = json.loads(output.read_text(encoding="utf-8"))
    sections = document["sections"]
    assert document["email"] == EMAIL.upper()
    assert {c["actor"]["name"] for c in sections["contacts"]["records"]} == {
        "Ressourcerie fictive des Tilleuls",
        "Épicerie fictive du Colibri",
    }
    assert sorted(r["state"] for r in sections["contributions"]["records"]) == ["acceptée", "en attente"]
    assert sorted(c["state"] for c in sections["claims"]["records"]) == ["acceptée", "en attente"]
    assert sections["accounts"]["records"] == [
        {
            "username": EMAIL,
            "first_name": "Camille",
            "last_name": LAST_NAME,
            "email": EMAIL,
            "is_active": True,
            "is_staff": False,
            "date_joined": sections["accounts"]["records"][0]["date_joined"],
            "last_login": None,
            "groups": ["Représentants fictifs"],
        }
    ]
    assert [r["actor"]["name"] for r in sections["representatives"]["records"]] == ["Ressourcerie fictive des Tilleuls"]
    # Both contacts' creations, the change of phone number.
    assert sorted(r["change"] for r in sections["contact_history"]["records"]) == ["Création", "Création", "Modifié"]
    assert [r["record"] for r in sections["history_copies"]["records"]] == ["historique de l'acteur"]
    assert sections["history_copies"]["records"][0]["fields"] == {"history_source_detail": EMAIL}
    assert [r["record"] for r in sections["changes_by_account"]["records"]] == ["historique de l'acteur"]
    assert [r["ip_address"] for r in sections["logins"]["records"]] == ["192.0.2.10"]
    for name, section in sections.items():
        assert section["what"] and section["why"] and section["retention"], name
    assert "200 jours" in sections["contributions"]["retention"]
    assert "Temoin" not in output.read_text() and "temoin@" not in output.read_text()
    assert "pbkdf2" not in output.read_text() and "password" not in output.read_text()
    assert f"Export écrit dans {output}" in printed


def test_export_is_logged_and_kept_in_the_register_with_a_fingerprint_not_the_address(
    person, personal_data_log, django_capture_on_commit_callbacks
):
    out, err = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("export_person", EMAIL, "--operator", "Agent fictif", stdout=out, stderr=err)

    assert len(json.loads(out.getvalue())["sections"]["contacts"]["records"]) == 2  # the document on standard output
    assert "Export affiché ci-dessus" in err.getvalue()
    [entry] = register()
    fingerprint = personal_data.email_fingerprint(EMAIL)
    assert fingerprint == personal_data.email_fingerprint(f"  {EMAIL.upper()} ")
    assert entry.change_message.startswith(f"export_person par « Agent fictif », empreinte {fingerprint}")
    assert EMAIL not in entry.change_message + entry.object_repr
    assert not entry.user.is_active and not entry.user.has_usable_password()
    [line] = [record.getMessage() for record in personal_data_log]
    assert line.startswith(f"export_person operator=Agent fictif email_hmac={fingerprint}")
    assert EMAIL not in line


def test_export_names_the_system_user_when_no_operator_is_given(person, monkeypatch):
    monkeypatch.setattr(personal_data.getpass, "getuser", lambda: "exploitant")
    call_command("export_person", EMAIL, stdout=io.StringIO(), stderr=io.StringIO())
    assert register()[0].change_message.startswith("export_person par « exploitant »")


def test_export_of_an_unknown_address_is_empty_and_still_recorded():
    out = io.StringIO()
    call_command("export_person", "personne@example.org", stdout=out, stderr=io.StringIO())
    document = json.loads(out.getvalue())
    assert all(section["records"] == [] for section in document["sections"].values())
    assert len(register()) == 1


@pytest.mark.parametrize("command", ["export_person", "erase_person"])
@pytest.mark.parametrize("bad", ["pas-une-adresse", "camille@", "", "a b@example.org"])
def test_a_bad_address_is_refused_with_a_clear_message(command, bad):
    with pytest.raises(CommandError, match="n'est pas une adresse e-mail valide"):
        run(command, bad)
    assert register() == []


def test_export_to_a_missing_folder_writes_nothing_and_records_nothing(person, tmp_path):
    with pytest.raises(CommandError, match="n'existe pas : rien n'a été écrit"):
        run("export_person", EMAIL, "--output", str(tmp_path / "absent" / "export.json"))
    with pytest.raises(CommandError, match="est un dossier"):
        run("export_person", EMAIL, "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    assert register() == []


# ---------------------------------------------------------------------------
# Erasure


def test_erase_removes_or_anonymises_everything_and_leaves_no_copy_of_the_address(
    person, personal_data_log, django_capture_on_commit_callbacks
):
    assert copies_of(EMAIL) and copies_of(LAST_NAME)  # the scan sees them before

    with django_capture_on_commit_callbacks(execute=True):
        printed = run("erase_person", EMAIL, "--yes", "--operator", "Agent fictif")

    assert copies_of(EMAIL) == []
    assert copies_of(LAST_NAME) == []
    assert not Contact.objects.filter(pk__in=[person["contact"].pk, person["other_case"].pk]).exists()
    assert Contact.objects.filter(pk=person["bystander"].pk).exists()
    # Contacts went through the history: a deletion record each, every version anonymised.
    versions = Contact.history.filter(id__in=[person["contact"].pk, person["other_case"].pk])
    assert sorted(versions.values_list("history_type", flat=True)) == ["+", "+", "-", "-", "~"]
    assert set(versions.values_list("first_name", "last_name", "email", "phone")) == {("", "", "", "")}
    assert set(versions.filter(history_type="-").values_list("history_source", "history_batch")) == {
        (Origin.COMMAND, None)
    }
    # An accepted contribution keeps its decision and the change it made; the pending one is gone.
    accepted = ChangeRequest.objects.get()
    assert accepted.pk == person["accepted"].pk
    assert (accepted.state, accepted.changes, accepted.decided_at) == (
        ChangeRequest.State.APPROVED,
        {"short_description": "Réemploi et réparation."},
        person["accepted"].decided_at,
    )
    assert (accepted.author_name, accepted.author_email, accepted.message, accepted.submitter_key) == ("",) * 4
    claim = Claim.objects.get()
    assert (claim.pk, claim.state) == (person["approved_claim"].pk, Claim.State.APPROVED)
    assert (claim.name, claim.email, claim.job_title, claim.message, claim.submitter_key) == ("",) * 5
    account = User.objects.get(pk=person["account"].pk)
    assert (account.username, account.email, account.first_name, account.last_name) == (
        f"compte-efface-{account.pk}",
        "",
        "",
        "",
    )
    assert not account.is_active and not account.has_usable_password() and not account.groups.exists()
    assert not Representative.objects.exists()
    assert not AccessLog.objects.exists()
    # The history of the actor the account changed stays attached to the (anonymised) account.
    assert person["actor"].history.filter(history_user=account).count() == 1
    assert LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Contact)).object_repr == "[effacé]"
    assert "Effacé — contacts : 2" in printed
    assert "Anonymisé — comptes (désactivés) : 1" in printed
    [entry] = register()
    assert entry.change_message.startswith(
        f"erase_person par « Agent fictif », empreinte {personal_data.email_fingerprint(EMAIL)}"
    )
    assert [record.getMessage().split()[0] for record in personal_data_log] == ["erase_person"]


def test_erase_of_a_staff_address_is_refused_and_changes_nothing(person):
    factories.staff_user(username="agent-fictif", email=EMAIL.upper())
    before = copies_of(EMAIL)

    with pytest.raises(CommandError, match="compte de l'équipe .*« agent-fictif ».*revient à l'administrateur"):
        run("erase_person", EMAIL, "--yes")

    assert copies_of(EMAIL) == before
    assert Contact.objects.filter(email__iexact=EMAIL).count() == 2
    assert register() == []


def test_erase_dry_run_says_what_it_would_do_and_changes_nothing(person, personal_data_log):
    before = {model: sorted(model.objects.values_list("pk", flat=True)) for model in apps.get_models()}

    printed = run("erase_person", EMAIL, "--dry-run")

    assert "2 contact(s) effacé(s)" in printed
    assert "1 contribution(s) acceptée(s) anonymisée(s), la décision gardée" in printed
    assert "Simulation (--dry-run) : rien n'a été effacé." in printed
    assert {model: sorted(model.objects.values_list("pk", flat=True)) for model in apps.get_models()} == before
    assert User.objects.get(pk=person["account"].pk).is_active
    assert ChangeRequest.objects.get(pk=person["accepted"].pk).author_email == EMAIL
    assert register() == []
    assert [record.getMessage().split()[:2] for record in personal_data_log] == [["erase_person", "(dry"]]


def test_erase_asks_for_confirmation(person, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda prompt: "non")
    with pytest.raises(CommandError, match="Effacement annulé : rien n'a été effacé"):
        run("erase_person", EMAIL)
    assert Contact.objects.filter(email__iexact=EMAIL).count() == 2

    monkeypatch.setattr(builtins, "input", lambda prompt: "oui")
    run("erase_person", EMAIL)
    assert copies_of(EMAIL) == []


def test_erase_without_a_terminal_to_confirm_erases_nothing(person, monkeypatch):
    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr(builtins, "input", no_terminal)
    with pytest.raises(CommandError, match="Effacement annulé"):
        run("erase_person", EMAIL)
    assert Contact.objects.filter(email__iexact=EMAIL).count() == 2


def test_erase_is_all_or_nothing(person, monkeypatch):
    def broken(user):
        raise RuntimeError("panne au milieu de l'effacement")

    monkeypatch.setattr(personal_data, "_anonymise_account", broken)
    with pytest.raises(RuntimeError):
        run("erase_person", EMAIL, "--yes")

    assert Contact.objects.filter(email__iexact=EMAIL).count() == 2
    assert ChangeRequest.objects.count() == 2 and Claim.objects.count() == 2
    assert Contact.history.filter(last_name=LAST_NAME).count() == 3
    assert register() == []


def test_erase_leaves_an_organisations_public_email_to_the_moderators_and_says_so(person):
    actor = factories.actor(name="Association fictive de Camille", email=EMAIL)

    printed = run("erase_person", EMAIL, "--yes")

    assert "Laissé — acteur « Association fictive de Camille » (email)" in printed
    assert Actor.objects.get(pk=actor.pk).email == EMAIL
    assert not Contact.objects.filter(email__iexact=EMAIL).exists()


def test_erase_of_an_unknown_address_says_so(db):
    printed = run("erase_person", "personne@example.org")
    assert "ne conserve aucune donnée liée à l'adresse personne@example.org" in printed


# ---------------------------------------------------------------------------
# Retention


def _aged(obj, *, days: int, decided: bool = True):
    when = timezone.now() - timedelta(days=days)
    type(obj).objects.filter(pk=obj.pk).update(created_at=when, decided_at=when if decided else None)
    return obj


def _request(state=ChangeRequest.State.REJECTED, **fields) -> ChangeRequest:
    return ChangeRequest.objects.create(
        kind=ChangeRequest.Kind.PROPOSAL,
        state=state,
        changes={"name": "Proposition fictive"},
        author_email="auteur@example.org",
        submitter_key="c" * 64,
        **fields,
    )


def _claim(state=Claim.State.REJECTED) -> Claim:
    return Claim.objects.create(
        actor=factories.actor(),
        method=Claim.Method.REVIEW,
        state=state,
        name="Personne fictive",
        email="demandeur@example.org",
        submitter_key="d" * 64,
    )


def test_purge_erases_decided_contributions_and_claims_past_the_retention_and_old_keys(settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 365
    old = _aged(_request(state=ChangeRequest.State.APPROVED), days=400)
    recent = _aged(_request(), days=40)
    old_pending = _aged(_request(state=ChangeRequest.State.PENDING), days=400, decided=False)
    fresh = _aged(_request(state=ChangeRequest.State.PENDING), days=5, decided=False)
    undated = _aged(_request(), days=400, decided=False)  # decided, with no date of decision: its receipt counts
    _aged(_claim(), days=370)  # decided more than 365 days ago: erased
    recent_claim = _aged(_claim(state=Claim.State.APPROVED), days=100)

    printed = run("purge_contributions", "--operator", "cron")

    assert set(ChangeRequest.objects.values_list("pk", flat=True)) == {recent.pk, old_pending.pk, fresh.pk}
    assert not ChangeRequest.objects.filter(pk__in=[old.pk, undated.pk]).exists()
    assert set(Claim.objects.values_list("pk", flat=True)) == {recent_claim.pk}
    # Rate-limit keys older than 30 days are blanked, pending requests included; a fresh one stays.
    assert dict(ChangeRequest.objects.values_list("pk", "submitter_key")) == {
        recent.pk: "",
        old_pending.pk: "",
        fresh.pk: "c" * 64,
    }
    assert Claim.objects.get().submitter_key == ""
    assert "contributions décidées effacées : 2" in printed
    assert "revendications décidées effacées : 1" in printed
    assert "empreintes anti-abus effacées : 3" in printed
    assert "Conservation : 365 jours après la décision, 30 jours pour les empreintes anti-abus." in printed
    [entry] = register()
    assert entry.change_message.startswith("purge_contributions par « cron »")


def test_purge_follows_the_retention_setting(settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 30
    kept = _aged(_request(), days=20)
    _aged(_request(), days=40)
    run("purge_contributions")
    assert list(ChangeRequest.objects.values_list("pk", flat=True)) == [kept.pk]


def test_purge_dry_run_counts_and_changes_nothing(settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 365
    _aged(_request(), days=400)
    _aged(_request(state=ChangeRequest.State.PENDING), days=40, decided=False)

    printed = run("purge_contributions", "--dry-run")

    assert "contributions décidées effacées : 1" in printed
    assert "empreintes anti-abus effacées : 1" in printed
    assert "Simulation (--dry-run) : rien n'a été effacé." in printed
    assert ChangeRequest.objects.count() == 2
    assert set(ChangeRequest.objects.values_list("submitter_key", flat=True)) == {"c" * 64}
    assert register() == []


def test_purge_with_nothing_to_erase_keeps_no_register_entry(db):
    run("purge_contributions")
    assert register() == []


# ---------------------------------------------------------------------------
# The privacy page


def test_privacy_page_states_the_retention_periods_and_the_contact_address(client, settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 200
    settings.DEFAULT_FROM_EMAIL = "donnees@example.org"
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 45

    response = client.get("/confidentialite/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Données personnelles</h1>" in content
    assert "puis 200 jours" in content
    assert "effacée après 30 jours" in content
    assert "45 minutes sans activité" in content
    assert 'href="mailto:donnees@example.org"' in content
    for heading in ["Ce que le portail conserve", "Accéder à vos données ou les faire effacer"]:
        assert f">{heading}</h2>" in content


@pytest.mark.parametrize("path", ["/", "/annuaire/", "/mentions-legales/", "/confidentialite/"])
def test_every_footer_links_to_the_privacy_page(client, path):
    content = client.get(path).content.decode()
    footer = content[content.index('<footer class="site-footer"') :]
    assert 'href="/confidentialite/">Données personnelles</a>' in footer
    assert 'href="/mentions-legales/">Mentions légales</a>' in footer


def test_privacy_page_is_in_the_sitemap(client, read_sitemap):
    assert "/confidentialite/</loc>" in read_sitemap(client)


@pytest.mark.parametrize("raw", ["0", "un an"])
def test_the_retention_setting_must_be_a_positive_number_of_days(raw):
    env = {k: v for k, v in os.environ.items() if k != "CONTRIBUTION_RETENTION_DAYS"}
    result = subprocess.run(
        [sys.executable, "-c", "import ess_portal.settings"],
        env={**env, "CONTRIBUTION_RETENTION_DAYS": raw},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CONTRIBUTION_RETENTION_DAYS must be" in result.stderr
