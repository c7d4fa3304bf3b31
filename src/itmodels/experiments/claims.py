"""The seed article's claims for flat-rate IT, tested on one scenario's replications.

Each claim gets the statistic that tests it under this scenario, a 95 % confidence
interval from the replications and a verdict: ``supported`` (the interval lies on the
claimed side), ``contradicted`` (it lies on the other side) or ``inconclusive``.  Nothing
is assumed true: a young fleet in a tiny office can contradict the sales pitch.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.contracts import contract_class
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.provider import Incentives
from itmodels.experiments.result import ExperimentResult
from itmodels.money.formatting import format_money, number_text, percent_text

__all__ = ["CLAIMS", "INCENTIVE_CLAIM", "claims"]

#: The claims, in the order of the design (0 is the bottom line the others lead to).
CLAIMS = (
    "Flat-rate costs the client less overall (cash plus downtime).",
    "Under break-fix a broken device stays down for an unknown time until a technician comes.",
    "Under break-fix the provider earns only when the client is down: its revenue rises with"
    " the client's downtime.",
    "Under flat-rate small work (patches, scans) is done remotely and after hours, so it does"
    " not disturb staff.",
    "Under flat-rate monitoring catches trouble before it grows: failures are prevented and"
    " downtime avoided.",
    "Under flat-rate the provider earns most when the client stays up: its margin falls as the"
    " client's incidents rise.",
)

#: Claim 6, tested when :func:`claims` is given the provider's optima
#: (:func:`~itmodels.experiments.provider.provider_incentives`).
INCENTIVE_CLAIM = (
    "Under flat-rate the provider's own interest serves the client: at the maintenance and"
    " replacement choices that maximise its margin, the client pays less in total than under"
    " break-fix at that provider's own choices."
)

COLUMNS = ["claim", "statement", "statistic", "value", "ci_low", "ci_high", "verdict", "note"]


def _verdict(lo: float, hi: float, claimed: str, threshold: float = 0.0) -> str:
    """``claimed`` is ``"above"`` or ``"below"`` the threshold."""
    if math.isnan(lo) or math.isnan(hi):
        return "inconclusive"
    if (lo > threshold) if claimed == "above" else (hi < threshold):
        return "supported"
    if (hi < threshold) if claimed == "above" else (lo > threshold):
        return "contradicted"
    return "inconclusive"


def correlation_ci(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Pearson correlation with a Fisher-z interval (NaN when undefined).

    Examples
    --------
    >>> r, lo, hi = correlation_ci(np.arange(10.0), np.arange(10.0) ** 2)
    >>> round(r, 3), lo < r < hi
    (0.963, True)
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 4 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan, math.nan, math.nan
    r = float(np.corrcoef(x, y)[0, 1])
    r = min(max(r, -0.999999), 0.999999)
    half = float(stats.norm.ppf(0.5 + level / 2)) / math.sqrt(len(x) - 3)
    z = math.atanh(r)
    return r, math.tanh(z - half), math.tanh(z + half)


def claims(
    res: ExperimentResult,
    *,
    baseline: str | None = None,
    other: str | None = None,
    incentives: Incentives | None = None,
) -> pd.DataFrame:
    """Test the seed article's claims on an experiment's replications.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two offers or more.
    baseline : str, optional
        The pay-per-incident offer (default: the result's :attr:`~ExperimentResult.baseline`).
    other : str, optional
        The managed offer the claims are about (default: the first offer whose model is
        not pay-per-incident, else the first other offer).
    incentives : Incentives, optional
        The provider's optima under both offers (from
        :func:`~itmodels.experiments.provider.provider_incentives` with both ``baseline``
        and ``other`` searched): adds claim 6 (:data:`INCENTIVE_CLAIM`), tested by the
        paired difference of the client's total cost at the two providers' optima.

    Returns
    -------
    DataFrame
        One row per claim (see :data:`CLAIMS`, and claim 6 with ``incentives``):
        ``claim`` (0-5, or 0-6), ``statement``,
        ``statistic`` (what was measured), ``value``, ``ci_low``, ``ci_high`` (95 %),
        ``verdict`` (supported / contradicted / inconclusive) and a ``note`` in plain words.

    Examples
    --------
    >>> import itmodels as itm
    >>> res = itm.run_experiment(itm.load_scenario("small-office"), 10, seed=1, progress=False)
    >>> list(itm.claims(res)["verdict"].unique())  # doctest: +SKIP
    ['supported', ...]
    """
    baseline = res.baseline if baseline is None else baseline
    if other is None:
        rest = [c for c in res.contracts if c != baseline]
        managed = [c for c in rest if not contract_class(res.scenario.contracts[c].type).reference]
        if not rest:
            raise ValueError(
                f"claims need both contracts (two offers); this result has only {res.contracts}"
            )
        other = (managed or rest)[0]
    for name in (baseline, other):
        if name not in res.contracts:
            raise ValueError(f"claims need both contracts; {name!r} is not in {res.contracts}")
    diff = res.compare(baseline, other)
    m = res.metrics
    bf = m[m["contract"] == baseline].sort_values("replication")
    fr = m[m["contract"] == other].sort_values("replication")
    cur = res.scenario.currency
    rows = []

    d = diff.loc["client_total_cost"]
    verdict = _verdict(d["ci_low"], d["ci_high"], "below")
    rows.append((0, "mean paired difference of client_total_cost, flat-rate − break-fix",
                 d["mean"], d["ci_low"], d["ci_high"], verdict,
                 f"flat-rate is cheaper in {percent_text(d['share_lower'])} of replications"
                 f" (mean difference {format_money(d['mean'], cur, compact=True)})"))  # fmt: skip

    d = diff.loc["mean_time_to_restore_hours"]
    p90 = bf["p90_time_to_restore_hours"].median(), fr["p90_time_to_restore_hours"].median()
    rows.append((1, "mean paired difference of mean_time_to_restore_hours, flat-rate − break-fix",
                 d["mean"], d["ci_low"], d["ci_high"], _verdict(d["ci_low"], d["ci_high"], "below"),
                 f"90th percentile time to restore: break-fix {p90[0]:.1f} h,"
                 f" flat-rate {p90[1]:.1f} h"))  # fmt: skip

    x, y = bf["user_downtime_hours"].to_numpy(float), bf["provider_revenue"].to_numpy(float)
    r, lo, hi = correlation_ci(x, y)
    rows.append((2, "correlation of break-fix provider revenue with client user-downtime"
                 " across replications", r, lo, hi, _verdict(lo, hi, "above"),
                 "each replication is one possible future of this client"))  # fmt: skip

    planned = fr["planned_work_hours"].to_numpy(float)
    if planned.sum() > 0:
        share = fr["planned_work_after_hours"].to_numpy(float) / np.where(planned > 0, planned, 1)
        share = np.where(planned > 0, share, np.nan)
        mean, _, lo, hi, _ = mean_ci(share)
        verdict = _verdict(lo, hi, "above", 0.5)
        note = (f"{fr['planned_work_hours'].mean():.0f} h of planned work per replication;"
                " maintenance causes no user downtime in the model")  # fmt: skip
    else:
        mean = lo = hi = math.nan
        verdict, note = "inconclusive", "this scenario's flat-rate contract has no maintenance"
    rows.append((3, "share of flat-rate planned-work hours outside the client's business hours",
                 mean, lo, hi, verdict, note))  # fmt: skip

    d = diff.loc["device_downtime_hours"]
    prevented, _, p_lo, _, _ = mean_ci(fr["failures_prevented"].to_numpy(float))
    verdict = _verdict(d["ci_low"], d["ci_high"], "below")
    if verdict == "supported" and not p_lo > 0:
        verdict = "inconclusive"
    rows.append((4, "mean paired difference of device_downtime_hours, flat-rate − break-fix",
                 d["mean"], d["ci_low"], d["ci_high"], verdict,
                 f"{number_text(prevented, 2)} failures prevented per replication"
                 f" (95 % CI from {number_text(p_lo, 2)})"))  # fmt: skip

    x, y = fr["incidents"].to_numpy(float), fr["provider_margin"].to_numpy(float)
    r, lo, hi = correlation_ci(x, y)
    rows.append((5, "correlation of flat-rate provider margin with the client's incidents"
                 " across replications", r, lo, hi, _verdict(lo, hi, "below"),
                 "negative: every incident costs the provider, not the client"))  # fmt: skip

    statements = list(CLAIMS)
    if incentives is not None:
        rows.append(_incentive_row(incentives, baseline, other))
        statements.append(INCENTIVE_CLAIM)
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "statement"])
    table.insert(1, "statement", [statements[i] for i in table["claim"]])
    return table


def _incentive_row(inc: Incentives, baseline: str, other: str) -> tuple:
    """Claim 6 from the providers' optima: managed at its optimum − break-fix at its own."""
    for name in (baseline, other):
        if name not in inc.optima:
            raise ValueError(
                f"incentives= must search both offers of the claims; {name!r} is not among"
                f" {list(inc.optima)}"
            )
    base_opt, other_opt = inc.optima[baseline], inc.optima[other]
    diff = other_opt.at_best("client_total_cost") - base_opt.at_best("client_total_cost")
    mean, _, lo, hi, _ = mean_ci(diff, inc.level)
    choices = "; ".join(
        f"{name}: " + (", ".join(f"{k} = {_value(k, v)}" for k, v in opt.values.items())
                       or "as written")
        for name, opt in ((baseline, base_opt), (other, other_opt))
    )  # fmt: skip
    return (6, "mean paired difference of client_total_cost, flat-rate at its provider's"
            " optimum − break-fix at its provider's optimum", mean, lo, hi,
            _verdict(lo, hi, "below"), f"each provider's choice: {choices}")  # fmt: skip


def _value(key: str, value: object) -> str:
    """A lever value in the note: ``None`` is never replacing, else the key unwritten."""
    if value is None:
        return "never" if key.endswith(".replace_at") else "not written"
    return str(value)
