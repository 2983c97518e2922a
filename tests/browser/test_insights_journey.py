"""Browser journeys of insights: a role owner works through the feed; the CX team publishes."""

import pytest
from playwright.sync_api import expect

from gaps import permissions
from gaps.models import Role
from insights import services
from insights.models import FeedItem, Insight
from tests.browser.support import pick
from tests.factories import GapFactory, RoleFactory, TeamFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def billing_manager():
    owner = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    role = RoleFactory(
        name="Billing Ops Manager",
        team=TeamFactory(name="Billing"),
        level=Role.Level.MANAGER,
        owners=[owner],
    )
    return owner, role


def test_role_owner_works_through_the_feed(page, sign_in, billing_manager):
    owner, role = billing_manager
    gap = GapFactory(title="Three partial invoices a month", causing_role=role, severity=4)
    cx = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    for title in ("One invoice a month, please", "Credit notes without the invoice number"):
        insight = services.insight_create(
            actor=cx,
            title=title,
            finding="Small businesses reconcile once a month.",
            kind="expectation",
            related_gaps=[gap],
        )
        services.insight_publish(insight=insight, actor=cx)  # eager: routed on commit

    sign_in(owner)
    assert page.url.endswith("/insights/feed/")  # the feed itself, not a role picker
    assert page.locator("nav.nav .badge").inner_text() == "2"
    first = page.locator("article.feed-item", has_text="One invoice a month, please")
    assert "Your role causes gap" in first.locator(".reason").inner_text()
    assert first.locator(f'a[href="/gaps/{gap.pk}/"]').count() == 1

    # In place (htmx): the card and the navigation's unread count change, the page stays.
    first.get_by_role("button", name="Acting on it").click()
    first = page.locator("article.feed-item", has_text="One invoice a month, please")
    expect(first.locator(".feed-state")).to_have_text("Acting on it")
    expect(page.locator("nav.nav .badge")).to_have_text("1")
    first.get_by_role("button", name="Done").click()
    expect(first.locator(".feed-state")).to_have_text("Done")

    # Dismissing asks why; the reason is kept and shown.
    second = page.locator("article.feed-item", has_text="Credit notes without")
    second.locator("summary", has_text="Dismiss").click()
    second.get_by_label("Why does this not concern Billing Ops Manager?").fill(
        "Credit notes are Finance's, not ours."
    )
    second.get_by_role("button", name="Dismiss", exact=True).click()
    page.wait_for_load_state()
    assert "Dismissed: “Credit notes are Finance's, not ours.”" in page.content()
    assert page.locator("nav.nav .badge").count() == 0
    states = dict(FeedItem.objects.values_list("insight__title", "state"))
    assert states == {
        "One invoice a month, please": "done",
        "Credit notes without the invoice number": "dismissed",
    }

    page.select_option("#id_state", "done")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert page.locator("article.feed-item").count() == 1


def test_cx_team_writes_previews_and_publishes(page, sign_in, billing_manager):
    _, role = billing_manager
    ThemeFactory(name="Invoice clarity")
    gap = GapFactory(title="Three partial invoices a month", causing_role=role, severity=4)
    cx = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    sign_in(cx)
    page.goto("/insights/new/")
    page.fill("#id_title", "Customers expect one invoice a month")
    page.check("input[name=kind][value=expectation]")
    page.fill("#id_finding", "Owners reconcile once a month; three invoices triple the work.")
    page.fill("#id_evidence", "“I do the books on the last Sunday of the month.”")
    pick(page, "id_themes", "Invoice clarity")
    page.select_option("#id_related_gaps", str(gap.pk))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert page.locator("#insight-status").inner_text() == "Draft"
    managers = page.locator('.preview[data-level="manager"]')
    assert "Three partial invoices a month" in managers.inner_text()
    words = page.locator('.preview[data-level="individual_contributor"]')
    assert "I do the books on the last Sunday" in words.inner_text()

    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert page.locator("#insight-status").inner_text() == "Published"
    page.reload()  # routing ran on commit (eagerly here; a worker in production)
    reach = page.locator("section", has_text="In these feeds")
    assert "Billing Ops Manager" in reach.inner_text()
    assert Insight.objects.get().status == "published"
