"""Each mechanism, switched on, moves its metric the right way.

Comparisons are paired: both sides of a pair run the same seed and replication
(common random numbers), and the assertion is on the one-sided 95 % confidence bound
of the mean paired difference over the replications.  Where common random numbers make
the two sides identical by construction, the test asserts exact equality instead.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from helpers import (
    MON_FRI,
    NEVER,
    Interval,
    device,
    metric,
    minimal,
    paired_interval,
    scenario,
    stream,
)

SEED = 20240601
REPS = 8


def const(hours: float | str) -> dict[str, Any]:
    return {"dist": "constant", "value": hours}


def office(
    *,
    count: int = 8,
    mean_life: str = "300h",
    repair: object = None,
    technicians: int = 1,
    horizon: str = "6mo",
    users: int = 8,
    business_hours: object = "24/7",
    **device_keys: Any,
) -> dict[str, Any]:
    """A small office whose devices fail often enough to measure within a few months."""
    fleet = [
        device(
            count=count,
            lifetime={"dist": "exponential", "mean": mean_life},
            repair=repair or {"dist": "lognormal", "median": "2h", "sigma": 0.5},
            **device_keys,
        )
    ]
    return minimal(
        horizon=horizon,
        users=users,
        technicians=technicians,
        fleet=fleet,
        business_hours=business_hours,
    )


def with_changes(data: dict[str, Any], changes: dict[str, Any]) -> itm.Scenario:
    """``data`` with dotted keys set (lists addressed by index), validated."""
    data = copy.deepcopy(data)
    for key, value in changes.items():
        node: Any = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        node[parts[-1]] = value
    return scenario(data)


def assert_increases(
    low: itm.Scenario,
    high: itm.Scenario,
    fn: Any,
    contract: str = "break_fix",
    high_contract: str | None = None,
    reps: int = REPS,
) -> None:
    """``fn`` is larger under ``high`` than under ``low``: paired lower 95 % bound > 0."""
    diff = paired_interval(high, high_contract or contract, low, contract, fn, seed=SEED, reps=reps)
    assert diff.mean > 0 and diff.one_sided_low() > 0, diff


def p1_restore(run: itm.Run) -> float:
    inc = run.incidents
    done = inc[(inc["priority"] == "P1") & inc["restored"].notna()]
    return float((done["restored"] - done["occurred"]).mean())


# --------------------------------------------------------------------------- monitoring


def test_monitoring_prevents_failures() -> None:
    base = office(
        count=10,
        warning={
            "probability": 1.0,
            "lead_time": {"dist": "lognormal", "median": "1w", "sigma": 0.5},
        },
    )
    base["fleet"][0]["lifetime"] = {"dist": "weibull", "shape": 1.5, "scale": "1500h"}
    base["horizon"] = "1y"
    plain = scenario(base)
    watched = with_changes(base, {"contracts.flat_rate.monitoring": {"detection_probability": 0.8}})
    prevented = [
        itm.simulate(watched, "flat_rate", SEED, replication=r).metrics["failures_prevented"]
        for r in range(REPS)
    ]
    assert min(prevented) > 0
    assert_increases(watched, plain, metric("hardware_failures"), contract="flat_rate")
    assert_increases(watched, plain, metric("device_downtime_hours"), contract="flat_rate")
    run = itm.simulate(watched, "flat_rate", SEED)
    kinds = run.incidents["kind"]
    assert (kinds == "prevented").sum() == run.metrics["failures_prevented"]
    assert run.incidents.loc[kinds == "prevented", "detected"].all()


def test_warning_without_monitoring_changes_nothing() -> None:
    base = office()
    warned = with_changes(base, {"fleet.0.warning": {"probability": 1.0, "lead_time": const("1w")}})
    plain = scenario(base)
    for contract in ("break_fix", "flat_rate"):
        for r in range(3):
            a = itm.simulate(plain, contract, SEED, replication=r)
            b = itm.simulate(warned, contract, SEED, replication=r)
            assert a.metrics["incidents"] > 0
            pd.testing.assert_series_equal(a.metrics, b.metrics)
            pd.testing.assert_frame_equal(a.incidents, b.incidents)
            pd.testing.assert_frame_equal(a.ledger, b.ledger)


# --------------------------------------------------------------------------- service times


def test_travel_lengthens_time_to_restore() -> None:
    base = office()
    travelling = with_changes(base, {"provider.travel": const("1h")})
    assert_increases(scenario(base), travelling, metric("mean_time_to_restore_hours"))


def test_parts_lead_time_lengthens_time_to_restore() -> None:
    base = office(parts_probability=0.5, parts_lead_time=const("4h"))
    slow = with_changes(base, {"fleet.0.parts_lead_time": const("3d")})
    assert_increases(scenario(base), slow, metric("mean_time_to_restore_hours"))


def test_more_technicians_shorten_response() -> None:
    base = office(count=12, mean_life="60h", technicians=1)
    more = with_changes(base, {"provider.technicians": 3})
    assert_increases(more, scenario(base), metric("mean_response_hours"))


def test_background_load_lengthens_response() -> None:
    base = office(technicians=2)
    loaded = with_changes(
        base,
        {"provider.background_load": {"jobs_per_month": 600, "work": const("1h")}},
    )
    assert_increases(scenario(base), loaded, metric("mean_response_hours"))


def test_contract_clients_are_served_before_pay_per_call_work() -> None:
    """Other clients' pay-per-call jobs queue behind flat-rate work, level with break-fix."""
    base = office(technicians=1)
    base["provider"]["background_load"] = {
        "jobs_per_month": 400,
        "work": const("1h"),
        "contract_share": 0.0,
    }
    scn = scenario(base)
    assert_increases(
        scn, scn, metric("mean_response_hours"), contract="flat_rate", high_contract="break_fix"
    )
    # with other contract clients' jobs, flat-rate queues level and break-fix behind
    share_one = with_changes(base, {"provider.background_load.contract_share": 1.0})
    assert_increases(
        share_one,
        share_one,
        metric("mean_response_hours"),
        contract="flat_rate",
        high_contract="break_fix",
    )
    # and flat-rate gains from the other jobs being pay-per-call
    assert_increases(scn, share_one, metric("mean_response_hours"), contract="flat_rate")


