"""Overload: time to simulate when the work outgrows the technicians.

The shipped ``small-office`` scenario with its desktops raised to 8,000 and 9,000 (two
technicians, office hours, one year, flat-rate): the backlog grows all year and most
jobs wait through many shift openings.  Waiting must cost nothing, so the run time
should grow with the number of incidents, not with incidents times openings waited.
Prints, for each fleet size, the incidents, the technician requests made (one per visit
plus one per job still waiting at the horizon) and the CPU time.

Run by hand: ``.venv/bin/python benchmarks/bench_overload.py [--devices 8000 9000]``.
"""

from __future__ import annotations

import argparse
import time

import itmodels as itm
from itmodels.engine.technicians import Technicians


def overloaded(devices: int) -> itm.Scenario:
    """``small-office`` with ``devices`` desktops, two technicians and one year."""
    return itm.load_scenario("small-office").override(
        {"fleet.0.count": devices, "provider.technicians": 2, "horizon": "1y"}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, nargs="+", default=[8000, 9000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counted = [0]
    ask = Technicians.request

    def request(self, *a, **k):  # count the requests, as the engine makes them
        counted[0] += 1
        return ask(self, *a, **k)

    Technicians.request = request  # type: ignore[method-assign]
    print(f"{'devices':>8} {'incidents':>10} {'waiting':>8} {'requests':>9} {'cpu s':>7}")
    for n in args.devices:
        scn = overloaded(n)
        counted[0] = 0
        t0 = time.process_time()
        run = itm.simulate(scn, "flat_rate", seed=args.seed)
        cpu = time.process_time() - t0
        waiting = int(run.incidents["responded"].isna().sum())
        print(f"{n:>8} {len(run.incidents):>10} {waiting:>8} {counted[0]:>9} {cpu:>7.1f}")


if __name__ == "__main__":
    main()
