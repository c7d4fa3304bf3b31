"""Weekly business-hours calendars.

Time is in hours with ``t = 0`` at Monday 00:00. A :class:`BusinessHours` is a
set of weekly open intervals; every query is O(log intervals) whatever ``t`` is,
because the week index is found with ``floor(t / 168)``.

Examples
--------
>>> bh = BusinessHours.parse({"days": "mon-fri", "start": "08:00", "end": "18:00"})
>>> bh.open_hours_between(0.0, 168.0)
50.0
>>> bh.add_open_hours(17.0, 2.0)  # Monday 17:00 plus two open hours -> Tuesday 09:00
33.0
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping

from itmodels.scenario.units import HOURS_PER_DAY, HOURS_PER_WEEK

__all__ = ["BusinessHours"]

WEEK = HOURS_PER_WEEK
DAY = HOURS_PER_DAY
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {name: i for names in (DAY_NAMES, _FULL_NAMES) for i, name in enumerate(names)}
_DAY_WORDS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_SPEC_RE = re.compile(r"^\s*(\S+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")
_DAYS_EXPECTED = (
    "expected days such as 'mon-fri', 'mon,wed,fri', a list ['mon', 'wed'], "
    "'daily', 'weekdays' or 'weekends'"
)


def _parse_day(name: str, raw: object) -> int:
    key = name.strip().lower()
    if key not in _DAY_INDEX:
        raise ValueError(f"days: unknown day {name.strip()!r} in {raw!r}; {_DAYS_EXPECTED}")
    return _DAY_INDEX[key]


def _parse_days(raw: object) -> list[int]:
    """Parse the ``days`` field into sorted day indices (0 = Monday)."""
    if isinstance(raw, str):
        items = raw.split(",")
    elif isinstance(raw, list | tuple) and all(isinstance(x, str) for x in raw):
        items = list(raw)
    else:
        raise ValueError(f"days: {_DAYS_EXPECTED}, got {raw!r}")
    days: set[int] = set()
    for item in items:
        word = item.strip().lower()
        if word in _DAY_WORDS:
            days.update(_DAY_WORDS[word])
        elif "-" in word:
            first, _, last = word.partition("-")
            a, b = _parse_day(first, raw), _parse_day(last, raw)
            days.update(d % 7 for d in range(a, b + 1 if b >= a else b + 8))
        else:
            days.add(_parse_day(word, raw))
    if not days:
        raise ValueError(f"days: {_DAYS_EXPECTED}, got {raw!r}")
    return sorted(days)


def _parse_time(field: str, raw: object) -> float:
    """Parse ``"HH:MM"`` (00:00 to 24:00) into hours of the day."""
    if not isinstance(raw, str):
        hint = ""
        if isinstance(raw, int) and not isinstance(raw, bool):
            hint = " (quote the time: YAML reads an unquoted 18:00 as the number 1080)"
        raise ValueError(f"{field}: expected a time 'HH:MM', got {raw!r}{hint}")
    match = _TIME_RE.match(raw)
    if match is None:
        raise ValueError(f"{field}: expected a time 'HH:MM' (24h), got {raw!r}")
    hh, mm = int(match.group(1)), int(match.group(2))
    if mm > 59 or hh > 24 or (hh == 24 and mm != 0):
        raise ValueError(f"{field}: expected a time between 00:00 and 24:00, got {raw!r}")
    return hh + mm / 60.0


def _fmt_time(hours: float) -> str:
    minutes = round(hours * 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fmt_days(days: list[int]) -> str:
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ",".join(parts)


class BusinessHours:
    """Weekly opening hours as half-open intervals ``[start, end)`` of the week.

    Parameters
    ----------
    intervals : iterable of (float, float)
        Open intervals in hours of the week, ``0 <= start < end <= 168``, where
        0 is Monday 00:00. Overlapping or touching intervals are merged.

    Examples
    --------
    >>> BusinessHours([(8.0, 18.0), (32.0, 42.0)])
    BusinessHours('mon,tue 08:00-18:00')
    >>> BusinessHours.parse("24/7").always_open
    True
    """

    __slots__ = ("_always", "_cum", "_ends", "_intervals", "_starts", "_week_open")

    def __init__(self, intervals: Iterable[tuple[float, float]]) -> None:
        spans = sorted((float(s), float(e)) for s, e in intervals)
        if not spans:
            raise ValueError("business hours must contain at least one open interval")
        merged: list[tuple[float, float]] = []
        for start, end in spans:
            if not (0.0 <= start < end <= WEEK):
                raise ValueError(
                    f"open interval ({start}, {end}) must satisfy 0 <= start < end <= {WEEK:g}"
                )
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._intervals = tuple(merged)
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]
        self._cum = [0.0]  # open hours in the week before interval i starts
        for start, end in merged:
            self._cum.append(self._cum[-1] + (end - start))
        self._week_open = self._cum[-1]
        self._always = self._week_open >= WEEK

    @classmethod
    def parse(cls, spec: str | Mapping[str, object]) -> BusinessHours:
        """Build business hours from ``"24/7"`` or ``{days, start, end}``.

        Parameters
        ----------
        spec : str or Mapping
            ``"24/7"``; a mapping with keys ``days`` (``"mon-fri"``, ``"mon,wed"``,
            a list of day names, ``"daily"``, ``"weekdays"`` or ``"weekends"``),
            ``start`` and ``end`` (``"HH:MM"``, end may be ``"24:00"``, start < end);
            or the string form produced by :meth:`describe` for one window, such
            as ``"mon-fri 08:00-18:00"``.

        Returns
        -------
        BusinessHours
            The parsed calendar.

        Raises
        ------
        ValueError
            Naming the offending field and what was expected.

        Examples
        --------
        >>> BusinessHours.parse({"days": "weekdays", "start": "09:00", "end": "17:00"})
        BusinessHours('mon-fri 09:00-17:00')
        """
        if isinstance(spec, str):
            if spec.strip().lower() == "24/7":
                return cls([(0.0, WEEK)])
            match = _SPEC_RE.match(spec)
            if match is None:
                raise ValueError(
                    "expected '24/7', a string such as 'mon-fri 08:00-18:00' "
                    f"or a mapping with keys days, start, end; got {spec!r}"
                )
            spec = dict(zip(("days", "start", "end"), match.groups(), strict=True))
        if not isinstance(spec, Mapping):
            raise ValueError(
                f"expected '24/7' or a mapping with keys days, start, end; got {spec!r}"
            )
        unknown = sorted(str(k) for k in spec if k not in ("days", "start", "end"))
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected only days, start, end")
        for key in ("days", "start", "end"):
            if key not in spec:
                raise ValueError(f"missing key {key!r} (expected days, start, end)")
        days = _parse_days(spec["days"])
        start = _parse_time("start", spec["start"])
        end = _parse_time("end", spec["end"])
        if not start < end:
            raise ValueError(
                f"start ({spec['start']}) must be before end ({spec['end']}); "
                "overnight windows are not supported"
            )
        return cls((d * DAY + start, d * DAY + end) for d in days)

    # -- basic properties -----------------------------------------------------------
    @property
    def intervals(self) -> tuple[tuple[float, float], ...]:
        """Merged weekly open intervals ``(start, end)`` in hours of the week."""
        return self._intervals

    @property
    def always_open(self) -> bool:
        """True if open around the clock (24/7)."""
        return self._always

    @property
    def hours_per_week(self) -> float:
        """Open hours in one week."""
        return self._week_open

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _split(t: float) -> tuple[int, float]:
        """Return ``(week, r)`` with ``t = week * 168 + r`` and ``0 <= r < 168``."""
        week = math.floor(t / WEEK)
        r = t - week * WEEK
        if r >= WEEK:  # rounding just below a week boundary
            week, r = week + 1, 0.0
        elif r < 0.0:
            week, r = week - 1, r + WEEK
        return week, r

    def _open_before(self, r: float) -> float:
        """Open hours in ``[0, r)`` of a week, for ``0 <= r <= 168``."""
        i = bisect_right(self._starts, r) - 1
        if i < 0:
            return 0.0
        return self._cum[i] + min(r - self._starts[i], self._ends[i] - self._starts[i])

    # -- queries ------------------------------------------------------------------------
    def is_open(self, t: float) -> bool:
        """Whether time ``t`` falls in an open interval (intervals are half-open).

        Examples
        --------
        >>> bh = BusinessHours.parse("mon-fri 08:00-18:00")
        >>> bh.is_open(8.0), bh.is_open(18.0)
        (True, False)
        """
        if self._always:
            return True
        _, r = self._split(t)
        i = bisect_right(self._starts, r) - 1
        return i >= 0 and r < self._ends[i]

    def next_open(self, t: float) -> float:
        """Return ``t`` if open, else the start of the next open interval.

        Examples
        --------
        >>> BusinessHours.parse("mon-fri 08:00-18:00").next_open(18.0)
        32.0
        """
        if self._always:
            return float(t)
        week, r = self._split(t)
        i = bisect_right(self._starts, r) - 1
        if i >= 0 and r < self._ends[i]:
            return float(t)
        if i + 1 < len(self._starts):
            return week * WEEK + self._starts[i + 1]
        return (week + 1) * WEEK + self._starts[0]

    def next_closed(self, t: float) -> float:
        """Return ``t`` if closed, else the end of the current open stretch.

        Open stretches that run across the end of the week into Monday continue;
        ``math.inf`` is returned when always open.

        Examples
        --------
        >>> BusinessHours.parse("mon-fri 08:00-18:00").next_closed(10.0)
        18.0
        """
        if self.always_open:
            return math.inf
        week, r = self._split(t)
        i = bisect_right(self._starts, r) - 1
        if i < 0 or r >= self._ends[i]:
            return float(t)
        if self._ends[i] >= WEEK and self._starts[0] <= 0.0:
            return (week + 1) * WEEK + self._ends[0]
        return week * WEEK + self._ends[i]

    def open_hours_between(self, a: float, b: float) -> float:
        """Open hours in ``[a, b)``; 0 if ``b <= a``.

        Examples
        --------
        >>> BusinessHours.parse("mon-fri 08:00-18:00").open_hours_between(0.0, 168.0)
        50.0
        """
        if not b > a:
            return 0.0
        if self._always:
            return b - a
        wa, ra = self._split(a)
        wb, rb = self._split(b)
        hours = (wb - wa) * self._week_open + self._open_before(rb) - self._open_before(ra)
        return max(hours, 0.0)

    def add_open_hours(self, t: float, h: float) -> float:
        """Earliest ``t' >= t`` with ``open_hours_between(t, t') == h``.

        Parameters
        ----------
        t : float
            Start time in hours.
        h : float
            Open (working) hours to add, ``h >= 0``.

        Returns
        -------
        float
            The time at which ``h`` open hours have elapsed since ``t``.

        Examples
        --------
        >>> BusinessHours.parse("mon-fri 08:00-18:00").add_open_hours(17.0, 2.0)
        33.0
        """
        if not h >= 0.0 or math.isinf(h):
            raise ValueError(f"hours to add must be finite and non-negative, got {h!r}")
        if h == 0.0:
            return float(t)
        if self._always:
            return t + h
        start = self.next_open(t)  # no open hours accrue before the next opening
        week, r = self._split(start)
        target = self._open_before(r) + h
        weeks = math.floor(target / self._week_open)
        rem = target - weeks * self._week_open
        if rem <= 0.0:  # exactly at a whole number of weeks: end of the last interval
            weeks, rem = weeks - 1, rem + self._week_open
        elif rem > self._week_open:  # floor() rounding
            weeks, rem = weeks + 1, rem - self._week_open
        j = min(bisect_left(self._cum, rem, lo=1) - 1, len(self._starts) - 1)
        end = (week + weeks) * WEEK + self._starts[j] + (rem - self._cum[j])
        return max(end, start)  # guard against rounding when h is tiny relative to t

    # -- presentation -----------------------------------------------------------------
    def describe(self) -> str:
        """Short description such as ``"mon-fri 08:00-18:00"`` or ``"24/7"``.

        Examples
        --------
        >>> bh = BusinessHours.parse({"days": ["sat", "sun"], "start": "10:00", "end": "14:00"})
        >>> bh.describe()
        'sat,sun 10:00-14:00'
        """
        if self.always_open:
            return "24/7"
        per_day: list[tuple[tuple[float, float], ...]] = []
        for d in range(7):
            lo, hi = d * DAY, (d + 1) * DAY
            per_day.append(
                tuple(
                    (max(s, lo) - lo, min(e, hi) - lo)
                    for s, e in self._intervals
                    if s < hi and e > lo
                )
            )
        groups: dict[tuple[tuple[float, float], ...], list[int]] = {}
        for d, windows in enumerate(per_day):
            if windows:
                groups.setdefault(windows, []).append(d)
        parts = []
        for windows, days in groups.items():
            times = ",".join(f"{_fmt_time(s)}-{_fmt_time(e)}" for s, e in windows)
            parts.append(f"{_fmt_days(days)} {times}")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"BusinessHours({self.describe()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessHours):
            return NotImplemented
        return self._intervals == other._intervals

    def __hash__(self) -> int:
        return hash(self._intervals)
