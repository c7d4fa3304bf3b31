"""Engine speed: ``itmodels.simulate`` against a bare SimPy repairman loop.

Both simulate the same M/M/c//N system (N devices, c technicians, exponential lives and
repairs, 24/7) in the same process; the bare loop does only what SimPy's own
machine-shop example does (timeout, request, timeout, release), with numbers drawn in
batches.  Prints incidents per second of each and the ratio (itmodels / bare).

Run by hand: ``.venv/bin/python benchmarks/bench_engine.py [--years 5] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import simpy

import itmodels as itm

N, C = 100, 5
MTTF = 100.0  # mean time to failure, hours
MTTR = 4.0  # mean repair time, hours


def scenario(years: float) -> itm.Scenario:
    """The plain M/M/c//N scenario: only the required keys."""
    return itm.Scenario.model_validate(
        {
            "name": "mmcn-bench",
            "horizon": f"{years}y",
            "client": {"users": N, "user_hour_value": 50, "business_hours": "24/7"},
            "fleet": [
                {
                    "name": "device",
                    "count": N,
                    "age": 0,
                    "users_affected": 1,
                    "lifetime": {"dist": "exponential", "mean": MTTF},
                    "repair": {"dist": "exponential", "mean": MTTR},
                }
            ],
            "provider": {"technicians": C},
            "contracts": {"break_fix": {"hourly_rate": 100}},
        }
    )


def bare(horizon: float, seed: int) -> int:
    """A bare SimPy repairman loop; returns the number of failures."""
    env = simpy.Environment()
    techs = simpy.Resource(env, capacity=C)
    rng = np.random.default_rng(seed)
    lives = iter(rng.exponential(MTTF, size=10_000_000 // 10).tolist())
    repairs = iter(rng.exponential(MTTR, size=10_000_000 // 10).tolist())
    count = [0]

    def machine():
        while True:
            yield env.timeout(next(lives))
            count[0] += 1
            with techs.request() as req:
                yield req
                yield env.timeout(next(repairs))

    for _ in range(N):
        env.process(machine())
    env.run(until=horizon)
    return count[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scn = scenario(args.years)
    rates_bare, rates_itm = [], []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        n_bare = bare(scn.horizon, r)
        t1 = time.perf_counter()
        run = itm.simulate(scn, "break_fix", seed=1, replication=r)
        n_itm = int(run.metrics["incidents"])
        t2 = time.perf_counter()
        rates_bare.append(n_bare / (t1 - t0))
        rates_itm.append(n_itm / (t2 - t1))
    b, i = statistics.median(rates_bare), statistics.median(rates_itm)
    print(f"python {platform.python_version()}, simpy {simpy.__version__}, {platform.machine()}")
    print(f"M/M/c//N N={N} c={C}, {args.years:g} years, median of {args.repeats}")
    print(f"bare SimPy loop : {b:>10,.0f} incidents/s")
    print(f"itmodels        : {i:>10,.0f} incidents/s (simulate + metrics)")
    print(f"ratio           : {i / b:.2f}")


if __name__ == "__main__":
    main()
