"""Gap fixtures: a small organisation and gaps created through the services."""

import pytest

from gaps import services
from gaps.models import Gap, Role
from tests.factories import RoleFactory, TeamFactory, TouchpointFactory


@pytest.fixture
def billing(db):
    return TeamFactory(name="Billing", slug="billing")


@pytest.fixture
def owned_role(billing, owner_user):
    """A role ``owner_user`` owns."""
    return RoleFactory(name="Billing Operations Manager", team=billing, owners=[owner_user])


@pytest.fixture
def other_role(other_owner):
    """A role of another team, owned by ``other_owner``."""
    return RoleFactory(
        name="Warehouse Manager", team=TeamFactory(name="Logistics"), owners=[other_owner]
    )


@pytest.fixture
def touchpoint(db):
    return TouchpointFactory(name="Support phone line")


@pytest.fixture
def make_gap(cx_user, owned_role, touchpoint):
    """``make_gap(**fields)``: a gap logged by the CX team through ``gap_create``."""

    def _make(**fields) -> Gap:
        defaults = {
            "title": "Invoices arrive in three parts",
            "expectation": "One clear invoice a month.",
            "delivery": "Three partial invoices with unexplained codes.",
            "category": Gap.Category.PROCESS,
            "causing_role": owned_role,
            "severity": 4,
            "touchpoint": touchpoint,
        }
        defaults.update(fields)
        actor = defaults.pop("actor", cx_user)
        return services.gap_create(actor=actor, **defaults)

    return _make


@pytest.fixture
def gap(make_gap) -> Gap:
    return make_gap()


__all__ = ["Role"]
