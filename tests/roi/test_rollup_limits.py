"""Money that could overflow the rollup (issue 8, finding 1): every door a gap comes in by
refuses amounts beyond ``gaps.models.limits`` with a message beside the field, the database
refuses them too, and the rollup's columns hold the largest gaps at enterprise volume."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gaps import csv_io
from gaps.models import Gap, GapEvent, Occurrence, Touchpoint
from gaps.models.limits import MAX_MONTHLY_OCCURRENCES, MAX_OCCURRENCE_MONEY
from roi import calculations as calc
from roi import services
from roi.figure_inputs import totals_as_of
from roi.models import CostModel, GapSnapshot
from roi.rollup import measures as rollup_measures
from tests.factories import GapFactory, RoleFactory, TouchpointFactory
from tests.gaps.api_support import client_for

from .conftest import T0, TODAY
from .test_rollup import assert_same, rolled_totals

pytestmark = pytest.mark.django_db

TOO_MUCH = {
    "cost_to_serve": "999999999999.99",
    "revenue_at_risk": "1000000.01",
    "expected_monthly_occurrences": "9999999999.99",
    "remedy_cost": "1000000000.01",
}


@pytest.fixture
def role(db):
    return RoleFactory(name="Billing Operations Manager")


def api_body(role, **changes) -> dict:
    return {
        "title": "Invoices arrive in three parts",
        "expectation": "One clear invoice a month.",
        "delivery": "Three partial invoices.",
        "category": "process",
        "causing_role": role.pk,
        "severity": 4,
        **changes,
    }


@pytest.mark.parametrize(("field", "value"), TOO_MUCH.items())
def test_the_api_refuses_amounts_beyond_the_limits(cx_user, role, field, value):
    changes = {field: value}
    if field == "expected_monthly_occurrences":
        changes["status"] = "prevented"
    response = client_for(cx_user).post("/api/v1/gaps/", api_body(role, **changes), format="json")
    assert response.status_code == 400
    assert "less than or equal to" in " ".join(response.json()[field])
    assert not Gap.objects.exists()


def test_the_api_takes_the_limits_themselves(cx_user, role):
    body = api_body(
        role,
        status="prevented",
        cost_to_serve="1000000.00",
        revenue_at_risk="1000000.00",
        expected_monthly_occurrences="1000000.00",
        remedy_cost="1000000000.00",
    )
    response = client_for(cx_user).post("/api/v1/gaps/", body, format="json")
    assert response.status_code == 201, response.json()


def test_the_gap_form_puts_the_limit_beside_the_field(client, cx_user, role):
    client.force_login(cx_user)
    response = client.post(
        reverse("gaps:create"),
        {
            **api_body(role, causing_team=role.team_id),
            "cost_to_serve": "999999999999.99",
            "remedy_cost": "1000000000.01",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "less than or equal to 1000000" in errors["cost_to_serve"][0]
    assert "less than or equal to 1000000000" in errors["remedy_cost"][0]
    assert not Gap.objects.exists()


def test_the_csv_import_names_the_row_and_the_column(client, cx_user, role):
    client.force_login(cx_user)
    buffer = io.StringIO()
    row = {
        "title": "Double debit",
        "expectation": "One debit.",
        "delivery": "Two debits.",
        "category": "process",
        "causing_role": str(role.pk),
        "severity": "5",
        "status": "prevented",
        "prevented_on": (TODAY - timedelta(days=3)).isoformat(),
        "expected_monthly_occurrences": "9999999999.99",
    }
    buffer.write(",".join(csv_io.HEADER) + "\n")
    buffer.write(",".join(row.get(name, "") for name in csv_io.HEADER) + "\n")
    file = SimpleUploadedFile("gaps.csv", buffer.getvalue().encode(), content_type="text/csv")
    response = client.post(reverse("gaps:import"), {"file": file})
    text = response.content.decode()
    assert "expected_monthly_occurrences" in text
    assert "At most 1,000,000.00" in text
    assert not Gap.objects.exists()


def test_the_model_validators_and_the_database_refuse_them(role):
    gap = GapFactory.build(causing_role=role, causing_team=role.team, touchpoint=None)
    gap.cost_to_serve = Decimal("1000000.01")
    gap.expected_monthly_occurrences = MAX_MONTHLY_OCCURRENCES + 1
    with pytest.raises(ValidationError) as refused:
        gap.full_clean()  # what the admin's form runs
    assert {"cost_to_serve", "expected_monthly_occurrences"} <= set(refused.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        gap.save()
    point = TouchpointFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(pk=point.pk).update(cost_per_contact=MAX_OCCURRENCE_MONEY * 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CostModel.objects.create(effective_from=TODAY, estimate_horizon_days=100_000)


def test_gaps_at_the_limits_roll_up_at_volume(history):
    """The largest amounts a gap may claim, with a day of a thousand occurrences: no overflow."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (the embedded demo) adds decimals as floats: exact at PostgreSQL")
    big = dict(cost_to_serve=MAX_OCCURRENCE_MONEY, revenue_at_risk=MAX_OCCURRENCE_MONEY)
    prevented = GapFactory(
        causing_role=history["dispatch"],
        status=Gap.Status.PREVENTED,
        prevented_on=TODAY - timedelta(days=300),
        expected_monthly_occurrences=MAX_MONTHLY_OCCURRENCES,
        remedy_cost=Decimal("1000000000.00"),
        **big,
    )
    closed = GapFactory(
        causing_role=history["dispatch"],
        status=Gap.Status.CLOSED,
        closed_at=T0 - timedelta(days=200),
        root_cause="Limits.",
        **big,
    )
    Occurrence.objects.bulk_create(
        Occurrence(
            gap=gap,
            occurred_at=moment,
            source="load",
            external_id=f"{gap.pk}-{n}",
        )
        for gap, start in ((closed, closed.closed_at - timedelta(days=1)), (prevented, T0))
        for n, moment in enumerate(start - timedelta(seconds=s) for s in range(1000))
    )
    services.rollup_nightly(today=TODAY)
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))
    # A million a month for 300 days at 2,000,000.00 each: 2 × 10^13.
    expected = calc.cents(Decimal(1_000_000) * 300 / 30 * 2_000_000)
    assert rolled_totals(TODAY, role=history["dispatch"]).estimated_savings >= expected


