"""The ROI part of the daily digest: the CX team and administrators hear when the rollup
failed or its figures are more than a day old (issue 8: a stale or failed rollup is visible).

Registered in ``RoiConfig.ready`` with ``gaps.digests`` (the gaps app knows nothing of ROI).
The section repeats every day the problem lasts: it is a state to fix, not an event.
"""

from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext

from gaps import permissions as rules
from gaps.digests import DigestSection

from .freshness import freshness


def rollup_digest_recipients() -> Q:
    """The CX team and administrators."""
    return Q(groups__name=rules.CX_TEAM) | Q(is_superuser=True)


def rollup_digest_section(
    user: User | AnonymousUser, since: datetime | None, now: datetime
) -> DigestSection | None:
    """ "ROI rollup" with a line for a failed last run and one for figures older than a day;
    ``None`` for anyone outside the CX team and administrators, or when all is well."""
    if not rules.is_cx_team(user):
        return None
    state = freshness(today=now.astimezone(UTC).date())
    lines = []
    if state.failed and state.last_run is not None:
        error = (state.error or gettext("no error recorded")).splitlines()[0][:200]
        lines.append(
            gettext(
                "The last rollup run failed at %(moment)s UTC: %(error)s. The dashboard shows "
                "the figures of the last run that succeeded."
            )
            % {"moment": f"{state.last_run.finished_at:%Y-%m-%d %H:%M}", "error": error}
        )
    # Before any run succeeded there are no figures to be stale (a new installation); a run
    # that failed is told above.
    if state.outdated and state.computed_at is not None:
        lines.append(
            gettext(
                "ROI figures are more than a day old: the rollup last succeeded at %(moment)s "
                "UTC, covering days up to %(day)s."
            )
            % {
                "moment": f"{state.computed_at:%Y-%m-%d %H:%M}",
                "day": state.rolled_through or gettext("none"),
            }
        )
    if not lines:
        return None
    lines.append(gettext("Dashboard: %(url)s") % {"url": reverse("roi:dashboard")})
    return DigestSection(title=gettext("ROI rollup"), lines=lines, count=len(lines) - 1)
