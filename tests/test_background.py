"""The other clients' work (``provider.background_load``) fed without a process per job.

:mod:`itmodels.engine.background` hands each job to the dispatcher as held work; the
reference in ``background_reference.py`` runs one SimPy process per job, as the engine
first did.  On common random numbers the client must see exactly the same queue: every
metric, incident, visit and ledger row of every offer of every shipped scenario is
identical, and the new path schedules far fewer SimPy events.
"""

from __future__ import annotations

import math

import pytest
import simpy

import itmodels as itm
from background_reference import process_per_job
from itmodels.engine.technicians import Lane, Technicians
from itmodels.experiments.metrics import compute_metrics
from itmodels.scenario.shipped import shipped_names

SEEDS = (3, 11)

#: shipped scenarios, plus variants that reach the dispatcher's other paths: technicians
#: around the clock (the work needs no shift), constant work (ends tie), a heavy load
VARIANTS = {name: (name, {}) for name in shipped_names()} | {
    "small-office/techs-24-7": ("small-office", {"provider.working_hours": "24/7"}),
    "retail-shop/constant-work": (
        "retail-shop",
        {"provider.background_load.work": "1h", "provider.background_load.priority": "P2"},
    ),
    "small-office/heavy": (
        "small-office",
        {"provider.background_load.jobs_per_month": 400, "horizon": "1y"},
    ),
}


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_client_sees_the_same_queue_as_with_a_process_per_job(variant: str) -> None:
    name, changes = VARIANTS[variant]
    scn = itm.load_scenario(name)
    if changes:
        scn = scn.override(changes)
    assert scn.provider.background_load is not None
    for offer in scn.contracts.names():
        for seed in SEEDS:
            fast = itm.simulate(scn, offer, seed=seed)
            with process_per_job():
                slow = itm.simulate(scn, offer, seed=seed)
            where = f"{variant} {offer} seed {seed}"
            got = compute_metrics(scn, fast.records)
            want = compute_metrics(scn, slow.records)
            assert _same(got, want), where
            assert fast.incidents.equals(slow.incidents), where
            assert fast.visits.equals(slow.visits), where
            assert fast.ledger.equals(slow.ledger), where
            assert got["incidents"] > 0, where


def _events(scn: itm.Scenario) -> int:
    """SimPy events scheduled by one run of ``scn``."""
    count = [0]
    schedule = simpy.Environment.schedule

    def counted(self, event, priority=1, delay=0):
        count[0] += 1
        return schedule(self, event, priority, delay)

    simpy.Environment.schedule = counted  # type: ignore[method-assign]
    try:
        itm.simulate(scn, seed=5)
    finally:
        simpy.Environment.schedule = schedule  # type: ignore[method-assign]
    return count[0]


def test_background_jobs_cost_far_fewer_events() -> None:
    scn = itm.load_scenario("small-office").override({"horizon": "1y"})
    quiet = _events(scn.override({"provider.background_load": None}))
    fast = _events(scn)
    with process_per_job():
        slow = _events(scn)
    jobs = scn.provider.background_load.jobs_per_month * 12  # type: ignore[union-attr]
    assert slow - quiet > 5 * jobs  # a process per job: six events or more each
    assert fast - quiet < 2 * jobs  # at most an arrival and the end of the work
    assert (fast - quiet) < 0.4 * (slow - quiet)


def test_held_work_waits_in_dispatch_order_and_frees_its_technician() -> None:
    env = simpy.Environment()
    techs = Technicians(env, capacity=1)
    log: list[tuple[str, float]] = []

    def client(name: str, key: tuple, at: float, work: float):
        yield env.timeout(at)
        req = techs.request(priority=key)
        yield req
        log.append((name, env.now))
        yield env.timeout(work)
        techs.release(req)

    env.process(client("first", (0, 1), 0.0, 2.0))
    env.timeout(1.0).callbacks.append(lambda _e: techs.hold((1, 3, 1.0, -1), 3.0))
    env.timeout(1.5).callbacks.append(lambda _e: techs.hold((0, 3, 1.5, -2), 0.5))
    env.process(client("second", (0, 4), 1.6, 1.0))
    env.run()
    # at 2 the technician goes to the held work with the lowest key (0, 3): busy to 2.5;
    # then the client's (0, 4) before the pay-per-call held work (1, 3): 2.5 to 3.5; the
    # held (1, 3) then holds the technician to 6.5
    assert log == [("first", 0.0), ("second", 2.5)]
    assert techs.busy == 0 and techs.waiting == 0
    assert env.now == pytest.approx(6.5)


