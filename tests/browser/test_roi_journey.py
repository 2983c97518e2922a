"""Browser journey: an executive opens the ROI dashboard, sees the figures and opens a formula."""

import pytest

from gaps import permissions
from roi import selectors, services
from tests.factories import UserFactory
from tests.roi.conftest import TODAY, make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_executive_reads_the_dashboard_and_opens_a_formula(page, sign_in, monkeypatch):
    # Today is the history's: rolled up to its yesterday, the dashboard is fresh and does not
    # roll up to the real yesterday when read (eager mode brings a due rollup up to date).
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    make_history()
    services.rollup_nightly(today=TODAY)
    sign_in(UserFactory(username="eleni", groups=[permissions.EXECUTIVE]))
    assert page.url.endswith("/roi/")
    assert "Rollup last ran at" in page.locator("#rollup-last-ran").inner_text()

    measured = page.locator('[data-figure="measured"]')
    assert measured.inner_text() == "EUR 2,100.00"
    assert page.locator('[data-figure="roi"]').inner_text() == "470.00 %"
    popover = page.locator("#formula-measured")
    assert not popover.is_visible()
    measured.click()
    popover.wait_for(state="visible")
    text = popover.inner_text()
    # In words people use, with the inputs by name; the API's formula one click further.
    assert "Added up over the closed gaps" in text
    assert "Closed gaps counted\t1" in text
    popover.locator("summary").click()
    assert "max(0, baseline_rate − post_rate) × months_after × unit_cost" in popover.inner_text()

    # Chart.js drew the charts from the local static file.
    assert page.evaluate("typeof Chart") == "function"
    assert page.evaluate("Chart.getChart('chart-monthly') !== undefined")

    # The team filter narrows the figures.
    page.keyboard.press("Escape")
    page.select_option("#id_team", label="Logistics")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator('[data-figure="estimated"]').inner_text() == "EUR 750.00"
    assert page.locator('[data-figure="measured"]').inner_text() == "EUR 0.00"
