"""Tests for itmodels.scenario.units."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from itmodels.scenario.units import (
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    HOURS_PER_WEEK,
    HOURS_PER_YEAR,
    Duration,
    Money,
    PositiveDuration,
    Probability,
    format_duration,
    parse_duration,
    parse_money,
)


def test_constants() -> None:
    assert HOURS_PER_DAY == 24.0
    assert HOURS_PER_WEEK == 7 * 24.0
    assert HOURS_PER_YEAR == 365.25 * 24.0
    assert HOURS_PER_MONTH == HOURS_PER_YEAR / 12


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("30min", 0.5),
        ("4h", 4.0),
        ("3d", 72.0),
        ("2w", 336.0),
        ("6mo", 6 * 730.5),
        ("5y", 5 * 8766.0),
        ("12", 12.0),
        ("0", 0.0),
        ("0h", 0.0),
    ],
)
def test_each_unit(text: str, hours: float) -> None:
    assert parse_duration(text) == hours


@pytest.mark.parametrize(
    ("aliases", "hours"),
    [
        (["min", "mins", "minute", "minutes", "MIN", "Minutes"], 1 / 60),
        (["h", "hr", "hrs", "hour", "hours", "H", "Hours"], 1.0),
        (["d", "day", "days", "D", "Days"], 24.0),
        (["w", "wk", "wks", "week", "weeks", "W"], 168.0),
        (["mo", "month", "months", "MO", "Month"], 730.5),
        (["y", "yr", "year", "years", "Y", "yrs"], 8766.0),
    ],
)
def test_unit_aliases(aliases: list[str], hours: float) -> None:
    for alias in aliases:
        assert parse_duration(f"2{alias}") == pytest.approx(2 * hours, rel=1e-15), alias
        assert parse_duration(f"2 {alias}") == pytest.approx(2 * hours, rel=1e-15), alias


@pytest.mark.parametrize(
    ("text", "hours"),
    [("1.5h", 1.5), (".5d", 12.0), ("0.25w", 42.0), ("2.5", 2.5), (" 2 h ", 2.0), ("1e2h", 100.0)],
)
def test_decimals_and_whitespace(text: str, hours: float) -> None:
    assert parse_duration(text) == hours


@pytest.mark.parametrize("value", [0, 7, 2.5, np.float64(3.0), np.int64(4)])
def test_numbers_are_hours(value: object) -> None:
    result = parse_duration(value)
    assert type(result) is float
    assert result == float(value)  # type: ignore[arg-type]


def test_ambiguous_m_is_rejected_with_suggestion() -> None:
    with pytest.raises(ValueError, match=r"'min'.*'mo'"):
        parse_duration("5m")
    with pytest.raises(ValueError, match="ambiguous"):
        parse_duration("5 M")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "expected a duration such as 30min, 4h, 3d, 2w, 6mo, 5y or a number of hours"),
        ("", "expected a duration"),
        ("h", "expected a duration"),
        ("4 parsecs", "unknown unit 'parsecs'"),
        ("1h30min", "expected a duration"),
        ("-3h", "must not be negative"),
        (-1, "must not be negative"),
        (-0.5, "must not be negative"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("nan", "finite"),
        ("inf", "finite"),
        (True, "expected a duration"),
        (False, "expected a duration"),
        (None, "expected a duration"),
        ([1, 2], "expected a duration"),
        (b"4h", "expected a duration"),
    ],
)
def test_duration_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(value)


def test_duration_error_quotes_the_input() -> None:
    with pytest.raises(ValueError, match="got 'abc'"):
        parse_duration("abc")


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (43830.0, "5y"),
        (8766.0, "1y"),
        (6 * 730.5, "6mo"),
        (336.0, "2w"),
        (72.0, "3d"),
        (4.0, "4h"),
        (0.5, "30min"),
        (0.25, "15min"),
        (1.5, "1.5h"),
        (100.0, "100h"),
        (0.0, "0h"),
        (0.01, "0.01h"),
    ],
)
def test_format_duration(hours: float, text: str) -> None:
    assert format_duration(hours) == text


@pytest.mark.parametrize("hours", [43830.0, 4383.0, 336.0, 72.0, 4.0, 0.5, 1.5, 100.0])
def test_format_then_parse_round_trips(hours: float) -> None:
    assert parse_duration(format_duration(hours)) == pytest.approx(hours, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (1200, 1200.0),
        (99.5, 99.5),
        ("1200", 1200.0),
        ("$1,200.50", 1200.5),
        ("€300", 300.0),
        ("£ 1,000,000", 1_000_000.0),
        (" $0.75 ", 0.75),
        ("12.", 12.0),
        (".5", 0.5),
        (0, 0.0),
    ],
)
def test_parse_money(value: object, amount: float) -> None:
    assert parse_money(value) == amount


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "must not be negative"),
        ("-$5", "must not be negative"),
        ("$-5", "must not be negative"),
        (-1.0, "must not be negative"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("nan", "finite"),
        (True, "expected an amount of money"),
        (None, "expected an amount of money"),
        ("abc", "expected an amount of money"),
        ("$", "expected an amount of money"),
        ("1,2", "expected an amount of money"),
        ("12,34.5", "expected an amount of money"),
        ("$5 USD", "expected an amount of money"),
        ("1.2.3", "expected an amount of money"),
    ],
)
def test_money_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_money(value)


class _Model(BaseModel):
    duration: Duration = 0.0
    positive: PositiveDuration = 1.0
    money: Money = 0.0
    probability: Probability = 0.0


def test_pydantic_types_parse() -> None:
    m = _Model(duration="3d", positive="30min", money="$1,000", probability=0.25)
    assert (m.duration, m.positive, m.money, m.probability) == (72.0, 0.5, 1000.0, 0.25)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration", "abc", "expected a duration"),
        ("duration", "-1h", "must not be negative"),
        ("positive", "0h", "must be greater than 0"),
        ("positive", 0, "must be greater than 0"),
        ("money", "-$3", "must not be negative"),
        ("probability", 1.5, "less than or equal to 1"),
        ("probability", -0.1, "greater than or equal to 0"),
    ],
)
def test_pydantic_errors_are_reported_at_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _Model(**{field: value})
    errors = excinfo.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == (field,)
    assert message in errors[0]["msg"]


def test_negative_zero_normalised() -> None:
    assert math.copysign(1.0, parse_duration(-0.0)) == 1.0
    assert math.copysign(1.0, parse_money("-0")) == 1.0
