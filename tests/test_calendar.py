"""Tests for itmodels.scenario.calendar."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from itmodels.scenario.calendar import BusinessHours

WEEK = 168.0
MON, TUE, WED, THU, FRI, SAT, SUN = (24.0 * d for d in range(7))

OFFICE = BusinessHours.parse({"days": "mon-fri", "start": "08:00", "end": "18:00"})
ALWAYS = BusinessHours.parse("24/7")
CALENDARS = [
    OFFICE,
    ALWAYS,
    BusinessHours.parse({"days": "daily", "start": "00:00", "end": "24:00"}),
    BusinessHours.parse({"days": "mon-fri", "start": "00:00", "end": "24:00"}),
    BusinessHours.parse({"days": ["sun", "mon"], "start": "00:00", "end": "24:00"}),
    BusinessHours.parse({"days": "mon,wed,fri", "start": "09:30", "end": "17:15"}),
    BusinessHours.parse({"days": "weekends", "start": "10:00", "end": "14:00"}),
    BusinessHours([(0.0, 3.0), (20.0, 30.0), (100.0, 101.5), (160.0, 168.0)]),
]

times = st.floats(min_value=0.0, max_value=1e5, allow_nan=False, allow_infinity=False)
big_times = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
calendars = st.sampled_from(CALENDARS)


def reference_open_hours(bh: BusinessHours, a: float, b: float) -> float:
    """Slow, obviously-correct open hours in [a, b): loop over weeks and intervals."""
    total = 0.0
    for k in range(math.floor(a / WEEK) - 1, math.floor(b / WEEK) + 2):
        for s, e in bh.intervals:
            total += max(0.0, min(b, k * WEEK + e) - max(a, k * WEEK + s))
    return total


# -- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("mon-sun", list(range(7))),
        ("daily", list(range(7))),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("weekends", [5, 6]),
        ("mon,wed,fri", [0, 2, 4]),
        ("Mon, WED", [0, 2]),
        (["mon", "wed"], [0, 2]),
        (["tuesday", "thu"], [1, 3]),
        ("fri-mon", [0, 4, 5, 6]),
        ("sat-sat", [5]),
        ("mon-tue,fri", [0, 1, 4]),
    ],
)
def test_parse_days(days: object, expected: list[int]) -> None:
    bh = BusinessHours.parse({"days": days, "start": "09:00", "end": "10:00"})
    assert bh.intervals == tuple((24.0 * d + 9, 24.0 * d + 10) for d in expected)


def test_parse_office_hours() -> None:
    assert OFFICE.intervals == tuple((24.0 * d + 8, 24.0 * d + 18) for d in range(5))
    assert OFFICE.hours_per_week == 50.0
    assert not OFFICE.always_open


def test_parse_minutes_and_midnight_end() -> None:
    bh = BusinessHours.parse({"days": "tue", "start": "08:30", "end": "24:00"})
    assert bh.intervals == ((32.5, 48.0),)


def test_24_7() -> None:
    assert ALWAYS.always_open
    assert ALWAYS.hours_per_week == WEEK
    assert ALWAYS.intervals == ((0.0, WEEK),)
    assert BusinessHours.parse(" 24/7 ") == ALWAYS


def test_adjacent_days_merge_into_24_7() -> None:
    bh = BusinessHours.parse({"days": "daily", "start": "00:00", "end": "24:00"})
    assert bh.always_open
    assert bh == ALWAYS
    assert bh.next_closed(5.0) == math.inf


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("9 to 5", "expected '24/7'"),
        (42, "expected '24/7' or a mapping"),
        ({"days": "mon-fri", "start": "08:00"}, "missing key 'end'"),
        ({"days": "mon", "start": "08:00", "end": "18:00", "tz": "UTC"}, "unknown key.*tz"),
        ({"days": "mon-fry", "start": "08:00", "end": "18:00"}, "days: unknown day 'fry'"),
        ({"days": "", "start": "08:00", "end": "18:00"}, "days: unknown day"),
        ({"days": [], "start": "08:00", "end": "18:00"}, "days: expected days such as"),
        ({"days": 5, "start": "08:00", "end": "18:00"}, "days: expected days such as"),
        ({"days": "mon", "start": "8am", "end": "18:00"}, "start: expected a time 'HH:MM'"),
        ({"days": "mon", "start": "08:00", "end": "25:00"}, "end: expected a time between"),
        ({"days": "mon", "start": "08:00", "end": "24:30"}, "end: expected a time between"),
        ({"days": "mon", "start": "08:60", "end": "18:00"}, "start: expected a time between"),
        ({"days": "mon", "start": "08:00", "end": 1080}, "end: .*quote the time"),
        ({"days": "mon", "start": "18:00", "end": "08:00"}, "start .* must be before end"),
        ({"days": "mon", "start": "08:00", "end": "08:00"}, "must be before end"),
    ],
)
def test_parse_errors(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours.parse(spec)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "intervals", [[], [(5.0, 5.0)], [(-1.0, 3.0)], [(160.0, 170.0)], [(3.0, 2.0)]]
)
def test_constructor_rejects_bad_intervals(intervals: list[tuple[float, float]]) -> None:
    with pytest.raises(ValueError):
        BusinessHours(intervals)


def test_constructor_merges_overlaps() -> None:
    bh = BusinessHours([(10.0, 12.0), (0.0, 5.0), (4.0, 8.0), (8.0, 9.0)])
    assert bh.intervals == ((0.0, 9.0), (10.0, 12.0))
    assert bh.hours_per_week == 11.0


# -- describe / repr / eq --------------------------------------------------------------


@pytest.mark.parametrize(
    ("bh", "text"),
    [
        (OFFICE, "mon-fri 08:00-18:00"),
        (ALWAYS, "24/7"),
        (BusinessHours.parse({"days": "mon,wed,fri", "start": "09:30", "end": "17:15"}),
         "mon,wed,fri 09:30-17:15"),
        (BusinessHours.parse({"days": "fri-mon", "start": "00:00", "end": "24:00"}),
         "mon,fri-sun 00:00-24:00"),
        (BusinessHours([(8.0, 12.0), (13.0, 17.0), (32.0, 36.0)]),
         "mon 08:00-12:00,13:00-17:00; tue 08:00-12:00"),
    ],
)  # fmt: skip
def test_describe(bh: BusinessHours, text: str) -> None:
    assert bh.describe() == text
    assert repr(bh) == f"BusinessHours({text!r})"


def test_describe_round_trips_through_parse() -> None:
    for spec in ("mon-fri 08:00-18:00", "sat,sun 10:00-14:00", "tue 00:30-24:00"):
        assert BusinessHours.parse(spec).describe() == spec


def test_equality_and_hash() -> None:
    a = BusinessHours.parse({"days": "weekdays", "start": "08:00", "end": "18:00"})
    assert a == OFFICE
    assert hash(a) == hash(OFFICE)
    assert a != ALWAYS
    assert a != "mon-fri 08:00-18:00"


# -- hand-computed cases ---------------------------------------------------------------


def test_office_hand_computed() -> None:
    assert OFFICE.open_hours_between(0.0, WEEK) == 50.0
    assert OFFICE.open_hours_between(0.0, 10 * WEEK) == 500.0
    assert OFFICE.open_hours_between(MON + 9, MON + 17) == 8.0
    assert OFFICE.open_hours_between(MON + 17, TUE + 9) == 2.0
    assert OFFICE.open_hours_between(FRI + 17, WEEK + MON + 9) == 2.0
    assert OFFICE.open_hours_between(5.0, 5.0) == 0.0
    assert OFFICE.open_hours_between(50.0, 10.0) == 0.0
    assert OFFICE.next_open(18.0) == 32.0
    assert OFFICE.next_open(4 * 24 + 19.0) == 7 * 24 + 8.0
    assert OFFICE.next_open(SAT + 12) == WEEK + 8.0
    assert OFFICE.next_open(0.0) == 8.0
    assert OFFICE.next_open(10.0) == 10.0
    assert OFFICE.next_closed(10.0) == 18.0
    assert OFFICE.next_closed(20.0) == 20.0
    assert OFFICE.next_closed(WEEK + FRI + 8) == WEEK + FRI + 18
    assert OFFICE.add_open_hours(17.0, 2.0) == 33.0
    assert OFFICE.add_open_hours(17.0, 1.0) == 18.0  # earliest: Monday 18:00, not Tuesday 08:00
    assert OFFICE.add_open_hours(0.0, 10.0) == 18.0
    assert OFFICE.add_open_hours(FRI + 17, 2.0) == WEEK + 9.0
    assert OFFICE.add_open_hours(SAT, 50.0) == WEEK + FRI + 18
    assert OFFICE.add_open_hours(SAT, 50.5) == 2 * WEEK + 8.5
    assert OFFICE.add_open_hours(20.0, 0.0) == 20.0
    assert OFFICE.is_open(8.0) and not OFFICE.is_open(18.0) and not OFFICE.is_open(SAT + 12)


def test_next_closed_continues_across_midnight_and_week_end() -> None:
    sun_mon = BusinessHours.parse({"days": ["sun", "mon"], "start": "00:00", "end": "24:00"})
    assert sun_mon.intervals == ((0.0, 24.0), (SUN, WEEK))
    assert sun_mon.next_closed(SUN + 3) == WEEK + 24.0
    assert sun_mon.next_closed(2.0) == 24.0
    weekdays = BusinessHours.parse({"days": "mon-fri", "start": "00:00", "end": "24:00"})
    assert weekdays.intervals == ((0.0, SAT),)
    assert weekdays.next_closed(MON + 1) == SAT
    assert weekdays.open_hours_between(0.0, WEEK) == 120.0


def test_large_times_are_exact_and_fast() -> None:
    t = 1e6 * WEEK + TUE + 17.0
    assert OFFICE.is_open(t)
    assert OFFICE.next_closed(t) == t + 1.0
    assert OFFICE.next_open(t + 1.0) == t + 15.0
    assert OFFICE.open_hours_between(0.0, 1e6 * WEEK) == 50e6
    assert OFFICE.add_open_hours(1e6 * WEEK, 50e6) == 2e6 * WEEK - 2 * 24 - 6


def test_add_open_hours_rejects_bad_hours() -> None:
    for h in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="non-negative"):
            OFFICE.add_open_hours(0.0, h)


# -- properties ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(bh=calendars, a=times, b=times)
def test_open_hours_matches_reference(bh: BusinessHours, a: float, b: float) -> None:
    expected = reference_open_hours(bh, a, b) if b > a else 0.0
    assert bh.open_hours_between(a, b) == pytest.approx(expected, abs=1e-8)


@settings(max_examples=300, deadline=None)
@given(bh=calendars, a=times, b=times, c=times)
def test_open_hours_additive(bh: BusinessHours, a: float, b: float, c: float) -> None:
    a, b, c = sorted((a, b, c))
    whole = bh.open_hours_between(a, c)
    assert whole == pytest.approx(
        bh.open_hours_between(a, b) + bh.open_hours_between(b, c), abs=1e-8
    )
    assert 0.0 <= whole <= c - a + 1e-9


@settings(max_examples=300, deadline=None)
@given(bh=calendars, t=big_times, h=st.floats(min_value=0.0, max_value=5000.0))
def test_add_open_hours_inverts_open_hours_between(bh: BusinessHours, t: float, h: float) -> None:
    end = bh.add_open_hours(t, h)
    assert end >= t
    tol = 1e-9 * max(1.0, t)
    assert bh.open_hours_between(t, end) == pytest.approx(h, abs=tol)
    if h > 0:
        # Earliest: the last stretch before `end` is open time, so stepping back loses hours.
        assert bh.is_open(end - min(1e-6, h / 2)) or bh.is_open(end - tol)


@settings(max_examples=300, deadline=None)
@given(bh=calendars, a=times, b=times)
def test_add_open_hours_of_interval_lands_at_or_before_b(
    bh: BusinessHours, a: float, b: float
) -> None:
    assume(b > a)
    end = bh.add_open_hours(a, bh.open_hours_between(a, b))
    assert end <= b + 1e-7
    assert bh.open_hours_between(end, b) == pytest.approx(0.0, abs=1e-7)


@settings(max_examples=300, deadline=None)
@given(bh=calendars, t=big_times)
def test_next_open_is_open_and_nothing_open_before(bh: BusinessHours, t: float) -> None:
    nxt = bh.next_open(t)
    assert nxt >= t
    assert bh.is_open(nxt)
    assert bh.open_hours_between(t, nxt) == 0.0
    if nxt > t:
        assert not bh.is_open(t)
        mid = (t + nxt) / 2
        assert mid == nxt or not bh.is_open(mid)  # mid rounds to nxt for adjacent floats


@settings(max_examples=300, deadline=None)
@given(bh=calendars, t=big_times)
def test_next_closed_is_closed_and_open_until_then(bh: BusinessHours, t: float) -> None:
    end = bh.next_closed(t)
    if bh.always_open:
        assert end == math.inf
        return
    assert end >= t
    assert not bh.is_open(end)
    assert bh.open_hours_between(t, end) == pytest.approx(end - t, abs=1e-9 * max(1.0, t))
    assert (end > t) == bh.is_open(t)


@settings(max_examples=200, deadline=None)
@given(a=big_times, b=big_times, h=st.floats(min_value=0.0, max_value=1e6))
def test_always_open_identities(a: float, b: float, h: float) -> None:
    assert ALWAYS.is_open(a)
    assert ALWAYS.next_open(a) == a
    assert ALWAYS.next_closed(a) == math.inf
    assert ALWAYS.open_hours_between(a, b) == pytest.approx(max(b - a, 0.0), abs=1e-6)
    assert ALWAYS.add_open_hours(a, h) == pytest.approx(a + h, abs=1e-6)
