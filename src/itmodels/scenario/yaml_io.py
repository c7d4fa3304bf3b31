"""Scenarios back to YAML, and ``key.path=value`` assignments for tweaking one.

:func:`write_yaml` (also :meth:`itmodels.Scenario.to_yaml`) saves a scenario so that
loading the file gives an equal scenario; :func:`parse_assignment` reads one
``--set key.path=value`` change, the value as YAML.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from itmodels.scenario.errors import short_repr

if TYPE_CHECKING:
    from itmodels.scenario.loading import Scenario

__all__ = ["AssignmentError", "parse_assignment", "scenario_yaml", "write_yaml"]

_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class AssignmentError(ValueError):
    """A ``key.path=value`` assignment that cannot be read."""


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``"key.path=value"`` into the dotted key and the value read as YAML.

    Parameters
    ----------
    text : str
        For example ``"client.users=25"``, ``"horizon=5y"``, ``"fleet.server.age=6y"``.  The
        value is read as a YAML value, so ``25`` is a number, ``5y`` a string and
        ``{dist: exponential, mean: 5y}`` a mapping; quote it (``'007'``) to keep a string.

    Returns
    -------
    tuple of (str, object)
        The dotted key and the value, for :meth:`itmodels.Scenario.override`.

    Raises
    ------
    AssignmentError
        (a ``ValueError``) with a message saying what is wrong: no ``=``, an empty or
        malformed key, no value, or a value that is not YAML.

    Examples
    --------
    >>> parse_assignment("client.users=25")
    ('client.users', 25)
    >>> parse_assignment("fleet.0.age = 6y")
    ('fleet.0.age', '6y')
    """
    if not isinstance(text, str):
        raise AssignmentError(f"expected text KEY=VALUE, got {short_repr(text)}")
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise AssignmentError(f"{short_repr(text)}: write KEY=VALUE, e.g. client.users=25")
    if not _KEY.match(key):
        raise AssignmentError(
            f"{short_repr(key)}: a key is names and list positions joined by dots,"
            " e.g. fleet.0.count or fleet.server.age"
        )
    if not value.strip():
        raise AssignmentError(f"{key}: no value after '='")
    from itmodels.scenario.loading import _parse_yaml

    try:
        parsed = _parse_yaml(value)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise AssignmentError(
            f"{key}: {short_repr(value)} is not a YAML value ({problem})"
        ) from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise AssignmentError(f"{key}: {short_repr(value)} is not a YAML value ({exc})") from None
    return key, parsed


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text (durations in hours), which loads to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    header = f"# Scenario {scenario.name!r}, written by itmodels (durations in hours).\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_yaml(scenario: Scenario, path: str | Path) -> Path:
    """Write ``scenario`` to a new YAML file at ``path``, atomically.

    The file appears whole or not at all, and an existing file is never replaced.

    Parameters
    ----------
    scenario : Scenario
    path : str or pathlib.Path
        The new file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists (a file, folder or link).
    """
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise FileExistsError(f"{target}: already exists; choose a new file name")
    text = scenario_yaml(scenario)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.link(tmp, target)  # fails if the target appeared meanwhile: never overwrites
    except FileExistsError:
        raise FileExistsError(f"{target}: already exists; choose a new file name") from None
    finally:
        os.unlink(tmp)
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
