"""Units of time and money used throughout :mod:`itmodels`.

Time is measured in **hours** everywhere; ``t = 0`` is Monday 00:00. This module
parses human-friendly durations (``"30min"``, ``"4h"``, ``"5y"``) and amounts of
money (``"$1,200.50"``) and provides pydantic annotated types that apply those
parsers during model validation.

Examples
--------
>>> parse_duration("3d")
72.0
>>> format_duration(43830.0)
'5y'
>>> parse_money("$1,200.50")
1200.5
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field

from itmodels.scenario.errors import short_repr

__all__ = [
    "HOURS_PER_DAY",
    "HOURS_PER_MONTH",
    "HOURS_PER_WEEK",
    "HOURS_PER_YEAR",
    "MAX_HOURS",
    "MAX_MONEY",
    "Duration",
    "Money",
    "PositiveDuration",
    "Probability",
    "format_duration",
    "is_real_number",
    "parse_duration",
    "parse_money",
]

HOURS_PER_DAY: float = 24.0
HOURS_PER_WEEK: float = 168.0
HOURS_PER_MONTH: float = 730.5
HOURS_PER_YEAR: float = 8766.0

_MINUTE = 1.0 / 60.0

#: The longest duration a scenario may write: 10,000 years, in hours.
MAX_HOURS: float = 10_000 * HOURS_PER_YEAR
#: The largest amount of money a scenario may write (a thousand billion).
MAX_MONEY: float = 1e12

_UNIT_HOURS: dict[str, float] = {}
for _aliases, _hours in (
    (("min", "mins", "minute", "minutes"), _MINUTE),
    (("h", "hr", "hrs", "hour", "hours"), 1.0),
    (("d", "day", "days"), HOURS_PER_DAY),
    (("w", "wk", "wks", "week", "weeks"), HOURS_PER_WEEK),
    (("mo", "month", "months"), HOURS_PER_MONTH),
    (("y", "yr", "yrs", "year", "years"), HOURS_PER_YEAR),
):
    for _alias in _aliases:
        _UNIT_HOURS[_alias] = _hours

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]*)\s*$")
_MONEY_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?$|^\d+\.$")
_CURRENCY_SYMBOLS = ("$", "€", "£")

_DURATION_EXPECTED = "expected a duration such as 30min, 4h, 3d, 2w, 6mo, 5y or a number of hours"
_MONEY_EXPECTED = "expected an amount of money such as 1200, 1200.50, '$1,200.50' or '€300'"


def is_real_number(value: object) -> bool:
    """Return True for int/float (and numpy equivalents) but not bool."""
    if isinstance(value, bool | np.bool_):
        return False
    return isinstance(value, int | float | np.integer | np.floating)


def _as_float(value: object, expected: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(
            f"{expected}; the number is far too large, got {short_repr(value)}"
        ) from None


def _check_non_negative_finite(x: float, value: object, expected: str, limit: float) -> float:
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"{expected}; must be a finite number, got {short_repr(value)}")
    if x < 0:
        raise ValueError(f"{expected}; must not be negative, got {short_repr(value)}")
    if x > limit:
        raise ValueError(f"{expected}; must be at most {limit:,.0f}, got {short_repr(value)}")
    return x + 0.0  # normalise -0.0 to 0.0


def parse_duration(value: object) -> float:
    """Parse a duration into hours.

    Parameters
    ----------
    value : object
        A number of hours (``int`` or ``float``, not ``bool``) or a string made of a
        number and an optional unit: ``min``, ``h``, ``d``, ``w``, ``mo`` or ``y``
        (and aliases such as ``mins``, ``hrs``, ``days``, ``weeks``, ``months``,
        ``years``; case-insensitive). A bare numeric string means hours. A month is
        730.5 h and a year 8766 h.

    Returns
    -------
    float
        The duration in hours (finite and non-negative).

    Raises
    ------
    ValueError
        If the value is not a recognised duration, is negative, NaN or infinite.

    Examples
    --------
    >>> parse_duration("30min")
    0.5
    >>> parse_duration("1.5 h")
    1.5
    >>> parse_duration(12)
    12.0
    """
    if is_real_number(value):
        return _check_duration(_as_float(value, _DURATION_EXPECTED), value)
    if not isinstance(value, str):
        raise ValueError(
            f"{_DURATION_EXPECTED}, got {short_repr(value)} of type {type(value).__name__}"
        )
    text = value.strip()
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError(f"{_DURATION_EXPECTED}; must be a finite number, got {short_repr(value)}")
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(f"{_DURATION_EXPECTED}, got {short_repr(value)}")
    number = float(match.group(1))
    unit = match.group(2).lower()
    if unit == "m":
        raise ValueError(
            f"ambiguous duration unit 'm' in {short_repr(value)}:"
            " use 'min' for minutes or 'mo' for months"
        )
    if unit == "":
        factor = 1.0
    elif unit in _UNIT_HOURS:
        factor = _UNIT_HOURS[unit]
    else:
        raise ValueError(f"{_DURATION_EXPECTED}, got {short_repr(value)} (unknown unit {unit!r})")
    return _check_duration(number * factor, value)


def _check_duration(hours: float, value: object) -> float:
    if math.isfinite(hours) and hours > MAX_HOURS:
        raise ValueError(
            f"{_DURATION_EXPECTED}; must be at most {MAX_HOURS / HOURS_PER_YEAR:,.0f} years,"
            f" got {short_repr(value)}"
        )
    return _check_non_negative_finite(hours, value, _DURATION_EXPECTED, MAX_HOURS)


def _close_to_integer(x: float) -> int | None:
    n = round(x)
    if n >= 1 and abs(x - n) <= 1e-9 * max(1.0, abs(x)):
        return int(n)
    return None


def format_duration(hours: float) -> str:
    """Format a number of hours as a short readable string.

    Exact multiples of a year, month, week, day or hour use the largest unit that
    divides evenly; a whole number of minutes below one hour uses ``min``;
    anything else is written as ``f"{hours:g}h"``.

    Parameters
    ----------
    hours : float
        Duration in hours.

    Returns
    -------
    str
        For example ``"5y"``, ``"3d"``, ``"30min"`` or ``"1.5h"``.

    Examples
    --------
    >>> format_duration(72.0)
    '3d'
    >>> format_duration(0.5)
    '30min'
    >>> format_duration(1.5)
    '1.5h'
    """
    hours = float(hours)
    if not math.isfinite(hours):
        return f"{hours}h"
    if hours < 0:
        return "-" + format_duration(-hours)
    if hours == 0:
        return "0h"
    for unit, size in (
        ("y", HOURS_PER_YEAR),
        ("mo", HOURS_PER_MONTH),
        ("w", HOURS_PER_WEEK),
        ("d", HOURS_PER_DAY),
        ("h", 1.0),
    ):
        n = _close_to_integer(hours / size)
        if n is not None:
            return f"{n}{unit}"
    if hours < 1.0:
        n = _close_to_integer(hours * 60.0)
        if n is not None:
            return f"{n}min"
    return f"{hours:g}h"


def parse_money(value: object) -> float:
    """Parse an amount of money.

    Parameters
    ----------
    value : object
        A number (``int`` or ``float``, not ``bool``) or a string with an optional
        leading currency symbol (``$``, ``€``, ``£``) and optional thousands
        separators, e.g. ``"$1,200.50"``.

    Returns
    -------
    float
        The amount (finite and non-negative). The currency is not recorded.

    Raises
    ------
    ValueError
        If the value is not a recognised amount, is negative, NaN or infinite.

    Examples
    --------
    >>> parse_money("$1,200.50")
    1200.5
    >>> parse_money(95)
    95.0
    """
    if is_real_number(value):
        x = _as_float(value, _MONEY_EXPECTED)
        return _check_non_negative_finite(x, value, _MONEY_EXPECTED, MAX_MONEY)
    if not isinstance(value, str):
        raise ValueError(
            f"{_MONEY_EXPECTED}, got {short_repr(value)} of type {type(value).__name__}"
        )
    text = value.strip()
    negative = False
    if text.startswith("-"):
        negative, text = True, text[1:].lstrip()
    if text[:1] in _CURRENCY_SYMBOLS:
        text = text[1:].lstrip()
        if text.startswith("-"):
            negative, text = True, text[1:].lstrip()
    if text.lower() in ("nan", "inf", "infinity"):
        raise ValueError(f"{_MONEY_EXPECTED}; must be a finite number, got {short_repr(value)}")
    if not any(c.isdigit() for c in text) or _MONEY_RE.match(text) is None:
        raise ValueError(f"{_MONEY_EXPECTED}, got {short_repr(value)}")
    amount = float(text.replace(",", ""))
    if negative and amount != 0:
        raise ValueError(f"{_MONEY_EXPECTED}; must not be negative, got {short_repr(value)}")
    return _check_non_negative_finite(amount, value, _MONEY_EXPECTED, MAX_MONEY)


def _check_positive(hours: float) -> float:
    if hours <= 0:
        raise ValueError("must be greater than 0")
    return hours


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""A non-negative duration in hours; accepts numbers or strings such as ``"4h"``."""

PositiveDuration = Annotated[
    float, BeforeValidator(parse_duration), AfterValidator(_check_positive)
]
"""Like :data:`Duration` but strictly greater than zero."""

Money = Annotated[float, BeforeValidator(parse_money)]
"""A non-negative amount of money; accepts numbers or strings such as ``"$1,200"``."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A plain float in ``[0, 1]``."""