def test_a_gap_whose_figure_would_not_fit_is_left_out_and_named(history, monkeypatch):
    """One bad row cannot stop the run: it is skipped, the run names it, its history says so.

    Real gaps cannot reach the limit through the bounded inputs, so the test lowers it below
    gap A's 2,100.00 (gap B's 750.00 stays under it)."""
    monkeypatch.setattr(rollup_measures, "GAP_FIGURE_LIMIT", Decimal("1000.00"))
    a = history["a"]
    run = services.rollup_nightly(today=TODAY).run
    assert run.status == "succeeded"
    assert [entry["gap"] for entry in run.skipped_gaps] == [a.pk]
    assert (
        "measured savings could reach 2520.00, beyond the 1000.00" in run.skipped_gaps[0]["reason"]
    )
    assert rolled_totals(TODAY).measured_savings == 0
    assert calc.money_str(rolled_totals(TODAY).estimated_savings) == "750.00"
    snapshot = GapSnapshot.objects.get(gap=a)
    assert (snapshot.savings_kind, snapshot.savings) == ("none", 0)
    line = GapEvent.objects.get(gap=a, kind=GapEvent.Kind.ROLLUP_SKIPPED)
    assert "Left out of the ROI figures" in line.note
    # The next run leaves it out again, without repeating the history line.
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    assert GapEvent.objects.filter(gap=a, kind=GapEvent.Kind.ROLLUP_SKIPPED).count() == 1
    # Under the real limit it counts again.
    monkeypatch.setattr(rollup_measures, "GAP_FIGURE_LIMIT", Decimal("1000000000000000"))
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    assert calc.money_str(rolled_totals(TODAY).measured_savings) == "2100.00"
