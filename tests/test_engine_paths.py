"""The engine's fast paths give exactly what the general paths give."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from billing_reference import reference_charges
from itmodels.contracts import make_contract
from itmodels.engine.model import Model


def _scenario(**device: object) -> itm.Scenario:
    return itm.Scenario.model_validate(
        {
            "name": "paths",
            "horizon": "2y",
            "client": {"users": 20, "user_hour_value": 50, "business_hours": "24/7"},
            "fleet": [
                {
                    "name": "pc",
                    "count": 20,
                    "age": 0,
                    "users_affected": 1,
                    "lifetime": {"dist": "exponential", "mean": "3mo"},
                    "repair": {"dist": "lognormal", "median": "2h", "sigma": 0.5},
                    **device,
                }
            ],
            "provider": {"technicians": 2, "wage": 50, "travel": "30min", "travel_cost": 10},
            "contracts": {
                "break_fix": {"hourly_rate": 120, "minimum_billed": "1h", "trip_charge": 40},
                "flat_rate": {"fee_per_device": 40},
            },
        }
    )


@pytest.mark.parametrize(
    "device",
    [
        {},  # every life plain: the inline path throughout
        {  # a mix: parts orders and replacements take the general path
            "remote_fix_probability": 0.4,
            "parts_probability": 0.3,
            "parts_lead_time": "1d",
            "parts_cost": 100,
            "beyond_repair_probability": 0.1,
            "replacement_cost": 800,
        },
        {"max_age": "5mo", "replacement_cost": 800},  # age since installation decides
    ],
)
@pytest.mark.parametrize("contract", ["break_fix", "flat_rate"])
def test_inline_lives_equal_the_general_path(device, contract, monkeypatch):
    scn = _scenario(**device)
    fast = itm.simulate(scn, contract, seed=4)
    # with reports_at_once false the device process takes the general path for every
    # life; on a 24/7 client with no deferral the report still happens at once
    monkeypatch.setattr(Model, "reports_at_once", lambda self, priority: False)
    slow = itm.simulate(scn, contract, seed=4)
    pd.testing.assert_series_equal(fast.metrics, slow.metrics)
    pd.testing.assert_frame_equal(fast.incidents, slow.incidents)
    pd.testing.assert_frame_equal(fast.ledger, slow.ledger)
    pd.testing.assert_frame_equal(fast.visits, slow.visits)
    assert fast.metrics["incidents"] > 50


TERMS = {
    "break_fix": [
        {"hourly_rate": 100},
        {"hourly_rate": {"remote": 80, "onsite": 120}, "minimum_billed": "1h",
         "billing_increment": "15min", "trip_charge": 40, "after_hours_multiplier": 1.5},
        {"hourly_rate": 99.9, "billing_increment": "6min", "after_hours_multiplier": 2.0},
    ],
    "flat_rate": [
        {"fee_per_device": 50},
        {"fee_per_device": 50, "onsite_included": False, "onsite_hourly_rate": 77.7},
    ],
    "block_hours": [
        {"type": "block_hours", "hours_per_month": "20h", "block_rate": 100,
         "overage_rate": 150},
        {"type": "block_hours", "hours_per_month": "40h", "block_rate": 90, "rollover_cap": "10h",
         "overage_rate": {"remote": 95, "onsite": 140}, "minimum_billed": "1h",
         "billing_increment": "15min", "trip_charge": 40},
        {"type": "block_hours", "hours_per_month": "0h", "block_rate": 90, "overage_rate": 99.9,
         "billing_increment": "6min"},
    ],
    "hybrid": [
        {"type": "hybrid", "fee_per_device": 15, "monitoring": {"detection_probability": 0.8},
         "hourly_rate": {"remote": 80, "onsite": 120}, "minimum_billed": "1h",
         "billing_increment": "15min", "trip_charge": 40, "after_hours_multiplier": 1.5},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "terms"), [(k, t) for k, options in TERMS.items() for t in options]
)
def test_vectorised_billing_equals_billing_visit_by_visit(key, terms):
    rng = np.random.default_rng(0)
    n = 3000
    work = np.where(rng.random(n) < 0.1, 0.0, rng.exponential(1.0, n))
    work[:200] = np.arange(200) * 0.25  # exact multiples of the increment
    visits = {
        "incident_id": rng.integers(-1, 1000, n),
        "kind": np.array(
            rng.choice(["repair", "preventive", "maintenance", "false_alarm"], n), dtype=object
        ),
        "start": rng.random(n) * 20000,  # 27 months: balances carried and reset
        "work_hours": work,
        "travel_hours": np.where(rng.random(n) < 0.5, 0.0, rng.random(n)),
        "onsite": rng.random(n) < 0.6,
        "after_hours": rng.random(n) < 0.3,
    }
    data = copy.deepcopy(_scenario().model_dump(mode="json", exclude_none=True))
    data["contracts"] = {key: terms}
    contract = make_contract(itm.Scenario.model_validate(data), key)
    fast = contract.charges_table(visits)
    slow = reference_charges(contract, visits)  # billed visit by visit, in the test
    np.testing.assert_array_equal(fast[0], slow[0])
    assert list(fast[1]) == list(slow[1])
    np.testing.assert_array_equal(fast[2], slow[2])
    billed_per_visit = key != "flat_rate" or not terms.get("onsite_included", True)
    assert (len(slow[0]) > 0) == billed_per_visit  # a flat fee alone bills no visit


def test_backlogged_work_asks_for_a_technician_once(monkeypatch):
    # one technician in office hours, far more work than one person can do: the backlog
    # waits through many shift openings; each job must ask once, not at every opening
    from itmodels.engine.technicians import Technicians

    calls = []
    ask = Technicians.request

    def counted(self, *args, **kwargs):
        calls.append(1)
        return ask(self, *args, **kwargs)

    monkeypatch.setattr(Technicians, "request", counted)
    scn = _scenario(count=400, lifetime={"dist": "exponential", "mean": "1mo"})
    data = scn.model_dump(mode="json")
    data["horizon"] = "3mo"
    data["provider"]["working_hours"] = {"days": "mon-fri", "start": "08:00", "end": "18:00"}
    run = itm.simulate(itm.Scenario.model_validate(data), "flat_rate", seed=1)
    waiting = int(run.incidents["responded"].isna().sum())
    assert waiting > 100  # a real backlog, carried through dozens of openings
    assert len(calls) == len(run.visits) + waiting


def _log_grants(monkeypatch):
    """Record every request (time, key, whether it may start after hours, shift test) and
    every grant (time, order) the dispatcher makes."""
    import simpy

    from itmodels.engine.technicians import Request, Technicians

    asked: list[tuple] = []
    granted: dict[int, tuple[float, int]] = {}
    ask = Technicians.request

    def request(self, priority=0, anytime=True):
        req = ask(self, priority, anytime)
        asked.append((self.env.now, priority, anytime, self._is_open, req))
        return req

    def succeed(self, value=None):
        granted[id(self)] = (self.env.now, len(granted))
        return simpy.Event.succeed(self, value)

    monkeypatch.setattr(Technicians, "request", request)
    monkeypatch.setattr(Request, "succeed", succeed)
    return asked, granted


def test_requests_at_one_instant_are_granted_in_dispatch_order(monkeypatch):
    import simpy

    from itmodels.engine.technicians import Technicians

    env = simpy.Environment()
    techs = Technicians(env, capacity=1)
    order: list[tuple] = []

    def holder():
        req = techs.request(priority=(0, 0))
        yield req
        yield env.timeout(4.5)
        techs.release(req)  # the technician is free before the others ask

    def job(key, delay):
        yield env.timeout(delay)
        req = techs.request(priority=key)
        yield req
        order.append(key)
        yield env.timeout(1.0)
        techs.release(req)

    env.process(holder())
    # four ask at t = 5 in this order (one of them via a zero-length wait): pay-per-call
    # P1, contract P3, pay-per-call P4, contract P1
    for key, delay in [((1, 1), 5.0), ((0, 3), 5.0), ((1, 4), 5.0), ((0, 1), 5.0)]:
        env.process(job(key, delay))
    env.run()
    assert order == [(0, 1), (0, 3), (1, 1), (1, 4)]


def test_replayed_starts_follow_the_dispatch_rule(monkeypatch):
    # every grant of a long run: no request waiting at that moment (asked at or before
    # it, granted later or later at the same instant) that could start then had a lower key
    # the other clients' jobs ask one by one here (the process-per-job reference, which
    # test_background.py shows gives the client the same queue), so that they are logged
    from background_reference import process_per_job

    asked, granted = _log_grants(monkeypatch)
    scn = itm.load_scenario("professional-firm").override({"horizon": "1y"})
    with process_per_job():
        itm.simulate(scn, "break_fix", seed=1)
    seen = 0
    for t, key, _anytime, _open, req in asked:
        if id(req) not in granted:
            continue
        at, rank = granted[id(req)]
        for t2, key2, anytime2, is_open2, req2 in asked:
            if t2 > at or key2 >= key:
                continue
            at2, rank2 = granted.get(id(req2), (np.inf, np.inf))
            if (at2, rank2) < (at, rank):
                continue
            may_start = anytime2 or is_open2 is None or is_open2(at)
            assert not may_start, (t, key, at, t2, key2, at2)
        seen += 1
    assert seen > 500


@pytest.mark.parametrize("seed", range(5))
def test_dispatcher_grants_as_simpy_priority_resource_when_no_two_ask_at_once(seed):
    # the same random stream of requests (distinct times, keys with ties, random holds)
    # through the engine's dispatcher and through simpy.PriorityResource: same grants
    import simpy

    from itmodels.engine.technicians import Technicians

    rng = np.random.default_rng(seed)
    n = 400
    arrivals = np.cumsum(rng.exponential(1.0, n))
    keys = [
        (int(c), int(p)) for c, p in zip(rng.integers(0, 2, n), rng.integers(1, 5, n), strict=True)
    ]
    holds = rng.exponential(2.5, n)
    capacity = int(rng.integers(1, 4))

    def run(make, ask, give_back):
        env = simpy.Environment()
        res = make(env)
        grants = []

        def job(i):
            yield env.timeout(arrivals[i])
            req = ask(res, keys[i])
            yield req
            grants.append((env.now, i))
            yield env.timeout(holds[i])
            give_back(res, req)

        for i in range(n):
            env.process(job(i))
        env.run()
        return grants

    ours = run(
        lambda env: Technicians(env, capacity),
        lambda res, key: res.request(priority=key),
        lambda res, req: res.release(req),
    )
    theirs = run(
        lambda env: simpy.PriorityResource(env, capacity),
        lambda res, key: res.request(priority=key),
        lambda res, req: res.release(req),
    )
    assert len(ours) == n
    assert ours == theirs
    waited = sum(1 for (t, i) in ours if t > arrivals[i])
    assert waited > n // 4  # the queue was used, not only free technicians
