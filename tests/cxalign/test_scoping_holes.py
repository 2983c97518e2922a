"""Issue 15: the scoping holes a probe found, each pinned by a test that failed before the fix.

- the organisation (teams, roles with their owners, touchpoints, themes) was readable by a
  signed-in user in no group, by session and by token;
- ROI tokens must act as their user's groups (a role owner's ``roi:read`` token is refused as
  the session is);
- one gap's savings and its before/after page look the gap up in the user's scope;
- the admin moved a role that caused gaps to another team, leaving the gaps' ``causing_team``
  behind: the invariant now lives in ``gaps.org_services.role_update``, which the admin calls.
"""

import pytest
from django.urls import reverse

from gaps import permissions
from gaps.models import Gap, Role
from tests.factories import (
    GapFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.gaps.api_support import client_for, token_client

pytestmark = pytest.mark.django_db

ORGANISATION = ("teams", "roles", "touchpoints", "themes")


@pytest.fixture
def organisation(owner_user):
    role = RoleFactory(owners=[owner_user])
    touchpoint = TouchpointFactory()
    gap = GapFactory(causing_role=role, touchpoint=touchpoint)
    gap.themes.add(ThemeFactory())
    return {"role": role, "team": role.team, "touchpoint": touchpoint, "gap": gap}


@pytest.fixture
def nobody(db):
    """Signed in, in no group: the company's directory is not theirs to read."""
    return UserFactory(username="nobody")


def _clients(user):
    yield "session", client_for(user)
    yield "token", token_client(user, "gaps:read", "roi:read")[0]


@pytest.mark.parametrize("resource", ORGANISATION)
def test_a_user_in_no_group_lists_no_organisation(organisation, nobody, resource):
    for how, client in _clients(nobody):
        response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 200, how
        assert response.json()["results"] == [], how


def test_a_user_in_no_group_reads_no_role_nor_its_owners(organisation, nobody):
    for how, client in _clients(nobody):
        for resource, obj in (
            ("roles", organisation["role"]),
            ("teams", organisation["team"]),
            ("touchpoints", organisation["touchpoint"]),
        ):
            assert client.get(f"/api/v1/{resource}/{obj.pk}/").status_code == 404, (how, resource)


def test_group_members_still_read_the_organisation(organisation, exec_user):
    response = client_for(exec_user).get("/api/v1/roles/")
    assert [row["id"] for row in response.json()["results"]] == [organisation["role"].pk]


@pytest.mark.parametrize("groups", [[], [permissions.ROLE_OWNER]], ids=["no group", "owner"])
def test_a_roi_token_acts_as_its_users_groups(organisation, groups):
    user = UserFactory(username="bi", groups=groups)
    session, token = client_for(user), token_client(user, "roi:read")[0]
    for url in ("/api/v1/roi/summary/", f"/api/v1/gaps/{organisation['gap'].pk}/savings/"):
        assert session.get(url).status_code == 403, url
        assert token.get(url).status_code == 403, url


def test_savings_of_a_gap_outside_the_scope_is_a_404_like_its_detail(organisation, exec_user):
    client = token_client(exec_user, "roi:read", "gaps:read")[0]
    missing = Gap.objects.order_by("-pk").first().pk + 1
    assert client.get(f"/api/v1/gaps/{missing}/").status_code == 404
    assert client.get(f"/api/v1/gaps/{missing}/savings/").status_code == 404


def test_the_before_after_page_refuses_a_user_in_no_group(client, organisation, nobody):
    client.force_login(nobody)
    url = reverse("roi:gap", args=[organisation["gap"].pk])
    assert client.get(url).status_code in (403, 404)


@pytest.fixture
def admin_client_signed_in(client):
    admin = UserFactory(username="root")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def test_the_admin_cannot_move_a_role_that_caused_gaps(admin_client_signed_in, organisation):
    role, gap = organisation["role"], organisation["gap"]
    elsewhere = TeamFactory(name="Billing")
    url = reverse("admin:gaps_role_change", args=[role.pk])
    response = admin_client_signed_in.post(
        url,
        {
            "name": role.name,
            "team": elsewhere.pk,
            "level": role.level,
            "owners": [owner.pk for owner in role.owners.all()],
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "Gaps are attributed to this role" in response.content.decode()
    role.refresh_from_db()
    gap.refresh_from_db()
    assert role.team_id == gap.causing_team_id != elsewhere.pk


def test_the_admin_renames_a_role_with_gaps_and_history_says_so(
    admin_client_signed_in, organisation
):
    from auditlog.models import LogEntry

    role = organisation["role"]
    url = reverse("admin:gaps_role_change", args=[role.pk])
    response = admin_client_signed_in.post(
        url,
        {
            "name": "Renamed",
            "team": role.team_id,
            "level": role.level,
            "owners": [owner.pk for owner in role.owners.all()],
        },
    )
    assert response.status_code == 302
    assert Role.objects.get(pk=role.pk).name == "Renamed"
    entry = LogEntry.objects.get_for_object(role).order_by("-timestamp").first()
    assert entry.actor.username == "root"
    assert "name" in entry.changes_dict