class _Listed:
    """A feed of held work from a list of ``(time, key, hours)``, one lane per key[0]."""

    def __init__(self, jobs: list[tuple[float, tuple, float]]) -> None:
        self.by_prefix = {key[:2]: Lane(key[:2]) for _, key, _ in jobs}
        self.lanes = list(self.by_prefix.values())
        self.jobs = jobs
        self.frontier = -math.inf
        self.extended = 0

    def extend(self) -> None:  # two jobs at a time, to cross the frontier often
        self.extended += 1
        for at, key, hours in self.jobs[:2]:
            lane = self.by_prefix[key[:2]]
            lane.times.append(at)
            lane.ids.append(key[3])
            lane.works.append(hours)
            self.frontier = at
        del self.jobs[:2]
        if not self.jobs:
            self.frontier = math.inf


def test_fed_work_waits_for_the_opening_in_dispatch_order() -> None:
    # a shift open 8:00-18:00 every day; work fed at 20:00, 23:00 and 6:00 waits for the
    # opening at 32 and is granted in dispatch order with a client's
    env = simpy.Environment()

    def is_open(t: float) -> bool:
        return 8.0 <= t % 24.0 < 18.0

    def next_open(t: float) -> float:
        return t if is_open(t) else (t // 24.0 + (t % 24.0 >= 18.0)) * 24.0 + 8.0

    def next_closed(t: float) -> float:
        return t if not is_open(t) else t // 24.0 * 24.0 + 18.0

    techs = Technicians(env, 1, is_open, next_open, next_closed)
    techs.feed(
        _Listed(
            [
                (20.0, (0, 3, 20.0, -1), 2.0),
                (23.0, (1, 3, 23.0, -2), 1.0),
                (30.0, (0, 3, 30.0, -3), 0.5),
            ]
        )
    )
    granted: list[float] = []

    def client():
        yield env.timeout(33.0)
        req = techs.request(priority=(0, 4))
        yield req
        granted.append(env.now)
        yield env.timeout(0.25)
        techs.release(req)

    env.process(client())
    env.run(until=31.9)
    assert techs.busy == 0 and techs.waiting == 3  # nothing granted at night
    env.run()
    # from the opening at 32: (0, 3, 20) for 2 h, (0, 3, 30) for 0.5 h, then the client's
    # (0, 4) at 34.5 before the pay-per-call (1, 3, 23), which ends at 35.75
    assert granted == [34.5]
    assert techs.busy == 0 and techs.waiting == 0


def test_fed_work_runs_ahead_without_events_until_a_process_asks() -> None:
    # two technicians, 24/7, 1,000 jobs of 0.1 h every hour: no process ever waits, so
    # the fed work costs a handful of wake-ups, and a request at 500.05 finds one
    # technician busy (the job of 500.0) and is granted at once
    env = simpy.Environment()
    techs = Technicians(env, 2)
    feed = _Listed([(float(k), (0, 3, float(k), -1 - k), 0.1) for k in range(1000)])
    techs.feed(feed)
    granted: list[tuple[float, int]] = []

    def client():
        yield env.timeout(500.05)
        req = techs.request(priority=(0, 4))
        yield req
        granted.append((env.now, techs.busy))
        yield env.timeout(1.0)
        techs.release(req)

    env.process(client())
    count = [0]
    schedule = env.schedule

    def counted(event, priority=1, delay=0):
        count[0] += 1
        return schedule(event, priority, delay)

    env.schedule = counted  # type: ignore[method-assign]
    env.run()
    assert granted == [(500.05, 2)]
    assert techs.busy == 0 and techs.waiting == 0
    assert feed.frontier == math.inf and all(lane.head == len(lane.times) for lane in feed.lanes)
    assert count[0] < 20
