"""Every error under /api/ is JSON, never an HTML page; outside /api/ Django's pages stay."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import path

from cxalign import urls as project_urls
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    *project_urls.urlpatterns,
    path("api/v1/crash/", crash),
    path("crash/", crash),
]
handler400 = project_urls.handler400
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def assert_json(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_unknown_api_url_is_a_json_404(cx_user):
    body = assert_json(client_for(cx_user).get("/api/v1/no-such-thing/"), 404)
    assert "detail" in body
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_an_unknown_method_is_a_json_405(cx_user):
    body = assert_json(client_for(cx_user).delete("/api/v1/gaps/"), 405)
    assert "detail" in body


def test_malformed_json_is_a_json_400(cx_user):
    response = client_for(cx_user).generic(
        "POST", "/api/v1/themes/", "{not json", content_type="application/json"
    )
    assert "JSON parse error" in assert_json(response, 400)["detail"]


def test_another_content_type_is_a_json_415(cx_user):
    for content_type, payload in (
        ("application/x-www-form-urlencoded", "name=Refunds&slug=refunds"),
        ("multipart/form-data; boundary=x", "--x\r\nbroken"),
        ("text/plain", "hello"),
    ):
        response = client_for(cx_user).generic(
            "POST", "/api/v1/themes/", payload, content_type=content_type
        )
        assert "Unsupported media type" in assert_json(response, 415)["detail"], content_type


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_json_413_before_it_is_read(cx_user):
    big = json.dumps([{"gap": 1, "source": "x" * 50}] * 40)
    response = client_for(cx_user).generic(
        "POST", "/api/v1/occurrences/", big, content_type="application/json"
    )
    assert "larger than 1000 bytes" in assert_json(response, 413)["detail"]


def test_a_nul_byte_is_a_json_400_naming_the_field(cx_user):
    body = assert_json(client_for(cx_user).get("/api/v1/gaps/", {"q": "a\x00b"}), 400)
    assert body == {"q": ["Null characters are not allowed."]}
    response = client_for(cx_user).post(
        "/api/v1/themes/", {"name": "A\x00", "slug": "a"}, format="json"
    )
    assert "name" in assert_json(response, 400)


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_under_api_is_a_json_500_elsewhere_a_page():
    client = Client(raise_request_exception=False)
    body = assert_json(client.get("/api/v1/crash/"), 500)
    assert "logged" in body["detail"]
    page = client.get("/crash/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_a_bad_host_under_api_is_a_json_400():
    response = Client().get("/api/v1/", HTTP_HOST="evil.example.com")
    assert "detail" in assert_json(response, 400)