def test_priority_dispatch_serves_p1_first() -> None:
    """Higher priority first: a P1 class waits less than a P3 class on the same technician."""
    base = office(count=6, mean_life="40h")
    base["fleet"].append(copy.deepcopy(base["fleet"][0]) | {"name": "server", "priority": "P1"})

    def wait_gap(run: itm.Run) -> float:
        inc = run.incidents
        wait = inc["responded"] - inc["reported"]
        return float(wait[inc["priority"] == "P3"].mean() - wait[inc["priority"] == "P1"].mean())

    scn = scenario(base)
    gaps = Interval(
        [wait_gap(itm.simulate(scn, "break_fix", SEED, replication=r)) for r in range(REPS)],
        0.95,
    )
    assert gaps.one_sided_low() > 0, gaps


# --------------------------------------------------------------------------- streams


NEGLECT = {"growth_per_month": 0.3, "max_multiplier": 3.0}


def stream_office(**stream_keys: Any) -> dict[str, Any]:
    data = minimal(horizon="1y", users=6, fleet=[device(lifetime=NEVER)])
    data["incident_streams"] = [stream(rate=1.0, **stream_keys)]
    return data


def test_neglect_raises_incident_count() -> None:
    none = scenario(stream_office())
    neglected = scenario(stream_office(neglect=NEGLECT))
    assert_increases(none, neglected, metric("incidents"))


