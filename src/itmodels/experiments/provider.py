"""Provider decisions: the lever values that maximise the provider's margin under an offer.

A *lever* is any scenario key the provider decides, written as a dotted path with the
values to try: how often preventive maintenance is done
(``contracts.<offer>.maintenance.preventive.every``), at what age a device class is
replaced (``fleet.<class>.replace_at``; ``None`` for never).  :func:`provider_optimum`
simulates every combination of the values (a grid) on common random numbers (the same
seed, so replication ``r`` of every candidate sees the same device lives and incidents)
and picks the candidate with the highest mean provider margin.  It reports, beside the
provider's margin, what the client pays in total at each candidate, so that the seed's
incentive claim can be measured: what does the provider's own interest make it do under
each offer, and what does that cost the client?  :func:`provider_incentives` does this
for several offers and puts the optima side by side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from itmodels.contracts import default_baseline, make_contract
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.metrics import METRICS
from itmodels.scenario import Scenario

__all__ = ["Incentives", "ProviderOptimum", "provider_incentives", "provider_optimum"]

#: Metrics shown for every candidate, with their interval.
SHOWN = ("provider_margin", "client_total_cost")
#: Metrics shown for every candidate as a mean only.
MEANS = (
    "provider_revenue",
    "provider_cost",
    "client_cash_cost",
    "downtime_cost",
    "hardware_failures",
)


@dataclass(frozen=True)
class ProviderOptimum:
    """The candidates of a lever search under one offer, and the best for the provider.

    Attributes
    ----------
    offer : str
        The offer the provider works under.
    levers : tuple of str
        The dotted scenario keys searched.
    table : DataFrame
        One row per candidate, in grid order: a column per lever, then ``<metric>``,
        ``<metric>_ci_low``, ``<metric>_ci_high`` for the objective, ``provider_margin``
        and ``client_total_cost``, the means of a few more metrics, ``gap`` (the mean
        paired shortfall of the objective against the best candidate, with
        ``gap_ci_low`` and ``gap_ci_high``), ``near_best`` (the paired interval of the
        shortfall reaches zero: these replications do not tell the candidate from the
        best) and ``best``.
    runs : DataFrame
        Per candidate (``candidate``, the row of ``table``) and replication, the metrics.
    best : int
        The row of ``table`` with the highest mean objective (the first, on ties).
    objective : str
        The metric maximised.
    replications, seed : int
        The replications of every candidate (on the same seed).
    level : float
        Confidence level of the intervals.
    """

    offer: str
    levers: tuple[str, ...]
    table: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)
    best: int
    objective: str
    replications: int
    seed: int
    level: float

    @property
    def values(self) -> dict[str, Any]:
        """The lever values at the optimum, by key."""
        row = self.table.iloc[self.best]
        return {k: _plain(row[k]) for k in self.levers}

    @property
    def margin(self) -> float:
        """The provider's mean margin at the optimum."""
        return float(self.table["provider_margin"].iloc[self.best])

    @property
    def client_total_cost(self) -> float:
        """The client's mean total cost (cash plus downtime) at the optimum."""
        return float(self.table["client_total_cost"].iloc[self.best])

    def at_best(self, metric: str) -> np.ndarray:
        """``metric`` per replication at the optimum, in replication order."""
        return self._column(self.best, metric)

    def _column(self, candidate: int, metric: str) -> np.ndarray:
        runs = self.runs[self.runs["candidate"] == candidate].sort_values("replication")
        return runs[metric].to_numpy(dtype=float)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return (
            f"<ProviderOptimum {self.offer!r}: {shown}; mean {self.objective}"
            f" {self.table[self.objective].iloc[self.best]:,.2f}, client total cost"
            f" {self.client_total_cost:,.2f} ({len(self.table)} candidates,"
            f" {self.replications} replications, seed {self.seed})>"
        )


