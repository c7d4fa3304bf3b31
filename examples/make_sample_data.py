"""Make the SYNTHETIC sample exports in examples/data with the library itself.

The shipped ``small-office`` scenario is simulated once (seed 7) under its pay-per-incident
offer; the run is written as the three exports a client would hand over (see
:mod:`itmodels.fitting.export`): ``tickets.csv``, ``assets.csv`` and ``invoices.csv``.
They are made-up data with known parameters, for trying ``itmodels fit``:

    python examples/make_sample_data.py            # writes examples/data/*.csv
    itmodels fit --tickets examples/data/tickets.csv --assets examples/data/assets.csv \\
        --invoices examples/data/invoices.csv --base small-office --out prospect.yaml
    itmodels compare prospect.yaml

Existing files are not replaced unless ``--overwrite`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import itmodels as itm
from itmodels.fitting.export import assets_from_run, invoices_from_run, tickets_from_run
from itmodels.fitting.fit import reference_offer

SCENARIO = "small-office"
SEED = 7
START = "2023-01-02"  # a Monday: hour 0 of the run


def main(argv: list[str] | None = None) -> int:
    """Write the three sample exports; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    scn = itm.load_scenario(SCENARIO)
    offer = reference_offer(scn)
    if offer is None:
        print(f"{SCENARIO} has no pay-per-incident offer", file=sys.stderr)
        return 2
    run = itm.simulate(scn, offer, seed=SEED)
    frames = {
        "tickets.csv": tickets_from_run(run, start=START),
        "assets.csv": assets_from_run(run, start=START),
        "invoices.csv": invoices_from_run(run, start=START),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    taken = [name for name in frames if (args.out / name).exists()]
    if taken and not args.overwrite:
        print(
            f"{args.out}: {', '.join(taken)} exist; add --overwrite to replace them",
            file=sys.stderr,
        )
        return 2
    for name, frame in frames.items():
        tmp = args.out / f".{name}.tmp"
        frame.to_csv(tmp, index=False, lineterminator="\n")
        tmp.replace(args.out / name)  # whole or not at all
        print(f"wrote {args.out / name}: {len(frame)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
