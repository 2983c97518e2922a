"""How often customers meet a gap: occurrences per month of 30 days, the one way to divide.

Three rules read a gap's rate, and all divide here: the recurring flag (``gaps.occurrences``,
baseline before closing against the rate since), the measured savings (``roi.calculations``,
the same two rates) and the change reviews' recent rate (``reviews.selectors``). Their windows
differ on purpose, each named where it is set (docs/roi.md, "Two baseline windows"). Pure
functions on ``Decimal``: ``gaps`` owns them because the recurring flag needs them and
``gaps`` may not import ``roi``.
"""

from datetime import datetime
from decimal import Decimal

DAYS_PER_MONTH = Decimal(30)
SECONDS_PER_DAY = Decimal(86_400)


def elapsed_days(start: datetime, end: datetime) -> Decimal:
    """Exact days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    delta = end - start
    seconds = Decimal(delta.days) * SECONDS_PER_DAY + Decimal(delta.seconds)
    seconds += Decimal(delta.microseconds) / Decimal(1_000_000)
    return seconds / SECONDS_PER_DAY


def months_between(start: datetime, end: datetime) -> Decimal:
    """Months (of 30 days) from ``start`` to ``end``, never negative."""
    return max(Decimal(0), elapsed_days(start, end) / DAYS_PER_MONTH)


def monthly_rate(occurrences: int, *, months: Decimal) -> Decimal:
    """Occurrences counted over ``months`` months, per month (``months`` must be positive)."""
    return Decimal(occurrences) / months


def window_rate(occurrences: int, *, window_days: int) -> Decimal:
    """Occurrences counted over a window of ``window_days`` whole days, per month."""
    return monthly_rate(occurrences, months=Decimal(window_days) / DAYS_PER_MONTH)
