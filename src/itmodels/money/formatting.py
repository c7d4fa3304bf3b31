"""Money in any currency, for the proposal sheet and the reports.

One formatter, :func:`format_money`, built on Babel's locale data (``format_currency``): the
currency's own symbol for any ISO 4217 code (``$``, ``£``, ``€``, ``¥``, ``CHF``), its own
number of decimals (none for JPY), a true minus sign (``−``) and a thin layout that never runs
into the next cell (a letter symbol such as ``CHF`` is followed by a no-break space).
"""

from __future__ import annotations

import math
from functools import cache

from babel.core import UnknownLocaleError
from babel.numbers import (
    UnknownCurrencyError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
)

__all__ = ["MINUS", "currency_symbol", "format_money"]

#: The minus sign used for negative amounts (U+2212, not a hyphen).
MINUS = "−"
_LOCALE = "en_US"  # English digit grouping (1,234.5); the symbol is the currency's own


@cache
def currency_symbol(currency: str) -> str:
    """The currency's symbol as an English reader knows it: ``£`` for GBP, ``CHF`` for CHF.

    Parameters
    ----------
    currency : str
        ISO 4217 code (``"USD"``, ``"GBP"``, ``"JPY"``, ...); an unknown code is shown as is.

    Returns
    -------
    str
        The symbol, or the code itself when Babel knows no symbol.

    Examples
    --------
    >>> currency_symbol("GBP"), currency_symbol("JPY"), currency_symbol("CHF")
    ('£', '¥', 'CHF')
    """
    try:
        return str(get_currency_symbol(currency, _LOCALE))
    except (UnknownCurrencyError, UnknownLocaleError):  # pragma: no cover - Babel returns code
        return currency


def format_money(amount: float, currency: str = "USD", *, sig: int | None = 3) -> str:
    """An amount of money in the currency's own symbol and decimals.

    Parameters
    ----------
    amount : float
        The amount; NaN or infinite gives ``"n/a"``.
    currency : str
        ISO 4217 code.
    sig : int or None
        Significant digits kept (13,949 with 3 becomes 13,900), never more decimals than
        the currency has; ``None`` keeps the currency's own decimals (``£1,234.50``).

    Returns
    -------
    str
        E.g. ``$13,900``, ``−£480``, ``¥1,250,000``, ``CHF 95``, ``€7.50``.

    Examples
    --------
    >>> format_money(13_949, "USD"), format_money(-480, "GBP"), format_money(1_234_567, "JPY")
    ('$13,900', '−£480', '¥1,230,000')
    >>> format_money(95, "CHF"), format_money(7.5, "EUR"), format_money(7.5, "JPY")
    ('CHF\\xa095', '€7.50', '¥8')
    """
    if not math.isfinite(amount):
        return "n/a"
    places = get_currency_precision(currency)
    size = abs(amount)
    if sig is not None and size > 0:
        size = round(size, sig - 1 - math.floor(math.log10(size)))
    size = round(size, places)
    # whole amounts without decimals ($95, not $95.00); cents only when there are some
    decimals = places if size != int(size) else 0
    symbol = currency_symbol(currency)
    space = "\xa0" if symbol[-1:].isalpha() else ""
    pattern = f"¤{space}#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_currency(size, currency, pattern, locale=_LOCALE, currency_digits=False)
    return f"{MINUS}{text}" if amount < 0 and size != 0 else text
