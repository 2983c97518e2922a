"""The rollup equals the per-gap formulas of ``roi.calculations`` to the cent, on random small
histories (Hypothesis): closed and prevented gaps, occurrences before and after closing, cost
model versions (some after the data starts), late occurrences, gaps reopened or closed in the
past after a run, and re-runs.

The reference below counts occurrences from the generated history itself, in Python, and
applies ``roi.calculations`` per gap as of every day T: the daily rows before T, summed, must
give Σ per gap of its figure as of T rounded to cents, for (i) a full run, (ii) incremental
runs with late data and status changes (a closed gap reopened: its savings leave every day;
an open gap closed at a past moment: they appear from then) and (iii) a re-run, which must
also leave identical rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaps.models import Gap, GapEvent, Occurrence
from roi import calculations as calc
from roi import services
from roi.costs import CostModelTimeline, gap_unit_cost
from roi.models import CostModel, DailyRollup
from tests.factories import GapFactory, RoleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

BASE = date(2026, 1, 1)
START = calc.day_start(BASE)
DAY_SECONDS = 86_400

money = st.decimals(min_value=0, max_value=400, places=2, allow_nan=False, allow_infinity=False)
moment = st.tuples(
    st.integers(min_value=-70 * DAY_SECONDS, max_value=100 * DAY_SECONDS),
    st.integers(min_value=0, max_value=999_999),
)
gap_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["closed", "closed", "prevented", "open"]),
        "at": moment,
        "cost_to_serve": st.none() | money,
        "revenue_at_risk": st.none() | money,
        "expected": money,
        "touchpoint": st.booleans(),
        "role": st.integers(min_value=0, max_value=1),
        "occurrences": st.lists(moment, max_size=30),
    }
)
version_spec = st.fixed_dictionaries(
    {
        "offset": st.integers(min_value=-40, max_value=90),
        "cost": money,
        "revenue": money,
        "window": st.sampled_from([7, 30, 90]),
        "horizon": st.sampled_from([5, 45, 365]),
    }
)


@dataclass
class History:
    gaps: list[Gap] = field(default_factory=list)
    moments: dict[int, list[datetime]] = field(default_factory=dict)


def at(spec: tuple[int, int]) -> datetime:
    seconds, micro = spec
    return START + timedelta(seconds=seconds, microseconds=micro)


def build(versions: list[dict], gaps: list[dict]) -> History:
    for spec in {v["offset"]: v for v in versions}.values():
        CostModel.objects.create(
            effective_from=BASE + timedelta(days=spec["offset"]),
            cost_per_contact=spec["cost"],
            revenue_at_risk_per_occurrence=spec["revenue"],
            baseline_window_days=spec["window"],
            estimate_horizon_days=spec["horizon"],
        )
    roles = [RoleFactory(), RoleFactory()]
    touchpoint = TouchpointFactory(cost_per_contact=Decimal("3.25"))
    history = History()
    for spec in gaps:
        moment_at = at(spec["at"])
        fields = {
            "causing_role": roles[spec["role"]],
            "touchpoint": touchpoint if spec["touchpoint"] else None,
            "cost_to_serve": spec["cost_to_serve"],
            "revenue_at_risk": spec["revenue_at_risk"],
            "detected_on": (moment_at - timedelta(days=3)).date(),
        }
        if spec["kind"] == "closed":
            fields.update(status=Gap.Status.CLOSED, closed_at=moment_at, root_cause="Fixed.")
        elif spec["kind"] == "prevented":
            fields.update(
                status=Gap.Status.PREVENTED,
                prevented_on=moment_at.date(),
                expected_monthly_occurrences=spec["expected"],
            )
        gap = GapFactory(**fields)
        history.gaps.append(gap)
        history.moments[gap.pk] = []
        add_occurrences(history, gap, [at(m) for m in spec["occurrences"]])
    return history


def add_occurrences(history: History, gap: Gap, moments: list[datetime]) -> None:
    start = len(history.moments[gap.pk])
    Occurrence.objects.bulk_create(
        Occurrence(gap=gap, occurred_at=m, source="prop", external_id=f"{gap.pk}-{start + n}")
        for n, m in enumerate(moments)
    )
    history.moments[gap.pk].extend(moments)


def change_status(gap: Gap, closed_at: datetime) -> None:
    """Reopen a closed gap, or close an open one at the past moment ``closed_at``, with the
    history entry that makes the next run recompute the gap's days."""
    source = gap.status
    if source == Gap.Status.CLOSED:
        gap.status, gap.closed_at = Gap.Status.OPEN, None
    elif source == Gap.Status.OPEN:
        gap.status, gap.closed_at, gap.root_cause = Gap.Status.CLOSED, closed_at, "Fixed."
    else:
        return
    gap.save(update_fields=["status", "closed_at", "root_cause", "updated_at"])
    GapEvent.objects.create(
        gap=gap, kind=GapEvent.Kind.TRANSITION, from_status=source, to_status=gap.status
    )


