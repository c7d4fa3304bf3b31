"""Replications on common random numbers, on any executor, with a crash-safe store.

Replication ``r`` of an experiment seeded ``seed`` always uses the seed sequence
``SeedSequence(seed, spawn_key=(r,))`` (see :func:`itmodels.experiments.run.replication_seed`),
whatever executor runs it and in whatever order, so the same seed gives the same numbers
serially, on local processes or on a Dask cluster.  Work is sent in chunks of
replications; each chunk runs every contract on the same replications (paired).

Chunks are submitted lazily, at most two per worker in flight, so a huge run costs no
memory up front and an interrupt (Ctrl-C) cancels everything queued at once.  For local
processes use :func:`local_pool`: its workers leave Ctrl-C to the parent, are stopped at
once when the parent is interrupted, and exit by themselves if the parent dies.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd

from itmodels.engine.records import BillingLog
from itmodels.engine.services import months
from itmodels.experiments.metrics import METRICS, MONTHLY_MONEY, compute_metrics, monthly_money
from itmodels.experiments.result import ExperimentResult
from itmodels.experiments.run import run_replication
from itmodels.experiments.store import ChunkStore
from itmodels.scenario import Scenario
from itmodels.scenario.size import check_size

__all__ = [
    "MONTHLY_VALUES",
    "Chunk",
    "LocalPool",
    "default_chunk_size",
    "local_pool",
    "run_chunk",
    "run_experiment",
]

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
    billing: dict[tuple[str, int], BillingLog] = field(default_factory=dict)

    def frames(self, n_months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk's metrics and monthly rows as tidy DataFrames."""
        reps = np.arange(self.start, self.stop)
        n = len(reps)
        kind = pd.CategoricalDtype(list(self.contracts))
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
    keep_billing: bool = False,
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
    keep_billing : bool
        Also return each run's billing log, to bill it again under other bill terms
        (see :mod:`itmodels.experiments.reprice`).

    Returns
    -------
    Chunk
    """
    n_months = months(scenario.horizon)
    metric_rows = []
    monthly_blocks = []
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    billing: dict[tuple[str, int], BillingLog] = {}
    for contract in contracts:
        for r in range(start, stop):
            run = run_replication(scenario, contract, seed, r)
            downtime = [0.0] * n_months
            values = compute_metrics(scenario, run.records, monthly=downtime)
            metric_rows.append([values[m] for m in METRICS])
            money = monthly_money(run.records, n_months)
            monthly_blocks.append(np.column_stack([money, np.asarray(downtime)]))
            if keep_runs:
                runs[(contract, r)] = {"incidents": run.incidents, "ledger": run.ledger}
            if keep_billing and run.records.billing is not None:
                billing[(contract, r)] = run.records.billing.frozen()
    return Chunk(
        start,
        stop,
        tuple(contracts),
        np.asarray(metric_rows, dtype=float).reshape(-1, len(METRICS)),
        np.concatenate(monthly_blocks) if monthly_blocks else np.empty((0, len(MONTHLY_VALUES))),
        runs,
        billing,
    )


def _spans(replications: int, size: int) -> Iterator[tuple[int, int]]:
    return ((a, min(a + size, replications)) for a in range(0, replications, size))


def _workers(executor: Executor) -> int:
    """How many chunks ``executor`` runs at once (process/thread pools, Dask executors)."""
    n = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    if n is None and client is not None:
        n = sum(client.nthreads().values())
    return max(1, int(n or os.cpu_count() or 1))


def _drain(
    submit: Callable[[int, int], Future],
    spans: Iterable[tuple[int, int]],
    finish: Callable[[Chunk], None],
    in_flight: int,
) -> None:
    """Submit spans as slots free up (never more than ``in_flight`` at once).

    On any exception (Ctrl-C too) every pending chunk is cancelled; on Ctrl-C the chunks
    that have already finished are still handed to ``finish`` (stored), then it re-raises.
    """
    spans = iter(spans)
    pending: set[Future] = set()
    ready: set[Future] = set()
    try:
        while True:
            pending.update(
                submit(a, b) for a, b in itertools.islice(spans, in_flight - len(pending))
            )
            if not pending:
                return
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            while ready:
                finish(ready.pop().result())
    except BaseException as exc:
        for future in pending:
            future.cancel()
        if isinstance(exc, KeyboardInterrupt):
            for future in ready | pending:
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(future.result())
        raise


def _watch_parent(parent: int, poll: float) -> None:
    """End this worker process once its parent is gone (a daemon thread's loop)."""
    parent_process = multiprocessing.parent_process()
    while True:
        threading.Event().wait(poll)
        gone = os.getppid() != parent  # POSIX: an orphan is adopted by another process
        if parent_process is not None and not parent_process.is_alive():
            gone = True  # Windows: the parent's process handle is signalled
        if gone:
            os._exit(1)


def _worker_setup(poll: float) -> None:
    """Pool initializer: leave Ctrl-C to the parent, and exit when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    thread = threading.Thread(
        target=_watch_parent, args=(os.getppid(), poll), name="itmodels-parent-watch", daemon=True
    )
    thread.start()


class LocalPool(ProcessPoolExecutor):
    """A process pool whose workers cannot outlive an interrupted or dead parent.

    Made by :func:`local_pool`.  Workers ignore SIGINT (Ctrl-C reaches the whole process
    group; the parent alone decides what to do).  Leaving a ``with`` block by an exception,
    Ctrl-C included, calls :meth:`stop`: queued work is cancelled and the workers are ended
    at once instead of finishing their running chunks.  Each worker also runs a daemon
    thread that checks every ``poll`` seconds whether its parent is gone and then exits
    (POSIX: its parent process id changes when it is orphaned; Windows: the parent's
    process handle is signalled), so a SIGKILLed parent leaves no workers behind.
    """

    def __init__(self, max_workers: int, poll: float = 0.25) -> None:
        super().__init__(max_workers=max_workers, initializer=_worker_setup, initargs=(poll,))

    def stop(self) -> None:
        """Cancel queued work and end the workers now, without waiting for running chunks."""
        terminate = getattr(super(), "terminate_workers", None)  # Python 3.14+
        if terminate is not None:  # pragma: no cover - newer Pythons
            terminate()
            return
        workers = list((self._processes or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            if process.is_alive():
                process.terminate()
        for process in workers:
            process.join()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is None:
            return bool(super().__exit__(exc_type, exc, tb))
        self.stop()
        return False


def local_pool(jobs: int) -> LocalPool:
    """A pool of ``jobs`` local worker processes for ``run_experiment(executor=...)``.

    Use it as a context manager: on Ctrl-C (or any error) inside the block, queued chunks
    are cancelled and the workers stopped at once; workers also exit by themselves within
    a fraction of a second if the parent process is killed.

    Parameters
    ----------
    jobs : int
        Number of worker processes (at least 1).

    Returns
    -------
    LocalPool

    Examples
    --------
    >>> import itmodels as itm
    >>> from itmodels.experiments.experiment import local_pool
    >>> with local_pool(2) as pool:  # doctest: +SKIP
    ...     res = itm.run_experiment(itm.load_scenario("small-office"), 40, executor=pool)
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    return LocalPool(jobs)


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
    max_events: int | None = None,
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
        Offers to run, by name (default: every offer the scenario defines, in its order).
        All run on the same common random numbers.
    executor : concurrent.futures.Executor, optional
        ``None`` runs serially; :func:`local_pool` (or any ``ProcessPoolExecutor``) uses
        local cores; a Dask ``distributed.Client(...).get_executor()`` runs on a cluster.
        The numbers do not depend on it.  At most two chunks per worker are in flight; on
        Ctrl-C the queued ones are cancelled (a :func:`local_pool` also stops the running
        ones as its ``with`` block is left).
    progress : bool
        Show a progress bar (``tqdm.auto``: a widget in notebooks, text in terminals).
    chunk_size : int, optional
        Replications per work unit (default: about 40 chunks in all, at most 100 each).
    keep_runs : bool
        Keep every run's incidents and ledger (memory grows with replications).
    store : str or Path, optional
        A folder to which each finished chunk is written at once (atomically, with a
        checksum), so a run that is killed or interrupted loses nothing finished.  A new
        run needs an empty or new folder; one process at a time may write it.
    resume : bool
        With ``store``: continue a killed run, recomputing nothing already stored.  Every
        stored chunk is verified; a damaged one is recomputed (with a
        :class:`~itmodels.experiments.store.DamagedChunkWarning`).
    max_events : int, optional
        The most simulation events one replication may take, estimated before the run
        (default: ``ITMODELS_MAX_EVENTS``, else 500,000; see :mod:`itmodels.scenario.size`).

    Returns
    -------
    ExperimentResult

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, after cancelling every chunk not yet started (chunks already finished
        stay in ``store``).
    itmodels.scenario.size.TooManyEventsError
        If one replication is estimated to take more than ``max_events`` events.
    FileExistsError, ValueError, itmodels.experiments.store.StoreError
        If ``store`` cannot be used as asked (see
        :meth:`itmodels.experiments.store.ChunkStore.open`).

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
    names = tuple(contracts) if contracts is not None else tuple(scenario.contracts)
    for name in names:
        if not isinstance(name, str) or name not in scenario.contracts:
            raise ValueError(
                f"contract {name!r} is not defined in scenario {scenario.name!r};"
                f" it defines {list(scenario.contracts)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"contracts names an offer twice: {list(names)}")
    for name in names:
        check_size(scenario, name, max_events)
    size = default_chunk_size(replications) if chunk_size is None else chunk_size
    if size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {size}")
    if resume and store is None:
        raise ValueError("resume=True needs store= (the folder of the run to continue)")
    box = None
    n_months = months(scenario.horizon)
    if store is not None:
        box = ChunkStore.open(
            store, scenario, seed, names, replications, size, resume=resume,
            columns=(METRICS, MONTHLY_VALUES), months=n_months,
        )  # fmt: skip
    done: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    bar = None

    def finish(chunk: Chunk) -> None:
        if box is not None:
            box.write(chunk.start, chunk.stop, chunk.metrics, chunk.monthly)
        done[(chunk.start, chunk.stop)] = chunk.frames(n_months)
        runs.update(chunk.runs)
        if bar is not None:
            bar.update(chunk.stop - chunk.start)

    try:
        if box is not None:
            for (a, b), (m, mo) in box.load().items():
                done[(a, b)] = Chunk(a, b, names, m, mo).frames(n_months)
        todo = (span for span in _spans(replications, size) if span not in done)
        bar = _progress(progress, replications, sum(b - a for a, b in done))
        if executor is None:
            for a, b in todo:
                finish(run_chunk(scenario, names, seed, a, b, keep_runs))
        else:
            _drain(
                lambda a, b: executor.submit(run_chunk, scenario, names, seed, a, b, keep_runs),
                todo, finish, in_flight=2 * _workers(executor),
            )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
        if box is not None:
            box.close()
    metrics = pd.concat([done[span][0] for span in sorted(done)], ignore_index=True)
    monthly = pd.concat([done[span][1] for span in sorted(done)], ignore_index=True)
    return ExperimentResult.from_frames(
        scenario, seed, names, metrics, monthly, runs=runs if keep_runs else None
    )


def _progress(enabled: bool, total: int, initial: int):
    """A progress bar: a widget in notebooks that have ipywidgets, else text on stderr."""
    if not enabled:
        return None
    from tqdm.std import tqdm

    try:
        import ipywidgets  # noqa: F401 - only to know whether tqdm can draw a widget
        from tqdm.auto import tqdm as tqdm
    except ImportError:
        pass
    return tqdm(total=total, initial=initial, unit="rep", desc="replications", leave=False)
