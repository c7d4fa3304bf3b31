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
from typing import Any, Protocol

import numpy as np
import pandas as pd

from itmodels.contracts import default_baseline
from itmodels.engine.records import BillingLog
from itmodels.engine.services import months
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.metrics import METRICS, MONTHLY_MONEY, compute_metrics, monthly_money
from itmodels.experiments.result import ExperimentResult, Stopping
from itmodels.experiments.run import run_replication
from itmodels.experiments.store import ChunkStore
from itmodels.scenario import Scenario
from itmodels.scenario.size import check_size

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "MONTHLY_VALUES",
    "Chunk",
    "LocalPool",
    "ParameterDraws",
    "default_chunk_size",
    "draws_frame",
    "local_pool",
    "run_chunk",
    "run_experiment",
    "worker_count",
]

MONTHLY_VALUES = (*MONTHLY_MONEY, "downtime_cost")


class ParameterDraws(Protocol):
    """Draws the parameters of each replication: what ``run_experiment(vary=...)`` takes.

    A model fitted to data is known only to within its estimation error.  An object of
    this kind gives replication ``r`` its own scenario, the given one with some values
    drawn from their sampling distribution, so that the spread over replications (and the
    intervals on the paired difference) includes that error as well as the simulation's
    luck.  Every offer of replication ``r`` runs on the same drawn scenario (common random
    numbers are kept).  :meth:`itmodels.fitting.fit.Fit.parameter_draws` makes one.

    Rules an implementation keeps: :meth:`draw` depends only on its arguments (the same
    ``seed`` and ``replication`` give the same values, in any process, in any order), the
    values drawn do not depend on the scenario's bill terms or provider costs (so that
    re-pricing, :mod:`itmodels.experiments.reprice`, bills the same drawn runs), and the
    object pickles (it is sent to worker processes).
    """

    @property
    def description(self) -> str:
        """One sentence saying what is drawn and how, for reports."""

    def draw(
        self, scenario: Scenario, seed: int, replication: int
    ) -> tuple[Scenario, dict[str, float]]:
        """Replication ``replication``'s scenario and the values drawn for it.

        Parameters
        ----------
        scenario : Scenario
            The scenario of the experiment.
        seed : int
            The experiment's seed.
        replication : int
            The replication.

        Returns
        -------
        tuple of (Scenario, dict of str to float)
            The scenario to run, and ``{name: value}`` of what was drawn (recorded in
            :attr:`ExperimentResult.draws`).
        """
        ...  # pragma: no cover - a protocol


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
    drawn: dict[int, dict[str, float]] = field(default_factory=dict)

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
    vary: ParameterDraws | None = None,
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
    vary : ParameterDraws, optional
        Gives each replication its own drawn scenario (see :func:`run_experiment`).

    Returns
    -------
    Chunk
    """
    n_months = months(scenario.horizon)
    metric_rows = []
    monthly_blocks = []
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    billing: dict[tuple[str, int], BillingLog] = {}
    drawn: dict[int, dict[str, float]] = {}
    scenarios = {r: scenario for r in range(start, stop)}
    if vary is not None:
        for r in range(start, stop):
            scenarios[r], drawn[r] = vary.draw(scenario, seed, r)
    for contract in contracts:
        for r in range(start, stop):
            run = run_replication(scenarios[r], contract, seed, r)
            downtime = [0.0] * n_months
            values = compute_metrics(scenarios[r], run.records, monthly=downtime)
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
        drawn,
    )


def _spans(replications: int, size: int) -> Iterator[tuple[int, int]]:
    return ((a, min(a + size, replications)) for a in range(0, replications, size))


def worker_count(executor: Executor | None) -> int:
    """How many chunks ``executor`` runs at once.

    ``None`` (serial): 1.  A :class:`LocalPool`: its workers.  A Dask executor
    (``distributed.Client.get_executor()``): the threads of the cluster of the default
    client (``distributed.default_client()``).  Any other executor: the number of CPUs
    (the default size of :class:`~concurrent.futures.ProcessPoolExecutor`).  Only the
    number of chunks in flight depends on it, never the numbers.
    """
    if executor is None:
        return 1
    if isinstance(executor, LocalPool):
        return executor.workers
    if type(executor).__module__.split(".")[0] == "distributed":
        import distributed  # only with a Dask executor

        try:
            return max(1, sum(distributed.default_client().nthreads().values()))
        except ValueError:  # no default client: fall back to the CPUs
            pass
    return max(1, os.cpu_count() or 1)


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


def _worker_setup(poll: float, pids: Any) -> None:
    """Pool initializer: leave Ctrl-C to the parent, exit when the parent dies, and tell
    the parent this worker's process id (``pids``, a ``multiprocessing.SimpleQueue``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pids.put(os.getpid())
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
        #: the number of worker processes
        self.workers = max_workers
        self._pids: Any = multiprocessing.SimpleQueue()  # workers' process ids, as they start
        super().__init__(
            max_workers=max_workers, initializer=_worker_setup, initargs=(poll, self._pids)
        )

    def stop(self) -> None:
        """Cancel queued work and end the workers now, without waiting for running chunks."""
        terminate = getattr(super(), "terminate_workers", None)  # Python 3.14+
        if terminate is not None:  # pragma: no cover - newer Pythons
            terminate()
            return
        self.shutdown(wait=False, cancel_futures=True)
        pids = set()
        while not self._pids.empty():
            pids.add(self._pids.get())
        workers = [p for p in multiprocessing.active_children() if p.pid in pids]
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


