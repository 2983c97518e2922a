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
