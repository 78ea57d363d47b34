"""Fixtures of the public pages' tests: a small published directory with offers and cooperations."""

from decimal import Decimal

import pytest

from directory.models import Label, Neighbourhood, PublicationStatus, Role, Sector, Stage, SupportOffer, Typology
from tests import factories


@pytest.fixture
def populate():
    """Return a function adding `n` published actors (with sectors, labels, roles, coordinates, an offer each)."""

    def make(n: int, *, prefix: str = "Structure fictive"):
        sectors = list(Sector.objects.filter(parent__isnull=False)[:3])
        label = Label.objects.get(slug="esus")
        role = Role.objects.get(slug="accompagnateur")
        stages = list(Stage.objects.all()[:2])
        communes = ["93048", "93055", "93010"]
        actors = []
        for i in range(n):
            insee = communes[i % 3]
            commune = factories.commune(insee)
            actor = factories.actor(
                name=f"{prefix} {i}",
                commune=commune,
                postal_code=commune.postal_codes[0],
                typology=[Typology.ENTREPRENEURIAL, Typology.MILITANT][i % 2],
                latitude=Decimal("48.86") + Decimal(i) / 1000,
                longitude=Decimal("2.44"),
                employees=i,
                is_fictional=True,
            )
            actor.sectors.set([sectors[i % len(sectors)]])
            actor.labels.set([label])
            actor.roles.set([role])
            factories.support_offer(provider=actor, stages=stages, kind=SupportOffer.Kind.COACHING)
            actors.append(actor)
        return actors

    return make


@pytest.fixture
def neighbourhood():
    return Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")


@pytest.fixture
def draft_actor():
    return factories.actor(name="Fiche brouillon cachée", status=PublicationStatus.DRAFT)
