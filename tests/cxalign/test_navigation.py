"""The navigation, computed from the pages' own rules (issue 15: it was computed apart, and
integration accounts, who read every insight, had no link to them): each group's links, and
every link shown opens."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cxalign.navigation import navigation
from gaps import permissions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "gaps": "gaps:list",
    "my_gaps": "gaps:mine",
    "feed": "insights:my_feed",
    "insights": "insights:list",
    "dashboard": "roi:dashboard",
    "webhooks": "webhooks:list",
}


# What each group is linked to (DESIGN.md's groups; integrations read every insight).
LINKED = {
    permissions.CX_TEAM: {"gaps", "insights", "dashboard", "webhooks"},
    permissions.ROLE_OWNER: {"my_gaps", "feed", "dashboard"},
    permissions.EXECUTIVE: {"gaps", "insights", "dashboard"},
    permissions.INTEGRATION: {"insights"},
    None: set(),
}


@pytest.mark.parametrize("group", list(LINKED))
def test_each_group_is_linked_to_its_pages_and_each_link_opens(client, group):
    user = UserFactory(username=f"nav-{group}", groups=[group] if group else [])
    request = RequestFactory().get("/")
    request.user = user
    links = navigation(request)["nav"]
    assert {key for key in PAGES if links[key]} == LINKED[group]
    client.force_login(user)
    for key in LINKED[group]:
        assert client.get(reverse(PAGES[key])).status_code == 200, key


def test_integration_accounts_get_the_insights_link(integration_user, client):
    client.force_login(integration_user)
    assert reverse("insights:list") in client.get(reverse("insights:list")).content.decode()
