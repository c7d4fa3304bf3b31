"""The estimators: censored/truncated lifetimes, rates, trend, work time, rate card.

Cross-checked against independent fits (scipy's ``CensoredData``, a Nelder-Mead MLE on
scipy's densities, the product-limit estimator written out; lifelines would be the obvious
reference, but it requires pandas below 3 and would pull the whole test environment back
to pandas 2); interval coverage measured on repeated synthetic data sets drawn with fixed
seeds and judged with an exact binomial test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from itmodels.fitting.intervals import clopper_pearson, garwood
from itmodels.fitting.invoices import infer_rate_card
from itmodels.fitting.lifetimes import fit_lifetime, fit_lifetimes, fit_weibull, kaplan_meier
from itmodels.fitting.rates import (
    incident_rates,
    priority_mix,
    remote_share,
    response_times,
    summarise_tickets,
    trend_test,
    work_time,
)
from itmodels.fitting.readers import Tickets, read_assets, read_invoices
from itmodels.scenario.units import HOURS_PER_MONTH

START = pd.Timestamp("2023-01-01")
COVERAGE_SETS = 200


def consistent_with_95(covered: int, total: int = COVERAGE_SETS) -> bool:
    return stats.binomtest(covered, total, 0.95).pvalue > 0.01


def tickets_from(frame: pd.DataFrame) -> Tickets:
    """A Tickets object around a synthetic frame (what read_tickets returns)."""
    full = pd.DataFrame(
        {"row": np.arange(2, len(frame) + 2), "id": [f"T{i}" for i in range(len(frame))]}
    )
    for col, dtype in [("opened", "M8[ns]"), ("resolved", "M8[ns]"), ("responded", "M8[ns]"),
                       ("priority", object), ("category", object), ("hours", float),
                       ("onsite", object), ("asset", object)]:  # fmt: skip
        full[col] = (
            frame[col].to_numpy()
            if col in frame
            else pd.Series(None, index=full.index, dtype=dtype)
        )
    found = ("id", *[c for c in frame.columns if c in full.columns])
    return Tickets(
        frame=full, path="synthetic.csv", found=found, headers={c: c for c in found},
        dropped=pd.DataFrame({"row": [], "id": [], "reason": []}),
    )  # fmt: skip


def censored_weibull(rng, n, shape, scale, truncate):
    """Lifetimes seen from an observation start, censored at a random export age."""
    life = scale * rng.weibull(shape, 3 * n)
    entry = rng.uniform(0, 0.8 * scale, 3 * n) if truncate else np.zeros(3 * n)
    keep = np.flatnonzero(life > entry)[:n]  # devices that failed before records began are unseen
    life, entry = life[keep], entry[keep]
    stop = entry + rng.uniform(0.2, 1.5, n) * scale
    return np.minimum(life, stop), life <= stop, entry


# ----------------------------------------------------------------------------- lifetimes


def _reference_weibull(t, d, entry):
    """An independent MLE: scipy.stats' Weibull log-density and survival, conditional on
    surviving to entry, maximised by Nelder-Mead on the natural parameters."""

    def nll(p):
        shape, scale = p
        if shape <= 0 or scale <= 0:
            return np.inf
        dist = stats.weibull_min(shape, scale=scale)
        ll = dist.logpdf(t[d]).sum() + dist.logsf(t[~d]).sum() - dist.logsf(entry).sum()
        return -ll

    start = (1.0, float(np.mean(t)))
    opt = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}
    )
    return opt.x[0], opt.x[1], -opt.fun


@pytest.mark.parametrize("truncate", [False, True], ids=["right censored", "left truncated"])
def test_censored_weibull_agrees_with_an_independent_fit(truncate):
    t, d, entry = censored_weibull(np.random.default_rng(11), 400, 1.6, 6.0, truncate)
    assert (~d).sum() > 50 and (not truncate or (entry > 0).all())
    ours = fit_weibull(t, d, entry)
    shape, scale, loglik = _reference_weibull(t, d, entry)
    assert ours.shape == pytest.approx(shape, rel=1e-3)
    assert ours.scale == pytest.approx(scale, rel=1e-3)
    assert ours.loglik == pytest.approx(loglik, rel=1e-6)


def test_without_truncation_the_mle_agrees_with_scipy_censored_data():
    t, d, _ = censored_weibull(np.random.default_rng(12), 300, 2.2, 4.0, False)
    data = stats.CensoredData(uncensored=t[d], right=t[~d])
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    ours = fit_weibull(t, d)
    assert ours.shape == pytest.approx(shape, rel=1e-3)
    assert ours.scale == pytest.approx(scale, rel=1e-3)
    fit = fit_lifetime(t, d, candidates=("lognormal",))
    s, _, median = stats.lognorm.fit(data, floc=0)
    assert fit.params["sigma"] == pytest.approx(s, rel=1e-3)
    assert fit.params["median"] == pytest.approx(median, rel=1e-3)
    exp = fit_lifetime(t, d, candidates=("exponential",))
    assert exp.params["mean"] == pytest.approx(t.sum() / d.sum(), rel=1e-6)  # closed form


def test_kaplan_meier_with_late_entry_agrees_with_the_product_limit():
    t, d, entry = censored_weibull(np.random.default_rng(13), 200, 1.3, 5.0, True)
    ours = kaplan_meier(t, d, entry)
    # the product-limit estimator written out: at risk at u if entered before u, not out
    survival, want = 1.0, {}
    for u in np.unique(t[d]):
        at_risk = np.sum((entry < u) & (t >= u))
        survival *= 1.0 - np.sum((t == u) & d) / at_risk
        want[u] = survival
    got = dict(zip(ours["time"], ours["survival"], strict=True))
    for u, value in want.items():
        assert got[u] == pytest.approx(value, rel=1e-12)
    assert (ours["low"] <= ours["survival"]).all() and (ours["survival"] <= ours["high"]).all()


def test_weibull_shape_interval_covers_the_truth_at_95_percent():
    rng = np.random.default_rng(2026)
    covered_shape = covered_scale = 0
    for _ in range(COVERAGE_SETS):
        t, d, entry = censored_weibull(rng, 120, 1.5, 5.0, True)
        fit = fit_weibull(t, d, entry)
        covered_shape += fit.shape_interval[0] <= 1.5 <= fit.shape_interval[1]
        covered_scale += fit.scale_interval[0] <= 5.0 <= fit.scale_interval[1]
    print(f"Weibull coverage: shape {covered_shape}/{COVERAGE_SETS}, scale {covered_scale}")
    assert consistent_with_95(covered_shape)
    assert consistent_with_95(covered_scale)


def test_a_large_sample_recovers_the_parameters_and_aic_picks_the_family():
    rng = np.random.default_rng(5)
    t, d, entry = censored_weibull(rng, 4000, 1.44, 7.9, True)
    fit = fit_lifetime(t, d, entry)
    assert fit.distribution == "weibull" and fit.method == "profile likelihood"
    lo, hi = fit.intervals["shape"]
    assert lo < 1.44 < hi and hi - lo < 0.15
    lo, hi = fit.intervals["scale"]
    assert lo < 7.9 < hi
    assert list(fit.aic.columns) == ["distribution", "params", "loglik", "aic", "delta_aic"]
    assert fit.aic["delta_aic"].iloc[0] == 0 and (fit.aic["delta_aic"].iloc[1:] > 2).all()
    assert (fit.n, fit.events + fit.censored, fit.truncated) == (4000, 4000, 4000)
    life = np.exp(rng.normal(np.log(3.0), 0.5, 2000))
    stop = rng.uniform(1, 6, 2000)
    ln = fit_lifetime(np.minimum(life, stop), life <= stop)
    assert ln.distribution == "lognormal" and ln.method == "Wald, log scale"
    assert ln.intervals["median"][0] < 3.0 < ln.intervals["median"][1]
    assert ln.intervals["sigma"][0] < 0.5 < ln.intervals["sigma"][1]


def test_fit_lifetimes_reads_censoring_and_truncation_from_an_asset_register(tmp_path):
    rng = np.random.default_rng(21)
    n = 300
    in_service = START - pd.to_timedelta(rng.uniform(0, 6 * 365, n), unit="D")
    life_days = 365.25 * 5.0 * rng.weibull(2.0, n)
    fail = in_service + pd.to_timedelta(life_days, unit="D")
    as_of = pd.Timestamp("2026-01-01")
    seen = fail > START  # failed before the records began: not in the register
    failed = seen & (fail <= as_of)
    rows = [
        f"d{i},desktop,{s.date()},{f.date() if x else ''},{'failed' if x else 'in service'}"
        for i, (s, f, x) in enumerate(zip(in_service[seen], fail[seen], failed[seen], strict=True))
    ]
    rows.append("r1,router,2022-01-01,,in service")
    path = tmp_path / "assets.csv"
    path.write_text("id,class,in_service,out_of_service,reason\n" + "\n".join(rows) + "\n")
    fits = fit_lifetimes(read_assets(path), as_of=as_of, observed_from=START)
    assert fits["router"] == "not inferable: no failures among 1 device(s)"
    fit = fits["desktop"]
    assert not isinstance(fit, str)
    assert fit.events == int(failed.sum()) and fit.n == int(seen.sum())
    assert fit.truncated == fit.n  # every desktop was in service before the records began
    assert fit.weibull is not None
    assert fit.weibull.shape_interval[0] < 2.0 < fit.weibull.shape_interval[1]
    assert fit.weibull.scale_interval[0] < 5.0 < fit.weibull.scale_interval[1]
    assert fit.unit == "years" and fit.km["survival"].is_monotonic_decreasing


# ----------------------------------------------------------------------------- rates


def poisson_tickets(rng, months, per_month, growth=0.0, users=10):
    """Ticket openings from a Poisson process whose rate grows by ``growth`` a month."""
    m = np.arange(months)
    counts = rng.poisson(per_month * (1 + growth) ** (m + 0.5))
    at = np.concatenate([rng.uniform(i, i + 1, c) for i, c in enumerate(counts)])
    opened = START + pd.to_timedelta(np.sort(at) * HOURS_PER_MONTH, unit="h")
    return tickets_from(pd.DataFrame({"opened": opened}))


def test_poisson_rate_interval_covers_the_truth_at_95_percent():
    rng = np.random.default_rng(7)
    end = START + pd.Timedelta(hours=12 * HOURS_PER_MONTH)
    covered = 0
    for _ in range(COVERAGE_SETS):
        t = poisson_tickets(rng, 12, 3.0)  # 0.3 per user-month, 10 users
        row = incident_rates(t, users=10, start=START, end=end).frame.iloc[-1]
        covered += row["low"] <= 0.3 <= row["high"]
    print(f"Poisson rate coverage: {covered}/{COVERAGE_SETS}")
    assert consistent_with_95(covered)


def test_lognormal_median_interval_covers_the_truth_at_95_percent():
    rng = np.random.default_rng(8)
    covered = 0
    for _ in range(COVERAGE_SETS):
        hours = np.exp(rng.normal(np.log(0.6), 0.8, 40))
        t = tickets_from(pd.DataFrame({"opened": [START] * 40, "hours": hours}))
        row = work_time(t).iloc[-1]
        covered += row["median_low"] <= 0.6 <= row["median_high"]
    print(f"lognormal median coverage: {covered}/{COVERAGE_SETS}")
    assert consistent_with_95(covered)


def test_one_large_export_recovers_every_stream_parameter():
    rng = np.random.default_rng(9)
    n = 20_000
    cats = rng.choice(["user", "security"], n, p=[0.9, 0.1])
    opened = START + pd.to_timedelta(np.sort(rng.uniform(0, 24 * HOURS_PER_MONTH, n)), unit="h")
    restore = rng.exponential(8.0, n)
    frame = pd.DataFrame({
        "opened": opened,
        "resolved": opened + pd.to_timedelta(restore, unit="h"),
        "category": cats,
        "priority": rng.choice(["P2", "P3", "P4"], n, p=[0.1, 0.6, 0.3]),
        "hours": np.exp(rng.normal(np.log(0.6), 0.8, n)),
        "onsite": rng.random(n) > 0.65,
    })  # fmt: skip
    frame.loc[:9, "hours"] = 0.0  # zero-hour tickets are counted, not fitted
    t = tickets_from(frame)
    end = START + pd.Timedelta(hours=24 * HOURS_PER_MONTH)
    rates = incident_rates(t, users=n * 0.9 / 24 / 0.3, start=START, end=end)  # 0.3/user/month
    user = rates.frame.set_index("category").loc["user"]
    assert user["low"] < 0.3 < user["high"] and rates.outside == 0
    mix = priority_mix(t).set_index(["category", "priority"])
    for p, share in {"P1": 0.0, "P2": 0.1, "P3": 0.6, "P4": 0.3}.items():
        assert mix.loc[("all", p), "low"] <= share <= mix.loc[("all", p), "high"]
    work = work_time(t).set_index("category").loc["all"]
    assert work["median_low"] < 0.6 < work["median_high"]
    assert work["sigma_low"] < 0.8 < work["sigma_high"] and work["zero"] == 10
    remote = remote_share(t).set_index("category").loc["all"]
    assert remote["low"] < 0.65 < remote["high"]
    times = response_times(t).set_index(["measure", "priority"]).loc[("restore", "all")]
    assert times["median"] == pytest.approx(8.0 * np.log(2), rel=0.05)
    assert times["open"] == 0
    trend = trend_test(t, start=START, end=end)
    assert trend.interval[0] < 0 < trend.interval[1]


def test_the_trend_test_detects_three_percent_a_month():
    t = poisson_tickets(np.random.default_rng(10), 24, 40.0, growth=0.03)
    end = START + pd.Timedelta(hours=24 * HOURS_PER_MONTH)
    trend = trend_test(t, start=START, end=end)
    assert trend.p_value < 0.001
    assert trend.interval[0] < 0.03 < trend.interval[1]
    assert len(trend.counts) == 24 and trend.counts["count"].sum() == len(t)


def test_the_trend_test_rejects_a_flat_rate_at_the_nominal_rate():
    rng = np.random.default_rng(11)
    end = START + pd.Timedelta(hours=24 * HOURS_PER_MONTH)
    rejected = sum(
        trend_test(poisson_tickets(rng, 24, 40.0), start=START, end=end).p_value < 0.05
        for _ in range(COVERAGE_SETS)
    )
    print(f"flat-rate trend rejections at 5 %: {rejected}/{COVERAGE_SETS}")
    assert stats.binomtest(rejected, COVERAGE_SETS, 0.05).pvalue > 0.01


def test_exact_intervals_match_textbook_values():
    low, high = garwood(10, 2.0)
    assert (float(low), float(high)) == pytest.approx((2.3977, 9.1952), abs=1e-3)
    low, high = clopper_pearson(0, 20)
    assert float(low) == 0 and float(high) == pytest.approx(0.1684, abs=1e-4)


def test_the_summary_names_what_an_export_cannot_tell():
    t = tickets_from(pd.DataFrame({"opened": [START, START + pd.Timedelta(days=60)]}))
    s = summarise_tickets(t, users=5)
    assert not isinstance(s.rates, str)
    assert s.work == "not inferable: ... has no 'hours' column"
    assert s.remote == "not inferable: ... has no 'onsite' column"
    assert isinstance(s.trend, str) and "two months" in s.trend


# ----------------------------------------------------------------------------- invoices


def test_invoice_inference_recovers_a_known_rate_card(tmp_path):
    rng = np.random.default_rng(3)
    lines = []
    for day in pd.date_range("2023-01-01", "2024-12-31", freq="3D"):
        work = float(np.exp(rng.normal(np.log(0.6), 0.8)))
        billed = max(0.5, np.ceil(work / 0.25) * 0.25)  # 30-min minimum, 15-min steps
        onsite = rng.random() < 0.4
        rate = 150.0 if onsite else 140.0
        lines.append(f"{day.date()},labour,{billed:g},{rate * billed:.2f}")
        if onsite:
            lines.append(f"{day.date()},trip,,50.00")
        if rng.random() < 0.1:
            lines.append(f"{day.date()},parts,,{rng.uniform(20, 200):.2f}")
    path = tmp_path / "invoices.csv"
    path.write_text("date,kind,hours,amount\n" + "\n".join(lines) + "\n")
    card = infer_rate_card(read_invoices(path))
    assert card.hourly_rate.value == pytest.approx(140.0)  # most lines are remote
    assert card.rates["rate"].tolist() == pytest.approx([140.0, 150.0])
    assert card.rates["share"].iloc[1] == pytest.approx(0.4, abs=0.08)
    assert card.minimum_billed.value == 0.5
    assert card.billing_increment.value == 0.25
    assert card.trip_charge.value == 50.0
    spend = card.spend.set_index("kind")
    kinds = ["labour", "trip", "parts", "hardware"]
    assert spend.loc["all", "total"] == pytest.approx(spend.loc[kinds, "total"].sum())
    assert spend.loc["trip", "per_year"] == pytest.approx(spend.loc["trip", "total"] / 2, rel=0.01)
    assert spend.loc["hardware", "lines"] == 0


def test_invoices_without_hours_say_what_is_not_inferable(tmp_path: Path):
    path = tmp_path / "i.csv"
    path.write_text(
        "date,kind,amount\n2024-01-01,labour,150\n2024-01-02,trip,45\n2024-01-03,trip,60\n"
    )
    card = infer_rate_card(read_invoices(path))
    assert card.hourly_rate.value is None and "no hours column" in card.hourly_rate.reason
    assert not card.billing_increment.inferable
    assert card.trip_charge.value == pytest.approx(52.5) and "vary" in card.trip_charge.reason
