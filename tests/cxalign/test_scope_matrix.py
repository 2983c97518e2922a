"""Every API endpoint × every token scope: allowed exactly where the rule says, refused elsewhere.

The endpoints come from the URL conf (drf-spectacular's enumerator, as the schema is built),
so an endpoint added without a line in ``RULES`` fails ``test_every_endpoint_has_a_rule``,
and a rule for an endpoint that went away fails too. The user is in every group and a
superuser: only the token's scope decides, so a refusal here is the scope's.
"""

import re

import pytest
from django.contrib.auth.models import Group
from drf_spectacular.generators import EndpointEnumerator

from gaps import permissions
from gaps.models import ApiToken
from tests.factories import UserFactory
from tests.gaps.api_support import token_client

GAPS_READ, GAPS_WRITE = "gaps:read", "gaps:write"
OCCURRENCES_WRITE = "occurrences:write"
INSIGHTS_READ, INSIGHTS_WRITE = "insights:read", "insights:write"
ROI_READ = "roi:read"
WEBHOOKS_WRITE = "webhooks:write"

# (method, path) → the one scope that opens it.
RULES = {
    **{
        (method, f"/api/v1/{resource}/{suffix}"): scope
        for resource in ("teams", "roles", "touchpoints", "themes", "gaps")
        for method, suffix, scope in (
            ("GET", "", GAPS_READ),
            ("POST", "", GAPS_WRITE),
            ("GET", "{pk}/", GAPS_READ),
            ("PATCH", "{pk}/", GAPS_WRITE),
        )
    },
    ("POST", "/api/v1/gaps/{pk}/transition/"): GAPS_WRITE,
    ("GET", "/api/v1/gaps/{pk}/history/"): GAPS_READ,
    ("GET", "/api/v1/gaps/{pk}/savings/"): ROI_READ,
    ("GET", "/api/v1/occurrences/"): GAPS_READ,
    ("POST", "/api/v1/occurrences/"): OCCURRENCES_WRITE,
    ("GET", "/api/v1/insights/"): INSIGHTS_READ,
    ("POST", "/api/v1/insights/"): INSIGHTS_WRITE,
    ("GET", "/api/v1/insights/{pk}/"): INSIGHTS_READ,
    ("PUT", "/api/v1/insights/{pk}/"): INSIGHTS_WRITE,
    ("PATCH", "/api/v1/insights/{pk}/"): INSIGHTS_WRITE,
    ("POST", "/api/v1/insights/{pk}/publish/"): INSIGHTS_WRITE,
    ("POST", "/api/v1/insights/{pk}/archive/"): INSIGHTS_WRITE,
    ("GET", "/api/v1/routing-rules/"): INSIGHTS_READ,
    ("POST", "/api/v1/routing-rules/"): INSIGHTS_WRITE,
    ("GET", "/api/v1/routing-rules/{pk}/"): INSIGHTS_READ,
    ("PUT", "/api/v1/routing-rules/{pk}/"): INSIGHTS_WRITE,
    ("PATCH", "/api/v1/routing-rules/{pk}/"): INSIGHTS_WRITE,
    ("DELETE", "/api/v1/routing-rules/{pk}/"): INSIGHTS_WRITE,
    # A preview saves nothing: readers may ask it.
    ("POST", "/api/v1/routing-rules/reach/"): INSIGHTS_READ,
    ("GET", "/api/v1/feed-items/"): INSIGHTS_READ,
    ("GET", "/api/v1/feed-items/{pk}/"): INSIGHTS_READ,
    ("PATCH", "/api/v1/feed-items/{pk}/"): INSIGHTS_WRITE,
    ("GET", "/api/v1/roi/summary/"): ROI_READ,
    ("GET", "/api/v1/roi/rollups/"): ROI_READ,
    ("GET", "/api/v1/roi/rollups/export/"): ROI_READ,
    ("GET", "/api/v1/gaps/{pk}/comments/"): GAPS_READ,
    ("POST", "/api/v1/gaps/{pk}/comments/"): GAPS_WRITE,
    ("PATCH", "/api/v1/gaps/{pk}/comments/{pk}/"): GAPS_WRITE,
    ("GET", "/api/v1/gaps/similar/"): GAPS_READ,
    ("GET", "/api/v1/themes/suggestions/"): GAPS_READ,
    ("GET", "/api/v1/change-reviews/"): GAPS_READ,
    ("POST", "/api/v1/change-reviews/"): GAPS_WRITE,
    ("GET", "/api/v1/change-reviews/{pk}/"): GAPS_READ,
    ("PATCH", "/api/v1/change-reviews/{pk}/"): GAPS_WRITE,
    ("POST", "/api/v1/change-reviews/{pk}/assess/"): GAPS_WRITE,
    ("GET", "/api/v1/change-reviews/{pk}/matches/"): GAPS_READ,
    ("POST", "/api/v1/change-reviews/{pk}/decide/"): GAPS_WRITE,
    # Subscriptions hold secrets: reading them needs the write scope too.
    ("GET", "/api/v1/webhooks/"): WEBHOOKS_WRITE,
    ("POST", "/api/v1/webhooks/"): WEBHOOKS_WRITE,
    ("GET", "/api/v1/webhooks/{pk}/"): WEBHOOKS_WRITE,
    ("PATCH", "/api/v1/webhooks/{pk}/"): WEBHOOKS_WRITE,
    ("DELETE", "/api/v1/webhooks/{pk}/"): WEBHOOKS_WRITE,
    ("POST", "/api/v1/webhooks/{pk}/test/"): WEBHOOKS_WRITE,
    ("GET", "/api/v1/webhooks/{pk}/deliveries/"): WEBHOOKS_WRITE,
}


def api_endpoints() -> set[tuple[str, str]]:
    """(method, path) of every operation the URL conf serves under /api/v1/."""
    return {
        (method, re.sub(r"\{\w+\}", "{pk}", path))
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if path.startswith("/api/v1/") and path != "/api/v1/"
    }


def test_every_endpoint_has_a_rule():
    endpoints = api_endpoints()
    assert endpoints - set(RULES) == set(), "endpoints without a scope rule: add them to RULES"
    assert set(RULES) - endpoints == set(), "rules for endpoints that no longer exist"


def test_every_rule_names_a_scope_tokens_can_hold():
    assert set(RULES.values()) <= set(ApiToken.Scope.values)


@pytest.fixture
def everyone(db):
    """A superuser in every group: group rules pass, only the token's scope decides."""
    for name in permissions.GROUPS:
        Group.objects.get_or_create(name=name)
    user = UserFactory(username="all-groups", groups=list(permissions.GROUPS))
    user.is_superuser = True
    user.save()
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ApiToken.Scope.values)
def test_each_scope_opens_exactly_its_endpoints(everyone, scope):
    client, _token = token_client(everyone, scope)
    wrong = []
    for (method, path), needed in sorted(RULES.items()):
        url = path.replace("{pk}", "1")
        response = client.generic(method, url, data="{}", content_type="application/json")
        refused = response.status_code == 403 and "scope" in response.json().get("detail", "")
        if refused == (scope == needed):
            wrong.append(f"{method} {path}: {response.status_code} (needs {needed})")
    assert wrong == []
