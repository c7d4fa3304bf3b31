"""Block hours and monitoring + labour: invoices checked exactly against hand-computed cases.

Billing is checked twice: on tables of visits written by hand (every month, balance and
draw can be followed on paper) and through the simulation, on scenarios whose devices
fail at known times.  A property test compares the vectorised billing with the
visit-by-visit reference in ``billing_reference.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import itmodels as itm
from billing_reference import counted_hours, reference_charges
from helpers import HOURS_PER_MONTH, device, minimal, scenario
from itmodels.contracts import make_contract
from itmodels.contracts.block_hours import BlockHours, BlockHoursTerms, block_draws
from itmodels.contracts.break_fix import BreakFix, BreakFixTerms
from itmodels.contracts.hybrid import Hybrid, HybridTerms
from itmodels.scenario import scenario_from_mapping

M = HOURS_PER_MONTH  # 730.5 h
BLOCK: dict[str, Any] = {
    "type": "block_hours",
    "hours_per_month": "10h",
    "block_rate": 120,
    "overage_rate": 150,
}
HYBRID: dict[str, Any] = {
    "type": "hybrid",
    "fee_per_device": 15,
    "monitoring": {"detection_probability": 0.8},
    "hourly_rate": 120,
}

# --------------------------------------------------------------------------- helpers

VisitRow = tuple[str, float, float, bool]  # kind, start, work hours, on site


def table(rows: list[VisitRow], after_hours: list[bool] | None = None) -> dict[str, np.ndarray]:
    """A visit table as the engine passes it to ``charges_table``."""
    n = len(rows)
    return {
        "incident_id": np.arange(n, dtype=np.int64),
        "kind": np.array([r[0] for r in rows], dtype=object),
        "start": np.array([r[1] for r in rows], dtype=np.float64),
        "work_hours": np.array([r[2] for r in rows], dtype=np.float64),
        "travel_hours": np.array([0.5 if r[3] else 0.0 for r in rows], dtype=np.float64),
        "onsite": np.array([r[3] for r in rows], dtype=bool),
        "after_hours": np.array(after_hours or [False] * n, dtype=bool),
    }


def offer_scenario(terms: dict[str, Any], name: str = "offer", **kw: Any) -> itm.Scenario:
    data = minimal(**kw)
    data["contracts"] = {name: terms}
    return scenario(data)


def contract(terms: dict[str, Any], **kw: Any) -> Any:
    return make_contract(offer_scenario(terms, **kw), "offer")


def charges(c: Any, rows: list[VisitRow], **kw: Any) -> list[tuple[int, str, float]]:
    """The non-zero charges (the ledger drops zeros) as ``(visit, category, amount)``."""
    which, category, amount = c.charges_table(table(rows, **kw))
    assert (np.diff(which) >= 0).all()
    return [
        (int(w), str(k), float(a))
        for w, k, a in zip(which, category, amount, strict=True)
        if a != 0
    ]


def block(**terms: Any) -> BlockHours:
    c = contract({**BLOCK, **terms})
    assert isinstance(c, BlockHours)
    return c


# ------------------------------------------------------------------------ block hours: by hand


def test_hours_within_the_block_cost_nothing_beyond_the_fee() -> None:
    c = block(hours_per_month="10h")
    assert c.monthly_fee() == 1200.0
    assert charges(c, [("repair", 10.0, 4.0, True), ("repair", 20.0, 6.0, False)]) == []


def test_a_visit_that_exhausts_the_balance_is_split() -> None:
    c = block(hours_per_month="10h", overage_rate={"remote": 90, "onsite": 150})
    rows = [
        ("repair", 10.0, 7.0, True),  # 7 of 10 h
        ("repair", 20.0, 5.0, True),  # 3 h covered, 2 h beyond: 2 x 150
        ("repair", 30.0, 1.5, False),  # all beyond, remote: 1.5 x 90
    ]
    assert charges(c, rows) == [(1, "labour", 300.0), (2, "labour", 135.0)]


def test_unused_hours_expire_without_a_rollover_cap() -> None:
    c = block(hours_per_month="10h")  # rollover_cap 0
    rows = [("repair", 10.0, 2.0, True), ("repair", M + 10.0, 12.0, True)]
    # month 0 leaves 8 h unused; they expire, month 1 has 10 h: 2 h beyond
    assert charges(c, rows) == [(1, "labour", 300.0)]


@pytest.mark.parametrize(
    ("cap", "overage_hours"),
    [
        ("0h", 5.0),  # expire: month 1 has 10 h for 15 h of work
        ("3h", 2.0),  # 8 h unused, 3 carried: 13 h
        ("8h", 0.0),  # all 8 carried: 18 h
        ("100h", 0.0),  # the cap is above what is left
    ],
)
def test_unused_hours_roll_over_up_to_the_cap(cap: str, overage_hours: float) -> None:
    c = block(hours_per_month="10h", rollover_cap=cap)
    rows = [("repair", 10.0, 2.0, True), ("repair", M + 10.0, 15.0, True)]
    expected = [(1, "labour", overage_hours * 150.0)] if overage_hours else []
    assert charges(c, rows) == expected


def test_carried_hours_are_capped_and_do_not_pile_up_over_empty_months() -> None:
    c = block(hours_per_month="10h", rollover_cap="4h")
    # months 0-3 unused: the balance is never more than 4 + 10 h
    rows = [("repair", 4 * M + 1.0, 15.0, True)]
    assert charges(c, rows) == [(0, "labour", 150.0)]


def test_carried_hours_are_only_what_is_left() -> None:
    c = block(hours_per_month="10h", rollover_cap="20h")
    rows = [
        ("repair", 1.0, 9.0, True),  # month 0: 1 h left, carried
        ("repair", M + 1.0, 3.0, True),  # month 1: 11 h, 8 h left
        ("repair", 2 * M + 1.0, 20.0, True),  # month 2: 18 h, 2 h beyond
    ]
    assert charges(c, rows) == [(2, "labour", 300.0)]


def test_an_overdrawn_month_carries_nothing() -> None:
    c = block(hours_per_month="10h", rollover_cap="20h")
    rows = [("repair", 1.0, 25.0, True), ("repair", M + 1.0, 11.0, True)]
    # month 0: 15 h beyond; month 1 starts from 10 h, not from a debt
    assert charges(c, rows) == [(0, "labour", 2250.0), (1, "labour", 150.0)]


def test_a_visit_counts_in_the_month_it_starts() -> None:
    c = block(hours_per_month="2h")
    rows = [
        ("repair", M - 0.5, 3.0, True),  # starts in month 0, ends in month 1: 1 h beyond
        ("repair", M, 2.0, True),  # starts at month 1's first instant: a fresh 2 h
        ("repair", 2 * M - 1e-9, 2.5, True),  # still month 1: all beyond
    ]
    assert charges(c, rows) == [(0, "labour", 150.0), (2, "labour", 375.0)]


def test_visits_draw_in_start_order_not_table_order() -> None:
    c = block(hours_per_month="4h", overage_rate={"remote": 90, "onsite": 150})
    # the engine lists visits as they end: the remote visit started first, ended last
    rows = [("repair", 20.0, 3.0, True), ("repair", 10.0, 20.0, False)]
    # the remote visit takes the 4 h (16 h beyond at 90); the on-site one all beyond
    assert charges(c, rows) == [(0, "labour", 450.0), (1, "labour", 1440.0)]


@pytest.mark.parametrize(
    ("terms", "works", "overage_hours"),
    [
        # 0.2 h counts as the 1 h minimum, 1.1 h as 1.25 h: 2.25 h for a 1 h block
        ({"minimum_billed": "1h", "billing_increment": "15min"}, [0.2, 1.1], 1.25),
        ({"billing_increment": "30min"}, [0.6, 0.6], 1.0),  # 1 h + 1 h
        ({"minimum_billed": "2h"}, [0.1], 1.0),
        ({}, [0.3, 0.95], 0.25),  # exact time
    ],
)
def test_minimum_and_increment_count_the_hours_drawn(
    terms: dict[str, Any], works: list[float], overage_hours: float
) -> None:
    c = block(hours_per_month="1h", **terms)
    rows = [("repair", 1.0 + i, w, True) for i, w in enumerate(works)]
    got = charges(c, rows)
    assert sum(a for _, _, a in got) == pytest.approx(overage_hours * 150.0, rel=1e-12)
    assert all(k == "labour" for _, k, _ in got)


def test_trip_charge_per_onsite_repair_visit_covered_or_not() -> None:
    c = block(hours_per_month="3h", trip_charge=45)
    rows = [
        ("repair", 1.0, 2.0, True),
        ("repair", 2.0, 2.0, False),  # remote: no trip; 1 h beyond
        ("maintenance", 3.0, 2.0, True),  # planned work: no draw, no trip
        ("false_alarm", 4.0, 1.0, True),
        ("preventive", 5.0, 1.0, True),
        ("repair", 6.0, 1.0, True),  # all beyond
    ]
    assert charges(c, rows) == [
        (0, "trip", 45.0),
        (1, "labour", 150.0),
        (5, "labour", 150.0),
        (5, "trip", 45.0),
    ]


def test_a_zero_block_bills_every_hour_as_overage() -> None:
    c = block(hours_per_month="0h", block_rate=120, rollover_cap="5h")
    assert c.monthly_fee() == 0.0
    rows = [("repair", 1.0, 1.5, True), ("repair", M + 1.0, 2.0, True)]
    assert charges(c, rows) == [(0, "labour", 225.0), (1, "labour", 300.0)]


def test_block_draws_by_hand() -> None:
    hours = np.array([6.0, 6.0, 3.0, 1.0, 12.0])
    months = np.array([0, 0, 1, 3, 3])
    covered, over = block_draws(hours, months, block=10.0, cap=5.0)
    # m0: 10 h, 6 + 4 covered, 2 beyond, nothing carried; m1: 10 h, 3 used, 5 carried;
    # m2: 15 h unused, 5 carried; m3: 15 h for 13 h
    assert covered.tolist() == [6.0, 4.0, 3.0, 1.0, 12.0]
    assert over.tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]
    covered, over = block_draws(hours, months, block=10.0, cap=0.0)
    assert over.tolist() == [0.0, 2.0, 0.0, 0.0, 3.0]
    empty = block_draws(np.empty(0), np.empty(0, dtype=np.int64), block=1.0, cap=1.0)
    assert [len(a) for a in empty] == [0, 0]


# ---------------------------------------------------------------------- block hours: simulated


def every_303_hours(terms: dict[str, Any]) -> itm.Scenario:
    """One device failing every 303 h (300 h of life, 3 h of on-site repair), 3 months.

    Repairs start at 300, 603 (month 0), 906, 1209 (month 1), 1512, 1815, 2118 (month 2).
    """
    data = minimal(
        horizon="3mo",
        fleet=[device(lifetime={"dist": "constant", "value": 300}, repair="3h")],
    )
    data["contracts"] = {"prepaid-7h": terms}
    return scenario(data)


STARTS = [300.0, 603.0, 906.0, 1209.0, 1512.0, 1815.0, 2118.0]


@pytest.mark.parametrize(
    ("cap", "last_overage_hours"),
    [
        (0, 2.0),  # each month 7 h for 6, 6, 9 h: only month 2 overdraws, by 2 h
        (1, 1.0),  # 1 h left in month 0 and carried; month 1 leaves 2 h, 1 carried
        (2, 0.0),  # 1 then 2 carried: month 2 has 9 h for 9 h
    ],
)
def test_simulated_invoice_with_rollover(cap: float, last_overage_hours: float) -> None:
    terms = {**BLOCK, "hours_per_month": "7h", "block_rate": 100, "rollover_cap": cap,
             "trip_charge": 50}  # fmt: skip
    run = itm.simulate(every_303_hours(terms), "prepaid-7h", seed=0)
    assert run.visits["start"].tolist() == STARTS
    assert run.visits["onsite"].all()
    expected = [(m * M, "fee", 700.0) for m in range(3)]
    expected += [(t, "trip", 50.0) for t in STARTS]
    if last_overage_hours:
        expected.append((2118.0, "labour", last_overage_hours * 150.0))
    led = run.ledger
    got = list(zip(led["time"], led["category"], led["amount"], strict=True))
    assert sorted(got) == sorted(expected)
    assert (led["payer"] == "client").all() and (led["payee"] == "provider").all()
    total = sum(a for _, _, a in expected)
    assert run.metrics["client_cash_cost"] == pytest.approx(total, rel=1e-12)
    assert run.metrics["provider_revenue"] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize(
    ("cap", "times", "labour"), [("0h", [729.0, 2 * M], [150.0, 150.0]), ("5h", [729.0], [150.0])]
)
def test_simulated_month_boundaries(cap: str, times: list[float], labour: list[float]) -> None:
    # a device failing every 732 h: repairs at 729 h (3 h, across the end of month 0)
    # and at 1461 h, the first instant of month 2; month 1 has no visit
    data = minimal(
        horizon="3mo",
        fleet=[device(lifetime={"dist": "constant", "value": 729}, repair="3h")],
    )
    data["contracts"] = {"prepaid-2h": {**BLOCK, "hours_per_month": "2h", "rollover_cap": cap}}
    run = itm.simulate(scenario(data), "prepaid-2h", seed=0)
    assert run.visits["start"].tolist() == [729.0, 2 * M]
    led = run.ledger
    assert led.loc[led["category"] == "fee", "time"].tolist() == [0.0, M, 2 * M]
    assert led.loc[led["category"] == "fee", "amount"].tolist() == [240.0] * 3
    # month 0: 2 of the 3 h covered, though the visit ends in month 1.  Expiring: month 2
    # has 2 h for 3.  Carrying up to 5 h: month 1's unused 2 h reach month 2 (4 h for 3).
    got = led.loc[led["category"] == "labour"]
    assert got["amount"].tolist() == labour
    assert got["time"].tolist() == times


# --------------------------------------------------------------------------- property test

KINDS = ["repair", "repair", "repair", "maintenance", "false_alarm", "preventive"]
visit_rows = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.one_of(
            st.floats(0.0, 6 * M, allow_nan=False),
            st.sampled_from([0.0, M, M - 1e-9, 2 * M, 5 * M + 0.25]),  # month edges
        ),
        st.one_of(
            st.floats(0.0, 30.0, allow_nan=False),
            st.integers(0, 40).map(lambda q: q * 0.25),  # exact increments
        ),
        st.booleans(),
        st.booleans(),
    ),
    max_size=40,
)
block_terms = st.fixed_dictionaries(
    {
        "hours_per_month": st.sampled_from([0.0, 0.5, 2.0, 7.25, 10.0, 40.0]),
        "rollover_cap": st.sampled_from([0.0, 1.0, 4.5, 10.0, 1000.0]),
        "minimum_billed": st.sampled_from([0.0, 0.5, 1.0]),
        "billing_increment": st.sampled_from([0.0, 0.1, 0.25, 0.5]),
        "trip_charge": st.sampled_from([0.0, 45.0]),
        "overage_rate": st.sampled_from([150.0, {"remote": 95.5, "onsite": 140.0}]),
    }
)
SCN = offer_scenario(BLOCK)


def _table(rows: list[tuple[str, float, float, bool, bool]]) -> dict[str, np.ndarray]:
    return table([r[:4] for r in rows], after_hours=[r[4] for r in rows])


@settings(max_examples=300, deadline=None)
@given(rows=visit_rows, terms=block_terms)
def test_block_billing_equals_the_visit_by_visit_reference(rows, terms) -> None:
    c = BlockHours("prepaid", BlockHoursTerms.model_validate({**BLOCK, **terms}), SCN)
    visits = _table(rows)
    fast = c.charges_table(visits)
    slow = reference_charges(c, visits)
    np.testing.assert_array_equal(fast[0], slow[0])
    assert list(fast[1]) == list(slow[1])
    np.testing.assert_array_equal(fast[2], slow[2])
    # and, independently: no more hours covered than the blocks bought; none when none
    t = c.terms
    repair = [r for r in rows if r[0] == "repair"]
    counted = sum(counted_hours(r[2], t.minimum_billed, t.billing_increment) for r in repair)
    months = {int(r[1] // M) for r in repair}
    onsite, remote = t.overage_rate.onsite, t.overage_rate.remote
    labour = fast[2][fast[1] == "labour"]
    assert (labour >= 0).all()
    assert len(labour) == len(repair)
    if t.hours_per_month == 0:
        beyond = sum(
            counted_hours(r[2], t.minimum_billed, t.billing_increment)
            * (onsite if r[3] else remote)
            for r in repair
        )
        assert labour.sum() == pytest.approx(beyond, rel=1e-9, abs=1e-9)
    if repair and t.rollover_cap == 0 and len(months) == 1:
        over_hours = max(counted - t.hours_per_month, 0.0)
        assert min(onsite, remote) * over_hours - 1e-6 <= labour.sum()
        assert labour.sum() <= max(onsite, remote) * over_hours + 1e-6
    trips = fast[2][fast[1] == "trip"]
    assert len(trips) == (sum(r[3] for r in repair) if t.trip_charge else 0)


@settings(max_examples=100, deadline=None)
@given(rows=visit_rows)
def test_hybrid_billing_equals_the_visit_by_visit_reference(rows) -> None:
    terms = {**HYBRID, "hourly_rate": {"remote": 80, "onsite": 120}, "minimum_billed": "1h",
             "billing_increment": "15min", "trip_charge": 40,
             "after_hours_multiplier": 1.5}  # fmt: skip
    c = Hybrid("monitor-plus", HybridTerms.model_validate(terms), SCN)
    visits = _table(rows)
    fast = c.charges_table(visits)
    slow = reference_charges(c, visits)
    np.testing.assert_array_equal(fast[0], slow[0])
    assert list(fast[1]) == list(slow[1])
    np.testing.assert_array_equal(fast[2], slow[2])


# --------------------------------------------------------------------------- hybrid


def test_hybrid_labour_is_billed_exactly_as_the_same_rate_card_under_break_fix() -> None:
    card = {"hourly_rate": {"remote": 80, "onsite": 120}, "minimum_billed": "1h",
            "billing_increment": "15min", "trip_charge": 40,
            "after_hours_multiplier": 2.0}  # fmt: skip
    hyb = Hybrid("h", HybridTerms.model_validate({**HYBRID, **card}), SCN)
    bf = BreakFix("b", BreakFixTerms.model_validate({"type": "break_fix", **card}), SCN)
    rows: list[VisitRow] = [
        ("repair", 1.0, 1.1, True),  # 1.25 h x 120 + trip
        ("repair", 2.0, 0.2, False),  # minimum 1 h x 80
        ("maintenance", 3.0, 1.0, True),  # not billed
        ("repair", 4.0, 2.0, True),  # after hours: 2 h x 240 + trip
    ]
    after = [False, False, False, True]
    expected = [
        (0, "labour", 150.0),
        (0, "trip", 40.0),
        (1, "labour", 80.0),
        (3, "labour", 480.0),
        (3, "trip", 40.0),
    ]
    assert charges(hyb, rows, after_hours=after) == expected
    assert charges(bf, rows, after_hours=after) == expected


def test_hybrid_simulated_invoice() -> None:
    terms = {**HYBRID, "fee_per_device": 15, "fee_per_user": 4, "billing_increment": "15min",
             "trip_charge": 50}  # fmt: skip
    data = minimal(
        horizon=1000.0,
        users=3,
        technicians=2,
        fleet=[device(count=2, lifetime={"dist": "constant", "value": 900}, repair="1.1h")],
    )
    data["contracts"] = {"monitor-plus": terms}
    run = itm.simulate(scenario(data), "monitor-plus", seed=0)
    assert run.visits["start"].tolist() == [900.0, 900.0]  # both devices, two technicians' work
    led = run.ledger
    got = sorted(zip(led["time"], led["category"], led["amount"], strict=True))
    fee = 15 * 2 + 4 * 3
    assert got == sorted(
        [(0.0, "fee", fee), (M, "fee", fee)]
        + [(900.0, "labour", 1.25 * 120), (900.0, "trip", 50.0)] * 2
    )


def test_hybrid_fee_and_price_terms() -> None:
    c = contract({**HYBRID, "fee_per_device": 15, "fee_per_user": 4}, users=7)
    assert isinstance(c, Hybrid)
    devices = sum(d.count for d in c.scenario.fleet)
    assert c.monthly_fee() == 15 * devices + 4 * 7
    assert c.price_units("fee_per_device") == devices
    assert c.price_units("fee_per_user") == 7
    with pytest.raises(ValueError, match="not a price term"):
        c.price_units("hourly_rate")
    assert c.monitoring is not None and c.queue_class == 0
    assert c.label == "Monitoring + labour"


def test_hybrid_words() -> None:
    terms = {**HYBRID, "fee_per_device": 15, "hourly_rate": 150, "minimum_billed": "1h",
             "maintenance": {"patching": {"every": "1mo", "work": "10min"}}}  # fmt: skip
    c = contract(terms)
    assert c.price_words("USD") == "$15 per device a month; labour $150/h, minimum 1h"
    yes, no = c.inclusions("USD")
    assert yes == ["remote monitoring", "patching"]
    assert no == ["labour", "parts", "replacement hardware"]


def test_hybrid_after_hours_like_break_fix_or_the_sla() -> None:
    assert not contract(HYBRID).works_after_hours("P1")  # no after-hours price written
    priced = contract({**HYBRID, "after_hours_multiplier": 1.5})
    assert priced.works_after_hours("P1") and not priced.works_after_hours("P2")
    sla = {"response": {"P1": "4h"}, "around_the_clock": ["P2"]}
    assert contract({**HYBRID, "sla": sla}).works_after_hours("P2")


# ------------------------------------------------------------------- block hours: words, fee


def test_block_fee_is_linear_in_the_block_rate() -> None:
    c = block(hours_per_month="10h", block_rate=120)
    assert c.monthly_fee() == 1200.0
    assert c.price_terms == ("block_rate",)
    assert c.price_units("block_rate") == 10.0
    more = block(hours_per_month="10h", block_rate=121)
    assert more.monthly_fee() - c.monthly_fee() == pytest.approx(c.price_units("block_rate"))
    with pytest.raises(ValueError, match="not a price term"):
        c.price_units("overage_rate")


def test_block_words() -> None:
    c = block(hours_per_month="10h", block_rate=120, rollover_cap="5h", trip_charge=40)
    assert c.price_words("USD") == (
        "10h a month prepaid at $120/h ($1,200); unused hours roll over up to 5h;"
        " beyond them $150/h"
    )
    yes, no = c.inclusions("USD")
    assert yes == ["10h of technician time a month"]
    assert no == ["hours beyond the block ($150/h)", "trips ($40 each)", "parts",
                  "replacement hardware"]  # fmt: skip
    split = block(
        overage_rate={"remote": 95, "onsite": 150}, monitoring={"detection_probability": 0.5}
    )
    assert split.price_words("EUR").endswith(
        "unused hours expire; beyond them €95/h remote, €150/h on site"
    )
    assert split.inclusions("EUR")[0] == ["10h of technician time a month", "remote monitoring"]


def test_block_policies() -> None:
    c = block(parts_markup=0.2, hardware_markup=0.1, after_hours_priorities=["P1"])
    assert c.parts_price(100.0) == pytest.approx(120.0)
    assert c.hardware_price(1000.0) == pytest.approx(1100.0)
    assert c.works_after_hours("P1") and not c.works_after_hours("P2")
    assert not block().works_after_hours("P1")
    assert c.monitoring is None and c.maintenance is None and c.sla is None
    assert c.queue_class == 0 and c.label == "Block hours"
    assert not c.monitors("pc")


# ------------------------------------------------------------------- scenarios, mechanisms

YAML = """
name: three offers
horizon: 1y
client:
  users: 8
  user_hour_value: 60
  business_hours: {days: mon-fri, start: "08:00", end: "18:00"}
