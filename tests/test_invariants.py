"""Property-based invariants of the engine (hypothesis) over a small scenario space.

For both contracts and any scenario: the client pays exactly what the provider earns,
and both equal sums over the ledger computed here independently; no negative money or
time; downtime is bounded by the horizon; a seed fixes every number.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import itmodels as itm
from helpers import MON_FRI, NEVER, device, minimal, scenario
from itmodels.contracts.break_fix import billed_hours
from itmodels.money.ledger import CATEGORIES
from itmodels.scenario.units import HOURS_PER_MONTH

CONTRACTS = ("break_fix", "flat_rate")
PRIORITIES = ("P1", "P2", "P3", "P4")
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # fixed seeds: the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- strategies

probability = st.sampled_from([0.0, 0.3, 1.0]) | st.floats(0.0, 1.0)


@st.composite
def work_time(draw: st.DrawFn, low: float = 0.05, high: float = 6.0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["constant", "exponential", "lognormal", "uniform"]))
    a = draw(st.floats(low, high))
    if kind == "constant":
        return {"dist": "constant", "value": a}
    if kind == "exponential":
        return {"dist": "exponential", "mean": a}
    if kind == "lognormal":
        return {"dist": "lognormal", "median": a, "sigma": draw(st.floats(0.0, 1.2))}
    return {"dist": "uniform", "low": a, "high": a + draw(st.floats(0.01, high))}


@st.composite
def lifetime(draw: st.DrawFn) -> dict[str, Any]:
    """Continuous lifetimes, so that different replications see different failure times."""
    scale = draw(st.floats(100.0, 5_000.0))
    if draw(st.booleans()):
        return {"dist": "exponential", "mean": scale}
    return {"dist": "weibull", "shape": draw(st.floats(0.6, 3.5)), "scale": scale}


@st.composite
def device_class(draw: st.DrawFn, name: str, users: int, tills: bool) -> dict[str, Any]:
    d = device(
        name=name,
        count=draw(st.integers(1, 5) | st.just(0)),
        age=draw(st.sampled_from([0.0, 500.0, 8766.0, 3 * 8766.0])),
        lifetime=draw(lifetime()),
        users_affected=draw(st.sampled_from(["all", 0, *range(1, users + 1)])),
        repair=draw(work_time()),
        priority=draw(st.sampled_from(PRIORITIES)),
        productivity_loss=draw(probability),
        remote_fix_probability=draw(probability),
        server=draw(st.booleans()),
        after_repair=draw(st.sampled_from(["as_good_as_new", "as_bad_as_old"])),
    )
    if tills:
        d["revenue_share"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
    if draw(st.booleans()):
        d["parts_probability"] = draw(probability)
        d["parts_lead_time"] = draw(work_time(1.0, 96.0))
        d["parts_cost"] = draw(work_time(1.0, 400.0))
    if draw(st.booleans()):
        d["replacement_cost"] = draw(st.floats(100.0, 2000.0))
        d["beyond_repair_probability"] = draw(probability)
        d["replacement_lead_time"] = draw(work_time(1.0, 96.0))
        if draw(st.booleans()):
            d["max_age"] = draw(st.sampled_from(["2y", "4y"]))
    if draw(st.booleans()):
        d["warning"] = {
            "probability": draw(st.floats(0.3, 1.0)),
            "lead_time": draw(work_time(1.0, 500.0)),
        }
    return d


@st.composite
def incident_stream(draw: st.DrawFn, name: str, users: int) -> dict[str, Any]:
    shares = draw(st.lists(st.integers(0, 3), min_size=4, max_size=4).filter(any))
    mix = {p: s / sum(shares) for p, s in zip(PRIORITIES, shares, strict=True) if s}
    total = sum(mix.values())
    last = max(mix)
    mix[last] += 1.0 - total  # exact sum 1
    s: dict[str, Any] = {
        "name": name,
        "rate": draw(st.floats(0.1, 2.0) | st.just(0.0)),
        "per": draw(st.sampled_from(["user", "device", "office"])),
        "priority": mix,
        "users_affected": draw(st.sampled_from(["all", 0, *range(1, users + 1)])),
        "productivity_loss": draw(probability),
        "work": draw(work_time()),
        "remote_fix_probability": draw(probability),
    }
    if draw(st.booleans()):
        s["parts_probability"] = draw(probability)
        s["parts_lead_time"] = draw(work_time(1.0, 96.0))
        s["parts_cost"] = draw(work_time(1.0, 300.0))
    if draw(st.booleans()):
        s["neglect"] = {
            "growth_per_month": draw(st.floats(0.0, 0.5)),
            "max_multiplier": draw(st.floats(1.0, 4.0)),
            "initial_months": draw(st.floats(0.0, 24.0)),
            "reset_by": draw(
                st.sampled_from([["patching"], ["preventive"], ["patching", "preventive"]])
            ),
        }
    return s


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    users = draw(st.integers(1, 6))
    classes = draw(st.integers(1, 3))
    revenue = draw(st.sampled_from([0.0, 300.0]))
    fleet = [draw(device_class(f"class{i}", users, revenue > 0)) for i in range(classes)]
    data = minimal(
        horizon=draw(st.floats(1.0, 6.0)) * HOURS_PER_MONTH,
        users=users,
        technicians=draw(st.integers(1, 3)),
        fleet=fleet,
        business_hours=draw(st.sampled_from(["24/7", MON_FRI])),
    )
    data["client"]["revenue_per_hour_down"] = revenue
    data["incident_streams"] = [
        draw(incident_stream(f"stream{i}", users)) for i in range(draw(st.integers(0, 2)))
    ]
    provider = data["provider"]
    provider["wage"] = draw(st.sampled_from([0.0, 60.0]))
    provider["overtime_premium"] = draw(st.sampled_from([0.0, 0.5]))
    if draw(st.booleans()):
        provider["working_hours"] = draw(st.sampled_from(["24/7", MON_FRI]))
    if draw(st.booleans()):
        provider["travel"] = draw(work_time(0.1, 1.0))
        provider["travel_cost"] = draw(st.sampled_from([0.0, 15.0]))
    if draw(st.booleans()):
        provider["background_load"] = {
            "jobs_per_month": draw(st.floats(0.0, 150.0)),
            "work": draw(work_time(0.1, 3.0)),
            "priority": draw(st.sampled_from(PRIORITIES)),
            "contract_share": draw(probability),
        }
    provider["monitoring_tools_cost"] = draw(st.sampled_from([0.0, 8.0]))

    bf = data["contracts"]["break_fix"]
    if draw(st.booleans()):
        bf["hourly_rate"] = {"remote": 90.0, "onsite": 140.0}
    bf["minimum_billed"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    bf["billing_increment"] = draw(st.sampled_from([0.0, 0.25]))
    bf["trip_charge"] = draw(st.sampled_from([0.0, 50.0]))
    if draw(st.booleans()):
        bf["after_hours_multiplier"] = 1.5
        bf["after_hours_priorities"] = draw(st.sampled_from([["P1"], ["P1", "P2"]]))
    bf["parts_markup"] = draw(st.sampled_from([0.0, 0.15]))
    bf["hardware_markup"] = draw(st.sampled_from([0.0, 0.02]))
    if draw(st.booleans()):
        bf["deferral"] = {
            "priorities": draw(st.sampled_from([["P3", "P4"], ["P4"], ["P2", "P3"]])),
            "probability": draw(st.floats(0.3, 1.0)),
            "delay": draw(work_time(1.0, 300.0)),
            "escalation_probability": draw(st.floats(0.2, 1.0)),
            "escalate_to": draw(st.sampled_from(["P1", "P2"])),
            "escalation_work_multiplier": draw(st.sampled_from([1.0, 2.0])),
        }

    fr = data["contracts"]["flat_rate"]
    fr["fee_per_device"] = draw(st.sampled_from([0.0, 45.0]))
    fr["fee_per_user"] = draw(st.sampled_from([0.0, 20.0]))
    if draw(st.booleans()):
        fr["fee_per_server"] = 120.0
    if draw(st.booleans()):
        fr["onsite_included"] = False
        fr["onsite_hourly_rate"] = 100.0
    fr["parts_included"] = draw(st.booleans())
    fr["hardware_included"] = draw(st.booleans())
    fr["parts_markup"] = draw(st.sampled_from([0.0, 0.15]))
    fr["after_hours_priorities"] = draw(st.sampled_from([[], ["P1"]]))
    if draw(st.booleans()):
        mon: dict[str, Any] = {"detection_probability": draw(st.floats(0.2, 1.0))}
        if draw(st.booleans()):
            mon["classes"] = [fleet[0]["name"]]
        if draw(st.booleans()):
            mon["false_alarms_per_device_month"] = draw(st.floats(0.0, 2.0))
            mon["false_alarm_work"] = draw(work_time(0.05, 1.0))
        fr["monitoring"] = mon
    if draw(st.booleans()):
        fr["maintenance"] = {
            "patching": {"every": "1mo", "work": draw(work_time(0.1, 2.0))},
            "preventive": {"every": draw(st.sampled_from(["2w", "3mo"])), "work": "2h"},
        }
    if draw(st.booleans()):
        fr["sla"] = {
            "response": {p: draw(st.floats(0.05, 12.0)) for p in PRIORITIES},
            "around_the_clock": draw(st.sampled_from([[], ["P1"]])),
            "credits": [{"breaches": 1, "share": 0.05}, {"breaches": 3, "share": 0.2}],
            "credit_cap": draw(st.sampled_from([0.1, 1.0])),
        }
    return data


# --------------------------------------------------------------------------- checks


def check_ledger(run: itm.Run) -> None:
    led = run.ledger
    m = run.metrics
    scn = run.scenario
    amount = led["amount"].to_numpy()
    assert np.isfinite(amount).all() and (amount > 0).all()
    assert set(led["category"]) <= set(CATEGORIES)
    assert ((led["time"] >= 0) & (led["time"] <= scn.horizon)).all()
    assert (led["month"] == np.floor(led["time"] / HOURS_PER_MONTH)).all()
    client_pays = led["payer"] == "client"
    refunds = (led["payer"] == "provider") & (led["payee"] == "client")
    to_others = (led["payer"] == "provider") & (led["payee"] != "client")
    # the client pays only the provider (hardware and parts are bought through it)
    assert (led.loc[client_pays, "payee"] == "provider").all()
    assert set(led["payer"]) <= {"client", "provider"}
    cash = led.loc[client_pays, "amount"].sum() - led.loc[refunds, "amount"].sum()
    cost = led.loc[to_others, "amount"].sum()
    tol = {"rel": 1e-9, "abs": 1e-6}
    assert m["client_cash_cost"] == pytest.approx(m["provider_revenue"], **tol)
    assert m["client_cash_cost"] == pytest.approx(cash, **tol)
    assert m["provider_revenue"] == pytest.approx(cash, **tol)
    assert m["provider_cost"] == pytest.approx(cost, **tol)
    assert m["provider_margin"] == pytest.approx(cash - cost, **tol)
    assert m["client_total_cost"] == pytest.approx(cash + m["downtime_cost"], **tol)
    if run.contract == "break_fix":
        assert "fee" not in set(led["category"])
        assert "sla_credit" not in set(led["category"])
    else:
        fees = led[led["category"] == "fee"]
        if len(fees):
            months = math.ceil(scn.horizon / HOURS_PER_MONTH - 1e-9)
            assert len(fees) == months
            assert fees["amount"].nunique() == 1
        credits = led.loc[refunds, "amount"].groupby(led["month"]).sum()
        fee_by_month = fees.set_index("month")["amount"]
        for month, credit in credits.items():
            assert credit <= fee_by_month.get(month, 0.0) + 1e-9  # capped at the fee


def numeric(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with ``columns`` as float (an empty run's frames are checked for their
    dtypes separately, in :func:`test_frames_keep_their_dtypes_when_empty`)."""
    return frame.astype(dict.fromkeys(columns, float))


