"""The one CSV writer neutralises formulas in every export; an expired or revoked token opens nothing."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import ApiToken
from ess_portal.csv_export import PLAIN, SPREADSHEET, csv_chunks, safe_cell
from tests import factories

LEADING = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("char", LEADING)
def test_every_formula_prefix_is_neutralised_in_both_formats(char):
    for csv_format in (SPREADSHEET, PLAIN):
        text = "".join(csv_chunks(["cellule"], [[f"{char}HYPERLINK(1)"]], csv_format=csv_format))
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=csv_format.delimiter))
        assert rows[1] == [f"'{char}HYPERLINK(1)"]


def test_plain_numbers_stay_numbers():
    assert [safe_cell(v) for v in ("-61.5", "+3", "-0,5", 48.86, None)] == ["-61.5", "+3", "-0,5", "48.86", ""]


@pytest.mark.django_db
@pytest.mark.parametrize("char", LEADING)
def test_the_api_actor_csv_neutralises_every_formula_prefix(char):
    factories.actor(name=f"{char}cmd|' /C calc'!A0 fictif")
    response = APIClient().get("/api/v1/actors/?format=csv")
    body = b"".join(response.streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["name"] == f"'{char}cmd|' /C calc'!A0 fictif"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_an_expired_or_revoked_token_is_a_401(state):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = APIClient().get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["detail"] == "Jeton inconnu, révoqué ou expiré."