DEFAULT_REPLICATIONS = 100
DEFAULT_MAX_REPLICATIONS = 1000
DEFAULT_BATCH = 20
DEFAULT_PRECISION_METRIC = "client_total_cost"


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
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
    precision: float | None = None,
    absolute: float | None = None,
    metric: str | None = None,
    max_replications: int | None = None,
    batch: int | None = None,
    baseline: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    vary: ParameterDraws | None = None,
) -> ExperimentResult:
    """Run replications of every contract on common random numbers.

    Either a fixed number of ``replications``, or, with ``precision`` and/or
    ``absolute``, as many as it takes for the paired difference to be known that well
    (sequential stopping; see below).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    replications : int, optional
        Number of replications per contract (default: 100).  Not with ``precision`` or
        ``absolute``: there the number is found by the run.
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
        Replications per work unit (default: about 40 chunks in all, at most 100 each;
        with a precision target, each batch split in two chunks per worker).  Chunks never
        change the numbers.
    keep_runs : bool
        Keep every run's incidents and ledger (memory grows with replications).
    store : str or Path, optional
        A folder to which each finished chunk is written at once (atomically, with a
        checksum), so a run that is killed or interrupted loses nothing finished.  A new
        run needs an empty or new folder; one process at a time may write it.  Not with a
        precision target (refused: a store is laid out for a known number of
        replications).
    resume : bool
        With ``store``: continue a killed run, recomputing nothing already stored.  Every
        stored chunk is verified; a damaged one is recomputed (with a
        :class:`~itmodels.experiments.store.DamagedChunkWarning`).
    max_events : int, optional
        The most simulation events one replication may take, estimated before the run
        (default: ``ITMODELS_MAX_EVENTS``, else 500,000; see :mod:`itmodels.scenario.size`).
    precision : float, optional
        Relative precision, ``0 < precision < 1``: stop once, for every offer, the 95 %
        interval of its paired difference with ``baseline`` in ``metric`` has a
        half-width of at most ``precision`` times the absolute mean difference (0.02:
        the mean difference is known to within ±2 %).  A mean difference near 0 can
        never be known to within a share of itself: then the cap stops the run and
        ``result.stopping.reached`` is False; ``absolute`` avoids that.
    absolute : float, optional
        Absolute precision, > 0, in the units of ``metric`` (money for costs): stop once
        every half-width is at most this.  With ``precision`` too, a pair is done when
        either criterion holds.
    metric : str, optional
        The metric whose paired difference is watched (default:
        ``"client_total_cost"``; with a precision target only).
    max_replications : int, optional
        The cap on replications per contract with a precision target (default: 1000;
        at least 2).
    batch : int, optional
        Replications per batch with a precision target (default: 20).  Replications run in
        fixed batches ``0..batch-1``, ``batch..2*batch-1``, ... (the last one cut at
        ``max_replications``) and the rule is checked only after each whole batch, so the
        number of replications depends only on the seed (and these arguments), never on
        the executor, the number of workers or which chunk finished first.
    baseline : str, optional
        The offer every other offer is compared with by the stopping rule (default: the
        result's default :attr:`ExperimentResult.baseline`); the result returned has
        it as its baseline.  With three offers or more, every offer must reach the
        precision against it.
    on_progress : callable, optional
        Called as ``on_progress(done, planned)`` once before the first chunk and after
        each chunk finishes, with the replications per contract finished so far and
        planned (with a precision target, ``planned`` is the cap).  It runs in the
        calling thread.  To cancel a run, raise from it: chunks not yet started are
        cancelled and the exception propagates out of ``run_experiment`` (chunks already
        finished stay in ``store``).
    vary : ParameterDraws, optional
        Carry parameter uncertainty into the answer: replication ``r`` runs on
        ``vary.draw(scenario, seed, r)``, the scenario with values drawn from their
        sampling distribution (e.g. :meth:`itmodels.fitting.fit.Fit.parameter_draws`),
        every offer on the same draw.  The draws depend only on ``seed`` and ``r``, so
        the numbers are again the same on every executor and with a precision target.
        The result records what was drawn (:attr:`ExperimentResult.draws`) and says so
        (:attr:`ExperimentResult.parameter_uncertainty`).  Not with ``store``.

    Returns
    -------
    ExperimentResult
        With a precision target, ``result.stopping`` (a
        :class:`~itmodels.experiments.result.Stopping`) says how many replications were
        run and whether the precision was reached.

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
    ValueError
        For a bad precision target: ``precision`` outside (0, 1), ``absolute`` not > 0,
        ``replications`` or ``store`` given with one, fewer than two offers, an unknown
        ``metric`` or ``baseline``, or ``metric``/``max_replications``/``batch``/``baseline``
        given without one.

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> res = itm.run_experiment(scn, replications=4, seed=7, progress=False)
    >>> sorted(res.metrics["contract"].unique())
    ['break_fix', 'flat_rate']
    >>> res = itm.run_experiment(scn, seed=7, precision=0.05, progress=False)  # doctest: +SKIP
    >>> res.stopping.replications, res.stopping.reached  # doctest: +SKIP
    (40, True)
    """
    names = tuple(contracts) if contracts is not None else tuple(scenario.contracts)
    for name in names:
        if not isinstance(name, str) or name not in scenario.contracts:
            raise ValueError(
                f"contract {name!r} is not defined in scenario {scenario.name!r};"
                f" it defines {list(scenario.contracts)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"contracts names an offer twice: {list(names)}")
    target = _target(
        scenario, names, replications, store, precision, absolute, metric,
        max_replications, batch, baseline,
    )  # fmt: skip
    if target is None:
        replications = DEFAULT_REPLICATIONS if replications is None else replications
        if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
            raise ValueError(f"replications must be a positive integer, got {replications!r}")
        planned = replications
    else:
        planned = target.max_replications
    for name in names:
        check_size(scenario, name, max_events)
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if resume and store is None:
        raise ValueError("resume=True needs store= (the folder of the run to continue)")
    if vary is not None and store is not None:
        raise ValueError(
            "store= cannot be used with vary=: a store does not record how parameters were"
            " drawn; drop store= (or vary=)"
        )
    if vary is not None and not callable(getattr(vary, "draw", None)):
        raise TypeError(
            f"vary must have a draw(scenario, seed, replication) method (a ParameterDraws),"
            f" got {type(vary).__name__}"
        )
    box = None
    n_months = months(scenario.horizon)
    if target is None:
        size = default_chunk_size(planned) if chunk_size is None else chunk_size
        if store is not None:
            box = ChunkStore.open(
                store, scenario, seed, names, planned, size, resume=resume,
                columns=(METRICS, MONTHLY_VALUES), months=n_months,
            )  # fmt: skip
    else:
        workers = worker_count(executor)
        size = math.ceil(target.batch / (2 * workers)) if chunk_size is None else chunk_size
    done: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    runs: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    drawn: dict[int, dict[str, float]] = {}
    bar = None
    stopping: Stopping | None = None

    def finish(chunk: Chunk) -> None:
        if box is not None:
            box.write(chunk.start, chunk.stop, chunk.metrics, chunk.monthly)
        done[(chunk.start, chunk.stop)] = chunk.frames(n_months)
        runs.update(chunk.runs)
        drawn.update(chunk.drawn)
        if bar is not None:
            bar.update(chunk.stop - chunk.start)
        if on_progress is not None:
            on_progress(sum(b - a for a, b in done), planned)

    def execute(spans: Iterable[tuple[int, int]]) -> None:
        if executor is None:
            for a, b in spans:
                finish(run_chunk(scenario, names, seed, a, b, keep_runs, False, vary))
        else:
            _drain(
                lambda a, b: executor.submit(
                    run_chunk, scenario, names, seed, a, b, keep_runs, False, vary
                ),
                spans, finish, in_flight=2 * worker_count(executor),
            )  # fmt: skip

    try:
        if box is not None:
            for (a, b), (m, mo) in box.load().items():
                done[(a, b)] = Chunk(a, b, names, m, mo).frames(n_months)
        bar = _progress(progress, planned, sum(b - a for a, b in done))
        if on_progress is not None:
            on_progress(sum(b - a for a, b in done), planned)
        if target is None:
            execute(span for span in _spans(planned, size) if span not in done)
        else:
            for first, last in _spans(planned, target.batch):
                execute((first + a, first + b) for a, b in _spans(last - first, size))
                stopping = target.check(_frame(done, 0), last)
                if stopping.reached:
                    break
    finally:
        if bar is not None:
            bar.close()
        if box is not None:
            box.close()
    metrics = _frame(done, 0)
    monthly = _frame(done, 1)
    result = ExperimentResult.from_frames(
        scenario, seed, names, metrics, monthly, runs=runs if keep_runs else None
    )
    if vary is not None:
        result.parameter_uncertainty = str(vary.description)
        result.draws = draws_frame(drawn, int(metrics["replication"].nunique()))
    if target is not None:
        result = result.with_baseline(target.baseline)
        result.stopping = stopping
    return result


def draws_frame(drawn: dict[int, dict[str, float]], replications: int) -> pd.DataFrame:
    """The values drawn per replication as a frame: ``replication``, then one column each.

    Parameters
    ----------
    drawn : dict of int to dict of str to float
        ``{replication: {name: value}}``.
    replications : int
        Replications run (rows ``0 .. replications-1`` are kept, in order).

    Returns
    -------
    pandas.DataFrame
    """
    rows = [{"replication": r, **drawn.get(r, {})} for r in range(replications)]
    return pd.DataFrame(rows).astype({"replication": "int64"})


def _frame(done: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]], i: int) -> pd.DataFrame:
    """The metrics (``i=0``) or monthly (``i=1``) rows of every finished chunk, in order."""
    return pd.concat([done[span][i] for span in sorted(done)], ignore_index=True)


