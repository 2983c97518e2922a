"""Browser journey: the CX team logs a gap, and the causing role's owner acknowledges it."""

import pytest
from playwright.sync_api import expect

from gaps import permissions
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from tests.browser.support import pick
from tests.factories import RoleFactory, TeamFactory, ThemeFactory, TouchpointFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cx_team_logs_a_gap_and_the_role_owner_acknowledges_it(page, sign_in):
    carla = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    oskar = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    billing = TeamFactory(name="Billing")
    role = RoleFactory(name="Invoicing Specialist", team=billing, owners=[oskar])
    RoleFactory(name="Warehouse Manager", team=TeamFactory(name="Logistics"))
    touchpoint = TouchpointFactory(name="Billing emails")
    ThemeFactory(name="Invoice clarity")

    sign_in(carla)
    page.goto("/gaps/new/")
    page.fill("#id_title", "Invoice lines show stock codes")
    page.fill("#id_expectation", "Product names they recognise.")
    page.fill("#id_delivery", "Eight-digit codes nobody can read.")
    page.select_option("#id_category", "process")
    page.select_option("#id_severity", "4")
    page.select_option("#id_causing_team", label="Billing")
    # The role picker narrows to the chosen team's roles.
    assert page.locator("#id_causing_role optgroup[label=Logistics]").is_hidden()
    page.select_option("#id_causing_role", label="Invoicing Specialist")
    page.select_option("#id_touchpoint", str(touchpoint.pk))
    pick(page, "id_themes", "Invoice clarity")
    page.click("button.primary[type=submit]")
    page.wait_for_load_state()

    gap = Gap.objects.get(title="Invoice lines show stock codes")
    assert page.url.endswith(gap.get_absolute_url())
    assert page.locator("#gap-status").inner_text() == "Open"
    assert (gap.causing_role, gap.touchpoint) == (role, touchpoint)
    assert "Product names they recognise." in page.locator(".expectation").inner_text()

    page.click(".whoami button")
    page.wait_for_load_state()
    sign_in(oskar)
    page.goto("/gaps/mine/")
    page.click("text=Invoice lines show stock codes")
    page.wait_for_load_state()
    assert page.locator(".move-archived").count() == 0  # a CX team move, not the owner's
    page.fill("#id_acknowledged_note", "Ours: the template prints the wrong field.")
    page.click(".move-acknowledged button[type=submit]")
    expect(page.locator("#gap-status")).to_have_text("Acknowledged")
    assert "Ours: the template prints the wrong field." in page.locator(".timeline").inner_text()
    gap.refresh_from_db()
    assert gap.status == S.ACKNOWLEDGED
    assert gap.events.filter(kind=GapEvent.Kind.TRANSITION, actor=oskar).exists()
