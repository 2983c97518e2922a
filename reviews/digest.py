"""The overdue-reviews section of the daily digest (``gaps.digests``)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext

from gaps.digests import DigestSection
from notifications.models import NotificationKind
from notifications.selectors import wants_in_digest

from .selectors import overdue_reviews_of

MAX_LINES = 15


def overdue_reviews_section(
    user: User, since: datetime | None, now: datetime
) -> DigestSection | None:
    """Reviews of the person's roles past their launch day without a decision.

    Repeated every day until decided: a launch that went ahead unreviewed is the risk itself.
    """
    if not wants_in_digest(user, NotificationKind.REVIEW_DUE):
        return None
    reviews = overdue_reviews_of(user, today=timezone.localdate(now))
    count = reviews.count()
    if not count:
        return None
    lines = [
        gettext("%(title)s (%(role)s): launch day %(day)s, %(status)s, no decision yet")
        % {
            "title": review.title,
            "role": review.role.name,
            "day": f"{review.launch_on:%Y-%m-%d}",
            "status": review.get_status_display().lower(),
        }
        for review in reviews[:MAX_LINES]
    ]
    if count > MAX_LINES:
        lines.append(gettext("… and %(more)s more.") % {"more": count - MAX_LINES})
    return DigestSection(
        title=gettext("Change reviews past launch (%(count)s)") % {"count": count},
        lines=lines,
        count=count,
    )