def test_patching_lowers_incidents_of_a_neglected_stream() -> None:
    data = stream_office(neglect=NEGLECT)
    unpatched = scenario(data)
    patched = with_changes(
        data, {"contracts.flat_rate.maintenance": {"patching": {"every": "1mo", "work": "1h"}}}
    )
    assert_increases(patched, unpatched, metric("incidents"), contract="flat_rate")
    # thinning with common random numbers: the patched client's incidents are a subset
    for r in range(3):
        a = itm.simulate(patched, "flat_rate", SEED, replication=r).incidents
        b = itm.simulate(unpatched, "flat_rate", SEED, replication=r).incidents
        assert set(a["occurred"]) < set(b["occurred"])


def test_deferral_escalates_and_raises_user_downtime() -> None:
    data = stream_office()
    data["incident_streams"][0]["rate"] = 2.0
    data["incident_streams"][0]["productivity_loss"] = {"P3": 0.3, "P2": 0.8}
    data["horizon"] = "6mo"
    deferral = {
        "priorities": ["P3"],
        "probability": 0.6,
        "delay": {"dist": "lognormal", "median": "3d", "sigma": 0.5},
        "escalation_probability": 0.3,
        "escalate_to": "P2",
        "escalation_work_multiplier": 2.0,
    }
    deferring = with_changes(data, {"contracts.break_fix.deferral": deferral})
    prompt = scenario(data)

    def escalated(run: itm.Run) -> float:
        return float(run.incidents["escalated"].sum())

    assert_increases(prompt, deferring, escalated)
    assert_increases(prompt, deferring, metric("user_downtime_hours"))
    assert_increases(prompt, deferring, metric("mean_time_to_restore_hours"))

    run = itm.simulate(deferring, "break_fix", SEED)
    inc = run.incidents
    esc = inc[inc["escalated"] & inc["restored"].notna()]
    assert len(esc) > 0
    assert (esc["priority"] == "P2").all() and esc["deferred"].all()
    assert (esc["escalated_loss"] == 0.8).all()
    assert (esc["escalated_at"] >= esc["occurred"]).all()
    assert (esc["reported"] >= esc["escalated_at"]).all()
    # an escalated problem takes twice the (constant 1 h) work
    visits = run.visits.set_index("incident_id")
    assert visits.loc[esc["incident_id"], "work_hours"].tolist() == pytest.approx(
        [2.0] * len(esc), rel=1e-12
    )
    # a flat-rate client never defers: the terms are break-fix only
    flat = itm.simulate(deferring, "flat_rate", SEED).incidents
    assert not flat["deferred"].any() and not flat["escalated"].any()


# --------------------------------------------------------------------------- SLA, money


def test_sla_breaches_counted_when_targets_are_tight() -> None:
    base = office(count=10, mean_life="100h")
    tight = with_changes(
        base,
        {
            "contracts.flat_rate.sla": {
                "response": {"P3": "15min"},
                "credits": [{"breaches": 1, "share": 0.1}],
            }
        },
    )
    loose = with_changes(base, {"contracts.flat_rate.sla": {"response": {"P3": "1000h"}}})
    assert_increases(loose, tight, metric("sla_breaches"), contract="flat_rate")
    for r in range(3):
        a = itm.simulate(tight, "flat_rate", SEED, replication=r)
        b = itm.simulate(loose, "flat_rate", SEED, replication=r)
        assert b.metrics["sla_breaches"] == 0
        # the SLA does not change dispatch: the same responses either way
        pd.testing.assert_series_equal(a.incidents["responded"], b.incidents["responded"])
        inc = a.incidents
        late = (inc["responded"] - inc["reported"] > 0.25 + 1e-9) | (
            inc["responded"].isna() & (inc["reported"] + 0.25 < a.scenario.horizon)
        )
        assert inc["sla_breached"].tolist() == late.tolist()
        credits = a.ledger[a.ledger["category"] == "sla_credit"]
        assert (
            len(credits) == inc.loc[inc["sla_breached"], "sla_deadline"].floordiv(730.5).nunique()
        )


