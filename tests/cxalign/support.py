"""Helpers shared by the hardening tests."""

from gaps import services
from gaps.models import Gap

GAP_FIELDS = {
    "title": "Invoices arrive in three parts",
    "expectation": "One invoice.",
    "delivery": "Three.",
    "category": Gap.Category.PROCESS,
    "severity": 3,
}


def logged_gap(actor, role, **fields) -> Gap:
    """A gap logged through the service (so with its history), attributed to ``role``."""
    return services.gap_create(actor=actor, **{**GAP_FIELDS, "causing_role": role, **fields})
