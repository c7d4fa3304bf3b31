"""The engine against closed-form results of queueing, renewal and Poisson theory.

Every comparison uses replications with fixed seeds and a tolerance from the
replications' own spread: the simulated mean must lie in its two-sided t-based 99.9 %
interval around the exact value.  Each test also checks that the interval is narrow
(relative standard error below a few per cent), so that a pass is informative and not
the result of noise.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, linalg, special, stats

import itmodels as itm
from helpers import (
    HOURS_PER_MONTH,
    NEVER,
    device,
    mean_interval,
    minimal,
    paired_interval,
    scenario,
    stream,
)

# --------------------------------------------------------------------------- M/M/c//N


def machine_repairman(n_machines: int, c: int, lam: float, mu: float) -> np.ndarray:
    """Stationary distribution of the number of machines down in M/M/c//N."""
    r = lam / mu
    weights = []
    for n in range(n_machines + 1):
        w = math.comb(n_machines, n) * r**n
        if n > c:
            w *= math.factorial(n) / (math.factorial(c) * c ** (n - c))
        weights.append(w)
    p = np.array(weights)
    return p / p.sum()


def repairman_generator(n_machines: int, c: int, lam: float, mu: float) -> np.ndarray:
    """The birth-death generator of the number of machines down."""
    q = np.zeros((n_machines + 1, n_machines + 1))
    for n in range(n_machines + 1):
        if n < n_machines:
            q[n, n + 1] = (n_machines - n) * lam
        if n > 0:
            q[n, n - 1] = min(n, c) * mu
        q[n, n] = -q[n].sum()
    return q


def start_empty_bias(q: np.ndarray, pi: np.ndarray, horizon: float) -> float:
    """Bias of the time-average number down over ``[0, horizon]`` when all start up.

    ``E[(1/T) int_0^T N(t) dt] = L + (D n)[0] / T + o(1/T)`` with the deviation matrix
    ``D = (1 pi - Q)^-1 - 1 pi``; returned is ``(D n)[0] / T``.
    """
    one_pi = np.outer(np.ones(len(pi)), pi)
    dev = linalg.inv(one_pi - q) - one_pi
    return float(dev[0] @ np.arange(len(pi))) / horizon


def note(name: str, values: dict[str, str]) -> None:
    """Print simulated-vs-exact figures (shown with ``pytest -s``)."""
    for what, text in values.items():
        print(f"[theory] {name} {what}: {text}")


# (machines N, technicians c, mean life 1/lambda, mean repair 1/mu, horizon, replications)
REPAIRMAN_CASES = {
    # light load: N lambda = 0.1 < c mu = 0.4
    "N10-c2-light": (10, 2, 100.0, 5.0, 20_000.0, 10),
    # near the knee: N lambda = 0.4, c mu = 0.5
    "N20-c1-knee": (20, 1, 50.0, 2.0, 20_000.0, 10),
    # heavily loaded: N lambda = 0.5 is twice c mu = 0.25; the technician is always busy
    "N10-c1-heavy": (10, 1, 20.0, 4.0, 20_000.0, 10),
    # three technicians: N lambda = 0.4, c mu = 0.5
    "N12-c3": (12, 3, 30.0, 6.0, 20_000.0, 10),
}


