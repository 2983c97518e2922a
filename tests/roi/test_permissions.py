"""Issue 8, finding 5: a token never does more than its user's session on the ROI API.

Group rules apply first, scopes on top: a role owner's or a group-less user's token with
``roi:read`` is refused exactly as their session is; integrations, executives and the CX team
read with a ``roi:read`` token as with a session.
"""

import pytest
from rest_framework.test import APIClient

from gaps import permissions
from gaps.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/roi/summary/"
ROLLUPS = "/api/v1/roi/rollups/"
EXPORT = "/api/v1/roi/rollups/export/"


def token_client(user, scopes=("roi:read",)) -> APIClient:
    _, key = ApiToken.issue(user=user, name="BI", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def roi_urls(history) -> list[str]:
    return [SUMMARY, ROLLUPS, EXPORT, f"/api/v1/gaps/{history['a'].pk}/savings/"]


@pytest.mark.parametrize("groups", [[], [permissions.ROLE_OWNER]], ids=["no group", "role owner"])
def test_a_roi_read_token_does_not_lift_its_users_group_rules(history, groups):
    user = UserFactory(username="tok", groups=groups)
    token, session = token_client(user), session_client(user)
    for url in roi_urls(history):
        assert session.get(url).status_code == 403, url
        assert token.get(url).status_code == 403, url


@pytest.mark.parametrize(
    "group", [permissions.EXECUTIVE, permissions.CX_TEAM, permissions.INTEGRATION]
)
def test_readers_read_by_token_as_by_session(history, group):
    user = UserFactory(username=f"reader-{group}", groups=[group])
    for client in (token_client(user), session_client(user)):
        for url in roi_urls(history):
            assert client.get(url).status_code == 200, url


def test_a_token_without_the_scope_is_refused_even_for_an_executive(history, exec_user):
    response = token_client(exec_user, ["gaps:read"]).get(SUMMARY)
    assert response.status_code == 403
    assert "roi:read" in response.json()["detail"]


def test_gap_savings_uses_the_gap_details_scoped_queryset(history, integration_user):
    """Whatever the reader, a gap whose detail is a 404 is a 404 here too."""
    client = token_client(integration_user, ["roi:read", "gaps:read"])
    for pk in (history["a"].pk, 999_999):
        detail = client.get(f"/api/v1/gaps/{pk}/").status_code
        savings = client.get(f"/api/v1/gaps/{pk}/savings/").status_code
        assert (detail == 404) == (savings == 404)
