"""The policy interface every pricing model implements.

The engine asks a contract what to bill and when, which services run, how the client
reports problems, where the client stands in the technicians' queue and what the SLA
promises.  It never tests a contract's name: a third model (block hours, tiers) is a
new subclass of :class:`Contract`, not an engine change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from itmodels.scenario import DeferralTerms, Maintenance, Monitoring, Scenario, Sla

__all__ = ["Charges", "Contract", "Visit"]

#: ``(visit, category, amount)`` arrays: one ledger charge per entry, ordered by visit
#: index and, within a visit, as :meth:`Contract.visit_charges` lists them.
Charges = tuple[np.ndarray, np.ndarray, np.ndarray]


class Visit(NamedTuple):
    """One technician session on the client's work, as the contract sees it.

    Attributes
    ----------
    incident_id : int
        The incident served, or -1 for maintenance and false alarms.
    kind : str
        ``"repair"``, ``"preventive"``, ``"maintenance"`` or ``"false_alarm"``.
    start : float
        When the technician started (hours).
    work_hours : float
        Hands-on work time, excluding travel.
    travel_hours : float
        Travel time, both ways (0 for remote work).
    onsite : bool
        Whether the technician went on site.
    after_hours : bool
        Whether the visit started outside the technicians' working hours.
    """

    incident_id: int
    kind: str
    start: float
    work_hours: float
    travel_hours: float
    onsite: bool
    after_hours: bool


class Contract(ABC):
    """A pricing model: a policy object consulted by the engine.

    Subclasses set the class attributes and implement the billing methods.
    """

    #: Key of the contract in the scenario's ``contracts`` section.
    key: str = ""
    #: Queue class: lower is served first (contract clients before pay-per-call).
    queue_class: int = 1
    #: Monitoring, maintenance, SLA and deferral terms, ``None`` when not offered.
    monitoring: Monitoring | None = None
    maintenance: Maintenance | None = None
    sla: Sla | None = None
    deferral: DeferralTerms | None = None
    #: True when the monthly fee changes nothing but the bill (cash cost linear in it).
    fee_is_linear: bool = False

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    @abstractmethod
    def monthly_fee(self) -> float:
        """The fee billed at the start of every month of the horizon (0 for none)."""

    @abstractmethod
    def visit_charges(self, visit: Visit) -> list[tuple[str, float]]:
        """Ledger ``(category, amount)`` pairs the client pays for ``visit``."""

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """The client's charges for a whole table of visits at once.

        Equal, row for row, to calling :meth:`visit_charges` on each visit in turn; the
        engine bills a run's visits with it after the run.  Subclasses may override it
        with a vectorised version.

        Parameters
        ----------
        visits : mapping of str to numpy.ndarray
            Columns ``incident_id``, ``kind``, ``start``, ``work_hours``,
            ``travel_hours``, ``onsite`` and ``after_hours`` (one entry per visit).

        Returns
        -------
        tuple of numpy.ndarray
            ``(visit, category, amount)``: the index of the visit each charge is for
            (non-decreasing), its ledger category and its amount.  Zero amounts may
            appear; the ledger does not record them.
        """
        fields = [visits[name].tolist() for name in Visit._fields]
        which: list[int] = []
        categories: list[str] = []
        amounts: list[float] = []
        for i, values in enumerate(zip(*fields, strict=True)):
            for category, amount in self.visit_charges(Visit(*values)):
                which.append(i)
                categories.append(category)
                amounts.append(amount)
        return (
            np.array(which, dtype=np.int64),
            np.array(categories, dtype=object),
            np.array(amounts, dtype=np.float64),
        )

    @abstractmethod
    def parts_price(self, cost: float) -> float:
        """What the client pays for parts that cost the provider ``cost``."""

    @abstractmethod
    def hardware_price(self, cost: float) -> float:
        """What the client pays for a replacement device that costs ``cost``."""

    @abstractmethod
    def works_after_hours(self, priority: str) -> bool:
        """Whether an incident of ``priority`` is worked outside technician hours."""

    def monitors(self, device_class: str) -> bool:
        """Whether devices of ``device_class`` are monitored."""
        mon = self.monitoring
        return mon is not None and (mon.classes is None or device_class in mon.classes)

    def sla_credit(self, breaches: int, fee: float) -> float:
        """The service credit owed for a month with ``breaches`` SLA breaches.

        The share of the highest band reached, capped at the SLA's cap, times ``fee``.
        """
        if self.sla is None or breaches <= 0:
            return 0.0
        share = max((b.share for b in self.sla.credits if breaches >= b.breaches), default=0.0)
        return min(share, self.sla.credit_cap) * fee

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r})"
