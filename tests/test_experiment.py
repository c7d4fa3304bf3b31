"""Replications, common random numbers, executors, and the statistics over them."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import distributed
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import itmodels as itm
from itmodels.experiments.experiment import local_pool
from itmodels.experiments.metrics import METRICS


@pytest.fixture(scope="module")
def office() -> itm.Scenario:
    """The default shipped scenario, shortened so that replications are cheap."""
    return itm.load_scenario("small-office").override({"horizon": "6mo"})


@pytest.fixture(scope="module")
def result(office: itm.Scenario) -> itm.ExperimentResult:
    return itm.run_experiment(office, replications=12, seed=11, progress=False, chunk_size=5)


def test_metrics_rows_are_one_per_contract_and_replication_in_order(result):
    m = result.metrics
    assert list(m.columns) == ["contract", "replication", *METRICS]
    assert len(m) == 24
    expected = [(c, r) for c in ("break_fix", "flat_rate") for r in range(12)]
    assert list(zip(m["contract"], m["replication"], strict=True)) == expected


def test_a_replication_equals_simulate_with_that_replication(office, result):
    run = itm.simulate(office, "flat_rate", seed=11, replication=7)
    row = result.metrics.query("contract == 'flat_rate' and replication == 7").iloc[0]
    np.testing.assert_array_equal(row[list(METRICS)].to_numpy(float), run.metrics.to_numpy())


def test_monthly_rows_add_up_to_the_metrics(result):
    mo = result.monthly
    assert len(mo) == 24 * 6  # 6 months of the horizon
    sums = mo.groupby(["contract", "replication"])[["client_cash", "downtime_cost"]].sum()
    m = result.metrics.set_index(["contract", "replication"])
    np.testing.assert_allclose(sums["client_cash"], m["client_cash_cost"], rtol=1e-9)
    np.testing.assert_allclose(sums["downtime_cost"], m["downtime_cost"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(sums["client_cash"], mo.groupby(["contract", "replication"])[
        "provider_revenue"].sum(), rtol=1e-12)  # fmt: skip


def test_chunking_does_not_change_the_numbers(office, result):
    other = itm.run_experiment(office, replications=12, seed=11, progress=False, chunk_size=12)
    pd.testing.assert_frame_equal(other.metrics, result.metrics)
    pd.testing.assert_frame_equal(other.monthly, result.monthly)


def test_a_different_seed_gives_different_numbers(office, result):
    other = itm.run_experiment(office, replications=12, seed=12, progress=False)
    assert not np.array_equal(
        other.metrics["client_total_cost"].to_numpy(), result.metrics["client_total_cost"]
    )


def _occupy(port: int) -> socket.socket | None:
    """Hold ``port`` on every interface, as another program would (None: already held)."""
    sock = socket.socket()
    try:
        sock.bind(("", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


def test_process_pool_and_dask_give_the_serial_numbers(office, result):
    with ProcessPoolExecutor(max_workers=2) as pool:
        by_pool = itm.run_experiment(
            office, replications=12, seed=11, executor=pool, progress=False, chunk_size=5
        )
    pd.testing.assert_frame_equal(by_pool.metrics, result.metrics)
    pd.testing.assert_frame_equal(by_pool.monthly, result.monthly)
    with local_pool(2) as pool:
        by_local = itm.run_experiment(
            office, replications=12, seed=11, executor=pool, progress=False, chunk_size=2
        )
    pd.testing.assert_frame_equal(by_local.metrics, result.metrics)

    # Dask's default ports (8786, 8787) may be taken: the cluster must bind none of them.
    held = [_occupy(8787), _occupy(8786)]
    try:
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True,
                dashboard_address=":0", scheduler_port=0,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):  # fmt: skip
            by_dask = itm.run_experiment(
                office,
                replications=12,
                seed=11,
                executor=client.get_executor(),
                progress=False,
                chunk_size=3,
            )
    finally:
        for sock in held:
            if sock is not None:
                sock.close()
    pd.testing.assert_frame_equal(by_dask.metrics, result.metrics)
    pd.testing.assert_frame_equal(by_dask.monthly, result.monthly)


def test_adding_an_incident_stream_leaves_device_lives_unchanged(office):
    # Ample technicians: restoration depends only on each device's own draws, so the
    # hardware failure times can only differ if a new stream shifted a device's stream.
    ample = office.override({"provider.technicians": 50, "provider.background_load": None})
    data = ample.model_dump(mode="json", exclude_none=True)
    without = itm.Scenario.model_validate({**data, "incident_streams": []})
    for contract in ("break_fix", "flat_rate"):
        a = itm.simulate(ample, contract, seed=3).incidents
        b = itm.simulate(without, contract, seed=3).incidents
        hw_a = a[a.kind == "hardware"].sort_values("occurred")[["source", "device", "occurred"]]
        hw_b = b[b.kind == "hardware"].sort_values("occurred")[["source", "device", "occurred"]]
        assert len(hw_a) > 0
        pd.testing.assert_frame_equal(hw_a.reset_index(drop=True), hw_b.reset_index(drop=True))


def test_keep_runs_returns_every_incident_log_and_ledger(office):
    res = itm.run_experiment(office, replications=2, seed=1, progress=False, keep_runs=True)
    assert set(res.runs) == {(c, r) for c in ("break_fix", "flat_rate") for r in range(2)}
    ledger = res.runs[("flat_rate", 1)]["ledger"]
    cash = res.metrics.query("contract == 'flat_rate' and replication == 1")["client_cash_cost"]
    paid = ledger.loc[ledger.payer == "client", "amount"].sum()
    refunded = ledger.loc[ledger.payee == "client", "amount"].sum()
    assert paid - refunded == pytest.approx(float(cash.iloc[0]), rel=1e-12)
    assert itm.run_experiment(office, replications=2, seed=1, progress=False).runs is None


def test_progress_bar_is_shown_and_can_be_switched_off(office, capsys):
    itm.run_experiment(office, replications=2, seed=1, progress=True)
    assert "replications" in capsys.readouterr().err
    itm.run_experiment(office, replications=2, seed=1, progress=False)
    assert capsys.readouterr().err == ""


def test_summary_matches_an_independent_t_interval(result):
    table = result.summary()
    x = result.metrics.query("contract == 'break_fix'")["client_total_cost"].to_numpy()
    row = table.loc[("break_fix", "client_total_cost")]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    assert row["p5"] <= row["p50"] <= row["p95"]
    assert row["n"] == 12
    assert set(table.index.get_level_values("metric")) == set(METRICS)


def test_compare_gives_paired_differences(result):
    table = result.compare()
    m = result.metrics.set_index(["contract", "replication"])["client_total_cost"]
    d = (m["flat_rate"] - m["break_fix"]).to_numpy()
    row = table.loc["client_total_cost"]
    assert row["mean"] == pytest.approx(d.mean(), rel=1e-9)
    assert row["share_lower"] == pytest.approx((d < 0).mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    with pytest.raises(ValueError, match="no replications"):
        result.compare(baseline="block_hours")


@pytest.mark.parametrize("name", ["small-office", "professional-firm", "retail-shop"])
def test_pairing_narrows_the_interval_on_shipped_scenarios(name):
    scn = itm.load_scenario(name).override({"horizon": "1y"})
    res = itm.run_experiment(scn, replications=10, seed=5, progress=False)
    paired = res.compare().loc["client_total_cost"]
    unpaired = res.compare(paired=False).loc["client_total_cost"]
    assert paired["mean"] == pytest.approx(unpaired["mean"], rel=1e-9)
    ratio = (paired["ci_high"] - paired["ci_low"]) / (unpaired["ci_high"] - unpaired["ci_low"])
    assert ratio < 1.0, f"{name}: paired/unpaired width ratio {ratio:.2f}"


def test_budget_table_matches_the_monthly_rows(result):
    table = result.budget()
    x = result.monthly.query("contract == 'flat_rate'")["client_cash"].to_numpy()
    row = table.loc["flat_rate"]
    assert row["mean_month"] == pytest.approx(x.mean())
    assert row["worst_month"] == pytest.approx(x.max())
    assert row["p95_month"] == pytest.approx(np.percentile(x, 95))
    assert row["worst_month"] >= row["p95_month"] >= 0


def test_repr_names_the_scenario_and_counts(result):
    text = repr(result)
    assert "small-office" in text and "12 replications" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0}, "replications"),
        ({"replications": 2, "contracts": ("block_hours",)}, "not defined"),
        ({"replications": 2, "resume": True}, "store"),
        ({"replications": 2, "chunk_size": -1}, "chunk_size"),
    ],
)
def test_bad_arguments_are_refused(office, kwargs, message):
    with pytest.raises(ValueError, match=message):
        itm.run_experiment(office, seed=1, progress=False, **kwargs)


def test_level_out_of_range_is_refused(result):
    with pytest.raises(ValueError, match="level"):
        result.summary(level=1.5)
    assert math.isfinite(result.summary(level=0.9).loc[("flat_rate", "incidents"), "ci_low"])


# --- lazy submission, interrupts and the local pool ---------------------------------------


class InterruptingPool(ThreadPoolExecutor):
    """Two threads; records how many submitted chunks are unfinished at each submission,
    and raises KeyboardInterrupt (as Ctrl-C would) at submission number ``stop_at``."""

    def __init__(self, stop_at: int) -> None:
        super().__init__(max_workers=2)
        self.stop_at = stop_at
        self.futures: list = []
        self.unfinished: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        self.unfinished.append(sum(not f.done() for f in self.futures))
        if len(self.futures) + 1 == self.stop_at:
            self.finished_at_interrupt = sum(f.done() for f in self.futures)
            raise KeyboardInterrupt
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future


def test_chunks_are_submitted_lazily_and_an_interrupt_cancels_the_queue(tmp_path):
    scn = itm.load_scenario("small-office").override({"horizon": "1mo"})
    pool = InterruptingPool(stop_at=9)
    with pool, pytest.raises(KeyboardInterrupt):  # a million spans: none made up front
        itm.run_experiment(scn, 10**6, seed=2, chunk_size=1, executor=pool, progress=False)
    assert len(pool.futures) == 8
    assert max(pool.unfinished) <= 4  # two chunks per worker at most
    assert all(f.done() for f in pool.futures)  # nothing queued was left to run

    store = tmp_path / "s"
    pool = InterruptingPool(stop_at=9)
    with pool, pytest.raises(KeyboardInterrupt):
        itm.run_experiment(scn, 12, 2, chunk_size=1, executor=pool, progress=False, store=store)
    ran = [f for f in pool.futures if not f.cancelled()]
    stored = sorted((store / "chunks").glob("*.chunk"))
    assert 0 < pool.finished_at_interrupt <= len(stored) <= len(ran)  # finished ones are kept
    stamps = {p: p.stat().st_mtime_ns for p in stored}
    resumed = itm.run_experiment(scn, 12, 2, chunk_size=1, progress=False, store=store, resume=True)
    whole = itm.run_experiment(scn, 12, 2, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(resumed.metrics, whole.metrics)
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie nobody reaps counts as exited)."""
    if Path("/proc/self/stat").exists():  # Linux: read the state, Z is a zombie
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
        except FileNotFoundError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_for(condition, bound: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail after ``bound`` seconds (a hang, not speed)."""
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


class Output:
    """Collect a pipe's bytes in a thread (so the child never blocks on a full pipe)."""

    def __init__(self, pipe) -> None:
        self.data = b""
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def _read(self, pipe) -> None:
        for chunk in iter(lambda: pipe.read1(4096), b""):
            self.data += chunk


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and children inherit that.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("target", ["process group", "parent only"])
def test_ctrl_c_stops_compare_with_jobs_promptly(tmp_path, target):
    # Ctrl-C in a terminal signals the whole process group; `kill -INT` only the parent.
    command = [sys.executable, "-m", "itmodels", "compare", "-n", "100000", "--jobs", "2",
               "--out", str(tmp_path / "out")]  # fmt: skip
    with subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_sigint,
    ) as proc:
        err = Output(proc.stderr)
        _interrupt(proc, err, target)
    assert proc.returncode == 130
    assert b"interrupted; nothing was written" in err.data, err.data[-2000:]
    assert b"Traceback" not in err.data, err.data[-2000:]
    assert not (tmp_path / "out").exists()

    def group_empty() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    _wait_for(group_empty, 30, "worker processes outlived the interrupted command")


