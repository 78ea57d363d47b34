"""Small factories of the buyers' records: each creates one valid object, keyword arguments override."""

import itertools
from datetime import timedelta

from django.utils import timezone

from directory.models import PublicationStatus
from purchasing.models import BuyerNeed, CpvCode, SupplierOffer
from tests import factories

_counter = itertools.count(1)


def cpv(code: str = "55000000-0") -> CpvCode:
    return CpvCode.objects.get(code=code)


def offer(*, communes=None, **overrides) -> SupplierOffer:
    n = next(_counter)
    fields = {
        "title": f"Offre aux acheteurs fictive {n}",
        "cpv": overrides.pop("cpv", None) or cpv(),
        "whole_territory": communes is None,
        "status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    if "actor" not in fields:
        fields["actor"] = factories.actor()
    obj = SupplierOffer(**fields)
    obj.full_clean()
    obj.save()
    obj.communes.set([factories.commune(code) for code in communes or []])
    return obj


def need(*, communes=("93048",), **overrides) -> BuyerNeed:
    n = next(_counter)
    fields = {
        "title": f"Besoin fictif {n}",
        "description": "Un besoin fictif pour les tests.",
        "cpv": overrides.pop("cpv", None) or cpv(),
        "deadline": timezone.localdate() + timedelta(days=30),
        "buyer_name": "Acheteur fictif",
        "buyer_kind": BuyerNeed.BuyerKind.PUBLIC,
        "contact_email": f"acheteur{n}@example.org",
        "status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = BuyerNeed(**fields)
    obj.save()
    obj.communes.set([factories.commune(code) for code in communes])
    return obj
