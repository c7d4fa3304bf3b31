"""Break-even and target-margin fees, sweeps and sensitivity."""

from __future__ import annotations

import math

import pytest
from scipy import optimize

import itmodels as itm

REPS = 8


@pytest.fixture(scope="module")
def office() -> itm.Scenario:
    return itm.load_scenario("small-office").override({"horizon": "6mo"})


@pytest.fixture(scope="module")
def fee(office: itm.Scenario) -> itm.FeeEstimate:
    return itm.break_even_fee(office, replications=REPS, seed=3)


def _paired(scn: itm.Scenario, metric: str) -> tuple[float, float, float]:
    row = itm.run_experiment(scn, REPS, seed=3, progress=False).compare().loc[metric]
    return row["mean"], row["ci_low"], row["ci_high"]


def test_at_the_break_even_fee_the_paired_difference_is_zero(office, fee):
    assert fee.key == "contracts.flat_rate.fee_per_device"
    assert fee.ci_low < float(fee) < fee.ci_high
    mean, lo, hi = _paired(office.override({fee.key: float(fee)}), "client_total_cost")
    assert lo < 0 < hi
    # the whole paired difference is of the order of the costs; its mean must vanish
    scale = itm.run_experiment(office, REPS, 3, progress=False).metrics["client_total_cost"]
    assert abs(mean) < 1e-9 * scale.abs().mean()


@pytest.mark.parametrize(("basis", "metric"), [("cash", "client_cash_cost")])
@pytest.mark.parametrize("per", ["device", "user"])
def test_cash_basis_and_per_user_fees(office, basis, metric, per):
    scn = office.override(
        {"contracts.flat_rate.fee_per_device": 0, "contracts.flat_rate.fee_per_user": 0}
    )
    est = itm.break_even_fee(scn, REPS, seed=3, basis=basis, per=per)
    assert est.key == f"contracts.flat_rate.fee_per_{per}"
    mean, _, _ = _paired(scn.override({est.key: float(est)}), metric)
    bf = itm.run_experiment(scn, REPS, 3, progress=False, contracts=("break_fix",))
    assert abs(mean) < 1e-9 * bf.metrics[metric].mean()


def test_a_higher_fee_cannot_break_even_lower(office, fee):
    cash = itm.break_even_fee(office, REPS, seed=3, basis="cash")
    # downtime only adds to break-fix's side when flat-rate cuts it; cash alone is lower
    downtime = itm.run_experiment(office, REPS, 3, progress=False).compare()
    if downtime.loc["downtime_cost", "mean"] < 0:
        assert float(cash) < float(fee)
    else:
        assert float(cash) >= float(fee)


def test_root_finding_on_the_same_replications_agrees_with_the_linear_solution(office, fee):
    # the reference: re-simulate at each trial fee and find the root of the mean paired
    # difference with brentq, as a solver that knows nothing of linearity would
    def gap(value: float) -> float:
        res = itm.run_experiment(office.override({fee.key: value}), REPS, 3, progress=False)
        return float(res.compare().loc["client_total_cost", "mean"])

    root = optimize.brentq(gap, 0.0, 4 * float(fee), xtol=1e-6)
    assert float(fee) == pytest.approx(root, abs=1e-4)


def test_target_margin_fee_hits_the_margin(office):
    est = itm.target_margin_fee(office, 0.45, REPS, seed=3)
    res = itm.run_experiment(
        office.override({est.key: float(est)}), REPS, 3, progress=False, contracts=("flat_rate",)
    )
    m = res.metrics
    share = (m["provider_revenue"].mean() - m["provider_cost"].mean()) / m[
        "provider_revenue"
    ].mean()
    assert share == pytest.approx(0.45, abs=1e-9)
    assert est.ci_low < float(est) < est.ci_high


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: itm.break_even_fee(s, 2, 1, basis="gross"), "basis"),
        (lambda s: itm.break_even_fee(s, 2, 1, per="seat"), "per"),
        (lambda s: itm.break_even_fee(s, 2, 1, per="server"), "fee_per_server"),
        (lambda s: itm.target_margin_fee(s, 1.2, 2, 1), "target"),
        (lambda s: itm.sweep(s, {}, 2, 1), "grid"),
        (lambda s: itm.sensitivity(s, ["client.business_hours"], 0.2, 2, 1), "not a number"),
        (lambda s: itm.sensitivity(s, ["client.users"], 1.5, 2, 1), "rel"),
    ],
)
def test_bad_decision_arguments_are_refused(office, call, message):
    with pytest.raises(ValueError, match=message):
        call(office)


def test_sweep_has_a_column_per_key_and_a_row_per_point(office):
    grid = {"client.users": [6, 12], "contracts.flat_rate.fee_per_device": [30.0, 60.0]}
    table = itm.sweep(office, grid, replications=2, seed=1)
    assert list(table.columns[:4]) == [*grid, "contract", "replication"]
    assert len(table) == 2 * 2 * 2 * 2
    flat = table[table.contract == "flat_rate"].groupby(list(grid))["client_cash_cost"].mean()
    # the fee raises the flat-rate bill, the same luck otherwise (common random numbers)
    assert flat[(12, 60.0)] > flat[(12, 30.0)]


def test_sensitivity_is_sorted_by_effect_and_moves_the_right_way(office):
    table = itm.sensitivity(
        office,
        ["contracts.flat_rate.fee_per_device", "client.user_hour_value"],
        rel=0.2,
        replications=3,
        seed=2,
        metric="client_cash_cost",
        contract="flat_rate",
    )
    assert table["param"].iloc[0] == "contracts.flat_rate.fee_per_device"
    fee_row = table.iloc[0]
    assert fee_row["high"] > fee_row["base"] > fee_row["low"]
    # the value of a user-hour does not touch cash at all
    value_row = table[table.param == "client.user_hour_value"].iloc[0]
    assert value_row["effect"] == 0.0
    assert math.isclose(fee_row["low_value"], 0.8 * fee_row["base_value"])


def test_break_even_can_reuse_an_experiment(office, fee):
    res = itm.run_experiment(office, REPS, seed=3, progress=False)
    again = itm.break_even_fee(office, result=res)
    assert float(again) == float(fee)
    assert (again.replications, again.seed) == (REPS, 3)
    other = office.override({"client.users": 5})
    with pytest.raises(ValueError, match="same scenario"):
        itm.break_even_fee(other, result=res)


def test_sensitivity_moves_small_counts_by_at_least_one(office):
    table = itm.sensitivity(office, ["provider.technicians"], 0.2, 2, 1, contract="flat_rate",
                            metric="mean_response_hours")  # fmt: skip
    row = table.iloc[0]
    assert (row["low_value"], row["base_value"], row["high_value"]) == (1, 2, 3)
    assert row["low"] > row["high"]  # fewer technicians, slower response
