"""What a report shows of a fit, as plain data, and the file it is kept in.

``itmodels fit --out prospect.yaml`` writes the fitted scenario and, beside it,
``prospect.fit.json``: the evidence table, what was not fitted, the intervals' level and
the data of the fit's charts.  ``itmodels compare prospect.yaml --fit prospect.fit.json``
reads it back (:func:`read_fit_summary`) to add a "Your data" section to the report, and
with ``--fit-uncertainty`` to draw each replication's parameters from their sampling
distribution (:meth:`FitSummary.parameter_draws`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from itmodels.files import REPLACE_HINT, write_text
from itmodels.fitting.draws import FitDraws

__all__ = ["FIT_FILE_FORMAT", "FitSummary", "fit_file_for", "read_fit_summary"]

#: the format version of a ``.fit.json`` file
FIT_FILE_FORMAT = 1
_EVIDENCE = ["key", "estimate", "low", "high", "unit", "n", "source", "method", "note"]
_SKIPPED = ["key", "reason", "source"]


def fit_file_for(scenario_path: str | os.PathLike[str]) -> Path:
    """The fit file written beside a fitted scenario: ``prospect.yaml`` -> ``prospect.fit.json``.

    Parameters
    ----------
    scenario_path : path
        The fitted scenario's YAML file.

    Returns
    -------
    pathlib.Path
    """
    path = Path(scenario_path)
    return path.with_name(f"{path.stem}.fit.json")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, pd.Timestamp):
                clean[str(k)] = v.isoformat()
            elif isinstance(v, float | np.floating) and not np.isfinite(v):
                clean[str(k)] = None
            elif isinstance(v, np.integer):
                clean[str(k)] = int(v)
            elif isinstance(v, np.floating):
                clean[str(k)] = float(v)
            elif isinstance(v, np.bool_):
                clean[str(k)] = bool(v)
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


@dataclass(frozen=True, eq=False)
class FitSummary:
    """A fit as a report shows it: evidence, what was skipped, the charts' data.

    Made by :meth:`itmodels.fitting.fit.Fit.summary` or read by
    :func:`read_fit_summary`.

    Attributes
    ----------
    evidence : pandas.DataFrame
        As :attr:`itmodels.fitting.fit.Fit.evidence`.
    skipped : pandas.DataFrame
        As :attr:`itmodels.fitting.fit.Fit.skipped`.
    level : float
        The intervals' confidence level.
    plots : dict of str to pandas.DataFrame
        ``survival``, ``rates``, ``work`` (as :attr:`itmodels.fitting.fit.Fit.plots`).
    period : str
        The tickets' observed period in words ("" without tickets).
    """

    evidence: pd.DataFrame
    skipped: pd.DataFrame
    level: float
    plots: dict[str, pd.DataFrame] = field(default_factory=dict)
    period: str = ""

    def parameter_draws(self) -> FitDraws:
        """Draws of the fitted parameters per replication (see :mod:`itmodels.fitting.draws`).

        Returns
        -------
        FitDraws
        """
        return FitDraws(self.evidence, self.level)

    def to_json(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the summary as JSON, atomically; an existing file is refused.

        Parameters
        ----------
        path : path
            The file (by convention :func:`fit_file_for` the fitted YAML).
        overwrite : bool, default False
            Replace an existing file.

        Returns
        -------
        pathlib.Path

        Raises
        ------
        FileExistsError
            When ``path`` exists and ``overwrite`` is False.
        """
        target = Path(path)
        data = {
            "format": FIT_FILE_FORMAT,
            "kind": "itmodels fit",
            "level": self.level,
            "period": self.period,
            "evidence": _records(self.evidence),
            "skipped": _records(self.skipped),
            "plots": {k: _records(v) for k, v in self.plots.items()},
        }
        text = json.dumps(data, indent=1, allow_nan=False)
        return write_text(target, text, overwrite=overwrite, hint=REPLACE_HINT)


def _frame(rows: Any, columns: list[str], path: Path, what: str) -> pd.DataFrame:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{path}: {what}: expected a list of records (rows)")
    frame = pd.DataFrame(rows, columns=columns if not rows else None)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: {what}: the rows lack the column(s) {missing}")
    return frame


def read_fit_summary(path: str | os.PathLike[str]) -> FitSummary:
    """Read a fit file written by ``itmodels fit`` (:meth:`FitSummary.to_json`).

    Parameters
    ----------
    path : path
        The ``.fit.json`` file.

    Returns
    -------
    FitSummary

    Raises
    ------
    ValueError
        If the file is not a fit file of a known format (the message names the file and
        what is wrong).
    FileNotFoundError
        If it does not exist.
    """
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file}: not a fit file written by itmodels fit ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != "itmodels fit":
        raise ValueError(f"{file}: not a fit file written by itmodels fit (no kind: itmodels fit)")
    if data.get("format") != FIT_FILE_FORMAT:
        raise ValueError(
            f"{file}: format {data.get('format')!r}, expected {FIT_FILE_FORMAT}; fit the data"
            " again with this version of itmodels"
        )
    level = data.get("level")
    if not isinstance(level, int | float) or not 0 < level < 1:
        raise ValueError(f"{file}: level: expected a confidence level between 0 and 1")
    evidence = _frame(data.get("evidence"), _EVIDENCE, file, "evidence")
    for col in ("estimate", "low", "high"):
        evidence[col] = pd.to_numeric(evidence[col], errors="raise").astype(float)
    evidence["n"] = evidence["n"].astype("int64")
    skipped = _frame(data.get("skipped", []), _SKIPPED, file, "skipped")
    plots_in = data.get("plots", {})
    if not isinstance(plots_in, dict):
        raise ValueError(f"{file}: plots: expected a mapping of chart names to rows")
    plots = {str(k): pd.DataFrame(_frame(v, [], file, f"plots.{k}")) for k, v in plots_in.items()}
    if "rates" in plots and "start" in plots["rates"]:
        plots["rates"]["start"] = pd.to_datetime(plots["rates"]["start"])
    for frame in plots.values():
        for col in ("low", "high"):
            if col in frame:
                frame[col] = pd.to_numeric(frame[col]).astype(float)
    return FitSummary(
        evidence=evidence,
        skipped=skipped,
        level=float(level),
        plots=plots,
        period=str(data.get("period", "")),
    )
