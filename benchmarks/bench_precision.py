"""Stopping at a precision: how many replications it takes, and what whole batches cost.

Runs ``run_experiment(precision=...)`` serially and on every available core (a
:func:`~itmodels.experiments.experiment.local_pool`), checks that both stop after the same
number of replications with the same numbers, and prints the time of each, the
replications needed and the parallel efficiency against a fixed run of that many
replications on the same pool (the price of checking the rule only after whole batches:
workers wait at each batch's end).

Run by hand: ``.venv/bin/python benchmarks/bench_precision.py [--precision 0.1]
[--horizon 6mo] [--batch 20] [--max-replications 400]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pandas as pd

import itmodels as itm
from itmodels.cli import available_cores
from itmodels.experiments.experiment import local_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="small-office")
    parser.add_argument("--horizon", default="6mo", help="shorten the scenario (default 6mo)")
    parser.add_argument("--precision", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--max-replications", type=int, default=400)
    args = parser.parse_args()
    scn = itm.load_scenario(args.scenario).override({"horizon": args.horizon})
    cores = available_cores()
    target = dict(
        seed=1, precision=args.precision, batch=args.batch,
        max_replications=args.max_replications, progress=False,
    )  # fmt: skip
    print(f"python {platform.python_version()}, {cores} of {os.cpu_count()} cores usable")
    t0 = time.perf_counter()
    serial = itm.run_experiment(scn, **target)
    t_serial = time.perf_counter() - t0
    stop = serial.stopping
    assert stop is not None
    print(
        f"{args.scenario} ({args.horizon}): ±{args.precision:.0%} of the paired difference in"
        f" {stop.metric}: {stop.replications} replications"
        f" ({'reached' if stop.reached else 'NOT reached, cap'});"
        f" half-width {stop.half_width:,.0f} of mean {stop.mean:,.0f}"
    )
    print(f"serial            : {t_serial:7.2f} s")
    with local_pool(cores) as pool:
        itm.run_experiment(scn, 2, seed=1, executor=pool, progress=False)  # start workers
        t0 = time.perf_counter()
        pooled = itm.run_experiment(scn, executor=pool, **target)
        t_pool = time.perf_counter() - t0
        t0 = time.perf_counter()
        itm.run_experiment(scn, stop.replications, seed=1, executor=pool, progress=False)
        t_fixed = time.perf_counter() - t0
    assert pooled.stopping == stop
    pd.testing.assert_frame_equal(pooled.metrics, serial.metrics)
    print(f"{f'{cores} processes':<18}: {t_pool:7.2f} s, speed-up {t_serial / t_pool:.2f}")
    print(
        f"fixed run, same n : {t_fixed:7.2f} s on the pool; batches cost"
        f" {t_pool / t_fixed:.2f}x a fixed run of the replications they needed"
    )


if __name__ == "__main__":
    main()
