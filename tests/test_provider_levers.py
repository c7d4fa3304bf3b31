"""Provider levers: age replacement in the engine, and the provider's own optimum.

The theory check compares the simulated age-replacement policy with the Barlow-Proschan
renewal-reward cost rate.  For a device with life X (Weibull), replaced new at age T
(planned, cost c_p) or at failure (cost c_f), whichever comes first, the long-run cost
per hour is

    C(T) = (c_p R(T) + c_f F(T)) / int_0^T R(t) dt,

R the survival function, F = 1 - R.  The scenario is built so that this model is exact:
one device class, new at the start, every failure replaced (``beyond_repair_probability:
1``) at ``replacement_cost`` = c_f, every planned replacement at ``planned_replacement_cost``
= c_p; repair and replacement take no time (constant 0 work, no lead time, no travel), the
office and the technicians are open around the clock and there are as many technicians as
devices, so a replacement happens the instant it is due and a cycle is exactly
min(X, T); no incident streams, no background load, no wages, no fee: the provider's cost
is the replacement spend and nothing else (the offer includes hardware, so the provider
pays it).  The cost per device-hour of a replication is its provider cost / (horizon x
devices).  Starting new makes each device an ordinary renewal process; the truncation at
the horizon biases the rate by about one cycle in the few hundred each device runs
(well under the interval's width).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

import itmodels as itm
from helpers import MON_FRI, device, minimal, scenario
from itmodels.contracts import make_contract
from itmodels.engine.model import Model
from itmodels.experiments.claims import CLAIMS, INCENTIVE_CLAIM
from itmodels.experiments.provider import default_levers, provider_incentives, provider_optimum

# ---------------------------------------------------------------- the renewal-reward check

SHAPE, SCALE = 2.5, 1000.0  # Weibull life, hours
C_PLANNED, C_FAILURE = 100.0, 500.0
DEVICES, HORIZON, REPS = 6, 100_000.0, 10
T_GRID = [250.0, 350.0, 450.0, 550.0, 700.0, 900.0, None]


def weibull_cost_rate(t: float) -> float:
    """C(T) for the Weibull life, exactly (the integral by the regularised gamma)."""
    x = (t / SCALE) ** SHAPE
    reliability = math.exp(-x)
    area = SCALE * math.gamma(1 + 1 / SHAPE) * special.gammainc(1 / SHAPE, x)
    return (C_PLANNED * reliability + C_FAILURE * (1 - reliability)) / area


def never_rate() -> float:
    """C(infinity): every life ends in a failure."""
    return C_FAILURE / (SCALE * math.gamma(1 + 1 / SHAPE))


def renewal_scenario() -> itm.Scenario:
    data = minimal(
        horizon=HORIZON,
        technicians=DEVICES,
        fleet=[
            device(
                name="box",
                count=DEVICES,
                users_affected=0,
                lifetime={"dist": "weibull", "shape": SHAPE, "scale": SCALE},
                repair={"dist": "constant", "value": 0},
                beyond_repair_probability=1.0,
                replacement_cost=C_FAILURE,
                planned_replacement_cost=C_PLANNED,
            )
        ],
    )
    data["contracts"] = {"managed": {"type": "flat_rate", "hardware_included": True}}
    return scenario(data)


@pytest.fixture(scope="module")
def renewal_search() -> itm.ProviderOptimum:
    return provider_optimum(
        renewal_scenario(), "managed", {"fleet.box.replace_at": T_GRID}, REPS, seed=11
    )


def _rates(opt: itm.ProviderOptimum, candidate: int) -> np.ndarray:
    margin = opt.runs[opt.runs["candidate"] == candidate]["provider_margin"].to_numpy()
    return -margin / (HORIZON * DEVICES)


def test_simulated_cost_rate_agrees_with_the_renewal_reward_formula(renewal_search) -> None:
    opt = renewal_search
    assert opt.runs.groupby("candidate")["client_total_cost"].max().max() == 0.0
    for i, t in enumerate(T_GRID):
        rates = _rates(opt, i)
        exact = weibull_cost_rate(t) if t is not None else never_rate()
        n = len(rates)
        mean, se = float(rates.mean()), float(rates.std(ddof=1) / math.sqrt(n))
        half = float(stats.t.ppf(0.975, n - 1)) * se
        print(f"[levers] T={t}: simulated {mean:.6f} ± {half:.6f} (95 %), exact {exact:.6f}")
        assert mean - half <= exact <= mean + half, (t, mean, half, exact)
        assert se / mean < 0.015  # informative: the interval is narrow


def test_search_finds_the_analytic_optimum(renewal_search) -> None:
    opt = renewal_search
    res = optimize.minimize_scalar(weibull_cost_rate, bounds=(50.0, 3000.0), method="bounded")
    t_star, c_star = float(res.x), float(res.fun)
    found = opt.values["fleet.box.replace_at"]
    assert found is not None
    rates = _rates(opt, opt.best)
    half = float(stats.t.ppf(0.975, len(rates) - 1)) * rates.std(ddof=1) / math.sqrt(len(rates))
    # the analytic optimum's interval: every T whose exact cost is within the simulation's
    # resolution (the 95 % half-width at the optimum found) of the minimum
    lo = optimize.brentq(lambda t: weibull_cost_rate(t) - c_star - half, 50.0, t_star)
    hi = optimize.brentq(lambda t: weibull_cost_rate(t) - c_star - half, t_star, 3000.0)
    near = opt.table[opt.table["near_best"]]["fleet.box.replace_at"].dropna().astype(float)
    print(
        f"[levers] analytic T* = {t_star:.1f} h (C = {c_star:.6f}), interval [{lo:.1f}, {hi:.1f}];"
        f" found T = {found} h; candidates not told apart from it: {sorted(near)}"
    )
    assert lo <= found <= hi
    assert near.min() <= t_star <= near.max()
    # never replacing is clearly worse for the provider
    never = opt.table[opt.table["fleet.box.replace_at"].isna()].iloc[0]
    assert not never["near_best"] and never["gap_ci_low"] > 0


# ---------------------------------------------------------------- the mechanism itself


def const(value: object) -> dict[str, object]:
    return {"dist": "constant", "value": value}


def planned_scenario(contract: dict, **keys: object) -> itm.Scenario:
    fields = {
        "lifetime": const("1000h"),
        "repair": const("1h"),
        "replacement_cost": 900,
        "replace_at": "400h",
        "planned_replacement_cost": 600,
        **keys,
    }
    data = minimal(horizon="1300h", fleet=[device(**fields)])
    data["contracts"] = {"offer": contract}
    return scenario(data)


def hardware_rows(run: itm.Run) -> list[tuple[float, str, str, float]]:
    led = run.ledger[run.ledger["category"] == "hardware"]
    return list(zip(led.time, led.payer, led.payee, led.amount, strict=True))


def test_a_device_is_replaced_at_its_age_and_who_pays_follows_the_offer() -> None:
    # a life of 1000 h, replaced at 400 h of age: new devices at 400, 801 and 1202 h
    # (each fit takes 1 h, and the new device's age starts when it is fitted)
    bf = itm.simulate(
        planned_scenario({"type": "break_fix", "hourly_rate": 100, "hardware_markup": 0.1}), seed=0
    )
    times = [400.0, 801.0, 1202.0]
    assert hardware_rows(bf) == [
        row
        for t in times
        for row in ((t, "provider", "supplier", 600.0), (t, "client", "provider", 660.0))
    ]
    assert bf.metrics["incidents"] == 0 and bf.metrics["hardware_failures"] == 0
    assert bf.metrics["downtime_cost"] == 0 and bf.metrics["failures_prevented"] == 0
    assert bf.incidents["kind"].tolist() == ["planned"] * 3
    assert bf.incidents["replaced"].all()
    # the fitting is billed as the offer bills repair labour: 1 h at 100
    labour = bf.ledger[bf.ledger["category"] == "labour"]["amount"].tolist()
    assert labour == [100.0] * 3
    managed = itm.simulate(
        planned_scenario({"type": "flat_rate", "fee_per_device": 10, "hardware_included": True}),
        seed=0,
    )
    assert hardware_rows(managed) == [(t, "provider", "supplier", 600.0) for t in times]
    assert managed.metrics["client_cash_cost"] == pytest.approx(10 * 2)  # two monthly fees


def test_planned_replacement_waits_for_the_office_to_close_and_the_device() -> None:
    # office Mon-Fri 08-18; due at age 34 h (Tuesday 10:00), the device arrives 2 h later:
    # fitted when the office closes, Tuesday 18:00 (t = 42); the next is due after 60 h
    data = minimal(
        horizon="60h",
        business_hours=MON_FRI,
        fleet=[
            device(
                lifetime=const("1000h"),
                repair=const("1h"),
                replacement_cost=900,
                replace_at="34h",
                replacement_lead_time=const("2h"),
            )
        ],
    )
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    assert run.visits["start"].tolist() == [42.0]
    assert run.incidents["reported"].tolist() == [34.0]
    assert run.metrics["user_downtime_hours"] == 0


def test_a_failure_before_the_planned_fit_uses_the_device_already_ordered() -> None:
    # due at 400 h, the device takes 100 h to arrive, the old one fails at 450 h: one
    # hardware failure, fixed in one visit with the planned device (one order, at 400 h)
    scn = planned_scenario(
        {"type": "break_fix", "hourly_rate": 100},
        lifetime=const("450h"),
        replacement_lead_time=const("100h"),
    )
    run = itm.simulate(scn, seed=0)
    first = run.incidents.iloc[0]
    assert first["kind"] == "hardware" and first["occurred"] == 450.0
    assert first["restored"] == 501.0  # the device arrived at 500 h, fitted in 1 h
    assert hardware_rows(run)[:2] == [
        (400.0, "provider", "supplier", 600.0),
        (400.0, "client", "provider", 600.0),
    ]
    assert run.metrics["hardware_failures"] >= 1


def test_an_age_never_reached_changes_nothing() -> None:
    base = minimal(
        horizon="2y",
        technicians=2,
        fleet=[
            device(
                count=5,
                lifetime={"dist": "weibull", "shape": 1.5, "scale": "4mo"},
                replacement_cost=800,
                beyond_repair_probability=0.2,
            )
        ],
    )
    never = dict(base, fleet=[dict(base["fleet"][0], replace_at="100y")])
    for offer in ("break_fix", "flat_rate"):
        a = itm.simulate(scenario(base), offer, seed=3)
        b = itm.simulate(scenario(never), offer, seed=3)
        pd.testing.assert_series_equal(a.metrics, b.metrics)
        pd.testing.assert_frame_equal(a.ledger, b.ledger)
        assert a.metrics["incidents"] > 20


def test_inline_lives_equal_the_general_path_with_age_replacement(monkeypatch) -> None:
    data = minimal(
        horizon="3y",
        technicians=2,
        fleet=[
            device(
                count=4,
                lifetime={"dist": "weibull", "shape": 2.0, "scale": "6mo"},
                repair={"dist": "lognormal", "median": "2h", "sigma": 0.5},
                replacement_cost=800,
                replace_at="5mo",
            )
        ],
    )
    scn = scenario(data)
    fast = itm.simulate(scn, "break_fix", seed=4)
    monkeypatch.setattr(Model, "reports_at_once", lambda self, priority: False)
    slow = itm.simulate(scn, "break_fix", seed=4)
    pd.testing.assert_series_equal(fast.metrics, slow.metrics)
    pd.testing.assert_frame_equal(fast.incidents, slow.incidents)
    kinds = fast.incidents["kind"].value_counts()
    assert kinds["planned"] > 5 and kinds["hardware"] > 5


def test_replace_at_needs_a_cost() -> None:
    data = minimal(fleet=[device(replace_at="2y")])
    with pytest.raises(itm.ScenarioError, match=r"fleet\[0\]\.planned_replacement_cost"):
        scenario(data)


# ---------------------------------------------------------------- the optimum and its table


def test_provider_optimum_refuses_bad_levers() -> None:
    scn = scenario(minimal())
    with pytest.raises(ValueError, match="levers must map"):
        provider_optimum(scn, "flat_rate", {}, 2)
    with pytest.raises(ValueError, match="non-empty list"):
        provider_optimum(scn, "flat_rate", {"fleet.pc.replace_at": "2y"}, 2)
    with pytest.raises(ValueError, match="objective"):
        provider_optimum(scn, "flat_rate", {"fleet.pc.count": [1]}, 2, objective="joy")
    with pytest.raises(ValueError, match="not defined"):
        provider_optimum(scn, "gold", {"fleet.pc.count": [1]}, 2)
    with pytest.raises(itm.ScenarioError, match="planned_replacement_cost"):
        provider_optimum(scn, "flat_rate", {"fleet.pc.replace_at": ["2y"]}, 2)


def test_incentives_table_puts_each_offers_optimum_side_by_side() -> None:
    # hardware included in the managed fee: that provider pays for every device; the
    # pay-per-call provider earns its markup and labour on every device it fits
    data = minimal(
        horizon="4y",
        users=4,
        technicians=2,
        fleet=[
            device(
                count=4,
                users_affected=1,
                lifetime={"dist": "weibull", "shape": 3.0, "scale": "1y"},
                repair=const("2h"),
                beyond_repair_probability=1.0,
                replacement_cost=1000,
                planned_replacement_cost=300,
            )
        ],
    )
    data["contracts"] = {
        "pay-per-call": {"type": "break_fix", "hourly_rate": 100, "hardware_markup": 0.2},
        "managed": {"type": "flat_rate", "fee_per_device": 120, "hardware_included": True},
    }
    grid = {"fleet.pc.replace_at": ["4mo", "8mo", None]}
    inc = provider_incentives(scenario(data), {"pay-per-call": grid, "managed": grid}, 10, seed=2)
    print(inc.table.to_string())
    assert inc.baseline == "pay-per-call"
    assert list(inc.table["offer"]) == ["pay-per-call", "managed"]
    for name, opt in inc.optima.items():
        margins = opt.table["provider_margin"]
        assert opt.margin == margins.max() and opt.table["best"].sum() == 1, name
        assert len(opt.runs) == 3 * 10
    base = inc.table.iloc[0]
    assert base["vs_baseline"] == 0.0
    managed = inc.table.iloc[1]
    mean, lo, hi = inc.difference("managed")
    assert managed["vs_baseline"] == mean and lo < mean < hi
    # the paired difference is the difference of the means at the two optima
    total = inc.table["client_total_cost"]
    assert mean == pytest.approx(total.iloc[1] - total.iloc[0], rel=1e-9)
    # against the scenario as written (never replace, the last candidate): the provider's
    # gain is the shortfall of that candidate, and the client's change is paired too
    for i, (name, opt) in enumerate(inc.optima.items()):
        row, as_written = inc.table.iloc[i], opt.table.iloc[2]
        assert opt.current == 2 and as_written["current"] and opt.table["current"].sum() == 1
        assert row["margin_gain"] == pytest.approx(as_written["gap"], rel=1e-12), name
        assert row["margin_gain_ci_low"] == pytest.approx(as_written["gap_ci_low"], rel=1e-12)
        change = opt.at_best("client_total_cost") - opt._column(2, "client_total_cost")
        assert row["client_change"] == pytest.approx(change.mean(), rel=1e-12)
        assert row["client_change_ci_low"] < row["client_change"] < row["client_change_ci_high"]


# ---------------------------------------------------------------- the incentive claim


def test_the_incentive_claim_compares_the_two_providers_optima() -> None:
    scn = itm.load_scenario("small-office").override({"horizon": "1y"})
    desktop = {"fleet.desktop.replace_at": ["4y", None]}
    levers = {
        "break_fix": desktop,
        "flat_rate": {**desktop, "contracts.flat_rate.maintenance.patching.every": ["1mo", "3mo"]},
    }
    inc = provider_incentives(scn, levers, 6, seed=5)
    res = itm.run_experiment(scn, 6, seed=5, progress=False)
    table = itm.claims(res, incentives=inc).set_index("claim")
    assert list(table.index) == list(range(7))
    row = table.loc[6]
    assert row["statement"] == INCENTIVE_CLAIM
    mean, lo, hi = inc.difference("flat_rate")
    assert (row["value"], row["ci_low"], row["ci_high"]) == (mean, lo, hi)
    expected = "supported" if hi < 0 else "contradicted" if lo > 0 else "inconclusive"
    assert row["verdict"] == expected
    assert "fleet.desktop.replace_at" in row["note"]
    print(inc.table.to_string(), "\n", row.to_dict())
    # without the optima the table is the six claims, as before
    assert len(itm.claims(res)) == len(CLAIMS)
    with pytest.raises(ValueError, match="both offers"):
        itm.claims(res, incentives=provider_incentives(scn, {"break_fix": desktop}, 2, seed=5))


def test_planned_replacements_keep_the_books_under_every_offer() -> None:
    # every offer of the tiers scenario, desktops replaced from 4 years old (they start at
    # 3): the client pays only the provider, each planned device is billed as the offer
    # bills hardware, and no planned replacement counts as an incident
    scn = itm.load_scenario("tiers").override(
        {
            "horizon": "2y",
            "fleet.desktop.replace_at": "4y",
            "fleet.desktop.planned_replacement_cost": 850,
        }
    )
    for offer in scn.contracts:
        run = itm.simulate(scn, offer, seed=2)
        m = run.metrics
        assert m["client_cash_cost"] == pytest.approx(m["provider_revenue"], rel=1e-12)
        inc = run.incidents
        planned = inc[inc["kind"] == "planned"]
        assert len(planned) >= 6 and planned["occurred"].isna().all(), offer
        assert m["incidents"] == (inc["kind"].isin(["hardware", "incident"])).sum()
        led = run.ledger
        ids = planned["incident_id"]
        bought = led[(led["category"] == "hardware") & led["incident_id"].isin(ids)]
        cost = bought[bought["payee"] == "supplier"]["amount"]
        price = bought[bought["payer"] == "client"]["amount"]
        policy = make_contract(scn, offer)
        assert (cost == 850.0).all() and len(cost) == len(planned)
        assert price.tolist() == [policy.hardware_price(850.0)] * len(planned), offer


# ---------------------------------------------------------------- default levers


def test_default_levers_come_from_the_offer_and_the_ageing_classes() -> None:
    scn = itm.load_scenario("small-office")
    levers = default_levers(scn, "flat_rate")
    assert levers == {
        "contracts.flat_rate.maintenance.patching.every": ["0.5mo", "1mo", "2mo"],
        "contracts.flat_rate.maintenance.preventive.every": ["1.5mo", "3mo", "6mo"],
        # desktops (12 x 900, the most spend at stake) are 3 years old with a 7.9-year
        # scale: a quarter and half the scale are reached in the 3-year horizon, the scale not
        "fleet.desktop.replace_at": ["1.975y", "3.95y", None],
    }
    # break-fix has no maintenance to decide; two classes on request, by spend at stake
    assert default_levers(scn, "break_fix", classes=2) == {
        "fleet.desktop.replace_at": ["1.975y", "3.95y", None],
        "fleet.nas.replace_at": ["2.25y", "4.5y", None],
    }
    assert list(default_levers(scn, "flat_rate", classes=0)) == [
        "contracts.flat_rate.maintenance.patching.every",
        "contracts.flat_rate.maintenance.preventive.every",
    ]
    # every value makes a valid scenario, and the values as written leave it unchanged
    written = {
        "contracts.flat_rate.maintenance.patching.every": "1mo",
        "contracts.flat_rate.maintenance.preventive.every": "3mo",
        "fleet.desktop.replace_at": None,
    }
    assert scn.override(written) == scn
    for key, values in levers.items():
        for value in values:
            assert (scn.override({key: value}) == scn) == (value == written[key]), (key, value)
    # lives that do not age (shape 1: a constant hazard) get no replacement lever
    flat = scn.override({f"fleet.{c}.lifetime.shape": 1.0 for c in ("desktop", "nas")})
    assert default_levers(flat, "break_fix") == {
        "fleet.router.replace_at": ["2y", "4y", None]  # 8y: older than it gets
    }
    bare = flat.override({"fleet.router.lifetime.shape": 0.9, "fleet.printer.lifetime.shape": 1})
    assert default_levers(bare, "break_fix") == {}
    with pytest.raises(ValueError, match="classes must be"):
        default_levers(scn, "break_fix", classes=-1)
    with pytest.raises(ValueError, match="not defined"):
        default_levers(scn, "gold")


def test_an_offer_with_nothing_to_decide_is_simulated_as_written() -> None:
    scn = itm.load_scenario("retail-shop").override({"horizon": "6mo"})
    inc = provider_incentives(scn, {"break_fix": {}, "flat_rate": {}}, 4, seed=3)
    res = itm.run_experiment(scn, 4, seed=3, progress=False)
    for i, name in enumerate(("break_fix", "flat_rate")):
        row = inc.table.iloc[i]
        assert row["levers"] == "as written" and row["margin_gain"] == 0.0
        assert row["client_change"] == 0.0
        mine = res.metrics[res.metrics["contract"] == name]
        assert row["provider_margin"] == pytest.approx(mine["provider_margin"].mean(), rel=1e-12)


# ---------------------------------------------------------------- golden-section search


def test_golden_section_search_finds_the_analytic_optimum() -> None:
    # the renewal-reward case above on half the horizon: the search's optimum lies in the
    # interval of the analytic one, and never replacing (an extra candidate) is worse
    scn = renewal_scenario().override({"horizon": HORIZON / 2})
    opt = provider_optimum(
        scn, "managed", {"fleet.box.replace_at": [None]}, 6, seed=5,
        search="golden", bounds=(200.0, "1500h"), evaluations=10,
    )  # fmt: skip
    table = opt.table
    assert len(table) == 11 and table["fleet.box.replace_at"].isna().sum() == 1
    found = opt.values["fleet.box.replace_at"]
    res = optimize.minimize_scalar(weibull_cost_rate, bounds=(50.0, 3000.0), method="bounded")
    t_star, c_star = float(res.x), float(res.fun)
    margin = opt.runs[opt.runs["candidate"] == opt.best]["provider_margin"].to_numpy()
    rates = -margin / (HORIZON / 2 * DEVICES)
    half = float(stats.t.ppf(0.975, len(rates) - 1)) * rates.std(ddof=1) / math.sqrt(len(rates))
    lo = optimize.brentq(lambda t: weibull_cost_rate(t) - c_star - half, 50.0, t_star)
    hi = optimize.brentq(lambda t: weibull_cost_rate(t) - c_star - half, t_star, 3000.0)
    tried = table["fleet.box.replace_at"].dropna().astype(float).tolist()
    print(f"[golden] T* = {t_star:.1f} h, interval [{lo:.1f}, {hi:.1f}]; found {found:.1f} h;"
          f" tried {[round(t) for t in tried]}")  # fmt: skip
    assert lo <= found <= hi
    assert all(200.0 < t < 1500.0 for t in tried)
    # the bracket closes in: the last points evaluated are near the optimum found
    assert abs(tried[-1] - found) < 0.05 * (1500.0 - 200.0)
    never = table[table["fleet.box.replace_at"].isna()].iloc[0]
    assert not never["near_best"] and never["current"]
    assert opt.current == int(never.name)


def test_golden_section_search_refuses_what_it_cannot_search() -> None:
    scn = renewal_scenario()
    box = {"fleet.box.replace_at": []}
    with pytest.raises(ValueError, match="exactly one lever"):
        provider_optimum(scn, "managed", {**box, "fleet.box.count": []}, 2, search="golden",
                         bounds=(1, 2))  # fmt: skip
    with pytest.raises(ValueError, match=r"needs bounds=\(lo, hi\)"):
        provider_optimum(scn, "managed", box, 2, search="golden")
    with pytest.raises(ValueError, match="lo < hi"):
        provider_optimum(scn, "managed", box, 2, search="golden", bounds=("2y", "1y"))
    with pytest.raises(ValueError, match="evaluations"):
        provider_optimum(scn, "managed", box, 2, search="golden", bounds=(1, 2), evaluations=2)
    with pytest.raises(ValueError, match="search must be"):
        provider_optimum(scn, "managed", box, 2, search="random")
    with pytest.raises(ValueError, match="bounds= is for search='golden'"):
        provider_optimum(scn, "managed", {"fleet.box.replace_at": [None]}, 2, bounds=(1, 2))
    with pytest.raises(itm.ScenarioError, match="replace_at"):
        provider_optimum(scn, "managed", box, 2, search="golden", bounds=(-5, 2))


def _optimum_at(values: list, best: int) -> itm.ProviderOptimum:
    """A search result choosing ``values[best]`` for one lever (no simulation)."""
    table = pd.DataFrame({"fleet.box.replace_at": values, "provider_margin": 0.0})
    return itm.ProviderOptimum(
        "managed", ("fleet.box.replace_at",), table, pd.DataFrame(), best,
        "provider_margin", 2, 0, 0.95,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("values", "best", "edge"),
    [
        ([100.0, 300.0, 600.0, None], 1, False),  # inside the numbers tried
        ([100.0, 300.0, 600.0, None], 0, True),  # the smallest: it may go lower
        ([100.0, 300.0, 600.0, None], 2, True),  # the largest, better than never
        ([100.0, 300.0, 600.0, None], 3, False),  # never replacing: no edge
        (["1mo", "2mo", "4mo"], 2, True),  # durations compared as hours
        (["1mo", "30d", "4mo"], 1, True),  # 30 d is less than a month (730.5 h)
        ([300.0, None], 0, False),  # one number: nothing brackets it either way
    ],
)
def test_a_choice_at_the_end_of_the_values_tried_is_flagged(values, best, edge) -> None:
    assert (_optimum_at(values, best).at_edge == ("fleet.box.replace_at",)) is edge


def test_the_renewal_optimum_is_inside_the_grid_and_a_short_grid_is_flagged(
    renewal_search,
) -> None:
    assert renewal_search.at_edge == ()
    short = provider_optimum(
        renewal_scenario(), "managed", {"fleet.box.replace_at": [150.0, 250.0, None]}, 8, seed=11
    )
    assert short.values["fleet.box.replace_at"] == 250.0  # below T* = 493 h
    assert short.at_edge == ("fleet.box.replace_at",)
