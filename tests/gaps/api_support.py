"""Helpers of the gaps API tests: clients signed in as a user or holding a token."""

from rest_framework.test import APIClient

from gaps.models import ApiToken


def client_for(user=None) -> APIClient:
    """An API client authenticated as ``user`` (session-style), or anonymous."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user, *scopes: str) -> tuple[APIClient, ApiToken]:
    """An API client sending ``Authorization: Token <key>`` for a fresh token with ``scopes``."""
    token, key = ApiToken.issue(user=user, name="test", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token
