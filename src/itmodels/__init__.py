"""itmodels: break-fix versus flat-rate IT support, settled by simulation."""

from __future__ import annotations

from itmodels.experiment import run_experiment
from itmodels.result import ExperimentResult
from itmodels.run import Run, simulate
from itmodels.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "ExperimentResult",
    "Run",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_experiment",
    "simulate",
]

__version__ = "0.1.0"
