"""The OpenAPI 3 schema and its Swagger UI, served from local files; the router's reach."""

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from gaps.api import urls as gaps_api_urls
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db

OUR_PATHS = [
    "/api/v1/teams/",
    "/api/v1/roles/",
    "/api/v1/touchpoints/",
    "/api/v1/themes/",
    "/api/v1/gaps/",
    "/api/v1/gaps/{id}/",
    "/api/v1/gaps/{id}/transition/",
    "/api/v1/gaps/{id}/history/",
    "/api/v1/occurrences/",
]


def test_schema_is_openapi_3_with_our_paths():
    response = client_for().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(OUR_PATHS) <= set(schema["paths"])
    gaps = schema["paths"]["/api/v1/gaps/"]
    assert set(gaps) == {"get", "post"}  # no DELETE, no PUT
    assert "patch" in schema["paths"]["/api/v1/gaps/{id}/"]
    assert "delete" not in schema["paths"]["/api/v1/gaps/{id}/"]
    assert "status" in {p["name"] for p in gaps["get"]["parameters"]}


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning into an error; --validate checks the
    # result against the OpenAPI 3 JSON schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/gaps/{id}/transition/" in (tmp_path / "s.yml").read_text()


def test_docs_serve_swagger_ui_from_local_static_files():
    response = client_for().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # The start-up script is a file of its own (the CSP refuses inline scripts); it names the
    # schema.
    assert '<script src="/api/docs/?script=">' in html
    script = client_for().get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_gap_detail_routes_leave_room_for_other_apps_actions():
    # roi adds gaps/{id}/savings/ from its own router: ours must not match that path.
    for pattern in gaps_api_urls.urlpatterns:
        assert pattern.resolve("gaps/1/savings/") is None
    with pytest.raises(Resolver404):
        resolve("/api/v1/gaps/1/no-such-action/")
    try:
        savings = resolve("/api/v1/gaps/1/savings/")
    except Resolver404:
        return  # the roi app's route has not landed yet
    assert savings.func.__module__.startswith("roi.")


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def test_every_operation_documents_its_error_statuses_with_bodies():
    schema = client_for().get("/api/schema/?format=json").json()
    operations = list(_operations(schema))
    assert len(operations) > 40
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {"401", "403", "429", "503"}
        if method in ("POST", "PUT", "PATCH"):
            expected |= {"400", "409", "413", "415"}
        if "{" in path:
            expected.add("404")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            assert "application/json" in responses[code]["content"], (method, path, code)
        assert "Retry-After" in responses["429"]["headers"]
    gaps_list = schema["paths"]["/api/v1/gaps/"]["get"]["responses"]
    assert "400" in gaps_list  # filters and pages are validated
    assert "202" in schema["paths"]["/api/v1/insights/{id}/publish/"]["post"]["responses"]


def test_query_parameters_are_typed_and_bounded():
    schema = client_for().get("/api/schema/?format=json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/gaps/"]["get"]["parameters"]}
    assert params["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}
    assert params["page"]["minimum"] == 1
    history = schema["paths"]["/api/v1/gaps/{id}/history/"]["get"]["parameters"]
    assert {p["name"] for p in history} >= {"cursor", "page_size"}


def test_blank_choices_and_nulls_are_admitted_where_the_api_answers_them():
    schema = client_for().get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    gap = components["Gap"]["properties"]
    for name in ("journey_stage", "origin"):
        alternatives = {ref["$ref"].rsplit("/", 1)[-1] for ref in gap[name]["oneOf"]}
        assert "BlankEnum" in alternatives, name
    assert gap["remedy_owner"]["nullable"] is True
    event = components["GapEvent"]["properties"]
    assert "BlankEnum" in {ref["$ref"].rsplit("/", 1)[-1] for ref in event["from_status"]["oneOf"]}
    reach = schema["paths"]["/api/v1/routing-rules/reach/"]["post"]["responses"]["200"]
    ref = reach["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[ref]["properties"]) == {"roles", "matching_insights"}
