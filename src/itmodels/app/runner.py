"""A run of the sales page: simulate in a thread, report progress, cancel, write the bundle.

What is run and written is what ``itmodels compare`` runs and writes: both use
:func:`~itmodels.experiments.experiment.run_experiment`,
:func:`~itmodels.experiments.decisions.fee_basis` and
:func:`~itmodels.experiments.decisions.break_even_fee`, and
:func:`~itmodels.reports.report.write_bundle` (proposal, reports, charts, tables and the
scenario as run).  A page never waits for a run: :func:`start_run` returns at once and the
page reads :attr:`SalesRun.state` as it likes.
"""

from __future__ import annotations

import os
import threading
import traceback
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from itmodels.contracts import default_baseline
from itmodels.experiments.decisions import FeeEstimate, break_even_fee, fee_basis
from itmodels.experiments.experiment import local_pool, run_experiment
from itmodels.experiments.result import ExperimentResult
from itmodels.scenario import Branding, Scenario

__all__ = ["PARALLEL_FROM", "RunCancelled", "RunState", "SalesRun", "branding_of", "start_run"]

#: Runs of at least this many replications use local worker processes (as the CLI does).
PARALLEL_FROM = 20


class RunCancelled(Exception):
    """Raised inside a run's progress callback to stop it (the user pressed Cancel)."""


Status = Literal["running", "done", "cancelled", "failed"]


@dataclass
class RunState:
    """Where a run is: ``done`` of ``planned`` replications per offer, and how it ended.

    Attributes
    ----------
    status : {"running", "done", "cancelled", "failed"}
    done, planned : int
        Replications per offer finished and planned.
    message : str
        For a failed run, what went wrong in one line.
    result : ExperimentResult or None
        The experiment, once done.
    fee : FeeEstimate or None
        The break-even price reported with it (None: no other offer has a price).
    files : dict of str to Path
        The bundle's files by name (``proposal.pdf``, ...), once done.
    """

    status: Status = "running"
    done: int = 0
    planned: int = 0
    message: str = ""
    result: ExperimentResult | None = None
    fee: FeeEstimate | None = None
    files: dict[str, Path] = field(default_factory=dict)


def branding_of(scn: Scenario) -> Branding:
    """The scenario's branding, the prospect being the client's name unless written (as
    ``itmodels compare`` does without ``--prospect``)."""
    base = scn.branding or Branding()
    return base.model_copy(update={"prospect": base.prospect or scn.client.name})


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, len(affinity(0)) if affinity is not None else (os.cpu_count() or 1))


class SalesRun:
    """A run in a thread of its own; see :func:`start_run`."""

    def __init__(self, scn: Scenario, replications: int, seed: int, folder: Path) -> None:
        self.scenario = scn
        self.replications = replications
        self.seed = seed
        self.folder = folder
        self.state = RunState(planned=replications)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name="itmodels-sales-run", daemon=True)

    @property
    def cancelling(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the run to stop; it stops after the replications in progress."""
        self._cancel.set()

    def _progress(self, done: int, planned: int) -> None:
        with self._lock:
            self.state.done, self.state.planned = done, planned
        if self._cancel.is_set():
            raise RunCancelled("cancelled by the user")

    def _work(self) -> None:
        try:
            self._run()
        except RunCancelled:
            self.state.status = "cancelled"
        except Exception as exc:  # a crashed run is shown, the page keeps working
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" (in {Path(last[0].filename).name}, line {last[0].lineno})" if last else ""
            self.state.message = f"{type(exc).__name__}: {exc}{where}"
            self.state.status = "failed"

    def _run(self) -> None:
        if self.replications >= PARALLEL_FROM and _cores() > 1:
            with local_pool(_cores()) as pool:
                self._simulate_and_write(pool)
        else:
            self._simulate_and_write(None)

    def _simulate_and_write(self, executor: Executor | None) -> None:
        """As ``itmodels compare``: run, break-even price, bundle (charts drawn on the
        workers that simulated)."""
        scn = self.scenario
        baseline = default_baseline(scn.contracts)
        res = run_experiment(
            scn, self.replications, self.seed, executor=executor, progress=False,
            on_progress=self._progress,
        )  # fmt: skip
        if self._cancel.is_set():
            raise RunCancelled("cancelled by the user")
        priced = fee_basis(scn, baseline, list(res.ranking().index))
        fee = None
        if priced is not None:
            offer, term = priced
            fee = break_even_fee(scn, result=res, baseline=baseline, offer=offer, term=term)
        res = res.with_baseline(baseline)
        from itmodels.reports.report import write_bundle

        files = write_bundle(
            res, self.folder, branding=branding_of(scn), break_even=fee, executor=executor
        )
        self.state.result, self.state.fee, self.state.files = res, fee, files
        self.state.status = "done"


def start_run(scn: Scenario, replications: int, seed: int, folder: str | Path) -> SalesRun:
    """Start simulating ``scn`` and writing its bundle into ``folder``, in a thread.

    Parameters
    ----------
    scn : Scenario
        A validated scenario (nothing else can reach the engine).
    replications : int
        Replications per offer (at least 2).
    seed : int
    folder : str or Path
        A new or empty folder for the bundle.

    Returns
    -------
    SalesRun
        Read ``.state`` for progress and the outcome; ``.cancel()`` stops it.

    Raises
    ------
    ValueError
        If ``replications`` is below 2.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ValueError(f"replications must be a whole number of at least 2, got {replications!r}")
    run = SalesRun(scn, replications, seed, Path(folder))
    run.thread.start()
    return run
