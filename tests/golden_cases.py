"""The golden-file cases: shipped scenarios and variants, both contracts, seeds 1-3.

``python tests/golden_cases.py --write`` rewrites
``tests/data/golden.json`` from the current code. Do that only in a commit that changes
the model's numbers on purpose, and say in its message which change moved them; every
other change must leave the file as it is (``tests/test_golden.py`` checks it exactly).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import itmodels as itm

GOLDEN = Path(__file__).parent / "data" / "golden.json"
SEEDS = (1, 2, 3)
CONTRACTS = ("break_fix", "flat_rate")

#: name -> (shipped scenario, overrides): the shipped scenarios and five variants that
#: switch mechanisms off or on (no background load, around the clock, fewer technicians,
#: a young fleet, a short horizon).
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "small-office": ("small-office", {}),
    "professional-firm": ("professional-firm", {}),
    "retail-shop": ("retail-shop", {}),
    "small-office/no-background": ("small-office", {"provider.background_load": None}),
    "small-office/24-7": ("small-office", {"client.business_hours": "24/7"}),
    "professional-firm/two-techs": ("professional-firm", {"provider.technicians": 2}),
    "retail-shop/young": ("retail-shop", {"horizon": "1y"}),
    "small-office/2y": ("small-office", {"horizon": "2y", "client.users": 5}),
}


def case_scenario(name: str) -> itm.Scenario:
    """The scenario of one golden case."""
    shipped, overrides = VARIANTS[name]
    scn = itm.load_scenario(shipped)
    return scn.override(overrides) if overrides else scn


def case_numbers(run: itm.Run) -> dict[str, Any]:
    """What a golden case pins: every metric, ledger sums by category, row counts."""
    ledger = run.ledger
    by_cat = ledger.groupby("category", observed=True)["amount"].sum()
    return {
        "metrics": {k: float(v) for k, v in run.metrics.items()},
        "ledger_rows": len(ledger),
        "ledger_by_category": {str(k): float(v) for k, v in sorted(by_cat.items())},
        "incident_rows": len(run.incidents),
        "visit_rows": len(run.visits),
        "restore_sum": float(run.incidents["restored"].fillna(0.0).sum())
        if "restored" in run.incidents
        else None,
    }


def compute() -> dict[str, Any]:
    """Every golden case's numbers under the current code."""
    out: dict[str, Any] = {}
    for name in VARIANTS:
        scn = case_scenario(name)
        for contract in CONTRACTS:
            for seed in SEEDS:
                run = itm.simulate(scn, contract=contract, seed=seed)
                out[f"{name}|{contract}|{seed}"] = case_numbers(run)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite golden.json")
    args = parser.parse_args()
    data = compute()
    if args.write:
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {len(data)} cases to {GOLDEN}")
    else:
        print(json.dumps(data, indent=1, sort_keys=True)[:2000])
