"""Time of a comparison as offers are added: 2, 3 and 5 offers of the shipped ``tiers``.

Each offer is one more simulation per replication (same futures, common random numbers),
so the time should grow about linearly with the number of offers; the ratio against the
two-offer comparison, measured in the same run, is the figure to read.  Also times the
whole ``itmodels compare tiers`` (5 offers: simulations, break-even, charts, proposal,
reports) in-process, serially and on 2 local processes.

Run by hand: ``.venv/bin/python benchmarks/bench_offers.py [--replications 200]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import tempfile
import time
from pathlib import Path

import itmodels as itm
from itmodels.cli import main as cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args()
    reps = args.replications
    tiers = itm.load_scenario("tiers")
    names = list(tiers.contracts)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"tiers: {reps} replications, offers {names}")
    base = None
    for k in (2, 3, 5):
        t0 = time.perf_counter()
        itm.run_experiment(tiers, reps, seed=7, contracts=names[:k], progress=False)
        took = time.perf_counter() - t0
        base = base or took
        print(f"run_experiment, {k} offers: {took:7.1f} s  ({took / base:4.2f} x the 2-offer run)")
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli(["compare", "tiers", "-n", str(reps), "-j", str(jobs), "--no-progress",
                           "--out", str(out)])  # fmt: skip
            took = time.perf_counter() - t0
        assert code == 0
        print(f"itmodels compare tiers (5 offers, -j {jobs}): {took:7.1f} s")


if __name__ == "__main__":
    main()
