"""Scenarios: units, distributions, business hours, the section models, loading, overrides.

Everything here reads and checks what the user wrote; nothing here simulates or bills.
The names below come from :mod:`itmodels.scenario.loading`, imported on first use: the
scenario document validates its ``contracts:`` against the pricing models, which are
built from this package's building blocks (:mod:`~itmodels.scenario.sections`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itmodels.scenario.loading import (
        PRIORITIES,
        BackgroundLoad,
        Branding,
        BusinessHoursField,
        Client,
        CreditBand,
        DeferralTerms,
        DeviceClass,
        FieldProblem,
        HourlyRate,
        IncidentStream,
        Maintenance,
        MaintenanceTask,
        Monitoring,
        Neglect,
        Offers,
        Priority,
        Provider,
        Scenario,
        ScenarioError,
        Sla,
        WarningPhase,
        load_scenario,
        scenario_from_mapping,
    )

__all__ = [
    "PRIORITIES",
    "BackgroundLoad",
    "Branding",
    "BusinessHoursField",
    "Client",
    "CreditBand",
    "DeferralTerms",
    "DeviceClass",
    "FieldProblem",
    "HourlyRate",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "Offers",
    "Priority",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Sla",
    "WarningPhase",
    "load_scenario",
    "scenario_from_mapping",
]


def __getattr__(name: str) -> object:
    if name in __all__:
        return getattr(importlib.import_module("itmodels.scenario.loading"), name)
    raise AttributeError(f"module 'itmodels.scenario' has no attribute {name!r}")
