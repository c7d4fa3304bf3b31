"""Peak memory of a metrics-only experiment with many replications.

Runs ``run_experiment`` serially in this process and reports the peak resident set size
(``resource.getrusage``) and the peak of Python allocations (``tracemalloc``) above the
baseline after import, plus the size of the result's DataFrames.

Run by hand: ``.venv/bin/python benchmarks/bench_memory.py [--replications 10000]``
The memory of a metrics-only run grows with replications and months, not with incidents,
so the default is a tiny two-device office over 3 years (36 months of monthly rows per
replication) that runs in minutes; ``--scenario small-office`` measures a shipped one.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import itmodels as itm


def tiny() -> itm.Scenario:
    """Two devices, both contracts, only the required keys: cheap to simulate."""
    return itm.Scenario.model_validate(
        {
            "name": "tiny",
            "horizon": "3y",
            "client": {"users": 2, "user_hour_value": 50, "business_hours": "24/7"},
            "fleet": [
                {
                    "name": "pc",
                    "count": 2,
                    "age": "2y",
                    "users_affected": 1,
                    "lifetime": {"dist": "weibull", "shape": 1.5, "scale": "4y"},
                    "repair": "2h",
                }
            ],
            "provider": {"technicians": 1},
            "contracts": {"break_fix": {"hourly_rate": 120}, "flat_rate": {"fee_per_device": 40}},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--scenario", default=None, help="default: a tiny 2-device office")
    parser.add_argument("--horizon", default="3y")
    args = parser.parse_args()
    scn = (itm.load_scenario(args.scenario) if args.scenario else tiny()).override(
        {"horizon": args.horizon}
    )
    itm.run_experiment(scn, 2, seed=0, progress=False)  # warm up imports and caches
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    res = itm.run_experiment(scn, args.replications, seed=1, progress=False)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    frames = res.metrics.memory_usage(deep=True).sum() + res.monthly.memory_usage(deep=True).sum()
    print(
        f"{scn.name} ({args.horizon}): {args.replications} replications"
        f" x 2 contracts in {elapsed:.0f} s"
    )
    print(f"peak Python allocations : {peak / 2**20:8.1f} MiB")
    print(
        f"peak RSS                : {rss1 / 1024:8.1f} MiB (before the run {rss0 / 1024:.1f} MiB)"
    )
    print(f"result DataFrames       : {frames / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
