"""Statistics over replications: summaries, paired comparisons, budget predictability.

Intervals are Student-t intervals over replications (scipy.stats); comparisons between
contracts are *paired* by replication, which common random numbers make much narrower
than unpaired ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.experiments.metrics import METRICS

__all__ = ["budget_table", "mean_ci", "paired_table", "summary_table", "unpaired_table"]


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean, standard deviation and t-interval of the non-NaN values.

    Returns
    -------
    tuple
        ``(mean, std, ci_low, ci_high, n)``; the interval is NaN with fewer than 2 values.

    Examples
    --------
    >>> mean_ci(np.array([1.0, 2.0, 3.0]))[:2]
    (2.0, 1.0)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n)
    return mean, std, mean - half, mean + half, n


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")


def summary_table(metrics: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per contract and metric: mean, std, t-interval, P5/P50/P95 and n.

    Parameters
    ----------
    metrics : DataFrame
        Columns ``contract``, ``replication`` and one per metric.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        Index ``(contract, metric)``; columns ``mean, std, ci_low, ci_high, p5, p50, p95, n``.
    """
    _check_level(level)
    rows = []
    for contract, group in metrics.groupby("contract", sort=True, observed=True):
        for metric in METRICS:
            x = group[metric].to_numpy(dtype=float)
            mean, std, lo, hi, n = mean_ci(x, level)
            finite = x[~np.isnan(x)]
            p5, p50, p95 = (
                np.percentile(finite, [5, 50, 95]) if n else (math.nan, math.nan, math.nan)
            )
            rows.append((contract, metric, mean, std, lo, hi, p5, p50, p95, n))
    cols = ["contract", "metric", "mean", "std", "ci_low", "ci_high", "p5", "p50", "p95", "n"]
    return pd.DataFrame(rows, columns=cols).set_index(["contract", "metric"])


def _pivot(metrics: pd.DataFrame, contract: str) -> pd.DataFrame:
    part = metrics[metrics["contract"] == contract]
    if part.empty:
        raise ValueError(
            f"no replications of contract {contract!r}; contracts are"
            f" {sorted(metrics['contract'].unique())}"
        )
    return part.set_index("replication")[list(METRICS)]


def paired_table(
    metrics: pd.DataFrame, baseline: str, other: str, level: float = 0.95
) -> pd.DataFrame:
    """Paired differences ``other - baseline`` per metric, replication by replication.

    Returns
    -------
    DataFrame
        Index: metric names.  Columns: ``mean, std, ci_low, ci_high, n`` of the paired
        difference, ``share_lower`` (share of replications in which ``other`` is lower,
        e.g. cheaper for the client) and ``mean_baseline``, ``mean_other``.
    """
    _check_level(level)
    a, b = _pivot(metrics, baseline), _pivot(metrics, other)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError("the two contracts share no replication to pair")
    a, b = a.loc[common], b.loc[common]
    rows = []
    for metric in METRICS:
        d = (b[metric] - a[metric]).to_numpy(dtype=float)
        mean, std, lo, hi, n = mean_ci(d, level)
        valid = d[~np.isnan(d)]
        share = float((valid < 0).mean()) if len(valid) else math.nan
        rows.append(
            (metric, mean, std, lo, hi, n, share, float(a[metric].mean()), float(b[metric].mean()))
        )
    cols = ["metric", "mean", "std", "ci_low", "ci_high", "n", "share_lower"]
    cols += ["mean_baseline", "mean_other"]
    return pd.DataFrame(rows, columns=cols).set_index("metric")


def unpaired_table(
    metrics: pd.DataFrame, baseline: str, other: str, level: float = 0.95
) -> pd.DataFrame:
    """Welch intervals for ``mean(other) - mean(baseline)``, ignoring the pairing.

    For comparison with :func:`paired_table`: the ratio of their widths shows what common
    random numbers buy.
    """
    _check_level(level)
    a, b = _pivot(metrics, baseline), _pivot(metrics, other)
    rows = []
    for metric in METRICS:
        x = a[metric].dropna().to_numpy(dtype=float)
        y = b[metric].dropna().to_numpy(dtype=float)
        if len(x) < 2 or len(y) < 2:
            rows.append((metric, math.nan, math.nan, math.nan))
            continue
        vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
        se = math.sqrt(vx + vy)
        dof = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1)) if se > 0 else 1
        half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
        diff = float(y.mean() - x.mean())
        rows.append((metric, diff, diff - half, diff + half))
    return pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high"]).set_index("metric")


def budget_table(monthly: pd.DataFrame, column: str = "client_cash") -> pd.DataFrame:
    """Budget predictability: the spread of monthly spend per contract.

    Returns
    -------
    DataFrame
        Index: contract.  Columns: ``mean_month``, ``std_month`` (over every month of every
        replication), ``within_std`` (mean over replications of each one's month-to-month
        standard deviation), ``p95_month`` and ``worst_month``.
    """
    rows = []
    for contract, group in monthly.groupby("contract", sort=True, observed=True):
        x = group[column].to_numpy(dtype=float)
        within = group.groupby("replication")[column].std(ddof=1).mean()
        rows.append(
            (
                contract,
                float(x.mean()),
                float(x.std(ddof=1)) if len(x) > 1 else math.nan,
                float(within),
                float(np.percentile(x, 95)),
                float(x.max()),
            )
        )
    cols = ["contract", "mean_month", "std_month", "within_std", "p95_month", "worst_month"]
    return pd.DataFrame(rows, columns=cols).set_index("contract")
