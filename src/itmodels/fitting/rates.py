"""What a ticket export says about incident streams: rates, priority mix, trend, work time.

Each function takes :class:`~itmodels.fitting.readers.Tickets` and returns a table (one
row per category, with an ``"all"`` row) or a small result object, with exact intervals
where they exist: Garwood for Poisson rates, Clopper-Pearson for proportions, Student t
and chi-square for a lognormal's median and sigma.  A month is ``HOURS_PER_MONTH`` hours
(:mod:`itmodels.scenario.units`), as in the scenario's ``rate:`` per user or office per
month.  A function that needs a column the export lacks raises ``ValueError`` saying so;
:func:`summarise_tickets` collects those reasons instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.fitting.intervals import clopper_pearson, garwood
from itmodels.fitting.readers import Tickets
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = [
    "ALL",
    "PRIORITIES",
    "UNCATEGORISED",
    "RateTable",
    "TicketSummary",
    "Trend",
    "incident_rates",
    "priority_mix",
    "remote_share",
    "response_times",
    "summarise_tickets",
    "trend_test",
    "work_time",
]

#: the label of the row that pools every category
ALL = "all"
#: the label of tickets without a category
UNCATEGORISED = "(none)"
#: the priorities, most urgent first
PRIORITIES = ("P1", "P2", "P3", "P4")


def _need(tickets: Tickets, *columns: str) -> None:
    for column in columns:
        if not tickets.has(column):
            raise ValueError(f"not inferable: {tickets.path} has no {column!r} column")


def _categories(tickets: Tickets) -> pd.Series:
    return tickets.frame["category"].fillna(UNCATEGORISED).astype(str)


def _groups(frame: pd.DataFrame, cats: pd.Series) -> list[tuple[str, pd.DataFrame]]:
    """(label, rows) for each category in order of first appearance, then all rows."""
    where = cats.groupby(cats.to_numpy(), sort=False).indices
    out = [(str(c), frame.iloc[where[c]]) for c in where]
    return [*out, (ALL, frame)]


def _share(k: int, n: int, level: float) -> tuple[float, float, float]:
    """``k`` of ``n`` as a share (nan when ``n`` is 0) and its Clopper-Pearson interval."""
    low, high = clopper_pearson(k, n, level)
    return (k / n if n else np.nan), float(low), float(high)


@dataclass(frozen=True)
class RateTable:
    """Incident rates per user-month or office-month by category.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per category and an ``"all"`` row: ``category``, ``count``,
        ``exposure`` (user- or office-months), ``rate`` (per user or office per month),
        ``low``, ``high`` (Garwood interval).
    start, end : pandas.Timestamp
        The period counted.
    months : float
        Its length in months.
    per : str
        ``"user"`` or ``"office"``.
    units : float
        Users (or offices) the rate is per.
    outside : int
        Tickets opened outside the period (not counted).
    level : float
        The intervals' confidence level.
    """

    frame: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    months: float
    per: str
    units: float
    outside: int
    level: float


def _period(
    tickets: Tickets, start: str | pd.Timestamp | None, end: str | pd.Timestamp | None
) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    first = pd.Timestamp(start) if start is not None else tickets.start
    last = pd.Timestamp(end) if end is not None else tickets.end
    months = (last - first) / pd.Timedelta(hours=1) / HOURS_PER_MONTH
    if not months > 0:
        raise ValueError(f"the period {first} to {last} is empty: expected end after start")
    return first, last, float(months)


def incident_rates(
    tickets: Tickets,
    *,
    per: str = "user",
    users: float | None = None,
    offices: float = 1,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> RateTable:
    """Tickets per user-month (or office-month) by category, with exact intervals.

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`.
    per : {"user", "office"}, default "user"
        What the rate is per, as a scenario stream's ``per:``.
    users : float, optional
        Users served over the period (needed when ``per="user"``).
    offices : float, default 1
        Offices served (used when ``per="office"``).
    start, end : date, optional
        The export's period; default the first opening and the latest time in it.
    level : float, default 0.95
        Confidence level of the Garwood intervals.

    Returns
    -------
    RateTable
        ``.frame`` with count, exposure, rate and interval per category.

    Raises
    ------
    ValueError
        For ``per="user"`` without ``users``, an empty period, or ``per`` unknown.
    """
    if per not in ("user", "office"):
        raise ValueError(f"per must be 'user' or 'office', not {per!r}")
    units = users if per == "user" else offices
    if units is None or not units > 0:
        raise ValueError(f"expected a number of {per}s > 0 for rates per {per}-month")
    first, last, months = _period(tickets, start, end)
    opened = tickets.frame["opened"]
    inside = ((opened >= first) & (opened <= last)).to_numpy()
    frame = tickets.frame[inside]
    cats = _categories(tickets)[inside]
    rows = []
    exposure = months * float(units)
    for label, group in _groups(frame, cats):
        count = len(group)
        low, high = garwood(count, exposure, level)
        rows.append((label, count, exposure, count / exposure, float(low), float(high)))
    table = pd.DataFrame(rows, columns=["category", "count", "exposure", "rate", "low", "high"])
    return RateTable(
        frame=table,
        start=first,
        end=last,
        months=months,
        per=per,
        units=float(units),
        outside=int((~inside).sum()),
        level=level,
    )


def priority_mix(tickets: Tickets, *, level: float = 0.95) -> pd.DataFrame:
    """The share of each priority, by category, with Clopper-Pearson intervals.

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`, with a ``priority`` column.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per category (and ``"all"``) and priority P1-P4: ``category``,
        ``priority``, ``count``, ``n`` (tickets with a priority), ``missing`` (without),
        ``share``, ``low``, ``high``.

    Raises
    ------
    ValueError
        When the export has no priority column.
    """
    _need(tickets, "priority")
    rows = []
    for label, group in _groups(tickets.frame, _categories(tickets)):
        prio = group["priority"]
        n = int(prio.notna().sum())
        for p in PRIORITIES:
            k = int((prio == p).sum())
            rows.append((label, p, k, n, len(group) - n, *_share(k, n, level)))
    return pd.DataFrame(
        rows, columns=["category", "priority", "count", "n", "missing", "share", "low", "high"]
    )


@dataclass(frozen=True)
class Trend:
    """A Poisson regression of monthly ticket counts on the month, and its LR test.

    Attributes
    ----------
    growth_per_month : float
        ``exp(slope) - 1``: the rate's relative change per month (0.03 is 3 %/month).
    interval : tuple of float
        Its Wald interval (from the slope's, on the log scale) at ``level``.
    p_value : float
        Likelihood-ratio test of no trend (chi-square, 1 degree of freedom).
    statistic : float
        The likelihood-ratio statistic.
    rate : float
        The fitted rate (tickets per month) at the start of the period.
    counts : pandas.DataFrame
        One row per month: ``month`` (0-based), ``start`` (time), ``exposure`` (fraction
        of the month observed), ``count``, ``fitted``.
    category : str
        The category tested (``"all"`` for every ticket).
    level : float
        The interval's confidence level.
    """

    growth_per_month: float
    interval: tuple[float, float]
    p_value: float
    statistic: float
    rate: float
    counts: pd.DataFrame
    category: str
    level: float


def _poisson_fit(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Poisson regression of y on (1, x) with an offset, by Newton's method."""
    design = np.column_stack([np.ones_like(x), x])
    beta = np.array([np.log(y.sum() / np.exp(offset).sum()), 0.0])
    for _ in range(100):
        mu = np.exp(design @ beta + offset)
        info = design.T @ (design * mu[:, None])
        step = np.linalg.solve(info, design.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    mu = np.exp(design @ beta + offset)
    cov = np.linalg.inv(design.T @ (design * mu[:, None]))
    return beta, cov, float(np.sum(y * np.log(mu) - mu))


def trend_test(
    tickets: Tickets,
    *,
    category: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> Trend:
    """Test whether the monthly ticket rate drifts, and estimate its growth per month.

    Months are consecutive spans of ``HOURS_PER_MONTH`` hours from ``start``; the last
    may be partial (its exposure is the fraction observed, an offset in the regression,
    whose covariate is each month's midpoint).

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`.
    category : str, optional
        Test only this category; default every ticket.
    start, end : date, optional
        The export's period; default the first opening and the latest time in it.
    level : float, default 0.95
        Confidence level of the growth's interval.

    Returns
    -------
    Trend
        Growth per month, its interval, the likelihood-ratio p-value, the monthly counts.

    Raises
    ------
    ValueError
        With fewer than two months, or no ticket in the category.
    """
    first, _, months = _period(tickets, start, end)
    opened = tickets.frame["opened"]
    if category is not None:
        opened = opened[(_categories(tickets) == category).to_numpy()]
    hours = ((opened - first) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    hours = hours[(hours >= 0) & (hours <= months * HOURS_PER_MONTH)]
    if len(hours) == 0:
        raise ValueError(f"not inferable: no tickets in category {category!r} in the period")
    n_bins = int(np.ceil(months))
    if months < 2:
        raise ValueError(f"not inferable: a trend needs two months or more, not {months:.2f}")
    idx = np.minimum((hours / HOURS_PER_MONTH).astype(int), n_bins - 1)
    y = np.bincount(idx, minlength=n_bins).astype(float)
    exposure = np.minimum(1.0, months - np.arange(n_bins))
    x = np.arange(n_bins) + exposure / 2
    offset = np.log(exposure)
    beta, cov, ll1 = _poisson_fit(y, x, offset)
    rate0 = y.sum() / exposure.sum()
    ll0 = float(np.sum(y * np.log(rate0 * exposure) - rate0 * exposure))
    lr = max(0.0, 2 * (ll1 - ll0))
    z = stats.norm.ppf(0.5 + level / 2)
    se = float(np.sqrt(cov[1, 1]))
    counts = pd.DataFrame(
        {
            "month": np.arange(n_bins),
            "start": first + pd.to_timedelta(np.arange(n_bins) * HOURS_PER_MONTH, unit="h"),
            "exposure": exposure,
            "count": y.astype(int),
            "fitted": np.exp(beta[0] + beta[1] * x + offset),
        }
    )
    return Trend(
        growth_per_month=float(np.expm1(beta[1])),
        interval=(float(np.expm1(beta[1] - z * se)), float(np.expm1(beta[1] + z * se))),
        p_value=float(stats.chi2.sf(lr, 1)),
        statistic=float(lr),
        rate=float(np.exp(beta[0])),
        counts=counts,
        category=ALL if category is None else category,
        level=level,
    )


def work_time(tickets: Tickets, *, level: float = 0.95) -> pd.DataFrame:
    """Hours worked per ticket by category, fitted as lognormal.

    The maximum-likelihood fit of a lognormal to the tickets with hours > 0: ``median``
    ``= exp(mean log hours)``, ``sigma`` = the standard deviation of log hours (divisor
    n).  The intervals are exact: Student t for the median (on the log scale), chi-square
    for sigma.  Tickets with 0 hours cannot be lognormal and are counted in ``zero``.

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`, with an ``hours`` column.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per category and ``"all"``: ``category``, ``n`` (fitted), ``zero``,
        ``missing``, ``median``, ``median_low``, ``median_high``, ``sigma``,
        ``sigma_low``, ``sigma_high``, ``mean`` (mean hours, zeros included).

    Raises
    ------
    ValueError
        When the export has no hours column.
    """
    _need(tickets, "hours")
    rows = []
    a = 1 - level
    for label, group in _groups(tickets.frame, _categories(tickets)):
        h = group["hours"].to_numpy(dtype=float)
        known = h[~np.isnan(h)]
        pos = known[known > 0]
        n = len(pos)
        logs = np.log(pos)
        mu = float(logs.mean()) if n else np.nan
        sigma = float(logs.std()) if n else np.nan
        if n >= 2:
            s = float(logs.std(ddof=1))
            half = stats.t.ppf(1 - a / 2, n - 1) * s / np.sqrt(n)
            med = (float(np.exp(mu - half)), float(np.exp(mu + half)))
            sig = (
                float(np.sqrt((n - 1) * s * s / stats.chi2.ppf(1 - a / 2, n - 1))),
                float(np.sqrt((n - 1) * s * s / stats.chi2.ppf(a / 2, n - 1))),
            )
        else:
            med = sig = (np.nan, np.nan)
        rows.append(
            (
                label, n, int((known == 0).sum()), int(np.isnan(h).sum()),
                float(np.exp(mu)), *med, sigma, *sig,
                float(known.mean()) if len(known) else np.nan,
            )
        )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=[
            "category", "n", "zero", "missing", "median", "median_low", "median_high",
            "sigma", "sigma_low", "sigma_high", "mean",
        ],
    )  # fmt: skip


def remote_share(tickets: Tickets, *, level: float = 0.95) -> pd.DataFrame:
    """The share of tickets fixed remotely, by category, with Clopper-Pearson intervals.

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`, with an ``onsite`` column.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per category and ``"all"``: ``category``, ``n`` (tickets with on-site
        known), ``missing``, ``remote``, ``share``, ``low``, ``high``.

    Raises
    ------
    ValueError
        When the export has no onsite column.
    """
    _need(tickets, "onsite")
    rows = []
    for label, group in _groups(tickets.frame, _categories(tickets)):
        onsite = group["onsite"]
        known = onsite.notna().to_numpy()
        n = int(known.sum())
        remote = int((onsite[known] == False).sum())  # noqa: E712 (object column of bools)
        rows.append((label, n, len(group) - n, remote, *_share(remote, n, level)))
    return pd.DataFrame(
        rows, columns=["category", "n", "missing", "remote", "share", "low", "high"]
    )


def response_times(tickets: Tickets) -> pd.DataFrame:
    """Observed response and restore times by priority, in wall-clock hours.

    ``restore`` is resolved minus opened; ``response`` is responded minus opened (when
    the export has a ``responded`` column).  Tickets still open are counted in ``open``
    and left out of the statistics (which therefore understate long times).

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`, with ``resolved`` or
        ``responded``.

    Returns
    -------
    pandas.DataFrame
        One row per measure and priority (``"all"`` too): ``measure``, ``priority``,
        ``n``, ``open``, ``median``, ``p90``, ``mean``, ``max`` (hours).

    Raises
    ------
    ValueError
        When the export has neither a resolved nor a responded column.
    """
    measures = [(m, c) for m, c in (("response", "responded"), ("restore", "resolved"))
                if tickets.has(c)]  # fmt: skip
    if not measures:
        raise ValueError(f"not inferable: {tickets.path} has no 'resolved' or 'responded' column")
    f = tickets.frame
    prio = f["priority"].fillna("(none)").astype(str)
    labels = [p for p in [*PRIORITIES, "(none)"] if (prio == p).any()] + [ALL]
    rows = []
    for measure, column in measures:
        hours = ((f[column] - f["opened"]) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
        for p in labels:
            mask = np.ones(len(f), dtype=bool) if p == ALL else (prio == p).to_numpy()
            h = hours[mask]
            done = h[~np.isnan(h)]
            stats_ = (
                (float(np.median(done)), float(np.quantile(done, 0.9)), float(done.mean()),
                 float(done.max())) if len(done) else (np.nan,) * 4
            )  # fmt: skip
            rows.append((measure, p, len(done), int(np.isnan(h).sum()), *stats_))
    return pd.DataFrame(
        rows, columns=["measure", "priority", "n", "open", "median", "p90", "mean", "max"]
    )


@dataclass(frozen=True)
class TicketSummary:
    """Everything :mod:`itmodels.fitting.rates` can say about one ticket export.

    Each attribute holds its function's result, or a string giving the reason it is not
    inferable from this export (``"not inferable: ... has no 'hours' column"``).

    Attributes
    ----------
    rates : RateTable or str
        :func:`incident_rates`.
    priority_mix : pandas.DataFrame or str
        :func:`priority_mix`.
    trend : Trend or str
        :func:`trend_test` on every ticket.
    work : pandas.DataFrame or str
        :func:`work_time`.
    remote : pandas.DataFrame or str
        :func:`remote_share`.
    times : pandas.DataFrame or str
        :func:`response_times`.
    """

    rates: RateTable | str
    priority_mix: pd.DataFrame | str
    trend: Trend | str
    work: pd.DataFrame | str
    remote: pd.DataFrame | str
    times: pd.DataFrame | str


def summarise_tickets(
    tickets: Tickets,
    *,
    per: str = "user",
    users: float | None = None,
    offices: float = 1,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> TicketSummary:
    """Every estimate of :mod:`itmodels.fitting.rates` for one export, reasons for gaps.

    Parameters
    ----------
    tickets : Tickets
        From :func:`~itmodels.fitting.readers.read_tickets`.
    per, users, offices, start, end, level
        As for :func:`incident_rates`.

    Returns
    -------
    TicketSummary
        Each estimate, or why it is not inferable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from itmodels.fitting.readers import read_tickets
    >>> p = Path(tempfile.mkdtemp(), "t.csv")
    >>> _ = p.write_text("id,opened\\n1,2024-01-01\\n2,2024-03-01\\n")
    >>> s = summarise_tickets(read_tickets(p), users=10)
    >>> s.work
    "not inferable: ... has no 'hours' column"
    >>> round(float(s.rates.frame["rate"].iloc[-1]), 3)  # 2 tickets, 10 users, 60 days
    0.101
    """

    def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as err:
            return str(err).replace(tickets.path, "...")

    return TicketSummary(
        rates=attempt(
            incident_rates,
            tickets,
            per=per,
            users=users,
            offices=offices,
            start=start,
            end=end,
            level=level,
        ),
        priority_mix=attempt(priority_mix, tickets, level=level),
        trend=attempt(trend_test, tickets, start=start, end=end, level=level),
        work=attempt(work_time, tickets, level=level),
        remote=attempt(remote_share, tickets, level=level),
        times=attempt(response_times, tickets),
    )
