"""Time to a decision, before and after, measured in one run.

1. *The default comparison*: ``run_experiment`` on the shipped ``small-office`` at 200
   replications on every core (2 processes here), with the other clients' work as the
   engine feeds it (after) and as one SimPy process per job (before: the reference in
   ``tests/background_reference.py``, swapped in inside each worker); both must give
   the same numbers (checked).  Then ``itmodels compare -n 200`` end to end (simulation,
   charts, PDF and reports) from a fresh interpreter, and its simulation alone
   (``--no-bundle`` is not an option: the bundle time is the difference).
2. *Notebook 02* (``02-break-even-and-sensitivity``) at its defaults, executed end to end
   with nbclient as a user runs it (after); with ``--before``, also with the process-per-
   job background (the notebook's first cell swaps it in), which shows what the other
   clients' work alone cost it.

The 20-value fee sweep re-priced against re-simulated is ``bench_reprice.py``; the
engine against a bare SimPy loop is ``bench_engine.py``.

Run by hand: ``.venv/bin/python benchmarks/bench_decision.py [--replications 200]
[--before] [--skip-notebook]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import itmodels as itm

ROOT = Path(__file__).resolve().parents[1]
TESTS = str(ROOT / "tests")
_KEEP: list = []


def _per_job_in_worker() -> None:
    """Pool initializer: this worker runs the other clients' work one process per job."""
    sys.path.insert(0, TESTS)
    from background_reference import process_per_job

    _KEEP.append(process_per_job())  # kept: a collected generator would undo the swap
    _KEEP[-1].__enter__()  # for the worker's whole life


def comparison(replications: int, before: bool) -> tuple[float, itm.ExperimentResult]:
    """Wall seconds of the default comparison on every core."""
    scn = itm.load_scenario("small-office")
    workers = os.cpu_count() or 1
    init = _per_job_in_worker if before else None
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=init) as pool:
        res = itm.run_experiment(scn, replications, seed=7, executor=pool, progress=False)
    return time.perf_counter() - t0, res


def cli(replications: int) -> float:
    """Wall seconds of ``itmodels compare -n N`` from a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = str(Path(tmp) / "out")
        command = [sys.executable, "-m", "itmodels", "compare", "-n", str(replications)]
        subprocess.run(
            [*command, "-o", out, "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - t0


def notebook(before: bool) -> float:
    """Wall seconds to execute notebook 02 at its defaults."""
    nb = nbformat.read(ROOT / "notebooks" / "02-break-even-and-sensitivity.ipynb", 4)
    if before:
        swap = (
            f"import sys; sys.path.insert(0, {TESTS!r})\n"
            "from background_reference import process_per_job\n"
            "_swap = process_per_job()\n"
            "_swap.__enter__()"
        )
        nb.cells.insert(0, nbformat.v4.new_code_cell(swap))
    client = NotebookClient(nb, timeout=7200, kernel_name="python3", resources={})
    t0 = time.perf_counter()
    client.execute(cwd=str(ROOT / "notebooks"))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--before", action="store_true", help="notebook 02 before, too")
    parser.add_argument("--skip-notebook", action="store_true")
    args = parser.parse_args()
    n = args.replications
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")

    after_s, after = comparison(n, before=False)
    before_s, before = comparison(n, before=True)
    same = after.metrics.equals(before.metrics)
    print(f"run_experiment(small-office, {n}), {os.cpu_count()} processes, wall s")
    print(f"  before (a process per background job) : {before_s:7.1f}")
    print(f"  after  (background fed to dispatcher) : {after_s:7.1f}")
    print(f"  speed-up                              : {before_s / after_s:7.2f}x")
    print(f"  same numbers                          : {same}")
    whole = cli(n)
    print(f"itmodels compare -n {n} (fresh interpreter, every core), wall s")
    print(f"  end to end                            : {whole:7.1f}")
    print(f"  of which not simulating (approx.)     : {whole - after_s:7.1f}")

    if not args.skip_notebook:
        nb_after = notebook(before=False)
        print("notebook 02 at its defaults, end to end, wall s")
        print(f"  after                                 : {nb_after:7.1f}")
        if args.before:
            nb_before = notebook(before=True)
            print(f"  with a process per background job     : {nb_before:7.1f}")
            print(f"  speed-up                              : {nb_before / nb_after:7.2f}x")


if __name__ == "__main__":
    main()