TIME_COLUMNS = ("occurred", "reported", "responded", "restored", "escalated_at")
VISIT_NUMBERS = ("start", "end", "work_hours", "travel_hours", "overtime_hours")


def check_times(run: itm.Run) -> None:
    scn = run.scenario
    inc = numeric(run.incidents, TIME_COLUMNS)
    vis = numeric(run.visits, VISIT_NUMBERS)
    horizon = scn.horizon
    prevented = inc["kind"] == "prevented"
    assert set(inc["kind"]) <= {"hardware", "incident", "prevented"}
    real = inc[~prevented]
    assert real["occurred"].notna().all()
    assert ((real["occurred"] >= 0) & (real["occurred"] < horizon)).all()
    assert inc.loc[prevented, "occurred"].isna().all()
    pairs = [("occurred", "reported"), ("reported", "responded"), ("responded", "restored")]
    for a, b in pairs:
        both = inc[a].notna() & inc[b].notna()
        assert (inc.loc[both, b] >= inc.loc[both, a] - 1e-9).all(), (a, b)
    # restored implies responded implies reported
    assert inc.loc[inc["restored"].notna(), "responded"].notna().all()
    assert inc.loc[inc["responded"].notna(), "reported"].notna().all()
    assert (inc["restored"].dropna() <= horizon + 1e-9).all()
    esc = inc[inc["escalated"]]
    assert (esc["escalated_at"] >= esc["occurred"] - 1e-9).all()
    assert esc["deferred"].all()
    if run.contract == "flat_rate":
        assert not inc["deferred"].any()
    assert set(inc["priority"]) <= set(PRIORITIES)
    assert ((inc["users_affected"] >= 0) & (inc["users_affected"] <= scn.client.users)).all()

    assert (vis["end"] >= vis["start"]).all()
    assert ((vis["start"] >= 0) & (vis["start"] <= horizon)).all()
    assert (vis["work_hours"] >= 0).all() and (vis["travel_hours"] >= 0).all()
    span = vis["end"] - vis["start"]
    assert np.allclose(span, vis["work_hours"] + vis["travel_hours"], rtol=1e-9, atol=1e-9)
    assert ((vis["overtime_hours"] >= 0) & (vis["overtime_hours"] <= span + 1e-9)).all()
    assert (vis.loc[~vis["onsite"], "travel_hours"] == 0).all()


