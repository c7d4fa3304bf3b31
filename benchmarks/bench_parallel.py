"""Replications per second serially, on 2 local processes and on a 2-worker Dask cluster.

Parallel efficiency = (rate with k workers) / (k x serial rate).  Each executor runs the
same replications of a shipped scenario and must return the same numbers (checked).

Run by hand: ``.venv/bin/python benchmarks/bench_parallel.py [--replications 80]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import Executor, ProcessPoolExecutor

import distributed
import pandas as pd

import itmodels as itm


def timed(
    scn: itm.Scenario, reps: int, executor: Executor | None = None
) -> tuple[float, itm.ExperimentResult]:
    t0 = time.perf_counter()
    res = itm.run_experiment(scn, reps, seed=1, executor=executor, progress=False)
    return time.perf_counter() - t0, res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="small-office")
    parser.add_argument("--replications", type=int, default=80)
    args = parser.parse_args()
    scn = itm.load_scenario(args.scenario)
    reps = args.replications
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"{args.scenario}: {reps} replications x {len(scn.contracts.names())} contracts")
    serial, base = timed(scn, reps)
    rate1 = reps / serial
    print(f"serial           : {rate1:7.2f} replications/s")
    with ProcessPoolExecutor(max_workers=2) as pool:
        timed(scn, 4, pool)  # start the workers before timing
        t, res = timed(scn, reps, pool)
    pd.testing.assert_frame_equal(res.metrics, base.metrics)
    print(
        f"2 processes      : {reps / t:7.2f} replications/s,"
        f" efficiency {reps / t / (2 * rate1):.2f}"
    )
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            scheduler_port=0,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ex = client.get_executor()
        timed(scn, 4, ex)
        t, res = timed(scn, reps, ex)
    pd.testing.assert_frame_equal(res.metrics, base.metrics)
    print(
        f"Dask, 2 workers  : {reps / t:7.2f} replications/s,"
        f" efficiency {reps / t / (2 * rate1):.2f}"
    )


if __name__ == "__main__":
    main()
