import io
import json
import re

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_lists_the_contract_paths(schema):
    assert {
        "/api/v1/actors/",
        "/api/v1/actors/{slug}/",
        "/api/v1/initiatives/",
        "/api/v1/initiatives/{slug}/",
        "/api/v1/sectors/",
        "/api/v1/communes/",
        "/api/v1/communes/{insee_code}/",
        "/api/v1/neighbourhoods/",
        "/api/v1/support-offers/",
        "/api/v1/sites/",
        "/api/v1/exports/data-inclusion/structures/",
        "/api/v1/exports/data-inclusion/services/",
        "/api/v1/change-requests/",
        "/api/v1/change-requests/{id}/",
    } <= set(schema["paths"])


def test_every_query_parameter_is_described(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert parameter.get("description"), (method, path, parameter["name"])


def test_every_operation_documents_the_errors_it_may_answer(schema):
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/schema/"):
            continue
        for method, operation in operations.items():
            responses = set(operation["responses"])
            assert {"400", "401", "406", "429"} <= responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)


def test_exports_have_no_detail_route(api, schema):
    assert not [path for path in schema["paths"] if path.startswith("/api/v1/exports/") and "{" in path]
    response = api.get("/api/v1/exports/data-inclusion/structures/anything/")
    assert response.status_code == 404


def test_writes_document_their_error_codes(schema):
    patch = schema["paths"]["/api/v1/actors/{slug}/"]["patch"]
    assert {"200", "400", "401", "403", "404", "412", "428", "429"} <= set(patch["responses"])
    assert patch["security"] == [{"partnerToken": []}, {"staffSession": []}]
    assert {} in schema["paths"]["/api/v1/actors/"]["get"]["security"]
    listing = schema["paths"]["/api/v1/actors/"]["get"]
    assert set(listing["responses"]["200"]["content"]) == {"application/json", "application/geo+json", "text/csv"}


def test_updates_document_the_change_request_a_published_record_gets(schema):
    for method in ("put", "patch"):
        accepted = schema["paths"]["/api/v1/actors/{slug}/"][method]["responses"]["202"]
        assert accepted["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ChangeRequest"}
        assert accepted["headers"]["Location"]["schema"] == {"type": "string", "format": "uri"}
    assert set(schema["components"]["schemas"]["ChangeRequest"]["properties"]) == {
        "id",
        "kind",
        "state",
        "actor",
        "changes",
        "created_at",
        "decided_at",
        "decision_reason",
        "applied_fields",
        "url",
    }


def test_change_requests_are_not_read_anonymously(schema):
    for path in ("/api/v1/change-requests/", "/api/v1/change-requests/{id}/"):
        assert schema["paths"][path]["get"]["security"] == [{"partnerToken": []}, {"staffSession": []}]


