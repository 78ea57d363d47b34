"""Small factory functions: each creates one valid object, keyword arguments override."""

import itertools

from directory.models import Actor, Commune, PublicationStatus

_counter = itertools.count(1)


def commune(insee_code: str = "93048") -> Commune:
    return Commune.objects.get(insee_code=insee_code)


def actor(**overrides) -> Actor:
    n = next(_counter)
    fields = {
        "name": f"Acteur fictif {n}",
        "legal_form": Actor.LegalForm.ASSOCIATION,
        "short_description": "Une structure fictive pour les tests.",
        "commune": overrides.pop("commune", None) or commune(),
        "postal_code": "93100",
        "status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = Actor(**fields)
    obj.full_clean()
    obj.save()
    return obj