def _office_down_hours(run: itm.Run) -> float:
    """Union of [occurred, restored) over office-wide outages, clipped at the horizon."""
    inc = run.incidents
    horizon = run.scenario.horizon
    spans = sorted(
        (a, min(b, horizon) if not math.isnan(b) else horizon)
        for a, b in zip(inc["occurred"], inc["restored"], strict=True)
    )
    total, cur_a, cur_b = 0.0, None, None
    for a, b in spans:
        if cur_b is None or a > cur_b:
            total += 0.0 if cur_b is None else cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    return total + (0.0 if cur_b is None else cur_b - cur_a)


def test_overlapping_office_wide_losses_stop_at_everyones_time() -> None:
    # four users; the router (everyone, all work) is down 10-14, the file server
    # (everyone, 60 % of their work) 12-16: from 12 to 14 each user loses all of their
    # time, not 160 % of it
    fleet = [
        device(name="router", users_affected="all", lifetime=const(10.0), repair=const(4.0)),
        device(
            name="server",
            users_affected="all",
            productivity_loss=0.6,
            lifetime=const(12.0),
            repair=const(4.0),
        ),
    ]
    run = itm.simulate(scenario(minimal(horizon=20, users=4, technicians=2, fleet=fleet)),
                       "break_fix", seed=0)  # fmt: skip
    assert by_source(run, "restored") == {"router": 14.0, "server": 16.0}
    # 4 x (1.0 x 4 h) + 4 x (0.6 x 4 h) - 4 x (0.6 x 2 h) of the overlap
    assert run.metrics["user_downtime_hours"] == pytest.approx(20.8, rel=1e-12)
    assert run.metrics["downtime_cost"] == pytest.approx(20.8 * 50, rel=1e-12)


@pytest.mark.parametrize(
    ("users_affected", "loss", "counts"),
    [("all", 1.0, True), (3, 1.0, True), (2, 1.0, False), ("all", 0.5, False)],
)
def test_revenue_lost_only_while_the_whole_office_is_down(
    users_affected: object, loss: float, counts: bool
) -> None:
    base = office(count=3, users=3, technicians=1, users_affected=users_affected)
    base["fleet"][0]["productivity_loss"] = loss
    with_revenue = with_changes(base, {"client.revenue_per_hour_down": 500})
    for r in range(2):
        a = itm.simulate(with_revenue, "break_fix", SEED, replication=r)
        b = itm.simulate(scenario(base), "break_fix", SEED, replication=r)
        extra = a.metrics["downtime_cost"] - b.metrics["downtime_cost"]
        expected = 500 * _office_down_hours(a) if counts else 0.0
        assert a.metrics["incidents"] > 1
        assert extra == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert (extra > 0) == counts


def test_after_hours_p1_work_shortens_p1_restore() -> None:
    # flat-rate in a business-hours office: monitored devices report at once, and P1
    # work may then start outside working hours
    base = office(business_hours=MON_FRI, priority="P1", horizon="1y")
    base["fleet"].append(
        device(
            name="desk", count=4, priority="P3", lifetime={"dist": "exponential", "mean": "300h"}
        )
    )
    base["contracts"]["flat_rate"]["monitoring"] = {"detection_probability": 0.0}
    office_hours = scenario(base)
    around = with_changes(base, {"contracts.flat_rate.after_hours_priorities": ["P1"]})
    assert_increases(around, office_hours, p1_restore, contract="flat_rate")

    # break-fix with a client open longer than its provider: an emergency call-out
    data = office(priority="P1", horizon="1y")
    data["provider"]["working_hours"] = MON_FRI
    normal = scenario(data)
    call_out = with_changes(data, {"contracts.break_fix.after_hours_multiplier": 1.5})
    assert_increases(call_out, normal, p1_restore)
    run = itm.simulate(call_out, "break_fix", SEED)
    assert run.visits["after_hours"].any()


