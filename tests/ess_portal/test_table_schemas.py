"""Every CSV file has a Table Schema made from the columns its writer writes, linked from the file."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from directory.models import Actor, Sector
from ess_portal.api_urls import CSV_TABLES
from ess_portal.csv_export import SPREADSHEET, TABLE_SCHEMA_TYPES
from projects import services
from projects.models import Initiative, Site
from tests import factories
from tests.observatory import factories as observatory_factories
from tests.projects import factories as project_factories
from tests.purchasing import factories as buyers

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CODE_WORDS = {"siret", "siren", "rna", "insee", "postal"}


def populate():
    """A few records of every kind, with the values that are easy to get wrong in a CSV."""
    sector = Sector.objects.filter(parent__isnull=False).first()
    actor = factories.actor(
        name="=Coopérative fictive ; du canal",
        siret="73282932000074",
        latitude=Decimal("48.861234"),
        longitude=Decimal("2.443210"),
        employees=12,
        founded_year=2012,
        website="https://exemple.org",
        email="contact@exemple.org",
        is_fictional=True,
    )
    actor.sectors.set([sector])
    partner = factories.actor(commune=factories.commune("93006"), postal_code="93170")
    factories.cooperation(source=actor, target=partner, description="=Mutualisation ; fictive")
    site = project_factories.site(owner=actor, latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    site.occupants.set([actor])
    initiative = project_factories.initiative(lead_actor=actor, communes=[factories.commune("93048")])
    consultation = project_factories.consultation(initiative, title="=Atelier fictif ; du canal")
    services.link_consultation(consultation=consultation, participants=[services.Participation(actor=actor)])
    factories.deal(ess_actor=actor, amount=Decimal("1.5"))
    project_factories.event(title="Atelier ; fictif, du canal", actors=[actor], initiatives=[initiative])
    project_factories.event(attendance_mode="online", online_url="https://visio.example.org/x", commune=None)
    buyers.offer(actor=actor, title="=Traiteur ; fictif", communes=["93048"], max_order_amount=Decimal("1500.5"))
    return {"actor": actor, "site": site, "initiative": initiative}


def admin_export(client, changelist: str, records) -> object:
    client.force_login(factories.staff_user(superuser=True))
    return client.post(
        reverse(changelist), {"action": "export_csv", ACTION_CHECKBOX_NAME: [record.pk for record in records]}
    )


# Each CSV writer of the portal: how to get its file.
WRITERS = {
    "actors": lambda client: client.get("/api/v1/actors/?format=csv"),
    "sites": lambda client: client.get("/api/v1/sites/?format=csv"),
    "consultations": lambda client: client.get("/api/v1/consultations/?format=csv"),
    "deals": lambda client: client.get("/api/v1/deals/?format=csv"),
    "cooperations": lambda client: client.get("/api/v1/cooperations/?format=csv"),
    "events": lambda client: client.get("/api/v1/events/?format=csv"),
    "directory-export": lambda client: client.get(reverse("directory:actor_export")),
    "admin-actors": lambda client: admin_export(client, "admin:directory_actor_changelist", Actor.objects.all()),
    "admin-initiatives": lambda client: admin_export(
        client, "admin:projects_initiative_changelist", Initiative.objects.all()
    ),
    "admin-sites": lambda client: admin_export(client, "admin:projects_site_changelist", Site.objects.all()),
    "observatory-figures": lambda client: (
        observatory_factories.enough_for_a_group(),
        client.get("/api/v1/observatory/figures/?format=csv"),
    )[1],
    "supplier-offers": lambda client: client.get("/api/v1/supplier-offers/?format=csv"),
    "supplier-shortlist": lambda client: client.get(reverse("purchasing:supplier_export")),
}


def read_csv(response, table) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    if table.csv_format.byte_order_mark:
        assert body.startswith("\ufeff")
        body = body[1:]
    return list(csv.reader(io.StringIO(body), delimiter=table.csv_format.delimiter))


def test_every_csv_writer_has_a_table_schema():
    assert set(WRITERS) == set(CSV_TABLES)


def test_csv_files_are_only_written_through_a_table():
    """`csv_response` is the one CSV writer; outside its module, files go through `CsvTable.response`."""
    callers = [
        path.relative_to(ROOT)
        for app in ("directory", "projects", "ess_portal", "observatory")
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"(?<![\w.])csv_response\(", path.read_text()) and path.name != "csv_export.py"
    ]
    assert callers == []


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_schema_fields_are_the_header_of_the_file_and_the_file_links_its_schema(client, name):
    populate()
    table = CSV_TABLES[name]
    response = WRITERS[name](client)
    assert response.status_code == 200
    schema_url = f"{settings.SITE_URL}/api/v1/schemas/{name}.json"
    assert response["Link"] == f'<{schema_url}>; rel="describedby"; type="application/schema+json"'
    rows = read_csv(response, table)
    schema = client.get(f"/api/v1/schemas/{name}.json")
    assert schema.status_code == 200
    assert schema["Content-Type"] == "application/schema+json"
    fields = schema.json()["fields"]
    assert [field["name"] for field in fields] == rows[0]
    assert all(len(row) == len(rows[0]) for row in rows[1:])
    assert len(rows) > 1


@pytest.mark.parametrize("name", sorted(CSV_TABLES))
def test_codes_are_strings_with_a_pattern_and_every_field_is_typed(name):
    schema = CSV_TABLES[name].table_schema()
    assert schema["missingValues"] == [""]
    for field in schema["fields"]:
        assert set(field) >= {"name", "title", "type", "format"}
        assert field["type"] in TABLE_SCHEMA_TYPES
        if CODE_WORDS & set(re.split(r"[^a-z]+", field["name"].lower())):
            assert field["type"] == "string", field
            assert field["constraints"]["pattern"].startswith("^"), field


def test_siret_insee_code_and_postal_code_patterns():
    fields = {field["name"]: field for field in CSV_TABLES["actors"].table_schema()["fields"]}
    assert fields["siret"]["constraints"] == {"pattern": r"^\d{14}$"}
    assert fields["postal_code"]["constraints"] == {"pattern": r"^\d{5}$"}
    assert re.fullmatch(fields["commune_insee_code"]["constraints"]["pattern"], "2A004")
    assert fields["latitude"]["type"] == "number"
    assert fields["updated_at"]["type"] == "datetime"


def test_an_unknown_schema_is_a_json_404(client):
    response = client.get("/api/v1/schemas/inconnu.json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# A small Table Schema validator: types, their default formats, and the constraints the portal uses.
def cell_errors(field: dict, cell: str) -> list[str]:
    if cell == "":
        return []
    kind = field["type"]
    constraints = field.get("constraints", {})
    value: object = cell
    try:
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", cell):
                raise ValueError
            value = int(cell)
        elif kind == "number":
            if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cell):
                raise ValueError
            value = Decimal(cell)
        elif kind == "boolean":
            true_values = field.get("trueValues", ["true", "True", "TRUE", "1"])
            false_values = field.get("falseValues", ["false", "False", "FALSE", "0"])
            if cell not in (*true_values, *false_values):
                raise ValueError
        elif kind == "date":
            datetime.date.fromisoformat(cell)
        elif kind == "datetime":
            parsed = datetime.datetime.fromisoformat(cell)
            if "T" not in cell or parsed.tzinfo is None:
                raise ValueError
    except ValueError:
        return [f"{field['name']}: {cell!r} is not a {kind}"]
    errors = []
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"].strip("^$"), cell):
        errors.append(f"{field['name']}: {cell!r} does not match {constraints['pattern']}")
    if "enum" in constraints and cell not in constraints["enum"]:
        errors.append(f"{field['name']}: {cell!r} is not one of {constraints['enum']}")
    if "minimum" in constraints and value < constraints["minimum"]:
        errors.append(f"{field['name']}: {cell!r} is below {constraints['minimum']}")
    if "maximum" in constraints and value > constraints["maximum"]:
        errors.append(f"{field['name']}: {cell!r} is above {constraints['maximum']}")
    if field.get("format") == "email" and "@" not in cell:
        errors.append(f"{field['name']}: {cell!r} is not an e-mail address")
    if field.get("format") == "uri" and not re.match(r"https?://", cell):
        errors.append(f"{field['name']}: {cell!r} is not a URI")
    return errors


def validate(rows: list[list[str]], schema: dict) -> list[str]:
    fields = schema["fields"]
    errors = [] if [field["name"] for field in fields] == rows[0] else ["header differs from the fields"]
    for row in rows[1:]:
        for field, cell in zip(fields, row, strict=True):
            errors.extend(cell_errors(field, cell))
    return errors


def test_the_validator_catches_cells_of_the_wrong_type():
    schema = CSV_TABLES["actors"].table_schema()
    fields = {field["name"]: field for field in schema["fields"]}
    assert cell_errors(fields["siret"], "1234") and cell_errors(fields["latitude"], "48,86")
    assert cell_errors(fields["employees"], "douze") and cell_errors(fields["updated_at"], "2026-12-01")
    assert cell_errors(fields["status"], "secret") and cell_errors(fields["is_fictional"], "oui")
    assert not cell_errors(fields["siret"], "73282932000074")


@pytest.mark.parametrize("name", ["actors", "sites", "directory-export", "admin-actors"])
def test_real_exports_are_valid_against_their_schema(client, name):
    populate()
    table = CSV_TABLES[name]
    rows = read_csv(WRITERS[name](client), table)
    assert validate(rows, client.get(f"/api/v1/schemas/{name}.json").json()) == []


def test_admin_exports_of_initiatives_and_sites_are_valid_against_their_schema(client):
    records = populate()
    project_factories.funding_line(records["initiative"], funder=records["actor"])
    for name in ("admin-initiatives", "admin-sites"):
        table = CSV_TABLES[name]
        assert table.csv_format == SPREADSHEET
        assert validate(read_csv(WRITERS[name](client), table), table.table_schema()) == []
