"""Exact confidence intervals for counts and proportions (Garwood, Clopper-Pearson)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["clopper_pearson", "garwood"]


def garwood(
    count: float | np.ndarray, exposure: float | np.ndarray = 1.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson rate: ``count`` events in ``exposure``.

    Parameters
    ----------
    count : float or array_like
        Events observed (whole numbers >= 0).
    exposure : float or array_like, default 1
        Exposure (user-months, say) the events were observed over, > 0.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        The interval's ends for the rate (events per unit of exposure); ``low`` is 0
        when ``count`` is 0.

    Examples
    --------
    >>> low, high = garwood(0)
    >>> float(low), round(float(high), 3)
    (0.0, 3.689)
    """
    k = np.asarray(count, dtype=float)
    t = np.asarray(exposure, dtype=float)
    a = 1.0 - level
    low = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    high = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    return low / t, high / t


def clopper_pearson(
    successes: float | np.ndarray, trials: float | np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval for a proportion.

    Parameters
    ----------
    successes : float or array_like
        Successes (whole numbers, 0 <= successes <= trials).
    trials : float or array_like
        Trials (> 0; NaN intervals where 0).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        The interval's ends, within [0, 1].

    Examples
    --------
    >>> low, high = clopper_pearson(5, 10)
    >>> round(float(low), 4), round(float(high), 4)
    (0.1871, 0.8129)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    a = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(a / 2, np.maximum(k, 1e-300), n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - a / 2, k + 1, np.maximum(n - k, 1e-300)), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)