def test_false_alarms_add_technician_hours_but_no_incidents() -> None:
    base = office(count=3, technicians=30)
    base["contracts"]["flat_rate"]["monitoring"] = {"detection_probability": 0.0}
    alarms = with_changes(
        base,
        {
            "contracts.flat_rate.monitoring.false_alarms_per_device_month": 3.0,
            "contracts.flat_rate.monitoring.false_alarm_work": const("30min"),
        },
    )
    quiet = scenario(base)
    assert_increases(quiet, alarms, metric("technician_hours"), contract="flat_rate")
    for r in range(3):
        a = itm.simulate(alarms, "flat_rate", SEED, replication=r)
        b = itm.simulate(quiet, "flat_rate", SEED, replication=r)
        pd.testing.assert_frame_equal(a.incidents, b.incidents)
        checks = a.visits[a.visits["kind"] == "false_alarm"]
        assert len(checks) > 0 and (checks["incident_id"] == -1).all()
        extra = a.metrics["technician_hours"] - b.metrics["technician_hours"]
        assert extra == pytest.approx((checks["end"] - checks["start"]).sum(), rel=1e-9)


# --------------------------------------------------------------------------- common random numbers


def crn_office(background: bool) -> itm.Scenario:
    data = office(
        count=6,
        business_hours=MON_FRI,
        technicians=1,
        parts_probability=0.3,
        parts_lead_time={"dist": "exponential", "mean": "1d"},
        parts_cost={"dist": "lognormal", "median": 100, "sigma": 0.5},
        remote_fix_probability=0.2,
    )
    data["fleet"][0]["lifetime"] = {"dist": "weibull", "shape": 1.4, "scale": "800h"}
    data["provider"]["travel"] = {"dist": "uniform", "low": "20min", "high": "40min"}
    data["incident_streams"] = [
        stream(
            rate=0.5,
            priority={"P2": 0.2, "P3": 0.8},
            work={"dist": "lognormal", "median": "1h", "sigma": 0.5},
        )
    ]
    if background:
        data["provider"]["background_load"] = {
            "jobs_per_month": 150,
            "work": const("1h"),
            "contract_share": 0.5,
        }
    return scenario(data)


def test_both_contracts_see_the_same_failures() -> None:
    scn = crn_office(background=False)
    columns = ["incident_id", "kind", "source", "device", "priority", "occurred", "reported",
               "responded", "restored", "remote", "parts", "replaced"]  # fmt: skip
    for r in range(3):
        bf = itm.simulate(scn, "break_fix", SEED, replication=r).incidents
        fr = itm.simulate(scn, "flat_rate", SEED, replication=r).incidents
        assert (bf["kind"] == "hardware").sum() > 2 and (bf["kind"] == "incident").sum() > 2
        pd.testing.assert_frame_equal(bf[columns], fr[columns])


def test_first_failures_are_common_even_when_service_differs() -> None:
    """With background load the contracts queue differently, yet the luck is shared."""
    scn = crn_office(background=True)
    for r in range(3):
        bf = itm.simulate(scn, "break_fix", SEED, replication=r).incidents
        fr = itm.simulate(scn, "flat_rate", SEED, replication=r).incidents
        first_bf = bf[bf["kind"] == "hardware"].groupby("device")["occurred"].min()
        first_fr = fr[fr["kind"] == "hardware"].groupby("device")["occurred"].min()
        pd.testing.assert_series_equal(first_bf, first_fr)
        streams = [f[f["kind"] == "incident"]["occurred"].to_numpy() for f in (bf, fr)]
        np.testing.assert_array_equal(*streams)
        assert not bf["responded"].equals(fr["responded"])  # the service did differ


# --------------------------------------------------------------------------- dispatch, by hand


