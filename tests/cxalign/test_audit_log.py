"""The audit log: every change to a domain object, with who made it, for administrators only."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from gaps.models import ApiToken, Gap, Team
from tests.cxalign.support import GAP_FIELDS, logged_gap
from tests.factories import RoleFactory, TeamFactory, UserFactory
from tests.gaps.api_support import client_for, token_client

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


@pytest.fixture
def people(db):
    owner = UserFactory(username="oskar", groups=["role_owner"])
    return {
        "cx": UserFactory(username="carla", groups=["cx_team"]),
        "owner": owner,
        "desk": UserFactory(username="desk", groups=["integration"]),
        "role": RoleFactory(name="Billing Ops", team=TeamFactory(name="Billing"), owners=[owner]),
    }


GAP_BODY = {**GAP_FIELDS, "category": "process"}


def test_a_change_through_the_api_with_a_token_names_its_actor(people):
    client, _token = token_client(people["desk"], "gaps:read", "gaps:write")

    response = client.post(
        "/api/v1/gaps/", {**GAP_BODY, "causing_role": people["role"].pk}, format="json"
    )

    assert response.status_code == 201, response.content
    [entry] = entries_for(Gap.objects.get(pk=response.json()["id"]))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == people["desk"]
    assert entry.changes["title"] == ["None", GAP_BODY["title"]]


def test_a_change_on_a_page_names_its_actor_and_what_changed(people):
    gap = logged_gap(people["cx"], people["role"])
    browser = Client()
    browser.force_login(people["owner"])

    response = browser.post(f"/gaps/{gap.pk}/transition/", {"to": "acknowledged"})

    assert response.status_code == 302
    update = entries_for(gap)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == people["owner"]
    assert update.changes["status"] == ["open", "acknowledged"]
    # Beside the gap's own history, not instead of it.
    assert gap.events.filter(to_status="acknowledged", actor=people["owner"]).exists()


def test_a_change_in_the_admin_and_to_users_groups_and_tokens_is_logged(people):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    team = Team.objects.get(name="Billing")

    response = admin.post(
        f"/admin/gaps/team/{team.pk}/change/",
        {"name": "Billing & Invoicing", "slug": team.slug, "customer_facing": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    update = entries_for(team)[-1]
    assert (update.actor, update.changes["name"]) == (root, ["Billing", "Billing & Invoicing"])
    # Group membership, and a token issued, through the API session of the CX team.
    people["desk"].groups.add(Group.objects.get(name="cx_team"))
    membership = entries_for(people["desk"])[-1]
    assert membership.changes["groups"]["objects"] == ["cx_team"]
    token, _key = ApiToken.issue(user=people["desk"], name="bi", scopes=["roi:read"])
    [issued] = entries_for(token)
    assert issued.action == LogEntry.Action.CREATE
    assert "*" in issued.changes["key_hash"][1]  # masked: not even the hash is kept readable


def test_session_api_changes_name_their_actor(people):
    gap = logged_gap(people["cx"], people["role"])
    response = client_for(people["owner"]).patch(
        f"/api/v1/gaps/{gap.pk}/", {"remedy_plan": "One invoice run."}, format="json"
    )
    assert response.status_code == 200
    update = entries_for(gap)[-1]
    assert update.actor == people["owner"]
    assert update.changes["remedy_plan"] == ["", "One invoice run."]


def test_only_administrators_read_the_log_and_only_in_the_admin(people):
    logged_gap(people["cx"], people["role"])
    url = "/admin/auditlog/logentry/"
    root = Client()
    root.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = root.get(url)
    assert listing.status_code == 200
    assert "Invoices arrive in three parts" in listing.content.decode()
    # The CX team (not staff) is sent to the admin's sign-in; nothing in the API lists it.
    cx = Client()
    cx.force_login(people["cx"])
    assert cx.get(url).status_code == 302
    assert (
        client_for(people["cx"])
        .get("/api/v1/")
        .json()
        .keys()
        .isdisjoint({"log-entries", "logentries", "audit-log", "auditlog"})
    )
    # Nobody, not even an administrator, edits or deletes an entry.
    entry = LogEntry.objects.first()
    assert root.post(f"{url}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_every_model_of_the_three_apps_is_logged_or_deliberately_not():
    """A new model must be registered in AUDITLOG_INCLUDE_TRACKING_MODELS or listed as not."""
    for app_label in ("gaps", "insights", "roi"):
        for model in apps.get_app_config(app_label).get_models():
            label = model._meta.label_lower
            tracked = auditlog.contains(model)
            assert tracked or label in settings.AUDITLOG_NOT_TRACKED, label
            assert not (tracked and label in settings.AUDITLOG_NOT_TRACKED), label
    for label in ("auth.user", "auth.group", "gaps.apitoken"):
        assert auditlog.contains(apps.get_model(label))
