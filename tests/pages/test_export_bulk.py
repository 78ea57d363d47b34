"""`/annuaire/export.csv` read in bulk gives the cells the export always gave, read from each actor."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from directory.models import Actor, Neighbourhood, PublicationStatus, Sector
from ess_portal.csv_export import safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


def _cells_of(actor: Actor, base: str) -> list[str]:
    """The export's row as written from a model instance, cell by cell, each through `safe_cell`."""
    commune = actor.commune
    values = [
        actor.name,
        actor.slug,
        actor.siret,
        actor.get_legal_form_display(),
        actor.get_typology_display(),
        ", ".join(sector.name for sector in actor.sectors.all()),
        actor.address,
        actor.postal_code,
        commune.name if commune else "",
        commune.insee_code if commune else "",
        actor.neighbourhood.name if actor.neighbourhood else "",
        actor.latitude,
        actor.longitude,
        actor.website,
        actor.email,
        actor.phone,
        actor.short_description,
        "oui" if actor.is_fictional else "non",
        timezone.localtime(actor.updated_at).isoformat(timespec="seconds"),
        base + actor.get_absolute_url(),
    ]
    return [safe_cell(value) for value in values]


def test_bulk_export_rows_are_the_cells_read_from_each_actor(client):
    sectors = list(Sector.objects.order_by("-position", "-name")[:3])
    rich = factories.actor(
        name="Épicerie fictive « L'Îlot »",
        commune=factories.commune("93048"),
        latitude=Decimal("48.860000"),
        longitude=Decimal("2.443210"),
        neighbourhood=Neighbourhood.objects.filter(communes__insee_code="93048").first(),
        is_fictional=True,
        short_description="Ligne 1\nLigne 2 ; « guillemets »",
        legal_form=Actor.LegalForm.SCOP,
    )
    rich.sectors.set(sectors)
    bare = factories.actor(name="=Formule", website="", email="")
    Actor.objects.filter(pk=bare.pk).update(commune=None, phone="-12 34")
    factories.actor(name="Brouillon caché", status=PublicationStatus.DRAFT)
    raw = b"".join(client.get("/annuaire/export.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    actors = Actor.objects.published().order_by("name", "pk")
    assert rows[1:] == [_cells_of(actor, "http://testserver") for actor in actors]
