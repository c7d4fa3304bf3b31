"""The numbers and sentences behind the charts, apart from the drawing (see :mod:`plots`).

Every function here takes the plain DataFrames of an experiment (``res.metrics``,
``res.monthly``) or the tables of :func:`itmodels.sweep` and :func:`itmodels.sensitivity`
and returns numbers, small DataFrames or text; nothing here touches matplotlib.  The
one-line takeaways are computed from the data and say plainly which offer is cheaper,
including when it is the pay-per-incident one, and when there is no clear winner.  Offers
are shown by :func:`display_name`; no pricing model is named here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.contracts import CONTRACT_TYPES, OfferTerms, default_baseline, offer_label
from itmodels.money.formatting import format_money, number_text, percent_text
from itmodels.money.ledger import CATEGORY_TABLE
from itmodels.scenario.units import HOURS_PER_MONTH, HOURS_PER_YEAR

__all__ = [
    "COST_PARTS",
    "Fit",
    "Verdict",
    "cost_components",
    "cost_part_labels",
    "crossings",
    "cumulative_bands",
    "display_name",
    "downtime_per_year",
    "downtime_words",
    "horizon_text",
    "incentive_fit",
    "is_money_key",
    "metric_label",
    "mid_sentence",
    "monthly_spread",
    "paired_grid",
    "param_label",
    "param_value_text",
    "per_replication",
    "pick_pair",
    "provider_means",
    "verdict",
]

#: Columns of ``res.monthly`` that make up the client's total cost, with plain labels.
#: ``sla_credit`` is money back to the client and counts negative; ``downtime_cost`` is
#: the work lost plus any sales lost (see :func:`cost_part_labels`).
COST_PARTS: dict[str, str] = {
    **{c.name: c.label for c in CATEGORY_TABLE if c.on_bill},
    "downtime_cost": "Downtime (work and sales lost)",
}

_MONEY_WORDS = {"fee", "charge", "value", "cost", "price", "wage", "revenue", "margin"}
_NOT_MONEY_WORDS = {"markup", "share", "probability", "multiplier", "premium", "cap"}
_DIST_LOCATION = {"median", "mean", "low", "high", "values"}
_NICE_KEYS = {
    "client.users": "Number of users",
    "client.user_hour_value": "Value of a staff hour",
    "client.revenue_per_hour_down": "Revenue lost per hour the office is down",
    "provider.technicians": "Number of technicians",
}
#: Plain words for the last part of an offer's key (``contracts.<offer>.<term>``).
_NICE_TERMS = {"trip_charge": "call-out charge", "parts_markup": "markup on parts"}
_METRIC_LABELS = {
    "client_total_cost": "total cost to the client",
    "client_cash_cost": "IT bills paid by the client",
    "downtime_cost": "cost of staff time lost",
    "provider_revenue": "provider revenue",
    "provider_cost": "provider cost",
    "provider_margin": "provider margin",
    "user_downtime_hours": "staff hours lost",
    "device_downtime_hours": "device hours down",
    "sla_breaches": "SLA breaches",
    "p90_time_to_restore_hours": "time to restore, 90th percentile (h)",
    "planned_work_after_hours": "planned work after business hours",
}


# ---------------------------------------------------------------------------- text
def display_name(contract: str, offers: Mapping[str, OfferTerms] | None = None) -> str:
    """The name of an offer as shown on charts.

    With the scenario's offers, :func:`itmodels.contracts.offer_label`: the model's label
    for an offer named after its model, else the name as written.  Without them, a name
    that is a pricing model's ``type_name`` shows as that model's label, any other as
    written.

    Examples
    --------
    >>> display_name("complete-plan")
    'complete-plan'
    """
    if offers is not None and contract in offers:
        return offer_label(offers, contract)
    model = CONTRACT_TYPES.get(contract)
    return model.label if model is not None and model.label else contract


def mid_sentence(name: str, label: str) -> str:
    """A display name inside a sentence: a model's label lower-cased (``break-fix``), an
    offer's own name as written.

    Examples
    --------
    >>> mid_sentence("pay_go", "Pay-as-you-go"), mid_sentence("Gold", "Gold")
    ('pay-as-you-go', 'Gold')
    """
    return label if label == name else label.lower()


def horizon_text(hours: float) -> str:
    """A horizon in words: ``"3 years"``, ``"1 year"``, ``"6 months"``.

    Examples
    --------
    >>> horizon_text(26298.0), horizon_text(4383.0)
    ('3 years', '6 months')
    """
    years = hours / HOURS_PER_YEAR
    if years >= 1 and abs(years - round(years)) < 1e-6:
        n = round(years)
        return f"{n} year" if n == 1 else f"{n} years"
    months = hours / HOURS_PER_MONTH
    m: float = round(months) if abs(months - round(months)) < 1e-6 else round(months, 1)
    return f"{m:g} month" if m == 1 else f"{m:g} months"


def downtime_words(revenue_per_hour_down: float) -> str:
    """What the cost of downtime holds: work lost, and sales lost when the scenario has any.

    Examples
    --------
    >>> downtime_words(0), downtime_words(290.0)
    ('staff time lost', 'work and sales lost')
    """
    return "work and sales lost" if revenue_per_hour_down > 0 else "staff time lost"


def cost_part_labels(revenue_per_hour_down: float) -> dict[str, str]:
    """:data:`COST_PARTS` with the downtime part named for what it holds in this scenario.

    Examples
    --------
    >>> cost_part_labels(0)["downtime_cost"]
    'Downtime (staff time lost)'
    """
    words = downtime_words(revenue_per_hour_down)
    return {**COST_PARTS, "downtime_cost": f"Downtime ({words})"}


def is_money_key(key: str) -> bool:
    """Whether a dotted scenario key holds money (a fee, hourly rate, charge, value or cost).

    A rate is money only as an hourly rate: an incident or failure ``rate`` is a count per
    month.  Shares, probabilities, markups and multipliers are not money, even of money
    (``revenue_share``); the location of a money distribution is (``parts_cost.median``).

    Examples
    --------
    >>> is_money_key("contracts.pay-go.hourly_rate.onsite"), is_money_key("client.wage")
    (True, True)
    >>> is_money_key("incident_streams.security.rate"), is_money_key("fleet.pos.revenue_share")
    (False, False)
    >>> is_money_key("fleet.nas.parts_cost.median"), is_money_key("fleet.nas.parts_cost.sigma")
    (True, False)
    """
    parts = key.split(".")
    if len(parts) > 1 and parts[-1] in ("onsite", "remote"):
        parts = parts[:-1]
    if len(parts) > 1 and parts[-1] in _DIST_LOCATION:
        parts = parts[:-1]
    words = parts[-1].replace("-", "_").split("_")
    if _NOT_MONEY_WORDS.intersection(words):
        return False
    hourly_rate = "rate" in words and "hourly" in words
    return hourly_rate or bool(_MONEY_WORDS.intersection(words))


def param_label(key: str, offers: Mapping[str, OfferTerms] | None = None) -> str:
    """A readable name for a dotted scenario key.

    Examples
    --------
    >>> param_label("contracts.complete.fee_per_device")
    'complete fee per device'
    >>> param_label("fleet.server.age")
    'Server age'
    >>> param_label("contracts.pay-go.hourly_rate.onsite")
    'pay-go on-site hourly rate'
    """
    if key in _NICE_KEYS:
        return _NICE_KEYS[key]
    parts = key.split(".")
    if len(parts) > 2 and parts[-1] in ("onsite", "remote"):
        parts = [*parts[:-2], {"onsite": "on-site"}.get(parts[-1], parts[-1]), parts[-2]]
    if parts[0] == "contracts" and len(parts) > 1:
        parts = [display_name(parts[1], offers), *(_NICE_TERMS.get(p, p) for p in parts[2:])]
        words = " ".join(p.replace("_", " ") if i else p for i, p in enumerate(parts))
        return words
    elif parts[0] in ("client", "fleet", "incidents") and len(parts) > 1:
        parts = parts[1:]
    words = " ".join(p.replace("_", " ") for p in parts)
    return words[:1].upper() + words[1:]


def param_value_text(key: str, value: float, currency: str = "USD") -> str:
    """A parameter value for a label: money for fees and rates, hours as such, else a number.

    Examples
    --------
    >>> param_value_text("contracts.complete.fee_per_device", 52.0)
    '$52'
    >>> param_value_text("client.users", 10)
    '10'
    """
    if is_money_key(key):
        return format_money(value, currency, compact=True, sig=3)
    if "markup" in key:
        return percent_text(value)
    return number_text(value)


def metric_label(metric: str) -> str:
    """Plain words for a metric name (``client_total_cost`` -> ``total cost to the client``)."""
    return _METRIC_LABELS.get(metric, metric.replace("_", " "))


# ---------------------------------------------------------------------------- comparisons
def pick_pair(
    names: Sequence[str],
    offers: Mapping[str, OfferTerms] | None = None,
    baseline: str | None = None,
    other: str | None = None,
) -> tuple[str, str] | None:
    """The baseline and the offer compared with it, when not named.

    The baseline defaults to :func:`itmodels.contracts.default_baseline` of the offers
    shown (without ``offers``: the first name that is a pay-per-incident model's
    ``type_name``, else the first name); the other to the first other offer.

    Returns
    -------
    tuple of str, or None
        ``None`` with fewer than two offers.

    Raises
    ------
    ValueError
        If ``baseline`` or ``other`` is not one of ``names``.
    """
    names = list(dict.fromkeys(names))
    for given in (baseline, other):
        if given is not None and given not in names:
            raise ValueError(f"no offer {given!r} here; the offers are {names}")
    if len(names) < 2:
        return None
    if baseline is None:
        if offers is not None and all(n in offers for n in names):
            baseline = default_baseline({n: offers[n] for n in names})
        else:
            refs = [n for n in names if n in CONTRACT_TYPES and CONTRACT_TYPES[n].reference]
            baseline = refs[0] if refs else names[0]
    if other is None:
        other = next(n for n in names if n != baseline)
    if other == baseline:
        raise ValueError(f"the baseline and the other offer are both {baseline!r}")
    return baseline, other


def per_replication(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` summed per contract and replication: index replication, one column each."""
    sums = frame.groupby(["replication", "contract"], observed=True)[column].sum()
    return sums.unstack("contract")


