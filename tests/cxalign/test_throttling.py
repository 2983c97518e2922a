"""Requests per token and per user past their rate are answered 429 with Retry-After."""

import pytest
from rest_framework.test import APIClient

from tests.gaps.api_support import token_client

pytestmark = pytest.mark.django_db
TEAMS = "/api/v1/teams/"


@pytest.fixture
def rates(settings):
    def _set(**rates):
        throttle_rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates)
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": throttle_rates,
        }

    return _set


def test_a_token_past_its_rate_gets_429_with_retry_after(integration_user, rates):
    rates(token="3/min")
    client, _ = token_client(integration_user, "gaps:read")
    other, _ = token_client(integration_user, "gaps:read")

    answers = [client.get(TEAMS).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get(TEAMS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()
    # Another token of the same user has its own allowance.
    assert other.get(TEAMS).status_code == 200


def test_a_user_past_their_rate_gets_429_whatever_the_client(cx_user, rates):
    rates(user="2/min")
    session = APIClient()
    session.force_login(cx_user)
    token, _ = token_client(cx_user, "gaps:read")

    assert session.get(TEAMS).status_code == 200
    assert token.get(TEAMS).status_code == 200
    refused = session.get(TEAMS)
    assert refused.status_code == 429
    assert refused.has_header("Retry-After")
    assert token.get(TEAMS).status_code == 429


def test_other_users_are_not_slowed(cx_user, exec_user, rates):
    rates(user="1/min")
    first, second = APIClient(), APIClient()
    first.force_login(cx_user)
    second.force_login(exec_user)
    assert first.get(TEAMS).status_code == 200
    assert first.get(TEAMS).status_code == 429
    assert second.get(TEAMS).status_code == 200
