"""A run costs a fixed number of SQL statements whatever the data size (PostgreSQL: every
family set-based; nothing per gap, per day or per row)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from gaps.models import Gap, Occurrence
from roi import services
from roi.models import CostModel, DailyRollup
from tests.factories import GapFactory, RoleFactory

from .conftest import T0, TODAY

pytestmark = pytest.mark.django_db


def grow(size: int) -> None:
    """``size`` roles, each with a closed, a prevented and an open gap and their occurrences."""
    for n in range(size):
        role = RoleFactory()
        closed = GapFactory(
            causing_role=role,
            status=Gap.Status.CLOSED,
            closed_at=T0 - timedelta(days=50 + n, hours=n),
            root_cause="Fixed.",
        )
        GapFactory(
            causing_role=role,
            status=Gap.Status.PREVENTED,
            prevented_on=TODAY - timedelta(days=30 + n),
            expected_monthly_occurrences=Decimal("12.5"),
        )
        opened = GapFactory(causing_role=role, detected_on=TODAY - timedelta(days=70))
        Occurrence.objects.bulk_create(
            Occurrence(
                gap=gap,
                occurred_at=closed.closed_at + timedelta(days=day, hours=3),
                source="q",
                external_id=f"{gap.pk}-{day}",
            )
            for gap in (closed, opened)
            for day in range(-60, 45, 3)
        )


def statements_of_a_full_run() -> int:
    with CaptureQueriesContext(connection) as queries:
        services.rollup_run(first=services.first_data_day(), last=TODAY - timedelta(days=1))
    return len(queries.captured_queries)


@pytest.mark.parametrize("size", [2, 12])
def test_a_run_takes_a_fixed_number_of_statements(size, django_assert_max_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based rollup is PostgreSQL's; SQLite loops in Python")
    CostModel.objects.create(effective_from=TODAY - timedelta(days=400))
    CostModel.objects.create(effective_from=TODAY - timedelta(days=40), baseline_window_days=30)
    grow(size)
    # 59 at this writing: the temporary inputs (the versions, every gap's group id and unit
    # costs, closed and prevented gaps, post-closing counts, figures, skipped gaps, one
    # temporary aggregate, one ANALYZE of the three small tables), four reads of the savings'
    # inputs and their temporary table (filled by COPY, not counted), the occurrences grouped
    # per (day, group), the families merged and their per-team days and per-role months, the
    # daily rows, months and days written, stale rows deleted, the snapshots, the per-team open
    # costs, the run, and 6 to drop the daily rows' key and indexes of an empty table and
    # build them after.
    with django_assert_max_num_queries(60):
        services.rollup_run(first=services.first_data_day(), last=TODAY - timedelta(days=1))
    assert DailyRollup.objects.filter(measured_savings__gt=0).exists()
    assert DailyRollup.objects.filter(estimated_savings__gt=0).exists()


def test_the_count_is_the_same_at_two_sizes():
    """Both ways a run writes its daily rows: into days that hold none (a first run: plain
    inserts) and over existing rows (upserts and deletes)."""
    if connection.vendor != "postgresql":
        pytest.skip("the set-based rollup is PostgreSQL's; SQLite loops in Python")
    CostModel.objects.create(effective_from=TODAY - timedelta(days=400))
    counts = []
    for size in (2, 10):
        grow(size)
        DailyRollup.objects.all().delete()
        counts.append((statements_of_a_full_run(), statements_of_a_full_run()))
    assert counts[0] == counts[1]
    assert DailyRollup.objects.count() > 0


def test_a_first_run_into_an_empty_table_leaves_the_models_indexes():
    """The first run builds the daily rows' unique key and indexes after the rows: they are
    back, with the model's names and columns, and the key still refuses a duplicate row."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL's first run drops and builds the indexes")
    CostModel.objects.create(effective_from=TODAY - timedelta(days=400))
    grow(2)
    assert not DailyRollup.objects.exists()
    services.rollup_run(first=services.first_data_day(), last=TODAY - timedelta(days=1))
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, DailyRollup._meta.db_table)
    expected = {
        "dailyrollup_unique_key": (["date", "team_id", "role_id", "category"], True),
        "dailyrollup_team_date": (["team_id", "date"], False),
        "dailyrollup_role_date": (["role_id", "date"], False),
    }
    for name, (columns, unique) in expected.items():
        assert found[name]["columns"] == columns
        assert found[name]["unique"] is unique
    row = DailyRollup.objects.first()
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    # A second run over the same days upserts through the rebuilt key: same rows.
    before = sorted(DailyRollup.objects.values_list("date", "role_id", "category", "occurrences"))
    services.rollup_run(first=services.first_data_day(), last=TODAY - timedelta(days=1))
    after = sorted(DailyRollup.objects.values_list("date", "role_id", "category", "occurrences"))
    assert after == before
