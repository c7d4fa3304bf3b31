"""Wall time of one replication of each shipped scenario, per contract.

Run by hand: ``.venv/bin/python benchmarks/bench_scenarios.py [--repeats 5]``.
Prints the median wall time of ``simulate`` and the number of incidents it produced.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import itmodels as itm
from itmodels.scenario.shipped import shipped_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor()}")
    print(f"{'scenario':<20}{'contract':<12}{'median s':>10}{'incidents':>11}{'incidents/s':>13}")
    for name in shipped_names():
        scn = itm.load_scenario(name)
        for contract in scn.contracts.names():
            times, count = [], 0
            for r in range(args.repeats):
                t0 = time.perf_counter()
                run = itm.simulate(scn, contract, seed=1, replication=r)
                count = int(run.metrics["incidents"])  # metrics are part of the work
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            print(f"{name:<20}{contract:<12}{med:>10.3f}{count:>11}{count / med:>13,.0f}")


if __name__ == "__main__":
    main()
