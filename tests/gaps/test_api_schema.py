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
