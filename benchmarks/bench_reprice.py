"""A 20-value fee sweep, re-priced against re-simulated, measured in one run.

``itm.sweep`` over ``contracts.flat_rate.fee_per_device`` (a bill term) simulates the
shipped ``small-office`` once and bills the stored runs again at every other fee
(:mod:`itmodels.experiments.reprice`); the reference runs ``run_experiment`` at every
fee, as the sweep did before.  Both give the same numbers (checked here too).

Two ratios are printed.  *Re-pricing*: the 20 values billed from stored runs
(``PricedRuns.reprice``) against the 20 simulated (target: at least 50x).  *Whole
sweep*: ``itm.sweep``, which must still simulate once, against the 20 simulations; it
cannot exceed the number of values (20x).

Run by hand: ``.venv/bin/python benchmarks/bench_reprice.py [--replications 20]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

import itmodels as itm
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.reprice import run_priced

KEY = "contracts.flat_rate.fee_per_device"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--values", type=int, default=20)
    parser.add_argument("--scenario", default="small-office")
    args = parser.parse_args()
    scn = itm.load_scenario(args.scenario)
    fees = [float(f) for f in np.linspace(40.0, 135.0, args.values)]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"{args.scenario}: {args.values} values of {KEY}, {args.replications} replications")

    t0 = time.perf_counter()
    repriced = itm.sweep(scn, {KEY: fees}, args.replications, seed=7)
    t_sweep = time.perf_counter() - t0

    t0 = time.perf_counter()
    runs = run_priced(scn, args.replications, seed=7)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    for fee in fees:
        runs.reprice(scn.override({KEY: fee}))
    t_reprice = time.perf_counter() - t0

    t0 = time.perf_counter()
    frames = []
    for fee in fees:
        res = run_experiment(scn.override({KEY: fee}), args.replications, 7, progress=False)
        frame = res.metrics.copy()
        frame.insert(0, KEY, fee)
        frames.append(frame)
    simulated = pd.concat(frames, ignore_index=True)
    t_simulate = time.perf_counter() - t0

    pd.testing.assert_frame_equal(repriced, simulated, check_exact=True)
    n = args.values
    print(f"re-simulated at every value:     {t_simulate:8.2f} s")
    print(f"one simulation, logs kept:       {t_base:8.2f} s")
    print(f"re-priced at every value:        {t_reprice:8.3f} s")
    print(f"whole sweep (itm.sweep):         {t_sweep:8.2f} s")
    print(f"re-pricing ratio: {t_simulate / t_reprice:7.1f} x  (target >= 50 x)")
    print(f"whole-sweep ratio: {t_simulate / t_sweep:6.1f} x  (at most {n} x: one simulation)")
    print("numbers identical")


if __name__ == "__main__":
    main()
