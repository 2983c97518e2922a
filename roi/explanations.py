"""Figures explained in plain business language, for the pages (the API keeps the formulas).

Each figure's ``formula`` is the precise, API-facing text; people read a sentence instead, and
its inputs under names they know, money with its currency, dates as dates. The investment's
explanation lists each period of the programme's running cost, so the parts add up to the
total shown.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxalign import formats
from cxalign.text import Text

from . import calculations as calc

# The precise formula (as calculations/figures/selectors write it) → what it means.
SENTENCES = {
    "max(0, baseline_rate − post_rate) × months_after × unit_cost": (
        _(
            "How often customers met the gap each month before it was closed, minus how often "
            "each month since (never below zero), times the months since closing, times what one "
            "occurrence costs."
        )
    ),
    "expected_monthly_occurrences × min(days_since_prevented, horizon_days) ÷ 30 × unit_cost": (
        _(
            "How often customers would have met the gap each month, times the months since it was "
            "prevented (at most the estimate horizon), times what one occurrence costs."
        )
    ),
}
# Formulas recognised by how they start (the totals and the period figures).
LEADS = (
    (
        "Σ over closed gaps of",
        _(
            "Added up over the closed gaps: for each, how often customers met it each month before "
            "closing minus how often since, times the months since closing, times what one "
            "occurrence costs."
        ),
    ),
    (
        "Σ over prevented gaps of",
        _(
            "Added up over the prevented gaps: for each, how often customers would have met it "
            "each month, times the months since it was prevented (at most the estimate "
            "horizon), times what one occurrence costs."
        ),
    ),
    (
        "remedy costs of gaps closed or prevented",
        _(
            "What fixing and preventing gaps cost (the remedy costs the causing roles recorded), "
            "plus the programme's running cost for each month since it started."
        ),
    ),
    (
        "(measured_savings + estimated_savings − investment)",
        _(
            "Measured plus estimated savings, minus the investment, as a share of the investment. "
            "Not defined while nothing has been invested."
        ),
    ),
    (
        "(measured_savings − investment)",
        _(
            "Measured savings alone, minus the investment, as a share of the investment. Not "
            "defined while nothing has been invested."
        ),
    ),
    (
        "Σ occurrences before T",
        _(
            "Every time a customer met a gap, times what one occurrence costs (to serve, plus the "
            "revenue put at risk) under the cost model of that day."
        ),
    ),
    (
        "Σ of the daily increments of closed gaps'",
        _("The measured savings of closed gaps that accrued during the months shown."),
    ),
    (
        "Σ of the daily increments of prevented gaps'",
        _("The estimated savings of prevented gaps that accrued during the months shown."),
    ),
    (
        "occurrences in the period",
        _("Every time a customer met a gap in the months shown, times what one occurrence costs."),
    ),
    (
        "Σ remedy_cost",
        _("What fixing or preventing the gaps closed or prevented in the months shown cost."),
    ),
    (
        "Σ over open gaps of",
        _(
            "For each gap still open: how often customers met it in the last 30 days, times what "
            "one occurrence costs; added up."
        ),
    ),
    ("gaps closed from the quarter", _("Gaps closed since the quarter began.")),
    ("gaps prevented from the quarter", _("Gaps prevented since the quarter began.")),
    (
        "median of whole days from detected_on to the day acknowledged",
        (
            _(
                "Half of the gaps acknowledged in the months shown were acknowledged within this "
                "many days of being detected."
            )
        ),
    ),
    (
        "median of whole days from detected_on to the day closed",
        (
            _(
                "Half of the gaps closed in the months shown were closed within this many days of "
                "being detected."
            )
        ),
    ),
    (
        "only closed (measured)",
        _(
            "Only closed gaps (measured) and prevented gaps (estimated) "
            "save money; this gap is neither."
        ),
    ),
)

LABELS = {
    "as_of": _("As of (start of the day, UTC)"),
    "gaps_closed": _("Closed gaps counted"),
    "gaps_prevented": _("Prevented gaps counted"),
    "remedy_costs": _("Remedy costs"),
    "program_cost_per_month": _("Programme cost per month today"),
    "program_started": _("Programme started"),
    "months": _("Months since the programme started"),
    "program_cost": _("Programme cost so far"),
    "measured_savings": _("Measured savings"),
    "estimated_savings": _("Estimated savings"),
    "investment": _("Investment"),
    "occurrences": _("Occurrences (customers who met a gap)"),
    "closed_at": _("Closed at"),
    "baseline_window_days": _("Days looked at before closing"),
    "baseline_occurrences": _("Occurrences in those days"),
    "baseline_rate": _("Occurrences a month before closing"),
    "post_occurrences": _("Occurrences since closing"),
    "months_after": _("Months since closing"),
    "post_rate": _("Occurrences a month since closing"),
    "unit_cost": _("Cost of one occurrence"),
    "prevented_on": _("Prevented on"),
    "expected_monthly_occurrences": _("Expected occurrences a month"),
    "days_since_prevented": _("Days since prevented"),
    "horizon_days": _("Estimate horizon (days)"),
    "from": _("From"),
    "to": _("To"),
    "team": _("Team"),
    "open_gaps": _("Open gaps"),
    "quarter_from": _("Quarter began"),
    "gaps": _("Gaps counted"),
    "status": _("Status"),
}
MONEY = calc.MONEY_INPUTS
# Inputs the sentence and the periods already say; listing them again would only confuse.
HIDDEN = frozenset({"program_periods", "program_cost_per_month", "months"})


@dataclass(frozen=True)
class Explanation:
    sentence: str
    inputs: list[tuple[str, str]]
    periods: list[str]


def sentence_for(formula: str) -> Text:
    if formula in SENTENCES:
        return SENTENCES[formula]
    for lead, sentence in LEADS:
        if formula.startswith(lead):
            return sentence
    return formula


def _day(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) == 10:
        return date_format(moment.date(), "j F Y")
    return gettext("%(moment)s UTC") % {"moment": date_format(moment, "j F Y, H:i")}


def shown(name: str, value, currency: str) -> str:
    """An input as people read it: money with its currency, dates as dates, numbers rounded,
    each in the interface language (``cxalign.formats``)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal | int) and name in MONEY:
        return formats.money(Decimal(value), currency)
    if isinstance(value, Decimal):
        return formats.decimal(value.quantize(Decimal("0.01")), places=2)
    if isinstance(value, int):
        return formats.integer(value)
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
        return _day(value)
    return str(value)


def explain(figure: calc.Figure, currency: str) -> Explanation:
    """The figure's sentence, its inputs by name, and (investment) each programme period."""
    inputs = [
        (str(LABELS.get(name, name.replace("_", " ").capitalize())), shown(name, value, currency))
        for name, value in figure.inputs.items()
        if name not in HIDDEN
    ]
    periods = [
        gettext("%(start)s up to %(end)s: %(per_month)s a month × %(months)s months = %(cost)s")
        % {
            "start": _day(p["from"]),
            "end": _day(p["until"]),
            "per_month": formats.money(Decimal(p["per_month"]), currency),
            "months": p["months"],
            "cost": formats.money(Decimal(p["cost"]), currency),
        }
        for p in figure.inputs.get("program_periods", ())
    ]
    return Explanation(str(sentence_for(figure.formula)), inputs, periods)
