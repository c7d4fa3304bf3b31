"""The provider's own price list: the scenario's offers, saved once, put on every template.

A price list is a YAML file holding a scenario's ``contracts:`` section (the offers and
their terms, any pricing model) under a first line that marks it as written by itmodels.
:func:`save_price_list` replaces only such a file (atomically); any other file at the
path is refused, so a user's own file is never overwritten.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from itmodels.scenario import Scenario, ScenarioError
from itmodels.scenario.yaml_io import parse_yaml

__all__ = ["HEADER", "default_price_file", "load_price_list", "save_price_list", "with_prices"]

HEADER = "# itmodels price list: the offers of the sales page (contracts section of a scenario)\n"


def default_price_file() -> Path:
    """``$XDG_CONFIG_HOME/itmodels/price-list.yaml`` (``~/.config/...`` by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "itmodels" / "price-list.yaml"


def save_price_list(scn: Scenario, path: str | Path) -> Path:
    """Write ``scn``'s offers to ``path`` as the price list, atomically.

    Parameters
    ----------
    scn : Scenario
        A validated scenario whose ``contracts`` are the provider's prices.
    path : str or Path
        The price-list file: new, or an earlier price list (replaced whole).

    Returns
    -------
    Path

    Raises
    ------
    FileExistsError
        If ``path`` exists and is not a price list written by itmodels.
    """
    target = Path(path)
    mine = target.is_file() and not target.is_symlink() and _is_price_list(target)
    if (target.exists() or target.is_symlink()) and not mine:
        raise FileExistsError(
            f"{target}: exists and is not an itmodels price list; choose another file"
        )
    data = scn.model_dump(mode="json", exclude_none=True)["contracts"]
    text = HEADER + yaml.safe_dump({"contracts": data}, sort_keys=False, allow_unicode=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _is_price_list(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline() == HEADER
    except (OSError, UnicodeDecodeError):
        return False


def load_price_list(path: str | Path) -> dict[str, Any]:
    """The offers saved in a price list, as plain data.

    Raises
    ------
    ScenarioError
        If the file cannot be read or holds no ``contracts`` mapping.
    """
    source = str(path)
    try:
        data = parse_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(source, [("(file)", f"cannot be read as YAML: {exc}")]) from None
    offers = data.get("contracts") if isinstance(data, dict) else None
    if not isinstance(offers, dict) or not offers:
        raise ScenarioError(source, [("contracts", "expected a mapping of offer names to terms")])
    return offers


def with_prices(scn: Scenario, path: str | Path) -> Scenario:
    """``scn`` with its offers replaced by the price list at ``path``, checked.

    Raises
    ------
    ScenarioError
        If the price list is unreadable or its offers do not fit the scenario (e.g. a
        monitoring class the fleet does not have), naming the key path.
    """
    return scn.override({"contracts": load_price_list(path)})