def check_metrics(run: itm.Run) -> None:
    m, scn = run.metrics, run.scenario
    inc = numeric(run.incidents, TIME_COLUMNS)
    horizon, users, devices = scn.horizon, scn.client.users, scn.device_count
    real = inc[inc["kind"] != "prevented"]
    n = len(real)
    assert m["incidents"] == n
    assert m["hardware_failures"] == (real["kind"] == "hardware").sum()
    assert m["failures_prevented"] == (inc["kind"] == "prevented").sum()
    assert m["sla_breaches"] == real["sla_breached"].sum() <= n
    for name in ("device_downtime_hours", "user_downtime_hours", "downtime_cost",
                 "technician_hours", "provider_cost"):  # fmt: skip
        assert m[name] >= 0, name
    assert m["device_downtime_hours"] <= horizon * devices + 1e-6
    assert m["user_downtime_hours"] <= horizon * users * n + 1e-6
    if n == 0:
        assert m["user_downtime_hours"] == 0 and m["device_downtime_hours"] == 0
    vis = numeric(run.visits, VISIT_NUMBERS)
    assert m["technician_hours"] == pytest.approx((vis["end"] - vis["start"]).sum(), abs=1e-6)
    for name in ("mean_response_hours", "mean_time_to_restore_hours"):
        assert math.isnan(m[name]) or m[name] >= 0, name
    restored = real[real["restored"].notna()]
    if len(restored):
        mttr = (restored["restored"] - restored["occurred"]).mean()
        assert m["mean_time_to_restore_hours"] == pytest.approx(mttr, rel=1e-9, abs=1e-9)
    else:
        assert math.isnan(m["mean_time_to_restore_hours"])
    hw = real[real["kind"] == "hardware"]
    down = (hw["restored"].fillna(horizon).clip(upper=horizon) - hw["occurred"]).sum()
    assert m["device_downtime_hours"] == pytest.approx(down, rel=1e-9, abs=1e-6)


