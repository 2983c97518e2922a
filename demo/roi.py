"""Demo ROI data for ``manage.py seed_demo``: cost model versions and the rollup over the demo
history, so that the executive dashboard opens filled. Idempotent.

The gaps demo runs first and brings the gap history. Where it brought no closed or prevented
gap (an older gaps demo), a small history of our own is logged through ``gaps.services`` so
that every figure on the dashboard has something to show; its occurrences carry fixed external
ids, so running the demo twice adds nothing.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from gaps import services as gap_services
from gaps.models import Gap, Role
from gaps.occurrences import OccurrenceInput, occurrences_record
from roi import services
from roi.models import CostModel, RollupRun

# (title, team, role, category, cost to serve, revenue at risk, detected days ago,
#  closed days ago, baseline per month, after per month, remedy cost)
CLOSED = [
    (
        "Three partial invoices a month",
        "Billing",
        "Billing Operations Manager",
        "process",
        "12.00",
        "30.00",
        260,
        120,
        30,
        5,
        "1500.00",
    ),
    (
        "Refunds take six weeks",
        "Billing",
        "Invoicing Specialist",
        "policy",
        "9.50",
        "22.00",
        300,
        150,
        22,
        4,
        "1200.00",
    ),
    (
        "Parcels left at the wrong door",
        "Logistics",
        "Dispatcher",
        "service",
        "6.00",
        "18.00",
        240,
        90,
        40,
        12,
        "900.00",
    ),
    (
        "Contract renewal terms unreadable",
        "Legal",
        "Contracts Manager",
        "policy",
        "18.00",
        "60.00",
        330,
        200,
        8,
        1,
        "600.00",
    ),
    (
        "App logs customers out at checkout",
        "Engineering",
        "Engineering Manager",
        "product",
        "4.20",
        "35.00",
        200,
        60,
        55,
        10,
        "2500.00",
    ),
    (
        "Password reset emails arrive late",
        "IT",
        "IT Service Manager",
        "process",
        "3.00",
        "8.00",
        180,
        45,
        35,
        9,
        "400.00",
    ),
]
# (title, team, role, category, unit cost parts, prevented days ago, expected a month, remedy)
PREVENTED = [
    (
        "Price rise letter without the new price",
        "Billing",
        "Finance Director",
        "policy",
        "8.00",
        "40.00",
        100,
        "25",
        "250.00",
    ),
    (
        "Courier partner drops signature check",
        "Partners",
        "Channel Manager",
        "service",
        "5.00",
        "20.00",
        70,
        "30",
        "300.00",
    ),
    (
        "Release removes saved carts",
        "Engineering",
        "Software Engineer",
        "product",
        "3.50",
        "45.00",
        30,
        "60",
        "150.00",
    ),
    (
        "Onboarding training skips returns policy",
        "HR",
        "Training Manager",
        "process",
        "7.00",
        "15.00",
        200,
        "12",
        "100.00",
    ),
]
# (title, team, role, category, cost parts, detected days ago, per month)
OPEN = [
    (
        "Delivery slots ignored",
        "Logistics",
        "Warehouse Manager",
        "service",
        "6.00",
        "20.00",
        80,
        45,
    ),
    (
        "Invoice codes nobody explains",
        "Billing",
        "Invoicing Specialist",
        "process",
        "9.00",
        "25.00",
        60,
        30,
    ),
    (
        "Sales promise features not shipped",
        "Sales",
        "Sales Manager",
        "attitude",
        "18.00",
        "90.00",
        50,
        6,
    ),
    (
        "Hold music for forty minutes",
        "Support",
        "Support Team Lead",
        "service",
        "9.50",
        "12.00",
        40,
        70,
    ),
    ("Privacy notice in legalese", "Legal", "Paralegal", "policy", "2.10", "10.00", 120, 14),
]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(hour=rng.randint(7, 20), minute=rng.randint(0, 59)), UTC)


def _occurrences(gap: Gap, rng: random.Random, spans: list[tuple[date, date, float]]) -> list:
    """Occurrences at ``per_month`` over each ``(first, last, per_month)`` span."""
    items: list = []
    for first, last, per_month in spans:
        day = first
        while day < last:
            for _ in range(int(per_month / 30 + rng.random())):
                items.append(
                    OccurrenceInput(
                        gap=gap,
                        occurred_at=_at(day, rng),
                        source="roi-demo",
                        external_id=f"{gap.pk}-{day.isoformat()}-{len(items)}",
                        touchpoint=gap.touchpoint,
                    )
                )
            day += timedelta(days=1)
    return items


def _history(actor: User, today: date) -> None:
    """A small gap history for the dashboard, logged through the gaps services."""
    rng = random.Random(5)
    roles = {(r.team.name, r.name): r for r in Role.objects.select_related("team")}
    items = []

    def create(title, team, role, category, cost, risk, detected, **extra) -> Gap | None:
        if (team, role) not in roles:
            return None
        return gap_services.gap_create(
            actor=actor,
            title=title,
            expectation=f"Customers expect this to just work: {title.lower()} should not happen.",
            delivery=f"What they get: {title.lower()}.",
            category=category,
            causing_role=roles[(team, role)],
            severity=rng.randint(2, 5),
            detected_on=today - timedelta(days=detected),
            cost_to_serve=Decimal(cost),
            revenue_at_risk=Decimal(risk),
            **extra,
        )

    for title, team, role, cat, cost, risk, detected, closed, before, after, remedy in CLOSED:
        closed_day = today - timedelta(days=closed)
        gap = create(
            title,
            team,
            role,
            cat,
            cost,
            risk,
            detected,
            status=Gap.Status.CLOSED,
            closed_at=_at(closed_day, rng),
            root_cause=f"{role} changed the step that caused it.",
            remedy_cost=Decimal(remedy),
        )
        if gap:
            items += _occurrences(
                gap,
                rng,
                [
                    (today - timedelta(days=detected), closed_day, before),
                    (closed_day + timedelta(days=1), today, after),
                ],
            )
    for title, team, role, cat, cost, risk, prevented, expected, remedy in PREVENTED:
        create(
            title,
            team,
            role,
            cat,
            cost,
            risk,
            prevented,
            status=Gap.Status.PREVENTED,
            prevented_on=today - timedelta(days=prevented),
            expected_monthly_occurrences=Decimal(expected),
            remedy_cost=Decimal(remedy),
        )
    for title, team, role, cat, cost, risk, detected, per_month in OPEN:
        gap = create(title, team, role, cat, cost, risk, detected)
        if gap:
            items += _occurrences(gap, rng, [(today - timedelta(days=detected), today, per_month)])
    occurrences_record(items=items)


@transaction.atomic
def seed(stdout=None) -> None:
    """Cost model versions, a history if the gaps demo brought none, and the rollup over it."""
    today = timezone.now().astimezone(UTC).date()
    if not CostModel.objects.exists():
        CostModel.objects.create(
            effective_from=today - timedelta(days=730),
            cost_per_contact=Decimal("6.50"),
            revenue_at_risk_per_occurrence=Decimal("15.00"),
            program_cost_per_month=Decimal("250.00"),
        )
        CostModel.objects.create(
            effective_from=today - timedelta(days=120),
            cost_per_contact=Decimal("7.00"),
            revenue_at_risk_per_occurrence=Decimal("18.00"),
            program_cost_per_month=Decimal("300.00"),
        )
    has_history = Gap.objects.filter(status__in=[Gap.Status.CLOSED, Gap.Status.PREVENTED]).exists()
    actor = User.objects.filter(username="cx").first()
    if not has_history and actor is not None:
        _history(actor, today)
    first = services.first_data_day()
    if first is not None and first < today:
        result = services.rollup_run(
            first=first, last=today - timedelta(days=1), trigger=RollupRun.Trigger.DEMO
        )
        if stdout is not None:
            stdout.write(
                f"ROI: rolled up {result.first_day} to {result.last_day} "
                f"({result.daily_rows} daily rows)."
            )
