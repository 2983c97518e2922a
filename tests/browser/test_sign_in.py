"""Browser journey: a person signs in with real Chromium and lands where their work is."""

import pytest

from gaps import permissions
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_executive_signs_in_and_lands_on_the_dashboard(page, sign_in):
    user = UserFactory(username="eleni", groups=[permissions.EXECUTIVE])
    sign_in(user)
    assert page.url.endswith("/roi/")
    assert page.locator(".whoami").inner_text().startswith("eleni")


def test_wrong_password_shows_the_error_beside_the_form(page, sign_in):
    user = UserFactory(username="eleni", groups=[permissions.EXECUTIVE])
    sign_in(user, password="wrong")
    assert "/accounts/login/" in page.url
    assert "correct username and password" in page.locator("[role=alert]").inner_text()
