"""Flat-rate (managed services): a monthly fee buys support, monitoring and maintenance."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from itmodels.contracts.base import Charges, Contract, Visit
from itmodels.scenario import FlatRateTerms, Scenario

__all__ = ["FlatRate"]


class FlatRate(Contract):
    """A monthly fee per device, user and/or server; services as its terms say.

    Contract clients are served before pay-per-call clients.  Monitored devices alert
    at once, around the clock; the client never defers a problem (it is paid for).
    """

    key = "flat_rate"
    queue_class = 0
    fee_is_linear = True

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario)
        terms = scenario.contracts.flat_rate
        if terms is None:
            raise ValueError(f"{scenario.source}: contracts.flat_rate is not defined")
        self.terms: FlatRateTerms = terms
        self.monitoring = terms.monitoring
        self.maintenance = terms.maintenance
        self.sla = terms.sla

    def monthly_fee(self) -> float:
        """``fee_per_user`` x users + per-device fees (servers at ``fee_per_server``)."""
        t = self.terms
        fee = t.fee_per_user * self.scenario.client.users
        for dev in self.scenario.fleet:
            per = t.fee_per_server if dev.server and t.fee_per_server is not None else None
            fee += dev.count * (t.fee_per_device if per is None else per)
        return fee

    def visit_charges(self, visit: Visit) -> list[tuple[str, float]]:
        """Nothing, unless on-site labour is excluded (then billed at its hourly rate)."""
        t = self.terms
        if visit.kind == "repair" and visit.onsite and not t.onsite_included:
            assert t.onsite_hourly_rate is not None  # checked by the scenario model
            return [("labour", visit.work_hours * t.onsite_hourly_rate)]
        return []

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """:meth:`visit_charges` for a whole table of visits, vectorised."""
        t = self.terms
        if t.onsite_included:
            none = np.empty(0, dtype=np.int64)
            return none, np.empty(0, dtype=object), np.empty(0, dtype=np.float64)
        assert t.onsite_hourly_rate is not None  # checked by the scenario model
        which = np.flatnonzero((visits["kind"] == "repair") & visits["onsite"])
        labour = visits["work_hours"][which] * t.onsite_hourly_rate
        return which, np.full(len(which), "labour", dtype=object), labour

    def parts_price(self, cost: float) -> float:
        """Free when parts are included, else cost plus ``parts_markup``."""
        return 0.0 if self.terms.parts_included else cost * (1.0 + self.terms.parts_markup)

    def hardware_price(self, cost: float) -> float:
        """Free when hardware is included, else cost plus ``hardware_markup``."""
        t = self.terms
        return 0.0 if t.hardware_included else cost * (1.0 + t.hardware_markup)

    def works_after_hours(self, priority: str) -> bool:
        """Priorities listed in ``after_hours_priorities`` or the SLA's around-the-clock."""
        t = self.terms
        clock = t.sla.around_the_clock if t.sla is not None else []
        return priority in t.after_hours_priorities or priority in clock
