"""The scenarios shipped with the package."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEFAULT_SCENARIO",
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
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def shipped_path(name: str) -> Path | None:
    """The file of the shipped scenario ``name``, or ``None`` if there is none."""
    path = shipped_dir() / f"{name}.yaml"
    return path if path.is_file() else None
