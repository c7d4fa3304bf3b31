"""Monitoring + labour: a monthly fee for monitoring and patching; labour on a rate card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from itmodels.contracts.base import Charges, Contract, OfferTerms, Prospect
from itmodels.contracts.break_fix import (
    RATE_CARD_BILL_TERMS,
    RateCardTerms,
    rate_card_after_hours,
    rate_card_charges,
    rate_card_words,
)
from itmodels.contracts.flat_rate import services_words
from itmodels.money.formatting import format_money
from itmodels.scenario.sections import Maintenance, Monitoring, Sla
from itmodels.scenario.units import Money

__all__ = ["Hybrid", "HybridTerms"]


class HybridTerms(RateCardTerms):
    """A monitoring-and-patching fee per device and/or user; labour on its own rate card.

    The rate-card keys (``hourly_rate``, ``minimum_billed``, ``billing_increment``,
    ``trip_charge``, ``after_hours_multiplier``, ``after_hours_priorities``,
    ``parts_markup``, ``hardware_markup``) mean what they mean for break-fix.
    """

    type: Literal["hybrid"] = "hybrid"
    fee_per_device: Money = 0.0
    fee_per_user: Money = 0.0
    monitoring: Monitoring
    maintenance: Maintenance | None = None
    sla: Sla | None = None


class Hybrid(Contract):
    """Monitoring (and patching) for a monthly fee; every repair visit billed as labour.

    Monitored devices alert at once, so problems are found early; the fix is billed on
    the offer's rate card.  Contract clients are served before pay-per-call clients.
    """

    type_name = "hybrid"
    terms_model = HybridTerms
    label = "Monitoring + labour"
    color = "#cc79a7"  # Okabe-Ito reddish purple
    price_terms = ("fee_per_device", "fee_per_user")
    bill_terms = (*RATE_CARD_BILL_TERMS, "sla.credits", "sla.credit_cap")
    queue_class = 0

    def __init__(self, name: str, terms: OfferTerms, scenario: Prospect) -> None:
        super().__init__(name, terms, scenario)
        assert isinstance(terms, HybridTerms)
        self.terms: HybridTerms = terms

    def price_units(self, term: str) -> float:
        """Devices for ``fee_per_device``, users for ``fee_per_user``."""
        if term == "fee_per_device":
            return float(sum(d.count for d in self.scenario.fleet))
        if term == "fee_per_user":
            return float(self.scenario.client.users)
        raise ValueError(f"{term!r} is not a price term of {self.label}; {self.price_terms}")

    def price_words(self, currency: str, exact: bool = False) -> str:
        """The fee, then the rate card: ``$15 per device a month; labour $150/h, ...``."""
        t = self.terms
        fees = ((t.fee_per_device, "device"), (t.fee_per_user, "user"))
        words = [f"{format_money(v, currency, exact=exact)} per {what}" for v, what in fees if v]
        fee = f"{' + '.join(words) or 'no fee'} a month"
        return f"{fee}; labour {rate_card_words(t, currency)}"

    def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
        """Monitoring and what else the fee buys; labour, parts and hardware billed."""
        t = self.terms
        yes = services_words(t.monitoring, t.maintenance, t.sla)
        return yes, ["labour", "parts", "replacement hardware"]

    def monthly_fee(self) -> float:
        """``fee_per_device`` × devices + ``fee_per_user`` × users."""
        t = self.terms
        devices = sum(d.count for d in self.scenario.fleet)
        return t.fee_per_device * devices + t.fee_per_user * self.scenario.client.users

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """Labour and trips of every repair visit, as break-fix bills them."""
        return rate_card_charges(self.terms, visits)

    def parts_price(self, cost: float) -> float:
        """Parts at cost plus ``parts_markup``."""
        return cost * (1.0 + self.terms.parts_markup)

    def hardware_price(self, cost: float) -> float:
        """Hardware at cost plus ``hardware_markup``."""
        return cost * (1.0 + self.terms.hardware_markup)

    def works_after_hours(self, priority: str) -> bool:
        """Call-outs the rate card prices (see break-fix), or the SLA's around the clock."""
        clock = self.terms.sla.around_the_clock if self.terms.sla is not None else []
        return rate_card_after_hours(self.terms, priority) or priority in clock
