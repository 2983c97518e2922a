"""One API root lists the resources of every app."""

import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_api_root_lists_every_apps_resources(cx_user):
    client = APIClient()
    client.force_authenticate(cx_user)
    body = client.get("/api/v1/").json()
    for resource in ("gaps", "occurrences", "insights", "feed-items", "roi/rollups", "roi/summary"):
        assert body[resource].startswith("http://testserver/api/v1/"), resource


@pytest.mark.django_db
def test_api_root_needs_credentials():
    assert APIClient().get("/api/v1/").status_code == 401


@pytest.mark.django_db
def test_every_page_number_list_honours_page_size(cx_user):
    from insights.models import Insight
    from tests.factories import ThemeFactory

    for n in range(3):
        ThemeFactory(name=f"Theme {n}")
        Insight.objects.create(
            title=f"Finding {n}", finding="Customers said so.", kind="expectation"
        )
    client = APIClient()
    client.force_authenticate(cx_user)
    for url in ("/api/v1/themes/", "/api/v1/insights/", "/api/v1/routing-rules/"):
        body = client.get(url, {"page_size": 2}).json()
        assert set(body) >= {"count", "next", "previous", "results"}, url
        assert len(body["results"]) <= 2, url
    for url in ("/api/v1/themes/", "/api/v1/insights/"):
        body = client.get(url, {"page_size": 2}).json()
        assert (body["count"], len(body["results"])) == (3, 2), url
        assert "page_size=2" in body["next"]