@dataclass(frozen=True)
class _Target:
    """A checked precision target and its stopping rule."""

    metric: str
    baseline: str
    others: tuple[str, ...]
    relative: float | None
    absolute: float | None
    batch: int
    max_replications: int

    def check(self, metrics: pd.DataFrame, replications: int) -> Stopping:
        """Whether ``metrics`` (replications ``0..replications-1``) meet the target."""
        wide = metrics.pivot(index="replication", columns="contract", values=self.metric)
        worst: tuple[float, str, float, float, float] | None = None
        for other in self.others:
            diff = (wide[other] - wide[self.baseline]).to_numpy(dtype=float)
            mean, _, low, high, _ = mean_ci(diff, 0.95)
            half = (high - low) / 2
            allowed = max((self.relative or 0.0) * abs(mean), self.absolute or 0.0)
            # how far from done: half-width over allowed (inf when unknown or allowed is 0)
            if math.isnan(half):
                ratio = math.inf
            elif half <= allowed:
                ratio = 0.0 if allowed == 0 else half / allowed
            else:
                ratio = math.inf if allowed == 0 else half / allowed
            if worst is None or ratio > worst[0]:
                worst = (ratio, other, mean, half, allowed)
        assert worst is not None  # at least one other offer: checked in _target
        ratio, other, mean, half, allowed = worst
        return Stopping(
            metric=self.metric,
            baseline=self.baseline,
            relative=self.relative,
            absolute=self.absolute,
            batch=self.batch,
            max_replications=self.max_replications,
            replications=replications,
            reached=ratio <= 1.0,
            other=other,
            mean=mean,
            half_width=half,
            target=allowed,
        )


