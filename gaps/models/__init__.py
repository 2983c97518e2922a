"""The gaps app's data: the organisation, gaps with their history, occurrences and API tokens."""

from .comments import GapComment
from .gaps import (
    OPEN_STATUSES,
    REMEDY_STATUSES,
    Gap,
    GapEvent,
    Occurrence,
    acknowledge_late,
    late_condition,
    overdue_condition,
    remedy_late,
)
from .notifications import DigestDelivery, Escalation
from .organisation import Role, Team, Theme, Touchpoint
from .saved_views import SavedGapView
from .tokens import ApiToken

# Largest primary key a 64-bit id column holds: larger numbers in input are invalid ids, refused
# before they reach the database (SQLite cannot even bind them).
MAX_ID = 2**63 - 1

__all__ = [
    "MAX_ID",
    "OPEN_STATUSES",
    "REMEDY_STATUSES",
    "ApiToken",
    "DigestDelivery",
    "Escalation",
    "Gap",
    "GapComment",
    "GapEvent",
    "Occurrence",
    "Role",
    "SavedGapView",
    "Team",
    "Theme",
    "Touchpoint",
    "acknowledge_late",
    "late_condition",
    "overdue_condition",
    "remedy_late",
]
