"""itmodels: break-fix versus flat-rate IT support, settled by simulation."""

from __future__ import annotations

from itmodels.run import Run, simulate
from itmodels.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Run", "Scenario", "ScenarioError", "load_scenario", "simulate"]

__version__ = "0.1.0"
