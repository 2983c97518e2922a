"""The data migration gives each group its model permissions on insights."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.django_db

migration = importlib.import_module("insights.migrations.0002_groups")


def codenames(name: str) -> set[str]:
    return set(
        Group.objects.get(name=name)
        .permissions.filter(content_type__app_label="insights")
        .values_list("codename", flat=True)
    )


def test_groups_get_the_insights_permissions():
    # Run it again: a transactional test elsewhere in the session may have flushed the tables.
    state = MigrationLoader(connection).project_state(("insights", "0002_groups"))
    migration.grant_permissions(state.apps, None)
    assert codenames("cx_team") == {
        "add_insight", "change_insight", "view_insight",
        "add_routingrule", "change_routingrule", "view_routingrule", "delete_routingrule",
        "view_feeditem",
    }  # fmt: skip
    assert codenames("role_owner") == {"view_insight", "view_feeditem", "change_feeditem"}
    assert codenames("executive") == {"view_insight", "view_routingrule", "view_feeditem"}
    assert codenames("integration") == {"add_insight", "change_insight", "view_insight"}
