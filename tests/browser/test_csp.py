"""Real Chromium loads the main pages of each group under the strict CSP: no violation at all.

A violation is caught two ways: the page's ``securitypolicyviolation`` events (recorded by a
script Playwright injects before the page's own) and Chromium's console messages about the
Content Security Policy. Either would mean a blocked inline script, handler or style.
"""

import pytest

from gaps import permissions
from gaps.models import Gap
from insights.models import FeedItem, Insight, RoutingRule
from roi import services
from tests.factories import UserFactory
from tests.roi.conftest import TODAY, make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
window.__printed = false;
window.print = () => { window.__printed = true; };
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def _visit_all(page, sign_in, user, urls: list[str]) -> list[str]:
    """Sign ``user`` in, open each of ``urls``; every CSP complaint found, with its page."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.context.add_init_script(RECORD_VIOLATIONS)
    sign_in(user)
    found = []
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        found += [f"{url}: {entry}" for entry in page.evaluate("window.__csp")]
    return found + console


@pytest.fixture
def history():
    gaps = make_history()
    services.rollup_nightly(today=TODAY)
    return gaps


def test_no_csp_violation_on_the_cx_teams_pages(page, sign_in, history):
    gap = Gap.objects.order_by("pk").first()
    user = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    urls = [
        "/gaps/",
        f"/gaps/{gap.pk}/",
        "/gaps/new/",
        f"/gaps/{gap.pk}/edit/",
        "/gaps/import/",
        "/insights/",
        "/insights/new/",
        "/insights/rules/",
        "/insights/rules/new/",
        "/webhooks/",
        "/webhooks/new/",
    ]
    rule = RoutingRule.objects.create(name="Billing to managers", target_levels=["manager"])
    assert _visit_all(page, sign_in, user, urls) == []
    # The page did run its scripts from files: the occurrence chart was drawn.
    page.goto(f"/gaps/{gap.pk}/")
    assert page.evaluate("typeof Chart") == "function"
    # Deleting a rule asks first (an on*= handler would have been blocked, and the form sent).
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto("/insights/rules/")
    page.click("form[data-confirm] button")
    assert asked
    assert asked[0].startswith("Delete this rule?")
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    assert page.evaluate("window.__csp") == []


def test_no_csp_violation_on_a_role_owners_pages(page, sign_in, history):
    user = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    gap = Gap.objects.order_by("pk").first()
    gap.causing_role.owners.add(user)
    insight = Insight.objects.create(
        title="Invoices confuse", finding="Three parts.", kind="experience", status="published"
    )
    FeedItem.objects.create(role=gap.causing_role, insight=insight, reason="Related gap")
    urls = [
        "/insights/feed/",
        f"/insights/feed/{gap.causing_role_id}/",
        "/gaps/mine/",
        f"/gaps/{gap.pk}/",
        "/gaps/prevented/new/",
    ]
    assert _visit_all(page, sign_in, user, urls) == []


def test_no_csp_violation_on_an_executives_pages(page, sign_in, history):
    gap = Gap.objects.order_by("pk").first()
    user = UserFactory(username="eleni", groups=[permissions.EXECUTIVE])
    urls = [
        "/roi/",
        "/roi/summary/",
        "/roi/recognition/",
        "/roi/cx-day/2025/",
        f"/roi/gaps/{gap.pk}/",
    ]
    assert _visit_all(page, sign_in, user, urls) == []
    page.goto("/roi/")
    assert page.evaluate("Chart.getChart('chart-monthly') !== undefined")
    page.goto("/roi/summary/")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") is True
    assert page.evaluate("window.__csp") == []


def test_no_csp_violation_in_the_admin_and_the_api_docs(page, sign_in, history):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    gap = Gap.objects.order_by("pk").first()
    urls = [
        "/admin/",
        "/admin/gaps/gap/",
        f"/admin/gaps/gap/{gap.pk}/change/",
        "/admin/auth/user/",
        "/api/docs/",
    ]
    assert _visit_all(page, sign_in, user, urls) == []
    # Swagger UI started from its script file and drew the operations.
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
