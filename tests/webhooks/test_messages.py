"""Slack and Teams subscriptions get readable messages with a link back to the object."""

import json

import pytest

from webhooks import messages
from webhooks.renderers import Rendered

pytestmark = pytest.mark.django_db

SITE = "https://cx.example.com"


def test_a_slack_subscription_gets_text_and_blocks_with_a_link(
    receiver, subscribe, log_gap, settings
):
    settings.SITE_URL = SITE
    subscribe(["gap.created"], format="slack")

    gap = log_gap(title="Refunds take <3 weeks> & more")

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert set(body) == {"text", "blocks"}
    link = f"{SITE}/gaps/{gap.pk}/"
    # Slack's link syntax, with mrkdwn's reserved characters escaped in the title.
    assert body["text"] == f"New gap: <{link}|Refunds take &lt;3 weeks&gt; &amp; more>"
    section, fields, actions = body["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": f"*{body['text']}*"}}
    assert fields["type"] == "section"
    assert {"type": "mrkdwn", "text": "*Severity*\n4"} in fields["fields"]
    assert {"type": "mrkdwn", "text": "*Causing role*\nBilling Operations Manager"} in fields[
        "fields"
    ]
    (button,) = actions["elements"]
    assert (actions["type"], button["type"], button["url"]) == ("actions", "button", link)
    assert "X-Cxalign-Signature" in request.headers


def test_a_teams_subscription_gets_a_message_card_with_a_link(
    receiver, subscribe, log_gap, settings
):
    settings.SITE_URL = SITE + "/"
    subscribe(["gap.created"], format="teams")

    gap = log_gap()

    body = json.loads(receiver.requests[0].body)
    assert body["@type"] == "MessageCard"
    assert body["@context"] == "https://schema.org/extensions"
    assert body["title"] == "New gap"
    assert body["summary"] == "New gap: Invoices arrive in three parts"
    (section,) = body["sections"]
    assert section["activityTitle"] == "Invoices arrive in three parts"
    assert {"name": "Status", "value": "Open"} in section["facts"]
    (action,) = body["potentialAction"]
    assert action["@type"] == "OpenUri"
    assert action["targets"] == [{"os": "default", "uri": f"{SITE}/gaps/{gap.pk}/"}]


def test_headlines_say_what_happened():
    moved = Rendered(data={"status": "in_remedy"}, title="t")
    fed = Rendered(data={"role_name": "Courier"}, title="t")
    assert messages.headline("gap.status_changed", moved) == "Gap now in remedy"
    assert messages.headline("feed_item.created", fed) == "New in the feed of Courier"
    assert messages.headline("gap.escalated", moved) == "Overdue gap escalated"


def test_a_message_without_a_page_has_no_link():
    body = messages.slack_body("rollup.completed", Rendered(data={}, title="ROI rollup"))
    assert body["text"] == "ROI rollup completed: ROI rollup"
    assert all(block["type"] != "actions" for block in body["blocks"])
    assert "potentialAction" not in messages.teams_body("rollup.completed", Rendered(data={}))
