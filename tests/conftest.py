"""Shared fixtures: a minimal valid scenario mapping, a way to write it to a file, and the
system tools (Chromium, poppler-utils) the report tests need."""

from __future__ import annotations

import copy
import os
import shutil
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


# ---------------------------------------------------------------------------- system tools
#: The one line that tells a user how to get the tools the report tests need.
TOOLS_HINT = "apt-get install chromium poppler-utils"
_FALLBACK_DIRS = ("/usr/bin", "/usr/local/bin", "/snap/bin")


def find_tool(name: str, fallback_dirs: tuple[str, ...] = _FALLBACK_DIRS) -> str | None:
    """The path of a program: on ``PATH``, else in the usual folders (``/usr/bin/chromium``)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in fallback_dirs:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def need_tool(*names: str, fallback_dirs: tuple[str, ...] = _FALLBACK_DIRS) -> str:
    """The first of ``names`` found; else skip with a one-line hint, or fail when ``CI`` is set.

    On a developer's machine a missing browser or poppler skips the test and says how to
    install it; in CI (the ``CI`` environment variable set) a missing tool is a failure, so
    the report tests can never be skipped there unnoticed.
    """
    for name in names:
        path = find_tool(name, fallback_dirs)
        if path is not None:
            return path
    message = f"{' or '.join(names)} not found; install it with: {TOOLS_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so a missing tool fails)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a headless-capable Chromium (skips with a hint, fails under CI)."""
    return need_tool("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="session")
def pdftotext() -> str:
    """Path to poppler's pdftotext (skips with a hint, fails under CI)."""
    return need_tool("pdftotext")


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """Path to poppler's pdftoppm (skips with a hint, fails under CI)."""
    return need_tool("pdftoppm")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-cases",
        type=int,
        default=None,
        help="cases for tests/test_fuzz.py (default: ITMODELS_FUZZ_CASES, else 300)",
    )
