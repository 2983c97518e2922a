"""Groups and their permissions, sign-in, landing by group, and sign-out."""

import pytest
from django.urls import reverse

from gaps import permissions
from tests.factories import UserFactory

PASSWORD = "secret-pass-123"


@pytest.mark.django_db
def test_data_migration_creates_the_four_groups_with_their_permissions(group):
    cx = set(group("cx_team").permissions.values_list("codename", flat=True))
    owner = set(group("role_owner").permissions.values_list("codename", flat=True))
    executive = set(group("executive").permissions.values_list("codename", flat=True))
    integration = set(group("integration").permissions.values_list("codename", flat=True))

    assert {"add_gap", "change_gap", "change_role", "add_touchpoint", "add_occurrence"} <= cx
    assert {"view_gap", "change_gap", "add_gap", "view_role"} <= owner
    assert "change_role" not in owner
    # Executives read everything and write nothing.
    assert "view_gap" in executive
    assert not {c for c in executive if not c.startswith("view_")}
    assert {"add_occurrence", "add_gap", "view_gap"} <= integration
    assert "change_team" not in integration


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("group_name", "landing"),
    [
        (permissions.CX_TEAM, "gaps:list"),
        (permissions.ROLE_OWNER, "insights:my_feed"),
        (permissions.EXECUTIVE, "roi:dashboard"),
    ],
)
def test_sign_in_lands_each_group_where_its_work_is(client, group_name, landing):
    UserFactory(username="person", groups=[group_name])
    response = client.post(
        reverse("login"), {"username": "person", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.context["user"].username == "person"
    assert response.status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_clear_message(client):
    UserFactory(username="person", groups=[permissions.CX_TEAM])
    response = client.post(reverse("login"), {"username": "person", "password": "nope"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_pages_need_sign_in_and_sign_out_ends_the_session(client):
    assert client.get(reverse("gaps:list")).url.startswith(reverse("login"))
    UserFactory(username="person", groups=[permissions.CX_TEAM])
    client.login(username="person", password=PASSWORD)
    assert client.get(reverse("gaps:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("gaps:list")).status_code == 302


@pytest.mark.django_db
def test_navigation_follows_the_group(client):
    UserFactory(username="exec", groups=[permissions.EXECUTIVE])
    client.login(username="exec", password=PASSWORD)
    page = client.get(reverse("roi:dashboard")).content.decode()
    assert reverse("roi:dashboard") in page
    assert reverse("insights:my_feed") not in page

    UserFactory(username="own", groups=[permissions.ROLE_OWNER])
    client.login(username="own", password=PASSWORD)
    page = client.get(reverse("roi:dashboard")).content.decode()
    assert reverse("insights:my_feed") in page
    assert reverse("gaps:mine") in page


@pytest.mark.django_db
def test_integration_users_are_not_offered_pages_they_may_not_open(client):
    UserFactory(username="desk", groups=[permissions.INTEGRATION])
    client.login(username="desk", password=PASSWORD)
    page = client.get(reverse("gaps:list")).content.decode()
    assert reverse("roi:dashboard") not in page
    assert client.get(reverse("roi:dashboard")).status_code == 403
