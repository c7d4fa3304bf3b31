"""Exact invoice arithmetic on deterministic cases.

Every case has constant distributions and one or two devices failing at known times,
so the ledger can be written down by hand.  Unless a test says otherwise the office
works around the clock and a single device fails once, at t = 100 h, inside a 150 h
horizon (its next failure would come after the horizon).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

import itmodels as itm
from helpers import HOURS_PER_MONTH, MON_FRI, NEVER, device, minimal, scenario
from itmodels.contracts import make_contract
from itmodels.contracts.break_fix import billed_hours
from itmodels.contracts.flat_rate import FlatRate

T_FAIL = 100.0


def const(hours: float | str) -> dict[str, Any]:
    return {"dist": "constant", "value": hours}


def one_failure(
    repair: float = 1.1,
    *,
    lifetime: float = T_FAIL,
    horizon: float = 150.0,
    break_fix: dict[str, Any] | None = None,
    flat_rate: dict[str, Any] | None = None,
    provider: dict[str, Any] | None = None,
    **device_keys: Any,
) -> itm.Scenario:
    """One device failing at ``lifetime`` (100 h), repaired in ``repair`` hours."""
    data = minimal(
        horizon=horizon,
        fleet=[device(lifetime=const(lifetime), repair=const(repair), **device_keys)],
    )
    data["contracts"]["break_fix"].update(break_fix or {})
    data["contracts"]["flat_rate"].update(flat_rate or {})
    data["provider"].update(provider or {})
    return scenario(data)


Row = tuple[float, str, str, str, float]


def assert_ledger(run: itm.Run, expected: list[Row]) -> None:
    """The ledger holds exactly these ``(time, payer, payee, category, amount)`` rows."""
    led = run.ledger
    got = sorted(
        zip(led.time, led.payer, led.payee, led.category, led.amount, strict=True),
        key=lambda r: (round(r[0], 9), r[1], r[2], r[3], r[4]),
    )
    want = sorted(expected, key=lambda r: (round(r[0], 9), r[1], r[2], r[3], r[4]))
    assert len(got) == len(want), f"ledger rows\n{led}\nexpected\n{want}"
    for g, w in zip(got, want, strict=True):
        assert g[1:4] == w[1:4], (g, w)
        assert g[0] == pytest.approx(w[0], rel=1e-12, abs=1e-12), (g, w)
        assert g[4] == pytest.approx(w[4], rel=1e-12), (g, w)
    assert (led["month"] == (led["time"] // HOURS_PER_MONTH)).all()


def labour(amount: float, t: float = T_FAIL) -> Row:
    return (t, "client", "provider", "labour", amount)


def fee(amount: float, month: int) -> Row:
    return (month * HOURS_PER_MONTH, "client", "provider", "fee", amount)


# --------------------------------------------------------------------------- billed_hours


@pytest.mark.parametrize(
    ("work", "minimum", "increment", "billed"),
    [
        (1.1, 0.0, 0.25, 1.25),  # rounded up to the next quarter hour
        (1.0, 0.0, 0.25, 1.0),  # an exact multiple is not rounded up
        (0.75, 0.0, 0.25, 0.75),
        (1.0000001, 0.0, 0.25, 1.25),  # just over an increment is the next one
        (0.3, 0.0, 0.1, 0.3),  # 0.3 / 0.1 is 2.9999999999999996 in floating point
        (0.2, 1.0, 0.25, 1.0),  # the minimum applies after rounding
        (1.1, 2.0, 0.25, 2.0),
        (2.6, 1.0, 0.5, 3.0),
        (0.0, 0.5, 0.25, 0.5),
        (0.2, 0.0, 0.0, 0.2),  # no increment: the exact time
        (1.7, 1.0, 0.0, 1.7),
        (0.0, 0.0, 0.0, 0.0),
    ],
)
def test_billed_hours(work: float, minimum: float, increment: float, billed: float) -> None:
    assert billed_hours(work, minimum, increment) == pytest.approx(billed, rel=1e-12)


def test_billed_hours_is_the_smallest_increment_multiple_at_least_the_work() -> None:
    increment = 0.25
    for i in range(1, 200):
        work = i * 0.0137
        billed = billed_hours(work, 0.0, increment)
        steps = billed / increment
        assert steps == pytest.approx(round(steps), abs=1e-9)
        assert work - 1e-12 <= billed < work + increment


# --------------------------------------------------------------------------- labour


def test_exact_work_time_when_no_terms_are_written() -> None:
    run = itm.simulate(one_failure(1.1), "break_fix", seed=0)
    assert_ledger(run, [labour(110.0)])
    m = run.metrics
    assert m["client_cash_cost"] == pytest.approx(110.0, rel=1e-12)
    assert m["provider_revenue"] == pytest.approx(110.0, rel=1e-12)
    assert m["provider_cost"] == 0.0
    assert m["mean_time_to_restore_hours"] == pytest.approx(1.1, rel=1e-12)
    assert m["technician_hours"] == pytest.approx(1.1, rel=1e-12)
    assert m["incidents"] == 1
    assert run.ledger["incident_id"].tolist() == [0]


@pytest.mark.parametrize(
    ("repair", "terms", "amount"),
    [
        (1.1, {"billing_increment": "15min"}, 125.0),
        (0.2, {"minimum_billed": "1h", "billing_increment": "15min"}, 100.0),
        (1.1, {"minimum_billed": "2h", "billing_increment": "15min"}, 200.0),
        (1.6, {"minimum_billed": "1h", "billing_increment": "30min"}, 200.0),
        (0.5, {"minimum_billed": "1h"}, 100.0),
    ],
)
def test_minimum_and_increment(repair: float, terms: dict[str, Any], amount: float) -> None:
    run = itm.simulate(one_failure(repair, break_fix=terms), "break_fix", seed=0)
    assert_ledger(run, [labour(amount)])


def test_trip_charge_per_onsite_visit_and_remote_rate() -> None:
    terms = {"hourly_rate": {"remote": 80, "onsite": 120}, "trip_charge": 50,
             "billing_increment": "15min"}  # fmt: skip
    onsite = itm.simulate(one_failure(1.1, break_fix=terms), "break_fix", seed=0)
    assert_ledger(onsite, [labour(1.25 * 120), (T_FAIL, "client", "provider", "trip", 50.0)])
    assert onsite.visits["onsite"].tolist() == [True]

    remote_scn = one_failure(1.1, break_fix=terms, remote_fix_probability=1.0)
    remote = itm.simulate(remote_scn, "break_fix", seed=0)
    assert_ledger(remote, [labour(1.25 * 80)])
    assert remote.visits["onsite"].tolist() == [False]


def test_travel_time_cost_and_wages_for_onsite_work_only() -> None:
    provider = {"travel": const("30min"), "travel_cost": 15, "wage": 40}
    onsite = itm.simulate(one_failure(1.1, provider=provider), "break_fix", seed=0)
    # the technician is there after 0.5 h, works 1.1 h, drives back 0.5 h: paid 2.1 h
    assert_ledger(
        onsite,
        [
            labour(110.0),
            (T_FAIL, "provider", "staff", "wages", 40 * 2.1),
            (T_FAIL, "provider", "vendor", "travel", 15.0),
        ],
    )
    assert onsite.metrics["mean_time_to_restore_hours"] == pytest.approx(1.6, rel=1e-12)
    assert onsite.metrics["technician_hours"] == pytest.approx(2.1, rel=1e-12)
    assert onsite.metrics["provider_margin"] == pytest.approx(110 - 84 - 15, rel=1e-12)
    v = onsite.visits.iloc[0]
    assert (v["work_hours"], v["travel_hours"]) == pytest.approx((1.1, 1.0), rel=1e-12)

    remote_scn = one_failure(1.1, provider=provider, remote_fix_probability=1.0)
    remote = itm.simulate(remote_scn, "break_fix", seed=0)
    assert_ledger(remote, [labour(110.0), (T_FAIL, "provider", "staff", "wages", 40 * 1.1)])
    assert remote.metrics["mean_time_to_restore_hours"] == pytest.approx(1.1, rel=1e-12)


# --------------------------------------------------------------------------- after hours

# Monday 20:00: the client (24/7) notices at once, the technicians work mon-fri 08-18.
EVENING = 20.0
TUESDAY_8 = 32.0
AFTER_HOURS = {"after_hours_multiplier": 1.5, "billing_increment": "15min"}
TECH_WEEK = {"working_hours": MON_FRI, "wage": 40, "overtime_premium": 0.5}


def evening_failure(priority: str, terms: dict[str, Any]) -> itm.Scenario:
    # restored by 33.1 at the latest; the next failure (>= 41.1) is after the horizon
    data = minimal(horizon=40, fleet=[device(lifetime=const(EVENING), repair=const(1.1))])
    data["fleet"][0]["priority"] = priority
    data["contracts"]["break_fix"].update(terms)
    data["provider"].update(TECH_WEEK)
    return scenario(data)


def test_after_hours_multiplier_and_overtime_for_a_p1_call_out() -> None:
    run = itm.simulate(evening_failure("P1", AFTER_HOURS), "break_fix", seed=0)
    assert_ledger(
        run,
        [
            labour(1.25 * 100 * 1.5, EVENING),
            # all 1.1 h outside working hours: paid at time and a half
            (EVENING, "provider", "staff", "wages", 40 * (1.1 + 0.5 * 1.1)),
        ],
    )
    assert run.visits["after_hours"].tolist() == [True]
    assert run.visits["overtime_hours"].tolist() == pytest.approx([1.1], rel=1e-12)
    assert run.metrics["mean_time_to_restore_hours"] == pytest.approx(1.1, rel=1e-12)


@pytest.mark.parametrize(
    ("priority", "terms"),
    [("P3", AFTER_HOURS), ("P1", {"billing_increment": "15min"})],
    ids=["P3-not-called-out", "P1-without-multiplier"],
)
def test_no_after_hours_work_waits_for_the_morning(priority: str, terms: dict[str, Any]) -> None:
    run = itm.simulate(evening_failure(priority, terms), "break_fix", seed=0)
    assert_ledger(
        run,
        [labour(125.0, TUESDAY_8), (TUESDAY_8, "provider", "staff", "wages", 40 * 1.1)],
    )
    assert run.metrics["mean_response_hours"] == pytest.approx(TUESDAY_8 - EVENING, rel=1e-12)
    restore = TUESDAY_8 + 1.1 - EVENING
    assert run.metrics["mean_time_to_restore_hours"] == pytest.approx(restore, rel=1e-12)


def test_overtime_only_for_the_part_after_closing() -> None:
    data = minimal(horizon=30, fleet=[device(lifetime=const(17.5), repair=const(1.1))])
    data["contracts"]["break_fix"].update(AFTER_HOURS)
    data["provider"].update(TECH_WEEK)
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    # 17:30 to 18:36: 0.5 h inside, 0.6 h overtime; started in hours, so the normal rate
    assert_ledger(
        run, [labour(125.0, 17.5), (17.5, "provider", "staff", "wages", 40 * (1.1 + 0.5 * 0.6))]
    )
    assert run.visits["after_hours"].tolist() == [False]


# --------------------------------------------------------------------------- parts, hardware


def test_parts_two_visits_markup_trips_and_travel() -> None:
    scn = one_failure(
        2.2,
        break_fix={"billing_increment": "15min", "trip_charge": 50, "parts_markup": 0.15},
        provider={"travel": const("30min"), "travel_cost": 15, "wage": 40},
        parts_probability=1.0,
        parts_lead_time=const("24h"),
        parts_cost=const(200),
    )
    run = itm.simulate(scn, "break_fix", seed=0)
    # visit 1: arrive 100.5, diagnose 1.1 h (half the work), order at 101.6, back 102.1
    # parts arrive 125.6; visit 2: arrive 126.1, install 1.1 h, restored 127.2
    ordered, second = 101.6, 125.6
    visit_rows = [
        ("client", "provider", "labour", 125.0),
        ("client", "provider", "trip", 50.0),
        ("provider", "staff", "wages", 40 * (1.1 + 1.0)),
        ("provider", "vendor", "travel", 15.0),
    ]
    assert_ledger(
        run,
        [(T_FAIL, *r) for r in visit_rows]
        + [(second, *r) for r in visit_rows]
        + [
            (ordered, "provider", "supplier", "parts", 200.0),
            (ordered, "client", "provider", "parts", 230.0),
        ],
    )
    m = run.metrics
    assert m["client_cash_cost"] == pytest.approx(2 * 175 + 230, rel=1e-12)
    assert m["provider_cost"] == pytest.approx(2 * (84 + 15) + 200, rel=1e-12)
    assert m["mean_time_to_restore_hours"] == pytest.approx(27.2, rel=1e-12)
    assert m["device_downtime_hours"] == pytest.approx(27.2, rel=1e-12)
    assert m["technician_hours"] == pytest.approx(2 * 2.1, rel=1e-12)
    assert m["mean_response_hours"] == 0.0
    inc = run.incidents.iloc[0]
    assert bool(inc["parts"]) and not bool(inc["replaced"])
    assert run.visits["start"].tolist() == pytest.approx([T_FAIL, second], rel=1e-12)
    assert run.visits["end"].tolist() == pytest.approx([102.1, 127.7], rel=1e-12)


def test_parts_under_flat_rate_included_or_at_markup() -> None:
    keys = {"parts_probability": 1.0, "parts_lead_time": const("24h"), "parts_cost": const(200)}
    included = one_failure(2.0, flat_rate={"parts_included": True}, **keys)
    run = itm.simulate(included, "flat_rate", seed=0)
    assert_ledger(run, [fee(50.0, 0), (T_FAIL + 1.0, "provider", "supplier", "parts", 200.0)])
    marked_up = one_failure(2.0, flat_rate={"parts_markup": 0.1}, **keys)
    run = itm.simulate(marked_up, "flat_rate", seed=0)
    assert_ledger(
        run,
        [
            fee(50.0, 0),
            (T_FAIL + 1.0, "provider", "supplier", "parts", 200.0),
            (T_FAIL + 1.0, "client", "provider", "parts", 220.0),
        ],
    )


def test_replacement_beyond_repair_with_hardware_markup() -> None:
    scn = one_failure(
        2.0,
        break_fix={"hardware_markup": 0.02},
        beyond_repair_probability=1.0,
        replacement_cost=1000,
        replacement_lead_time=const("40h"),
    )
    run = itm.simulate(scn, "break_fix", seed=0)
    assert_ledger(
        run,
        [
            labour(100.0),
            (101.0, "provider", "supplier", "hardware", 1000.0),
            (101.0, "client", "provider", "hardware", 1020.0),
            labour(100.0, 141.0),
        ],
    )
    assert bool(run.incidents["replaced"].iloc[0])
    assert run.metrics["mean_time_to_restore_hours"] == pytest.approx(42.0, rel=1e-12)


def test_worn_out_device_is_replaced_at_max_age() -> None:
    keys = {"max_age": "5y", "replacement_cost": 900, "replacement_lead_time": const("10h")}
    # aged 5y with 100 h of (constant) life left: it fails at t = 100 h aged 5y + 100 h
    old = one_failure(2.0, age="5y", lifetime=5 * 8766 + T_FAIL, **keys)
    run = itm.simulate(old, "break_fix", seed=0)
    assert_ledger(
        run,
        [
            labour(100.0),
            (101.0, "provider", "supplier", "hardware", 900.0),
            (101.0, "client", "provider", "hardware", 900.0),
            labour(100.0, 111.0),
        ],
    )
    young = itm.simulate(one_failure(2.0, **keys), "break_fix", seed=0)
    assert_ledger(young, [labour(200.0)])


# --------------------------------------------------------------------------- flat fees


def fee_scenario(horizon: float | str, **flat: Any) -> itm.Scenario:
    data = minimal(
        horizon=horizon,
        users=5,
        fleet=[
            device(name="ws", count=3, lifetime=NEVER),
            device(name="srv", count=1, lifetime=NEVER, server=True),
        ],
    )
    data["contracts"]["flat_rate"] = flat
    return scenario(data)


@pytest.mark.parametrize(
    ("horizon", "months"),
    [("2.5mo", 3), ("3mo", 3), (3 * HOURS_PER_MONTH + 1, 4), ("1h", 1), ("1y", 12)],
)
def test_fees_billed_at_each_month_start(horizon: float | str, months: int) -> None:
    scn = fee_scenario(horizon, fee_per_device=40, fee_per_user=10, fee_per_server=100)
    run = itm.simulate(scn, "flat_rate", seed=0)
    monthly = 5 * 10 + 3 * 40 + 1 * 100
    assert_ledger(run, [fee(monthly, m) for m in range(months)])
    assert run.metrics["client_cash_cost"] == pytest.approx(months * monthly, rel=1e-12)
    assert itm.simulate(scn, "break_fix", seed=0).ledger.empty


def test_server_without_a_server_fee_pays_the_device_fee() -> None:
    run = itm.simulate(fee_scenario("1mo", fee_per_device=40, fee_per_user=10), "flat_rate", 0)
    assert_ledger(run, [fee(5 * 10 + 4 * 40, 0)])


def test_monitoring_tools_cost_per_watched_device_month() -> None:
    scn = fee_scenario("2mo", fee_per_device=40, monitoring={"detection_probability": 0.5,
                                                              "classes": ["ws"]})  # fmt: skip
    data = scn.model_dump(mode="json", exclude_none=True)
    data["provider"]["monitoring_tools_cost"] = 8
    run = itm.simulate(scenario(data), "flat_rate", seed=0)
    tools = [(m * HOURS_PER_MONTH, "provider", "vendor", "tools", 3 * 8.0) for m in range(2)]
    assert_ledger(run, [fee(160.0, 0), fee(160.0, 1), *tools])
    # break-fix monitors nothing and pays no tools
    assert itm.simulate(scenario(data), "break_fix", seed=0).ledger.empty


def test_flat_rate_onsite_excluded_bills_exact_onsite_hours() -> None:
    terms = {"onsite_included": False, "onsite_hourly_rate": 90}
    run = itm.simulate(one_failure(1.1, flat_rate=terms), "flat_rate", seed=0)
    assert_ledger(run, [fee(50.0, 0), labour(99.0)])
    remote = one_failure(1.1, flat_rate=terms, remote_fix_probability=1.0)
    assert_ledger(itm.simulate(remote, "flat_rate", seed=0), [fee(50.0, 0)])


def test_maintenance_is_done_after_hours_with_overtime_and_not_billed() -> None:
    data = minimal(horizon="2mo", business_hours=MON_FRI, fleet=[device(lifetime=NEVER)])
    data["provider"].update({"wage": 40, "overtime_premium": 0.5})
    data["contracts"]["flat_rate"]["maintenance"] = {
        "patching": {"every": "1mo", "work": const("1h")}
    }
    run = itm.simulate(scenario(data), "flat_rate", seed=0)
    # due at 0 (Monday 00:00, closed: start at once) and at 730.5 (Wednesday 10:30,
    # open: wait for closing at 18:00, t = 4 weeks + 66 h = 738)
    starts = [0.0, 4 * 168 + 66.0]
    wages = 40 * (1.0 + 0.5 * 1.0)
    assert_ledger(
        run,
        [fee(50.0, 0), fee(50.0, 1)] + [(t, "provider", "staff", "wages", wages) for t in starts],
    )
    assert run.visits["kind"].tolist() == ["maintenance", "maintenance"]
    assert run.visits["start"].tolist() == pytest.approx(starts, rel=1e-12)
    assert run.visits["after_hours"].all()
    assert run.metrics["user_downtime_hours"] == 0.0


def test_open_incident_at_the_horizon_is_counted_but_not_billed() -> None:
    run = itm.simulate(one_failure(10.0, horizon=105.0), "break_fix", seed=0)
    assert run.ledger.empty
    m = run.metrics
    assert m["incidents"] == 1
    assert math.isnan(m["mean_time_to_restore_hours"])
    assert m["device_downtime_hours"] == pytest.approx(5.0, rel=1e-12)
    assert m["mean_response_hours"] == 0.0


# --------------------------------------------------------------------------- SLA credits


def sla_contract(credits: list[dict[str, float]], cap: float = 1.0) -> FlatRate:
    data = minimal()
    data["contracts"]["flat_rate"]["sla"] = {
        "response": {"P3": "1h"},
        "credits": credits,
        "credit_cap": cap,
    }
    contract = make_contract(scenario(data), "flat_rate")
    assert isinstance(contract, FlatRate)
    return contract


BANDS = [{"breaches": 1, "share": 0.05}, {"breaches": 3, "share": 0.10},
         {"breaches": 5, "share": 0.15}]  # fmt: skip


@pytest.mark.parametrize(
    ("breaches", "cap", "share"),
    [(0, 1.0, 0.0), (1, 1.0, 0.05), (2, 1.0, 0.05), (3, 1.0, 0.10), (4, 1.0, 0.10),
     (5, 1.0, 0.15), (40, 1.0, 0.15), (5, 0.12, 0.12), (3, 0.12, 0.10), (1, 0.0, 0.0)],
)  # fmt: skip
def test_sla_credit_bands_and_cap(breaches: int, cap: float, share: float) -> None:
    contract = sla_contract(BANDS, cap)
    assert contract.sla_credit(breaches, 400.0) == pytest.approx(share * 400.0, rel=1e-12)


def test_sla_credit_bands_in_any_order_and_none() -> None:
    assert sla_contract(list(reversed(BANDS))).sla_credit(4, 100.0) == pytest.approx(10.0)
    assert sla_contract([]).sla_credit(7, 100.0) == 0.0
    # break-fix has no SLA
    assert make_contract(scenario(minimal()), "break_fix").sla_credit(7, 100.0) == 0.0


def two_simultaneous_failures(sla: dict[str, Any], business_hours: object) -> itm.Scenario:
    """Two devices fail at t = 100 h; one technician repairs each in 3 h."""
    data = minimal(
        horizon=150,
        business_hours=business_hours,
        fleet=[device(count=2, lifetime=const(T_FAIL), repair=const(3.0))],
    )
    data["contracts"]["flat_rate"]["sla"] = sla
    return scenario(data)


@pytest.mark.parametrize(("cap", "credit"), [(1.0, 5.0), (0.03, 3.0)])
def test_forced_sla_breach_end_to_end(cap: float, credit: float) -> None:
    sla = {"response": {"P3": "1h"}, "credits": BANDS, "credit_cap": cap}
    run = itm.simulate(two_simultaneous_failures(sla, "24/7"), "flat_rate", seed=0)
    # the second device waits 3 h for the technician: its 1 h target is missed
    assert run.incidents["sla_breached"].tolist() == [False, True]
    assert run.incidents["sla_deadline"].tolist() == pytest.approx([101.0, 101.0], rel=1e-12)
    assert run.metrics["sla_breaches"] == 1
    assert_ledger(run, [fee(100.0, 0), (0.0, "provider", "client", "sla_credit", credit)])
    assert run.metrics["client_cash_cost"] == pytest.approx(100.0 - credit, rel=1e-12)
    assert run.metrics["provider_revenue"] == pytest.approx(100.0 - credit, rel=1e-12)


def test_sla_deadline_in_business_hours() -> None:
    # t = 100 h is Friday 04:00: noticed at 08:00 (t = 104), targets count open hours
    sla = {"response": {"P3": "2h"}, "credits": [{"breaches": 1, "share": 0.5}]}
    run = itm.simulate(two_simultaneous_failures(sla, MON_FRI), "flat_rate", seed=0)
    inc = run.incidents
    assert inc["reported"].tolist() == [104.0, 104.0]
    assert inc["responded"].tolist() == [104.0, 107.0]
    assert inc["sla_deadline"].tolist() == [106.0, 106.0]
    assert inc["sla_breached"].tolist() == [False, True]
    assert_ledger(run, [fee(100.0, 0), (0.0, "provider", "client", "sla_credit", 50.0)])

    # a 12 h target from Friday 08:00 runs to Monday 10:00 (t = 168 + 10): no breach
    late = copy.deepcopy(sla) | {"response": {"P3": "12h"}}
    run = itm.simulate(two_simultaneous_failures(late, MON_FRI), "flat_rate", seed=0)
    assert run.incidents["sla_deadline"].tolist() == [178.0, 178.0]
    assert run.metrics["sla_breaches"] == 0
    assert_ledger(run, [fee(100.0, 0)])


def test_unanswered_incident_breaches_once_its_deadline_passes() -> None:
    # one technician busy 100 h with the first device: the second is never answered
    data = minimal(
        horizon=150, fleet=[device(count=2, lifetime=const(T_FAIL), repair=const(100.0))]
    )
    data["contracts"]["flat_rate"]["sla"] = {
        "response": {"P3": "4h"},
        "credits": [{"breaches": 1, "share": 0.25}],
    }
    run = itm.simulate(scenario(data), "flat_rate", seed=0)
    inc = run.incidents
    assert inc["responded"].isna().tolist() == [False, True]
    assert inc["sla_breached"].tolist() == [False, True]
    assert_ledger(run, [fee(100.0, 0), (0.0, "provider", "client", "sla_credit", 25.0)])

    # a deadline beyond the horizon is not (yet) a breach
    data["contracts"]["flat_rate"]["sla"]["response"] = {"P3": "60h"}
    run = itm.simulate(scenario(data), "flat_rate", seed=0)
    assert run.metrics["sla_breaches"] == 0
    assert_ledger(run, [fee(50.0 * 2, 0)])


def test_flat_rate_after_hours_work_costs_overtime_but_is_not_billed() -> None:
    data = minimal(horizon=40, fleet=[device(lifetime=const(EVENING), repair=const(1.1))])
    data["fleet"][0]["priority"] = "P1"
    data["contracts"]["flat_rate"]["after_hours_priorities"] = ["P1"]
    data["provider"].update(TECH_WEEK)
    run = itm.simulate(scenario(data), "flat_rate", seed=0)
    assert_ledger(
        run, [fee(50.0, 0), (EVENING, "provider", "staff", "wages", 40 * (1.1 + 0.5 * 1.1))]
    )
    assert run.visits["after_hours"].tolist() == [True]
    assert run.metrics["provider_margin"] == pytest.approx(50.0 - 66.0, rel=1e-12)


def test_visit_done_before_the_horizon_is_billed_with_its_drive_back() -> None:
    # fails at 100, drives 100-101, works 101-102.1, drives back 102.1-103.1: the work is
    # done before the horizon (102.5), so the visit is billed and paid in full, the drive
    # back included, although it ends after the horizon
    scn = one_failure(
        horizon=102.5,
        break_fix={"trip_charge": 40},
        provider={"wage": 30, "travel": const("1h"), "travel_cost": 5},
    )
    run = itm.simulate(scn, "break_fix", seed=0)
    assert run.visits["end"].tolist() == pytest.approx([103.1], rel=1e-12)
    assert run.incidents["restored"].tolist() == pytest.approx([102.1], rel=1e-12)
    assert_ledger(
        run,
        [
            labour(110.0),
            (T_FAIL, "client", "provider", "trip", 40.0),
            (T_FAIL, "provider", "staff", "wages", 30 * 3.1),
            (T_FAIL, "provider", "vendor", "travel", 5.0),
        ],
    )
    # a visit whose work is not done by the horizon is neither billed nor paid
    cut = itm.simulate(one_failure(horizon=102.0, provider={"travel": const("1h")}), "break_fix", 0)
    assert len(cut.visits) == 0 and (cut.ledger["category"] != "labour").all()
