"""Money and numbers as people read them, in the interface language (Babel, CLDR data).

The one place that formats money for pages and mails: the ``{% money %}`` tag and ROI figure
cards (``roi.templatetags.roi_figures``), the figures' explanations and the digest all call
``money``. English keeps the ISO code in front (``EUR 1,234.50``), as finance people write it
and as the pages always showed it; other languages follow their CLDR currency pattern
(``1.234,50 €``, ``1 234,50 €``). The API and CSV exports never come here: they stay
locale-free (``"1234.50"``).
"""

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roi.calculations import cents

# English shows the currency code before the amount, with a plain space.
ENGLISH_MONEY_PATTERN = "¤¤ #,##0.00"
TWO_PLACES = "#,##0.00"


def locale_name(language: str | None = None) -> str:
    """The Babel locale of a Django language code (``pt-br`` → ``pt_BR``); English by default."""
    return translation.to_locale(language or translation.get_language() or "en")


# A dashboard formats a few hundred figures; Babel would parse the locale name and the
# pattern again for each (``Locale.parse``, ``parse_pattern``). Both are immutable and few
# (the interface languages, the patterns of this module), so each is built once per process.
@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def money(amount: Decimal | None, currency: str = "", language: str | None = None) -> str:
    """An amount to the cent with its currency: ``EUR 1,234.50`` / ``1.234,50 €``; None → ``—``.

    Without a currency (a unit cost in a table whose heading names it) the number alone.
    """
    if amount is None:
        return "—"
    amount = cents(Decimal(amount))
    name = locale_name(language)
    locale = _locale(name)
    if not currency:
        return format_decimal(amount, format=_pattern(TWO_PLACES), locale=locale)
    if name.startswith("en"):
        return format_currency(
            amount,
            currency,
            format=_pattern(ENGLISH_MONEY_PATTERN),
            locale=locale,
            currency_digits=False,
        )
    return format_currency(amount, currency, locale=locale, currency_digits=False)


def decimal(value: Decimal | int | float, places: int = 2, language: str | None = None) -> str:
    """A number with thousands separators and up to ``places`` decimals (``1.234,5``)."""
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return format_decimal(value, format=_pattern(pattern), locale=_locale(locale_name(language)))


def percent(amount: Decimal, language: str | None = None) -> str:
    """A percentage to two places, as the ROI cards show it (``470.00 %`` / ``470,00 %``)."""
    amount = cents(Decimal(amount))
    return (
        format_decimal(amount, format=_pattern(TWO_PLACES), locale=_locale(locale_name(language)))
        + " %"
    )


def integer(value: int, language: str | None = None) -> str:
    """A count with thousands separators (``12,345`` / ``12.345``)."""
    return format_decimal(
        int(value), format=_pattern("#,##0"), locale=_locale(locale_name(language))
    )


def days(amount: Decimal) -> str:
    """A number of days: ``3 days``, ``1 day``, ``2.5 days``."""
    number = Decimal(amount).normalize()
    text = decimal(number, places=6)
    count = int(number) if number == number.to_integral_value() else 2
    return ngettext("%(days)s day", "%(days)s days", count) % {"days": text}


def not_defined() -> str:
    """What a ratio over zero shows (the ROI while nothing has been invested)."""
    return _("not defined")
