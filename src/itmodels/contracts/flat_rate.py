"""Flat-rate (managed services): a monthly fee buys support, monitoring and maintenance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from itmodels.contracts.base import Charges, Contract, OfferTerms, Prospect
from itmodels.money.formatting import format_money
from itmodels.scenario.errors import FieldProblem
from itmodels.scenario.sections import MAX_FACTOR, Maintenance, Monitoring, Priority, Sla
from itmodels.scenario.units import Money, format_duration

__all__ = ["FlatRate", "FlatRateTerms", "services_words"]


def services_words(
    monitoring: Monitoring | None, maintenance: Maintenance | None, sla: Sla | None
) -> list[str]:
    """The services an offer includes besides labour, as short phrases.

    Parameters
    ----------
    monitoring, maintenance, sla
        The offer's terms for each, ``None`` when not offered.

    Returns
    -------
    list of str
        ``["remote monitoring", "patching", "response targets (P1 4h)"]`` or fewer.
    """
    words = []
    if monitoring is not None:
        words.append("remote monitoring")
    if maintenance is not None:
        if maintenance.patching is not None:
            words.append("patching")
        if maintenance.preventive is not None:
            words.append("preventive maintenance")
    if sla is not None:
        targets = ", ".join(f"{p} {format_duration(h)}" for p, h in sla.response.items())
        words.append(f"response targets ({targets})")
    return words


class FlatRateTerms(OfferTerms):
    """A monthly managed-services fee and the services it buys.

    Tiers are offers of this type with different inclusions: remote only
    (``onsite_included: false`` with an ``onsite_hourly_rate``), parts in or out, with or
    without monitoring, maintenance and SLA targets; priced per device, per user, or both.
    """

    type: Literal["flat_rate"] = "flat_rate"
    fee_per_device: Money = 0.0
    fee_per_user: Money = 0.0
    fee_per_server: Money | None = None
    onsite_included: bool = True
    onsite_hourly_rate: Money | None = None
    parts_included: bool = False
    parts_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    hardware_included: bool = False
    hardware_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    after_hours_priorities: list[Priority] = Field(default_factory=list)
    monitoring: Monitoring | None = None
    maintenance: Maintenance | None = None
    sla: Sla | None = None

    @model_validator(mode="after")
    def _needs(self) -> FlatRateTerms:
        if not self.onsite_included and self.onsite_hourly_rate is None:
            raise FieldProblem("onsite_hourly_rate", "required when onsite_included is false")
        return self


class FlatRate(Contract):
    """A monthly fee per device, user and/or server; services as its terms say.

    Contract clients are served before pay-per-call clients.  Monitored devices alert
    at once, around the clock; the client never defers a problem (it is paid for).
    """

    type_name = "flat_rate"
    terms_model = FlatRateTerms
    label = "Flat-rate"
    color = "#0072b2"  # Okabe-Ito blue
    price_terms = ("fee_per_device", "fee_per_user", "fee_per_server")
    #: Inclusions and markups change only charges; monitoring, maintenance, SLA targets
    #: and after-hours priorities change what happens.
    bill_terms = (
        "onsite_included",
        "onsite_hourly_rate",
        "parts_included",
        "parts_markup",
        "hardware_included",
        "hardware_markup",
        "sla.credits",
        "sla.credit_cap",
    )
    queue_class = 0

    def __init__(self, name: str, terms: OfferTerms, scenario: Prospect) -> None:
        super().__init__(name, terms, scenario)
        assert isinstance(terms, FlatRateTerms)
        self.terms: FlatRateTerms = terms

    def price_units(self, term: str) -> float:
        """Devices (servers apart when they have their own fee), users or servers."""
        servers_apart = self.terms.fee_per_server is not None
        fleet = self.scenario.fleet
        if term == "fee_per_device":
            return float(sum(d.count for d in fleet if not (servers_apart and d.server)))
        if term == "fee_per_user":
            return float(self.scenario.client.users)
        if term == "fee_per_server":
            return float(sum(d.count for d in fleet if d.server)) if servers_apart else 0.0
        raise ValueError(f"{term!r} is not a price term of {self.label}; {self.price_terms}")

    def fee_words(self, currency: str, exact: bool = False) -> list[str]:
        """The fees that are set, in words: ``["$65 per device", "$20 per user"]``."""
        t = self.terms
        fees = (
            (t.fee_per_device, "device"),
            (t.fee_per_user, "user"),
            (t.fee_per_server, "server"),
        )
        return [f"{format_money(v, currency, exact=exact)} per {what}" for v, what in fees if v]

    def price_words(self, currency: str, exact: bool = False) -> str:
        """The monthly fee in words (``$65 per device + $20 per user a month``)."""
        return f"{' + '.join(self.fee_words(currency, exact)) or 'no fee'} a month"

    def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
        """What the fee includes and what is billed separately."""
        t = self.terms
        yes, no = ["remote support"], []
        if t.onsite_included:
            yes.append("on-site visits")
        else:
            rate = format_money(t.onsite_hourly_rate or 0.0, currency, exact=True)
            no.append(f"on-site work ({rate}/h)")
        yes += services_words(t.monitoring, t.maintenance, t.sla)
        if t.after_hours_priorities:
            yes.append(f"after-hours work on {'/'.join(t.after_hours_priorities)}")
        (yes if t.parts_included else no).append("parts")
        (yes if t.hardware_included else no).append("replacement hardware")
        return yes, no

    def monthly_fee(self) -> float:
        """``fee_per_user`` x users + per-device fees (servers at ``fee_per_server``)."""
        t = self.terms
        fee = t.fee_per_user * self.scenario.client.users
        for dev in self.scenario.fleet:
            per = t.fee_per_server if dev.server and t.fee_per_server is not None else None
            fee += dev.count * (t.fee_per_device if per is None else per)
        return fee

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """Nothing, unless on-site labour is excluded: then each on-site repair visit's
        work time at ``onsite_hourly_rate``."""
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
