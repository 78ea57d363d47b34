"""Writes of the directory that touch several rows or have side effects.

Each function is keyword-only, runs in a transaction, and is what the admin, the API,
commands and importers call.
"""

import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from directory.models import Actor, ApiToken

TOKEN_PREFIX = "ess"


def _hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    organisation: Actor,
    name: str,
    scopes: list[str],
    created_by: User | None = None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """Create a token for a partner organisation; return it with the secret, shown only once.

    The secret reads `ess_<prefix>_<random>`; only its SHA-256 is stored.
    """
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organisation=organisation,
        name=name,
        scopes=sorted(set(scopes)),
        created_by=created_by,
        expires_at=expires_at,
        prefix=prefix,
        key_hash=_hash_secret(raw),
    )
    token.full_clean()
    token.save()
    return token, raw


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The active token matching a secret, or None. Records when it was last used."""
    if not raw or not raw.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token = ApiToken.objects.active().select_related("organisation").filter(key_hash=_hash_secret(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    # Avoid a write per request: a minute's precision is enough to see that a token is in use.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is not None:
        raise ValidationError("Ce jeton est déjà révoqué.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token
