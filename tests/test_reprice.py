"""Re-price, don't re-simulate: billing stored runs again equals simulating again.

For a set of price values (fees, hourly rates, minimums, increments, trip charges,
markups, inclusions, block rate, credit shares, provider costs) on shipped scenarios,
every metric, every monthly sum and every ledger row of a re-priced run equals the
simulated one.  Keys that change what happens are never re-priced.
"""

from __future__ import annotations

import pandas as pd
import pytest

import itmodels as itm
import itmodels.experiments.experiment as experiment_module
from itmodels.contracts import CONTRACT_TYPES, contract_class, make_contract
from itmodels.contracts.base import Contract, OfferTerms
from itmodels.engine.billing import bill
from itmodels.experiments.decisions import sensitivity, sweep
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.reprice import bill_only_keys, run_priced, same_run
from itmodels.money.ledger import Ledger

HYBRID = {
    "type": "hybrid", "fee_per_device": 15, "monitoring": {"detection_probability": 0.8},
    "hourly_rate": {"remote": 80, "onsite": 120}, "minimum_billed": "1h",
    "billing_increment": "15min", "trip_charge": 40, "after_hours_multiplier": 1.5,
    "sla": {"response": {"P1": "2h", "P3": "6h"},
            "credits": [{"breaches": 1, "share": 0.1}, {"breaches": 3, "share": 0.3}]},
}  # fmt: skip


def short(name: str) -> itm.Scenario:
    """A shipped scenario cut to one year (and, for small-office, a hybrid offer added)."""
    scn = itm.load_scenario(name).override({"horizon": "1y"})
    if name == "small-office":
        scn = scn.override({"contracts.monitor": HYBRID})
    return scn


#: Price changes per scenario: every kind of bill term of every model.
PRICES = {
    "tiers": [
        {"contracts.essentials.fee_per_device": 33.5},
        {"contracts.pay-as-you-go.hourly_rate": 99, "contracts.pay-as-you-go.trip_charge": 0},
        {"contracts.pay-as-you-go.minimum_billed": "2h",
         "contracts.pay-as-you-go.billing_increment": "20min",
         "contracts.pay-as-you-go.parts_markup": 0.3,
         "contracts.pay-as-you-go.hardware_markup": 0.5},
        {"contracts.prepaid-10h.block_rate": 77, "contracts.prepaid-10h.hours_per_month": "4h",
         "contracts.prepaid-10h.rollover_cap": "3h",
         "contracts.prepaid-10h.overage_rate.onsite": 210},
        {"contracts.complete.sla.credit_cap": 0.05,
         "contracts.standard.sla.credits": [{"breaches": 1, "share": 0.5}],
         "contracts.standard.hardware_included": True,
         "contracts.essentials.onsite_included": False,
         "contracts.essentials.onsite_hourly_rate": 111},
        {"provider.wage": 50, "provider.travel_cost": 9, "provider.overtime_premium": 0.7},
    ],
    "small-office": [
        {"contracts.flat_rate.fee_per_device": 0, "contracts.flat_rate.fee_per_user": 12.5},
        {"contracts.monitor.fee_per_device": 22, "contracts.monitor.hourly_rate": 140,
         "contracts.monitor.sla.credit_cap": 0.2, "contracts.monitor.parts_markup": 0.25},
        {"contracts.break_fix.billing_increment": "1h", "provider.monitoring_tools_cost": 7},
    ],
}  # fmt: skip
CASES = [(name, i) for name, changes in PRICES.items() for i in range(len(changes))]
REPS, SEED = 2, 11


@pytest.fixture(scope="module")
def priced():
    return {name: run_priced(short(name), REPS, SEED) for name in PRICES}


@pytest.mark.parametrize(("name", "i"), CASES)
def test_repriced_experiment_equals_simulated_one(priced, name, i):
    scn = priced[name].scenario
    new = scn.override(PRICES[name][i])
    assert same_run(scn, new)
    got = priced[name].reprice(new)
    want = run_experiment(new, REPS, SEED, progress=False)
    pd.testing.assert_frame_equal(got.metrics, want.metrics, check_exact=True)
    pd.testing.assert_frame_equal(got.monthly, want.monthly, check_exact=True)
    # the change moved some money, or the comparison proves nothing
    old = priced[name].result.monthly
    assert not old.equals(want.monthly)


@pytest.mark.parametrize(("name", "i"), CASES)
def test_rebilled_ledger_equals_simulated_ledger_row_by_row(priced, name, i):
    scn = priced[name].scenario
    new = scn.override(PRICES[name][i])
    for offer in scn.contracts:
        run = itm.simulate(new, offer, SEED, replication=1)
        ledger = Ledger()
        bill(ledger, make_contract(new, offer), new, priced[name].logs[(offer, 1)])
        assert ledger.rows == run.records.ledger.rows, offer
        by_cat = run.ledger.groupby("category", observed=True)["amount"].sum()
        again = ledger.to_frame().groupby("category", observed=True)["amount"].sum()
        pd.testing.assert_series_equal(again, by_cat, check_exact=True)