@pytest.mark.parametrize("case", list(REPAIRMAN_CASES))
def test_machine_repairman_matches_exact_stationary_values(case: str) -> None:
    n_machines, c, life, repair, horizon, reps = REPAIRMAN_CASES[case]
    lam, mu = 1.0 / life, 1.0 / repair
    pi = machine_repairman(n_machines, c, lam, mu)
    q = repairman_generator(n_machines, c, lam, mu)
    # the closed form really is the stationary law of the chain
    np.testing.assert_allclose(pi @ q, 0.0, atol=1e-12)
    big_l = float(pi @ np.arange(n_machines + 1))
    big_w = big_l / (lam * (n_machines - big_l))

    scn = scenario(
        minimal(
            horizon=horizon,
            technicians=c,
            fleet=[
                device(
                    count=n_machines,
                    lifetime={"dist": "exponential", "mean": life},
                    repair={"dist": "exponential", "mean": repair},
                )
            ],
        )
    )
    down, restore = [], []
    for r in range(reps):
        m = itm.simulate(scn, "break_fix", seed=2024, replication=r).metrics
        down.append(m["device_downtime_hours"] / horizon)
        restore.append(m["mean_time_to_restore_hours"])
    down_ci = mean_interval(down)
    restore_ci = mean_interval(restore)
    note(case, {"L": f"{down_ci} vs {big_l:.6g}", "W": f"{restore_ci} vs {big_w:.6g}"})

    # All devices start up, so the time average is biased low by O(1/T).  The horizon is
    # hundreds of relaxation times long: the exact bias (deviation matrix) is a small
    # fraction of the standard error, so comparing with the stationary L is fair.
    bias = start_empty_bias(q, pi, horizon)
    assert bias < 0.0
    assert abs(bias) < 0.25 * down_ci.se, (bias, down_ci)
    # The same horizon makes the restore-time censoring bias (incidents still open at the
    # horizon are left out) of order W / (number of incidents), far below its SE.

    assert down_ci.se < 0.03 * big_l, down_ci
    assert restore_ci.se < 0.03 * big_w, restore_ci
    assert down_ci.contains(big_l), f"L: simulated {down_ci}, exact {big_l}"
    assert restore_ci.contains(big_w), f"W: simulated {restore_ci}, exact {big_w}"


def test_machine_repairman_heavy_load_queues() -> None:
    """A sanity check of the cases above: heavy load really means a long queue."""
    lam, mu = 1 / 20.0, 1 / 4.0
    pi = machine_repairman(10, 1, lam, mu)
    big_l = float(pi @ np.arange(11))
    assert big_l > 4.0  # W is several times the repair time
    assert big_l / (lam * (10 - big_l)) > 3 * 4.0


# --------------------------------------------------------------------------- availability


def test_availability_with_ample_technicians_is_mttr_over_cycle() -> None:
    """Renewal-reward: fraction of time down = MTTR / (MTTF + MTTR), for any lifetime."""
    # The start-up bias is O(1/T) per device while the SE is O(1/sqrt(N reps T)): few
    # devices over a long horizon keep the bias well below the SE at the same cost.
    n_devices, horizon, reps = 2, 60_000.0, 10
    life = {"dist": "weibull", "shape": 2.0, "scale": "100h"}
    rep = {"dist": "lognormal", "median": "8h", "sigma": 0.5}
    scn = scenario(
        minimal(
            horizon=horizon,
            technicians=n_devices,  # c >= N: nobody ever waits
            fleet=[device(count=n_devices, lifetime=life, repair=rep)],
        )
    )
    weib, logn = scn.fleet[0].lifetime, scn.fleet[0].repair
    mttf, mttr = weib.mean, logn.mean
    assert mttf == pytest.approx(100.0 * math.gamma(1.5), rel=1e-12)
    assert mttr == pytest.approx(8.0 * math.exp(0.125), rel=1e-12)
    unavailability = mttr / (mttf + mttr)

    fraction, restore = [], []
    for r in range(reps):
        m = itm.simulate(scn, "break_fix", seed=77, replication=r).metrics
        fraction.append(m["device_downtime_hours"] / (n_devices * horizon))
        restore.append(m["mean_time_to_restore_hours"])
        assert m["mean_response_hours"] == 0.0  # ample technicians: no queue at all
    frac_ci, restore_ci = mean_interval(fraction), mean_interval(restore)
    note(
        "availability",
        {
            "down fraction": f"{frac_ci} vs {unavailability:.6g}",
            "MTTR": f"{restore_ci} vs {mttr:.6g}",
        },
    )

    # Each device is an alternating renewal process started at the start of an up time;
    # E[down time in [0,T]] = p T + c + o(1) with (Laplace transform of the renewal
    # equation) c = (p E[C^2] - E[C^2 - U^2]) / (2 E[C]), C = U + D.  The horizon makes
    # this start-up bias a small fraction of the standard error.
    eu, eu2 = mttf, 100.0**2 * math.gamma(2.0)
    ed, ed2 = mttr, math.exp(2 * math.log(8.0) + 2 * 0.5**2)
    ec, ec2 = eu + ed, eu2 + 2 * eu * ed + ed2
    bias = (unavailability * ec2 - (2 * eu * ed + ed2)) / (2 * ec) / horizon
    assert abs(bias) < 0.25 * frac_ci.se, (bias, frac_ci)

    assert frac_ci.se < 0.02 * unavailability
    assert frac_ci.contains(unavailability), f"simulated {frac_ci}, exact {unavailability}"
    assert restore_ci.se < 0.02 * mttr
    assert restore_ci.contains(mttr), f"simulated {restore_ci}, exact {mttr}"


