"""The feed section of the daily digest (``gaps.digests``): new items since the last digest."""

from datetime import datetime

from django.contrib.auth.models import User
from django.utils.translation import gettext

from gaps.digests import DigestSection
from notifications.models import NotificationKind
from notifications.selectors import wants_in_digest

from .models import FeedItem, FeedState

MAX_LINES = 15  # The digest points to the feed; it does not replace it.


def feed_section(user: User, since: datetime | None, now: datetime) -> DigestSection | None:
    """The user's feed items that arrived since ``since`` and are still unread."""
    if not wants_in_digest(user, NotificationKind.FEED_ITEM):
        return None
    items = FeedItem.objects.for_user(user).filter(state=FeedState.NEW, created_at__lt=now)
    if since is not None:
        items = items.filter(created_at__gte=since)
    items = items.select_related("role", "insight").order_by("-relevance", "-created_at")
    count = items.count()
    if not count:
        return None
    lines = [
        f"{item.role.name}: {item.insight.title} — {item.reason}" for item in items[:MAX_LINES]
    ]
    if count > MAX_LINES:
        lines.append(gettext("… and %(more)s more in your feed.") % {"more": count - MAX_LINES})
    return DigestSection(
        title=gettext("New in your feed (%(count)s)") % {"count": count}, lines=lines, count=count
    )
