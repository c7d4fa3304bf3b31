"""Replications on common random numbers, on any executor, with a crash-safe store.

Replication ``r`` of an experiment seeded ``seed`` always uses the seed sequence
``SeedSequence(seed, spawn_key=(r,))`` (see :func:`itmodels.run.replication_seed`),
whatever executor runs it and in whatever order, so the same seed gives the same numbers
serially, on local processes or on a Dask cluster.  Work is sent in chunks of
replications; each chunk runs every contract on the same replications (paired).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from itmodels.engine.services import months
from itmodels.metrics import METRICS, MONTHLY_MONEY, compute_metrics, monthly_money
from itmodels.result import ExperimentResult
from itmodels.run import simulate
from itmodels.scenario import Scenario
from itmodels.store import ChunkStore

__all__ = ["Chunk", "run_chunk", "run_experiment"]

MONTHLY_VALUES = (*MONTHLY_MONEY, "downtime_cost")


@dataclass
class Chunk:
    """What one chunk of replications returns (plain arrays: cheap to pickle)."""

    start: int
    stop: int
    contracts: tuple[str, ...]
    metrics: np.ndarray  # (contracts * reps, len(METRICS)), contract-major
    monthly: np.ndarray  # (contracts * reps * months, len(MONTHLY_VALUES))
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = field(default_factory=dict)

    def frames(self, n_months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk's metrics and monthly rows as tidy DataFrames."""
        reps = np.arange(self.start, self.stop)
        n = len(reps)
        kind = pd.CategoricalDtype(sorted(self.contracts))
        contract = pd.Categorical(np.repeat(np.array(self.contracts, dtype=object), n), dtype=kind)
        metrics = pd.DataFrame(self.metrics, columns=list(METRICS))
        metrics.insert(0, "replication", np.tile(reps, len(self.contracts)))
        metrics.insert(0, "contract", contract)
        monthly = pd.DataFrame(self.monthly, columns=list(MONTHLY_VALUES))
        monthly.insert(0, "month", np.tile(np.arange(n_months), n * len(self.contracts)))
        monthly.insert(0, "replication", np.repeat(np.tile(reps, len(self.contracts)), n_months))
        monthly.insert(0, "contract", contract.repeat(n_months))
        return metrics, monthly


def run_chunk(
    scenario: Scenario,
    contracts: Sequence[str],
    seed: int,
    start: int,
    stop: int,
    keep_runs: bool = False,
) -> Chunk:
    """Run replications ``start .. stop-1`` of every contract (a picklable work unit).

    Parameters
    ----------
    scenario : Scenario
    contracts : sequence of str
    seed : int
    start, stop : int
        The replications to run.
    keep_runs : bool
        Also return each run's incidents and ledger DataFrames.

    Returns
    -------
    Chunk
    """
    n_months = months(scenario.horizon)
    metric_rows = []
    monthly_blocks = []
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    for contract in contracts:
        for r in range(start, stop):
            run = simulate(scenario, contract, seed, replication=r)
            downtime = [0.0] * n_months
            values = compute_metrics(scenario, run.records, monthly=downtime)
            metric_rows.append([values[m] for m in METRICS])
            money = monthly_money(run.records, n_months)
            monthly_blocks.append(np.column_stack([money, np.asarray(downtime)]))
            if keep_runs:
                runs[(contract, r)] = {"incidents": run.incidents, "ledger": run.ledger}
    return Chunk(
        start,
        stop,
        tuple(contracts),
        np.asarray(metric_rows, dtype=float).reshape(-1, len(METRICS)),
        np.concatenate(monthly_blocks) if monthly_blocks else np.empty((0, len(MONTHLY_VALUES))),
        runs,
    )


def _spans(replications: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, replications)) for a in range(0, replications, size)]


def default_chunk_size(replications: int) -> int:
    """About 40 chunks per experiment, 1 to 100 replications each."""
    return max(1, min(100, math.ceil(replications / 40)))


