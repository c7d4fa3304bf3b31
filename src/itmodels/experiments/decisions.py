"""Decisions: break-even and target-margin fees, parameter sweeps, sensitivity (tornado).

The flat fee changes nothing in the simulation but the bill: the client's cash cost is
``A + fee * K`` in every replication, where ``K`` counts the fee-months billed less the
share refunded as SLA credits.  So one experiment on common random numbers gives the
break-even fee exactly, with a delta-method interval, instead of blind root-finding.  A
contract that does not declare its fee linear falls back to a bracketing solver
(``scipy.optimize.brentq``) on the same replications.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from itmodels.contracts import CONTRACT_TYPES
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.result import ExperimentResult
from itmodels.scenario import Scenario

__all__ = [
    "FeeEstimate",
    "Per",
    "break_even_fee",
    "sensitivity",
    "sweep",
    "target_margin_fee",
]

Per = Literal["device", "user", "server"]


@dataclass(frozen=True)
class FeeEstimate:
    """A flat-rate fee found by :func:`break_even_fee` or :func:`target_margin_fee`.

    ``float(estimate)`` is the fee.
    """

    fee: float
    ci_low: float
    ci_high: float
    level: float
    key: str
    basis: str
    method: str
    replications: int
    seed: int

    def __float__(self) -> float:
        return self.fee

    def __repr__(self) -> str:
        return (
            f"<FeeEstimate {self.key} = {self.fee:,.2f} per month"
            f" ({self.level:.0%} CI {self.ci_low:,.2f} to {self.ci_high:,.2f}; basis"
            f" {self.basis}, {self.method}, {self.replications} replications, seed {self.seed})>"
        )


def _fee_key(scenario: Scenario, per: Per) -> tuple[str, float]:
    flat = scenario.contracts.flat_rate
    if flat is None:
        raise ValueError(f"scenario {scenario.name!r} defines no flat_rate contract")
    if per not in ("device", "user", "server"):
        raise ValueError(f"per must be 'device', 'user' or 'server', got {per!r}")
    if per == "device":
        servers_apart = flat.fee_per_server is not None
        units = sum(d.count for d in scenario.fleet if not (servers_apart and d.server))
    elif per == "user":
        units = scenario.client.users
    else:
        units = sum(d.count for d in scenario.fleet if d.server)
        if flat.fee_per_server is None:
            raise ValueError("per='server' needs contracts.flat_rate.fee_per_server")
    if units == 0:
        raise ValueError(f"no {per}s are billed at fee_per_{per}: the fee cannot move the cost")
    return f"contracts.flat_rate.fee_per_{per}", float(units)


def _slopes(res: ExperimentResult, units: float) -> np.ndarray:
    """Per replication, d(client cash)/d(fee): billed fee-months less credited shares."""
    mo = res.monthly[res.monthly["contract"] == "flat_rate"]
    fee = mo["fee"].to_numpy()
    credited = np.divide(mo["sla_credit"].to_numpy(), fee, out=np.zeros_like(fee), where=fee > 0)
    kept = pd.Series(1.0 - credited).groupby(mo["replication"].to_numpy()).sum()
    return units * kept.sort_index().to_numpy()


def _ratio(x: np.ndarray, k: np.ndarray, level: float) -> tuple[float, float, float]:
    """``mean(x) / mean(k)`` with a delta-method t-interval."""
    n = len(x)
    ratio = float(x.mean() / k.mean())
    if n < 2:
        return ratio, math.nan, math.nan
    cov = np.cov(x, k, ddof=1)
    var = (cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]) / (n * k.mean() ** 2)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * math.sqrt(max(var, 0.0))
    return ratio, ratio - half, ratio + half


def _reference(scenario: Scenario, key: str) -> tuple[Scenario, float]:
    """The scenario with a non-zero fee at ``key`` (so credit shares can be read off)."""
    current = scenario.value_at(key)
    ref = float(current) if current else 1.0
    return (scenario if current else scenario.override({key: ref})), ref


def break_even_fee(
    scenario: Scenario,
    replications: int = 200,
    seed: int = 0,
    *,
    basis: Literal["total", "cash"] = "total",
    per: Per = "device",
    level: float = 0.95,
    executor: Executor | None = None,
    progress: bool = False,
    result: ExperimentResult | None = None,
) -> FeeEstimate:
    """The flat-rate fee at which the client's expected cost equals break-fix.

    Parameters
    ----------
    scenario : Scenario
        Must define both contracts.
    replications, seed : int
        The replications used: the same as ``run_experiment(scenario, replications, seed)``,
        so at the returned fee the mean paired difference of the cost over them is zero.
    basis : {"total", "cash"}
        Compare ``client_total_cost`` (cash plus downtime) or ``client_cash_cost``.
    per : {"device", "user", "server"}
        Which fee to solve for; the other fees stay as the scenario writes them.
    level : float
        Confidence level of the interval.
    executor : Executor, optional
        Where to run the replications (see :func:`run_experiment`).
    progress : bool
        Show a progress bar.
    result : ExperimentResult, optional
        An experiment already run on this scenario with both contracts, to reuse instead
        of running the replications again (its replications and seed are used).

    Returns
    -------
    FeeEstimate
        ``float(result)`` is the fee (negative if break-fix is cheaper even at no fee).

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> fee = itm.break_even_fee(scn, replications=10, seed=7)
    >>> float(fee) > 0
    True
    """
    metric = {"total": "client_total_cost", "cash": "client_cash_cost"}.get(basis)
    if metric is None:
        raise ValueError(f"basis must be 'total' or 'cash', got {basis!r}")
    if scenario.contracts.break_fix is None:
        raise ValueError(f"scenario {scenario.name!r} defines no break_fix contract")
    key, units = _fee_key(scenario, per)
    ref_scn, ref = _reference(scenario, key)

    def run(s: Scenario) -> ExperimentResult:
        return run_experiment(
            s, replications, seed, executor=executor, progress=progress,
            contracts=("break_fix", "flat_rate"),
        )  # fmt: skip

    if not CONTRACT_TYPES["flat_rate"].fee_is_linear:
        return _bracket(scenario, key, metric, run, replications, seed, level, basis)
    reusable = (
        result is not None
        and result.scenario == ref_scn
        and {"break_fix", "flat_rate"} <= set(result.contracts)
    )
    if result is not None and not reusable:
        raise ValueError(
            "result= must come from run_experiment on this same scenario, with both"
            f" contracts and a non-zero {key}"
        )
    res = result if result is not None and reusable else run(ref_scn)
    replications, seed = res.replications, res.seed
    m = res.metrics.set_index(["contract", "replication"])[metric]
    x = (m["break_fix"] - m["flat_rate"]).sort_index().to_numpy()
    ratio, lo, hi = _ratio(x, _slopes(res, units), level)
    return FeeEstimate(ref + ratio, ref + lo, ref + hi, level, key, basis, "linear",
                       replications, seed)  # fmt: skip


def _bracket(
    scenario: Scenario,
    key: str,
    metric: str,
    run: Callable[[Scenario], ExperimentResult],
    replications: int,
    seed: int,
    level: float,
    basis: str,
) -> FeeEstimate:
    """Root of the mean paired difference by brentq, every evaluation on the same seeds."""

    def gap(fee: float) -> float:
        d = run(scenario.override({key: fee})).compare("break_fix", "flat_rate")
        return float(d.loc[metric, "mean"])

    lo, hi = 0.0, max(float(scenario.value_at(key) or 0.0), 10.0)
    if gap(lo) > 0:
        return FeeEstimate(lo, math.nan, math.nan, level, key, basis, "bracket", replications, seed)
    while gap(hi) < 0:
        hi *= 2
        if hi > 1e9:
            raise RuntimeError(f"no break-even {key} below 1e9")
    fee = optimize.brentq(gap, lo, hi, xtol=1e-6)
    return FeeEstimate(fee, math.nan, math.nan, level, key, basis, "bracket", replications, seed)


def target_margin_fee(
    scenario: Scenario,
    target: float = 0.4,
    replications: int = 200,
    seed: int = 0,
    *,
    per: Per = "device",
    level: float = 0.95,
    executor: Executor | None = None,
    progress: bool = False,
) -> FeeEstimate:
    """The flat-rate fee at which the provider's expected margin is ``target`` of revenue.

    Solves ``E[revenue] - E[cost] = target * E[revenue]`` under the flat-rate contract:
    revenue is linear in the fee and the provider's cost does not depend on it.

    Parameters
    ----------
    target : float
        Margin as a share of revenue, below 1 (e.g. 0.4 for a 40 % gross margin).

    Returns
    -------
    FeeEstimate

    Examples
    --------
    >>> import itmodels as itm
    >>> fee = itm.target_margin_fee(itm.load_scenario("small-office"), 0.45, 10, seed=7)
    >>> float(fee) > 0
    True
    """
    if not -1 < target < 1:
        raise ValueError(f"target must be a margin share below 1, got {target!r}")
    key, units = _fee_key(scenario, per)
    ref_scn, ref = _reference(scenario, key)
    res = run_experiment(
        ref_scn, replications, seed, contracts=("flat_rate",), executor=executor,
        progress=progress,
    )  # fmt: skip
    m = res.metrics.sort_values("replication")
    x = m["provider_cost"].to_numpy() / (1 - target) - m["provider_revenue"].to_numpy()
    ratio, lo, hi = _ratio(x, _slopes(res, units), level)
    return FeeEstimate(ref + ratio, ref + lo, ref + hi, level, key, f"margin {target:.0%}",
                       "linear", replications, seed)  # fmt: skip


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    replications: int = 50,
    seed: int = 0,
    *,
    contracts: Sequence[str] | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run an experiment at every point of a parameter grid, on the same seeds.

    Parameters
    ----------
    grid : mapping of str to sequence
        Dotted scenario keys and the values to try, e.g.
        ``{"client.users": [5, 10, 20], "contracts.flat_rate.fee_per_device": [40, 60]}``.

    Returns
    -------
    DataFrame
        One row per grid point, contract and replication: a column per swept key, then
        ``contract``, ``replication`` and the metrics.
    """
    if not grid:
        raise ValueError("grid must name at least one scenario key")
    keys = list(grid)
    frames = []
    for values in itertools.product(*(list(grid[k]) for k in keys)):
        point = scenario.override(dict(zip(keys, values, strict=True)))
        res = run_experiment(
            point, replications, seed, contracts=contracts, executor=executor, progress=progress
        )
        frame = res.metrics.copy()
        for i, (k, v) in enumerate(zip(keys, values, strict=True)):
            frame.insert(i, k, v)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def sensitivity(
    scenario: Scenario,
    params: Sequence[str],
    rel: float = 0.2,
    replications: int = 50,
    seed: int = 0,
    *,
    metric: str = "client_total_cost",
    contract: str | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: the metric with each parameter at -rel and +rel.

    Parameters
    ----------
    params : sequence of str
        Dotted keys of numeric scenario values.
    rel : float
        Relative change, e.g. 0.2 for -20 % and +20 %.  Whole-number parameters (counts)
        move by at least one either way; the values used are in the table.
    metric : str
        The metric to watch.
    contract : str, optional
        Watch the metric under this contract; by default the paired difference
        ``flat_rate - break_fix`` (negative: flat-rate is lower).

    Returns
    -------
    DataFrame
        Tornado data, one row per parameter sorted by the size of its effect: ``param``,
        ``base_value``, ``low_value``, ``high_value``, ``base``, ``low``, ``high``,
        ``effect`` (high - low).
    """
    if not 0 < rel < 1:
        raise ValueError(f"rel must be between 0 and 1, got {rel!r}")

    def outcome(s: Scenario) -> float:
        if contract is not None:
            res = run_experiment(s, replications, seed, contracts=(contract,),
                                 executor=executor, progress=progress)  # fmt: skip
            return float(res.metrics[metric].mean())
        res = run_experiment(s, replications, seed, executor=executor, progress=progress)
        return float(res.compare("break_fix", "flat_rate").loc[metric, "mean"])

    base = outcome(scenario)
    rows = []
    for key in params:
        value = scenario.value_at(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key!r} is not a number (it is {value!r}); cannot vary it")
        as_int = isinstance(value, int)
        low_v, high_v = value * (1 - rel), value * (1 + rel)
        if as_int:  # a whole number moves by at least one, or it would not move at all
            low_v, high_v = min(round(low_v), value - 1), max(round(high_v), value + 1)
        low = outcome(scenario.override({key: low_v}))
        high = outcome(scenario.override({key: high_v}))
        rows.append((key, value, low_v, high_v, base, low, high, high - low))
    cols = ["param", "base_value", "low_value", "high_value", "base", "low", "high", "effect"]
    table = pd.DataFrame(rows, columns=cols)
    order = table["effect"].abs().sort_values(ascending=False).index
    return table.loc[order].reset_index(drop=True)
