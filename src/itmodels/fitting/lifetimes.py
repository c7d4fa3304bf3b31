"""Device lifetimes from an asset register: censored, truncated maximum likelihood.

A device still in service at the export (or retired) is *right-censored*: it lived at
least that long.  A device already in service when its records begin (``observed_from``
after ``in_service``) is *left-truncated*: it was seen only because it survived to that
age, so its likelihood is conditioned on that survival.  The log-likelihood of a
distribution with density ``f`` and survival ``S`` is

    sum over failures log f(t) + sum over censored log S(t) - sum over all log S(entry)

maximised over the logarithms of the parameters with :mod:`scipy.optimize`.  Candidates
(exponential, Weibull, lognormal, gamma) are compared by AIC.  Weibull intervals are
**profile-likelihood** intervals (the parameter values whose profile log-likelihood is
within chi2(1)/2 of the maximum); the other distributions' intervals are **Wald intervals
on the log scale** (from the numerical Hessian of the log-likelihood in log parameters).
Times are in years (365.25 days), as the scenario's ``lifetime:`` takes ``7.9y``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from itmodels.fitting.readers import Assets

__all__ = [
    "CANDIDATES",
    "DAYS_PER_YEAR",
    "CandidateFit",
    "LifetimeFit",
    "WeibullFit",
    "fit_lifetime",
    "fit_lifetimes",
    "fit_weibull",
    "kaplan_meier",
    "lifetime_table",
]

#: the length of a year, in days, that lifetimes are measured in
DAYS_PER_YEAR = 365.25
#: the distributions :func:`fit_lifetime` compares, in the order of its AIC table
CANDIDATES = ("exponential", "weibull", "lognormal", "gamma")
_HALF_DAY = 0.5 / DAYS_PER_YEAR


@dataclass(frozen=True)
class WeibullFit:
    """A Weibull fit with profile-likelihood intervals.

    Attributes
    ----------
    shape, scale : float
        Maximum-likelihood shape ``k`` and scale ``lambda`` (in the durations' unit);
        survival ``S(t) = exp(-(t / scale) ** shape)``.
    shape_interval, scale_interval : tuple of float
        Profile-likelihood intervals at ``level`` (an end is ``inf``/``0`` when the
        profile does not fall far enough within the search range).
    loglik : float
        The maximised log-likelihood.
    level : float
        The intervals' confidence level.
    n, events : int
        Devices and failures used.
    """

    shape: float
    scale: float
    shape_interval: tuple[float, float]
    scale_interval: tuple[float, float]
    loglik: float
    level: float
    n: int
    events: int


@dataclass(frozen=True)
class CandidateFit:
    """One candidate distribution's maximum-likelihood fit.

    Attributes
    ----------
    distribution : str
        ``"exponential"``, ``"weibull"``, ``"lognormal"`` or ``"gamma"``.
    params : dict of str to float
        Parameters named as in a scenario's ``lifetime:`` (exponential: mean; weibull:
        shape, scale; lognormal: median, sigma; gamma: shape, scale), times in years.
    intervals : dict of str to tuple of float
        Each parameter's interval at the fit's level.
    method : str
        How the intervals were made: ``"profile likelihood"`` or ``"Wald, log scale"``.
    loglik, aic : float
        Maximised log-likelihood and ``2 k - 2 loglik``.
    """

    distribution: str
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    method: str
    loglik: float
    aic: float


@dataclass(frozen=True)
class LifetimeFit:
    """The lifetime fit of one device class: the chosen distribution and the comparison.

    Attributes
    ----------
    name : str or None
        The device class (None for a fit on bare arrays).
    distribution : str
        The candidate with the lowest AIC.
    params, intervals : dict
        The chosen candidate's parameters (scenario names, years) and intervals.
    method : str
        How the chosen candidate's intervals were made.
    loglik : float
        The chosen candidate's log-likelihood.
    weibull : WeibullFit or None
        The Weibull fit with profile intervals (None without failures), whatever AIC
        chose, since scenarios describe lifetimes as Weibull.
    candidates : dict of str to CandidateFit
        Every candidate fitted.
    aic : pandas.DataFrame
        One row per candidate: distribution, params (count), loglik, aic, delta_aic;
        sorted by AIC.
    n, events, censored, truncated : int
        Devices used, failures, devices censored (in service or retired), devices that
        entered observation already aged.
    km : pandas.DataFrame
        The Kaplan-Meier estimate (:func:`kaplan_meier`) for plots.
    notes : tuple of str
        Devices left out and assumptions, in words.
    level : float
        The intervals' confidence level.
    unit : str
        The unit of times: ``"years"``.
    """

    name: str | None
    distribution: str
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    method: str
    loglik: float
    weibull: WeibullFit | None
    candidates: dict[str, CandidateFit]
    aic: pd.DataFrame
    n: int
    events: int
    censored: int
    truncated: int
    km: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    level: float = 0.95
    unit: str = "years"


def _arrays(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray | None,
    entry: Sequence[float] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(durations, dtype=float)
    d = np.ones(len(t), dtype=bool) if events is None else np.asarray(events, dtype=bool)
    e = np.zeros(len(t)) if entry is None else np.asarray(entry, dtype=float)
    if not (t.ndim == 1 and d.shape == t.shape and e.shape == t.shape):
        raise ValueError("durations, events and entry must be 1-d arrays of one length")
    if not (np.isfinite(t).all() and np.isfinite(e).all()):
        raise ValueError("durations and entry must be finite numbers")
    if (e < 0).any() or (t < e).any():
        raise ValueError("expected 0 <= entry <= duration for every device")
    if (t[d] <= 0).any():
        raise ValueError("expected failures at durations > 0")
    return t, d, e


# ----------------------------------------------------------------------------- Weibull


def _weibull_terms(u: np.ndarray, d: np.ndarray, e: np.ndarray) -> Callable[[float], float]:
    """S(k) = sum(u^k - e^k) over all devices, for the profile in k."""

    def total(k: float) -> float:
        with np.errstate(over="ignore"):
            return float(np.sum(u**k) - np.sum(e**k))

    return total


def _weibull_loglik(k: float, lam: float, u: np.ndarray, d: np.ndarray, e: np.ndarray) -> float:
    n_ev = int(d.sum())
    log_t = float(np.log(u[d]).sum())
    with np.errstate(over="ignore"):
        s = float(np.sum((u / lam) ** k) - np.sum((e / lam) ** k))
    return n_ev * np.log(k) - n_ev * k * np.log(lam) + (k - 1) * log_t - s


def _profile_k(u: np.ndarray, d: np.ndarray, e: np.ndarray) -> Callable[[float], float]:
    """The Weibull log-likelihood maximised over the scale, as a function of log k."""
    n_ev = int(d.sum())
    log_t = float(np.log(u[d]).sum())
    total = _weibull_terms(u, d, e)

    def profile(log_k: float) -> float:
        k = float(np.exp(log_k))
        s = total(k)
        if not np.isfinite(s) or s <= 0:
            return -np.inf
        return n_ev * np.log(k) + (k - 1) * log_t - n_ev * np.log(s / n_ev) - n_ev

    return profile


def _bound(
    f: Callable[[float], float], x0: float, target: float, step: float, limit: float
) -> float:
    """The x beyond x0 (in the direction of ``step``) where f falls to ``target``."""
    x = x0
    for _ in range(200):
        nxt = x + step
        if abs(nxt - x0) > limit:
            return np.inf if step > 0 else -np.inf
        if f(nxt) < target:
            return float(optimize.brentq(lambda z: f(z) - target, x, nxt, xtol=1e-10))
        x = nxt
    return np.inf if step > 0 else -np.inf


_LOG_K = (np.log(0.02), np.log(60.0))


def fit_weibull(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray | None = None,
    entry: Sequence[float] | np.ndarray | None = None,
    *,
    level: float = 0.95,
) -> WeibullFit:
    """Weibull maximum likelihood with right censoring and left truncation.

    The scale is profiled out in closed form (``scale**k = sum(t**k - entry**k) /
    failures``), the shape maximised over ``log k``; the intervals are profile-likelihood
    intervals.

    Parameters
    ----------
    durations : array_like
        Each device's age at failure or censoring (> 0 for failures).
    events : array_like of bool, optional
        True for a failure, False for censored; default all failures.
    entry : array_like, optional
        Each device's age when it entered observation (left truncation); default 0.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    WeibullFit
        Shape, scale, their intervals, the log-likelihood, counts.

    Raises
    ------
    ValueError
        Without any failure (the Weibull is then not estimable), or for bad arrays.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = 5.0 * rng.weibull(1.5, 2000)
    >>> fit = fit_weibull(np.minimum(t, 6.0), t < 6.0)
    >>> round(fit.shape, 1), round(fit.scale, 1)
    (1.5, 5.0)
    >>> fit.shape_interval[0] < 1.5 < fit.shape_interval[1]
    True
    """
    t, d, e = _arrays(durations, events, entry)
    n_ev = int(d.sum())
    if n_ev == 0:
        raise ValueError("no failures: a Weibull lifetime cannot be estimated")
    c = float(np.median(t[d]))
    u, eu = t / c, e / c
    profile = _profile_k(u, d, eu)
    found = optimize.minimize_scalar(
        lambda z: -profile(z), bounds=_LOG_K, method="bounded", options={"xatol": 1e-10}
    )
    log_k = float(found.x)
    k = float(np.exp(log_k))
    lam_u = float((_weibull_terms(u, d, eu)(k) / n_ev) ** (1 / k))
    top = profile(log_k)
    drop = stats.chi2.ppf(level, 1) / 2
    target = top - drop
    lo_k = _bound(profile, log_k, target, -0.05, 8.0)
    hi_k = _bound(profile, log_k, target, 0.05, 8.0)

    def profile_lam(log_lam: float) -> float:
        lam = float(np.exp(log_lam))
        got = optimize.minimize_scalar(
            lambda z: -_weibull_loglik(float(np.exp(z)), lam, u, d, eu),
            bounds=_LOG_K,
            method="bounded",
            options={"xatol": 1e-9},
        )
        return -float(got.fun)

    log_lam = float(np.log(lam_u))
    lo_l = _bound(profile_lam, log_lam, target, -0.05, 10.0)
    hi_l = _bound(profile_lam, log_lam, target, 0.05, 10.0)
    loglik = top - n_ev * np.log(c)  # the density is in 1/c units of u
    return WeibullFit(
        shape=k,
        scale=lam_u * c,
        shape_interval=(float(np.exp(lo_k)), float(np.exp(hi_k))),
        scale_interval=(float(np.exp(lo_l)) * c, float(np.exp(hi_l)) * c),
        loglik=float(loglik),
        level=level,
        n=len(t),
        events=n_ev,
    )


# ----------------------------------------------------------------------------- others


def _lognormal(theta: np.ndarray, t: np.ndarray, d: np.ndarray, e: np.ndarray) -> float:
    mu, sigma = theta[0], float(np.exp(theta[1]))
    with np.errstate(divide="ignore"):
        z_t = (np.log(t) - mu) / sigma
        z_e = (np.log(e) - mu) / sigma
    ll = np.sum(stats.norm.logpdf(z_t[d]) - np.log(sigma) - np.log(t[d]))
    ll += np.sum(stats.norm.logsf(z_t[~d])) - np.sum(stats.norm.logsf(z_e))
    return float(ll)


def _gamma(theta: np.ndarray, t: np.ndarray, d: np.ndarray, e: np.ndarray) -> float:
    a, scale = float(np.exp(theta[0])), float(np.exp(theta[1]))
    ll = np.sum(stats.gamma.logpdf(t[d], a, scale=scale))
    ll += np.sum(stats.gamma.logsf(t[~d], a, scale=scale))
    ll -= np.sum(stats.gamma.logsf(e, a, scale=scale))
    return float(ll)


def _exponential(theta: np.ndarray, t: np.ndarray, d: np.ndarray, e: np.ndarray) -> float:
    mean = float(np.exp(theta[0]))
    return float(-d.sum() * theta[0] - np.sum(t - e) / mean)


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of f at x."""
    n = len(x)
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    out = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            val = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            out[i, j] = out[j, i] = val
    return out


