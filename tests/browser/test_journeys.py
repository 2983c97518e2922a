"""The three journeys end to end in Chromium, at a desktop (1366 px) and a phone (390 px)
width. Each makes one wrong input and reads its message; at every step no page scrolls
sideways and axe-core finds no serious or critical violation. Screenshots of each step land in
var/screenshots/ (git-ignored; a few are copied to docs/screenshots/ for the README)."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from demo.organisation import DEMO_PASSWORD
from gaps import permissions
from gaps.models import Gap, Role
from gaps.models.gaps import GapStatus as S
from insights import services as insight_services
from roi import selectors
from tests.browser.support import WIDTHS, check_page, pick
from tests.factories import (
    GapFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(WIDTHS))
def width(request, page) -> str:
    w, h = WIDTHS[request.param]
    page.set_viewport_size({"width": w, "height": h})
    return request.param


class Steps:
    """Checks and screenshots each step; the problems are asserted together at the end."""

    def __init__(self, page, journey: str, width: str):
        self.page, self.prefix, self.problems = page, f"{journey}-{width}", []

    def check(self, step: str) -> None:
        self.problems += check_page(self.page, f"{self.prefix}-{step}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_cx_team_logs_attributes_and_filters_for_a_gap(page, sign_in, width):
    carla = UserFactory(username="carla", first_name="Carla", groups=[permissions.CX_TEAM])
    billing = TeamFactory(name="Billing")
    RoleFactory(name="Invoicing Specialist", team=billing)
    RoleFactory(name="Warehouse Manager", team=TeamFactory(name="Logistics"))
    TouchpointFactory(name="Billing emails")
    ThemeFactory(name="Invoice clarity")
    steps = Steps(page, "cx", width)
    sign_in(carla)
    steps.check("1-gap-list")

    page.goto("/gaps/new/")
    page.fill("#id_expectation", "Product names they recognise.")
    page.fill("#id_delivery", "Eight-digit codes nobody can read.")
    page.select_option("#id_category", "process")
    page.select_option("#id_severity", "4")
    page.select_option("#id_causing_team", label="Billing")
    # The role picker narrows to the chosen team's roles.
    assert page.locator("#id_causing_role optgroup[label=Logistics]").is_hidden()
    page.select_option("#id_causing_role", label="Invoicing Specialist")
    pick(page, "id_themes", "Invoice clarity")  # a searchable multi-select
    # The wrong input: no title. The form says so beside the field and keeps the rest.
    page.locator("#id_title").evaluate("el => el.removeAttribute('required')")
    _submit(page, "button.primary[type=submit]")
    title_field = page.locator(".field", has=page.locator("#id_title"))
    expect(title_field.locator(".field-error")).to_contain_text("This field is required")
    assert page.input_value("#id_expectation") == "Product names they recognise."
    steps.check("2-form-error")
    page.fill("#id_title", "Invoice lines show stock codes")
    _submit(page, "button.primary[type=submit]")
    gap = Gap.objects.get(title="Invoice lines show stock codes")
    assert page.url.endswith(gap.get_absolute_url())
    steps.check("3-gap-page")

    # Filter for it: searchable pickers (Tom Select), the list updates in place (htmx).
    page.goto("/gaps/")
    page.click("#id_team-ts-control")
    page.keyboard.type("Bill")
    # Enter takes the highlighted match: wait until the picker shows it (a busy machine
    # filters the options after the keys were typed).
    expect(page.locator("#id_team-ts-dropdown .option.active", has_text="Billing")).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.fill("#id_q", "stock codes")
    page.click(".gap-filters button[type=submit]")
    expect(page.locator("#gap-list .gap-row")).to_have_count(1)
    expect(page.locator("#gap-list .gap-row")).to_contain_text("Invoice lines show stock codes")
    expect(page).to_have_url(re.compile(f"team={billing.pk}"))  # the view is in the address
    steps.check("4-filtered")
    steps.assert_clean()


def test_owner_finds_the_insight_and_closes_the_gap_with_a_remedy_cost(page, sign_in, width):
    oskar = UserFactory(
        username="oskar", first_name="Oskar", last_name="Lind", groups=[permissions.ROLE_OWNER]
    )
    role = RoleFactory(
        name="Billing Ops Manager",
        team=TeamFactory(name="Billing"),
        level=Role.Level.MANAGER,
        owners=[oskar],
    )
    RoleFactory(name="Invoicing Specialist", team=role.team, owners=[oskar])
    gap = GapFactory(title="Three partial invoices a month", causing_role=role, severity=4)
    cx = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    insight = insight_services.insight_create(
        actor=cx,
        title="One invoice a month, please",
        finding="Small businesses reconcile once a month.",
        kind="expectation",
        related_gaps=[gap],
    )
    insight_services.insight_publish(insight=insight, actor=cx)
    steps = Steps(page, "owner", width)
    sign_in(oskar)
    assert page.url.endswith("/insights/feed/")  # the feed, across both roles
    card = page.locator("article.feed-item", has_text="One invoice a month, please")
    expect(card.locator(".reason")).to_contain_text("Your role causes gap")
    steps.check("1-feed")

    with page.expect_navigation():
        card.locator(f'a[href="/gaps/{gap.pk}/"]').click()
    # Every move and the remedy plan update the page in place (htmx): no reload, so a mark
    # left on the window survives them all.
    page.evaluate("window.samePage = true")
    page.fill("#id_acknowledged_note", "Ours: the billing run splits them.")
    page.click(".move-acknowledged button[type=submit]")
    expect(page.locator("#gap-status")).to_have_text("Acknowledged")
    expect(page.locator("#gap-notice")).to_contain_text("the gap is now acknowledged")
    expect(page.locator(".timeline")).to_contain_text("Ours: the billing run splits them.")
    page.click(".move-in_remedy button[type=submit]")
    expect(page.locator("#gap-status")).to_have_text("In remedy")
    steps.check("2-gap-in-remedy")

    # The wrong input: progress of 140 %. The message stands beside the field.
    page.fill("#id_remedy_progress", "140")
    page.locator("#id_remedy_progress").evaluate("el => el.removeAttribute('max')")
    page.fill("#id_remedy_cost", "1250")
    page.click(".remedy button[type=submit]")
    progress = page.locator(".field", has=page.locator("#id_remedy_progress"))
    expect(progress.locator(".field-error")).to_contain_text("less than or equal to 100")
    assert page.input_value("#id_remedy_cost") == "1250"  # the rest of the input is kept
    steps.check("3-remedy-error")
    page.fill("#id_remedy_progress", "100")
    page.click(".remedy button[type=submit]")
    expect(page.locator('[data-figure="gap-remedy-cost"]')).to_have_text("EUR 1,250.00")

    page.fill("#id_closed_root_cause", "Two billing runs a month; merged into one.")
    page.fill("#id_closed_note", "One run since the 1st.")
    page.click(".move-closed button[type=submit]")
    expect(page.locator("#gap-status")).to_have_text("Closed")
    assert page.evaluate("window.samePage === true")
    assert page.url.endswith(gap.get_absolute_url())
    assert "Oskar Lind" in page.locator(".timeline").inner_text()  # names, not usernames
    steps.check("4-closed")
    gap.refresh_from_db()
    assert (gap.status, gap.remedy_cost) == (S.CLOSED, Decimal("1250.00"))
    steps.assert_clean()


def _listed(page) -> int:
    """How many gaps the gap list says it holds (its table's caption, or none)."""
    caption = page.locator(".gap-table caption")
    if not caption.count():
        return 0
    return int(re.search(r"(\d+) in all", caption.inner_text()).group(1))


def _first_nonzero(page, selector: str):
    """The first count link under ``selector`` that counts some gaps, and its count."""
    for link in page.locator(selector).all():
        if int(link.inner_text()):
            return link, int(link.inner_text())
    raise AssertionError(f"no gaps counted at {selector}")


def test_executive_reads_the_dashboard_opens_a_formula_and_drills_down(page, sign_in, width):
    """On the demo data (``seed_demo``), signed in as the demo's executive, as a visitor."""
    call_command("seed_demo", stdout=StringIO())
    board = selectors.dashboard()
    as_of, through = board.as_of, board.freshness.rolled_through
    steps = Steps(page, "executive", width)
    sign_in(User.objects.get(username="exec"), password=DEMO_PASSWORD)
    assert page.url.endswith("/roi/")
    # "As of" in words: the heading's day, and the last day the figures count.
    expect(page.get_by_role("heading", name="Savings and return")).to_contain_text(
        f"as of the start of {as_of:%A} {as_of.day} {as_of:%B %Y}"
    )
    expect(page.locator("#as-of-words")).to_contain_text(
        f"up to the end of {through:%A} {through.day} {through:%B %Y}"
    )
    steps.check("1-dashboard")

    page.click('[data-figure="investment"]')
    popover = page.locator("#formula-investment")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("What fixing and preventing gaps cost")
    steps.check("2-formula")
    popover.get_by_role("button", name="Close").click()

    # The wrong input: a period that ends before it starts.
    page.fill("#id_start", "2026-05")
    page.fill("#id_end", "2026-01")
    _submit(page, "form.filters button[type=submit]")
    expect(page.locator(".field-error")).to_contain_text("The period must end after it starts.")
    steps.check("3-filter-error")

    # Drill-down by the date a figure counts: the gaps closed in a month, all of them.
    page.goto("/roi/")
    link, count = _first_nonzero(page, '#settled-months a[data-count="closed"]')
    month = link.get_attribute("data-month")
    with page.expect_navigation():
        link.click()
    assert f"closed_after={month}-01" in page.url
    assert _listed(page) == count
    expect(page.locator(".gap-row .status").first).to_have_text("Closed")
    steps.check("4-drill-down")

    # A team's count of prevented gaps in the period opens exactly those.
    page.goto("/roi/")
    link, count = _first_nonzero(page, '#team-figures a[data-count="prevented"]')
    with page.expect_navigation():
        link.click()
    assert "prevented_after=" in page.url
    assert _listed(page) == count
    steps.assert_clean()
