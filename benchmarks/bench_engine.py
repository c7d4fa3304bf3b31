"""Engine speed: ``itmodels.simulate`` against a bare SimPy repairman loop.

Both simulate the same M/M/c//N system (N devices, c technicians, exponential lives and
repairs, 24/7) in the same process; the bare loop does only what SimPy's own
machine-shop example does (timeout, request, timeout, release), with numbers drawn in
batches.  It runs twice: with ``simpy.Resource`` (FIFO, the cheapest SimPy queue) and with
``simpy.PriorityResource`` (the queue the engine needs for its dispatch rule), and a
third time on a PriorityResource while also producing the metrics ``simulate`` returns
for this scenario (downtime, time to restore, labour billed).  Prints
incidents per CPU-second of each and the ratios (itmodels / bare); CPU time, not wall
time, so that other work on the machine disturbs the figures less.

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


def bare(horizon: float, seed: int, resource: type = simpy.Resource) -> int:
    """A bare SimPy repairman loop; returns the number of failures."""
    env = simpy.Environment()
    techs = resource(env, capacity=C)
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


def bare_with_metrics(horizon: float, seed: int) -> int:
    """The same loop on a PriorityResource, also producing the metrics ``simulate`` does
    for this scenario: failures, device downtime (clipped), mean time to restore and the
    labour billed at the hourly rate.  Returns the number of failures."""
    env = simpy.Environment()
    techs = simpy.PriorityResource(env, capacity=C)
    rng = np.random.default_rng(seed)
    lives = iter(rng.exponential(MTTF, size=1_000_000).tolist())
    repairs = iter(rng.exponential(MTTR, size=1_000_000).tolist())
    log: list[tuple[float, float, float]] = []

    def machine():
        while True:
            yield env.timeout(next(lives))
            failed = env.now
            with techs.request(priority=0) as req:
                yield req
                work = next(repairs)
                yield env.timeout(work)
            log.append((failed, env.now, work))

    for _ in range(N):
        env.process(machine())
    env.run(until=horizon)
    down = sum(min(b, horizon) - a for a, b, _ in log)
    mttr = sum(b - a for a, b, _ in log) / len(log)
    labour = 100.0 * sum(w for _, _, w in log)
    assert down > 0 and mttr > 0 and labour > 0
    return len(log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scn = scenario(args.years)
    rates: dict[str, list[float]] = {"fifo": [], "priority": [], "metrics": [], "itm": []}
    for r in range(args.repeats):
        for name, loop in (
            ("fifo", lambda h, s: bare(h, s, simpy.Resource)),
            ("priority", lambda h, s: bare(h, s, simpy.PriorityResource)),
            ("metrics", bare_with_metrics),
        ):
            t0 = time.process_time()
            n = loop(scn.horizon, r)
            rates[name].append(n / (time.process_time() - t0))
        t0 = time.process_time()
        run = itm.simulate(scn, "break_fix", seed=1, replication=r)
        n = int(run.metrics["incidents"])
        rates["itm"].append(n / (time.process_time() - t0))
    fifo, prio, full, mine = (
        statistics.median(rates[k]) for k in ("fifo", "priority", "metrics", "itm")
    )
    print(f"python {platform.python_version()}, simpy {simpy.__version__}, {platform.machine()}")
    print(f"M/M/c//N N={N} c={C}, {args.years:g} years, median of {args.repeats}")
    print(f"bare loop, Resource         : {fifo:>10,.0f} incidents per CPU-second")
    print(f"bare loop, PriorityResource : {prio:>10,.0f} incidents per CPU-second")
    print(f"bare loop with metrics      : {full:>10,.0f} incidents per CPU-second")
    print(f"itmodels simulate + metrics : {mine:>10,.0f} incidents per CPU-second")
    print(f"ratio to Resource loop          : {mine / fifo:.2f}")
    print(f"ratio to PriorityResource loop  : {mine / prio:.2f}")
    print(f"ratio to loop with same metrics : {mine / full:.2f}")


if __name__ == "__main__":
    main()
