"""The interface every pricing model implements, and the table of known models.

A pricing model is one module in :mod:`itmodels.contracts` that defines a subclass of
:class:`Contract` with its ``type_name``, its terms (a subclass of :class:`OfferTerms`,
the keys a scenario writes under ``contracts.<offer>``), its display metadata and its
billing.  Defining the class registers it (:data:`CONTRACT_TYPES`); the scenario format,
the engine, the charts and the reports take everything from there.

The engine asks a contract what to bill and when, which services run, how the client
reports problems, where the client stands in the technicians' queue and what the SLA
promises.  It never tests a contract's name.

**Bill terms.**  A run is billed after it ends, from its logs (visits, parts and
hardware orders, SLA breaches per month; see ``itmodels.engine.billing``), through
:meth:`Contract.monthly_fee`, :meth:`Contract.charges_table`, :meth:`Contract.parts_price`,
:meth:`Contract.hardware_price` and :meth:`Contract.sla_credit`.  A term is a *bill
term* (listed in :attr:`Contract.bill_terms`) when only those methods read it: it
changes what the client is billed and nothing that happens.  The engine must never read
a bill term to decide what happens (``works_after_hours``, ``deferral``,
``monitoring``, ``maintenance``, ``sla.response``, ``sla.around_the_clock`` and
``queue_class`` decide dynamics, so the terms behind them are not bill terms).  A term
that changes both, like an ``after_hours_multiplier`` (its absence means no after-hours
work), is not a bill term.  Two scenarios that differ only in bill terms give the same
run, so a run can be billed again under the other's terms instead of simulated again
(``itmodels.experiments.reprice``); a wrong entry in ``bill_terms`` makes re-priced
results differ from simulated ones, which the tests check for every shipped model.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol

import numpy as np

from itmodels.scenario.sections import SectionModel

if TYPE_CHECKING:
    from itmodels.scenario.sections import (
        Client,
        DeferralTerms,
        DeviceClass,
        Maintenance,
        Monitoring,
        Sla,
    )

__all__ = [
    "CONTRACT_TYPES",
    "ON_NEW_TYPE",
    "Charges",
    "Contract",
    "OfferTerms",
    "PriceTermWords",
    "Prospect",
    "Visit",
]

#: Every pricing model, by ``type_name``, in the order their classes were defined.
CONTRACT_TYPES: dict[str, type[Contract]] = {}
#: Called with no arguments after a pricing model is added (the scenario format rebuilds).
ON_NEW_TYPE: list[Callable[[], None]] = []
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class OfferTerms(SectionModel):
    """The terms of one offer: the base of every pricing model's terms.

    A subclass adds its own keys and declares ``type`` as a ``Literal`` of its
    contract's ``type_name``; the scenario tells offers apart by ``type``.
    """

    type: str


class Prospect(Protocol):
    """What a pricing model may read of the scenario besides its own terms."""

    @property
    def client(self) -> Client: ...

    @property
    def fleet(self) -> Sequence[DeviceClass]: ...

    @property
    def source(self) -> str: ...


#: ``(visit, category, amount)`` arrays: one ledger charge per entry, ordered by visit
#: index (a visit's charges in the order the ledger should record them).
Charges = tuple[np.ndarray, np.ndarray, np.ndarray]


class Visit(NamedTuple):
    """One technician session on the client's work, as the contract sees it.

    A row of the table :meth:`Contract.charges_table` bills (the tests' visit-by-visit
    billing references take one at a time).

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


class PriceTermWords(NamedTuple):
    """A price term in words: ``what`` it is, ``per`` what unit, and the ``period`` billed.

    ``fee_per_device`` reads ``("fee", "per device", "a month")``; a block rate
    ``("block rate", "per prepaid hour", "")``.
    """

    what: str
    per: str
    period: str


