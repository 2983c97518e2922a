"""The gaps app's data: the organisation, gaps with their history, occurrences and API tokens."""

from .gaps import Gap, GapEvent, Occurrence
from .notifications import DigestDelivery, Escalation
from .organisation import Role, Team, Theme, Touchpoint
from .tokens import ApiToken

__all__ = [
    "ApiToken",
    "DigestDelivery",
    "Escalation",
    "Gap",
    "GapEvent",
    "Occurrence",
    "Role",
    "Team",
    "Theme",
    "Touchpoint",
]