@dataclass(frozen=True)
class Verdict:
    """Which of two contracts is lower on a metric, replication by replication.

    ``gap`` is the mean paired difference ``worse - better`` (non-negative), ``wins`` the
    number of replications in which ``better`` is strictly lower, out of ``n``.
    """

    better: str
    worse: str
    gap: float
    wins: int
    n: int

    @property
    def clear(self) -> bool:
        """Whether the lower one is lower in at least 60 % of the replications."""
        return self.n > 0 and self.wins / self.n >= 0.6

    @staticmethod
    def _label(name: str, labels: Mapping[str, str] | None) -> str:
        return (labels or {}).get(name) or display_name(name)

    def cost_sentence(
        self,
        currency: str,
        horizon: str,
        what: str = "costs",
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """One line a non-analyst can read, e.g. 'Flat-rate costs $41k less over 3 years...'.

        ``labels`` maps offers to display names (default :func:`display_name`).
        """
        b, w = self._label(self.better, labels), self._label(self.worse, labels)
        if not self.clear:
            return (
                f"No clear winner over {horizon}: {b} is cheaper in {self.wins} of {self.n}"
                f" simulated futures, {mid_sentence(self.worse, w)} in the rest"
                f" (average gap {format_money(self.gap, currency, compact=True)})"
            )
        return (
            f"{b} {what} {format_money(self.gap, currency, compact=True)} less over {horizon}"
            " on average,"
            f" and is cheaper in {self.wins} of {self.n} simulated futures"
        )


def verdict(values: pd.DataFrame, a: str, b: str) -> Verdict:
    """Compare contracts ``a`` and ``b`` on per-replication values (lower is better).

    Parameters
    ----------
    values : DataFrame
        Index replication, a column per contract (see :func:`per_replication`).
    a, b : str
        The two contracts.

    Examples
    --------
    >>> v = pd.DataFrame({"pay-go": [10.0, 12.0, 9.0], "plan": [8.0, 9.0, 10.0]})
    >>> result = verdict(v, "pay-go", "plan")
    >>> result.better, result.wins, result.n
    ('plan', 2, 3)
    """
    pair = values[[a, b]].dropna()
    diff = (pair[b] - pair[a]).to_numpy(dtype=float)
    mean = float(diff.mean()) if len(diff) else 0.0
    better, worse, sign = (b, a, -1.0) if mean < 0 else (a, b, 1.0)
    wins = int((sign * diff > 0).sum())
    return Verdict(better, worse, abs(mean), wins, len(diff))


# ---------------------------------------------------------------------------- statistics
def cumulative_bands(
    monthly: pd.DataFrame, *, band: float = 0.9, include_downtime: bool = True
) -> pd.DataFrame:
    """Cumulative client cost per contract: mean and central band over replications.

    Parameters
    ----------
    monthly : DataFrame
        ``res.monthly``.
    band : float
        Share of replications inside the band (0.9: from the 5th to the 95th percentile).
    include_downtime : bool
        Add ``downtime_cost`` to the cash paid.

    Returns
    -------
    DataFrame
        Columns ``contract``, ``month`` (0 = the start, m = the end of month m), ``mean``,
        ``low``, ``high``; one row per contract and month, starting at zero.
    """
    if not 0 < band < 1:
        raise ValueError(f"band must be between 0 and 1, got {band!r}")
    cost = monthly["client_cash"].to_numpy(dtype=float)
    if include_downtime:
        cost = cost + monthly["downtime_cost"].to_numpy(dtype=float)
    frame = monthly[["contract", "replication", "month"]].assign(cost=cost)
    rows = []
    for contract, group in frame.groupby("contract", observed=True, sort=False):
        wide = group.pivot(index="replication", columns="month", values="cost").fillna(0.0)
        paths = np.cumsum(wide.to_numpy(), axis=1)
        paths = np.hstack([np.zeros((len(paths), 1)), paths])
        low, high = np.quantile(paths, [(1 - band) / 2, (1 + band) / 2], axis=0)
        months = np.arange(paths.shape[1])
        rows.append(
            pd.DataFrame(
                {
                    "contract": str(contract),
                    "month": months,
                    "mean": paths.mean(axis=0),
                    "low": low,
                    "high": high,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def crossings(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[tuple[float, float]]:
    """Points where curve ``a`` and curve ``b`` swap order (linear interpolation).

    Points where the curves are equal (such as a common start at zero) are not crossings
    by themselves: only a change from ``a < b`` to ``a > b`` or back counts.

    Examples
    --------
    >>> crossings(np.array([0, 1, 2]), np.array([0, 1, 3]), np.array([0, 2, 2]))
    [(1.5, 2.0)]
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    out: list[tuple[float, float]] = []
    last = None
    for i, value in enumerate(d):
        if value == 0 or not np.isfinite(value):
            continue
        if last is not None and np.sign(value) != np.sign(d[last]):
            t = d[last] / (d[last] - value)
            xc = float(x[last] + t * (x[i] - x[last]))
            yc = float(a[last] + t * (a[i] - a[last]))
            out.append((xc, yc))
        last = i
    return out


def cost_components(monthly: pd.DataFrame) -> pd.DataFrame:
    """Mean total per replication of each part of the client's cost, per contract.

    Returns
    -------
    DataFrame
        Index contract, columns :data:`COST_PARTS` (``sla_credit`` negative); the row sums
        are the mean ``client_total_cost``.
    """
    cols = [c for c in COST_PARTS if c in monthly.columns]
    sums = monthly.groupby(["contract", "replication"], observed=True)[cols].sum()
    means = sums.groupby(level="contract", observed=True).mean()
    if "sla_credit" in means:
        means["sla_credit"] = -means["sla_credit"]
    means.index = means.index.astype(str)
    return means


def monthly_spread(monthly: pd.DataFrame, column: str = "client_cash") -> pd.DataFrame:
    """Percentiles of one month's spend over every month of every replication.

    Returns
    -------
    DataFrame
        Index contract; columns ``p5, p25, p50, p75, p95, worst, mean``.
    """
    rows = {}
    for contract, group in monthly.groupby("contract", observed=True, sort=False):
        x = group[column].to_numpy(dtype=float)
        p = np.percentile(x, [5, 25, 50, 75, 95])
        rows[str(contract)] = [*p, float(x.max()), float(x.mean())]
    cols = ["p5", "p25", "p50", "p75", "p95", "worst", "mean"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def provider_means(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean provider revenue, cost and margin per contract, and margin as a share.

    Returns
    -------
    DataFrame
        Index contract; columns ``revenue, cost, margin, margin_share`` (NaN without revenue).
    """
    cols = ["provider_revenue", "provider_cost", "provider_margin"]
    means = metrics.groupby("contract", observed=True)[cols].mean()
    means.columns = ["revenue", "cost", "margin"]
    means["margin_share"] = means["margin"] / means["revenue"].where(means["revenue"] != 0)
    means.index = means.index.astype(str)
    return means


def downtime_per_year(metrics: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Staff hours lost per year: index replication, a column per contract.

    Parameters
    ----------
    metrics : DataFrame
        ``res.metrics``.
    horizon : float
        Hours simulated (``scenario.horizon``).
    """
    wide = metrics.pivot(index="replication", columns="contract", values="user_downtime_hours")
    wide.columns = wide.columns.astype(str)
    return wide / (horizon / HOURS_PER_YEAR)


@dataclass(frozen=True)
class Fit:
    """A least-squares line ``y = intercept + slope * x`` with the p-value of the slope."""

    slope: float
    intercept: float
    p_value: float


def incentive_fit(x: np.ndarray, y: np.ndarray) -> Fit | None:
    """Fit ``y`` on ``x``; ``None`` when ``x`` does not vary (no line can be drawn).

    Examples
    --------
    >>> incentive_fit(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])).slope
    2.0
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    sxx = float(((x - x.mean()) ** 2).sum()) if n else 0.0
    if n < 2 or sxx <= 1e-12 * max(1.0, float((x**2).sum())):
        return None
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    p = math.nan
    if n > 2:
        resid = y - intercept - slope * x
        se = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx)
        p = (
            0.0
            if se == 0 and slope != 0
            else 1.0
            if se == 0
            else 2 * stats.t.sf(abs(slope / se), n - 2)
        )
    return Fit(slope, intercept, float(p))


def paired_grid(
    table: pd.DataFrame,
    x: str,
    y: str,
    metric: str = "client_total_cost",
    baseline: str | None = None,
    other: str | None = None,
) -> pd.DataFrame:
    """Mean paired difference ``other - baseline`` of a metric at each point of a sweep.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`itmodels.sweep` over keys ``x`` and ``y`` with both offers.
    baseline, other : str, optional
        The offers compared (default: :func:`pick_pair` of the offers in the table).

    Returns
    -------
    DataFrame
        Index: the values of ``y`` (sorted), columns: the values of ``x`` (sorted); NaN
        where a grid point is missing.  ``attrs["baseline"]`` and ``attrs["other"]`` name
        the offers compared.
    """
    for col in (x, y, metric, "contract", "replication"):
        if col not in table.columns:
            raise ValueError(f"the sweep table has no column {col!r}")
    have = set(table["contract"].astype(str))
    if baseline is None or other is None:
        pair = pick_pair(_in_order(table["contract"]), None, baseline, other)
        if pair is None:
            raise ValueError(f"the sweep table must hold two offers or more; it has {have}")
        baseline, other = pair
    if not {baseline, other} <= have:
        raise ValueError(f"the sweep table must hold contracts {baseline!r} and {other!r}")
    frame = table[[x, y, "replication", metric]].assign(contract=table["contract"].astype(str))
    wide = frame.pivot_table(
        index=[x, y, "replication"], columns="contract", values=metric, observed=True
    )
    diff = (wide[other] - wide[baseline]).groupby(level=[x, y]).mean()
    grid = diff.unstack(x).sort_index()
    grid = grid.reindex(sorted(grid.columns), axis=1)
    grid.attrs.update(baseline=baseline, other=other)
    return grid


def _in_order(column: pd.Series) -> list[str]:
    """The offers of a ``contract`` column: in category order if categorical, else as met."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.astype(str))
        return [str(c) for c in column.cat.categories if str(c) in present]
    return list(dict.fromkeys(column.astype(str)))