class Contract(ABC):
    """A pricing model: a policy object consulted by the engine, one per offer.

    A subclass sets the class attributes below and implements the abstract methods;
    defining it adds it to :data:`CONTRACT_TYPES`.

    Parameters
    ----------
    name : str
        The offer's name in the scenario (``"essentials"``), shown as written.
    terms : OfferTerms
        The offer's terms, an instance of the subclass's ``terms_model``.
    scenario : Prospect
        The scenario (client and fleet), for fees per user or per device.
    """

    #: The ``type:`` that selects this model in a scenario (``"block_hours"``).
    type_name: ClassVar[str] = ""
    #: The pydantic model of the terms.
    terms_model: ClassVar[type[OfferTerms]] = OfferTerms
    #: The model's name in words (``"Block hours"``) and its colour on charts.
    label: ClassVar[str] = ""
    color: ClassVar[str] = "#000000"
    #: Terms the bill is linear in and that change nothing else ("the price"): a
    #: break-even or target-margin search solves for one of them without re-simulating.
    price_terms: ClassVar[tuple[str, ...]] = ()
    #: Terms that change only the bill (see the module doc): dotted names relative to the
    #: offer (``"hourly_rate"``, ``"sla.credits"``); a term covers the keys below it.
    #: The price terms are added to them when the class is defined.
    bill_terms: ClassVar[tuple[str, ...]] = ()
    #: Whether an offer of this model is what the others are compared against when no
    #: baseline is named (paying per incident is what a client without a contract does).
    reference: ClassVar[bool] = False
    #: Queue class: lower is served first (contract clients before pay-per-call).
    queue_class: int = 1
    #: Monitoring, maintenance, SLA and deferral terms, ``None`` when not offered; taken
    #: from the terms' keys of those names (a model without such a key offers none).
    monitoring: Monitoring | None = None
    maintenance: Maintenance | None = None
    sla: Sla | None = None
    deferral: DeferralTerms | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.type_name:
            return  # an abstract helper class, not a pricing model
        if not _TYPE_NAME.match(cls.type_name):
            raise ValueError(
                f"{cls.__name__}.type_name {cls.type_name!r}: expected lower-case letters,"
                " digits and _ (at most 40), starting with a letter"
            )
        known = CONTRACT_TYPES.get(cls.type_name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(
                f"{cls.__name__}.type_name {cls.type_name!r} is taken by {known.__name__}"
            )
        fields = cls.terms_model.model_fields
        if "type" not in fields or fields["type"].default != cls.type_name:
            raise ValueError(
                f"{cls.__name__}.terms_model must declare"
                f' type: Literal["{cls.type_name}"] = "{cls.type_name}"'
            )
        missing = [t for t in cls.price_terms if t not in fields]
        if missing:
            raise ValueError(f"{cls.__name__}.price_terms {missing} are not terms")
        bad = [t for t in cls.bill_terms if t.split(".")[0] not in fields]
        if bad:
            raise ValueError(f"{cls.__name__}.bill_terms {bad} are not terms")
        cls.bill_terms = tuple(dict.fromkeys((*cls.price_terms, *cls.bill_terms)))
        CONTRACT_TYPES[cls.type_name] = cls
        for listener in ON_NEW_TYPE:
            listener()

    def __init__(self, name: str, terms: OfferTerms, scenario: Prospect) -> None:
        if not isinstance(terms, self.terms_model):
            raise TypeError(
                f"{type(self).__name__} needs {self.terms_model.__name__} terms,"
                f" got {type(terms).__name__}"
            )
        self.name = name
        self.terms = terms
        self.scenario = scenario
        # the services an offer's terms write are the services it runs
        self.monitoring = getattr(terms, "monitoring", None)
        self.maintenance = getattr(terms, "maintenance", None)
        self.sla = getattr(terms, "sla", None)
        self.deferral = getattr(terms, "deferral", None)

    @classmethod
    def bills_only(cls, path: str) -> bool:
        """Whether the term at ``path`` (dotted, relative to the offer) is a bill term or
        lies under one: changing it changes the bill and nothing that happens.

        Examples
        --------
        >>> from itmodels.contracts import contract_class
        >>> contract_class("flat_rate").bills_only("sla.credit_cap")
        True
        >>> contract_class("flat_rate").bills_only("sla.response.P1")
        False
        """
        return any(path == t or path.startswith(t + ".") for t in cls.bill_terms)

    @property
    def key(self) -> str:
        """The offer's name (as in ``contracts.<name>``)."""
        return self.name

    @abstractmethod
    def price_words(self, currency: str, exact: bool = False) -> str:
        """The price in a few words (``$65 per device a month``, ``$150/h, minimum 1 h``).

        ``exact`` writes amounts to the cent, as on an offer; otherwise to 3 digits.
        """

    def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
        """What the price includes, and what is billed separately, as short phrases."""
        return [], []

    def price_term_words(self, term: str) -> PriceTermWords:
        """A price term in words (a fee per unit by default: ``fee_per_device`` reads
        "fee per device a month"; any other term by its name)."""
        if term.startswith("fee_per_"):
            return PriceTermWords("fee", f"per {term[len('fee_per_') :]}", "a month")
        return PriceTermWords(term.replace("_", " "), "", "")

    def price_units(self, term: str) -> float:
        """How many of ``term`` one month's bill holds (e.g. devices for a fee per device).

        The monthly bill grows by ``price_units(term)`` for each 1 added to ``term``,
        before any service credit.  Only terms in :attr:`price_terms` are asked.
        """
        raise NotImplementedError(f"{type(self).__name__} declares no price terms")

    @abstractmethod
    def monthly_fee(self) -> float:
        """The fee billed at the start of every month of the horizon (0 for none)."""

    @abstractmethod
    def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
        """The client's charges for a whole table of visits at once.

        The engine bills a run's visits with it after the run (fees are billed apart,
        from :meth:`monthly_fee`).  Implementations work on whole columns; the tests
        compare each one with a visit-by-visit reference.

        Parameters
        ----------
        visits : mapping of str to numpy.ndarray
            Columns ``incident_id``, ``kind``, ``start``, ``work_hours``,
            ``travel_hours``, ``onsite`` and ``after_hours`` (one entry per visit, in
            the order the visits ended; other columns may be present).

        Returns
        -------
        tuple of numpy.ndarray
            ``(visit, category, amount)``: the index of the visit each charge is for
            (non-decreasing), its ledger category and its amount.  Zero amounts may
            appear; the ledger does not record them.
        """

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
        return f"{type(self).__name__}(name={self.name!r})"
