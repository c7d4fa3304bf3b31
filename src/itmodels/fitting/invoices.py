"""The break-fix rate card a client actually paid, read back from its invoice lines.

:func:`infer_rate_card` recovers the hourly rate(s) (amount / hours of labour lines), the
minimum billed hours, the billing increment (the lattice the billed hours sit on), the
trip charge and the spend per year by kind.  What the lines cannot show is returned as
``None`` with the reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from itmodels.fitting.readers import Invoices

__all__ = [
    "INCREMENTS",
    "KINDS",
    "Inferred",
    "RateCard",
    "annual_spend",
    "infer_rate_card",
]

#: billing increments tried, in hours: 1, 5, 6, 10, 15, 20, 30 and 60 minutes
INCREMENTS = (1 / 60, 1 / 12, 0.1, 1 / 6, 0.25, 1 / 3, 0.5, 1.0)
#: the kinds of invoice line
KINDS = ("labour", "trip", "parts", "hardware")
#: billed hours are taken to sit on a lattice when within this many hours of it
_HOURS_TOLERANCE = 0.006
#: rates within this relative distance of each other are one rate
_RATE_TOLERANCE = 0.005
#: fewest labour lines above the minimum for the increment to be inferred
_MIN_LINES = 10


@dataclass(frozen=True)
class Inferred:
    """One rate-card term read back from invoices, or why it cannot be.

    Attributes
    ----------
    value : float or None
        The inferred value (money or hours), None when not inferable.
    reason : str
        How it was inferred, or why it is not inferable, in words.
    lines : int
        The invoice lines it rests on.
    spread : tuple of float or None
        The range (lowest, highest) of the values it summarises, when there are several.
    """

    value: float | None
    reason: str
    lines: int = 0
    spread: tuple[float, float] | None = None

    @property
    def inferable(self) -> bool:
        """Whether a value was inferred."""
        return self.value is not None


@dataclass(frozen=True)
class RateCard:
    """The break-fix terms inferred from invoice lines.

    Attributes
    ----------
    hourly_rate : Inferred
        The most common labour rate (amount / hours), money per hour.
    rates : pandas.DataFrame
        Every distinct labour rate: ``rate``, ``lines``, ``share`` (two rates are often
        remote and on-site, or normal and after-hours), most common first.
    minimum_billed : Inferred
        The smallest billed labour quantity, hours.
    billing_increment : Inferred
        The step billed hours above the minimum come in, hours.
    trip_charge : Inferred
        The typical trip line amount.
    spend : pandas.DataFrame
        :func:`annual_spend`.
    """

    hourly_rate: Inferred
    rates: pd.DataFrame
    minimum_billed: Inferred
    billing_increment: Inferred
    trip_charge: Inferred
    spend: pd.DataFrame


def _clusters(values: np.ndarray, tolerance: float) -> pd.DataFrame:
    """Group sorted values closer than ``tolerance`` (relative) to their group's first."""
    order = np.sort(values)
    groups: list[list[float]] = []
    for v in order:
        if groups and v <= groups[-1][0] * (1 + tolerance):
            groups[-1].append(float(v))
        else:
            groups.append([float(v)])
    table = pd.DataFrame(
        {
            "rate": [float(np.median(g)) for g in groups],
            "lines": [len(g) for g in groups],
        }
    )
    table["share"] = table["lines"] / len(values)
    return table.sort_values(["lines", "rate"], ascending=[False, True], ignore_index=True)


def _hourly(labour: pd.DataFrame, has_hours: bool) -> tuple[Inferred, pd.DataFrame]:
    empty = pd.DataFrame({"rate": [], "lines": [], "share": []})
    if not has_hours:
        return Inferred(None, "not inferable: the invoices have no hours column"), empty
    used = labour[(labour["hours"] > 0) & (labour["amount"] > 0)]
    if used.empty:
        return Inferred(None, "not inferable: no labour line with hours and an amount"), empty
    rate = (used["amount"] / used["hours"]).to_numpy(dtype=float)
    table = _clusters(rate, _RATE_TOLERANCE)
    top = table.iloc[0]
    reason = (
        f"amount / hours of {len(used)} labour lines: {top['rate']:.2f} on "
        f"{int(top['lines'])} ({top['share']:.0%})"
    )
    if len(table) > 1:
        others = ", ".join(
            f"{r:.2f} ({s:.0%})"
            for r, s in zip(table["rate"][1:4], table["share"][1:4], strict=True)
        )
        reason += f"; other rates: {others}" + (" ..." if len(table) > 4 else "")
    inferred = Inferred(
        float(top["rate"]), reason, len(used), (float(rate.min()), float(rate.max()))
    )
    return inferred, table


