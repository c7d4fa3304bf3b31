"""Break-fix: the client pays per incident, for labour, trips, parts and hardware."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from itmodels.contracts.base import Charges, Contract, Visit
from itmodels.scenario import BreakFixTerms, Scenario

__all__ = ["BreakFix", "billed_hours"]


def billed_hours(work: float, minimum: float, increment: float) -> float:
    """Work time rounded up to the billing increment, then at least the minimum.

    Parameters
    ----------
    work : float
        Hours worked.
    minimum : float
        Minimum billed hours (0 for none).
    increment : float
        Billing increment in hours (0 bills the exact time).

    Returns
    -------
    float
        Hours billed.

    Examples
    --------
    >>> billed_hours(1.1, minimum=1.0, increment=0.25)
    1.25
    >>> billed_hours(0.2, minimum=1.0, increment=0.25)
    1.0
    """
    if increment > 0:
        work = math.ceil(work / increment - 1e-9) * increment
    return max(work, minimum)


class BreakFix(Contract):
    """Pay per incident: hourly labour, trip charges, parts and after-hours premiums.

    No monitoring, no maintenance, no SLA.  Problems are reported when noticed, in
    business hours; minor ones may be deferred (see ``deferral``).
    """

    key = "break_fix"
    queue_class = 1

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario)
        terms = scenario.contracts.break_fix
        if terms is None:
            raise ValueError(f"{scenario.source}: contracts.break_fix is not defined")
        self.terms: BreakFixTerms = terms
        self.deferral = terms.deferral

    def monthly_fee(self) -> float:
        """Break-fix has no fee."""
        return 0.0

    def visit_charges(self, visit: Visit) -> list[tuple[str, float]]:
        """Labour (rounded, at least the minimum, after-hours multiplier) and trip charge."""
        if visit.kind != "repair":
            return []
        t = self.terms
        rate = t.hourly_rate.onsite if visit.onsite else t.hourly_rate.remote
        if visit.after_hours and t.after_hours_multiplier is not None:
            rate *= t.after_hours_multiplier
        hours = billed_hours(visit.work_hours, t.minimum_billed, t.billing_increment)
        charges = [("labour", hours * rate)]
        if visit.onsite and t.trip_charge > 0:
            charges.append(("trip", t.trip_charge))
        return charges

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """:meth:`visit_charges` for a whole table of visits, vectorised."""
        t = self.terms
        repair = np.flatnonzero(visits["kind"] == "repair")
        onsite = visits["onsite"][repair]
        rate = np.where(onsite, t.hourly_rate.onsite, t.hourly_rate.remote)
        if t.after_hours_multiplier is not None:
            after = visits["after_hours"][repair]
            rate = np.where(after, rate * t.after_hours_multiplier, rate)
        work = visits["work_hours"][repair]
        if t.billing_increment > 0:
            work = np.ceil(work / t.billing_increment - 1e-9) * t.billing_increment
        labour = np.maximum(work, t.minimum_billed) * rate
        which = [repair]
        categories = [np.full(len(repair), "labour", dtype=object)]
        amounts = [labour]
        if t.trip_charge > 0:
            trips = repair[onsite]
            which.append(trips)
            categories.append(np.full(len(trips), "trip", dtype=object))
            amounts.append(np.full(len(trips), t.trip_charge, dtype=np.float64))
        all_which = np.concatenate(which)
        order = np.argsort(all_which, kind="stable")
        return all_which[order], np.concatenate(categories)[order], np.concatenate(amounts)[order]

    def parts_price(self, cost: float) -> float:
        """Parts at cost plus ``parts_markup``."""
        return cost * (1.0 + self.terms.parts_markup)

    def hardware_price(self, cost: float) -> float:
        """Hardware at cost plus ``hardware_markup``."""
        return cost * (1.0 + self.terms.hardware_markup)

    def works_after_hours(self, priority: str) -> bool:
        """Emergency call-outs, only when an after-hours multiplier is written."""
        t = self.terms
        return t.after_hours_multiplier is not None and priority in t.after_hours_priorities