def _plain(value: Any) -> Any:
    """A table cell as plain Python (``None`` for a lever left unwritten)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _grid(levers: Mapping[str, Sequence[Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not isinstance(levers, Mapping) or not levers:
        raise ValueError(
            "levers must map at least one dotted scenario key to the values to try, e.g."
            " {'fleet.desktop.replace_at': ['3y', '4y', None]}"
        )
    keys = list(levers)
    for key in keys:
        values = levers[key]
        if not isinstance(key, str) or not key:
            raise ValueError(f"lever {key!r} is not a dotted scenario key such as 'client.users'")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ValueError(
                f"lever {key!r}: expected a non-empty list of values to try, got {values!r}"
            )
    return keys, list(itertools.product(*(list(levers[k]) for k in keys)))


def provider_optimum(
    scenario: Scenario,
    offer: str,
    levers: Mapping[str, Sequence[Any]],
    replications: int = 50,
    seed: int = 0,
    *,
    objective: str = "provider_margin",
    level: float = 0.95,
    executor: Executor | None = None,
    max_events: int | None = None,
) -> ProviderOptimum:
    """The lever values that maximise the provider's expected margin under ``offer``.

    Parameters
    ----------
    scenario : Scenario
        Must define ``offer``.
    offer : str
        The offer the provider works under.
    levers : mapping of str to sequence
        Dotted scenario keys the provider decides, with the values to try; every
        combination is a candidate (a grid).  ``None`` leaves a key unwritten (for
        ``replace_at``: never replace), e.g. ``{"fleet.desktop.replace_at": ["2y", "4y",
        None], "contracts.complete.maintenance.preventive.every": ["1mo", "3mo"]}``.
    replications, seed : int
        Replications of every candidate, all on the same seed (common random numbers:
        the candidates' differences are paired).
    objective : str
        The metric the provider maximises (default its margin).
    level : float
        Confidence level of the intervals.
    executor : Executor, optional
        Where to run the replications (see ``run_experiment``).
    max_events : int, optional
        Event limit of one replication (see :func:`~itmodels.experiments.run.simulate`).

    Returns
    -------
    ProviderOptimum
        The table of candidates and the best one (``.values``, ``.margin``,
        ``.client_total_cost``).

    Raises
    ------
    ValueError
        If the offer, the objective or the levers are not usable.
    ScenarioError
        If a lever value makes an invalid scenario (raised before anything is run).

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> best = itm.provider_optimum(scn, "flat_rate",
    ...     {"fleet.desktop.replace_at": ["3y", None]}, replications=5)  # doctest: +SKIP
    >>> best.values  # doctest: +SKIP
    {'fleet.desktop.replace_at': None}
    """
    make_contract(scenario, offer)  # refuses an offer the scenario does not define
    if objective not in METRICS:
        raise ValueError(f"objective must be one of the metrics {list(METRICS)}, got {objective!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    keys, grid = _grid(levers)
    points = [scenario.override(dict(zip(keys, values, strict=True))) for values in grid]
    frames = []
    for i, point in enumerate(points):
        res = run_experiment(
            point, replications, seed, contracts=(offer,), executor=executor,
            progress=False, max_events=max_events,
        )  # fmt: skip
        frame = res.metrics.drop(columns="contract").sort_values("replication")
        frame.insert(0, "candidate", i)
        frames.append(frame)
    runs = pd.concat(frames, ignore_index=True)
    table = _table(keys, grid, runs, objective, level)
    means = table[objective].to_numpy(dtype=float)
    if np.isnan(means).all():
        raise ValueError(f"{objective} is undefined (NaN) at every candidate; choose another")
    best = int(np.nanargmax(means))
    table = _gaps(table, runs, best, objective, level)
    return ProviderOptimum(
        offer, tuple(keys), table, runs, best, objective, replications, seed, level
    )


def _table(
    keys: list[str],
    grid: list[tuple[Any, ...]],
    runs: pd.DataFrame,
    objective: str,
    level: float,
) -> pd.DataFrame:
    rows = []
    shown = tuple(dict.fromkeys((objective, *SHOWN)))
    for i, values in enumerate(grid):
        mine = runs[runs["candidate"] == i]
        row: dict[str, Any] = dict(zip(keys, values, strict=True))
        for metric in shown:
            mean, _, lo, hi, _ = mean_ci(mine[metric].to_numpy(dtype=float), level)
            row[metric], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = mean, lo, hi
        for metric in MEANS:
            if metric not in shown:
                row[metric] = float(mine[metric].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def _gaps(
    table: pd.DataFrame, runs: pd.DataFrame, best: int, objective: str, level: float
) -> pd.DataFrame:
    """Add the paired shortfall of each candidate against the best."""
    by = runs.pivot(index="replication", columns="candidate", values=objective).sort_index()
    top = by[best].to_numpy(dtype=float)
    gaps = [mean_ci(top - by[i].to_numpy(dtype=float), level) for i in range(len(table))]
    table = table.copy()
    table["gap"] = [g[0] for g in gaps]
    table["gap_ci_low"] = [g[2] for g in gaps]
    table["gap_ci_high"] = [g[3] for g in gaps]
    low = table["gap_ci_low"].to_numpy(dtype=float)
    table["near_best"] = (table.index == best) | ~(low > 0)
    table["best"] = table.index == best
    return table


@dataclass(frozen=True)
class Incentives:
    """What the provider's own interest makes it do under each offer, and what that costs
    the client (:func:`provider_incentives`).

    Attributes
    ----------
    optima : dict of str to ProviderOptimum
        The lever search of each offer, by offer name, in the order searched.
    baseline : str
        The offer the client's cost is compared with.
    table : DataFrame
        The headline table, one row per offer: ``offer``, ``levers`` (the lever values
        the provider chooses, as text), ``provider_margin`` and ``client_total_cost``
        with their intervals, and ``vs_baseline`` (the mean paired difference of the
        client's total cost, this offer at its provider's optimum − the baseline at its
        own), with ``vs_baseline_ci_low`` and ``vs_baseline_ci_high``.
    level : float
        Confidence level of the intervals.
    """

    optima: dict[str, ProviderOptimum]
    baseline: str
    table: pd.DataFrame
    level: float

    def __repr__(self) -> str:
        return f"<Incentives, baseline {self.baseline!r}:\n{self.table.to_string()}>"

    def difference(self, offer: str) -> tuple[float, float, float]:
        """Mean and interval of the paired difference of the client's total cost,
        ``offer`` at its provider's optimum − the baseline at its own."""
        mine = self.optima[offer].at_best("client_total_cost")
        diff = mine - self.optima[self.baseline].at_best("client_total_cost")
        mean, _, lo, hi, _ = mean_ci(diff, self.level)
        return mean, lo, hi


def _words(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {'not written' if v is None else v}" for k, v in values.items())


def provider_incentives(
    scenario: Scenario,
    levers: Mapping[str, Mapping[str, Sequence[Any]]],
    replications: int = 50,
    seed: int = 0,
    *,
    baseline: str | None = None,
    level: float = 0.95,
    executor: Executor | None = None,
    max_events: int | None = None,
) -> Incentives:
    """For each offer, the provider's own optimum and what it costs the client.

    Parameters
    ----------
    scenario : Scenario
    levers : mapping of str to mapping
        For each offer to search, its levers as :func:`provider_optimum` takes them
        (offers may have different levers: maintenance belongs to one offer's terms).
    replications, seed : int
        The same replications for every offer and candidate (common random numbers).
    baseline : str, optional
        The offer the others' client cost is compared with (default: the first offer of
        a pay-per-incident model among ``levers``, else the first).
    level : float
        Confidence level of the intervals.
    executor : Executor, optional
    max_events : int, optional

    Returns
    -------
    Incentives
        With the headline ``table`` and each offer's :class:`ProviderOptimum`.
    """
    if not isinstance(levers, Mapping) or not levers:
        raise ValueError("levers must map each offer to search to its levers")
    offers = {name: scenario.contracts[name] for name in levers if name in scenario.contracts}
    for name in levers:
        make_contract(scenario, name)
    base = default_baseline(offers) if baseline is None else baseline
    if base not in levers:
        raise ValueError(f"baseline {base!r} is not one of the offers searched {list(levers)}")
    optima = {
        name: provider_optimum(
            scenario, name, lever, replications, seed, level=level, executor=executor,
            max_events=max_events,
        )
        for name, lever in levers.items()
    }  # fmt: skip
    rows = []
    inc = Incentives(optima, base, pd.DataFrame(), level)
    for name, opt in optima.items():
        row = opt.table.iloc[opt.best]
        diff = inc.difference(name)
        rows.append(
            {
                "offer": name,
                "levers": _words(opt.values),
                **{
                    f"{m}{s}": float(row[f"{m}{s}"])
                    for m in SHOWN
                    for s in ("", "_ci_low", "_ci_high")
                },
                "vs_baseline": diff[0],
                "vs_baseline_ci_low": diff[1],
                "vs_baseline_ci_high": diff[2],
            }
        )
    return Incentives(optima, base, pd.DataFrame(rows), level)
