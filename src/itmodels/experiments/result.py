"""The result of an experiment: tidy DataFrames and the statistics over them."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from itmodels.contracts import default_baseline
from itmodels.experiments.analysis import budget_table, paired_table, summary_table, unpaired_table
from itmodels.experiments.metrics import METRICS
from itmodels.experiments.store import FORMAT_VERSION, write_dir_atomically
from itmodels.scenario import Scenario, scenario_from_mapping

if TYPE_CHECKING:
    from itmodels.charts.plots import PlotAccessor

__all__ = ["ExperimentResult", "Stopping"]


@dataclass(frozen=True)
class Stopping:
    """How a run with a precision target (``run_experiment(precision=...)``) ended.

    Every offer is compared, paired by replication, with ``baseline``; the run stopped
    after the first whole batch at which each difference's 95 % interval was narrow
    enough, or at the cap.  ``other``, ``mean``, ``half_width`` and ``target`` describe
    the pair furthest from its target (the one that decided when to stop).

    Attributes
    ----------
    metric : str
        The metric whose paired difference was watched.
    baseline : str
        The offer every other offer was compared with.
    relative : float or None
        The relative precision asked (0.02: the half-width at most 2 % of ``|mean|``).
    absolute : float or None
        The absolute precision asked (the half-width at most this, in the metric's units).
    batch : int
        Replications per batch; the rule was checked after each whole batch only.
    max_replications : int
        The cap.
    replications : int
        Replications run per offer.
    reached : bool
        True if the precision was reached; False if the cap stopped the run.
    other : str
        The offer of the pair furthest from its target.
    mean : float
        Its mean paired difference ``other - baseline``.
    half_width : float
        Half the width of that difference's 95 % interval.
    target : float
        The half-width allowed for that pair: ``max(relative * |mean|, absolute)``
        (a missing criterion counts as 0).
    """

    metric: str
    baseline: str
    relative: float | None
    absolute: float | None
    batch: int
    max_replications: int
    replications: int
    reached: bool
    other: str
    mean: float
    half_width: float
    target: float

    def as_dict(self) -> dict[str, object]:
        """The record as a plain dict (JSON-ready)."""
        return asdict(self)


class ExperimentResult:
    """Replications of every contract of one scenario, on common random numbers.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    contracts : tuple of str
    metrics : DataFrame
        Columns ``contract``, ``replication``, then one per metric; sorted by contract,
        then replication.
    monthly : DataFrame
        Columns ``contract``, ``replication``, ``month``, then money per month (``fee``,
        ``labour``, ``trip``, ``parts``, ``hardware``, ``sla_credit``, ``client_cash``,
        ``provider_revenue``, ``provider_cost``) and ``downtime_cost``.
    runs : dict or None
        With ``keep_runs=True``: ``{(contract, replication): {"incidents": df, "ledger": df}}``.
    stopping : Stopping or None
        For a run with a precision target: how many replications were needed and
        whether the precision was reached (None for a fixed number of replications).
    parameter_uncertainty : str or None
        For a run with ``vary=`` (parameters drawn per replication): one sentence saying
        what was drawn and how, so that reports say the intervals include estimation
        error; None when every replication ran on the scenario as given.
    draws : DataFrame or None
        With ``vary=``: ``replication``, then the value drawn for each parameter.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        contracts: Sequence[str],
        metrics: pd.DataFrame,
        monthly: pd.DataFrame,
        runs: dict[tuple[str, int], dict[str, pd.DataFrame]] | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.contracts = tuple(contracts)
        self.metrics = metrics
        self.monthly = monthly
        self.runs = runs
        self.stopping: Stopping | None = None
        self.parameter_uncertainty: str | None = None
        self.draws: pd.DataFrame | None = None
        self._baseline: str | None = None

    @classmethod
    def from_frames(
        cls,
        scenario: Scenario,
        seed: int,
        contracts: Sequence[str],
        metrics: pd.DataFrame,
        monthly: pd.DataFrame,
        runs: dict[tuple[str, int], dict[str, pd.DataFrame]] | None = None,
    ) -> ExperimentResult:
        """Build a result, sorting rows into their documented order."""
        kind = pd.CategoricalDtype(list(dict.fromkeys(contracts)))  # in the scenario's order
        for frame in (metrics, monthly):
            frame["contract"] = frame["contract"].astype(str).astype(kind)
            frame["replication"] = frame["replication"].astype("int64")
        monthly["month"] = monthly["month"].astype("int64")
        metrics = metrics.sort_values(["contract", "replication"], ignore_index=True)
        monthly = monthly.sort_values(["contract", "replication", "month"], ignore_index=True)
        return cls(scenario, seed, contracts, metrics, monthly, runs)

    @property
    def replications(self) -> int:
        """Replications per contract."""
        return int(self.metrics["replication"].nunique())

    # ------------------------------------------------------------------ statistics
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per contract and metric: mean, std, t-interval, P5/P50/P95 (see ``summary_table``)."""
        return summary_table(self.metrics, level)

    @property
    def baseline(self) -> str:
        """The offer others are compared against by default: the one chosen with
        :meth:`with_baseline`, else the scenario's first pay-per-incident offer among those
        run, else the first offer run.  Charts, takeaways, claims and reports use it."""
        if self._baseline is not None:
            return self._baseline
        offers = {n: t for n, t in self.scenario.contracts.items() if n in self.contracts}
        return default_baseline(offers) if offers else self.contracts[0]

    def with_baseline(self, baseline: str) -> ExperimentResult:
        """The same result (same data, not copied) with ``baseline`` as its baseline.

        Raises
        ------
        ValueError
            If ``baseline`` is not an offer of this result.
        """
        if baseline not in self.contracts:
            raise ValueError(
                f"baseline {baseline!r} is not an offer of this result; its offers are"
                f" {list(self.contracts)}"
            )
        other = copy.copy(self)
        other._baseline = baseline
        return other

    def _other(self, baseline: str, other: str | None) -> str:
        for name in (baseline, other):
            if name is not None and name not in self.contracts:
                raise ValueError(
                    f"no replications of contract {name!r}; this result has {list(self.contracts)}"
                )
        if other is not None:
            return other
        rest = [c for c in self.contracts if c != baseline]
        if len(rest) != 1:
            raise ValueError(f"name the contract to compare with {baseline!r}: other=one of {rest}")
        return rest[0]

    def compare(
        self,
        baseline: str | None = None,
        other: str | None = None,
        *,
        level: float = 0.95,
        paired: bool = True,
    ) -> pd.DataFrame:
        """Differences ``other - baseline`` per metric with confidence intervals.

        Parameters
        ----------
        baseline : str, optional
            The offer subtracted (default: :attr:`baseline`).
        other : str, optional
            The other offer (default: the only other one; with three or more offers,
            name it, or see :meth:`compare_all`).
        level : float
            Confidence level.
        paired : bool
            Pair replications (common random numbers; default) or use Welch intervals.

        Returns
        -------
        DataFrame
            Index: metric names.  Columns ``mean``, ``ci_low``, ``ci_high`` of the difference;
            paired tables also have ``std``, ``n``, ``share_lower`` (share of replications in
            which ``other`` is lower: for cost metrics, cheaper), ``mean_baseline`` and
            ``mean_other``.
        """
        baseline = self.baseline if baseline is None else baseline
        other = self._other(baseline, other)
        table = paired_table if paired else unpaired_table
        return table(self.metrics, baseline, other, level)

    def compare_all(self, metric: str = "client_total_cost", level: float = 0.95) -> pd.DataFrame:
        """Every pair of offers: the paired difference ``other - baseline`` of ``metric``.

        Returns
        -------
        DataFrame
            One row per ordered pair of different offers, index ``(baseline, other)``,
            columns as :meth:`compare` gives for ``metric``.
        """
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; expected one of {list(METRICS)}")
        rows = {
            (a, b): paired_table(self.metrics, a, b, level).loc[metric]
            for a in self.contracts
            for b in self.contracts
            if a != b
        }
        if not rows:
            raise ValueError(
                f"compare_all needs two offers or more; this result has {self.contracts}"
            )
        table = pd.DataFrame(rows).T
        table.index = table.index.set_names(["baseline", "other"])
        return table

    def ranking(self, metric: str = "client_total_cost", level: float = 0.95) -> pd.DataFrame:
        """The offers from the lowest mean ``metric`` to the highest.

        Each offer is compared, paired, with the one ranked just above it: ``gap`` is how
        much more it costs on average, with its interval, and ``clear`` says whether that
        interval excludes zero (else the two are not told apart by this many
        replications).

        Returns
        -------
        DataFrame
            Index: offer, in rank order.  Columns ``rank`` (1 is lowest), ``mean``,
            ``ci_low``, ``ci_high`` of the metric, then ``gap``, ``gap_low``,
            ``gap_high``, ``clear`` and ``share_lower`` (share of replications in which
            the offer above is lower) against the offer above (NaN for the first).
        """
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; expected one of {list(METRICS)}")
        summary = self.summary(level).xs(metric, level="metric")
        order = sorted(self.contracts, key=lambda c: (float(summary.loc[c, "mean"]), c))
        rows = []
        for i, name in enumerate(order):
            row = {
                "rank": i + 1,
                "mean": float(summary.loc[name, "mean"]),
                "ci_low": float(summary.loc[name, "ci_low"]),
                "ci_high": float(summary.loc[name, "ci_high"]),
                "gap": math.nan,
                "gap_low": math.nan,
                "gap_high": math.nan,
                "clear": False,
                "share_lower": math.nan,
            }
            if i > 0:
                d = paired_table(self.metrics, order[i - 1], name, level).loc[metric]
                row.update(
                    gap=float(d["mean"]),
                    gap_low=float(d["ci_low"]),
                    gap_high=float(d["ci_high"]),
                    clear=bool(d["ci_low"] > 0 or d["ci_high"] < 0),
                    share_lower=1.0 - float(d["share_lower"]),
                )
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(order, name="contract"))

    def budget(self, column: str = "client_cash") -> pd.DataFrame:
        """Budget predictability per contract: spread of monthly spend (``budget_table``)."""
        return budget_table(self.monthly, column)

    @property
    def plot(self) -> PlotAccessor:
        """The standard charts: ``res.plot.cumulative_cost()``, ``.monthly_spend()``,
        ``.cost_breakdown()``, ``.downtime()`` (Axes) and ``.provider_view()`` (Figure)."""
        from itmodels.charts.plots import (
            PlotAccessor,  # matplotlib loads on first use, not on import
        )

        return PlotAccessor(self)

    # ------------------------------------------------------------------ files
    def to_parquet(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the result to a folder (metrics, monthly, meta), atomically.

        The folder is filled under a temporary name and renamed into place, so a crash
        never leaves a folder that looks complete.

        Returns
        -------
        pathlib.Path
            The folder written.
        """
        path = Path(path)
        meta = {
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "contracts": list(self.contracts),
            "scenario": self.scenario.model_dump(mode="json", exclude_none=True),
            "source": self.scenario.source,
        }
        if self.stopping is not None:
            meta["stopping"] = self.stopping.as_dict()
        if self.parameter_uncertainty is not None:
            meta["parameter_uncertainty"] = self.parameter_uncertainty

        def fill(tmp: Path) -> None:
            self.metrics.to_parquet(tmp / "metrics.parquet", index=False)
            self.monthly.to_parquet(tmp / "monthly.parquet", index=False)
            if self.draws is not None:
                self.draws.to_parquet(tmp / "draws.parquet", index=False)
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")

        write_dir_atomically(path, fill, overwrite)
        return path

    @classmethod
    def read_parquet(cls, path: str | Path) -> ExperimentResult:
        """Read a result written by :meth:`to_parquet`.

        Raises
        ------
        FileNotFoundError
            If the folder or one of its files is missing.
        """
        path = Path(path)
        for name in ("meta.json", "metrics.parquet", "monthly.parquet"):
            if not (path / name).is_file():
                raise FileNotFoundError(f"{path}: not a saved experiment result (no {name})")
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        scenario = scenario_from_mapping(meta["scenario"], source=meta.get("source", str(path)))
        result = cls.from_frames(
            scenario,
            meta["seed"],
            meta["contracts"],
            pd.read_parquet(path / "metrics.parquet"),
            pd.read_parquet(path / "monthly.parquet"),
        )
        if meta.get("stopping") is not None:
            result.stopping = Stopping(**meta["stopping"])
        result.parameter_uncertainty = meta.get("parameter_uncertainty")
        if (path / "draws.parquet").is_file():
            result.draws = pd.read_parquet(path / "draws.parquet")
        return result

    def __repr__(self) -> str:
        means = self.metrics.groupby("contract", observed=True)["client_total_cost"].mean()
        parts = ", ".join(f"{c}: {v:,.0f}" for c, v in means.items())
        return (
            f"<ExperimentResult {self.scenario.name!r}: {self.replications} replications x"
            f" {len(self.contracts)} contracts, seed {self.seed}; mean client_total_cost"
            f" {parts} {self.scenario.currency}; {len(METRICS)} metrics>"
        )
