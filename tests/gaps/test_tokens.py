"""API tokens: hashed storage, 401 for bad, revoked or expired keys, 403 for a missing scope,
and the ``issue_token`` command that shows a key once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from gaps.models import ApiToken, Gap
from tests.factories import UserFactory
from tests.gaps.api_support import token_client

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_the_key_is_stored(integration_user):
    token, key = ApiToken.issue(user=integration_user, name="desk", scopes=["gaps:read"])
    token.refresh_from_db()
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_a_token_reads_with_its_scope_and_acts_as_its_user(integration_user, gap):
    client, token = token_client(integration_user, "gaps:read")
    response = client.get("/api/v1/gaps/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [gap.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-key", "Token", "Token two words", "Bearer abc", "Basic Zm9vOmJhcg=="],
)
def test_bad_credentials_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/gaps/")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": timezone.now() - timedelta(minutes=1)},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_revoked_or_expired_tokens_are_401(integration_user, change):
    client, token = token_client(integration_user, "gaps:read")
    ApiToken.objects.filter(pk=token.pk).update(**change)
    response = client.get("/api/v1/gaps/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked token."


def test_a_token_of_an_inactive_user_is_401(integration_user):
    client, _ = token_client(integration_user, "gaps:read")
    integration_user.is_active = False
    integration_user.save()
    assert client.get("/api/v1/gaps/").status_code == 401


def test_a_missing_scope_is_403_naming_it(integration_user, gap, owned_role):
    client, _ = token_client(integration_user, "occurrences:write")
    response = client.get("/api/v1/teams/")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the 'gaps:read' scope."
    reader, _ = token_client(integration_user, "gaps:read")
    response = reader.post(
        "/api/v1/gaps/",
        {
            "title": "T",
            "expectation": "E",
            "delivery": "D",
            "category": "process",
            "causing_role": owned_role.pk,
            "severity": 2,
        },
        format="json",
    )
    assert response.status_code == 403
    assert "gaps:write" in response.json()["detail"]
    assert Gap.objects.count() == 1


def test_scopes_never_widen_the_users_rights(exec_user, gap):
    # An executive's token with every scope still may not write: groups apply on top.
    client, _ = token_client(exec_user, *ApiToken.Scope.values)
    response = client.post(f"/api/v1/gaps/{gap.pk}/transition/", {"to": "archived"}, "json")
    assert response.status_code == 403


def test_issue_token_prints_the_key_once_and_stores_its_hash(integration_user, gap):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_token",
        "desk",
        "--name",
        "support desk",
        "--scope",
        "gaps:read",
        "--scope",
        "occurrences:write",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.name, token.user, token.scopes) == (
        "support desk",
        integration_user,
        ["gaps:read", "occurrences:write"],
    )
    assert token.key_hash == ApiToken.hash_key(key)
    assert "cannot be shown again" in err.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/gaps/{gap.pk}/").status_code == 200


def test_issue_token_with_expiry(integration_user):
    call_command(
        "issue_token",
        "desk",
        "--name",
        "n",
        "--scope",
        "roi:read",
        "--expires-in-days",
        "30",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    token = ApiToken.objects.get()
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--name", "n", "--scope", "gaps:read"], "No active user 'nobody'"),
        (["desk", "--name", "n", "--scope", "gaps:admin"], "invalid choice"),
        (["desk", "--name", "n"], "--scope"),
        (["desk", "--name", "n", "--scope", "gaps:read", "--expires-in-days", "0"], "at least 1"),
    ],
)
def test_issue_token_refuses_bad_arguments(integration_user, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_token", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_issue_token_refuses_inactive_users(db):
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="No active user"):
        call_command("issue_token", "gone", "--name", "n", "--scope", "gaps:read")
