"""The ``itmodels`` command: compare contracts on a scenario, validate a scenario file."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np
from scipy import stats

from itmodels.run import simulate
from itmodels.scenario import Scenario, ScenarioError, load_scenario
from itmodels.shipped import DEFAULT_SCENARIO, shipped_names, shipped_path

__all__ = ["main"]

MAIN_METRICS = (
    "client_cash_cost",
    "downtime_cost",
    "client_total_cost",
    "provider_revenue",
    "provider_margin",
    "user_downtime_hours",
    "incidents",
    "hardware_failures",
    "failures_prevented",
    "mean_time_to_restore_hours",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itmodels",
        description="Break-fix versus flat-rate IT support, settled by simulation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmp_ = sub.add_parser("compare", help="simulate both contracts and print a summary table")
    cmp_.add_argument("scenario", nargs="?", help="scenario file or shipped name")
    cmp_.add_argument("--replications", "-n", type=int, default=20, help="default: 20")
    cmp_.add_argument("--seed", type=int, default=7, help="default: 7")
    val = sub.add_parser("validate", help="check a scenario file and describe it")
    val.add_argument("scenario")
    sub.add_parser("scenarios", help="list the shipped scenarios")
    return parser


def _load(name: str | None) -> Scenario:
    return load_scenario(name or DEFAULT_SCENARIO)


def _compare(scn: Scenario, replications: int, seed: int) -> str:
    if replications < 2:
        raise ValueError("--replications must be at least 2 (a confidence interval needs two)")
    contracts = scn.contracts.names()
    values = {
        c: np.array(
            [
                simulate(scn, c, seed, replication=r).metrics[list(MAIN_METRICS)]
                for r in range(replications)
            ]
        )
        for c in contracts
    }
    t = stats.t.ppf(0.975, replications - 1)
    width = max(len(m) for m in MAIN_METRICS)
    head = f"{'metric':<{width}}" + "".join(f"{c:>28}" for c in contracts)
    lines = [
        f"{scn.name}: {replications} replications, seed {seed}, horizon"
        f" {scn.horizon / 8766:g} years, {scn.currency}; mean ± 95% CI half-width",
        head,
        "-" * len(head),
    ]
    for j, metric in enumerate(MAIN_METRICS):
        cells = []
        for c in contracts:
            col = values[c][:, j]
            col = col[~np.isnan(col)]
            if len(col) < 2:
                cells.append(f"{'n/a':>28}")
                continue
            half = t * col.std(ddof=1) / math.sqrt(len(col))
            cells.append(f"{col.mean():>18,.1f} ± {half:>7,.1f}")
        lines.append(f"{metric:<{width}}" + "".join(cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``itmodels`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad input.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "scenarios":
            for name in shipped_names():
                scn = load_scenario(shipped_path(name) or name)
                print(f"{name:<20} {scn.description or scn.name}")
        elif args.command == "validate":
            scn = _load(args.scenario)
            print(
                f"{scn.source}: valid. {scn.client.users} users, {scn.device_count} devices,"
                f" {len(scn.incident_streams)} incident streams, contracts:"
                f" {', '.join(scn.contracts.names())}"
            )
        else:
            print(_compare(_load(args.scenario), args.replications, args.seed))
    except (ScenarioError, ValueError) as exc:
        print(f"itmodels: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
