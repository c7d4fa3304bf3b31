"""itmodels: break-fix versus flat-rate IT support, settled by simulation."""

from __future__ import annotations

from itmodels.claims import claims
from itmodels.decisions import (
    FeeEstimate,
    break_even_fee,
    sensitivity,
    sweep,
    target_margin_fee,
)
from itmodels.experiment import run_experiment
from itmodels.result import ExperimentResult
from itmodels.run import Run, simulate
from itmodels.scenario import Scenario, ScenarioError, load_scenario
from itmodels.scenario_size import TooManyEventsError
from itmodels.shipped import shipped_names as scenario_names

__all__ = [
    "ExperimentResult",
    "FeeEstimate",
    "Run",
    "Scenario",
    "ScenarioError",
    "TooManyEventsError",
    "break_even_fee",
    "claims",
    "load_scenario",
    "run_experiment",
    "scenario_names",
    "sensitivity",
    "simulate",
    "sweep",
    "target_margin_fee",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``itm.plots`` and ``itm.report`` are imported on first use (they load matplotlib)."""
    if name in ("plots", "report"):
        import importlib

        return importlib.import_module(f"itmodels.{name}")
    raise AttributeError(f"module 'itmodels' has no attribute {name!r}")
