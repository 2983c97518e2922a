"""``/api/v1/{teams,roles,touchpoints,themes}/``: everyone reads, the CX team writes."""

import pytest

from gaps.models import Role, Team, Theme
from tests.factories import (
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_everyone_reads_the_organisation(exec_user, owned_role, other_role, touchpoint):
    client = client_for(exec_user)
    teams = results(client.get("/api/v1/teams/"))
    assert [team["name"] for team in teams] == ["Billing", "Logistics", "Support"]
    roles = results(client.get(f"/api/v1/roles/?team={owned_role.team_id}"))
    assert roles == [
        {
            "id": owned_role.pk,
            "name": "Billing Operations Manager",
            "team": owned_role.team_id,
            "level": "manager",
            "owners": ["oskar"],
        }
    ]
    [phone] = results(client.get("/api/v1/touchpoints/?channel=phone"))
    assert (phone["name"], phone["cost_per_contact"]) == ("Support phone line", "8.00")
    assert results(client.get("/api/v1/touchpoints/?channel=web")) == []


def test_filters_are_checked(exec_user):
    client = client_for(exec_user)
    assert results(client.get("/api/v1/teams/?customer_facing=true")) == []
    response = client.get("/api/v1/roles/?level=king")
    assert response.status_code == 400
    assert "level" in response.json()


def test_cx_team_creates_and_edits(cx_user, billing):
    client = client_for(cx_user)
    response = client.post(
        "/api/v1/themes/", {"name": "Invoice clarity", "slug": "invoice-clarity"}, format="json"
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/roles/",
        {"name": "Billing Director", "team": billing.pk, "level": "director", "owners": ["carla"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    role = Role.objects.get(name="Billing Director")
    assert list(role.owners.values_list("username", flat=True)) == ["carla"]
    response = client.patch(f"/api/v1/teams/{billing.pk}/", {"customer_facing": True}, "json")
    assert response.json()["customer_facing"] is True


@pytest.mark.parametrize("who", ["owner_user", "exec_user", "integration_user"])
def test_only_the_cx_team_writes(request, who, billing):
    client = client_for(request.getfixturevalue(who))
    assert client.post("/api/v1/themes/", {"name": "X", "slug": "x"}, "json").status_code == 403
    assert client.patch(f"/api/v1/teams/{billing.pk}/", {"name": "Y"}, "json").status_code == 403
    assert not Theme.objects.exists()
    assert Team.objects.get(pk=billing.pk).name == "Billing"


def test_nothing_is_deleted_through_the_api(cx_user, billing):
    assert client_for(cx_user).delete(f"/api/v1/teams/{billing.pk}/").status_code == 405
    assert Team.objects.filter(pk=billing.pk).exists()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/teams/", {"name": "Billing", "slug": "billing"}, "slug"),
        ("/api/v1/teams/", {"name": "New", "slug": "not a slug"}, "slug"),
        ("/api/v1/touchpoints/", {"name": "Shop", "team": 1, "channel": "fax"}, "channel"),
        ("/api/v1/touchpoints/", {"name": "Shop", "team": 999, "channel": "web"}, "team"),
        ("/api/v1/roles/", {"name": "Boss", "team": 1, "level": "king"}, "level"),
        (
            "/api/v1/roles/",
            {"name": "Boss", "team": 1, "level": "director", "owners": ["x"]},
            "owners",
        ),
        ("/api/v1/themes/", {"name": "A", "slug": "a", "colour": "red"}, "colour"),
    ],
)
def test_bad_organisation_input_is_a_400(cx_user, billing, url, body, field):
    body = {**body, **({"team": billing.pk} if body.get("team") == 1 else {})}
    response = client_for(cx_user).post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_negative_cost_per_contact_is_refused(cx_user, billing):
    response = client_for(cx_user).post(
        "/api/v1/touchpoints/",
        {"name": "Shop", "team": billing.pk, "channel": "in_person", "cost_per_contact": "-2"},
        format="json",
    )
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.json()["cost_per_contact"][0]


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/roles/", lambda owners: RoleFactory(owners=owners)),
        ("/api/v1/teams/", lambda owners: TeamFactory()),
        ("/api/v1/touchpoints/", lambda owners: TouchpointFactory()),
        ("/api/v1/themes/", lambda owners: ThemeFactory()),
    ],
)
def test_list_queries_do_not_grow_with_the_page(cx_user, url, make, django_assert_max_num_queries):
    owners = [UserFactory(), UserFactory()]
    make(owners)
    client = client_for(cx_user)
    with django_assert_max_num_queries(5):
        assert len(results(client.get(url + "?page_size=100"))) >= 1
    for _ in range(25):
        make(owners)
    with django_assert_max_num_queries(5):
        assert len(results(client.get(url + "?page_size=100"))) >= 26


def test_a_role_that_caused_gaps_does_not_change_team(cx_user, gap, owned_role, other_role):
    """Its gaps would keep the old causing team beside a role of the new one."""
    client = client_for(cx_user)
    url = f"/api/v1/roles/{owned_role.pk}/"
    response = client.patch(url, {"team": other_role.team_id}, format="json")
    assert response.status_code == 400
    assert "re-attribute" in response.json()["team"][0]
    owned_role.refresh_from_db()
    assert owned_role.team_id == gap.causing_team_id
    # Renaming it, or moving a role without gaps, is fine.
    assert client.patch(url, {"name": "Billing Ops Lead"}, format="json").status_code == 200
    free = client.post(
        "/api/v1/roles/", {"name": "Clerk", "team": owned_role.team_id, "level": "manager"}
    ).json()
    moved = client.patch(f"/api/v1/roles/{free['id']}/", {"team": other_role.team_id})
    assert moved.status_code == 200
