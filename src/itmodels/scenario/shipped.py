"""The scenarios shipped with the package."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "DEFAULT_SCENARIO",
    "is_book_file",
    "shipped_book_names",
    "shipped_book_path",
    "shipped_dir",
    "shipped_names",
    "shipped_path",
]

DEFAULT_SCENARIO = "small-office"


def shipped_dir() -> Path:
    """The folder holding the shipped scenario files.

    In an installed wheel they live inside the package; in a source checkout (editable
    install) they are the repository's ``scenarios/`` folder.
    """
    package = Path(__file__).resolve().parent.parent
    inside = package / "scenarios"
    if inside.is_dir():
        return inside
    return package.parent.parent / "scenarios"


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted.

    Each loads with :func:`itmodels.load_scenario` by name.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import itmodels as itm
    >>> "small-office" in itm.scenario_names()
    True
    """
    folder = shipped_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if not is_book_file(p))


def shipped_path(name: str) -> Path | None:
    """The file of the shipped scenario ``name``, or ``None`` if there is none (a shipped
    book is not a scenario: see :func:`shipped_book_path`)."""
    path = shipped_dir() / f"{name}.yaml"
    return path if path.is_file() and not is_book_file(path) else None


_BOOK_KEY = re.compile(r"^clients:", re.MULTILINE)


def is_book_file(path: Path) -> bool:
    """Whether the YAML file ``path`` is a provider's book (it has top-level ``clients:``)."""
    try:
        return _BOOK_KEY.search(path.read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def shipped_book_names() -> list[str]:
    """Names of the providers' books shipped with the package, sorted.

    Each loads with :func:`itmodels.load_book` by name.

    Returns
    -------
    list of str
    """
    folder = shipped_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if is_book_file(p))


def shipped_book_path(name: str) -> Path | None:
    """The file of the shipped book ``name``, or ``None`` if there is none."""
    path = shipped_dir() / f"{name}.yaml"
    return path if path.is_file() and is_book_file(path) else None