def timed_fleet(
    horizon: float, *devices: tuple[str, float, float], **provider: Any
) -> itm.Scenario:
    """Devices ``(priority, failure time, repair hours)``, one technician, constant times;
    the horizon ends before any second failure."""
    fleet = [
        device(name=f"d{i}", priority=p, lifetime=const(t), repair=const(w))
        for i, (p, t, w) in enumerate(devices)
    ]
    data = minimal(horizon=horizon, fleet=fleet)
    data["provider"].update(provider)
    return scenario(data)


def by_source(run: itm.Run, column: str) -> dict[str, float]:
    inc = run.incidents
    assert inc["source"].is_unique
    return dict(zip(inc["source"], inc[column], strict=True))


def test_shift_opens_in_priority_order() -> None:
    # Monday 20:00 a P3 fails, Monday 22:00 a P1: both wait for Tuesday 08:00 (t = 32);
    # the P1 goes first although reported later
    scn = timed_fleet(50, ("P3", 20.0, 2.0), ("P1", 22.0, 3.0), working_hours=MON_FRI)
    run = itm.simulate(scn, "break_fix", seed=0)
    assert by_source(run, "responded") == {"d0": 35.0, "d1": 32.0}
    assert by_source(run, "restored") == {"d0": 37.0, "d1": 35.0}


def test_max_age_counts_from_installation_not_from_the_last_repair() -> None:
    # bought 6 months before the start, a new life of exactly 1 year after every repair
    # (as good as new), replaced from 2.8 years old: it fails at 0.5 y (1 year old),
    # 1.5 y (2 years old) and 2.5 y (3 years old: replaced), although each life is 1 year
    data = minimal(
        horizon="3y",
        fleet=[
            device(
                age="6mo",
                lifetime=const("1y"),
                repair=const("1h"),
                max_age="2.8y",
                replacement_cost=900,
            )
        ],
    )
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    assert run.incidents["replaced"].tolist() == [False, False, True]
    hardware = run.ledger[run.ledger["category"] == "hardware"]
    assert hardware["amount"].sum() > 0


def test_reports_at_one_opening_are_served_in_dispatch_order() -> None:
    # office hours Mon-Fri; Saturday 10:00 a P4 printer fails, Sunday 10:00 a P1 server,
    # Sunday 12:00 a P2, Saturday 09:00 a P3: all four are reported at the opening,
    # Monday 08:00 (t = 176), at one instant; they are served P1, P2, P3, P4
    scn = timed_fleet(
        200,
        ("P4", 130.0, 2.0),
        ("P1", 154.0, 3.0),
        ("P2", 156.0, 1.0),
        ("P3", 129.0, 1.0),
        working_hours=MON_FRI,
    )
    data = scn.model_dump(mode="json")
    data["client"]["business_hours"] = MON_FRI
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    assert set(by_source(run, "reported").values()) == {176.0}
    assert by_source(run, "responded") == {"d1": 176.0, "d2": 179.0, "d3": 180.0, "d0": 181.0}
    # and by class: other clients' jobs left from the weekend go first when they are
    # contract work, after the P1 when they are pay-per-call P3s like this client's
    data["horizon"] = 400
    data["fleet"] = [device(name="server", priority="P1", lifetime=const(154.0))]
    background = {"jobs_per_month": 60, "work": const("1h"), "priority": "P3"}
    first = {}
    for share in (0.0, 1.0):
        data["provider"]["background_load"] = {**background, "contract_share": share}
        inc = itm.simulate(scenario(data), "break_fix", seed=3).incidents
        first[share] = inc["responded"].iloc[0]
    assert first[0.0] == 176.0
    assert first[1.0] >= 177.0


def test_job_left_at_closing_waits_for_the_next_shift() -> None:
    # two P3s at Monday 17:00; the first overruns to 18:30, the second starts Tuesday 08:00
    scn = timed_fleet(35, ("P3", 17.0, 1.5), ("P3", 17.0, 1.5), working_hours=MON_FRI)
    run = itm.simulate(scn, "break_fix", seed=0)
    assert by_source(run, "responded") == {"d0": 17.0, "d1": 32.0}
    assert run.visits["overtime_hours"].tolist() == pytest.approx([0.5, 0.0], abs=1e-12)