# --------------------------------------------------------------------------- Poisson


def _stream_counts(scn: itm.Scenario, reps: int, seed: int) -> np.ndarray:
    counts = []
    for r in range(reps):
        run = itm.simulate(scn, "break_fix", seed=seed, replication=r)
        n = int((run.incidents["kind"] == "incident").sum())
        assert run.metrics["incidents"] == n  # the devices never fail here
        counts.append(n)
    return np.array(counts, dtype=float)


def _dispersion_bounds(counts: np.ndarray) -> tuple[float, float, float]:
    """Index of dispersion sum((x - mean)^2) / mean and its chi-square 99.9 % bounds."""
    n = counts.size
    stat = float(((counts - counts.mean()) ** 2).sum() / counts.mean())
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], n - 1)
    return stat, float(lo), float(hi)


def test_incident_stream_counts_are_poisson() -> None:
    users, rate, months, reps = 10, 1.5, 12, 150
    data = minimal(horizon=f"{months}mo", users=users, fleet=[device(lifetime=NEVER)])
    data["incident_streams"] = [stream(rate=rate, per="user")]
    counts = _stream_counts(scenario(data), reps, seed=11)

    expected = rate * users * (months * HOURS_PER_MONTH) / HOURS_PER_MONTH
    se_poisson = math.sqrt(expected / reps)
    z = (counts.mean() - expected) / se_poisson
    note(
        "poisson",
        {
            "count": f"{counts.mean():.6g} ± {se_poisson:.3g} (Poisson SE) vs {expected:.6g}",
            "variance/mean": f"{counts.var(ddof=1) / counts.mean():.4g} vs 1",
        },
    )
    assert abs(z) < stats.norm.ppf(0.9995), (counts.mean(), expected, se_poisson)
    stat, lo, hi = _dispersion_bounds(counts)
    assert lo < stat < hi, f"index of dispersion {stat:.1f} outside [{lo:.1f}, {hi:.1f}]"


@pytest.mark.parametrize("per", ["device", "office"])
def test_incident_stream_rate_per_device_and_office(per: str) -> None:
    rate, months, reps, devices = 3.0, 6, 60, 4
    data = minimal(horizon=f"{months}mo", users=7, fleet=[device(count=devices, lifetime=NEVER)])
    data["incident_streams"] = [stream(rate=rate, per=per)]
    counts = _stream_counts(scenario(data), reps, seed=12)
    expected = rate * months * (devices if per == "device" else 1)
    z = (counts.mean() - expected) / math.sqrt(expected / reps)
    assert abs(z) < stats.norm.ppf(0.9995), (counts.mean(), expected)


def test_neglected_stream_is_a_poisson_process_with_the_drifting_rate() -> None:
    """Without maintenance (break-fix) the intensity is rate * min(1 + g (m0 + t), cap)."""
    users, rate, months, reps = 5, 2.0, 12, 150
    growth, cap, initial = 0.15, 2.2, 3.0
    data = minimal(horizon=f"{months}mo", users=users, fleet=[device(lifetime=NEVER)])
    data["incident_streams"] = [
        stream(
            rate=rate,
            neglect={"growth_per_month": growth, "max_multiplier": cap, "initial_months": initial},
        )
    ]
    counts = _stream_counts(scenario(data), reps, seed=13)

    def intensity(t_months: float) -> float:  # incidents per month
        return rate * users * min(1.0 + growth * (initial + t_months), cap)

    expected, _ = integrate.quad(intensity, 0.0, months, points=[(cap - 1) / growth - initial])
    se = math.sqrt(expected / reps)
    note("neglect", {"count": f"{counts.mean():.6g} ± {se:.3g} (Poisson SE) vs {expected:.6g}"})
    assert abs(counts.mean() - expected) < stats.norm.ppf(0.9995) * se
    assert counts.mean() > rate * users * months * 1.3  # the drift matters at this size
    stat, lo, hi = _dispersion_bounds(counts)
    assert lo < stat < hi


# --------------------------------------------------------------------------- residual life


def weibull_sf(shape: float, scale: float):
    return lambda t: math.exp(-((t / scale) ** shape))


