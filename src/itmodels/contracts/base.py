"""The policy interface every pricing model implements.

The engine asks a contract what to bill and when, which services run, how the client
reports problems, where the client stands in the technicians' queue and what the SLA
promises.  It never tests a contract's name: a third model (block hours, tiers) is a
new subclass of :class:`Contract`, not an engine change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from itmodels.scenario import DeferralTerms, Maintenance, Monitoring, Scenario, Sla

__all__ = ["Contract", "Visit"]


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