fleet:
  - name: pc
    count: 8
    age: 1y
    lifetime: {dist: exponential, mean: 1y}
    users_affected: 1
    repair: {dist: lognormal, median: 1.5h, sigma: 0.5}
    remote_fix_probability: 0.5
incident_streams:
  - name: user-problems
    rate: 0.5
    per: user
    priority: {P3: 0.7, P4: 0.3}
    users_affected: 1
    productivity_loss: 0.25
    work: {dist: uniform, low: 10min, high: 2h}
provider:
  technicians: 1
  travel: 30min
  travel_cost: 10
contracts:
  pay-as-you-go:
    type: break_fix
    hourly_rate: 140
  prepaid-10h:
    type: block_hours
    hours_per_month: 10h
    block_rate: 120
    rollover_cap: 5h
    overage_rate: {remote: 110, onsite: 150}
    minimum_billed: 30min
    billing_increment: 15min
    trip_charge: 40
  monitor-plus:
    type: hybrid
    fee_per_device: 12
    monitoring: {detection_probability: 0.6}
    hourly_rate: 130
    trip_charge: 40
"""


@pytest.fixture
def three_offers(write_yaml) -> itm.Scenario:
    return itm.load_scenario(write_yaml(YAML, "three-offers.yaml"))


def test_offers_of_the_new_models_load_and_simulate(three_offers: itm.Scenario) -> None:
    scn = three_offers
    assert list(scn.contracts) == ["pay-as-you-go", "prepaid-10h", "monitor-plus"]
    assert [scn.contracts[n].type for n in scn.contracts] == ["break_fix", "block_hours", "hybrid"]
    for offer in ("prepaid-10h", "monitor-plus"):
        for rep in range(3):
            run = itm.simulate(scn, offer, seed=1, replication=rep)
            assert run.contract == offer
            led = run.ledger
            client = led.loc[led["payer"] == "client", "amount"].sum()
            refunds = led.loc[(led["payer"] == "provider") & (led["payee"] == "client"), "amount"]
            to_provider = led.loc[led["payee"] == "provider", "amount"].sum()
            assert client == pytest.approx(to_provider, rel=1e-12)
            m = run.metrics
            assert m["client_cash_cost"] == pytest.approx(client - refunds.sum(), rel=1e-9)
            assert m["client_cash_cost"] == pytest.approx(m["provider_revenue"], rel=1e-9)
            fees = led.loc[led["category"] == "fee", "amount"]
            fee = make_contract(scn, offer).monthly_fee()
            assert fees.tolist() == [fee] * 12
            assert set(led["category"]) <= {"fee", "labour", "trip", "parts", "hardware",
                                             "wages", "travel", "tools"}  # fmt: skip
    res = itm.run_experiment(scn, 3, seed=1, progress=False)
    assert list(res.metrics["contract"].cat.categories) == list(scn.contracts)


def test_ledger_labour_equals_the_vectorised_billing_of_the_run(three_offers) -> None:
    run = itm.simulate(three_offers, "prepaid-10h", seed=2)
    c = make_contract(three_offers, "prepaid-10h")
    v = run.visits
    cols = {k: v[k].to_numpy() for k in v.columns}
    cols["kind"] = cols["kind"].astype(object)
    _, category, amount = reference_charges(c, cols)
    led = run.ledger
    for cat in ("labour", "trip"):
        want = amount[category == cat].sum()
        assert led.loc[led["category"] == cat, "amount"].sum() == pytest.approx(want, rel=1e-12)
    assert (led["category"] == "trip").sum() == ((v["kind"] == "repair") & v["onsite"]).sum()


@pytest.mark.parametrize("hours", ["100000h", "0h"])
def test_a_huge_block_covers_all_labour_and_a_zero_block_none(three_offers, hours) -> None:
    scn = three_offers.override({"contracts.prepaid-10h.hours_per_month": hours})
    t = scn.contracts["prepaid-10h"]
    run = itm.simulate(scn, "prepaid-10h", seed=5)
    led, v = run.ledger, run.visits
    repair = v[v["kind"] == "repair"]
    assert len(repair) > 10
    labour = led.loc[led["category"] == "labour", "amount"].sum()
    if hours == "0h":
        counted = [
            counted_hours(w, t.minimum_billed, t.billing_increment) for w in repair["work_hours"]
        ]
        rate = np.where(repair["onsite"], t.overage_rate.onsite, t.overage_rate.remote)
        assert labour == pytest.approx(float(np.dot(counted, rate)), rel=1e-12)
        assert labour > 0
    else:
        assert labour == 0.0
        assert (led["category"] == "fee").sum() == 12
    # trips are owed either way
    assert (led["category"] == "trip").sum() == repair["onsite"].sum() > 0


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("offer", "change", "key", "expected"),
    [
        ("prepaid-10h", {"hours_per_month": "-10h"}, "hours_per_month", "negative"),
        ("prepaid-10h", {"block_rate": -5}, "block_rate", "amount of money"),
        ("prepaid-10h", {"rollover_cap": "-1h"}, "rollover_cap", "negative"),
        ("prepaid-10h", {"colour": "green"}, "colour", "unknown key"),
        ("prepaid-10h", {"overage_rate": None}, "overage_rate", "missing"),
        ("prepaid-10h", {"overage_rate": {"remote": 100}}, "overage_rate.onsite", "missing"),
        ("prepaid-10h", {"after_hours_priorities": ["P9"]}, "after_hours_priorities[0]", "P1"),
        ("monitor-plus", {"monitoring": None}, "monitoring", "missing"),
        ("monitor-plus", {"hourly_rate": None}, "hourly_rate", "missing"),
        ("monitor-plus", {"fee_per_devices": 3}, "fee_per_devices", "unknown key"),
    ],
)
def test_bad_terms_name_the_offer_and_key(
    write_yaml, offer: str, change: dict[str, Any], key: str, expected: str
) -> None:
    import yaml

    data = yaml.safe_load(YAML)
    terms = data["contracts"][offer]
    for k, value in change.items():
        if value is None:
            del terms[k]
        else:
            terms[k] = value
    path = write_yaml(data)
    with pytest.raises(itm.ScenarioError) as info:
        itm.load_scenario(path)
    err = info.value
    full = f"contracts.{offer}.{key}"
    assert full in dict(err.problems), err.problems
    assert str(path) in str(err)
    assert expected.lower() in dict(err.problems)[full].lower()


def test_bad_terms_from_a_mapping() -> None:
    data = minimal()
    data["contracts"]["prepaid-10h"] = {**BLOCK, "hours_per_month": -1}
    with pytest.raises(itm.ScenarioError) as info:
        scenario_from_mapping(data)
    assert [k for k, _ in info.value.problems] == ["contracts.prepaid-10h.hours_per_month"]


def test_counted_hours_reference_matches_break_fix_rounding() -> None:
    from itmodels.contracts.break_fix import billed_hours, billed_hours_table

    work = np.array([0.0, 0.2, 0.3, 1.0, 1.0000001, 1.1, 2.6])
    for minimum, inc in [(0.0, 0.0), (1.0, 0.25), (0.0, 0.1), (1.0, 0.5)]:
        table_ = billed_hours_table(work, minimum, inc)
        assert table_.tolist() == [billed_hours(w, minimum, inc) for w in work]
        assert table_.tolist() == [counted_hours(w, minimum, inc) for w in work]
        assert all(math.isfinite(x) for x in table_)


def test_break_even_block_rate(three_offers: itm.Scenario) -> None:
    est = itm.break_even_fee(three_offers, 6, seed=0, offer="prepaid-10h")
    assert est.term == "block_rate" and est.method == "linear"
    assert float(est) > 0
    at = three_offers.override({"contracts.prepaid-10h.block_rate": float(est)})
    diff = itm.run_experiment(at, 6, 0, progress=False).compare(other="prepaid-10h")
    # the offer's fee at the break-even rate leaves the client's mean cost unchanged
    assert diff.loc["client_total_cost", "mean"] == pytest.approx(0.0, abs=1e-6)
