"""Shared scenario builders and statistics for the engine's behavioural test suite.

:func:`minimal` returns the smallest valid scenario as a plain dict (the textbook
machine-repairman system M/M/c//N around the clock); tests copy and modify it, then
build a :class:`itmodels.Scenario` with :func:`scenario`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import itmodels as itm
from itmodels.scenario.book import book_from_mapping
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = [
    "HOURS_PER_MONTH",
    "MON_FRI",
    "NEVER",
    "Interval",
    "device",
    "engset_in_time",
    "engset_wait",
    "ledger_rows",
    "mean_interval",
    "metric",
    "metric_over_reps",
    "minimal",
    "paired_interval",
    "scenario",
    "stream",
]

#: A lifetime no device reaches inside any test horizon (the device never fails).
NEVER = {"dist": "constant", "value": "1000y"}
#: A standard office week.
MON_FRI = {"days": "mon-fri", "start": "08:00", "end": "18:00"}


def device(**overrides: Any) -> dict[str, Any]:
    """A fleet class with only the required keys (exponential life, constant repair)."""
    base: dict[str, Any] = {
        "name": "pc",
        "count": 1,
        "age": 0,
        "lifetime": {"dist": "exponential", "mean": "100h"},
        "users_affected": 1,
        "repair": {"dist": "constant", "value": "1h"},
    }
    base.update(overrides)
    return base


def stream(**overrides: Any) -> dict[str, Any]:
    """An incident stream: one P3 problem per user per month, 1 h of work, one user."""
    base: dict[str, Any] = {
        "name": "user-problems",
        "rate": 1.0,
        "per": "user",
        "priority": {"P3": 1.0},
        "users_affected": 1,
        "productivity_loss": 1.0,
        "work": {"dist": "constant", "value": "1h"},
    }
    base.update(overrides)
    return base


def minimal(
    *,
    horizon: float | str = "1y",
    users: int = 1,
    technicians: int = 1,
    fleet: list[dict[str, Any]] | None = None,
    business_hours: object = "24/7",
    hourly_rate: float = 100.0,
    fee_per_device: float = 50.0,
) -> dict[str, Any]:
    """A scenario with only the required keys, as a mutable dict.

    Both contracts are defined with only their basic terms: break-fix bills the exact work
    time at ``hourly_rate``, flat-rate bills ``fee_per_device`` per device each month.
    """
    return {
        "name": "test",
        "horizon": horizon,
        "client": {"users": users, "user_hour_value": 50, "business_hours": business_hours},
        "fleet": copy.deepcopy(fleet) if fleet is not None else [device()],
        "provider": {"technicians": technicians},
        "contracts": {
            "break_fix": {"hourly_rate": hourly_rate},
            "flat_rate": {"fee_per_device": fee_per_device},
        },
    }


def scenario(data: Mapping[str, Any]) -> itm.Scenario:
    """Validate a scenario dict."""
    return itm.Scenario.model_validate(copy.deepcopy(dict(data)))


def metric_over_reps(
    scn: itm.Scenario,
    contract: str,
    seed: int,
    reps: int,
    fn: Callable[[itm.Run], float],
) -> np.ndarray:
    """``fn(run)`` for replications ``0 .. reps-1`` of one contract."""
    return np.array(
        [fn(itm.simulate(scn, contract, seed=seed, replication=r)) for r in range(reps)],
        dtype=float,
    )


class Interval:
    """A mean with its standard error and a two-sided t interval."""

    def __init__(self, values: Iterable[float], confidence: float) -> None:
        x = np.asarray(list(values), dtype=float)
        if x.size < 2 or not np.all(np.isfinite(x)):
            raise ValueError(f"need at least two finite values, got {x!r}")
        self.n = x.size
        self.mean = float(x.mean())
        self.sd = float(x.std(ddof=1))
        self.se = self.sd / math.sqrt(self.n)
        self.t = float(stats.t.ppf(0.5 + confidence / 2.0, self.n - 1))
        self.low = self.mean - self.t * self.se
        self.high = self.mean + self.t * self.se

    def one_sided_low(self, confidence: float = 0.95) -> float:
        """Lower one-sided confidence bound of the mean."""
        return self.mean - float(stats.t.ppf(confidence, self.n - 1)) * self.se

    def one_sided_high(self, confidence: float = 0.95) -> float:
        """Upper one-sided confidence bound of the mean."""
        return self.mean + float(stats.t.ppf(confidence, self.n - 1)) * self.se

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __repr__(self) -> str:
        return (
            f"{self.mean:.6g} ± {self.se:.3g} (SE, n={self.n}),"
            f" interval [{self.low:.6g}, {self.high:.6g}]"
        )


def mean_interval(values: Iterable[float], confidence: float = 0.999) -> Interval:
    """Mean of replications with a t-based interval (default 99.9 %)."""
    return Interval(values, confidence)


def paired_interval(
    scn_a: itm.Scenario,
    contract_a: str,
    scn_b: itm.Scenario,
    contract_b: str,
    fn: Callable[[itm.Run], float],
    *,
    seed: int,
    reps: int,
) -> Interval:
    """Interval of the paired difference ``fn(run_a) - fn(run_b)`` over replications.

    Both sides of each pair use the same seed and replication (common random numbers).
    """
    a = metric_over_reps(scn_a, contract_a, seed, reps, fn)
    b = metric_over_reps(scn_b, contract_b, seed, reps, fn)
    return Interval(a - b, 0.95)


def metric(name: str) -> Callable[[itm.Run], float]:
    """A function reading one metric of a run."""
    return lambda run: float(run.metrics[name])


def ledger_rows(run: itm.Run) -> list[tuple[str, str, str, float]]:
    """``(payer, payee, category, amount)`` of every ledger row, in time order."""
    led: pd.DataFrame = run.ledger
    return [
        (str(p), str(q), str(c), float(a))
        for p, q, c, a in zip(led.payer, led.payee, led.category, led.amount, strict=True)
    ]


def _finite_source_law(n: int, c: int, lam: float, mu: float) -> np.ndarray:
    """Stationary law of the number down in M/M/c//N (machine repair, ``n`` sources)."""
    r = lam / mu
    w = []
    for k in range(n + 1):
        x = math.comb(n, k) * r**k
        if k > c:
            x *= math.factorial(k) / (math.factorial(c) * c ** (k - c))
        w.append(x)
    return np.array(w) / sum(w)


