"""The garbage collector during a run: fewer passes, thresholds put back, nothing kept."""

from __future__ import annotations

import gc

import pytest

import itmodels as itm
from itmodels.engine import collection
from itmodels.engine.collection import RUN_THRESHOLDS, fewer_collections


def _young_passes(scn: itm.Scenario) -> int:
    before = gc.get_stats()[0]["collections"]
    itm.simulate(scn, "break_fix", seed=3)
    return gc.get_stats()[0]["collections"] - before


def test_a_run_makes_far_fewer_collector_passes_and_puts_the_thresholds_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # work that outgrows the technicians: thousands of incidents wait, alive, at once
    scn = itm.load_scenario("small-office").override(
        {"client.users": 1000, "provider.technicians": 1, "horizon": "6mo"}
    )
    old = gc.get_threshold()
    with_raised = _young_passes(scn)
    assert gc.get_threshold() == old
    # the same run with Python's default thresholds inside the run
    monkeypatch.setattr(collection, "RUN_THRESHOLDS", (700, 10, 10))
    gc.set_threshold(700, 10, 10)
    try:
        with_defaults = _young_passes(scn)
    finally:
        gc.set_threshold(*old)
    print(f"[gc] young-generation passes in one run: {with_raised} vs {with_defaults}")
    assert with_defaults >= 10 * max(with_raised, 1)


def test_the_thresholds_come_back_after_an_error_and_a_disabled_collector_stays_off() -> None:
    old = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold()[0] >= RUN_THRESHOLDS[0]
        raise RuntimeError("inside the run")
    assert gc.get_threshold() == old
    gc.set_threshold(0)
    try:
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*old)


def test_the_numbers_do_not_depend_on_the_collector() -> None:
    scn = itm.load_scenario("small-office").override({"horizon": "1y"})
    raised = itm.simulate(scn, "flat_rate", seed=5).metrics
    gc.disable()
    try:
        off = itm.simulate(scn, "flat_rate", seed=5).metrics
    finally:
        gc.enable()
    assert raised.equals(off)
