"""Saved results and the crash-safe chunk store: kill a run, resume it, lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import itmodels as itm

REPS = 24
SCRIPT = """
import sys
import itmodels as itm
scn = itm.load_scenario("small-office").override({"horizon": "6mo"})
itm.run_experiment(scn, replications=%d, seed=5, chunk_size=1, progress=False, store=sys.argv[1])
"""


@pytest.fixture(scope="module")
def office() -> itm.Scenario:
    return itm.load_scenario("small-office").override({"horizon": "6mo"})


def _chunk_files(store: Path) -> list[Path]:
    return sorted((store / "chunks").glob("*.metrics.parquet"))


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, office):
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT % REPS, str(store)])
    try:
        deadline = time.monotonic() + 120
        while len(_chunk_files(store)) < REPS // 3:
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no chunk was written in time"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in _chunk_files(store)}
    assert 0 < len(before) < REPS

    resumed = itm.run_experiment(
        office, REPS, seed=5, chunk_size=1, progress=False, store=store, resume=True
    )
    whole = itm.run_experiment(office, REPS, seed=5, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(resumed.metrics, whole.metrics)
    pd.testing.assert_frame_equal(resumed.monthly, whole.monthly)
    for path, stamp in before.items():  # nothing finished was recomputed
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    assert len(_chunk_files(store)) == REPS


def test_a_store_refuses_to_mix_experiments(tmp_path, office):
    store = tmp_path / "s"
    itm.run_experiment(office, 2, seed=1, progress=False, store=store)
    with pytest.raises(FileExistsError, match="resume=True"):
        itm.run_experiment(office, 2, seed=1, progress=False, store=store)
    with pytest.raises(ValueError, match="seed"):
        itm.run_experiment(office, 2, seed=2, progress=False, store=store, resume=True)
    again = itm.run_experiment(office, 2, seed=1, progress=False, store=store, resume=True)
    assert len(again.metrics) == 4


def test_parquet_round_trip(tmp_path, office):
    res = itm.run_experiment(office, 3, seed=4, progress=False)
    path = res.to_parquet(tmp_path / "saved")
    back = itm.ExperimentResult.read_parquet(path)
    pd.testing.assert_frame_equal(back.metrics, res.metrics)
    pd.testing.assert_frame_equal(back.monthly, res.monthly)
    assert back.scenario == res.scenario.model_copy(update={"source": back.scenario.source})
    assert back.seed == 4 and back.contracts == res.contracts
    assert [p.name for p in tmp_path.iterdir()] == ["saved"]  # no temporary left behind


def test_saving_never_leaves_a_folder_that_looks_complete(tmp_path, office, monkeypatch):
    res = itm.run_experiment(office, 2, seed=4, progress=False)
    res.to_parquet(tmp_path / "saved")
    with pytest.raises(FileExistsError):
        res.to_parquet(tmp_path / "saved")
    res.to_parquet(tmp_path / "saved", overwrite=True)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        res.to_parquet(tmp_path / "crashed")
    assert not (tmp_path / "crashed").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]


def test_reading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved experiment"):
        itm.ExperimentResult.read_parquet(tmp_path)