@pytest.mark.parametrize(
    ("shape", "age"),
    [(2.0, 1000.0), (3.0, 1500.0), (0.7, 500.0)],
    ids=["wear-out", "steep-wear-out", "infant-mortality"],
)
def test_first_failure_of_aged_devices_has_the_mean_residual_life(shape: float, age: float) -> None:
    scale, horizon, count, reps = 1000.0, 5000.0, 400, 4
    data = minimal(
        horizon=horizon,
        technicians=count,
        fleet=[
            device(
                count=count,
                age=age,
                lifetime={"dist": "weibull", "shape": shape, "scale": scale},
                repair={"dist": "constant", "value": "1h"},
            )
        ],
    )
    scn = scenario(data)
    first = []
    for r in range(reps):
        inc = itm.simulate(scn, "break_fix", seed=31, replication=r).incidents
        hw = inc[inc["kind"] == "hardware"]
        times = hw.groupby("device")["occurred"].min()
        # a device that has not failed by the horizon contributes min(R, T) = T
        first.extend(times.reindex(range(count), fill_value=horizon).tolist())
    sample = mean_interval(first)

    sf = weibull_sf(shape, scale)
    s_age = sf(age)
    truncated, _ = integrate.quad(sf, age, age + horizon, limit=200)
    truncated /= s_age  # E[min(R, T)]
    full, _ = integrate.quad(sf, age, math.inf, limit=200)
    full /= s_age  # the mean residual life E[R]
    note(
        f"residual shape={shape}", {"E[min(R,T)]": f"{sample} vs {truncated:.6g} (MRL {full:.6g})"}
    )
    # the library's own formula agrees with the integral
    assert scn.fleet[0].lifetime.mean_residual(age) == pytest.approx(full, rel=1e-7)
    if shape > 1:
        # the horizon covers the whole residual life: E[min(R,T)] is the MRL itself
        assert full - truncated < 1e-6 * full
    assert sample.se < 0.05 * truncated
    assert sample.contains(truncated), f"simulated {sample}, exact {truncated}"


def test_aged_wear_out_fleet_fails_more_than_a_new_one() -> None:
    shape, scale, age, horizon, count, reps = 2.0, 1000.0, 1000.0, 500.0, 50, 8
    fleet = {
        "count": count,
        "lifetime": {"dist": "weibull", "shape": shape, "scale": scale},
        "repair": {"dist": "constant", "value": "1h"},
    }
    aged = scenario(minimal(horizon=horizon, technicians=5, fleet=[device(age=age, **fleet)]))
    new = scenario(minimal(horizon=horizon, technicians=5, fleet=[device(age=0, **fleet)]))

    def devices_failed(run: itm.Run) -> float:
        inc = run.incidents
        return float(inc.loc[inc["kind"] == "hardware", "device"].nunique())

    diff = paired_interval(
        aged,
        "break_fix",
        new,
        "break_fix",
        lambda r: r.metrics["hardware_failures"],
        seed=5,
        reps=reps,
    )
    assert diff.one_sided_low() > 0, diff

    # and the share of devices failing at least once is the exact conditional probability
    sf = weibull_sf(shape, scale)
    for scn, a in ((aged, age), (new, 0.0)):
        p = 1.0 - sf(a + horizon) / sf(a)
        failed = [
            devices_failed(itm.simulate(scn, "break_fix", 5, replication=r)) for r in range(reps)
        ]
        mean, se = np.mean(failed), math.sqrt(count * p * (1 - p) / reps)
        assert abs(mean - count * p) < stats.norm.ppf(0.9995) * se, (a, mean, count * p)


def test_exponential_lifetime_ignores_age() -> None:
    """Memoryless: an aged exponential device has the same first failure as a new one."""
    life = {"dist": "exponential", "mean": "300h"}
    aged = scenario(minimal(horizon=2000, fleet=[device(count=5, age="10y", lifetime=life)]))
    new = scenario(minimal(horizon=2000, fleet=[device(count=5, age=0, lifetime=life)]))
    for r in range(3):
        a = itm.simulate(aged, "break_fix", 9, replication=r).incidents
        b = itm.simulate(new, "break_fix", 9, replication=r).incidents
        # same uniforms, exponential residual = fresh life: the very same failure times
        np.testing.assert_allclose(a["occurred"], b["occurred"], rtol=1e-12)