def shipped(horizon: str, business_hours: object | None = None) -> dict[str, Any]:
    """The shipped small-office scenario (every mechanism on), shortened."""
    data = itm.load_scenario("small-office").model_dump(mode="json", exclude_none=True)
    data["horizon"] = horizon
    if business_hours is not None:
        data["client"]["business_hours"] = business_hours
    return data


def _contract_terms(run: itm.Run) -> Any:
    return getattr(run.scenario.contracts, run.contract)


def monthly_fee(scn: itm.Scenario) -> float:
    """The flat-rate fee, from the scenario alone."""
    t = scn.contracts.flat_rate
    assert t is not None
    fee = t.fee_per_user * scn.client.users
    for d in scn.fleet:
        per = t.fee_per_server if d.server and t.fee_per_server is not None else t.fee_per_device
        fee += d.count * per
    return fee


def monitored_classes(run: itm.Run) -> set[str]:
    if run.contract != "flat_rate":
        return set()
    mon = run.scenario.contracts.flat_rate.monitoring
    if mon is None:
        return set()
    names = {d.name for d in run.scenario.fleet}
    return names if mon.classes is None else set(mon.classes)


def may_work_after_hours(run: itm.Run, priority: str) -> bool:
    terms = _contract_terms(run)
    if run.contract == "break_fix":
        return terms.after_hours_multiplier is not None and priority in terms.after_hours_priorities
    clock = terms.sla.around_the_clock if terms.sla is not None else []
    return priority in terms.after_hours_priorities or priority in clock