def test_incident_not_served_by_the_horizon_shows_its_draw() -> None:
    # Monday 20:00 a failure that needs a part and can be fixed remotely; staff report it
    # Tuesday 08:00, after the horizon (t = 30): the log still shows what was drawn
    data = minimal(
        horizon=30,
        business_hours=MON_FRI,
        fleet=[
            device(
                lifetime=const(20.0),
                remote_fix_probability=1.0,
                parts_probability=1.0,
                parts_lead_time=const("1d"),
            )
        ],
    )
    inc = itm.simulate(scenario(data), "break_fix", seed=0).incidents
    assert len(inc) == 1 and math.isnan(inc["responded"].iloc[0])
    assert inc["remote"].tolist() == [True]
    assert inc["parts"].tolist() == [True]
    assert inc["replaced"].tolist() == [False]


def test_second_visit_waits_for_parts_and_working_hours() -> None:
    # Monday 10:00 failure, 2 h of work: diagnosis 10-11, parts ready 21:00, install Tuesday 08-09
    data = minimal(
        horizon=40,  # the next failure (Tuesday 19:00) is reported after the horizon
        business_hours=MON_FRI,
        fleet=[
            device(
                lifetime=const(10.0),
                repair=const(2.0),
                parts_probability=1.0,
                parts_lead_time=const("10h"),
            )
        ],
    )
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    assert run.visits["start"].tolist() == [10.0, 32.0]
    assert run.incidents["restored"].tolist() == [33.0]
    assert run.metrics["device_downtime_hours"] == 23.0
    # the user loses only business hours: 10-18 Monday and 08-09 Tuesday
    assert run.metrics["user_downtime_hours"] == pytest.approx(9.0, rel=1e-12)


def monitored_device(
    lead: float, life: float = 100.0, horizon: float = 110.0, **keys: Any
) -> itm.Scenario:
    """One monitored device in a mon-fri office; its failure always warns ``lead`` ahead."""
    data = minimal(
        horizon=horizon,
        business_hours=MON_FRI,
        fleet=[
            device(
                lifetime=const(life),
                repair=const(1.0),
                warning={"probability": 1.0, "lead_time": const(lead)},
                **keys,
            )
        ],
    )
    data["provider"].update({"wage": 40, "overtime_premium": 0.5})
    data["contracts"]["flat_rate"]["monitoring"] = {"detection_probability": 1.0}
    return scenario(data)


def test_warning_caught_is_fixed_after_hours_before_the_failure() -> None:
    # fails Friday 04:00 (t = 100); warns Monday 10:00 (t = 10); fixed at closing, 18:00
    run = itm.simulate(monitored_device(90.0), "flat_rate", seed=0)
    inc = run.incidents.iloc[0]
    assert inc["kind"] == "prevented" and bool(inc["detected"])
    assert (inc["reported"], inc["responded"], inc["restored"]) == (10.0, 18.0, 19.0)
    m = run.metrics
    assert (m["incidents"], m["hardware_failures"], m["failures_prevented"]) == (0, 0, 1)
    assert m["device_downtime_hours"] == 0 and m["user_downtime_hours"] == 0
    assert run.visits["kind"].tolist() == ["preventive"]
    wages = run.ledger[run.ledger["category"] == "wages"]["amount"].tolist()
    assert wages == pytest.approx([40 * 1.5])  # all of it overtime
    # the same device without monitoring fails, and its owner notices at 08:00
    plain = itm.simulate(monitored_device(90.0), "break_fix", seed=0)
    assert plain.metrics["hardware_failures"] == 1
    assert plain.incidents["reported"].tolist() == [104.0]


