"""Block hours: technician hours prepaid each month; unused hours roll over or expire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field

from itmodels.contracts.base import Charges, Contract, OfferTerms, PriceTermWords, Prospect
from itmodels.contracts.break_fix import billed_hours_table
from itmodels.contracts.flat_rate import services_words
from itmodels.money.formatting import format_money
from itmodels.scenario.sections import (
    MAX_FACTOR,
    HourlyRateField,
    Maintenance,
    Monitoring,
    Priority,
    Sla,
)
from itmodels.scenario.units import HOURS_PER_MONTH, Duration, Money, format_duration

__all__ = ["BlockHours", "BlockHoursTerms", "block_draws"]


class BlockHoursTerms(OfferTerms):
    """A block of technician hours bought every month, and the rate beyond it."""

    type: Literal["block_hours"] = "block_hours"
    hours_per_month: Duration
    block_rate: Money
    rollover_cap: Duration = 0.0
    overage_rate: HourlyRateField
    minimum_billed: Duration = 0.0
    billing_increment: Duration = 0.0
    trip_charge: Money = 0.0
    after_hours_priorities: list[Priority] = Field(default_factory=list)
    parts_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    hardware_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    monitoring: Monitoring | None = None
    maintenance: Maintenance | None = None
    sla: Sla | None = None


def block_draws(
    hours: np.ndarray, months: np.ndarray, block: float, cap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split counted hours into the part the prepaid balance covers and the overage.

    Each month's balance is the hours carried from the month before (the unused
    balance, at most ``cap``) plus ``block``.  Entries draw on their month's balance in
    the order given until it is used up; an entry that finds less than it needs is
    covered in part and the rest is overage.

    Parameters
    ----------
    hours : numpy.ndarray
        Counted hours of each entry, in the order they draw (by start time).
    months : numpy.ndarray
        Month of each entry (0 for the first), non-decreasing.
    block : float
        Hours added to the balance each month.
    cap : float
        Most unused hours carried to the next month (0: unused hours expire).

    Returns
    -------
    covered, overage : numpy.ndarray
        Hours of each entry covered by the balance, and beyond it.

    Examples
    --------
    >>> covered, over = block_draws(
    ...     np.array([6.0, 6.0, 3.0]), np.array([0, 0, 1]), block=10.0, cap=5.0
    ... )
    >>> covered.tolist(), over.tolist()
    ([6.0, 4.0, 3.0], [0.0, 2.0, 0.0])
    """
    hours = np.asarray(hours, dtype=np.float64)
    covered = np.zeros_like(hours)
    if len(hours) == 0:
        return covered, hours.copy()
    months = np.asarray(months, dtype=np.int64)
    bounds = np.searchsorted(months, np.arange(int(months[-1]) + 2))
    carry = 0.0
    for m in range(int(months[-1]) + 1):
        lo, hi = int(bounds[m]), int(bounds[m + 1])
        balance = carry + block
        if lo == hi:
            carry = min(balance, cap)
            continue
        # what is left before each draw, subtracted in order, as one would by hand
        left = np.subtract.accumulate(np.concatenate(([balance], hours[lo:hi])))
        covered[lo:hi] = np.minimum(np.maximum(left[:-1], 0.0), hours[lo:hi])
        carry = min(max(float(left[-1]), 0.0), cap)
    return covered, hours - covered


