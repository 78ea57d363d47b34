"""The need form against the hostile corpus: each value in each field answers a 200 (the form's error)
or a 302 after a valid need, never a 5xx, never the corpus's markup unescaped, never markup stored."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from purchasing.models import BuyerNeed
from tests.hostile import corpus
from tests.hostile.harness import report

pytestmark = pytest.mark.django_db

FIELDS = ("title", "description", "cpv", "communes", "deadline", "buyer_name", "buyer_kind", "contact_email")


@pytest.fixture(autouse=True)
def _open_form(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0
    settings.CONTRIBUTION_RATE_PER_HOUR = 10_000


def valid(client) -> dict:
    page = client.get("/acheteurs/besoins/deposer/")
    return {
        "started": page.context["form"]["started"].value(),
        "nickname": "",
        "title": "Besoin fictif",
        "description": "Un besoin fictif.",
        "cpv": "55000000-0",
        "communes": "93048",
        "deadline": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "buyer_name": "Acheteur fictif",
        "buyer_kind": "public",
        "contact_email": "acheteur@example.org",
    }


def test_hostile_values_in_each_field_of_the_need_form():
    client = Client(raise_request_exception=False)
    base = valid(client)
    failures = []
    for field in (*FIELDS, "started", "nickname"):
        for label, value in corpus.TEXTS.items():
            data = {**base, field: value}
            response = client.post("/acheteurs/besoins/deposer/", data)
            if response.status_code not in (200, 302):
                failures.append((field, label, response.status_code))
            elif any(markup.encode() in response.content for markup in corpus.MARKUP):
                failures.append((field, label, "markup echoed unescaped"))
    assert failures == [], report(failures)
    for need in BuyerNeed.objects.all():
        for name in ("title", "description", "buyer_name"):
            assert "<" not in getattr(need, name)
        assert "\x00" not in need.title + need.description + need.buyer_name