@pytest.mark.parametrize(
    "change",
    [
        {"client.users": 13},
        {"contracts.complete.sla.response.P1": "2h"},
        {"contracts.pay-as-you-go.after_hours_multiplier": 2.0},
        {"contracts.pay-as-you-go.after_hours_priorities": ["P1", "P2"]},
        {"contracts.prepaid-10h.after_hours_priorities": []},
        {"contracts.essentials.monitoring": None},
        {"provider.technicians": 3},
    ],
)
def test_a_change_to_what_happens_is_not_repriced(priced, change):
    scn = priced["tiers"].scenario
    new = scn.override(change)
    assert not same_run(scn, new)
    assert not bill_only_keys(scn, list(change))
    with pytest.raises(ValueError, match="simulate it instead"):
        priced["tiers"].reprice(new)


def test_an_sla_written_where_there_was_none_is_not_repriced():
    scn = short("tiers")
    assert scn.contracts["essentials"].sla is None
    assert bill_only_keys(scn, ["contracts.essentials.sla.credit_cap"])
    new = scn.override({"contracts.essentials.sla": {"response": {"P1": "1h"}}})
    assert not same_run(scn, new)


def test_every_models_bill_terms_are_its_terms_and_hold_its_price_terms():
    for cls in CONTRACT_TYPES.values():
        fields = cls.terms_model.model_fields
        assert set(cls.price_terms) <= set(cls.bill_terms)
        assert all(t.split(".")[0] in fields for t in cls.bill_terms)
        assert not cls.bills_only("sla.response") and not cls.bills_only("monitoring")
    assert contract_class("flat_rate").bills_only("sla.credits.0.share")


def test_a_bill_term_that_is_no_term_is_refused():
    class Terms(OfferTerms):
        type: str = "nonsense_bill"

    with pytest.raises(ValueError, match="bill_terms"):

        class Nonsense(Contract):  # pragma: no cover - refused when defined
            type_name = "nonsense_bill"
            terms_model = Terms
            bill_terms = ("no_such_term",)

    assert "nonsense_bill" not in CONTRACT_TYPES


class Spy:
    """Counts replications simulated."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = experiment_module.run_replication

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(experiment_module, "run_replication", counted)


def test_a_fee_sweep_simulates_once_and_equals_simulating_every_point(monkeypatch):
    scn = short("tiers")
    grid = {"contracts.essentials.fee_per_device": [30, 45, 60]}
    offers = ("pay-as-you-go", "essentials")
    spy = Spy(monkeypatch)
    got = sweep(scn, grid, REPS, SEED, contracts=offers)
    assert spy.calls == REPS * len(offers)
    want = pd.concat(
        [
            run_experiment(
                scn.override({k: v}), REPS, SEED, contracts=offers, progress=False
            ).metrics.assign(**{k: v})
            for k, values in grid.items()
            for v in values
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True)


def test_a_sweep_over_a_dynamics_key_simulates_every_point(monkeypatch):
    scn = short("tiers")
    offers = ("pay-as-you-go", "standard")
    spy = Spy(monkeypatch)
    sweep(scn, {"client.users": [10, 14]}, REPS, SEED, contracts=offers)
    assert spy.calls == 2 * REPS * len(offers)
    spy.calls = 0
    grid = {"contracts.standard.sla.response.P1": ["1h", "3h"],
            "contracts.standard.fee_per_device": [40, 60, 80]}  # fmt: skip
    sweep(scn, grid, REPS, SEED, contracts=offers)
    assert spy.calls == 2 * REPS * len(offers)  # one simulation per response target


def test_sensitivity_reprices_bill_terms_with_the_same_numbers(monkeypatch):
    scn = short("small-office")
    params = [
        "contracts.flat_rate.fee_per_device",
        "contracts.break_fix.hourly_rate.onsite",
        "provider.wage",
    ]
    spy = Spy(monkeypatch)
    got = sensitivity(scn, params, 0.2, REPS, SEED, baseline="break_fix", other="flat_rate")
    assert spy.calls == REPS * 2  # the base scenario only
    spy.calls = 0
    monkeypatch.setattr("itmodels.experiments.decisions.bill_only_keys", lambda *a: False)
    want = sensitivity(scn, params, 0.2, REPS, SEED, baseline="break_fix", other="flat_rate")
    assert spy.calls == REPS * 2 * (1 + 2 * len(params))
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_break_even_and_target_margin_simulate_once(monkeypatch):
    scn = short("small-office")
    spy = Spy(monkeypatch)
    fee = itm.break_even_fee(scn, REPS, SEED, baseline="break_fix", offer="flat_rate")
    assert spy.calls == REPS * 2
    spy.calls = 0
    margin = itm.target_margin_fee(scn, 0.4, REPS, SEED, offer="flat_rate")
    assert spy.calls == REPS
    assert float(fee) != float(margin)
