"""The golden file: the model's numbers do not move unless a commit says why.

``tests/data/golden.json`` holds every metric, the ledger sums by category and the row
counts of 48 runs (see ``golden_cases.VARIANTS``). Refactors and speed work must leave
them exactly equal; a change to the model's numbers rewrites the file on purpose
(``python tests/golden_cases.py --write``) in a commit that says which change moved them.
"""

from __future__ import annotations

import json

import pytest

import itmodels as itm
from golden_cases import CONTRACTS, GOLDEN, SEEDS, VARIANTS, case_numbers, case_scenario

EXPECTED = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_golden_numbers_unchanged(name: str) -> None:
    scn = case_scenario(name)
    for contract in CONTRACTS:
        for seed in SEEDS:
            key = f"{name}|{contract}|{seed}"
            got = case_numbers(itm.simulate(scn, contract=contract, seed=seed))
            assert got == EXPECTED[key], key


def test_golden_file_covers_every_case() -> None:
    assert len(EXPECTED) == len(VARIANTS) * len(CONTRACTS) * len(SEEDS) == 48