def test_weibull_residual_quantile_is_the_conditional_law() -> None:
    """The residual-life sampler used for aged devices inverts S(a + x) / S(a)."""
    shape, scale, age = 2.0, 1000.0, 1000.0
    weib = (
        scenario(
            minimal(fleet=[device(lifetime={"dist": "weibull", "shape": shape, "scale": scale})])
        )
        .fleet[0]
        .lifetime
    )
    u = np.linspace(0.01, 0.99, 25)
    x = np.asarray(weib.residual_ppf(u, age))
    cond_cdf = 1.0 - np.exp(-(((age + x) / scale) ** shape) + (age / scale) ** shape)
    np.testing.assert_allclose(cond_cdf, u, rtol=1e-10)
    # and the mean of the law is the quad integral (special-function form of the MRL)
    z = (age / scale) ** shape
    closed = scale * math.gamma(1 + 1 / shape) * special.gammaincc(1 / shape, z) * math.exp(z)
    assert weib.mean_residual(age) == pytest.approx(closed, rel=1e-12)


def test_minimal_repair_failures_are_a_poisson_process_with_weibull_hazard() -> None:
    """``as_bad_as_old`` with instant repairs: failures of a device form a non-homogeneous
    Poisson process with cumulative hazard ((a + t)/s)^k - (a/s)^k."""
    shape, scale, age, horizon, count, reps = 2.0, 1000.0, 500.0, 2000.0, 20, 40
    data = minimal(
        horizon=horizon,
        technicians=count,
        fleet=[
            device(
                count=count,
                age=age,
                lifetime={"dist": "weibull", "shape": shape, "scale": scale},
                repair={"dist": "constant", "value": 0},
                after_repair="as_bad_as_old",
            )
        ],
    )
    minimal_repair = scenario(data)
    counts = np.array(
        [
            itm.simulate(minimal_repair, "break_fix", 41, replication=r).metrics[
                "hardware_failures"
            ]
            for r in range(reps)
        ]
    )
    expected = count * (((age + horizon) / scale) ** shape - (age / scale) ** shape)
    se = math.sqrt(expected / reps)
    note("minimal repair", {"count": f"{counts.mean():.6g} ± {se:.3g} vs {expected:.6g}"})
    assert abs(counts.mean() - expected) < stats.norm.ppf(0.9995) * se
    stat, lo, hi = _dispersion_bounds(counts)
    assert lo < stat < hi

    # a wear-out device renewed at each repair fails less often than one patched up
    data["fleet"][0]["after_repair"] = "as_good_as_new"
    diff = paired_interval(
        minimal_repair,
        "break_fix",
        scenario(data),
        "break_fix",
        lambda r: r.metrics["hardware_failures"],
        seed=41,
        reps=10,
    )
    assert diff.one_sided_low() > 0, diff


# --------------------------------------------------------------------------- M/G/1 dispatch

# One technician, around the clock.  The client's incidents (Poisson, lognormal work) share
# the technician with other clients' jobs (Poisson, exponential work).  Both streams are
# Poisson, so the technician is an M/G/1 queue with two classes, and the mean wait of the
# client's incidents (report -> technician start) has a closed form for each dispatch
# rule: FIFO (Pollaczek-Khinchine) or non-preemptive priority (Cobham).
BG_PER_MONTH, CLIENT_PER_MONTH = 300.0, 150.0
BG_MEAN, CLIENT_MEDIAN, CLIENT_SIGMA = 1.0, 0.8, 0.5


def _queue_scenario(contract_share: float) -> itm.Scenario:
    data = minimal(horizon="1y", users=3, fleet=[device(lifetime=NEVER)])
    data["incident_streams"] = [
        stream(
            rate=CLIENT_PER_MONTH,
            per="office",
            work={"dist": "lognormal", "median": CLIENT_MEDIAN, "sigma": CLIENT_SIGMA},
        )
    ]
    data["provider"]["background_load"] = {
        "jobs_per_month": BG_PER_MONTH,
        "work": {"dist": "exponential", "mean": BG_MEAN},
        "priority": "P3",  # the client's incidents are P3 too
        "contract_share": contract_share,
    }
    return scenario(data)


