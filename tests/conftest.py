"""Shared fixtures: a minimal valid scenario mapping and a way to write it to a file."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh copy of the smallest valid scenario (tests/data/minimal.yaml) as a dict."""
    with open(DATA / "minimal.yaml", encoding="utf-8") as fh:
        return copy.deepcopy(yaml.safe_load(fh))


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[object], Path]:
    """Write data (or raw text, if a str) to a new YAML file in tmp_path; return its path."""
    counter = iter(range(1_000_000))

    def write(content: object, name: str | None = None) -> Path:
        path = tmp_path / (name or f"scenario-{next(counter)}.yaml")
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-cases",
        type=int,
        default=None,
        help="cases for tests/test_fuzz.py (default: ITMODELS_FUZZ_CASES, else 300)",
    )
