"""Scenarios: units, distributions, business hours, the section models, loading, overrides.

Everything here reads and checks what the user wrote; nothing here simulates or bills.
"""

from __future__ import annotations

from itmodels.scenario.loading import (
    PRIORITIES,
    BackgroundLoad,
    Branding,
    BreakFixTerms,
    BusinessHoursField,
    Client,
    Contracts,
    CreditBand,
    DeferralTerms,
    DeviceClass,
    FieldProblem,
    FlatRateTerms,
    HourlyRate,
    IncidentStream,
    Maintenance,
    MaintenanceTask,
    Monitoring,
    Neglect,
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
    "BreakFixTerms",
    "BusinessHoursField",
    "Client",
    "Contracts",
    "CreditBand",
    "DeferralTerms",
    "DeviceClass",
    "FieldProblem",
    "FlatRateTerms",
    "HourlyRate",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "Priority",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Sla",
    "WarningPhase",
    "load_scenario",
    "scenario_from_mapping",
]