@pytest.mark.parametrize(
    ("contract", "share", "rule"),
    [
        ("break_fix", 0.0, "fifo"),  # everybody pay-per-call, same priority: FIFO
        ("break_fix", 1.0, "client_low"),  # other jobs are contract work: served first
        ("flat_rate", 0.0, "client_high"),  # the client is the contract client
    ],
)
def test_dispatch_rule_gives_the_m_g_1_waiting_time(contract: str, share: float, rule: str) -> None:
    lam_b = BG_PER_MONTH / HOURS_PER_MONTH
    lam_c = CLIENT_PER_MONTH / HOURS_PER_MONTH
    es_b, es2_b = BG_MEAN, 2 * BG_MEAN**2
    es_c = CLIENT_MEDIAN * math.exp(CLIENT_SIGMA**2 / 2)
    es2_c = CLIENT_MEDIAN**2 * math.exp(2 * CLIENT_SIGMA**2)
    rho_b, rho_c = lam_b * es_b, lam_c * es_c
    w0 = (lam_b * es2_b + lam_c * es2_c) / 2  # mean residual work found in service
    exact = {
        "fifo": w0 / (1 - rho_b - rho_c),
        "client_low": w0 / ((1 - rho_b) * (1 - rho_b - rho_c)),
        "client_high": w0 / (1 - rho_c),
    }[rule]
    scn = _queue_scenario(share)
    waits = [
        itm.simulate(scn, contract, seed=99, replication=r).metrics["mean_response_hours"]
        for r in range(8)
    ]
    ci = mean_interval(waits)
    note(f"M/G/1 {rule}", {"mean wait": f"{ci} vs {exact:.6g}"})
    # The queue starts empty; its relaxation time (about E[S] / (1 - sqrt(rho))^2, some
    # 20 h at rho = 0.6) is a small fraction of the one-year horizon, so the start-up
    # bias is far below the standard error.
    assert ci.se < 0.04 * exact, ci
    assert ci.contains(exact), f"simulated {ci}, exact {exact}"


def test_patching_resets_the_neglect_drift() -> None:
    """Flat-rate patching every month resets the multiplier: the count of a neglected
    stream is Poisson with the saw-tooth intensity."""
    users, rate, months, reps = 5, 2.0, 12, 80
    growth, cap, initial, work = 0.3, 3.0, 6.0, 1.0
    data = minimal(
        horizon=f"{months}mo", users=users, technicians=10, fleet=[device(lifetime=NEVER)]
    )
    data["incident_streams"] = [
        stream(
            rate=rate,
            work={"dist": "constant", "value": 0.1},
            neglect={"growth_per_month": growth, "max_multiplier": cap, "initial_months": initial},
        )
    ]
    data["contracts"]["flat_rate"]["maintenance"] = {
        "patching": {"every": "1mo", "work": {"dist": "constant", "value": work}}
    }
    scn = scenario(data)
    counts = []
    for r in range(reps):
        run = itm.simulate(scn, "flat_rate", seed=14, replication=r)
        # ten technicians and tiny jobs: every patching session starts on time
        sessions = run.visits[run.visits["kind"] == "maintenance"]
        np.testing.assert_allclose(sessions["start"], np.arange(months) * HOURS_PER_MONTH)
        counts.append(float((run.incidents["kind"] == "incident").sum()))
    counts_arr = np.array(counts)

    per_hour = rate * users / HOURS_PER_MONTH
    ends = np.arange(months) * HOURS_PER_MONTH + work  # each session resets at its end
    horizon = months * HOURS_PER_MONTH

    def multiplier(t: float) -> float:
        done = ends[ends <= t]
        months_since = (
            initial + t / HOURS_PER_MONTH if done.size == 0 else (t - done[-1]) / HOURS_PER_MONTH
        )
        return min(1.0 + growth * months_since, cap)

    pieces = [0.0, *ends.tolist(), horizon]
    expected = sum(
        integrate.quad(lambda t: per_hour * multiplier(t), a, b)[0]
        for a, b in itertools.pairwise(pieces)
        if b > a
    )
    se = math.sqrt(expected / reps)
    note(
        "patching", {"count": f"{counts_arr.mean():.6g} ± {se:.3g} (Poisson SE) vs {expected:.6g}"}
    )
    assert abs(counts_arr.mean() - expected) < stats.norm.ppf(0.9995) * se
    stat, lo, hi = _dispersion_bounds(counts_arr)
    assert lo < stat < hi
