import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from directory.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue()


def test_prints_the_secret_once_and_stores_its_hash_with_the_scopes():
    partner = factories.actor(name="Réseau fictif", slug="reseau-fictif")

    output = run("reseau-fictif", "--scope", "read:unpublished", "--scope", "write:actors", "--name", "synchro")

    token = ApiToken.objects.get()
    secret = output.strip().splitlines()[-1]
    assert secret.startswith(f"ess_{token.prefix}_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.organisation, token.name, token.scopes) == (partner, "synchro", ["read:unpublished", "write:actors"])
    assert token.expires_at is None
    assert "Réseau fictif" in output
    assert "il ne sera plus affiché" in output


def test_expiry_day_is_included_until_midnight_paris_time():
    factories.actor(slug="reseau-fictif")

    run("reseau-fictif", "--expires", "2099-12-31")

    assert timezone.localtime(ApiToken.objects.get().expires_at).isoformat() == "2100-01-01T00:00:00+01:00"


def test_without_name_the_token_is_named_after_the_day():
    factories.actor(slug="reseau-fictif")

    run("reseau-fictif")

    token = ApiToken.objects.get()
    assert token.name == f"Jeton du {timezone.localdate().isoformat()}"
    assert token.scopes == []


def test_staff_may_give_the_trusted_scope():
    factories.actor(slug="reseau-fictif")

    output = run("reseau-fictif", "--scope", "write:actors", "--scope", "trusted")

    token = ApiToken.objects.get()
    assert token.scopes == ["trusted", "write:actors"]
    assert token.has_scope(ApiToken.Scope.TRUSTED)
    assert "droits : trusted, write:actors" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inconnu"], "Aucun acteur n'a l'identifiant d'URL « inconnu »."),
        (
            ["reseau-fictif", "--scope", "write:everything"],
            "Droit inconnu : write:everything. "
            "Droits possibles : read:unpublished, write:actors, write:initiatives, trusted.",
        ),
        (
            ["reseau-fictif", "--expires", "31/12/2099"],
            "Date d'expiration illisible « 31/12/2099 » : attendu AAAA-MM-JJ.",
        ),
        (["reseau-fictif", "--expires", "2020-01-01"], "La date d'expiration est déjà passée."),
        (["reseau-fictif", "--name", "x" * 101], "au plus 100 caractères"),
    ],
)
def test_bad_arguments_stop_with_a_french_message_and_create_nothing(args, message):
    factories.actor(slug="reseau-fictif")

    with pytest.raises(CommandError) as error:
        run(*args)

    assert message in str(error.value)
    assert not ApiToken.objects.exists()
