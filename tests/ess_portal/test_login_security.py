"""Staff login: lockout after failures, client address, passwords, second factor, session lifetime."""

import os
import subprocess
import sys
import time
from base64 import b32encode
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ess_portal.client_ip import client_ip
from ess_portal.sessions import LAST_ACTIVITY_KEY, STARTED_AT_KEY
from tests import factories

PASSWORD = "mot-de-passe-de-test"  # tests.factories.staff_user's
LOCKED_OUT = "Trop de tentatives de connexion ont échoué"

# Django's admin templates rely on empty defaults for variables they do not get.
pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


def log_in(client, username, password=PASSWORD, otp_token="", **request_meta):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": otp_token, "next": "/admin/"},
        **request_meta,
    )


def is_signed_in(client) -> bool:
    return SESSION_KEY in client.session


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows (`steps_ahead` periods later, within the tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    valid = {code_of(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


# Lockout (django-axes) ------------------------------------------------------------------------


def test_the_right_password_is_refused_after_too_many_failures_on_the_account(client):
    user = factories.staff_user()
    for n in range(5):  # from five addresses: the account is locked wherever the attempts come from
        log_in(client, user.username, "mauvais-mot-de-passe", REMOTE_ADDR=f"203.0.113.{n + 1}")

    response = log_in(client, user.username, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 429
    content = response.content.decode()
    assert LOCKED_OUT in content
    assert "bloquée pendant 30 minutes" in content
    assert "Réessayez à partir de" in content
    assert response["Retry-After"] == "1800"
    assert not is_signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock_the_account(client):
    user = factories.staff_user()
    for _ in range(4):
        assert log_in(client, user.username, "mauvais-mot-de-passe").status_code == 200

    response = log_in(client, user.username)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_an_address_is_locked_after_failures_on_several_accounts(client):
    user = factories.staff_user()
    for n in range(5):
        log_in(client, f"inconnu{n}", "mauvais-mot-de-passe", REMOTE_ADDR="198.51.100.9")

    assert log_in(client, user.username, REMOTE_ADDR="198.51.100.9").status_code == 429
    assert not is_signed_in(client)
    # The account itself is not locked: from another address it signs in.
    assert log_in(client, user.username, REMOTE_ADDR="198.51.100.10").status_code == 302


def test_a_successful_login_clears_the_failures(client):
    user = factories.staff_user()
    for _ in range(4):
        log_in(client, user.username, "mauvais-mot-de-passe")
    assert log_in(client, user.username).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.post(reverse("admin:logout"))

    for _ in range(4):
        log_in(client, user.username, "mauvais-mot-de-passe")

    assert log_in(client, user.username).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    user = factories.staff_user()
    for _ in range(5):
        log_in(client, user.username, "mauvais-mot-de-passe")
    assert log_in(client, user.username).status_code == 429

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=31))

    assert log_in(client, user.username).status_code == 302
    assert is_signed_in(client)


def test_failures_are_logged_for_the_admin_with_french_labels(client, admin_client):
    for _ in range(5):
        log_in(client, "agent-inconnu", "mauvais-mot-de-passe")

    assert AccessFailureLog.objects.filter(username="agent-inconnu").count() == 5
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "tentatives de connexion" in content
    assert "Verrouillé" in content
    assert admin_client.get(reverse("admin:axes_accessfailurelog_changelist")).status_code == 200


# Client address ---------------------------------------------------------------------------------


def test_a_spoofed_x_forwarded_for_is_ignored_without_trusted_proxies(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = factories.staff_user()
    for n in range(5):
        log_in(client, f"inconnu{n}", "mauvais-mot-de-passe", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")

    response = log_in(client, user.username, HTTP_X_FORWARDED_FOR="192.0.2.200")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_x_forwarded_for_is_honoured_behind_one_trusted_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = factories.staff_user()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(5):  # what the client writes on the left changes; what our proxy appends does not
        log_in(
            client, f"inconnu{n}", "mauvais-mot-de-passe", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7", **proxy
        )

    assert log_in(client, user.username, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 429
    assert log_in(client, user.username, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code == 302


def test_the_client_address_is_the_nth_from_the_right_of_x_forwarded_for(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.1, 10.0.0.1")

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 5  # fewer entries than proxies: the leftmost
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 1
    garbled = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, pas-une-adresse")
    assert client_ip(garbled) == "10.0.0.2"


# Passwords --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Court-2026", "password_too_short"),
        ("password1234", "password_too_common"),
        ("314159265358979", "password_entirely_numeric"),
        ("camille.dupont-93", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    user = factories.staff_user(username="camille.dupont", email="camille.dupont@example.org")

    with pytest.raises(ValidationError) as error:
        validate_password(password, user)

    assert code in {e.code for e in error.value.error_list}


def test_the_demo_password_passes_the_validators():
    demo = factories.staff_user(username="demo", email="demo@example.org", first_name="Compte de démonstration")

    validate_password("demo-ess-2026", demo)


# Second factor (django-otp) ---------------------------------------------------------------------


def test_staff_enrol_an_authenticator_app_by_confirming_a_first_code(client):
    user = factories.staff_user()
    client.force_login(user)

    page = client.get(reverse("admin:otp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    content = page.content.decode()
    assert "<svg" in content
    assert "style=" not in content  # the Content-Security-Policy forbids style attributes
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in content
    assert client.get(reverse("admin:otp_setup")).context["secret"].replace(" ", "") == secret  # same on reload

    refused = client.post(reverse("admin:otp_setup"), {"otp_token": wrong_code_for(device)})
    assert "Code incorrect ou expiré" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    accepted = client.post(reverse("admin:otp_setup"), {"otp_token": code_of(device)})

    device.refresh_from_db()
    assert device.confirmed
    backup_codes = accepted.context["backup_codes"]
    assert len(backup_codes) == 10
    assert all(code in accepted.content.decode() for code in backup_codes)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_index_links_to_the_two_factor_page(client):
    client.force_login(factories.staff_user())

    assert reverse("admin:otp_setup") in client.get(reverse("admin:index")).content.decode()


def test_an_account_with_a_device_must_give_its_code_to_sign_in(client):
    user = factories.staff_user()
    device = confirmed_device(user)

    without_code = log_in(client, user.username)
    assert without_code.status_code == 200
    assert "protégé par la double authentification" in without_code.content.decode()
    assert not is_signed_in(client)

    with_code = log_in(client, user.username, otp_token=code_of(device))
    assert with_code.status_code == 302
    assert is_signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(client):
    user = factories.staff_user()
    device = confirmed_device(user)

    response = log_in(client, user.username, otp_token=wrong_code_for(device))

    assert response.status_code == 200
    assert "Code de vérification incorrect" in response.content.decode()
    assert not is_signed_in(client)
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 1


def test_a_backup_code_signs_in_once(client):
    user = factories.staff_user()
    client.force_login(user)
    client.get(reverse("admin:otp_setup"))
    device = TOTPDevice.objects.get(user=user)
    backup_code = client.post(reverse("admin:otp_setup"), {"otp_token": code_of(device)}).context["backup_codes"][0]
    client.logout()

    assert log_in(client, user.username, otp_token=backup_code.upper()).status_code == 302
    client.post(reverse("admin:logout"))
    assert not StaticToken.objects.filter(token=backup_code).exists()
    assert log_in(client, user.username, otp_token=backup_code).status_code == 200
    assert not is_signed_in(client)


def test_a_superuser_without_a_device_is_kept_on_the_enrolment_page_when_required(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    superuser = factories.staff_user(superuser=True)

    assert log_in(client, superuser.username).status_code == 302
    setup_url = reverse("admin:otp_setup")
    for url in [reverse("admin:index"), reverse("admin:directory_actor_changelist"), reverse("admin:login")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == setup_url
    page = client.get(setup_url)
    assert "obligatoire pour les super-utilisateurs" in page.content.decode()

    device = TOTPDevice.objects.get(user=superuser)
    client.post(setup_url, {"otp_token": code_of(device)})

    assert client.get(reverse("admin:directory_actor_changelist")).status_code == 200


def test_a_superuser_waiting_for_enrolment_can_sign_out(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    client.force_login(factories.staff_user(superuser=True))

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 200
    assert not is_signed_in(client)


def test_a_superuser_with_a_device_signs_in_with_its_code_when_required(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    superuser = factories.staff_user(superuser=True)
    device = confirmed_device(superuser)

    assert log_in(client, superuser.username, otp_token=code_of(device)).status_code == 302

    assert client.get(reverse("admin:index")).status_code == 200


def test_superusers_use_the_password_alone_when_the_switch_is_off(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False
    superuser = factories.staff_user(superuser=True)

    assert log_in(client, superuser.username).status_code == 302

    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_who_are_not_superusers_need_no_device_even_when_superusers_do(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    editor = factories.staff_user(group="Éditeurs")

    assert log_in(client, editor.username).status_code == 302

    assert client.get(reverse("admin:index")).status_code == 200


def _settings_in_a_fresh_process(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "LOGIN_", "OTP_", "SESSION_"))}
    return subprocess.run(
        [sys.executable, "-c", f"from ess_portal import settings as s; {code}"],
        env={**clean, "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_superusers_need_a_second_factor_by_default_in_production_only():
    production = _settings_in_a_fresh_process("print(s.OTP_REQUIRED_FOR_SUPERUSERS)", DEBUG="0")
    development = _settings_in_a_fresh_process("print(s.OTP_REQUIRED_FOR_SUPERUSERS)", DEBUG="1")

    assert production.stdout.strip() == "True"
    assert development.stdout.strip() == "False"


def test_login_and_session_limits_are_read_from_the_environment():
    result = _settings_in_a_fresh_process(
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.SESSION_COOKIE_AGE, s.SESSION_IDLE_TIMEOUT_MINUTES)",
        LOGIN_FAILURE_LIMIT="3",
        LOGIN_COOLOFF_MINUTES="10",
        SESSION_MAX_AGE_HOURS="8",
        SESSION_IDLE_TIMEOUT_MINUTES="45",
    )
    assert result.stdout.split() == ["3", "0:10:00", "28800", "45"]

    refused = _settings_in_a_fresh_process("", LOGIN_FAILURE_LIMIT="0")
    assert refused.returncode != 0
    assert "LOGIN_FAILURE_LIMIT must be a positive integer" in refused.stderr


# Session lifetime -------------------------------------------------------------------------------


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_for_too_long_is_signed_out_with_a_message(client):
    client.force_login(factories.staff_user())
    assert client.get(reverse("admin:index")).status_code == 200
    _age_session(client, **{LAST_ACTIVITY_KEY: 121 * 60})

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert "Votre session a expiré après 120 minutes d&#x27;inactivité" in response.content.decode()
    assert not is_signed_in(client)


def test_a_session_active_within_the_idle_period_goes_on(client):
    client.force_login(factories.staff_user())
    _age_session(client, **{LAST_ACTIVITY_KEY: 119 * 60})

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 5


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(client, settings):
    client.force_login(factories.staff_user())
    _age_session(client, **{STARTED_AT_KEY: 12 * 3600 + 60, LAST_ACTIVITY_KEY: 60})

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert "elle dure au plus 12 heures" in response.content.decode()
    assert not is_signed_in(client)
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
