"""Visit-by-visit billing: the plain reference each contract's vectorised billing must equal.

Each function takes a contract's terms and one :class:`~itmodels.contracts.Visit` at a
time and returns its ``(category, amount)`` charges, written as one would by hand from
the terms.  :func:`reference_charges` bills a whole table with them, in the format of
:meth:`Contract.charges_table`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from itmodels.contracts import Contract, Visit
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["counted_hours", "reference_charges"]

Charge = tuple[str, float]


def counted_hours(work: float, minimum: float, increment: float) -> float:
    """Work time rounded up to the increment, then at least the minimum."""
    if increment > 0:
        work = math.ceil(work / increment - 1e-9) * increment
    return max(work, minimum)


def _rate_card(t: Any, v: Visit) -> list[Charge]:
    if v.kind != "repair":
        return []
    rate = t.hourly_rate.onsite if v.onsite else t.hourly_rate.remote
    if v.after_hours and t.after_hours_multiplier is not None:
        rate *= t.after_hours_multiplier
    charges = [
        ("labour", counted_hours(v.work_hours, t.minimum_billed, t.billing_increment) * rate)
    ]
    if v.onsite and t.trip_charge > 0:
        charges.append(("trip", t.trip_charge))
    return charges


def _flat_rate(t: Any, v: Visit) -> list[Charge]:
    if v.kind == "repair" and v.onsite and not t.onsite_included:
        return [("labour", v.work_hours * t.onsite_hourly_rate)]
    return []


class _Block:
    """A block-hours balance, drawn visit by visit in start order."""

    def __init__(self, terms: Any) -> None:
        self.t = terms
        self.month = 0
        self.left = terms.hours_per_month  # month 0: nothing carried

    def __call__(self, t: Any, v: Visit) -> list[Charge]:
        if v.kind != "repair":
            return []
        month = int(v.start // HOURS_PER_MONTH)
        while self.month < month:  # close the month: carry what is left, capped
            self.left = min(max(self.left, 0.0), t.rollover_cap) + t.hours_per_month
            self.month += 1
        hours = counted_hours(v.work_hours, t.minimum_billed, t.billing_increment)
        covered = min(max(self.left, 0.0), hours)
        self.left = self.left - hours
        rate = t.overage_rate.onsite if v.onsite else t.overage_rate.remote
        charges = [("labour", (hours - covered) * rate)]
        if v.onsite and t.trip_charge > 0:
            charges.append(("trip", t.trip_charge))
        return charges


def _biller(contract: Contract) -> Callable[[Any, Visit], list[Charge]]:
    kind = contract.type_name
    if kind in ("break_fix", "hybrid"):
        return _rate_card
    if kind == "flat_rate":
        return _flat_rate
    if kind == "block_hours":
        return _Block(contract.terms)
    raise ValueError(f"no visit-by-visit reference for {kind!r}")


def reference_charges(
    contract: Contract, visits: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bill ``visits`` one at a time (in start order) as ``contract``'s terms say.

    Returns ``(visit, category, amount)`` arrays ordered by visit index, a visit's
    charges in the order the reference lists them.
    """
    bill = _biller(contract)
    n = len(visits["kind"])
    rows = [Visit(*(visits[name][i] for name in Visit._fields)) for i in range(n)]
    per_visit: dict[int, list[Charge]] = {}
    for i in sorted(range(n), key=lambda i: (float(rows[i].start), i)):
        per_visit[i] = bill(contract.terms, rows[i])
    which, categories, amounts = [], [], []
    for i in range(n):
        for category, amount in per_visit[i]:
            which.append(i)
            categories.append(category)
            amounts.append(float(amount))
    return (
        np.array(which, dtype=np.int64),
        np.array(categories, dtype=object),
        np.array(amounts, dtype=np.float64),
    )
