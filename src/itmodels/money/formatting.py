"""Money and numbers as text, for the charts, the proposal sheet, the reports and the CLI.

One formatter, :func:`format_money`, built on Babel's locale data (``format_currency``): the
currency's own symbol for any ISO 4217 code (``$``, ``£``, ``€``, ``¥``, ``CHF``), its own
number of decimals (none for JPY), a true minus sign (``−``) and a thin layout that never runs
into the next cell (a letter symbol such as ``CHF`` is followed by a no-break space).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from babel.core import UnknownLocaleError
from babel.numbers import (
    UnknownCurrencyError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
)

__all__ = [
    "MINUS",
    "currency_symbol",
    "currency_unit",
    "format_money",
    "money_range",
    "money_step",
    "number_text",
    "percent_text",
    "signed_money",
    "split_rounded",
]

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


def format_money(
    amount: float,
    currency: str = "USD",
    *,
    sig: int | None = None,
    compact: bool = False,
    exact: bool = False,
) -> str:
    """An amount of money in the currency's own symbol and decimals.

    The one money formatter of itmodels: reports and the CLI write amounts in full
    (``$13,900``), charts and their takeaways write them compact (``$14k``).

    Parameters
    ----------
    amount : float
        The amount; NaN or infinite gives ``"n/a"``.
    currency : str
        ISO 4217 code; its own symbol goes in front (``¥``, ``£``; ``CHF`` and a no-break
        space for a currency whose symbol is letters).
    sig : int, optional
        Significant digits kept (13,949 with 3 becomes 13,900), never more decimals than
        the currency has; by default 3, or 2 when ``compact``.  Compact amounts keep at
        least the digits before the point.
    compact : bool
        Write thousands, millions and billions as ``k``, ``M`` and ``B``.
    exact : bool
        Keep the amount to the currency's own decimals (``£1,234.50``), not rounded to
        ``sig`` digits (not with ``compact``).

    Returns
    -------
    str
        E.g. ``$13,900``, ``−£480``, ``¥1,250,000``, ``CHF 95``, ``€7.50``; compact
        ``$41k``, ``−€4.3k``, ``£12.5k``, ``¥1.2M``.

    Examples
    --------
    >>> format_money(13_949, "USD"), format_money(-480, "GBP"), format_money(1_234_567, "JPY")
    ('$13,900', '−£480', '¥1,230,000')
    >>> format_money(95, "CHF"), format_money(7.5, "EUR"), format_money(7.5, "JPY")
    ('CHF\\xa095', '€7.50', '¥8')
    >>> format_money(41_234, compact=True), format_money(-4_321, "EUR", compact=True)
    ('$41k', '−€4.3k')
    >>> format_money(12_500, "GBP", compact=True, sig=3), format_money(1.25e6, "JPY", compact=True)
    ('£12.5k', '¥1.2M')
    >>> format_money(1234.5, "GBP", exact=True)
    '£1,234.50'
    """
    if not math.isfinite(amount):
        return "n/a"
    if compact:
        if exact:
            raise ValueError("format_money: exact=True keeps every digit; compact=True drops them")
        return _compact_money(amount, currency, 2 if sig is None else sig)
    if sig is None and not exact:
        sig = 3
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


def currency_unit(currency: str) -> str:
    """The unit shown in axis labels: the currency's own symbol (the code where it has none).

    Examples
    --------
    >>> currency_unit("USD"), currency_unit("GBP"), currency_unit("JPY"), currency_unit("CHF")
    ('$', '£', '¥', 'CHF')
    """
    return currency_symbol(currency)


def _prefix(currency: str) -> str:
    """The symbol written before an amount: ``£``, or ``CHF`` and a no-break space."""
    symbol = currency_symbol(currency)
    return symbol + "\xa0" if symbol[-1:].isalpha() else symbol


def _compact_money(amount: float, currency: str, sig: int) -> str:
    """A compact amount of money: ``$41k``, ``€1.2M``, ``£850``, ``CHF 12k``."""
    if not math.isfinite(amount):
        return "n/a"
    sign, text = _compact(amount, sig)
    return f"{sign}{_prefix(currency)}{text}"


def _compact(amount: float, sig: int) -> tuple[str, str]:
    """The sign and the digits of a compact amount (``("−", "4.3k")``)."""
    value, decimals, _, suffix = _compact_parts(abs(amount), sig)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("−" if amount < 0 and value != 0 else ""), text + suffix


def _compact_parts(size: float, sig: int) -> tuple[float, int, float, str]:
    """``size`` (non-negative) rounded as :func:`format_money` shows it.

    Returns the rounded number in its unit, the decimals kept, the unit's size (1, 1e3,
    1e6 or 1e9) and its suffix (``""``, ``"k"``, ``"M"``, ``"B"``).
    """
    units = ((1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"))
    i = 0
    while i < len(units) - 1 and size >= units[i + 1][0]:
        i += 1
    value, decimals = _round_sig(size / units[i][0], sig)
    if value >= 1000 and i < len(units) - 1:
        i += 1
        value, decimals = _round_sig(size / units[i][0], sig)
    return value, decimals, units[i][0], units[i][1]


def _round_sig(value: float, sig: int) -> tuple[float, int]:
    """``value`` rounded to ``sig`` significant digits, and the decimals that keeps."""
    decimals = max(0, sig - 1 - math.floor(math.log10(value))) if value > 0 else 0
    return round(value, decimals), decimals


def money_step(amount: float, sig: int = 2) -> tuple[float, float]:
    """The amount as compact :func:`format_money` shows it, and the step it was rounded to.

    Examples
    --------
    >>> money_step(121_400), money_step(-2_740)
    ((121000.0, 1000.0), (-2700.0, 100.0))
    """
    value, decimals, scale, _ = _compact_parts(abs(amount), sig)
    step = scale / 10**decimals
    return math.copysign(round(value * 10**decimals) * step, amount), step


def split_rounded(parts: Sequence[float], step: float, total: float) -> list[float]:
    """Round ``parts`` to multiples of ``step`` so that they add up to ``total`` exactly.

    ``total`` is the sum of the parts already rounded to ``step`` (one rounding step for
    the whole); each part is rounded down or up, the largest remainders up.

    Examples
    --------
    >>> split_rounded([16_600.0, -137_800.0], 1000.0, -121_000.0)
    [17000.0, -138000.0]
    """
    scaled = [p / step for p in parts]
    floors = [math.floor(x) for x in scaled]
    short = round(total / step) - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: scaled[i] - floors[i], reverse=True)
    up = set(order[: max(0, min(short, len(parts)))])
    return [(f + (i in up)) * step for i, f in enumerate(floors)]


def signed_money(amount: float, currency: str = "USD", step: float = 1.0) -> str:
    """An amount that is a multiple of ``step``, with its sign always shown: ``+$17k``.

    The minus is U+2212, as on every chart; no further rounding is done.

    Examples
    --------
    >>> signed_money(17_000, step=1000), signed_money(-2_700, "EUR", 100), signed_money(0)
    ('+$17k', '−€2.7k', '±$0')
    """
    if amount == 0:
        return "±" + format_money(0.0, currency, compact=True)
    _, _, scale, _ = _compact_parts(abs(amount), 1)
    decimals = max(0, round(math.log10(scale / step))) if step < scale else 0
    digits = math.floor(math.log10(abs(amount) / scale)) + 1 + decimals
    text = format_money(amount, currency, sig=max(1, digits), compact=True)
    return text if amount < 0 else "+" + text


def money_range(low: float, high: float, currency: str = "USD") -> str:
    """A range of money: ``$975–$1.3k``, ``£3k–£3.2k``.

    Examples
    --------
    >>> money_range(3000, 3200, "GBP")
    '£3k–£3.2k'
    """
    low_text = format_money(low, currency, compact=True)
    return f"{low_text}–{format_money(high, currency, compact=True)}"


def number_text(value: float, sig: int = 3) -> str:
    """A plain number to ``sig`` significant digits, thousands separated, minus U+2212.

    Examples
    --------
    >>> number_text(-0.0312), number_text(12_849.2), number_text(-2.5e-7, 2)
    ('−0.0312', '12,800', '−2.5e-07')
    """
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:,.{sig}g}"
    if abs(value) >= 10**sig:  # 12,800 rather than 1.28e+04
        text = f"{float(f'{value:.{sig}g}'):,.0f}"
    return text.replace("-", "−", 1) if text.startswith("-") else text


def percent_text(share: float, decimals: int = 0) -> str:
    """A share as a percentage, with a space before the sign as in all the text: ``90 %``.

    Examples
    --------
    >>> percent_text(0.9), percent_text(-0.052), percent_text(0.125, 1)
    ('90 %', '−5 %', '12.5 %')
    """
    if not math.isfinite(share):
        return "n/a"
    text = f"{100 * share:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−") + " %"