def run_experiment(
    scenario: Scenario,
    replications: int = 100,
    seed: int = 0,
    *,
    contracts: Sequence[str] | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
    keep_runs: bool = False,
    store: str | Path | None = None,
    resume: bool = False,
) -> ExperimentResult:
    """Run replications of every contract on common random numbers.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    replications : int
        Number of replications per contract.
    seed : int
        Seed of the experiment; replication ``r`` equals ``simulate(scenario, c, seed,
        replication=r)``.
    contracts : sequence of str, optional
        Contracts to run (default: every contract the scenario defines).
    executor : concurrent.futures.Executor, optional
        ``None`` runs serially; a ``ProcessPoolExecutor`` uses local cores; a Dask
        ``distributed.Client(...).get_executor()`` runs on a cluster.  The numbers do not
        depend on it.
    progress : bool
        Show a progress bar (``tqdm.auto``: a widget in notebooks, text in terminals).
    chunk_size : int, optional
        Replications per work unit (default: about 40 chunks in all, at most 100 each).
    keep_runs : bool
        Keep every run's incidents and ledger (memory grows with replications).
    store : str or Path, optional
        A folder to which each finished chunk is written at once (atomically), so a run
        that is killed loses nothing finished.
    resume : bool
        With ``store``: continue a killed run, recomputing nothing already stored.

    Returns
    -------
    ExperimentResult

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> res = itm.run_experiment(scn, replications=4, seed=7, progress=False)
    >>> sorted(res.metrics["contract"].unique())
    ['break_fix', 'flat_rate']
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ValueError(f"replications must be a positive integer, got {replications!r}")
    names = tuple(contracts) if contracts is not None else scenario.contracts.names()
    for name in names:
        if getattr(scenario.contracts, name, None) is None:
            raise ValueError(
                f"contract {name!r} is not defined in scenario {scenario.name!r};"
                f" it defines {list(scenario.contracts.names())}"
            )
    size = default_chunk_size(replications) if chunk_size is None else chunk_size
    if size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {size}")
    if resume and store is None:
        raise ValueError("resume=True needs store= (the folder of the run to continue)")
    box = None
    if store is not None:
        box = ChunkStore.open(store, scenario, seed, names, replications, size, resume=resume)
    n_months = months(scenario.horizon)
    done: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    if box is not None:
        done.update(box.load())
    todo = [span for span in _spans(replications, size) if span not in done]
    bar = _progress(progress, replications, sum(b - a for a, b in done))

    def finish(chunk: Chunk) -> None:
        frames = chunk.frames(n_months)
        if box is not None:
            box.write(chunk.start, chunk.stop, *frames)
        done[(chunk.start, chunk.stop)] = frames
        runs.update(chunk.runs)
        if bar is not None:
            bar.update(chunk.stop - chunk.start)

    try:
        if executor is None:
            for a, b in todo:
                finish(run_chunk(scenario, names, seed, a, b, keep_runs))
        else:
            futures = [
                executor.submit(run_chunk, scenario, names, seed, a, b, keep_runs) for a, b in todo
            ]
            for future in as_completed(futures):
                finish(future.result())
    finally:
        if bar is not None:
            bar.close()
    metrics = pd.concat([done[span][0] for span in sorted(done)], ignore_index=True)
    monthly = pd.concat([done[span][1] for span in sorted(done)], ignore_index=True)
    return ExperimentResult.from_frames(
        scenario, seed, names, metrics, monthly, runs=runs if keep_runs else None
    )


def _progress(enabled: bool, total: int, initial: int):
    """A progress bar: a widget in notebooks that have ipywidgets, else text on stderr."""
    if not enabled:
        return None
    try:
        import ipywidgets  # noqa: F401 - only to know whether tqdm can draw a widget
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm
    return tqdm(total=total, initial=initial, unit="rep", desc="replications", leave=False)
