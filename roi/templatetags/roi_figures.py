"""How ROI figures read on a page: money to the cent with the currency, ROI "not defined"
instead of a division error, and each figure's formula and inputs one click away."""

from decimal import Decimal

from django import template

from cxalign import formats
from roi import calculations as calc
from roi.explanations import explain

register = template.Library()


def display(amount: Decimal | None, unit: str = "money", currency: str = "") -> str:
    """A figure as shown in the interface language (``cxalign.formats``): ``EUR 2,100.00`` /
    ``2.100,00 €``, ``470.00 %``, ``12``, or "not defined"."""
    if amount is None:
        return formats.not_defined() if unit == "percent" else "—"
    if unit == "money":
        return formats.money(amount, currency)
    if unit == "percent":
        return formats.percent(amount)
    if unit == "days":
        return formats.days(amount)
    return formats.integer(int(amount))


@register.filter
def add_money(amount: Decimal, other: Decimal) -> Decimal:
    """Two exact amounts added (Django's ``add`` would go through ``int``)."""
    return amount + other


@register.simple_tag
def money(amount: Decimal | None, currency: str = "") -> str:
    """Every amount of money on a page: to the cent, in the interface language's format."""
    return display(amount, "money", currency)


@register.inclusion_tag("roi/_figure.html")
def figure(
    figure: calc.Figure, label: str, ident: str, unit: str = "money", currency: str = ""
) -> dict:
    """A figure card whose value opens a popover with its formula and inputs."""
    return {
        "figure": figure,
        "label": label,
        "id": ident,
        "value": display(figure.amount, unit, currency),
        "explanation": explain(figure, currency),
        "inputs": [
            (name, calc.plain(name, value))
            for name, value in figure.inputs.items()
            if name != "program_periods"
        ],
    }


@register.inclusion_tag("roi/_formula.html")
def formula(figure: calc.Figure, currency: str = "") -> dict:
    """The formula and inputs of a figure, inline (the printed summary has no popovers)."""
    return {
        "figure": figure,
        "explanation": explain(figure, currency),
        "inputs": [
            (name, calc.plain(name, value))
            for name, value in figure.inputs.items()
            if name != "program_periods"
        ],
    }


@register.inclusion_tag("roi/_gap_money.html")
def gap_money_card(gap, as_of=None) -> dict:
    """The money card of a gap's page (the gaps app knows no ROI: its template asks here)."""
    from roi.gap_money import gap_money
    from roi.selectors import today

    return {"money": gap_money(gap, as_of or today())}