def expected_as_of(history: History, timeline: CostModelTimeline, as_of: date) -> dict:
    """Σ per gap of ``roi.calculations``' figures as of ``as_of``, each rounded to cents, and
    the occurrences before it with their cost (cost model of each occurrence's day)."""
    end = calc.day_start(as_of)
    model = timeline.on(as_of)
    measured = estimated = cost = Decimal(0)
    occurrences = 0
    for gap in history.gaps:
        moments = history.moments[gap.pk]
        for m in moments:
            if m < end:
                occurrences += 1
                cost += gap_unit_cost(gap, timeline.on(m.date()))
        unit = gap_unit_cost(gap, model)
        if gap.status == Gap.Status.CLOSED and gap.closed_at < end:
            window = model.baseline_window_days
            baseline_from = gap.closed_at - timedelta(days=window)
            measured += calc.cents(
                calc.measured_savings(
                    closed_at=gap.closed_at,
                    as_of=as_of,
                    baseline_occurrences=sum(baseline_from <= m < gap.closed_at for m in moments),
                    post_occurrences=sum(gap.closed_at <= m < end for m in moments),
                    baseline_window_days=window,
                    unit=unit,
                ).amount
            )
        if gap.status == Gap.Status.PREVENTED and gap.prevented_on < as_of:
            estimated += calc.cents(
                calc.estimated_savings(
                    prevented_on=gap.prevented_on,
                    as_of=as_of,
                    expected_monthly_occurrences=gap.expected_monthly_occurrences,
                    horizon_days=model.estimate_horizon_days,
                    unit=unit,
                ).amount
            )
    return {
        "measured_savings": measured,
        "estimated_savings": estimated,
        "occurrences": occurrences,
        "cost_incurred": cost,
    }


def assert_rows_equal_formulas(history: History, through: date) -> None:
    """For every day T up to the day after ``through``: rows before T = formulas as of T."""
    timeline = CostModelTimeline()
    rows = sorted(
        DailyRollup.objects.values_list(
            "date", "measured_savings", "estimated_savings", "occurrences", "cost_incurred"
        )
    )
    first = min([r[0] for r in rows] + [BASE - timedelta(days=80)])
    as_of = first
    while as_of <= through + timedelta(days=1):
        before = [r for r in rows if r[0] < as_of]
        got = {
            "measured_savings": sum((r[1] for r in before), Decimal(0)),
            "estimated_savings": sum((r[2] for r in before), Decimal(0)),
            "occurrences": sum(r[3] for r in before),
            "cost_incurred": sum((r[4] for r in before), Decimal(0)),
        }
        assert got == expected_as_of(history, timeline, as_of), as_of
        as_of += timedelta(days=7) if as_of < through - timedelta(days=7) else timedelta(days=1)


def daily_state() -> list[tuple]:
    return sorted(
        DailyRollup.objects.values_list(
            "date", "team_id", "role_id", "category", *DailyRollup.MEASURES
        )
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    versions=st.lists(version_spec, max_size=3),
    gaps=st.lists(gap_spec, min_size=1, max_size=4),
    first_run=st.integers(min_value=10, max_value=100),
    later=st.integers(min_value=0, max_value=12),
    late=st.lists(st.tuples(st.integers(min_value=0, max_value=3), moment), max_size=5),
    changes=st.lists(st.tuples(st.integers(min_value=0, max_value=3), moment), max_size=2),
)
def test_rollup_rows_equal_the_per_gap_formulas(
    db, versions, gaps, first_run, later, late, changes
):
    # No look-back margin: only the occurrences added after the first run are late.
    with override_settings(CXALIGN_ROLLUP_LATE_MARGIN_SECONDS=0), transaction.atomic():
        history = build(versions, gaps)
        # (i) a full run up to a first day,
        first_last = BASE + timedelta(days=first_run)
        services.rollup_run(first=None, last=first_last)
        assert_rows_equal_formulas(history, first_last)
        # (ii) late occurrences (some before the run's last day, some in the baseline
        # windows), then the next incremental run further on,
        limit = calc.day_start(first_last + timedelta(days=1))
        for index, spec in late:
            gap = history.gaps[index % len(history.gaps)]
            moment_at = at(spec)
            if moment_at < limit:
                add_occurrences(history, gap, [moment_at])
        # reopened and newly closed gaps (a closing before the first run's end),
        for index, spec in changes:
            moment_at = at(spec)
            if moment_at < limit:
                change_status(history.gaps[index % len(history.gaps)], moment_at)
        second_last = first_last + timedelta(days=later)
        services.rollup_run(first=None, last=second_last)
        assert_rows_equal_formulas(history, second_last)
        # (iii) and a re-run of everything gives the same rows.
        state = daily_state()
        services.rollup_run(first=services.first_data_day(), last=second_last)
        assert daily_state() == state
        transaction.set_rollback(True)
