"""The daily digest's part for the kind no other section tells: mentions."""

from datetime import datetime

from django.contrib.auth.models import User
from django.utils.translation import gettext

from gaps.digests import DigestSection

from .models import Notification, NotificationKind

# Feed items, escalations, recurring gaps and reviews due have digest sections of their own
# (insights, gaps, reviews), which honour the same preferences; this one would only repeat them.
KINDS = (NotificationKind.MENTION,)
MAX_LINES = 15


def notification_section(user: User, since: datetime | None, now: datetime) -> DigestSection | None:
    """Notifications meant for the digest that were made since the last one."""
    found = Notification.objects.filter(
        recipient=user, kind__in=KINDS, in_digest=True, created_at__lt=now
    )
    if since is not None:
        found = found.filter(created_at__gte=since)
    rows = list(found.order_by("-created_at")[: MAX_LINES + 1])
    if not rows:
        return None
    lines = [f"{n.title} {n.url}".strip() for n in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(gettext("… and more under the bell in cxalign."))
    return DigestSection(title=gettext("Mentions"), lines=lines, count=len(lines))
