"""The seed's claims: each tested, and each able to fail."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import stats

import itmodels as itm
from itmodels.experiments.claims import CLAIMS, correlation_ci
from itmodels.money.formatting import format_money


@pytest.fixture(scope="module")
def office() -> itm.ExperimentResult:
    return itm.run_experiment(itm.load_scenario("small-office"), 20, seed=1, progress=False)


def young_tiny_office(**flat_rate: object) -> itm.Scenario:
    """Two users, two new desktops that rarely fail, no other IT trouble."""
    return itm.Scenario.model_validate(
        {
            "name": "young-tiny",
            "horizon": "3y",
            "client": {
                "users": 2,
                "user_hour_value": 40,
                "business_hours": {"days": "mon-fri", "start": "09:00", "end": "17:00"},
            },
            "fleet": [
                {
                    "name": "desktop",
                    "count": 2,
                    "age": 0,
                    "users_affected": 1,
                    "lifetime": {"dist": "weibull", "shape": 1.5, "scale": "8y"},
                    "repair": {"dist": "lognormal", "median": "2h", "sigma": 0.5},
                }
            ],
            "provider": {"technicians": 2, "wage": 60},
            "contracts": {
                "break_fix": {"hourly_rate": 150, "minimum_billed": "1h", "trip_charge": 50},
                "flat_rate": {"fee_per_device": 65, **flat_rate},
            },
        }
    )


def test_one_row_per_claim_with_an_interval(office):
    table = itm.claims(office)
    assert list(table["claim"]) == list(range(len(CLAIMS)))
    assert list(table["statement"]) == list(CLAIMS)
    assert set(table["verdict"]) <= {"supported", "contradicted", "inconclusive"}
    finite = table.dropna(subset=["value"])
    assert (finite["ci_low"] <= finite["value"]).all()
    assert (finite["value"] <= finite["ci_high"]).all()


def test_cost_claim_uses_the_paired_comparison(office):
    row = itm.claims(office).set_index("claim").loc[0]
    cmp = office.compare().loc["client_total_cost"]
    assert (row["value"], row["ci_low"], row["ci_high"]) == pytest.approx(
        (cmp["mean"], cmp["ci_low"], cmp["ci_high"]), rel=1e-12
    )


def test_the_small_office_supports_the_break_fix_incentive_claims(office):
    verdict = itm.claims(office).set_index("claim")["verdict"]
    # break-fix: revenue rises with downtime; restores take longer; flat-rate cheaper
    assert verdict[0] == "supported"
    assert verdict[1] == "supported"
    assert verdict[2] == "supported"
    assert verdict[3] == "supported"  # patching is scheduled after hours


def test_a_young_tiny_office_contradicts_the_sales_pitch():
    res = itm.run_experiment(young_tiny_office(), 20, seed=2, progress=False)
    table = itm.claims(res).set_index("claim")
    assert table.loc[0, "verdict"] == "contradicted"
    assert table.loc[0, "ci_low"] > 0  # flat-rate costs more in every sense of the CI
    # no maintenance and no monitoring written: nothing to judge for claims 3 and 4
    assert table.loc[3, "verdict"] == "inconclusive"
    assert table.loc[4, "verdict"] == "inconclusive"


def test_maintenance_done_in_business_hours_contradicts_claim_three():
    # a 24/7 client has no "after hours": patching lands in business hours
    scn = young_tiny_office(maintenance={"patching": {"every": "1mo", "work": "1h"}}).override(
        {"client.business_hours": "24/7"}
    )
    res = itm.run_experiment(scn, 6, seed=2, progress=False)
    row = itm.claims(res).set_index("claim").loc[3]
    assert row["value"] == 0.0
    assert row["verdict"] == "contradicted"


def test_correlation_interval_matches_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    r, lo, hi = correlation_ci(x, y)
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)
    assert r == pytest.approx(ref.statistic, rel=1e-12)
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert np.isnan(correlation_ci(np.ones(10), y[:10])[0])


def test_claims_need_both_contracts(office):
    only = itm.run_experiment(
        itm.load_scenario("small-office").override({"horizon": "2mo"}),
        3,
        seed=1,
        contracts=("flat_rate",),
        progress=False,
    )
    with pytest.raises(ValueError, match="both contracts"):
        itm.claims(only)


def test_notes_show_rounded_money_and_one_minus_sign(office):
    gbp = office.scenario.override({"currency": "GBP"})
    res = itm.ExperimentResult.from_frames(gbp, 1, office.contracts, office.metrics, office.monthly)
    notes = itm.claims(res).set_index("claim")["note"]
    mean = office.compare().loc["client_total_cost", "mean"]
    assert mean < 0  # the premise: flat-rate is cheaper, the difference is negative
    assert f"(mean difference {format_money(mean, 'GBP', compact=True)})" in notes[0]
    assert re.search(r"mean difference −£\d+(\.\d)?k\)", notes[0]), notes[0]
    assert re.search(r"cheaper in \d+ % of", notes[0]), notes[0]
    for note in notes:
        assert not re.search(r"-\d|\d,\d{3}", note), note  # U+2212, and no unrounded money
