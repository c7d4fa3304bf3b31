"""Named offers: any number run on common random numbers, ranked, compared and priced."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

import itmodels as itm
from itmodels.cli import main
from itmodels.scenario.shipped import shipped_dir

REPS = 6


def three_offers() -> dict:
    data = yaml.safe_load((shipped_dir() / "small-office.yaml").read_text())
    data["horizon"] = "6mo"
    flat = data["contracts"].pop("flat_rate")
    card = data["contracts"].pop("break_fix")
    cheap = copy.deepcopy(flat)
    cheap["fee_per_device"] = 0.5 * flat["fee_per_device"]
    dear = copy.deepcopy(flat)
    dear["fee_per_device"] = 2.0 * flat["fee_per_device"]
    data["contracts"] = {
        "essentials": {"type": "flat_rate", **cheap},
        "pay-as-you-go": {"type": "break_fix", **card},
        "premium": {"type": "flat_rate", **dear},
    }
    return data


@pytest.fixture(scope="module")
def scn() -> itm.Scenario:
    return itm.Scenario.model_validate(three_offers())


@pytest.fixture(scope="module")
def res(scn: itm.Scenario) -> itm.ExperimentResult:
    return itm.run_experiment(scn, REPS, seed=5, progress=False)


def test_offers_keep_their_names_and_order_and_the_baseline_is_the_pay_per_incident_one(res):
    assert res.contracts == ("essentials", "pay-as-you-go", "premium")
    assert list(res.metrics["contract"].cat.categories) == list(res.contracts)
    assert res.baseline == "pay-as-you-go"
    assert res.with_baseline("premium").baseline == "premium"
    assert res.baseline == "pay-as-you-go"  # the original is unchanged
    with pytest.raises(ValueError, match="not an offer"):
        res.with_baseline("gold")


def test_every_offer_sees_the_same_luck(res):
    # common random numbers: the two flat-rate tiers differ only in price, so every
    # replication has the same incidents and the same downtime under both
    m = res.metrics.set_index(["contract", "replication"])
    for metric in ("incidents", "downtime_cost", "provider_cost"):
        assert np.array_equal(m.loc["essentials", metric], m.loc["premium", metric])
    fee = res.monthly.groupby(["contract", "replication"], observed=True)["fee"].sum()
    assert np.allclose(fee.loc["premium"], 4 * fee.loc["essentials"])


def test_ranking_orders_offers_by_mean_and_compares_neighbours_paired(res):
    rank = res.ranking("client_total_cost")
    means = res.metrics.groupby("contract", observed=True)["client_total_cost"].mean()
    assert list(rank.index) == list(means.sort_values().index)
    assert list(rank["rank"]) == [1, 2, 3]
    assert rank.iloc[0]["gap"] != rank.iloc[0]["gap"]  # NaN for the first
    for above, below in zip(rank.index[:-1], rank.index[1:], strict=True):
        d = res.compare(above, below).loc["client_total_cost"]
        assert rank.loc[below, "gap"] == pytest.approx(d["mean"])
        assert rank.loc[below, "clear"] == bool(d["ci_low"] > 0 or d["ci_high"] < 0)
    # the two tiers differ by a known amount: the fee difference, paid every month
    assert rank.index.get_loc("essentials") < rank.index.get_loc("premium")


def test_compare_all_holds_every_ordered_pair(res):
    table = res.compare_all("client_cash_cost")
    assert len(table) == 3 * 2
    for (a, b), row in table.iterrows():
        assert row["mean"] == pytest.approx(res.compare(a, b).loc["client_cash_cost", "mean"])
        assert table.loc[(b, a), "mean"] == pytest.approx(-row["mean"])
    with pytest.raises(ValueError, match="two offers or more"):
        itm.run_experiment(
            itm.Scenario.model_validate(three_offers()), 2, 1, contracts=("premium",),
            progress=False,
        ).compare_all()  # fmt: skip


def test_compare_needs_the_other_offer_named_when_there_are_three(res):
    with pytest.raises(ValueError, match="name the contract"):
        res.compare()
    d = res.compare("essentials", "premium").loc["client_cash_cost"]
    assert d["mean"] > 0  # the dearer tier costs more cash, replication by replication
    assert d["share_lower"] == 0.0


def test_break_even_for_any_offer_against_any_baseline(scn, res):
    fee = itm.break_even_fee(scn, REPS, 5, offer="premium", baseline="pay-as-you-go", result=res)
    assert fee.offer == "premium" and fee.term == "fee_per_device"
    at = itm.run_experiment(
        scn.override({fee.key: float(fee)}), REPS, 5, contracts=("pay-as-you-go", "premium"),
        progress=False,
    )  # fmt: skip
    gap = at.compare("pay-as-you-go", "premium").loc["client_total_cost", "mean"]
    assert abs(gap) < 1e-6 * at.metrics["client_total_cost"].abs().mean()
    # the same price, whichever flat-rate tier is priced: only the price term differs
    other = itm.break_even_fee(scn, REPS, 5, offer="essentials", baseline="pay-as-you-go")
    assert float(other) == pytest.approx(float(fee), rel=1e-9)
    with pytest.raises(ValueError, match="not a price term"):
        itm.break_even_fee(scn, REPS, 5, offer="premium", term="parts_markup")
    with pytest.raises(ValueError, match="both 'premium'"):
        itm.break_even_fee(scn, REPS, 5, offer="premium", baseline="premium")
    with pytest.raises(ValueError, match="not defined"):
        itm.break_even_fee(scn, REPS, 5, offer="gold")


def test_cli_ranks_three_offers_and_refuses_an_unknown_baseline_before_simulating(tmp_path, capsys):
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(three_offers()))
    code = main(["compare", str(path), "-n", "4", "--no-progress", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    res = itm.run_experiment(itm.load_scenario(path), 4, seed=7, progress=False)
    cheapest = res.ranking().index[0]
    assert f"Cheapest for this client (cash plus downtime): {cheapest}" in out
    for name in ("essentials", "pay-as-you-go", "premium"):
        assert name in out
    code = main(["compare", str(path), "-n", "4", "--no-progress", "--baseline", "gold",
                 "--out", str(tmp_path / "p")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--baseline gold" in err and "essentials" in err
    assert not (tmp_path / "p").exists()
