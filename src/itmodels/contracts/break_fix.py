"""Break-fix: the client pays per incident, for labour, trips, parts and hardware."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field

from itmodels.contracts.base import Charges, Contract, OfferTerms, Prospect
from itmodels.money.formatting import format_money
from itmodels.scenario.sections import (
    MAX_FACTOR,
    DeferralTerms,
    HourlyRateField,
    Priority,
)
from itmodels.scenario.units import Duration, Money, format_duration

__all__ = [
    "RATE_CARD_BILL_TERMS",
    "BreakFix",
    "BreakFixTerms",
    "RateCardTerms",
    "billed_hours",
    "billed_hours_table",
    "rate_card_after_hours",
    "rate_card_charges",
    "rate_card_words",
]


_P1: tuple[Priority, ...] = ("P1",)


class RateCardTerms(OfferTerms):
    """Labour billed per repair visit: the terms every rate card shares.

    Not a pricing model itself: break-fix and the models that bill labour the way it
    does (monitoring + labour) add their ``type`` and their other terms.
    """

    hourly_rate: HourlyRateField
    minimum_billed: Duration = 0.0
    billing_increment: Duration = 0.0
    trip_charge: Money = 0.0
    after_hours_multiplier: float | None = Field(default=None, ge=1.0, le=MAX_FACTOR)
    after_hours_priorities: list[Priority] = Field(default_factory=lambda: list(_P1))
    parts_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    hardware_markup: float = Field(default=0.0, ge=0, le=MAX_FACTOR)


#: The rate card's terms that change only the bill (``after_hours_multiplier`` is not one:
#: without it no technician is sent after hours).
RATE_CARD_BILL_TERMS: tuple[str, ...] = (
    "hourly_rate",
    "minimum_billed",
    "billing_increment",
    "trip_charge",
    "parts_markup",
    "hardware_markup",
)


class BreakFixTerms(RateCardTerms):
    """Pay per incident.  Unwritten terms are not applied (exact time at the rate)."""

    type: Literal["break_fix"] = "break_fix"
    deferral: DeferralTerms | None = None


def rate_card_words(terms: RateCardTerms, currency: str) -> str:
    """A rate card in words: ``$95/h remote, $150/h on site, minimum 1 h then per 15 min``.

    Parameters
    ----------
    terms : RateCardTerms
        The rate card.
    currency : str
        ISO 4217 code.

    Returns
    -------
    str
    """
    rate = terms.hourly_rate
    text = (
        f"{format_money(rate.remote, currency)}/h remote,"
        f" {format_money(rate.onsite, currency)}/h on site"
        if rate.remote != rate.onsite
        else f"{format_money(rate.onsite, currency)}/h"
    )
    if terms.minimum_billed:
        text += f", minimum {format_duration(terms.minimum_billed)}"
    if terms.billing_increment:
        text += f" then per {format_duration(terms.billing_increment)}"
    if terms.trip_charge:
        text += f", trip charge {format_money(terms.trip_charge, currency)}"
    if terms.after_hours_multiplier:
        text += f", after hours ×{terms.after_hours_multiplier:g}"
    return text


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


def billed_hours_table(work: np.ndarray, minimum: float, increment: float) -> np.ndarray:
    """:func:`billed_hours` of every entry of ``work``, element for element.

    Parameters
    ----------
    work : numpy.ndarray
        Hours worked.
    minimum : float
        Minimum billed hours (0 for none).
    increment : float
        Billing increment in hours (0 bills the exact time).

    Returns
    -------
    numpy.ndarray
        Hours billed, as floats.
    """
    work = np.asarray(work, dtype=np.float64)
    if increment > 0:
        work = np.ceil(work / increment - 1e-9) * increment
    return np.maximum(work, minimum)


def rate_card_charges(terms: RateCardTerms, visits: Mapping[str, np.ndarray]) -> Charges:
    """A rate card's charges for a table of visits: labour and trip per repair visit.

    Each repair visit is billed its work time rounded as :func:`billed_hours` says, at
    the remote or on-site rate (times ``after_hours_multiplier`` when it started after
    hours), then ``trip_charge`` when on site.  Other visits are not billed.

    Parameters
    ----------
    terms : RateCardTerms
        The rate card.
    visits : mapping of str to numpy.ndarray
        The visit columns (see :meth:`Contract.charges_table`).

    Returns
    -------
    Charges
        ``(visit, category, amount)``, by visit, labour before trip.
    """
    t = terms
    repair = np.flatnonzero(visits["kind"] == "repair")
    onsite = visits["onsite"][repair].astype(bool)
    rate = np.where(onsite, t.hourly_rate.onsite, t.hourly_rate.remote)
    if t.after_hours_multiplier is not None:
        after = visits["after_hours"][repair].astype(bool)
        rate = np.where(after, rate * t.after_hours_multiplier, rate)
    hours = billed_hours_table(visits["work_hours"][repair], t.minimum_billed, t.billing_increment)
    labour = hours * rate
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


def rate_card_after_hours(terms: RateCardTerms, priority: str) -> bool:
    """Whether a rate card sends a technician after hours: only when it prices it
    (an ``after_hours_multiplier`` is written) and for ``after_hours_priorities``."""
    return terms.after_hours_multiplier is not None and priority in terms.after_hours_priorities


class BreakFix(Contract):
    """Pay per incident: hourly labour, trip charges, parts and after-hours premiums.

    No monitoring, no maintenance, no SLA.  Problems are reported when noticed, in
    business hours; minor ones may be deferred (see ``deferral``).
    """

    type_name = "break_fix"
    terms_model = BreakFixTerms
    label = "Break-fix"
    color = "#d55e00"  # Okabe-Ito vermillion
    reference = True
    queue_class = 1
    #: The rate card; not ``after_hours_multiplier`` (without one, no after-hours work)
    #: nor ``deferral`` (when problems are reported).
    bill_terms = RATE_CARD_BILL_TERMS

    def __init__(self, name: str, terms: OfferTerms, scenario: Prospect) -> None:
        super().__init__(name, terms, scenario)
        assert isinstance(terms, BreakFixTerms)
        self.terms: BreakFixTerms = terms

    def price_words(self, currency: str, exact: bool = False) -> str:
        """The rate card in words (``$150/h, minimum 1 h, trip charge $75``)."""
        return rate_card_words(self.terms, currency)

    def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
        """Nothing is included; labour, parts and hardware are billed."""
        return [], ["labour", "parts", "replacement hardware"]

    def monthly_fee(self) -> float:
        """Break-fix has no fee."""
        return 0.0

    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """Labour and trip charges of every repair visit (see :func:`rate_card_charges`)."""
        return rate_card_charges(self.terms, visits)

    def parts_price(self, cost: float) -> float:
        """Parts at cost plus ``parts_markup``."""
        return cost * (1.0 + self.terms.parts_markup)

    def hardware_price(self, cost: float) -> float:
        """Hardware at cost plus ``hardware_markup``."""
        return cost * (1.0 + self.terms.hardware_markup)

    def works_after_hours(self, priority: str) -> bool:
        """Emergency call-outs, only when an after-hours multiplier is written."""
        return rate_card_after_hours(self.terms, priority)