def _minimum_and_increment(labour: pd.DataFrame, has_hours: bool) -> tuple[Inferred, Inferred]:
    if not has_hours:
        why = "not inferable: the invoices have no hours column"
        return Inferred(None, why), Inferred(None, why)
    hours = labour["hours"].dropna().to_numpy(dtype=float)
    hours = hours[hours > 0]
    if len(hours) < _MIN_LINES:
        why = f"not inferable: {len(hours)} labour line(s) with hours, fewer than {_MIN_LINES}"
        return Inferred(None, why, len(hours)), Inferred(None, why, len(hours))
    low = float(hours.min())
    at_low = int((hours <= low + _HOURS_TOLERANCE).sum())
    if at_low >= 2:
        minimum = Inferred(
            low,
            f"the smallest billed quantity, on {at_low} of {len(hours)} labour lines (the "
            "minimum is at most this; equal to it when short jobs are common)",
            len(hours),
            (low, float(hours.max())),
        )
    else:
        minimum = Inferred(
            None,
            f"not inferable: the smallest billed quantity ({low:g} h) is on one line only",
            len(hours),
        )
    above = hours[hours > low + _HOURS_TOLERANCE]
    if len(above) < _MIN_LINES:
        why = f"not inferable: {len(above)} line(s) above the smallest, fewer than {_MIN_LINES}"
        return minimum, Inferred(None, why, len(above))
    for step in sorted(INCREMENTS, reverse=True):
        off = np.abs(above - np.round(above / step) * step)
        if (off <= _HOURS_TOLERANCE).all():
            increment = Inferred(
                float(step),
                f"all {len(above)} billed quantities above the smallest are multiples of "
                f"{step * 60:g} min",
                len(above),
            )
            return minimum, increment
    why = (
        "not inferable: billed hours fall on no increment of "
        f"{', '.join(f'{s * 60:g}' for s in INCREMENTS)} min (billed as worked?)"
    )
    return minimum, Inferred(None, why, len(above))


def _trip(trips: pd.DataFrame) -> Inferred:
    amounts = trips["amount"].to_numpy(dtype=float)
    amounts = amounts[amounts > 0]
    if len(amounts) == 0:
        return Inferred(None, "not inferable: no trip lines with an amount")
    values, counts = np.unique(np.round(amounts, 2), return_counts=True)
    top = int(np.argmax(counts))
    share = counts[top] / len(amounts)
    spread = (float(amounts.min()), float(amounts.max()))
    if len(amounts) == 1:
        return Inferred(float(amounts[0]), "the only trip line's amount", 1, spread)
    if share > 0.5 and counts[top] >= 2:
        reason = f"the most common trip amount, on {counts[top]} of {len(amounts)} lines"
        return Inferred(float(values[top]), reason, len(amounts), spread)
    reason = (
        f"the median of {len(amounts)} trip amounts, which vary (the most common is on "
        f"{share:.0%} of lines): perhaps charged by distance"
    )
    return Inferred(float(np.median(amounts)), reason, len(amounts), spread)


def annual_spend(invoices: Invoices) -> pd.DataFrame:
    """Spend per kind, in total and per year of the invoices' period.

    Parameters
    ----------
    invoices : Invoices
        From :func:`~itmodels.fitting.readers.read_invoices`.

    Returns
    -------
    pandas.DataFrame
        One row per kind and ``"all"``: ``kind``, ``lines``, ``total``, ``years`` (the
        period from the first to the last line's date, 365.25-day years) and
        ``per_year`` (``total / years``; NaN for a period under a day).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from itmodels.fitting.readers import read_invoices
    >>> p = Path(tempfile.mkdtemp(), "i.csv")
    >>> _ = p.write_text("date,kind,amount\\n2023-01-01,trip,50\\n2025-01-01,trip,50\\n")
    >>> round(float(annual_spend(read_invoices(p))["per_year"].iloc[1]), 2)
    49.97
    """
    f = invoices.frame
    years = (invoices.end - invoices.start) / pd.Timedelta(days=365.25)
    rows = []
    for kind in (*KINDS, "all"):
        part = f if kind == "all" else f[f["kind"] == kind]
        total = float(part["amount"].sum())
        per_year = total / years if years > 1 / 365.25 else np.nan
        rows.append((kind, len(part), total, float(years), per_year))
    return pd.DataFrame(rows, columns=["kind", "lines", "total", "years", "per_year"])


def infer_rate_card(invoices: Invoices) -> RateCard:
    """Infer the break-fix rate card actually paid from invoice lines.

    Parameters
    ----------
    invoices : Invoices
        From :func:`~itmodels.fitting.readers.read_invoices`; the hourly rate, minimum
        and increment need the ``hours`` column on labour lines.

    Returns
    -------
    RateCard
        Each term as an :class:`Inferred` (value or None, and the reason), the table of
        distinct hourly rates, and the spend per year by kind.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from itmodels.fitting.readers import read_invoices
    >>> p = Path(tempfile.mkdtemp(), "i.csv")
    >>> _ = p.write_text("date,kind,hours,amount\\n2024-01-05,labour,1.5,225\\n"
    ...                  "2024-02-05,labour,0.5,75\\n2024-02-05,trip,,50\\n")
    >>> card = infer_rate_card(read_invoices(p))
    >>> card.hourly_rate.value, card.trip_charge.value
    (150.0, 50.0)
    >>> card.billing_increment.value is None, card.billing_increment.reason[:15]
    (True, 'not inferable: ')
    """
    f = invoices.frame
    has_hours = invoices.has("hours")
    labour = f[f["kind"] == "labour"]
    hourly, rates = _hourly(labour, has_hours)
    minimum, increment = _minimum_and_increment(labour, has_hours)
    return RateCard(
        hourly_rate=hourly,
        rates=rates,
        minimum_billed=minimum,
        billing_increment=increment,
        trip_charge=_trip(f[f["kind"] == "trip"]),
        spend=annual_spend(invoices),
    )