def expected_ledger(run: itm.Run) -> list[tuple[str, str, str, int, float, float]]:
    """Every ledger row except parts and hardware, rebuilt from the visit log, the
    incident log and the scenario: ``(category, payer, payee, incident, time, amount)``."""
    scn, terms = run.scenario, _contract_terms(run)
    tech = scn.technician_hours
    prov = scn.provider
    rows: list[tuple[str, str, str, int, float, float]] = []

    def add(cat: str, payer: str, payee: str, ident: int, t: float, amount: float) -> None:
        if amount != 0:
            rows.append((cat, payer, payee, ident, t, amount))

    vis = numeric(run.visits, VISIT_NUMBERS)
    for v in vis.itertuples(index=False):
        ident, start, end = int(v.incident_id), float(v.start), float(v.end)
        after = not tech.always_open and not tech.is_open(start)
        overtime = (
            0.0 if tech.always_open else max(end - start - tech.open_hours_between(start, end), 0.0)
        )
        assert bool(v.after_hours) == after
        assert v.overtime_hours == pytest.approx(overtime, abs=1e-9)
        if v.kind == "repair" and run.contract == "break_fix":
            rate = terms.hourly_rate.onsite if v.onsite else terms.hourly_rate.remote
            if after and terms.after_hours_multiplier is not None:
                rate *= terms.after_hours_multiplier
            hours = billed_hours(float(v.work_hours), terms.minimum_billed, terms.billing_increment)
            add("labour", "client", "provider", ident, start, hours * rate)
            if v.onsite:
                add("trip", "client", "provider", ident, start, terms.trip_charge)
        onsite_extra = run.contract == "flat_rate" and not terms.onsite_included
        if v.kind == "repair" and v.onsite and onsite_extra:
            labour = v.work_hours * terms.onsite_hourly_rate
            add("labour", "client", "provider", ident, start, labour)
        add(
            "wages",
            "provider",
            "staff",
            ident,
            start,
            prov.wage * ((end - start) + prov.overtime_premium * overtime),
        )
        if v.travel_hours > 0:
            add("travel", "provider", "vendor", ident, start, prov.travel_cost)

    if run.contract == "flat_rate":
        n_months = max(math.ceil(scn.horizon / HOURS_PER_MONTH - 1e-9), 1)
        fee = monthly_fee(scn)
        watched = sum(d.count for d in scn.fleet if d.name in monitored_classes(run))
        tools = prov.monitoring_tools_cost * watched if terms.monitoring is not None else 0.0
        breaches = [0] * n_months
        sla = terms.sla
        if sla is not None:
            inc = numeric(run.incidents, (*TIME_COLUMNS, "sla_deadline"))
            for i in inc.itertuples(index=False):
                target = sla.response.get(i.priority)
                if i.kind == "prevented" or target is None or math.isnan(i.reported):
                    assert not i.sla_breached
                    continue
                if i.priority in sla.around_the_clock:
                    deadline = i.reported + target
                else:
                    deadline = scn.client.business_hours.add_open_hours(i.reported, target)
                assert i.sla_deadline == pytest.approx(deadline, rel=1e-12)
                late = (
                    i.responded > deadline + 1e-9
                    if not math.isnan(i.responded)
                    else deadline < scn.horizon
                )
                assert bool(i.sla_breached) == late
                if late:
                    breaches[min(int(deadline // HOURS_PER_MONTH), n_months - 1)] += 1
        for m in range(n_months):
            t = m * HOURS_PER_MONTH
            add("fee", "client", "provider", -1, t, fee)
            add("tools", "provider", "vendor", -1, t, tools)
            if sla is not None and breaches[m]:
                bands = [b.share for b in sla.credits if breaches[m] >= b.breaches]
                share = min(max(bands, default=0.0), sla.credit_cap)
                add("sla_credit", "provider", "client", -1, t, share * fee)
    return rows


def check_ledger_rebuilt(run: itm.Run) -> None:
    """The ledger is exactly what the visits, orders and months call for."""
    led = run.ledger
    ids = led["incident_id"].fillna(-1).astype(int)
    actual = [
        (str(c), str(p), str(q), int(i), float(t), float(a))
        for c, p, q, i, t, a in zip(
            led.category, led.payer, led.payee, ids, led.time, led.amount, strict=True
        )
        if c not in ("parts", "hardware")
    ]
    want = expected_ledger(run)

    def order(r: tuple[str, str, str, int, float, float]) -> tuple[object, ...]:
        return (r[0], r[1], r[2], r[3], round(r[4], 6), r[5])

    actual.sort(key=order)
    want.sort(key=order)
    assert [r[:4] for r in actual] == [r[:4] for r in want]
    for got, exp in zip(actual, want, strict=True):
        assert got[4] == pytest.approx(exp[4], rel=1e-12, abs=1e-9), (got, exp)
        assert got[5] == pytest.approx(exp[5], rel=1e-9), (got, exp)

    # orders: the provider buys, the client pays the contract's price for it
    terms = _contract_terms(run)
    inc = run.incidents.set_index("incident_id")
    orders = led[led["category"].isin(["parts", "hardware"])]
    for (ident, cat), group in orders.groupby(["incident_id", "category"]):
        bought = group[group["payer"] == "provider"]
        assert len(bought) == 1 and (bought["payee"] == "supplier").all()
        cost = float(bought["amount"].iloc[0])
        if cat == "parts":
            assert inc.loc[ident, "parts"]
            included = run.contract == "flat_rate" and terms.parts_included
            price = 0.0 if included else cost * (1 + terms.parts_markup)
        else:
            assert inc.loc[ident, "replaced"]
            included = run.contract == "flat_rate" and terms.hardware_included
            price = 0.0 if included else cost * (1 + terms.hardware_markup)
        sold = group.loc[group["payer"] == "client", "amount"]
        assert sold.sum() == pytest.approx(price, rel=1e-12)
        assert len(sold) == (price > 0)


def check_service_rules(run: itm.Run) -> None:
    """Reports in business hours unless monitored; after-hours work only where allowed."""
    scn = run.scenario
    inc = numeric(run.incidents, TIME_COLUMNS)
    client = scn.client.business_hours
    watched = monitored_classes(run)
    for i in inc.itertuples(index=False):
        if i.kind == "prevented" or math.isnan(i.reported):
            continue
        monitored = i.kind == "hardware" and i.source in watched
        if monitored or client.always_open:
            if not i.deferred:
                assert i.reported == i.occurred
        else:
            assert client.is_open(i.reported), (i.incident_id, i.reported)
    priority = dict(zip(inc["incident_id"], inc["priority"], strict=True))
    vis = numeric(run.visits, VISIT_NUMBERS)
    for v in vis[vis["after_hours"]].itertuples(index=False):
        assert v.kind != "false_alarm"
        if v.kind == "repair":
            assert may_work_after_hours(run, priority[v.incident_id]), v


def check_downtime(run: itm.Run) -> None:
    """User downtime and downtime cost, rebuilt from the incident log."""
    scn, m = run.scenario, run.metrics
    client = scn.client
    hours = client.business_hours
    inc = numeric(run.incidents, (*TIME_COLUMNS, "productivity_loss", "escalated_loss"))
    user_down, office, till = 0.0, [], 0.0
    everyone: list[tuple[float, float, float]] = []
    share = {d.name: d.revenue_share for d in scn.fleet}
    for i in inc[inc["kind"] != "prevented"].itertuples(index=False):
        end = min(i.restored, scn.horizon) if not math.isnan(i.restored) else scn.horizon
        if i.kind == "hardware":
            # a till loses its share of the revenue while down (documented as summed per
            # device, not netted against whole-office outages)
            till += share[i.source] * hours.open_hours_between(i.occurred, end)
        phases = [(i.occurred, end, i.productivity_loss)]
        if i.escalated and i.escalated_at < end:
            phases = [(i.occurred, i.escalated_at, i.productivity_loss),
                      (i.escalated_at, end, i.escalated_loss)]  # fmt: skip
        for a, b, loss in phases:
            if b > a and loss > 0 and i.users_affected > 0:
                user_down += i.users_affected * loss * hours.open_hours_between(a, b)
                if i.users_affected >= client.users:
                    everyone.append((a, b, loss))
                if i.users_affected >= client.users and loss >= 1:
                    office.append((a, b))
    # overlapping office-wide losses stop at everyone's whole time
    cuts = sorted({t for a, b, _ in everyone for t in (a, b)})
    for a, b in itertools.pairwise(cuts):
        level = sum(loss for s, e, loss in everyone if s <= a and e >= b)
        if level > 1.0 + 1e-12:
            user_down -= client.users * (level - 1.0) * hours.open_hours_between(a, b)
    merged: list[list[float]] = []
    for a, b in sorted(office):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    office_hours = sum(hours.open_hours_between(a, b) for a, b in merged)
    lost = client.revenue_per_hour_down * (office_hours + till)
    assert m["user_downtime_hours"] == pytest.approx(user_down, rel=1e-9, abs=1e-9)
    cost = user_down * client.user_hour_value + lost
    assert m["downtime_cost"] == pytest.approx(cost, rel=1e-9, abs=1e-6)


@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
@example(data=shipped("6mo"), seed=7)
@example(data=shipped("4mo", "24/7"), seed=8)
def test_invariants_hold_for_both_contracts(data: dict[str, Any], seed: int) -> None:
    scn = scenario(data)
    for contract in CONTRACTS:
        run = itm.simulate(scn, contract, seed=seed)
        check_ledger(run)
        check_ledger_rebuilt(run)
        check_times(run)
        check_metrics(run)
        check_service_rules(run)
        check_downtime(run)

        again = itm.simulate(scenario(copy.deepcopy(data)), contract, seed=seed)
        pd.testing.assert_series_equal(run.metrics, again.metrics)  # NaN == NaN here
        pd.testing.assert_frame_equal(run.ledger, again.ledger)
        pd.testing.assert_frame_equal(run.incidents, again.incidents)

        other = itm.simulate(scn, contract, seed=seed, replication=1)
        check_ledger(other)
        times = [
            r.incidents.loc[r.incidents["kind"] != "prevented", "occurred"] for r in (run, other)
        ]
        if len(times[0]) or len(times[1]):
            # continuous lifetimes and Poisson streams: another replication, other luck
            assert sorted(times[0]) != sorted(times[1])


def test_replications_differ_and_seeds_repeat() -> None:
    data = minimal(
        horizon="3mo",
        users=4,
        technicians=2,
        fleet=[device(count=6, lifetime={"dist": "weibull", "shape": 1.5, "scale": "400h"},
                      repair={"dist": "lognormal", "median": "2h", "sigma": 0.6})],
    )  # fmt: skip
    scn = scenario(data)
    for contract in CONTRACTS:
        metrics = [itm.simulate(scn, contract, 3, replication=r).metrics for r in range(5)]
        frame = pd.DataFrame(metrics)
        for name in ("device_downtime_hours", "mean_time_to_restore_hours", "technician_hours"):
            assert frame[name].nunique() == 5, name
        seeds = [itm.simulate(scn, contract, s).metrics["device_downtime_hours"] for s in (3, 4)]
        assert seeds[0] != seeds[1]
        again = itm.simulate(scn, contract, 3, replication=2).metrics
        pd.testing.assert_series_equal(metrics[2], again)


def test_device_cannot_stop_more_users_than_the_client_has() -> None:
    """A failure that stops 5 of 2 users would break user_downtime <= horizon*users*n.

    Incident streams are validated against ``client.users``; device classes must be too.
    """
    data = minimal(users=2, fleet=[device(users_affected=5)])
    with pytest.raises(ValueError, match="users"):
        scenario(data)


def test_frames_keep_their_dtypes_when_empty() -> None:
    """A run without incidents or visits has the same column dtypes as any other run."""
    busy = itm.simulate(scenario(minimal(horizon=1000)), "break_fix", seed=0)
    quiet_scn = scenario(minimal(horizon=10, fleet=[device(lifetime=NEVER)]))
    quiet = itm.simulate(quiet_scn, "break_fix", seed=0)
    assert len(busy.incidents) and len(busy.visits)
    assert quiet.incidents.empty and quiet.visits.empty and quiet.ledger.empty
    for frame in ("incidents", "visits", "ledger"):
        want = getattr(busy, frame).dtypes.to_dict()
        got = getattr(quiet, frame).dtypes.to_dict()
        assert got == want, frame
