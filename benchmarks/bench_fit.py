"""Fitting a scenario to a ticket export: time and peak memory at 10,000 and 1,000,000 tickets.

For each size a synthetic ticket export is written (three years, the shipped
``small-office`` streams' categories, priorities, hours and on-site flags, with the
synthetic asset register of ``examples/data``), then a fresh interpreter times
``read_tickets`` and ``fit_scenario(tickets=..., assets=..., base="small-office")`` and
reports its peak resident memory (``ru_maxrss``, imports included).

Run by hand: ``.venv/bin/python benchmarks/bench_fit.py [--sizes 10000 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
import itmodels as itm
from itmodels.fitting import fit_scenario, read_tickets
t0 = time.perf_counter()
tickets = read_tickets(sys.argv[1])
t1 = time.perf_counter()
fit = fit_scenario(tickets=tickets, assets=sys.argv[2], base=itm.load_scenario("small-office"))
t2 = time.perf_counter()
print(json.dumps({"read": t1 - t0, "fit": t2 - t1, "rows": len(tickets.frame),
                  "fitted": len(fit.evidence),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_tickets(path: Path, n: int, seed: int = 1) -> None:
    """A synthetic export of ``n`` tickets over three years."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-02 08:00")
    opened = start + pd.to_timedelta(np.sort(rng.uniform(0, 3 * 365, n)), unit="D")
    hours = rng.lognormal(np.log(0.6), 0.8, n).round(2)
    resolved = opened + pd.to_timedelta(hours + rng.exponential(4.0, n), unit="h")
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "opened": opened.strftime("%Y-%m-%d %H:%M"),
            "resolved": resolved.strftime("%Y-%m-%d %H:%M"),
            "priority": rng.choice(["P2", "P3", "P4"], n, p=[0.1, 0.6, 0.3]),
            "category": rng.choice(["user-problems", "security"], n, p=[0.97, 0.03]),
            "hours": hours,
            "onsite": np.where(rng.random(n) < 0.35, "onsite", "remote"),
        }
    )
    frame.to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    assets = ROOT / "examples" / "data" / "assets.csv"
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"tickets-{n}.csv"
            write_tickets(path, n)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(assets)],
                check=True,
                capture_output=True,
                text=True,
            )
            got = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{n:>9,} tickets: read {got['read']:6.2f} s, fit {got['fit']:6.2f} s,"
                f" peak {got['peak_mb']:7.0f} MB ({got['fitted']} keys fitted)"
            )


if __name__ == "__main__":
    main()
