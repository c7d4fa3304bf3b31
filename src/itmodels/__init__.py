"""itmodels: break-fix versus flat-rate IT support, settled by simulation."""

from __future__ import annotations

from itmodels.experiments.book import BookResult, run_book
from itmodels.experiments.book_decisions import Migration, Staffing, book_sweep, migrate, staffing
from itmodels.experiments.claims import claims
from itmodels.experiments.decisions import (
    FeeEstimate,
    break_even_fee,
    sensitivity,
    sweep,
    target_margin_fee,
)
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.provider import (
    ProviderOptimum,
    default_levers,
    provider_incentives,
    provider_optimum,
)
from itmodels.experiments.result import ExperimentResult
from itmodels.experiments.run import Run, simulate
from itmodels.fitting.fit import Fit, fit_scenario
from itmodels.fitting.readers import read_assets, read_invoices, read_tickets
from itmodels.scenario import Scenario, ScenarioError, load_scenario
from itmodels.scenario.book import Book, load_book
from itmodels.scenario.shipped import shipped_names as scenario_names
from itmodels.scenario.size import TooManyEventsError
from itmodels.version import __version__ as __version__

__all__ = [
    "Book",
    "BookResult",
    "ExperimentResult",
    "FeeEstimate",
    "Fit",
    "Migration",
    "ProviderOptimum",
    "Run",
    "Scenario",
    "ScenarioError",
    "Staffing",
    "TooManyEventsError",
    "book_sweep",
    "break_even_fee",
    "claims",
    "default_levers",
    "fit_scenario",
    "load_book",
    "load_scenario",
    "migrate",
    "provider_incentives",
    "provider_optimum",
    "read_assets",
    "read_invoices",
    "read_tickets",
    "run_book",
    "run_experiment",
    "scenario_names",
    "sensitivity",
    "simulate",
    "staffing",
    "sweep",
    "target_margin_fee",
]


def __getattr__(name: str) -> object:
    """``itm.plots`` and ``itm.report`` are imported on first use (they load matplotlib)."""
    if name in ("plots", "report"):
        import importlib

        return importlib.import_module(
            {"plots": "itmodels.charts.plots", "report": "itmodels.reports.report"}[name]
        )
    raise AttributeError(f"module 'itmodels' has no attribute {name!r}")