def _wald_fit(name: str, t: np.ndarray, d: np.ndarray, e: np.ndarray, level: float) -> CandidateFit:
    n_ev = int(d.sum())
    log_t = np.log(t[d])
    if name == "exponential":
        x0 = np.array([np.log(np.sum(t - e) / n_ev)])
        loglik: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], float] = _exponential
    elif name == "lognormal":
        x0 = np.array([log_t.mean(), np.log(max(log_t.std(), 0.1))])
        loglik = _lognormal
    else:  # gamma, started from the moments of the failure times
        m, v = t[d].mean(), max(t[d].var(), 1e-6 * t[d].mean() ** 2)
        x0 = np.array([np.log(m * m / v), np.log(v / m)])
        loglik = _gamma

    def neg(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            val = -loglik(x, t, d, e)
        return val if np.isfinite(val) else 1e300

    found = optimize.minimize(
        neg, x0, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000}
    )
    found = optimize.minimize(neg, found.x, method="BFGS", options={"gtol": 1e-8})
    x = np.asarray(found.x, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    try:
        cov = np.linalg.inv(_hessian(neg, x))
        se = np.sqrt(np.clip(np.diag(cov), 0.0, np.inf))
    except np.linalg.LinAlgError:
        se = np.full(len(x), np.inf)
    with np.errstate(over="ignore"):
        low, high = np.exp(x - z * se), np.exp(x + z * se)
    if name == "exponential":
        names = ["mean"]
    elif name == "lognormal":
        names = ["median", "sigma"]
    else:
        names = ["shape", "scale"]
    return CandidateFit(
        distribution=name,
        params={k: float(np.exp(v)) for k, v in zip(names, x, strict=True)},
        intervals={k: (float(lo), float(hi)) for k, lo, hi in zip(names, low, high, strict=True)},
        method="Wald, log scale",
        loglik=-float(found.fun),
        aic=2 * len(x) + 2 * float(found.fun),
    )


def fit_lifetime(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray | None = None,
    entry: Sequence[float] | np.ndarray | None = None,
    *,
    candidates: Sequence[str] = CANDIDATES,
    level: float = 0.95,
    name: str | None = None,
    notes: Sequence[str] = (),
) -> LifetimeFit:
    """Fit candidate lifetime distributions to censored, truncated durations; pick by AIC.

    Parameters
    ----------
    durations : array_like
        Each device's age (years) at failure or censoring.
    events : array_like of bool, optional
        True for a failure, False for censored; default all failures.
    entry : array_like, optional
        Each device's age when it entered observation (left truncation); default 0.
    candidates : sequence of str, default :data:`CANDIDATES`
        Distributions to fit, from exponential, weibull, lognormal, gamma.
    level : float, default 0.95
        Confidence level of the intervals.
    name : str, optional
        The device class, kept in the result.
    notes : sequence of str, optional
        Notes about the data, kept in the result.

    Returns
    -------
    LifetimeFit
        The chosen distribution, its parameters and intervals, every candidate, the AIC
        table, counts and the Kaplan-Meier estimate.

    Raises
    ------
    ValueError
        Without any failure, for an unknown candidate or bad arrays.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> t = 8.0 * rng.weibull(2.5, 400)
    >>> fit = fit_lifetime(np.minimum(t, 9.0), t < 9.0)
    >>> fit.distribution, round(fit.params["shape"], 1)
    ('weibull', 2.5)
    """
    t, d, e = _arrays(durations, events, entry)
    unknown = set(candidates) - set(CANDIDATES)
    if unknown or not candidates:
        raise ValueError(f"candidates must be among {CANDIDATES}, not {sorted(unknown)}")
    if not d.any():
        raise ValueError("no failures: a lifetime distribution cannot be estimated")
    weib = fit_weibull(t, d, e, level=level) if "weibull" in candidates else None
    fits: dict[str, CandidateFit] = {}
    for cand in candidates:
        if cand == "weibull" and weib is not None:
            fits[cand] = CandidateFit(
                distribution="weibull",
                params={"shape": weib.shape, "scale": weib.scale},
                intervals={"shape": weib.shape_interval, "scale": weib.scale_interval},
                method="profile likelihood",
                loglik=weib.loglik,
                aic=4 - 2 * weib.loglik,
            )
        else:
            fits[cand] = _wald_fit(cand, t, d, e, level)
    table = pd.DataFrame(
        {
            "distribution": list(fits),
            "params": [len(f.params) for f in fits.values()],
            "loglik": [f.loglik for f in fits.values()],
            "aic": [f.aic for f in fits.values()],
        }
    ).sort_values("aic", kind="stable", ignore_index=True)
    table["delta_aic"] = table["aic"] - table["aic"].iloc[0]
    best = fits[str(table["distribution"].iloc[0])]
    return LifetimeFit(
        name=name,
        distribution=best.distribution,
        params=best.params,
        intervals=best.intervals,
        method=best.method,
        loglik=best.loglik,
        weibull=weib,
        candidates=fits,
        aic=table,
        n=len(t),
        events=int(d.sum()),
        censored=int((~d).sum()),
        truncated=int((e > 0).sum()),
        km=kaplan_meier(t, d, e, level=level),
        notes=tuple(notes),
        level=level,
    )


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray | None = None,
    entry: Sequence[float] | np.ndarray | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """The Kaplan-Meier survival estimate, with late entry, and log-log intervals.

    A device is at risk at time ``t`` when ``entry < t <= duration``.  Intervals use
    Greenwood's variance on the log(-log S) scale.

    Parameters
    ----------
    durations : array_like
        Each device's age at failure or censoring.
    events : array_like of bool, optional
        True for a failure; default all failures.
    entry : array_like, optional
        Each device's age when it entered observation; default 0.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time with a failure or censoring: ``time``, ``at_risk``,
        ``events``, ``censored``, ``survival``, ``low``, ``high``.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3], [True, True, False, True])
    >>> km["survival"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    t, d, e = _arrays(durations, events, entry)
    times = np.unique(t)
    ev = np.bincount(np.searchsorted(times, t[d]), minlength=len(times))
    cens = np.bincount(np.searchsorted(times, t[~d]), minlength=len(times))
    t_sorted, e_sorted = np.sort(t), np.sort(e)
    at_risk = (len(t) - np.searchsorted(t_sorted, times, side="left")) - (
        len(e) - np.searchsorted(e_sorted, times, side="left")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - ev / at_risk, 1.0)
        surv = np.cumprod(factor)
        var_terms = np.where((at_risk > ev) & (ev > 0), ev / (at_risk * (at_risk - ev)), 0.0)
        green = np.cumsum(var_terms)
        z = stats.norm.ppf(0.5 + level / 2)
        log_s = np.log(surv)
        se = np.sqrt(green) / np.abs(log_s)
        low = np.exp(-np.exp(np.log(-log_s) + z * se))
        high = np.exp(-np.exp(np.log(-log_s) - z * se))
    low = np.where(surv >= 1.0, 1.0, np.where(surv <= 0, 0.0, low))
    high = np.where(surv >= 1.0, 1.0, np.where(surv <= 0, 0.0, high))
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": ev,
            "censored": cens,
            "survival": surv,
            "low": low,
            "high": high,
        }
    )


def lifetime_table(
    assets: Assets,
    *,
    as_of: str | pd.Timestamp | None = None,
    observed_from: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Each asset's entry age, exit age and whether it failed, in years.

    Parameters
    ----------
    assets : Assets
        An asset register from :func:`~itmodels.fitting.readers.read_assets`.
    as_of : date, optional
        The export date: devices in service are censored at it, and failures after it
        are censored at it too; default the latest date in the register.
    observed_from : date, optional
        When the records begin for every device (devices in service before it are
        left-truncated at their age then); combined with the ``observed_from`` column
        by taking the later date.

    Returns
    -------
    pandas.DataFrame
        ``row``, ``id``, ``class``, ``entry``, ``duration``, ``event`` (bool) and
        ``excluded`` (the reason a device cannot be used, else empty): devices in
        service only after ``as_of``, and devices that left service before their
        records began.  A failure on the day of entry into service counts as half a
        day.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from itmodels.fitting.readers import read_assets
    >>> p = Path(tempfile.mkdtemp(), "a.csv")
    >>> _ = p.write_text("id,class,in_service,out_of_service\\na,pc,2020-01-01,2022-01-01\\n")
    >>> round(float(lifetime_table(read_assets(p))["duration"].iloc[0]), 3)
    2.001
    """
    f = assets.frame
    end = pd.Timestamp(as_of) if as_of is not None else assets.end
    start = f["observed_from"]
    if observed_from is not None:
        start = start.fillna(pd.Timestamp(observed_from)).clip(lower=pd.Timestamp(observed_from))
    start = start.fillna(f["in_service"])
    start = start.where(start > f["in_service"], f["in_service"])
    failed = (f["reason"] == "failed").to_numpy()
    stop = f["out_of_service"].fillna(end)
    after = (stop > end).to_numpy()
    stop = stop.where(~after, end)
    event = failed & ~after
    days = pd.Timedelta(days=1)
    duration = ((stop - f["in_service"]) / days).to_numpy(dtype=float) / DAYS_PER_YEAR
    entry = ((start - f["in_service"]) / days).to_numpy(dtype=float) / DAYS_PER_YEAR
    excluded = np.full(len(f), "", dtype=object)
    excluded[(f["in_service"] > end).to_numpy()] = "in service only after as_of"
    left_early = (duration < entry) & (excluded == "")
    excluded[left_early] = "left service before its records began (observed_from)"
    duration = np.where(event & (duration <= 0), _HALF_DAY, duration)
    return pd.DataFrame(
        {
            "row": f["row"].to_numpy(),
            "id": f["id"].to_numpy(),
            "class": f["class"].to_numpy(),
            "entry": np.where(excluded == "", entry, np.nan),
            "duration": np.where(excluded == "", duration, np.nan),
            "event": event,
            "excluded": excluded,
        }
    )


def fit_lifetimes(
    assets: Assets,
    *,
    as_of: str | pd.Timestamp | None = None,
    observed_from: str | pd.Timestamp | None = None,
    candidates: Sequence[str] = CANDIDATES,
    level: float = 0.95,
) -> dict[str, LifetimeFit | str]:
    """Fit each device class's lifetime from an asset register.

    Parameters
    ----------
    assets : Assets
        An asset register from :func:`~itmodels.fitting.readers.read_assets`.
    as_of : date, optional
        The export date (censoring); default the latest date in the register.
    observed_from : date, optional
        When the records begin (left truncation); see :func:`lifetime_table`.
    candidates : sequence of str, default :data:`CANDIDATES`
        Distributions to compare.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    dict of str to LifetimeFit or str
        Per device class, its fit, or the reason it has none (no failures observed:
        ``"not inferable: no failures among 12 devices"``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from itmodels.fitting.readers import read_assets
    >>> p = Path(tempfile.mkdtemp(), "a.csv")
    >>> _ = p.write_text("id,class,in_service\\na,pc,2020-01-01\\n")
    >>> fit_lifetimes(read_assets(p), as_of="2024-01-01")
    {'pc': 'not inferable: no failures among 1 device(s)'}
    """
    table = lifetime_table(assets, as_of=as_of, observed_from=observed_from)
    out: dict[str, LifetimeFit | str] = {}
    for cls in assets.classes:
        rows = table[table["class"] == cls]
        used = rows[rows["excluded"] == ""]
        notes = [
            f"{count} device(s) left out: {reason}"
            for reason, count in rows.loc[rows["excluded"] != "", "excluded"].value_counts().items()
        ]
        half = int((used["event"] & (used["duration"] == _HALF_DAY)).sum())
        if half:
            notes.append(
                f"{half} failure(s) on the day of entry into service counted as half a day"
            )
        if not used["event"].any():
            out[cls] = f"not inferable: no failures among {len(used)} device(s)"
            continue
        out[cls] = fit_lifetime(
            used["duration"].to_numpy(),
            used["event"].to_numpy(),
            used["entry"].to_numpy(),
            candidates=candidates,
            level=level,
            name=cls,
            notes=notes,
        )
    return out
