"""Saved results and the crash-safe chunk store: kill a run, resume it, lose nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from itmodels.experiments.experiment import MONTHLY_VALUES
from itmodels.experiments.metrics import METRICS
from itmodels.experiments.store import ChunkStore, DamagedChunkWarning, StoreError, StoreInUseError

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
    return sorted((store / "chunks").glob("*.chunk"))


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, office):
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT % REPS, str(store)])
    try:
        deadline = time.monotonic() + 120
        while len(_chunk_files(store)) < REPS // 3:
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no chunk was written in time"
            time.sleep(0.02)
        with pytest.raises(StoreInUseError, match=f"process {proc.pid}"):  # a second writer
            itm.run_experiment(office, REPS, 5, chunk_size=1, store=store, resume=True)
        assert proc.poll() is None
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


# --- the store checks what it reads ------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> itm.Scenario:
    return itm.load_scenario("small-office").override({"horizon": "1mo"})


@pytest.fixture(scope="module")
def tiny_whole(tiny) -> itm.ExperimentResult:
    return itm.run_experiment(tiny, 4, seed=3, chunk_size=1, progress=False)


def _run(scn, store, resume=False, seed=3, reps=4):
    return itm.run_experiment(
        scn, reps, seed=seed, chunk_size=1, progress=False, store=store, resume=resume
    )


def _same(res, whole) -> None:
    pd.testing.assert_frame_equal(res.metrics, whole.metrics)
    pd.testing.assert_frame_equal(res.monthly, whole.monthly)


def test_chunks_in_a_folder_without_meta_are_never_adopted(tmp_path, tiny, tiny_whole):
    other = tmp_path / "other"
    _run(tiny.override({"client.users": 30}), other)  # another scenario's chunks
    (other / "meta.json").unlink()
    for resume in (False, True):
        with pytest.raises(FileExistsError, match=r"chunks.*but no meta\.json"):
            _run(tiny, other, resume=resume)
    loose = tmp_path / "loose"  # chunk files copied into a folder of their own
    shutil.copytree(other / "chunks", loose / "chunks")
    with pytest.raises(FileExistsError, match=r"no meta\.json"):
        _run(tiny, loose)
    assert sorted(p.name for p in loose.iterdir()) == ["chunks"]  # nothing was touched
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt"):
        _run(tiny, user)
    assert [p.name for p in user.iterdir()] == ["notes.txt"]
    _same(_run(tiny, tmp_path / "new"), tiny_whole)


def test_a_swapped_extra_or_foreign_chunk_stops_the_resume(tmp_path, tiny):
    store = tmp_path / "s"
    _run(tiny, store)
    files = _chunk_files(store)
    assert len(files) == 4
    a, b = files[0].read_bytes(), files[1].read_bytes()
    files[0].write_bytes(b)
    files[1].write_bytes(a)  # two chunks swapped
    with pytest.raises(StoreError, match=rf"{files[0].name}.*renamed or copied"):
        _run(tiny, store, resume=True)
    files[0].write_bytes(a)
    files[1].write_bytes(b)
    extra = store / "chunks" / "0000000000-0000000002.chunk"  # a span this run never has
    extra.write_bytes(a)
    with pytest.raises(StoreError, match=rf"{extra.name}: not a chunk of this experiment"):
        _run(tiny, store, resume=True)
    extra.unlink()
    foreign = tmp_path / "f"
    _run(tiny, foreign, seed=4)  # same spans, another experiment
    files[2].write_bytes(_chunk_files(foreign)[2].read_bytes())
    with pytest.raises(StoreError, match=rf"{files[2].name}.*another experiment"):
        _run(tiny, store, resume=True)


def test_no_bit_flip_gives_silently_different_numbers(tmp_path, tiny, tiny_whole):
    store = tmp_path / "s"
    _run(tiny, store)
    target = _chunk_files(store)[1]
    good = target.read_bytes()
    header = good.index(b"\n")
    rng = np.random.default_rng(0)
    # header, payload and checksum; 30 bits at random plus the edges of each part
    positions = [0, header - 1, header, header + 1, len(good) - 33, len(good) - 32, len(good) - 1]
    positions += sorted(rng.integers(0, len(good), 30).tolist())
    for pos in positions:
        flipped = bytearray(good)
        flipped[pos] ^= 1 << int(rng.integers(8))
        target.write_bytes(bytes(flipped))
        with pytest.warns(DamagedChunkWarning, match=rf"{target.name}: damaged chunk"):
            res = _run(tiny, store, resume=True)
        _same(res, tiny_whole)
        assert target.read_bytes() == good  # recomputed and stored again
        kept = target.with_name(target.name + ".damaged")
        assert kept.read_bytes() == bytes(flipped)  # kept for inspection, not deleted
        kept.unlink()
    target.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.warns(DamagedChunkWarning):
        _same(_run(tiny, store, resume=True), tiny_whole)


def test_a_damaged_meta_json_is_a_clear_error(tmp_path, tiny):
    store = tmp_path / "s"
    _run(tiny, store)
    meta = store / "meta.json"
    good = meta.read_bytes()
    rng = np.random.default_rng(1)
    for pos in rng.integers(0, len(good), 20):
        flipped = bytearray(good)
        flipped[pos] ^= 1 << int(rng.integers(8))
        meta.write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match=r"meta\.json"):  # StoreError is a ValueError
            _run(tiny, store, resume=True)
    meta.write_bytes(good)
    _run(tiny, store, resume=True)


def test_temporary_files_left_by_a_kill_are_removed(tmp_path, tiny, tiny_whole):
    store = tmp_path / "s"
    _run(tiny, store)
    stale = [
        store / "chunks" / ".0000000001-0000000002.chunk.k3j2.tmp",
        store / ".meta.json.x81.tmp",
    ]
    for path in stale:
        path.write_bytes(b"half a file")
    _same(_run(tiny, store, resume=True), tiny_whole)
    assert not any(p.exists() for p in stale)
    started = tmp_path / "started"  # killed after taking the lock, before meta.json
    (started / "chunks").mkdir(parents=True)
    (started / "lock").write_text("12345\n")
    (started / "chunks" / ".0000000000-0000000001.chunk.ab.tmp").write_bytes(b"x")
    _same(_run(tiny, started), tiny_whole)
    assert not list((started / "chunks").glob(".*"))


def test_a_second_writer_is_refused(tmp_path, tiny, tiny_whole):
    store = tmp_path / "s"
    names = tiny.contracts.names()
    with ChunkStore.open(
        store, tiny, 3, names, 4, 1, resume=False, columns=(METRICS, MONTHLY_VALUES), months=1
    ):
        for resume in (True, False):
            with pytest.raises(StoreInUseError, match=rf"another running experiment \(process"
                               rf" {os.getpid()}\).*wait for it to finish"):  # fmt: skip
                _run(tiny, store, resume=resume)
    _same(_run(tiny, store, resume=True), tiny_whole)  # the lock went with its holder