class BlockHours(Contract):
    """Prepaid technician hours: a monthly block at a rate, overage at another.

    Repair visits draw their hours (rounded as break-fix rounds them) from the month's
    balance; hours beyond it are billed at the overage rate, with a trip charge per
    on-site visit.  Monitoring, maintenance and an SLA only when the terms say so.
    Contract clients are served before pay-per-call clients.
    """

    type_name = "block_hours"
    terms_model = BlockHoursTerms
    label = "Block hours"
    color = "#009e73"  # Okabe-Ito bluish green
    price_terms = ("block_rate",)
    #: The block and how hours draw on it; after-hours priorities, monitoring,
    #: maintenance and SLA targets change what happens.
    bill_terms = (
        "hours_per_month",
        "rollover_cap",
        "overage_rate",
        "minimum_billed",
        "billing_increment",
        "trip_charge",
        "parts_markup",
        "hardware_markup",
        "sla.credits",
        "sla.credit_cap",
    )
    queue_class = 0

    def __init__(self, name: str, terms: OfferTerms, scenario: Prospect) -> None:
        super().__init__(name, terms, scenario)
        assert isinstance(terms, BlockHoursTerms)
        self.terms: BlockHoursTerms = terms

    def price_term_words(self, term: str) -> PriceTermWords:
        """``block_rate`` reads "block rate per prepaid hour"."""
        if term == "block_rate":
            return PriceTermWords("block rate", "per prepaid hour", "")
        return super().price_term_words(term)

    def price_units(self, term: str) -> float:
        """Hours in the block (the fee is ``hours_per_month`` × ``block_rate``)."""
        if term == "block_rate":
            return float(self.terms.hours_per_month)
        raise ValueError(f"{term!r} is not a price term of {self.label}; {self.price_terms}")

    def overage_words(self, currency: str, exact: bool = False) -> str:
        """The overage rate in words (``$150/h``, ``$95/h remote, $150/h on site``)."""
        rate = self.terms.overage_rate
        if rate.remote == rate.onsite:
            return f"{format_money(rate.onsite, currency, exact=exact)}/h"
        return (
            f"{format_money(rate.remote, currency, exact=exact)}/h remote,"
            f" {format_money(rate.onsite, currency, exact=exact)}/h on site"
        )

    def price_words(self, currency: str, exact: bool = False) -> str:
        """The block, the carry and the overage in words: ``10h a month prepaid at
        $120/h ($1,200); unused hours roll over up to 5h; beyond them $150/h``."""
        t = self.terms
        rate = format_money(t.block_rate, currency, exact=exact)
        fee = format_money(self.monthly_fee(), currency, exact=exact)
        carry = (
            f"unused hours roll over up to {format_duration(t.rollover_cap)}"
            if t.rollover_cap > 0
            else "unused hours expire"
        )
        return (
            f"{format_duration(t.hours_per_month)} a month prepaid at {rate}/h ({fee});"
            f" {carry}; beyond them {self.overage_words(currency, exact)}"
        )

    def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
        """The block and the services the terms add; overage, trips, parts, hardware."""
        t = self.terms
        yes = [f"{format_duration(t.hours_per_month)} of technician time a month"]
        yes += services_words(t.monitoring, t.maintenance, t.sla)
        if t.after_hours_priorities:
            yes.append(f"after-hours work on {'/'.join(t.after_hours_priorities)}")
        no = [f"hours beyond the block ({self.overage_words(currency, exact=True)})"]
        if t.trip_charge > 0:
            no.append(f"trips ({format_money(t.trip_charge, currency, exact=True)} each)")
        no += ["parts", "replacement hardware"]
        return yes, no

    def monthly_fee(self) -> float:
        """``hours_per_month`` × ``block_rate``."""
        return self.terms.hours_per_month * self.terms.block_rate

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """Overage labour and trips of the repair visits (see :func:`block_draws`).

        Repair visits draw, in start order, their work time rounded up to
        ``billing_increment`` and at least ``minimum_billed``; each month (``start //
        HOURS_PER_MONTH``) the balance is the capped carry plus the block.  Every repair
        visit gets a ``labour`` charge (zero when covered), then a ``trip`` charge when
        on site and ``trip_charge`` is set.
        """
        t = self.terms
        repair = np.flatnonzero(visits["kind"] == "repair")
        start = np.asarray(visits["start"], dtype=np.float64)[repair]
        order = np.argsort(start, kind="stable")
        repair, start = repair[order], start[order]
        hours = billed_hours_table(
            visits["work_hours"][repair], t.minimum_billed, t.billing_increment
        )
        months = (start // HOURS_PER_MONTH).astype(np.int64)
        _, overage = block_draws(hours, months, t.hours_per_month, t.rollover_cap)
        onsite = visits["onsite"][repair].astype(bool)
        rate = np.where(onsite, t.overage_rate.onsite, t.overage_rate.remote)
        which = [repair]
        categories = [np.full(len(repair), "labour", dtype=object)]
        amounts = [overage * rate]
        if t.trip_charge > 0:
            trips = repair[onsite]
            which.append(trips)
            categories.append(np.full(len(trips), "trip", dtype=object))
            amounts.append(np.full(len(trips), t.trip_charge, dtype=np.float64))
        all_which = np.concatenate(which)
        by_visit = np.argsort(all_which, kind="stable")
        return (
            all_which[by_visit],
            np.concatenate(categories)[by_visit],
            np.concatenate(amounts)[by_visit],
        )

    def parts_price(self, cost: float) -> float:
        """Parts at cost plus ``parts_markup``."""
        return cost * (1.0 + self.terms.parts_markup)

    def hardware_price(self, cost: float) -> float:
        """Hardware at cost plus ``hardware_markup``."""
        return cost * (1.0 + self.terms.hardware_markup)

    def works_after_hours(self, priority: str) -> bool:
        """Priorities in ``after_hours_priorities`` or the SLA's around-the-clock list."""
        t = self.terms
        clock = t.sla.around_the_clock if t.sla is not None else []
        return priority in t.after_hours_priorities or priority in clock