def test_interactive_docs_use_only_local_assets(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_schema_documents_each_indicator_with_its_dated_measurements(schema):
    components = schema["components"]["schemas"]
    measurements = components["Indicator"]["properties"]["measurements"]
    assert measurements["readOnly"] is True
    assert measurements["description"]
    assert measurements["items"] == {"$ref": "#/components/schemas/Measurement"}
    fields = components["Measurement"]["properties"]
    assert fields["measured_on"] == {"type": "string", "format": "date", "title": "Date de la mesure"}
    assert fields["value"]["type"] == "number"
    assert components["Measurement"]["required"] == ["measured_on", "value"]


def test_the_schema_description_opens_with_the_incremental_sync_recipe(schema, settings):
    description = schema["info"]["description"]
    assert description.startswith("## Synchronisation incrémentale\n")
    assert re.findall(r"^## (.+)$", description, re.MULTILINE) == [
        "Synchronisation incrémentale",
        "Authentification",
        "Pagination",
        "Erreurs",
    ]
    bodies = re.split(r"^## .+$", description, flags=re.MULTILINE)[1:]
    sections = dict(zip(["sync", "auth", "pages", "errors"], bodies, strict=True))
    recipe = re.findall(r"^\d\. .+$", sections["sync"], re.MULTILINE)
    assert [step for step in recipe if "updated_since=" in step and "ordering=updated_at" in step] == recipe[:1]
    assert "`next`" in recipe[1] and "`updated_at`" in recipe[2]
    assert "`ETag`" in recipe[3] and "`If-None-Match`" in recipe[3] and "304" in recipe[3]
    assert "Authorization: Bearer <jeton>" in sections["auth"]
    assert all(f"`{scope}`" in sections["auth"] for scope in ("read:unpublished", "write:actors", "write:initiatives"))
    assert f"{settings.API_PAGE_SIZE} par défaut" in sections["pages"]
    assert f"({settings.API_MAX_PAGE_SIZE} par défaut)" in sections["pages"]
    assert '"status": 400, "code": "invalid"' in sections["errors"]
    for status in (400, 401, 403, 404, 412, 428, 429):
        assert f"{status}" in sections["errors"], status


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_declare_their_language(api, url):
    assert '<html lang="fr">' in api.get(url).content.decode()


@pytest.mark.parametrize(("query", "filename"), [("", "ess-portal-api.yaml"), ("?format=json", "ess-portal-api.json")])
def test_the_schema_downloads_under_an_ascii_file_name(api, query, filename):
    response = api.get(f"/api/v1/schema/{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'


def test_no_nullable_beside_a_reference_without_a_type(schema):
    def nodes(node):
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from nodes(value)
        elif isinstance(node, list):
            for value in node:
                yield from nodes(value)

    untyped = [node for node in nodes(schema) if node.get("nullable") and "type" not in node]
    assert untyped == []
    energy_review = schema["components"]["schemas"]["Initiative"]["properties"]["energy_review"]
    assert energy_review["allOf"] == [{"$ref": "#/components/schemas/EnergyReviewEnum"}]
    assert energy_review["type"] == "string" and energy_review["nullable"] is True
    lead_actor = schema["components"]["schemas"]["Initiative"]["properties"]["lead_actor"]
    assert lead_actor["type"] == "object" and lead_actor["nullable"] is True


def test_nullable_choices_are_nullable_enums_without_null_or_blank_components(schema):
    components = schema["components"]["schemas"]
    assert not [name for name in components if name.startswith(("Null", "Blank")) and name.endswith("Enum")]
    for name, component in components.items():
        if "enum" in component:
            assert None not in component["enum"] and "" not in component["enum"], name


def test_every_tag_used_is_declared_and_described(schema):
    declared = {tag["name"]: tag["description"] for tag in schema["tags"]}
    used = {tag for operations in schema["paths"].values() for op in operations.values() for tag in op["tags"]}
    assert used == set(declared)
    assert all(declared.values())


def test_every_operation_has_a_summary_and_a_description(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (method, path)


def test_info_gives_the_server_contact_and_license(schema, settings):
    # Served over HTTP: the address that answered (the docs page tries its operations there).
    assert schema["servers"] == [{"url": "http://testserver", "description": "Portail de l'ESS d'Est Ensemble"}]
    assert schema["info"]["contact"] == {"name": "ESS Portal — Est Ensemble", "email": settings.API_CONTACT_EMAIL}
    assert schema["info"]["license"]["name"] == "AGPL-3.0-or-later"


def test_page_size_states_its_bounds(schema, settings):
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "page_size":
                    bounds = {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE}
                    assert parameter["schema"] == bounds, path
                    assert str(settings.API_MAX_PAGE_SIZE) in parameter["description"], path


def test_amounts_and_surfaces_state_the_bounds_of_their_model_validators(schema):
    components = schema["components"]["schemas"]
    site = components["Site"]["properties"]
    assert (site["surface_m2"]["minimum"], site["surface_m2"]["maximum"]) == (0.1, 1_000_000)
    assert (site["negotiated_rent"]["minimum"], site["negotiated_rent"]["maximum"]) == (0, 1_000_000)
    assert components["Initiative"]["properties"]["target_budget"]["minimum"] == 0
    assert components["Actor"]["properties"]["fte"]["minimum"] == 0
    for name in ("employees", "volunteers"):
        assert components["ActorWrite"]["properties"][name]["minimum"] == 0


@pytest.mark.parametrize(
    ("path", "identifier_type"),
    [
        ("/api/v1/actors/", "integer"),
        ("/api/v1/initiatives/", "integer"),
        ("/api/v1/sites/", "integer"),
        ("/api/v1/support-offers/", "integer"),
        ("/api/v1/cooperations/", "integer"),
        ("/api/v1/exports/data-inclusion/structures/", "string"),
        ("/api/v1/exports/data-inclusion/services/", "string"),
    ],
)
def test_synced_lists_describe_their_tombstones(schema, path, identifier_type):
    operation = schema["paths"][path]["get"]
    assert "updated_since" in [parameter["name"] for parameter in operation["parameters"]]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    tombstone = page["properties"]["withdrawn"]["items"]
    assert set(tombstone["properties"]) == {"id", "slug", "deleted", "reason", "merged_into", "updated_at"}
    assert tombstone["properties"]["id"]["type"] == identifier_type
    assert tombstone["properties"]["reason"]["enum"] == ["archived", "unpublished", "merged", "deleted"]


def test_the_generated_schema_file_names_the_site_url(tmp_path, settings):
    from django.core.management import call_command

    settings.SITE_URL = "https://ess.example.org"
    path = tmp_path / "schema.json"
    call_command("spectacular", "--file", str(path), "--format", "openapi-json")
    assert json.loads(path.read_text())["servers"][0]["url"] == "https://ess.example.org"


def _list_paths_with_formats(schema):
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["name"] == "format" and parameter["in"] == "query":
                yield path, parameter["schema"]["enum"]


def test_every_format_a_list_announces_is_served(api, schema):
    """A generated client sends any value of the enum: none may be refused as not acceptable."""
    listed = dict(_list_paths_with_formats(schema))
    assert {"/api/v1/actors/", "/api/v1/deals/", "/api/v1/consultations/", "/api/v1/events/"} <= set(listed)
    for path, formats in listed.items():
        for name in formats:
            response = api.get(path, {"format": name})
            assert response.status_code == 200, (path, name, response.status_code)


def _resolve(schema, node):
    components = schema["components"]["schemas"]
    while "$ref" in node or len(node.get("allOf", ())) == 1:
        node = components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node["allOf"][0]
    return node


def _blank_strings_with_a_format(schema, node, value, where):
    """Where the payload holds "" and its schema says `format` (uri, email, date…), which "" breaks."""
    node = _resolve(schema, node)
    if value == "" and node.get("format"):
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in node.get("properties", {}):
                yield from _blank_strings_with_a_format(schema, node["properties"][key], item, f"{where}.{key}")
    elif isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            yield from _blank_strings_with_a_format(schema, node["items"], item, f"{where}[{index}]")


def _json(response):
    if response.streaming:  # the data·inclusion exports
        return json.loads(b"".join(response.streaming_content))
    return response.json()


def test_blank_values_of_the_demo_data_are_allowed_by_the_schema(api, schema, settings):
    """Every list and record of the demo set, read against its schema: "" is not a `uri` (nor a date)."""
    settings.DEBUG = True  # load_demo's own guard
    call_command("load_demo", stdout=io.StringIO())
    settings.DEBUG = False
    offending = []
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations or path.startswith("/api/v1/schema"):
            continue
        answer = operations["get"]["responses"]["200"]["content"].get("application/json")
        if answer is None:
            continue
        response = api.get(path)
        if response.status_code == 401:  # read with a token only (change requests)
            continue
        assert response.status_code == 200, path
        payload = _json(response)
        # An envelope is an object, a plain list an array: as the schema says (generated clients rely on it).
        declared = _resolve(schema, answer["schema"]).get("type", "object")
        assert isinstance(payload, list) == (declared == "array"), (path, declared)
        offending += _blank_strings_with_a_format(schema, answer["schema"], payload, path)
        for record in payload.get("results", [])[:3] if isinstance(payload, dict) else []:
            detail = next((p for p in schema["paths"] if p.startswith(path + "{")), None)
            key = detail and detail[len(path) + 1 : -2]
            if key and key in record:
                record_answer = schema["paths"][detail]["get"]["responses"]["200"]["content"]["application/json"]
                response = api.get(f"{path}{record[key]}/")
                offending += _blank_strings_with_a_format(schema, record_answer["schema"], _json(response), detail)
    assert offending == []
