"""Pricing models as policy objects; :data:`CONTRACT_TYPES` maps scenario keys to them."""

from __future__ import annotations

from itmodels.contracts.base import Contract, Visit
from itmodels.contracts.break_fix import BreakFix
from itmodels.contracts.flat_rate import FlatRate

__all__ = ["CONTRACT_TYPES", "BreakFix", "Contract", "FlatRate", "Visit", "make_contract"]

CONTRACT_TYPES: dict[str, type[Contract]] = {"break_fix": BreakFix, "flat_rate": FlatRate}


def make_contract(scenario, key: str) -> Contract:
    """Build the contract called ``key`` from the scenario's ``contracts`` section.

    Raises
    ------
    ValueError
        If ``key`` is not a known contract type or is not defined in the scenario.
    """
    if key not in CONTRACT_TYPES:
        raise ValueError(f"unknown contract {key!r}; expected one of {sorted(CONTRACT_TYPES)}")
    if getattr(scenario.contracts, key, None) is None:
        raise ValueError(
            f"{scenario.source}: contracts.{key} is not defined in this scenario;"
            f" it defines {list(scenario.contracts.names())}"
        )
    return CONTRACT_TYPES[key](scenario)
