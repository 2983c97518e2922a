"""Browser journey of webhooks: the CX team subscribes an endpoint, sees the secret once and
sends a test event whose response code lands in the delivery log."""

import pytest

from gaps import permissions
from tests.browser.support import pick
from tests.factories import UserFactory
from tests.webhooks.conftest import receiver  # noqa: F401 - the real local receiver fixture
from webhooks import signing
from webhooks.models import WebhookSubscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cx_team_subscribes_and_sends_a_test_event(page, sign_in, receiver):  # noqa: F811
    cx = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    sign_in(cx)

    page.locator("nav.nav").get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="New subscription").click()
    page.get_by_label("Receiver URL").fill(receiver.url)
    page.get_by_label("Description").fill("Support desk")
    pick(page, "id_events", "A gap was logged")  # a searchable multi-select
    page.get_by_label("Format").select_option("json")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    subscription = WebhookSubscription.objects.get()
    assert page.locator("#new-secret code").inner_text() == subscription.secret
    page.get_by_role("button", name="Send test event").click()
    page.wait_for_load_state()

    row = page.locator("#deliveries tbody tr").first
    assert "ping" in row.inner_text()
    assert row.locator(".response-code").inner_text() == "200"
    (request,) = receiver.requests
    assert signing.verify(subscription.secret, request.body, request.headers["X-Cxalign-Signature"])
    # The secret was shown once only.
    page.reload()
    assert page.locator("#new-secret").count() == 0