def _positive_int(name: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    return int(value)


def _real(value: object) -> float:
    """``value`` as a float if it is a real number (not a bool), else NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        return math.nan
    return float(value)


def _target(
    scenario: Scenario,
    names: Sequence[str],
    replications: int | None,
    store: str | Path | None,
    precision: float | None,
    absolute: float | None,
    metric: str | None,
    max_replications: int | None,
    batch: int | None,
    baseline: str | None,
) -> _Target | None:
    """The precision target asked for, checked (None: a fixed number of replications)."""
    if precision is None and absolute is None:
        extra = {"metric": metric, "max_replications": max_replications, "batch": batch,
                 "baseline": baseline}  # fmt: skip
        given = [k for k, v in extra.items() if v is not None]
        if given:
            raise ValueError(
                f"{', '.join(given)} only apply with a precision target: give precision="
                " (relative, e.g. 0.02) or absolute= (an amount)"
            )
        return None
    if precision is not None and not 0 < _real(precision) < 1:
        raise ValueError(
            f"precision must be a share between 0 and 1 (0.02 for ±2 %), got {precision!r}"
        )
    if absolute is not None and not 0 < _real(absolute) < math.inf:
        raise ValueError(
            f"absolute must be a positive amount in the metric's units, got {absolute!r}"
        )
    if replications is not None:
        raise ValueError(
            "give either replications= (a fixed number) or precision=/absolute= (as many"
            " as needed, up to max_replications=), not both"
        )
    if store is not None:
        raise ValueError(
            "store= cannot be used with a precision target: a store is laid out for a known"
            " number of replications; run replications=N with store=, or drop store="
        )
    metric = DEFAULT_PRECISION_METRIC if metric is None else metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {list(METRICS)}")
    cap = _positive_int(
        "max_replications",
        DEFAULT_MAX_REPLICATIONS if max_replications is None else max_replications,
        2,
    )
    size = _positive_int("batch", DEFAULT_BATCH if batch is None else batch, 1)
    if len(names) < 2:
        raise ValueError(
            f"a precision target compares offers: it needs two or more, got {list(names)}"
        )
    if baseline is None:
        offers = {n: t for n, t in scenario.contracts.items() if n in names}
        baseline = default_baseline(offers) if offers else names[0]
    elif baseline not in names:
        raise ValueError(
            f"baseline {baseline!r} is not one of the offers run; they are {list(names)}"
        )
    return _Target(
        metric=metric,
        baseline=baseline,
        others=tuple(n for n in names if n != baseline),
        relative=None if precision is None else float(precision),
        absolute=None if absolute is None else float(absolute),
        batch=size,
        max_replications=cap,
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