def engset_wait(n: int, c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c//N (finite source, machine repair), Little's law:
    ``W_q = L_q / (lam (N - L))`` with the stationary law of the number down."""
    p = _finite_source_law(n, c, lam, mu)
    ks = np.arange(n + 1)
    big_l = float(p @ ks)
    l_q = float(p @ np.maximum(ks - c, 0))
    return l_q / (lam * (n - big_l))


def engset_in_time(n: int, c: int, lam: float, mu: float, t: float) -> float:
    """P(wait <= t) in M/M/c//N served first come first served.

    An arrival finds ``k`` others down with probability proportional to ``(N - k) p_k``
    (the arrival theorem of finite-source queues); with ``k < c`` it is served at once,
    else after ``k - c + 1`` completions at rate ``c mu``: an Erlang wait.
    """
    p = _finite_source_law(n, c, lam, mu)
    ks = np.arange(n + 1)
    seen = p * (n - ks)
    seen = seen / seen.sum()
    total = 0.0
    for k in range(n):
        if k < c:
            total += float(seen[k])
        else:
            total += float(seen[k]) * float(stats.gamma.cdf(t, k - c + 1, scale=1.0 / (c * mu)))
    return total


def pooled_book(
    folder: Path,
    n: int,
    life: float,
    repair: float,
    horizon: float,
    technicians: int,
    offer: str,
    terms: Mapping[str, Any],
) -> itm.Book:
    """A book of ``n`` identical one-device clients (exponential life and repair, 24/7)
    on ``technicians`` shared technicians, all on ``offer`` with ``terms``: the pooled
    finite-source queue M/M/c//N.  The client template is written into ``folder``."""
    one = scenario(
        minimal(
            horizon=horizon,
            fleet=[
                device(
                    lifetime={"dist": "exponential", "mean": life},
                    repair={"dist": "exponential", "mean": repair},
                )
            ],
        )
    )
    template = one.to_yaml(folder / "one-device.yaml")
    data = {
        "name": "pool",
        "horizon": horizon,
        "provider": {"technicians": technicians, "working_hours": "24/7"},
        "contracts": {offer: dict(terms)},
        "clients": [{"name": f"c{i}", "template": template.name, "offer": offer} for i in range(n)],
    }
    return book_from_mapping(data, source=str(folder / "pool.yaml"), folder=str(folder))