def _interrupt(proc: subprocess.Popen, err: Output, target: str) -> None:
    try:
        _wait_for(lambda: b"replications" in err.data, 120, "the run never started")
        time.sleep(1.0)  # the workers are busy with their first chunks
        assert proc.poll() is None
        if target == "parent only":
            os.kill(proc.pid, signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)  # a bound on a hang; without the fix this runs for hours
        err.join()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


KILLED_PARENT = """
import multiprocessing, sys, time
import itmodels as itm
from itmodels.experiments.experiment import local_pool
scn = itm.load_scenario("small-office").override({"horizon": "1mo"})
with local_pool(2) as pool:
    for f in [pool.submit(time.sleep, 0.3) for _ in range(4)]:
        f.result()
    print(*[p.pid for p in multiprocessing.active_children()], flush=True)
    itm.run_experiment(scn, 10**6, seed=1, chunk_size=1, executor=pool, progress=False)
"""


def test_pool_workers_exit_when_their_parent_is_killed():
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT], stdout=subprocess.PIPE, start_new_session=True
    ) as proc:
        _kill_parent(proc)


def _kill_parent(proc: subprocess.Popen) -> None:
    workers: list[int] = []
    try:
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(workers) == 2
        time.sleep(1.0)  # the workers are busy with chunks
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _wait_for(lambda: all(_gone(pid) for pid in workers), 30, "workers outlived the parent")
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_local_pool_refuses_a_bad_job_count():
    with pytest.raises(ValueError, match="jobs"):
        local_pool(0)