def test_parts_ordered_on_warning_arrive_before_the_fix() -> None:
    keys = {"parts_probability": 1.0, "parts_lead_time": const("20h"), "parts_cost": const(80)}
    run = itm.simulate(monitored_device(90.0, **keys), "flat_rate", seed=0)
    # ordered Monday 10:00, here Tuesday 06:00 (office closed): fixed at once, in one visit
    inc = run.incidents.iloc[0]
    assert inc["kind"] == "prevented" and bool(inc["parts"])
    assert (inc["responded"], inc["restored"]) == (30.0, 31.0)
    assert run.visits["work_hours"].tolist() == [1.0]
    parts = run.ledger[run.ledger["category"] == "parts"]
    assert parts["time"].tolist() == [10.0, 10.0]


def test_warning_too_late_for_an_after_hours_fix() -> None:
    # fails Tuesday 10:00 (t = 34); warns 08:00: the office is open until the failure
    run = itm.simulate(monitored_device(2.0, life=34.0, horizon=60.0), "flat_rate", seed=0)
    inc = run.incidents.iloc[0]
    assert inc["kind"] == "hardware" and bool(inc["detected"])
    # monitored: reported the moment it fails, fixed in working hours
    assert (inc["occurred"], inc["reported"], inc["responded"]) == (34.0, 34.0, 34.0)
    assert run.metrics["hardware_failures"] == 1 and run.metrics["failures_prevented"] == 0


def test_deferred_problem_is_reported_after_the_delay() -> None:
    data = minimal(horizon="2w", fleet=[device(lifetime=NEVER)])
    data["incident_streams"] = [stream(rate=20.0, per="office")]
    data["contracts"]["break_fix"]["deferral"] = {
        "priorities": ["P3"],
        "probability": 1.0,
        "delay": const("48h"),
    }
    run = itm.simulate(scenario(data), "break_fix", seed=0)
    inc = run.incidents
    assert len(inc) > 3 and inc["deferred"].all() and not inc["escalated"].any()
    due = inc["occurred"] + 48.0 < run.scenario.horizon
    assert inc.loc[~due, "reported"].isna().all()  # still waiting at the horizon
    np.testing.assert_allclose(
        inc.loc[due, "reported"], inc.loc[due, "occurred"] + 48.0, rtol=1e-12
    )
    # the flat-rate client reports them at once (24/7 office)
    flat = itm.simulate(scenario(data), "flat_rate", seed=0).incidents
    np.testing.assert_allclose(flat["reported"], flat["occurred"], rtol=0)

    data["contracts"]["break_fix"]["deferral"] |= {
        "escalation_probability": 1.0,
        "escalate_to": "P1",
    }
    esc = itm.simulate(scenario(data), "break_fix", seed=0).incidents
    esc = esc[esc["escalated"]]
    assert len(esc) > 3 and (esc["priority"] == "P1").all()
    # it escalates during the delay, and is reported when it does
    assert (
        (esc["escalated_at"] >= esc["occurred"]) & (esc["escalated_at"] <= esc["occurred"] + 48)
    ).all()
    np.testing.assert_allclose(esc["reported"], esc["escalated_at"], rtol=1e-12)


def test_failure_during_the_preventive_visit_counts_from_the_failure() -> None:
    # fails Monday 18:30; warned at 08:30; the after-hours fix starts at 18:00 and ends at
    # 19:00: the device is down from 18:30 to 19:00, outside business hours
    run = itm.simulate(monitored_device(10.0, life=18.5, horizon=30.0), "flat_rate", seed=0)
    inc = run.incidents.iloc[0]
    assert inc["kind"] == "hardware" and bool(inc["detected"])
    assert (inc["occurred"], inc["reported"], inc["restored"]) == (18.5, 18.5, 19.0)
    m = run.metrics
    assert (m["hardware_failures"], m["failures_prevented"]) == (1, 0)
    assert m["device_downtime_hours"] == pytest.approx(0.5, rel=1e-12)
    assert m["user_downtime_hours"] == 0.0
    assert run.visits["kind"].tolist() == ["preventive"]
