"""Pricing models as plugins: one module per model, found and registered at import.

Every module in this package is imported once, here; each :class:`Contract` subclass
with a ``type_name`` that it defines is added to :data:`CONTRACT_TYPES`.  Adding a
pricing model is adding one file to this folder (see ``docs/model.md``); a class defined
elsewhere (a notebook, a test) is added the same way, by defining it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Protocol

from itmodels.contracts.base import (
    CONTRACT_TYPES,
    ON_NEW_TYPE,
    Contract,
    OfferTerms,
    Prospect,
    Visit,
)

__all__ = [
    "CONTRACT_TYPES",
    "Contract",
    "OfferTerms",
    "Visit",
    "contract_class",
    "default_baseline",
    "make_contract",
    "offer_inline",
    "offer_label",
    "remove_contract_type",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def contract_class(type_name: str) -> type[Contract]:
    """The pricing model registered as ``type_name``.

    Raises
    ------
    ValueError
        If no pricing model has that name.
    """
    try:
        return CONTRACT_TYPES[type_name]
    except KeyError:
        raise ValueError(
            f"unknown contract type {type_name!r}; expected one of {list(CONTRACT_TYPES)}"
        ) from None


def remove_contract_type(type_name: str) -> None:
    """Forget a pricing model added at run time (for tests and notebooks).

    Raises
    ------
    ValueError
        If no pricing model has that name.
    """
    contract_class(type_name)
    del CONTRACT_TYPES[type_name]
    for listener in ON_NEW_TYPE:
        listener()


class _Offers(Prospect, Protocol):
    @property
    def contracts(self) -> Mapping[str, OfferTerms]: ...


def make_contract(scenario: _Offers, offer: str) -> Contract:
    """The policy of the offer called ``offer`` in the scenario's ``contracts`` section.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    offer : str
        An offer name, as written under ``contracts:``.

    Returns
    -------
    Contract

    Raises
    ------
    ValueError
        If the scenario has no offer of that name.
    """
    terms = scenario.contracts.get(offer) if isinstance(offer, str) else None
    if terms is None:
        raise ValueError(
            f"{scenario.source}: contracts.{offer} is not defined in this scenario;"
            f" it defines {list(scenario.contracts)}"
        )
    return contract_class(terms.type)(offer, terms, scenario)


def default_baseline(offers: Mapping[str, OfferTerms]) -> str:
    """The offer the others are compared against when none is named.

    The first offer of a reference model (paying per incident), else the first offer.

    Parameters
    ----------
    offers : mapping of str to OfferTerms
        A scenario's ``contracts`` section.

    Returns
    -------
    str
        An offer name.
    """
    if not offers:
        raise ValueError("no offers to compare")
    for name, terms in offers.items():
        if contract_class(terms.type).reference:
            return name
    return next(iter(offers))


def offer_label(offers: Mapping[str, OfferTerms], name: str) -> str:
    """How an offer is shown: its model's label when it is named after its model
    (``break_fix`` shows as ``Break-fix``), else its name as written."""
    terms = offers.get(name)
    if terms is not None and name == terms.type:
        return contract_class(terms.type).label
    return name


def offer_inline(offers: Mapping[str, OfferTerms], name: str) -> str:
    """An offer as it reads inside a sentence: a model's label in lower case
    (``flat-rate``) for an offer named after its model, else its name exactly as written."""
    shown = offer_label(offers, name)
    return shown.lower() if shown != name else name
