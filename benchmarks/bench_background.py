"""Other clients' work: the engine's feed against one SimPy process per job, in one run.

Times, on the shipped ``small-office`` scenario with the same seed, one replication of
the default offer with the background load as the engine feeds it, as the former
process-per-job code did (``tests/background_reference.py``, swapped in only here) and
without any background load; then ``run_experiment`` over every offer, serially, both
ways.  Prints CPU seconds (median of ``--repeats`` for one replication, wall seconds for
the experiment) and the ratios.

Run by hand: ``.venv/bin/python benchmarks/bench_background.py [--replications 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import itmodels as itm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from background_reference import process_per_job


def one_replication(scn: itm.Scenario, repeats: int, seed: int) -> float:
    """Median CPU seconds of one replication (replications 0, 1, ... of ``seed``)."""
    times = []
    for r in range(repeats):
        t0 = time.process_time()
        itm.simulate(scn, seed=seed, replication=r)
        times.append(time.process_time() - t0)
    return statistics.median(times)


def experiment(scn: itm.Scenario, replications: int, seed: int) -> float:
    """Wall seconds of ``run_experiment`` over every offer, in this process."""
    t0 = time.perf_counter()
    itm.run_experiment(scn, replications, seed=seed, progress=False)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scn = itm.load_scenario("small-office")
    quiet = scn.override({"provider.background_load": None})
    itm.simulate(scn, seed=args.seed)  # warm up: imports, caches
    fed = one_replication(scn, args.repeats, args.seed)
    with process_per_job():
        per_job = one_replication(scn, args.repeats, args.seed)
    none = one_replication(quiet, args.repeats, args.seed)
    print(f"small-office, seed {args.seed}, one replication (median of {args.repeats}, CPU s)")
    print(f"  background, one process per job : {per_job:8.4f}")
    print(f"  background, fed to dispatcher   : {fed:8.4f}")
    print(f"  no background load              : {none:8.4f}")
    print(f"  speed-up of the replication     : {per_job / fed:8.2f}x")
    print(f"  cost of the background, before  : {per_job - none:8.4f}")
    print(f"  cost of the background, after   : {fed - none:8.4f}")
    if args.replications > 0:
        n = args.replications
        after = experiment(scn, n, args.seed)
        with process_per_job():
            before = experiment(scn, n, args.seed)
        print(f"run_experiment(small-office, {n}, seed={args.seed}), serial, wall s")
        print(f"  one process per job             : {before:8.1f}")
        print(f"  fed to dispatcher               : {after:8.1f}")
        print(f"  speed-up                        : {before / after:8.2f}x")


if __name__ == "__main__":
    main()
