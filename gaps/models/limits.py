"""How large the money and rates a gap claims may be, so that the ROI rollup can always add them.

Every figure the rollup derives (``roi.models.ROLLUP_DIGITS``: 20 digits, 18 before the point)
is a sum of products of these inputs. Bounded here, one gap's figures stay far inside those
columns even at enterprise volume:

- unit cost = cost to serve + revenue at risk ≤ 2,000,000.00 per occurrence;
- estimated savings of one prevented gap ≤ 1,000,000 a month × 122 months (a horizon of at
  most 3,660 days, ``roi.models.MAX_WINDOW_DAYS``) × 2,000,000.00 ≈ 2.4 × 10^14;
- cost incurred of a day's row ≤ its occurrences × 2,000,000.00: 10^18 needs half a million
  million occurrences in one day;
- measured savings grow with the baseline's occurrences; a gap whose figure would still pass
  ``roi.services.GAP_FIGURE_LIMIT`` is left out of a run and its history says so.

The limits are checked by the model's validators (forms, the API's serializers, the CSV import
and the admin all refuse larger values with a message beside the field) and by check
constraints in the database.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

# Cost to serve, revenue at risk and a touchpoint's / the cost model's cost per contact: per
# occurrence. A million is beyond any real contact or lost sale and far inside the columns.
MAX_OCCURRENCE_MONEY = Decimal("1000000.00")
# Expected occurrences a month of a prevented gap: a million customers a month meeting it.
MAX_MONTHLY_OCCURRENCES = Decimal("1000000.00")
# What fixing or preventing one gap cost (and a month of the programme): a thousand million.
MAX_REMEDY_COST = Decimal("1000000000.00")

GAP_LIMITS = {
    "cost_to_serve": MAX_OCCURRENCE_MONEY,
    "revenue_at_risk": MAX_OCCURRENCE_MONEY,
    "expected_monthly_occurrences": MAX_MONTHLY_OCCURRENCES,
    "remedy_cost": MAX_REMEDY_COST,
}


def bounded(limit: Decimal) -> list:
    """Validators for an amount from 0 to ``limit`` inclusive."""
    return [MinValueValidator(Decimal("0")), MaxValueValidator(limit)]
