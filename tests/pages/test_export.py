import csv
import io

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def read_csv(response):
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


def test_export_streams_the_current_results_as_csv_with_bom_and_semicolons(client, populate):
    actors = populate(6)
    response = client.get("/annuaire/export.csv", {"commune": "93055"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="annuaire-ess-est-ensemble-')
    rows = read_csv(response)
    assert rows[0][:5] == ["nom", "identifiant", "SIRET", "forme juridique", "typologie"]
    assert [row[0] for row in rows[1:]] == ["Structure fictive 1", "Structure fictive 4"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["commune"] == "Pantin"
    assert first["code INSEE"] == "93055"
    assert first["fictif"] == "oui"
    assert first["page"] == f"http://testserver{actors[1].get_absolute_url()}"
    assert first["secteurs"] == actors[1].sectors.get().name


def test_export_leaves_out_unpublished_actors(client, draft_actor):
    factories.actor(name="Publiée")
    names = [row[0] for row in read_csv(client.get("/annuaire/export.csv"))[1:]]
    assert names == ["Publiée"]


def test_export_neutralises_spreadsheet_formulas(client):
    factories.actor(name='=HYPERLINK("http://evil")', short_description="+33 ou -1 ou @SUM(A1)")
    rows = read_csv(client.get("/annuaire/export.csv"))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["nom"] == '\'=HYPERLINK("http://evil")'
    assert record["description courte"] == "'+33 ou -1 ou @SUM(A1)"


def test_export_with_invalid_criteria_exports_nothing(client, populate):
    populate(2)
    rows = read_csv(client.get("/annuaire/export.csv", {"commune": "00000"}))
    assert len(rows) == 1
