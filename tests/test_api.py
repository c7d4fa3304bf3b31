"""The public names: a curated ``__all__``, documented, and nothing else on import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import itmodels as itm

PUBLIC = {
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
    "read_assets",
    "read_invoices",
    "read_tickets",
    "provider_incentives",
    "provider_optimum",
    "run_book",
    "run_experiment",
    "scenario_names",
    "sensitivity",
    "simulate",
    "staffing",
    "sweep",
    "target_margin_fee",
}


def test_all_is_the_curated_list():
    assert set(itm.__all__) == PUBLIC
    for name in itm.__all__:
        assert getattr(itm, name) is not None


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_has_a_docstring(name):
    doc = inspect.getdoc(getattr(itm, name))
    assert doc and len(doc) > 40, name


@pytest.mark.parametrize(
    "name", ["simulate", "run_experiment", "break_even_fee", "load_scenario", "claims"]
)
def test_main_functions_document_parameters_and_examples(name):
    doc = inspect.getdoc(getattr(itm, name))
    assert "Returns" in doc and "Examples" in doc


def test_plots_and_report_load_on_first_use():
    code = "import sys, itmodels as itm; print('matplotlib' in sys.modules); itm.plots.tornado"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # importing itmodels does not load matplotlib
    assert callable(itm.report.write_bundle)
    with pytest.raises(AttributeError, match="no attribute"):
        _ = itm.no_such_thing


def test_scenario_names_lists_the_shipped_scenarios():
    names = itm.scenario_names()
    assert {"small-office", "professional-firm", "retail-shop"} <= set(names)
    for name in names:
        assert itm.load_scenario(name).name == name
