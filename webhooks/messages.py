"""The body a delivery sends: the signed JSON envelope, a Slack message or a Teams card."""

from datetime import datetime
from typing import Any

from django.conf import settings

from .models import PING, WebhookFormat
from .renderers import Rendered

HEADLINES = {
    "gap.created": "New gap",
    "gap.status_changed": "Gap status changed",
    "gap.escalated": "Overdue gap escalated",
    "gap.recurring": "Closed gap is recurring",
    "insight.published": "Insight published",
    "feed_item.created": "New in a role's feed",
    "change_review.assessed": "Change review assessed",
    "rollup.completed": "ROI rollup completed",
    PING: "Test event from cxalign",
}
LINK_LABEL = "Open in cxalign"


def absolute_url(path: str) -> str:
    """``path`` on the site people use (``settings.SITE_URL``); blank stays blank."""
    if not path:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def headline(event: str, rendered: Rendered) -> str:
    text = HEADLINES.get(event, event)
    if event == "gap.status_changed":
        status = rendered.data.get("status")
        if status:
            text = f"Gap now {str(status).replace('_', ' ')}"
    if event == "feed_item.created" and rendered.data.get("role_name"):
        text = f"New in the feed of {rendered.data['role_name']}"
    return text


def json_body(*, delivery_id: str, event: str, created_at: datetime, data: Any) -> dict:
    """DESIGN.md's envelope: ``id``, ``event``, ``created_at`` (ISO 8601 UTC), ``data``."""
    return {
        "id": delivery_id,
        "event": event,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn reserves &, < and > (its link syntax)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(event: str, rendered: Rendered) -> dict:
    """A Slack incoming-webhook message: ``text`` (notifications) and ``blocks`` (the layout)."""
    title = _slack_escape(rendered.title)
    url = absolute_url(rendered.path)
    lead = _slack_escape(headline(event, rendered))
    linked = f"<{url}|{title}>" if url and title else title
    text = f"{lead}: {linked}" if linked else lead
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}]
    facts = [(name, value) for name, value in rendered.facts if value]
    if facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(name)}*\n{_slack_escape(value)}"}
                    for name, value in facts[:10]  # Slack takes at most ten fields
                ],
            }
        )
    if url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": LINK_LABEL},
                        "url": url,
                    }
                ],
            }
        )
    return {"text": text, "blocks": blocks}


def teams_body(event: str, rendered: Rendered) -> dict:
    """A Microsoft Teams connector message card with the facts and a link back."""
    lead = headline(event, rendered)
    url = absolute_url(rendered.path)
    facts = [{"name": name, "value": value} for name, value in rendered.facts if value]
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": f"{lead}: {rendered.title}" if rendered.title else lead,
        "themeColor": "0B6E4F",
        "title": lead,
        "sections": [
            {
                "activityTitle": rendered.title or lead,
                "facts": facts,
                "markdown": False,
            }
        ],
    }
    if url:
        card["potentialAction"] = [
            {"@type": "OpenUri", "name": LINK_LABEL, "targets": [{"os": "default", "uri": url}]}
        ]
    return card


def body_for(
    *, format: str, delivery_id: str, event: str, created_at: datetime, rendered: Rendered
) -> dict:
    """What a subscription of ``format`` receives for one object of one event."""
    if format == WebhookFormat.SLACK:
        return slack_body(event, rendered)
    if format == WebhookFormat.TEAMS:
        return teams_body(event, rendered)
    return json_body(
        delivery_id=delivery_id, event=event, created_at=created_at, data=rendered.data
    )
