"""``gaps.org_services``: the organisation's one way in, for the API, the admin and commands.

Who (the CX team only), the invariant (a role that caused gaps keeps its team) and the
history (an audit log line naming the actor, also outside a request).
"""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from gaps import org_services, permissions
from gaps.models import Role, Team, Theme, Touchpoint
from tests.factories import GapFactory, RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "group", [permissions.ROLE_OWNER, permissions.EXECUTIVE, permissions.INTEGRATION, None]
)
def test_only_the_cx_team_changes_the_organisation(group):
    actor = UserFactory(username=f"not-cx-{group}", groups=[group] if group else [])
    team = TeamFactory(name="Billing")
    role = RoleFactory(team=team)
    attempts = [
        lambda: org_services.team_create(actor=actor, name="New", slug="new"),
        lambda: org_services.team_update(team=team, actor=actor, name="Renamed"),
        lambda: org_services.role_create(actor=actor, name="R", team=team, level="manager"),
        lambda: org_services.role_update(role=role, actor=actor, name="Renamed"),
        lambda: org_services.theme_create(actor=actor, name="T", slug="t"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert str(error.value) == "Only the CX team may change this."
    assert Team.objects.get(pk=team.pk).name == "Billing"
    assert not Theme.objects.exists()


def test_the_cx_team_creates_and_changes_each_kind(cx_user):
    team = org_services.team_create(actor=cx_user, name="Billing", slug="billing")
    role = org_services.role_create(
        actor=cx_user, name="Lead", team=team, level=Role.Level.MANAGER, owners=[cx_user]
    )
    touchpoint = org_services.touchpoint_create(
        actor=cx_user, name="Invoice", team=team, channel=Touchpoint.Channel.EMAIL
    )
    theme = org_services.theme_create(actor=cx_user, name="Clarity", slug="clarity")
    org_services.team_update(team=team, actor=cx_user, customer_facing=True)
    org_services.touchpoint_update(touchpoint=touchpoint, actor=cx_user, name="Invoice mail")
    org_services.theme_update(theme=theme, actor=cx_user, name="Invoice clarity")
    assert Team.objects.get(pk=team.pk).customer_facing is True
    assert list(Role.objects.get(pk=role.pk).owners.all()) == [cx_user]
    assert Touchpoint.objects.get(pk=touchpoint.pk).name == "Invoice mail"
    assert Theme.objects.get(pk=theme.pk).name == "Invoice clarity"


def test_bad_fields_are_field_errors(cx_user):
    with pytest.raises(ValidationError) as error:
        org_services.team_create(actor=cx_user, name="", slug="not a slug")
    assert {"name", "slug"} <= set(error.value.message_dict)


def test_a_role_that_caused_gaps_keeps_its_team(cx_user):
    role = RoleFactory(team=TeamFactory(name="Billing"))
    gap = GapFactory(causing_role=role)
    elsewhere = TeamFactory(name="Support")
    with pytest.raises(ValidationError) as error:
        org_services.role_update(role=role, actor=cx_user, team=elsewhere)
    assert error.value.message_dict == {"team": [org_services.ROLE_KEEPS_ITS_TEAM]}
    gap.refresh_from_db()
    assert Role.objects.get(pk=role.pk).team_id == gap.causing_team_id != elsewhere.pk
    # The same team again, or any other change, is fine.
    org_services.role_update(role=role, actor=cx_user, team=role.team, name="Billing lead")
    assert Role.objects.get(pk=role.pk).name == "Billing lead"


def test_a_role_without_gaps_moves(cx_user):
    role = RoleFactory(team=TeamFactory(name="Billing"))
    elsewhere = TeamFactory(name="Support")
    org_services.role_update(role=role, actor=cx_user, team=elsewhere)
    assert Role.objects.get(pk=role.pk).team == elsewhere


def test_each_write_is_an_audit_line_naming_the_actor_outside_a_request(cx_user):
    team = org_services.team_create(actor=cx_user, name="Billing", slug="billing")
    org_services.team_update(team=team, actor=cx_user, name="Billing ops")
    entries = LogEntry.objects.get_for_object(team).order_by("timestamp")
    assert [(e.action, e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, cx_user),
        (LogEntry.Action.UPDATE, cx_user),
    ]
    assert entries.last().changes_dict["name"] == ["Billing", "Billing ops"]


def test_owners_changes_are_in_the_history(cx_user, owner_user):
    role = RoleFactory()
    org_services.role_update(role=role, actor=cx_user, owners=[owner_user])
    entry = LogEntry.objects.get_for_object(role).order_by("-timestamp").first()
    assert entry.actor == cx_user
    assert "owners" in entry.changes_dict
