"""Decisions: break-even and target-margin prices, parameter sweeps, sensitivity (tornado).

A price term (a term in the offer's model's ``price_terms``: a fee per device, per user,
a block price) changes nothing in the simulation but the bill: the client's cash cost is
``A + price * K`` in every replication, where ``K`` counts the units billed each month less
the share refunded as SLA credits.  So one experiment on common random numbers gives the
break-even price exactly, with a delta-method interval, instead of blind root-finding:
break-even and target-margin prices simulate once.

Sweeps and sensitivity simulate each scenario that plays out differently once, and
re-price (:mod:`~itmodels.experiments.reprice`) the points that differ from a simulated
one only in bill terms or provider costs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.contracts import default_baseline, make_contract
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.reprice import PricedRuns, bill_only_keys, run_priced
from itmodels.experiments.result import ExperimentResult
from itmodels.scenario import Scenario

__all__ = [
    "FeeEstimate",
    "Per",
    "break_even_fee",
    "fee_basis",
    "sensitivity",
    "sweep",
    "target_margin_fee",
]

Per = Literal["device", "user", "server"]


def fee_basis(
    scn: Scenario, baseline: str, order: Sequence[str] | None = None
) -> tuple[str, str] | None:
    """The offer and price term a break-even is reported for (``itmodels compare``, the
    sales page): the first offer other than the baseline (in ``order``, e.g. cheapest
    first) with a price term that is set.

    Parameters
    ----------
    scn : Scenario
    baseline : str
        The offer the others are compared with.
    order : sequence of str, optional
        The offers in the order to try (default: the scenario's order).

    Returns
    -------
    tuple of (str, str) or None
        The offer and its price term; None when no other offer has a price set.
    """
    for name in order or scn.contracts:
        if name == baseline:
            continue
        contract = make_contract(scn, name)
        for term in contract.price_terms:
            if getattr(contract.terms, term, None) and contract.price_units(term) > 0:
                return name, term
    return None


@dataclass(frozen=True)
class FeeEstimate:
    """A price found by :func:`break_even_fee` or :func:`target_margin_fee`.

    ``float(estimate)`` is the price; ``key`` is its scenario key
    (``contracts.<offer>.<term>``).
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

    @property
    def offer(self) -> str:
        """The offer whose price was found."""
        return self.key.split(".")[1]

    @property
    def term(self) -> str:
        """The price term solved for (``fee_per_device``)."""
        return self.key.rsplit(".", 1)[-1]

    def __repr__(self) -> str:
        return (
            f"<FeeEstimate {self.key} = {self.fee:,.2f}"
            f" ({self.level:.0%} CI {self.ci_low:,.2f} to {self.ci_high:,.2f}; basis"
            f" {self.basis}, {self.method}, {self.replications} replications, seed {self.seed})>"
        )


def _priced_offer(scenario: Scenario, offer: str | None, baseline: str | None) -> str:
    """The offer to price: ``offer``, else the first one with price terms that is not the
    baseline."""
    if offer is not None:
        make_contract(scenario, offer)  # refuses an offer the scenario does not define
        return offer
    for name in scenario.contracts:
        if name != baseline and make_contract(scenario, name).price_terms:
            return name
    raise ValueError(
        f"scenario {scenario.name!r} has no offer with a price term to solve for"
        f" (other than the baseline {baseline!r}); its offers are {list(scenario.contracts)}"
    )


def _price_key(
    scenario: Scenario, offer: str, per: str | None, term: str | None
) -> tuple[str, float]:
    """The scenario key of the price to solve for and the units billed at it each month."""
    contract = make_contract(scenario, offer)
    terms = contract.price_terms
    if term is None:
        if per is not None and per not in ("device", "user", "server"):
            raise ValueError(f"per must be 'device', 'user' or 'server', got {per!r}")
        wanted = f"fee_per_{per or 'device'}"
        term = wanted if wanted in terms or per is not None else (terms[0] if terms else wanted)
    if term not in terms:
        raise ValueError(
            f"contracts.{offer}.{term} is not a price term of {contract.label}"
            f" (its price terms are {list(terms)})"
        )
    units = contract.price_units(term)
    if units == 0:
        raise ValueError(f"nothing is billed at contracts.{offer}.{term}: it cannot move the cost")
    return f"contracts.{offer}.{term}", float(units)


def _slopes(res: ExperimentResult, units: float, offer: str) -> np.ndarray:
    """Per replication, d(client cash)/d(price): billed units less credited shares."""
    mo = res.monthly[res.monthly["contract"] == offer]
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
    per: Per | None = None,
    level: float = 0.95,
    executor: Executor | None = None,
    progress: bool = False,
    result: ExperimentResult | None = None,
    offer: str | None = None,
    baseline: str | None = None,
    term: str | None = None,
) -> FeeEstimate:
    """The price of an offer at which the client's expected cost equals the baseline's.

    Parameters
    ----------
    scenario : Scenario
        Must define the offer and the baseline.
    replications, seed : int
        The replications used: the same as ``run_experiment(scenario, replications, seed)``,
        so at the returned fee the mean paired difference of the cost over them is zero.
    basis : {"total", "cash"}
        Compare ``client_total_cost`` (cash plus downtime) or ``client_cash_cost``.
    per : {"device", "user", "server"}, optional
        Solve for ``fee_per_<per>`` (default: per device, or the offer's first price
        term when it has no fee per device); the other terms stay as written.
    level : float
        Confidence level of the interval.
    executor : Executor, optional
        Where to run the replications (see :func:`run_experiment`).
    progress : bool
        Show a progress bar.
    result : ExperimentResult, optional
        An experiment already run on this scenario with both offers, to reuse instead
        of running the replications again (its replications and seed are used).
    offer : str, optional
        The offer to price (default: the first offer with a price term that is not the
        baseline).
    baseline : str, optional
        The offer to break even with (default: the first pay-per-incident offer, else
        the first offer).
    term : str, optional
        The price term to solve for, any of the offer's model's ``price_terms``
        (overrides ``per``).

    Returns
    -------
    FeeEstimate
        ``float(result)`` is the price (negative if the baseline is cheaper even at no
        price).

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
    baseline = default_baseline(scenario.contracts) if baseline is None else baseline
    make_contract(scenario, baseline)
    offer = _priced_offer(scenario, offer, baseline)
    if offer == baseline:
        raise ValueError(f"offer and baseline are both {offer!r}; name two different offers")
    key, units = _price_key(scenario, offer, per, term)
    ref_scn, ref = _reference(scenario, key)
    reusable = (
        result is not None
        and result.scenario == ref_scn
        and {baseline, offer} <= set(result.contracts)
    )
    if result is not None and not reusable:
        raise ValueError(
            "result= must come from run_experiment on this same scenario, with both"
            f" {baseline!r} and {offer!r} and a non-zero {key}"
        )
    if result is not None and reusable:
        res = result
    else:
        res = run_experiment(
            ref_scn, replications, seed, executor=executor, progress=progress,
            contracts=(baseline, offer),
        )  # fmt: skip
    replications, seed = res.replications, res.seed
    m = res.metrics.set_index(["contract", "replication"])[metric]
    x = (m[baseline] - m[offer]).sort_index().to_numpy()
    ratio, lo, hi = _ratio(x, _slopes(res, units, offer), level)
    return FeeEstimate(ref + ratio, ref + lo, ref + hi, level, key, basis, "linear",
                       replications, seed)  # fmt: skip


def target_margin_fee(
    scenario: Scenario,
    target: float = 0.4,
    replications: int = 200,
    seed: int = 0,
    *,
    per: Per | None = None,
    level: float = 0.95,
    executor: Executor | None = None,
    progress: bool = False,
    offer: str | None = None,
    term: str | None = None,
) -> FeeEstimate:
    """The price of an offer at which the provider's expected margin is ``target`` of revenue.

    Solves ``E[revenue] - E[cost] = target * E[revenue]`` under the offer: revenue is
    linear in a price term and the provider's cost does not depend on it.

    Parameters
    ----------
    target : float
        Margin as a share of revenue, below 1 (e.g. 0.4 for a 40 % gross margin).
    per, term : str, optional
        The price term to solve for, as in :func:`break_even_fee`.
    offer : str, optional
        The offer to price (default: the first offer with a price term, skipping the
        default baseline).

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
    offer = _priced_offer(scenario, offer, default_baseline(scenario.contracts))
    key, units = _price_key(scenario, offer, per, term)
    ref_scn, ref = _reference(scenario, key)
    res = run_experiment(
        ref_scn, replications, seed, contracts=(offer,), executor=executor,
        progress=progress,
    )  # fmt: skip
    m = res.metrics.sort_values("replication")
    x = m["provider_cost"].to_numpy() / (1 - target) - m["provider_revenue"].to_numpy()
    ratio, lo, hi = _ratio(x, _slopes(res, units, offer), level)
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

    Notes
    -----
    A point that differs from one already simulated only in bill terms (fees, rates,
    markups, SLA credit shares: each pricing model's ``bill_terms``) or provider costs is
    not simulated again: the stored runs are billed under its terms, which gives the same
    numbers (:mod:`itmodels.experiments.reprice`).  Other keys are simulated at every
    value.
    """
    if not grid:
        raise ValueError("grid must name at least one scenario key")
    keys = list(grid)
    runner = _Runner(scenario, replications, seed, executor, progress, keys)
    frames = []
    for values in itertools.product(*(list(grid[k]) for k in keys)):
        point = scenario.override(dict(zip(keys, values, strict=True)))
        res = runner.result(point, contracts)
        frame = res.metrics.copy()
        for i, (k, v) in enumerate(zip(keys, values, strict=True)):
            frame.insert(i, k, v)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


class _Runner:
    """Results of scenarios on the same replications: simulated, or re-priced from a
    simulated scenario that differs only in bill terms (see
    :mod:`~itmodels.experiments.reprice`).  When none of ``keys`` can be re-priced,
    everything is simulated by :func:`run_experiment` as before."""

    def __init__(
        self,
        scenario: Scenario,
        replications: int,
        seed: int,
        executor: Executor | None,
        progress: bool,
        keys: Sequence[str],
    ) -> None:
        self.replications = replications
        self.seed = seed
        self.executor = executor
        self.progress = progress
        self.reprices = any(bill_only_keys(scenario, [k]) for k in keys)
        self.bases: dict[tuple[str, ...] | None, list[PricedRuns]] = {}

    def result(self, scenario: Scenario, contracts: Sequence[str] | None) -> ExperimentResult:
        """The experiment on ``scenario`` (re-priced when a simulated one allows it)."""
        if not self.reprices:
            return run_experiment(
                scenario, self.replications, self.seed, contracts=contracts,
                executor=self.executor, progress=self.progress,
            )  # fmt: skip
        key = None if contracts is None else tuple(contracts)
        bases = self.bases.setdefault(key, [])
        for base in bases:
            if base.can_reprice(scenario):
                return base.reprice(scenario)
        priced = run_priced(
            scenario, self.replications, self.seed, contracts=contracts, executor=self.executor
        )
        bases.append(priced)
        return priced.result


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
    baseline: str | None = None,
    other: str | None = None,
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
        Watch the metric under this offer; by default the paired difference
        ``other - baseline`` (negative: ``other`` is lower).
    baseline, other : str, optional
        The offers of the paired difference (default: the first pay-per-incident offer,
        else the first offer; and the first other offer).

    Returns
    -------
    DataFrame
        Tornado data, one row per parameter sorted by the size of its effect: ``param``,
        ``base_value``, ``low_value``, ``high_value``, ``base``, ``low``, ``high``,
        ``effect`` (high - low).

    Notes
    -----
    Bill terms and provider costs are re-priced from the base scenario's runs, not
    simulated again (see :func:`sweep`); the numbers are the same.
    """
    if not 0 < rel < 1:
        raise ValueError(f"rel must be between 0 and 1, got {rel!r}")

    base_offer = default_baseline(scenario.contracts) if baseline is None else baseline
    if other is None:
        others = [n for n in scenario.contracts if n != base_offer]
        other = others[0] if others else None
    if contract is None and other is None:
        raise ValueError(
            f"scenario {scenario.name!r} has one offer; name contract= to watch its metric"
        )

    runner = _Runner(scenario, replications, seed, executor, progress, params)

    def outcome(s: Scenario) -> float:
        if contract is not None:
            res = runner.result(s, (contract,))
            return float(res.metrics[metric].mean())
        assert other is not None
        res = runner.result(s, (base_offer, other))
        return float(res.compare(base_offer, other).loc[metric, "mean"])

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
