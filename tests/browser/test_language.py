"""Browser journey: an executive switches the interface to German on their preferences page
and reads translated pages with German number formats; the choice survives a new sign-in."""

import pytest

from gaps import permissions
from notifications.models import LanguagePreference
from roi import selectors, services
from tests.factories import UserFactory
from tests.roi.conftest import TODAY, make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    """Visible text with no-break spaces as plain ones (CLDR puts them before the €)."""
    return locator.inner_text().replace("\xa0", " ").replace("\u202f", " ")


def test_switching_the_interface_to_german(page, sign_in, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    make_history()
    services.rollup_nightly(today=TODAY)
    user = UserFactory(username="eleni", groups=[permissions.EXECUTIVE])
    sign_in(user)
    assert _text(page.locator('[data-figure="measured"]')) == "EUR 2,100.00"

    page.goto("/notifications/preferences/")
    assert page.locator("h1").inner_text() == "Notification preferences"
    page.select_option("#id_language", "de")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Benachrichtigungseinstellungen"
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Ihre Einstellungen sind gespeichert." in page.locator(".messages").inner_text()
    assert LanguagePreference.objects.get(user=user).language == "de"

    page.goto("/roi/")
    nav = page.locator("nav.nav")
    assert "ROI-Dashboard" in nav.inner_text()
    assert "Anerkennung" in nav.inner_text()
    assert _text(page.locator('[data-figure="measured"]')) == "2.100,00 €"
    assert _text(page.locator('[data-figure="roi"]')) == "470,00 %"
    assert "Rollup zuletzt gelaufen am" in page.locator("#rollup-last-ran").inner_text()
    # The charts' axis ticks are money in German format (Intl.NumberFormat with the locale).
    tick = page.evaluate(
        "Chart.getChart('chart-monthly').scales.y.ticks.map(t => t.label).filter(Boolean).pop()"
    )
    assert tick.replace("\xa0", " ").endswith(" €")

    # A new sign-in (another device) keeps German, whatever the browser asks.
    page.click("text=Abmelden")
    page.wait_for_load_state()
    sign_in(user)
    page.goto("/notifications/")
    assert page.locator("h1").inner_text() == "Benachrichtigungen"
